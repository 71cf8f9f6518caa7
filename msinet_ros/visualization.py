"""Pictures of saliency for people: heat-map overlays, fixation markers, scanpaths (OpenCV)."""

from typing import Sequence

import cv2
import numpy as np

from .attention.peaks import Fixation
from .errors import ParameterError

COLORMAPS = {'jet': cv2.COLORMAP_JET, 'turbo': cv2.COLORMAP_TURBO,
             'inferno': cv2.COLORMAP_INFERNO, 'viridis': cv2.COLORMAP_VIRIDIS,
             'hot': cv2.COLORMAP_HOT}


def to_mono8(saliency: np.ndarray) -> np.ndarray:
    """Return a 0..1 map as uint8 0..255."""
    return np.round(np.clip(saliency, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_mono16(saliency: np.ndarray) -> np.ndarray:
    """Return a 0..1 map as uint16 0..65535 (for 16-bit PNGs)."""
    return np.round(np.clip(saliency, 0.0, 1.0) * 65535.0).astype(np.uint16)


def heatmap_overlay(rgb: np.ndarray, saliency: np.ndarray, colormap: str = 'jet',
                    opacity: float = 0.5) -> np.ndarray:
    """Blend a colour-mapped saliency map (frame resolution) over an RGB frame."""
    if colormap not in COLORMAPS:
        raise ParameterError(f'unknown colormap {colormap!r}: one of {", ".join(COLORMAPS)}')
    if not 0.0 <= opacity <= 1.0:
        raise ParameterError(f'opacity {opacity} is outside 0..1')
    if saliency.shape != rgb.shape[:2]:
        saliency = cv2.resize(saliency, rgb.shape[1::-1], interpolation=cv2.INTER_LINEAR)
    heat = cv2.cvtColor(cv2.applyColorMap(to_mono8(saliency), COLORMAPS[colormap]),
                        cv2.COLOR_BGR2RGB)
    return cv2.addWeighted(rgb, 1.0 - opacity, heat, opacity, 0.0)


def draw_fixations(rgb: np.ndarray, fixations: Sequence[Fixation]) -> np.ndarray:
    """Draw numbered circles at fixation points (in place) and return the image."""
    radius = max(4, round(min(rgb.shape[:2]) / 40))
    for rank, fix in enumerate(fixations, start=1):
        centre = (int(round(fix.x)), int(round(fix.y)))
        cv2.circle(rgb, centre, radius, (255, 255, 255), max(1, radius // 3), cv2.LINE_AA)
        cv2.circle(rgb, centre, max(1, radius // 4), (255, 0, 0), -1, cv2.LINE_AA)
        cv2.putText(rgb, str(rank), (centre[0] + radius, centre[1] - radius),
                    cv2.FONT_HERSHEY_SIMPLEX, radius / 12, (255, 255, 255),
                    max(1, radius // 6), cv2.LINE_AA)
    return rgb


def draw_scanpath(rgb: np.ndarray, fixations: Sequence[Fixation]) -> np.ndarray:
    """Draw a scanpath (in place): lines between fixations, circles numbered below right."""
    radius = max(4, round(min(rgb.shape[:2]) / 40))
    thickness = max(1, radius // 3)
    points = [(int(round(f.x)), int(round(f.y))) for f in fixations]
    for start, end in zip(points, points[1:]):
        cv2.line(rgb, start, end, (255, 255, 0), thickness, cv2.LINE_AA)
    scale, weight = radius / 12, max(1, radius // 6)
    for order, centre in enumerate(points, start=1):
        cv2.circle(rgb, centre, radius, (255, 255, 0), thickness, cv2.LINE_AA)
        cv2.circle(rgb, centre, max(1, radius // 4), (0, 0, 255), -1, cv2.LINE_AA)
        (_, height), _ = cv2.getTextSize(str(order), cv2.FONT_HERSHEY_SIMPLEX, scale, weight)
        cv2.putText(rgb, str(order), (centre[0] + radius, centre[1] + radius + height),
                    cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 0), weight, cv2.LINE_AA)
    return rgb
