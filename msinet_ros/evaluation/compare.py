"""
Agreement between two models' maps of the same images (is an FP16/INT8 engine good enough).

Model A is the reference (e.g. the fp32 export), B the candidate. Per image: CC between the
maps and KLD of B from A (the MIT benchmark's definitions, :mod:`msinet_ros.metrics.legacy`,
with A in the place of the human density), and the distance in pixels between the two maps'
top fixations (the maximum, refined to sub-pixel as the node's fixations are). No ground
truth is needed.
"""

from dataclasses import dataclass
import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..attention.peaks import refine_peak
from ..metrics import legacy
from ..metrics.common import checked_map, MetricUndefined

COLUMNS = ('CC', 'KLD', 'top distance (px)')


@dataclass(frozen=True)
class Agreement:
    """How closely two maps of one image agree."""

    name: str
    values: Dict[str, object]  # column → float, or 'n/a (reason)'


def top_fixation(saliency: np.ndarray) -> np.ndarray:
    """Return the (row, col) of the map's maximum, refined to sub-pixel."""
    row, col = np.unravel_index(int(np.argmax(saliency)), saliency.shape)
    offset = refine_peak(saliency, int(row), int(col))
    return np.asarray([row + offset[0], col + offset[1]], dtype=np.float64)


def agreement(name: str, reference: np.ndarray, candidate: np.ndarray) -> Agreement:
    """Return CC, KLD (candidate from reference) and the top-fixation distance of one image."""
    values: Dict[str, object] = {}
    try:
        a, b = checked_map(reference), checked_map(candidate)
        if a.shape != b.shape:
            raise MetricUndefined(f'maps of {a.shape[0]}x{a.shape[1]} and '
                                  f'{b.shape[0]}x{b.shape[1]}')
    except MetricUndefined as exc:
        return Agreement(name, {column: f'n/a ({exc})' for column in COLUMNS})
    for column, measure in (('CC', lambda: legacy.cc(b, a)),
                            ('KLD', lambda: legacy.kldiv(b, a)),
                            ('top distance (px)',
                             lambda: float(np.hypot(*(top_fixation(a) - top_fixation(b)))))):
        try:
            values[column] = float(measure())
        except MetricUndefined as exc:
            values[column] = f'n/a ({exc})'
    return Agreement(name, values)


class PairedMaps:
    """
    Two map sources over the same images: each image's two maps computed once, in turn.

    ``first`` and ``second`` are map sources themselves (for scoring each model); the first
    call for an image computes both maps and records their :class:`Agreement`.
    """

    def __init__(self, reference: Callable[[str, Callable], np.ndarray],
                 candidate: Callable[[str, Callable], np.ndarray]):
        self._sources = reference, candidate
        self.agreements: List[Agreement] = []
        self._name: Optional[str] = None
        self._maps: Tuple[np.ndarray, ...] = ()

    def _both(self, name: str, image: Callable) -> Tuple[np.ndarray, ...]:
        if name != self._name:
            self._maps = tuple(source(name, image) for source in self._sources)
            self._name = name
            self.agreements.append(agreement(name, *self._maps))
        return self._maps

    def first(self, name: str, image: Callable) -> np.ndarray:
        """Return the reference's map of the image."""
        return self._both(name, image)[0]

    def second(self, name: str, image: Callable) -> np.ndarray:
        """Return the candidate's map of the image."""
        return self._both(name, image)[1]


def summary(rows: Sequence[Agreement]) -> Dict[str, Dict[str, Optional[float]]]:
    """Return mean, median, worst and the n/a count of each column."""
    result = {}
    for column in COLUMNS:
        values = [row.values[column] for row in rows if not isinstance(row.values[column], str)]
        worst = (min if column == 'CC' else max)(values) if values else None
        result[column] = {
            'mean': float(np.mean(values)) if values else None,
            'median': float(np.median(values)) if values else None,
            'worst': float(worst) if worst is not None and math.isfinite(worst) else None,
            'images': len(values), 'n/a': len(rows) - len(values)}
    return result


def worst_images(rows: Sequence[Agreement], count: int = 5) -> List[str]:
    """Return the names of the images whose maps agree least (lowest CC)."""
    scored = [row for row in rows if not isinstance(row.values['CC'], str)]
    return [row.name for row in sorted(scored, key=lambda row: row.values['CC'])[:count]]
