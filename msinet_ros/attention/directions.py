"""Angles between directions (3-vectors), the one way the attention modules measure them."""

import numpy as np


def angle_deg(a, b) -> np.ndarray:
    """
    Return the angle in degrees between 3-vectors, row by row (a float for two vectors).

    atan2(|a x b|, a . b): accurate for small angles, no normalisation needed.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    angle = np.degrees(np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1)))
    return float(angle) if angle.ndim == 0 else angle
