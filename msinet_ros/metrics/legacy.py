"""
The MIT saliency benchmark's measures: the MATLAB ``code_forMetrics`` of cvzoya/saliency.

Our own implementations of the functions at cvzoya/saliency HEAD 5951cdc (``AUC_Judd.m``,
``AUC_Borji.m``, ``AUC_shuffled.m``, ``NSS.m``, ``CC.m``, ``similarity.m``, ``KLdiv.m``,
``EMD.m``, ``InfoGain.m``), step for step, with MATLAB's ``imresize``, ``std``, ``eps`` and
colon operator from :mod:`.matlab`. The second argument is, as in the benchmark, the binary
fixation map for AUC-Judd, AUC-Borji, sAUC, NSS and IG (``truth.fixation_map()``: fixations
outside the image dropped, a pixel fixated twice counts once) and the continuous fixation
(density) map for CC, SIM, KLD and EMD (``truth.density``; MetricUndefined if the dataset
has none). A map of another size than the fixation/density map is resized to it with
MATLAB's ``imresize`` (bicubic, antialiased), as the MATLAB code does.

Where the MATLAB code returns NaN (or fails), these raise MetricUndefined with the reason:

- AUC-Judd, sAUC, NSS, IG: no fixation inside the image. AUC-Borji: fewer than 2 fixated
  pixels (``sum(fixationMap(:)>0) <= 1``).
- AUC-Judd, AUC-Borji, sAUC, IG: a constant map (min-max normalisation divides by 0). With
  AUC-Judd's jitter a constant map is not constant (it scores about 0.5, as in MATLAB) unless
  the map's values are too large for 1e-7 to change them. IG: also a constant baseline (a
  uniform baseline is one: the MATLAB code min-max normalises it too).
- AUC-Judd: every pixel fixated (no negatives: ``0 / 0``).
- sAUC: no fixation on the other images (``0 / 0``), or no ``context.other_fixations``.
- NSS, CC: a constant map (std 0). CC: also a constant density map.
- SIM: a constant non-zero map (min-max gives NaN); an all-zero map stays all zero and
  scores 0, as in MATLAB.
- KLD, EMD: a map with negative values: MATLAB's KLD takes the log of a negative number
  (complex) and FastEMD's flow is not defined for negative mass. Both measures treat the maps
  as distributions; we refuse such input (MATLAB would give a value for a negative pixel
  where the density is 0: a deviation). The negative lobes of the bicubic kernel can make a
  resized non-negative map slightly negative near sharp edges: those values are set to 0
  (the benchmark passed 8-bit images, which ``imresize`` saturates at 0; on doubles MATLAB
  would go on with them: a deviation). EMD: a map that sums to 0 after resizing (``0 / 0``).

Randomised measures (AUC-Judd's jitter, AUC-Borji's and sAUC's negatives) take the explicit
draws as keyword arguments (what MATLAB's ``rand``, ``randi`` and ``randperm`` returned, for
fixtures) or draw them from ``rng``; ``MEASURES`` uses ``context.rng``. Flat pixel indices
are 0-based and in MATLAB's order (column-major, ``x(:)``), so ``draws + 1`` is what
``randi`` returned.
"""

import os
from typing import Dict, Optional, Tuple

import numpy as np

from . import matlab
from .common import (checked_map, Context, density_or_undefined, GroundTruth, Measure,
                     MetricUndefined)
from ..errors import require

JITTER_DIVISOR = 10000000.0  # AUC_Judd.m: rand(size(saliencyMap))/10000000
EMD_DOWNSIZE = 32  # EMD.m: default downsize
SHUFFLED_OTHER_IMAGES = 10  # AUC_shuffled.m: otherMap from "M other random images (M=10)"
_EMD_MAX_ITERATIONS = 10_000_000


