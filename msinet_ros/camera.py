"""Pinhole camera geometry: viewing rays of pixels, intrinsics of a resampled image."""

from dataclasses import dataclass
from typing import Sequence, Tuple

import cv2
import numpy as np

from .errors import ParameterError


@dataclass(frozen=True)
class Intrinsics:
    """The parts of a ``sensor_msgs/CameraInfo`` that map pixels to rays."""

    k: Tuple[float, ...]  # row-major 3x3
    d: Tuple[float, ...]
    distortion_model: str

    @property
    def valid(self) -> bool:
        """Return whether the focal lengths are set (an uncalibrated camera has K = 0)."""
        return self.k[0] > 0 and self.k[4] > 0

    def rays(self, pixels: Sequence[Tuple[float, float]]) -> np.ndarray:
        """Return the unit viewing ray (N, 3) in the optical frame of each (u, v) pixel."""
        if not self.valid:
            raise ParameterError('camera_info has no calibration (K is zero)')
        points = np.asarray(pixels, np.float64).reshape(-1, 1, 2)
        k = np.asarray(self.k, np.float64).reshape(3, 3)
        d = np.asarray(self.d, np.float64)
        if self.distortion_model == 'equidistant':
            normalized = cv2.fisheye.undistortPoints(points, k, d[:4])
        else:
            normalized = cv2.undistortPoints(points, k, d if d.size else None)
        xy = normalized.reshape(-1, 2)
        rays = np.hstack([xy, np.ones((len(xy), 1))])
        return rays / np.linalg.norm(rays, axis=1, keepdims=True)


def resampled_projection(matrix: Sequence[float], columns: int, axis_y: Tuple[float, float],
                         axis_x: Tuple[float, float]) -> Tuple[float, ...]:
    """
    Return K (columns=3) or P (columns=4) of an image resampled from the camera's.

    ``axis_y``/``axis_x`` are (a, b) with original pixel = a * new pixel + b, so the new
    image's focal lengths are f / a and its principal point (c - b) / a.
    """
    m = np.asarray(matrix, np.float64).reshape(3, columns).copy()
    (ay, by), (ax, bx) = axis_y, axis_x
    m[0] = (m[0] - bx * m[2]) / ax
    m[1] = (m[1] - by * m[2]) / ay
    return tuple(m.ravel())
