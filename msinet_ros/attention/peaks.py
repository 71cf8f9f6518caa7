"""
Fixation points: the top-k peaks of a saliency map, in frame pixels, ordered by saliency.

Peaks are found on the model-resolution map (cheap, and the same whatever the camera's
resolution) with a maximum filter (OpenCV's dilation), suppressed greedily so that no two are
closer than ``min_distance`` frame pixels, refined to sub-pixel accuracy with a parabola
through each peak and its neighbours, and mapped back into the frame through the letterbox.
"""

from dataclasses import dataclass
import math
from numbers import Integral
from typing import List

import cv2
import numpy as np

from ..errors import ParameterError
from ..inference.preprocess import Letterbox, unpad


@dataclass(frozen=True)
class Fixation:
    """A salient point: frame pixel coordinates (x right, y down; pixel centres are integers)."""

    x: float
    y: float
    saliency: float


@dataclass(frozen=True)
class FixationSettings:
    """How many points to keep and which peaks count."""

    top_k: int = 5
    min_distance: float = 40.0  # frame pixels between two fixations
    threshold_abs: float = 0.2  # minimum saliency of a peak (maps are 0..1)
    threshold_rel: float = 0.5  # minimum saliency relative to the map's maximum

    def __post_init__(self):
        """Refuse values that make no sense."""
        if not isinstance(self.top_k, Integral) or self.top_k < 0 or \
                not 0 <= self.min_distance < math.inf or not 0 <= self.threshold_abs <= 1 or \
                not 0 <= self.threshold_rel <= 1:
            raise ParameterError(f'invalid fixation settings {self}: top_k must be an integer '
                                 '>= 0, min_distance finite and >= 0, thresholds within 0..1')


def refine_peak(saliency: np.ndarray, row: int, col: int) -> tuple:
    """Return the sub-pixel offset (dy, dx) of a peak from a parabola through its neighbours."""
    offsets = []
    for axis, index, size in ((0, row, saliency.shape[0]), (1, col, saliency.shape[1])):
        if 0 < index < size - 1:
            before = saliency[row - 1, col] if axis == 0 else saliency[row, col - 1]
            after = saliency[row + 1, col] if axis == 0 else saliency[row, col + 1]
            curvature = before - 2 * saliency[row, col] + after
            offset = 0.5 * (before - after) / curvature if curvature < 0 else 0.0
            offsets.append(float(np.clip(offset, -0.5, 0.5)))
        else:
            offsets.append(0.0)
    return tuple(offsets)


def find_fixations(saliency: np.ndarray, box: Letterbox,
                   settings: FixationSettings) -> List[Fixation]:
    """Return up to ``top_k`` fixations of a model-resolution map, most salient first."""
    if settings.top_k == 0:
        return []
    region = np.asarray(unpad(saliency, box), dtype=np.float64)  # thresholds compare exactly
    peak = float(region.max())
    threshold = max(settings.threshold_abs, settings.threshold_rel * peak)
    # a window wider than the map finds the same maxima (and a huge one is slow)
    radius = max(1, int(round(min(settings.min_distance * box.scale, max(region.shape)))))
    local_max = maximum_filter(region, radius)
    rows, cols = np.nonzero((region == local_max) & (region >= threshold))
    order = np.argsort(-region[rows, cols], kind='stable')
    min_dist_model = settings.min_distance * box.scale
    chosen: List[tuple] = []
    for row, col in zip(rows[order], cols[order]):
        if all((row - r) ** 2 + (col - c) ** 2 >= min_dist_model ** 2 for r, c in chosen):
            chosen.append((row, col))
            if len(chosen) == settings.top_k:
                break
    fixations = []
    for row, col in chosen:
        dy, dx = refine_peak(region, row, col)
        y, x = box.to_frame(box.top + row + dy, box.left + col + dx)
        fixations.append(Fixation(x=x, y=y, saliency=float(region[row, col])))
    return fixations


def maximum_filter(values: np.ndarray, radius: int) -> np.ndarray:
    """
    Return each value's neighbourhood maximum over a (2r+1)² square, edges repeated.

    scipy's ``ndimage.maximum_filter(size=2r+1, mode='nearest')``, computed by OpenCV's
    dilation (the node then needs no scipy: 21 MB and 0.4 s of imports).
    """
    kernel = np.ones((2 * radius + 1, 2 * radius + 1), np.uint8)
    return cv2.dilate(values, kernel, borderType=cv2.BORDER_REPLICATE)