def auc_judd(saliency: np.ndarray, fixation_map: np.ndarray, *, jitter: bool = True,
             jitter_draws: Optional[np.ndarray] = None,
             rng: Optional[np.random.Generator] = None) -> float:
    """
    Return AUC-Judd (``AUC_Judd.m``): negatives are the unfixated pixels.

    The map (resized to the fixation map) gets ``jitter_draws / 10000000`` added to break
    ties (``jitter_draws``: an array of the map's size in [0, 1), MATLAB's
    ``rand(size(saliencyMap))``; drawn from ``rng`` if None), is min-max normalised, and the
    ROC curve has a point per fixated pixel: the threshold is its value, the true-positive
    rate ``i / Nfix`` and the false-positive rate ``(#pixels >= threshold - i) /
    (Npixels - Nfix)``, closed by (0, 0) and (1, 1); the area is the trapezoid rule's.
    """
    fixated = _binary(fixation_map)
    if not fixated.any():
        raise MetricUndefined('no fixations inside the image')
    values = _resized(checked_map(saliency), fixated.shape)
    if jitter:
        if jitter_draws is None:
            draws = _generator(rng).random(values.shape)
        else:
            draws = np.asarray(jitter_draws, dtype=np.float64)
            if draws.shape != values.shape:
                raise ValueError(f'jitter_draws must have the shape {values.shape}, '
                                 f'got {draws.shape}')
        values = values + draws / JITTER_DIVISOR
    values = _min_max(values, 'saliency map')
    scores = values.ravel()
    positives = scores[fixated.ravel()]
    n_fixations, n_pixels = positives.size, scores.size
    if n_fixations == n_pixels:
        raise MetricUndefined('every pixel is fixated: no negatives (MATLAB: NaN)')
    thresholds = np.sort(positives)[::-1]
    above = n_pixels - np.searchsorted(np.sort(scores), thresholds, side='left')
    rank = np.arange(1, n_fixations + 1)
    tp = np.concatenate(([0.0], rank / n_fixations, [1.0]))
    fp = np.concatenate(([0.0], (above - rank) / (n_pixels - n_fixations), [1.0]))
    return _trapz(fp, tp)


def auc_borji(saliency: np.ndarray, fixation_map: np.ndarray, *, splits: int = 100,
              step: float = 0.1, draws: Optional[np.ndarray] = None,
              rng: Optional[np.random.Generator] = None) -> float:
    """
    Return AUC-Borji (``AUC_Borji.m``): negatives drawn uniformly from all pixels.

    The map (resized, min-max normalised) is sampled at ``Nfix`` random pixels per split
    (``draws``: ``(Nfix, splits)`` 0-based column-major pixel indices, MATLAB's
    ``randi([1 Npixels], [Nfix, Nsplits]) - 1``; drawn from ``rng`` if None, with
    replacement). Per split the thresholds are ``fliplr(0:step:max)`` (MATLAB's colon), with
    max over the fixated and drawn values; the score is the mean of the splits' trapezoid
    areas.
    """
    fixated = _binary(fixation_map)
    if np.count_nonzero(fixated) <= 1:
        raise MetricUndefined('fewer than 2 fixated pixels (the MATLAB code needs 2)')
    scores, positives = _normalised_scores(saliency, fixated)
    shape = (positives.size, splits)
    if draws is None:
        chosen = _generator(rng).integers(0, scores.size, size=shape)
    else:
        chosen = np.asarray(draws)
        if chosen.shape != shape or not np.issubdtype(chosen.dtype, np.integer):
            raise ValueError(f'draws must be integers of shape {shape}, got '
                             f'{chosen.dtype} {chosen.shape}')
        if chosen.min() < 0 or chosen.max() >= scores.size:
            raise ValueError(f'draws must be pixel indices in [0, {scores.size})')
    return _mean_split_auc(positives, scores[chosen], step)


