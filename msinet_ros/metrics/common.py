"""What every measure takes: a saliency map, the ground truth of its image and a context."""

from dataclasses import dataclass, field
from typing import Callable, Dict, Mapping, Optional, Tuple

import numpy as np

Shape = Tuple[int, int]  # (height, width)


class MetricUndefined(ValueError):
    """A measure has no value for this input; the message is the reason (shown as n/a)."""


@dataclass(frozen=True)
class GroundTruth:
    """
    The human data of one image.

    ``fixations`` are integer pixel positions ``(row, col)``, one row per fixation (a pixel
    fixated twice appears twice where the dataset says so; binary fixation maps give each
    fixated pixel once). ``density`` is the dataset's continuous fixation map (the blurred
    "saliency" map), if it has one. ``shape`` is the stimulus size both refer to.
    """

    fixations: np.ndarray  # (N, 2) int64, (row, col); N may be 0
    shape: Shape
    density: Optional[np.ndarray] = None  # (height, width) float64, or None

    def __post_init__(self):
        """Check the arrays' shapes (a wrong one is a loader bug, not an input to score)."""
        points = np.asarray(self.fixations)
        if points.ndim != 2 or points.shape[1] != 2:
            raise ValueError(f'fixations must be (N, 2) (row, col), got {points.shape}')
        object.__setattr__(self, 'fixations', points.astype(np.int64, copy=False))
        if self.density is not None and tuple(self.density.shape) != tuple(self.shape):
            raise ValueError(f'density map {self.density.shape} is not the stimulus size '
                             f'{self.shape}')

    @classmethod
    def from_fixation_map(cls, fixation_map: np.ndarray,
                          density: Optional[np.ndarray] = None) -> 'GroundTruth':
        """Make the ground truth from a binary fixation map: each pixel > 0 is one fixation."""
        binary = np.asarray(fixation_map)
        if binary.ndim != 2:
            raise ValueError(f'fixation map must be 2-D, got {binary.shape}')
        return cls(np.argwhere(binary > 0), binary.shape, density)

    def inside(self) -> Tuple[np.ndarray, int]:
        """Return the fixations inside the stimulus and how many lay outside."""
        points = self.fixations
        keep = (points[:, 0] >= 0) & (points[:, 0] < self.shape[0]) & \
            (points[:, 1] >= 0) & (points[:, 1] < self.shape[1])
        return points[keep], int((~keep).sum())

    def fixation_map(self) -> np.ndarray:
        """Return the binary fixation map (fixations outside the stimulus are left out)."""
        points, _ = self.inside()
        binary = np.zeros(self.shape, dtype=bool)
        binary[points[:, 0], points[:, 1]] = True
        return binary


@dataclass
class Context:
    """
    What a measure needs besides the map and the truth.

    ``rng`` draws the randomised measures' numbers (seeded per image by the evaluation).
    ``other_fixations``: fixations of the other images of the set, scaled to this image's
    size, (M, 2) int (row, col), for shuffled AUC. ``baseline``: the centre-bias density at this
    image's size (sums to 1), for information gain.
    """

    rng: np.random.Generator = field(default_factory=lambda: np.random.default_rng(0))
    other_fixations: Optional[np.ndarray] = None
    baseline: Optional[np.ndarray] = None


Measure = Callable[[np.ndarray, GroundTruth, Context], float]
Measures = Mapping[str, Measure]


def checked_map(saliency: np.ndarray) -> np.ndarray:
    """Return the map as float64, or raise MetricUndefined for NaN, infinities or a bad shape."""
    values = np.asarray(saliency, dtype=np.float64)
    if values.ndim != 2 or min(values.shape) == 0:
        raise MetricUndefined(f'saliency map of shape {values.shape} is not a 2-D image')
    if not np.isfinite(values).all():
        raise MetricUndefined('saliency map contains NaN or infinite values')
    return values


def fixations_or_undefined(truth: GroundTruth, minimum: int = 1) -> np.ndarray:
    """Return the fixations inside the stimulus, or raise MetricUndefined if too few."""
    points, _ = truth.inside()
    if len(points) < minimum:
        raise MetricUndefined('no fixations inside the image' if minimum == 1 else
                              f'fewer than {minimum} fixations inside the image')
    return points


def density_or_undefined(truth: GroundTruth) -> np.ndarray:
    """Return the dataset's density map, or raise MetricUndefined if it has none."""
    if truth.density is None:
        raise MetricUndefined('the dataset has no density (blurred fixation) map for it')
    return checked_map(truth.density)


SCORE_DIRECTION: Dict[str, int] = {
    # +1: higher is better; -1: lower is better (the paper's tables mark the same)
    'AUC-Judd': 1, 'SIM': 1, 'EMD': -1, 'AUC-Borji': 1, 'sAUC': 1, 'CC': 1, 'NSS': 1,
    'KLD': -1, 'IG': 1, 'IG (uniform)': 1,
}
PAPER_ORDER = ('AUC-Judd', 'SIM', 'EMD', 'AUC-Borji', 'sAUC', 'CC', 'NSS', 'KLD', 'IG')
