"""
The paper's Table 6: MSI-Net (with ASPP) on the validation splits, mean µ and σ of 10 networks.

Kroner et al. 2020, Table 6, "⊕ASPP" rows: each network was trained 10 times and scored on the
validation instances of each dataset (the official split, ``--split official-val``). A released
model is one such network, so it is compared with the distribution, within ±3σ, not for
equality. The scores were computed with the MIT benchmark's MATLAB code (the legacy protocol).
"""

from typing import Dict, Optional, Tuple

MEASURES = ('AUC-Judd', 'SIM', 'EMD', 'AUC-Borji', 'sAUC', 'CC', 'NSS', 'KLD')
_ROWS = {  # dataset: (µ row, σ row), in MEASURES order
    'mit1003': ((0.899, 0.602, 2.430, 0.832, 0.713, 0.741, 2.663, 0.818),
                (0.001, 0.004, 0.033, 0.005, 0.003, 0.003, 0.012, 0.051)),
    'cat2000': ((0.882, 0.734, 2.553, 0.812, 0.582, 0.854, 2.359, 0.430),
                (0.000, 0.002, 0.025, 0.005, 0.003, 0.003, 0.007, 0.010)),
    'dutomron': ((0.921, 0.649, 1.155, 0.864, 0.775, 0.776, 2.873, 0.634),
                 (0.001, 0.002, 0.016, 0.005, 0.003, 0.002, 0.008, 0.023)),
    'pascals': ((0.914, 0.667, 1.015, 0.853, 0.701, 0.818, 2.610, 0.645),
                (0.000, 0.003, 0.010, 0.004, 0.003, 0.002, 0.008, 0.044)),
    'osie': ((0.918, 0.648, 1.647, 0.816, 0.788, 0.808, 3.010, 0.749),
             (0.001, 0.002, 0.017, 0.004, 0.004, 0.002, 0.010, 0.031)),
}
TABLE6: Dict[str, Dict[str, Tuple[float, float]]] = {
    dataset: dict(zip(MEASURES, zip(means, stds))) for dataset, (means, stds) in _ROWS.items()}
# Table 6 prints σ to three decimals, so 0.000 means below 0.0005: the band uses that bound.
ROUNDING = 0.0005


def within(dataset: str, measure: str, value: float, sigmas: float = 3.0) -> Optional[bool]:
    """Return whether a value lies within µ ± sigmas·σ of Table 6 (None: not in the table)."""
    entry = TABLE6.get(dataset, {}).get(measure)
    if entry is None:
        return None
    mean, std = entry
    return abs(value - mean) <= sigmas * max(std, ROUNDING)