def auc_shuffled(saliency: np.ndarray, fixation_map: np.ndarray, other_map: np.ndarray, *,
                 splits: int = 100, step: float = 0.1,
                 permutations: Optional[np.ndarray] = None,
                 rng: Optional[np.random.Generator] = None) -> float:
    """
    Return shuffled AUC (``AUC_shuffled.m``): negatives from other images' fixated pixels.

    ``other_map`` is the binary map of the other images' fixations at this image's size. Its
    fixated pixels, in column-major order, are shuffled per split and the first
    ``min(Nfix, Nother)`` are the negatives (``permutations``: ``(splits, Nother)``, each row
    a 0-based permutation, MATLAB's ``randperm(Nother) - 1``; if None, ``rng`` draws the
    same: ``min(Nfix, Nother)`` distinct locations in random order). Thresholds and areas
    as for :func:`auc_borji`.
    """
    fixated = _binary(fixation_map)
    if not fixated.any():
        raise MetricUndefined('no fixations inside the image')
    other = _binary(other_map)
    if other.shape != fixated.shape:
        raise ValueError(f"other_map {other.shape} must have the fixation map's size "
                         f'{fixated.shape}')
    scores, positives = _normalised_scores(saliency, fixated)
    locations = np.flatnonzero(other.ravel(order='F'))
    if locations.size == 0:
        raise MetricUndefined('no fixations on the other images (MATLAB: NaN)')
    n_negatives = min(positives.size, locations.size)
    if permutations is None:
        generator = _generator(rng)
        chosen = np.stack([generator.choice(locations.size, n_negatives, replace=False)
                           for _ in range(splits)], axis=1)
    else:
        order = np.asarray(permutations)
        if order.shape != (splits, locations.size) or \
                not np.issubdtype(order.dtype, np.integer) or \
                not (np.sort(order, axis=1) == np.arange(locations.size)).all():
            raise ValueError(f'permutations must be {splits} permutations of '
                             f'range({locations.size})')
        chosen = order[:, :n_negatives].T
    return _mean_split_auc(positives, scores[locations[chosen]], step)


def nss(saliency: np.ndarray, fixation_map: np.ndarray) -> float:
    """Return NSS (``NSS.m``): the mean at the fixated pixels of ``(map - mean) / std``."""
    fixated = _binary(fixation_map)
    if not fixated.any():
        raise MetricUndefined('no fixations inside the image')
    values = _resized(checked_map(saliency), fixated.shape)
    if _constant(values):
        raise MetricUndefined('constant saliency map: std is 0 (MATLAB: NaN)')
    normalised = (values - values.mean()) / matlab.std(values)
    return float(normalised[fixated].mean())


def cc(saliency: np.ndarray, density: np.ndarray) -> float:
    """Return CC (``CC.m``): Pearson's correlation of the map and the density map."""
    target = checked_map(density)
    values = _resized(checked_map(saliency), target.shape)
    maps = []
    for name, array in (('saliency map', values), ('density map', target)):
        if _constant(array):
            raise MetricUndefined(f'constant {name}: std is 0 (MATLAB: NaN)')
        maps.append((array - array.mean()) / matlab.std(array))
    a, b = (array - array.mean() for array in maps)  # corr2
    return float(np.sum(a * b) / np.sqrt(np.sum(a * a) * np.sum(b * b)))


def similarity(saliency: np.ndarray, density: np.ndarray) -> float:
    """
    Return SIM (``similarity.m``): the histogram intersection of the two maps.

    Each map that is not all zero is min-max normalised and divided by its sum; an all-zero
    map stays all zero (SIM 0).
    """
    target = checked_map(density)
    values = _resized(checked_map(saliency), target.shape)
    first = _sim_distribution(values, 'saliency map')
    second = _sim_distribution(target, 'density map')
    return float(np.sum(np.minimum(first, second)))


def kldiv(saliency: np.ndarray, density: np.ndarray) -> float:
    """
    Return KLD (``KLdiv.m``) of the map from the density map, in nats.

    Each map that is not all zero is divided by its sum; the score is
    ``sum(Q * log(eps + Q / (P + eps)))`` with P the map, Q the density and MATLAB's eps.
    Negative values are refused; resizing overshoot below 0 is set to 0 (module docstring).
    """
    target = _non_negative(checked_map(density), 'density map')
    values = _resized_distribution(_non_negative(checked_map(saliency), 'saliency map'),
                                   target.shape)
    if values.any():
        values = values / values.sum()
    if target.any():
        target = target / target.sum()
    return float(np.sum(target * np.log(matlab.EPS + target / (values + matlab.EPS))))


def emd(saliency: np.ndarray, density: np.ndarray, *, downsize: float = EMD_DOWNSIZE) -> float:
    """
    Return EMD (``EMD.m``): the earth mover's distance between the reduced maps.

    As the current EMD.m computes it: the density map is resized by ``1 / downsize``
    (MATLAB's ``imresize``: ``ceil(size / downsize)`` pixels), the map to that size, each
    divided by its sum, and the distance is FastEMD's ``emd_hat_gd_metric_mex(P, Q, D, 0)``
    with D the Euclidean distance between pixel centres (in reduced pixels). With equal
    masses and an extra-mass penalty of 0 that is the plain optimal-transport cost, which POT
    (``ot.emd2``) solves exactly; FastEMD rounds masses and distances to 1e-6 of their
    maximum first, so MATLAB's values differ from these by ~1e-5 (the fixture: up to 6e-5 on
    values of 0.6 to 9.4). There is no histogram matching:
    it was removed from EMD.m (cvzoya commit 53440b3, "removed histogram matching").
    Negative values are refused; resizing overshoot below 0 is set to 0 (module docstring).
    """
    if not downsize > 0:
        raise ValueError(f'downsize must be positive, got {downsize}')
    target = _non_negative(checked_map(density), 'density map')
    values = _non_negative(checked_map(saliency), 'saliency map')
    reduced_target = _clipped(matlab.imresize(target, 1.0 / downsize))
    reduced = _resized_distribution(values, reduced_target.shape)
    masses = []
    for name, array in (('density map', reduced_target), ('saliency map', reduced)):
        total = array.sum()
        if not total > 0:
            raise MetricUndefined(f'{name} sums to 0 after resizing (MATLAB: NaN)')
        masses.append((array / total).ravel())
    rows, cols = np.indices(reduced_target.shape)
    centres = np.stack((rows.ravel(), cols.ravel()), axis=1).astype(np.float64)
    ground = np.sqrt(((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2))
    ot = import_pot()
    cost, log = ot.emd2(masses[0], masses[1], ground, numItermax=_EMD_MAX_ITERATIONS,
                        log=True)
    if log.get('warning'):
        raise RuntimeError(f'the optimal-transport solver did not converge: {log["warning"]}')
    return float(cost)


def info_gain(saliency: np.ndarray, fixation_map: np.ndarray, baseline: np.ndarray) -> float:
    """
    Return IG (``InfoGain.m``) over the baseline map, in bits per fixated pixel.

    Both maps (resized to the fixation map) are min-max normalised and divided by their sum;
    the score is the mean over fixated pixels of ``log2(eps + p) - log2(eps + b)``.
    """
    fixated = _binary(fixation_map)
    if not fixated.any():
        raise MetricUndefined('no fixations inside the image')
    distributions = []
    for name, array in (('saliency map', saliency), ('baseline map', baseline)):
        normalised = _min_max(_resized(checked_map(array), fixated.shape), name)
        distributions.append(normalised / normalised.sum())
    own, base = (array[fixated] for array in distributions)
    return float(np.mean(np.log2(matlab.EPS + own) - np.log2(matlab.EPS + base)))


def _binary(fixation_map: np.ndarray) -> np.ndarray:
    """Return a fixation map as bool (> 0 is fixated)."""
    values = np.asarray(fixation_map)
    if values.ndim != 2:
        raise ValueError(f'fixation map must be 2-D, got shape {values.shape}')
    return values > 0


def _constant(values: np.ndarray) -> bool:
    """
    Return whether a map is constant.

    Compared by range, not by ``std == 0``: the mean of a constant such as 0.3 is off by
    rounding, so its std comes out near 1e-17 rather than 0 (MATLAB's too) and dividing by it
    turns rounding noise into a score.
    """
    return bool(values.max() == values.min())


def _generator(rng: Optional[np.random.Generator]) -> np.random.Generator:
    """Return the generator to draw from (a fresh, unseeded one if None)."""
    return np.random.default_rng() if rng is None else rng


def resized_non_negative(values: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Return a map at ``shape`` as the legacy measures resize it, overshoot below 0 set to 0."""
    return _clipped(_resized(values, shape))


def _resized(values: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Return the map at ``shape`` (MATLAB's imresize; the map itself if already that size)."""
    return values if values.shape == tuple(shape) else matlab.imresize(values, shape)


def _clipped(values: np.ndarray) -> np.ndarray:
    """Return the map with negative values (bicubic overshoot) set to 0."""
    return np.maximum(values, 0.0)


def _resized_distribution(values: np.ndarray, shape: Tuple[int, int]) -> np.ndarray:
    """Return a non-negative map resized to ``shape``, its overshoot below 0 set to 0."""
    return _clipped(matlab.imresize(values, shape))


def _non_negative(values: np.ndarray, name: str) -> np.ndarray:
    """Return the map, or raise MetricUndefined if it has negative values."""
    if (values < 0).any():
        raise MetricUndefined(f'{name} has negative values; this measure takes the maps as '
                              'distributions')
    return values


def _min_max(values: np.ndarray, name: str) -> np.ndarray:
    """Return ``(x - min) / (max - min)``, or raise MetricUndefined for a constant map."""
    low, high = values.min(), values.max()
    if high == low:
        raise MetricUndefined(f'constant {name}: min-max normalisation divides by 0 '
                              '(MATLAB: NaN)')
    return (values - low) / (high - low)


def _sim_distribution(values: np.ndarray, name: str) -> np.ndarray:
    """Return similarity.m's normalisation: min-max then unit sum; all zero stays zero."""
    if not values.any():
        return values
    normalised = _min_max(values, name)
    return normalised / normalised.sum()


def _normalised_scores(saliency: np.ndarray,
                       fixated: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Return the resized, min-max normalised map column-major, and its fixated values."""
    values = _min_max(_resized(checked_map(saliency), fixated.shape), 'saliency map')
    scores = values.ravel(order='F')
    return scores, scores[fixated.ravel(order='F')]


def _mean_split_auc(positives: np.ndarray, negatives: np.ndarray, step: float) -> float:
    """Return the mean over splits (columns of ``negatives``) of the fixed-step ROC area."""
    ranked = np.sort(positives)
    areas = []
    for column in negatives.T:
        thresholds = matlab.colon(0.0, step, float(max(ranked[-1], column.max())))[::-1]
        tp = (ranked.size - np.searchsorted(ranked, thresholds, side='left')) / ranked.size
        drawn = np.sort(column)
        fp = (drawn.size - np.searchsorted(drawn, thresholds, side='left')) / drawn.size
        areas.append(_trapz(np.concatenate(([0.0], fp, [1.0])),
                            np.concatenate(([0.0], tp, [1.0]))))
    return float(np.mean(areas))


def _trapz(x: np.ndarray, y: np.ndarray) -> float:
    """Return MATLAB's ``trapz(x, y)``."""
    return float(np.dot(np.diff(x), y[:-1] + y[1:]) / 2.0)


def import_pot():
    """Import POT without its TensorFlow/PyTorch/JAX/CuPy backends (slow, and unused here)."""
    for backend in ('TENSORFLOW', 'PYTORCH', 'JAX', 'CUPY'):
        os.environ.setdefault(f'POT_BACKEND_DISABLE_{backend}', '1')
    return require('ot', 'install POT (pip install pot) for the legacy EMD')


def _auc_judd(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return auc_judd(saliency, truth.fixation_map(), rng=context.rng)


def _sim(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return similarity(saliency, density_or_undefined(truth))


def _emd(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return emd(saliency, density_or_undefined(truth))


def _auc_borji(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return auc_borji(saliency, truth.fixation_map(), rng=context.rng)


def _shuffled_auc(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    if context.other_fixations is None:
        raise MetricUndefined('no fixations of other images given')
    others = GroundTruth(np.asarray(context.other_fixations).reshape(-1, 2), truth.shape)
    return auc_shuffled(saliency, truth.fixation_map(), others.fixation_map(),
                        rng=context.rng)


def _cc(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return cc(saliency, density_or_undefined(truth))


def _nss(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return nss(saliency, truth.fixation_map())


def _kld(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    return kldiv(saliency, density_or_undefined(truth))


def _information_gain(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    if context.baseline is None:
        raise MetricUndefined('no baseline')
    return info_gain(saliency, truth.fixation_map(), context.baseline)


MEASURES: Dict[str, Measure] = {
    'AUC-Judd': _auc_judd,
    'SIM': _sim,
    'EMD': _emd,
    'AUC-Borji': _auc_borji,
    'sAUC': _shuffled_auc,
    'CC': _cc,
    'NSS': _nss,
    'KLD': _kld,
    'IG': _information_gain,
}
"""The legacy measures by name, in the paper's order (adapters: saliency, truth, context)."""
