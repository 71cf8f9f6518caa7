"""
A pinhole camera for OpenGL-style renderers: K from a field of view, view and projection matrices.

Pixel convention (OpenCV, ROS ``CameraInfo``): pixel (u, v) = (column, row) has its centre at
integer coordinates, so the image spans [-0.5, W - 0.5] x [-0.5, H - 0.5] and its centre is
((W - 1) / 2, (H - 1) / 2). A point X = (x, y, z) of the REP-103 optical frame (z forward,
x right, y down) is seen at u = fx x / z + cx, v = fy y / z + cy.
"""

from typing import Tuple

import numpy as np

from ..attention.camera import CameraGeometry
from ..errors import ParameterError

# OpenGL eye frame (x right, y up, looking along -z) in the optical frame: flip y and z.
EYE_IN_OPTICAL = np.diag([1.0, -1.0, -1.0, 1.0])
# Where a renderer samples pixel (u, v): window coordinates (u + a, H - v - b), see
# projection_matrix. OpenGL samples pixel centres; TinyRenderer integer coordinates.
OPENGL = (0.5, 0.5)
TINY_RENDERER = (0.0, 1.0)


def view_matrix(t_world_optical: np.ndarray) -> np.ndarray:
    """
    Return the 4x4 OpenGL view matrix (world -> eye) of a camera at a REP-103 optical frame.

    The eye frame has x right, y up and looks along -z: it is the optical frame with y and z
    flipped (the renderer's "up" is the optical frame's -y, its viewing direction the optical
    +z), so view = (T_world_optical @ diag(1, -1, -1, 1))^-1.
    """
    return np.linalg.inv(np.asarray(t_world_optical, np.float64) @ EYE_IN_OPTICAL)


def projection_matrix(geometry: CameraGeometry, near: float, far: float,
                      sampling: Tuple[float, float] = TINY_RENDERER) -> np.ndarray:
    """
    Return the 4x4 OpenGL projection matrix of K, principal point included.

    Derivation. In eye coordinates (x_e, y_e, z_e) = (x, -y, -z) of the optical point
    (x, y, z); the renderer divides clip coordinates by w_c = -z_e = z and maps normalised
    device coordinates x_n, y_n in [-1, 1] to window coordinates x_w = (x_n + 1) W / 2,
    y_w = (y_n + 1) H / 2 (y up). Where a renderer samples pixel (u, v) (row v counted from
    the top, as the returned image is) is ``sampling`` = (a, b): x_w = u + a and
    y_w = H - v - b. Hence::

        x_n = 2 (u + a) / W - 1,        u = fx x / z + cx
        y_n = 1 - 2 (v + b) / H,        v = fy y / z + cy

    Multiplying by w_c = z and substituting x = x_e, y = -y_e, z = -z_e::

        x_c = (2 fx / W) x_e + (1 - 2 (cx + a) / W) z_e
        y_c = (2 fy / H) y_e + (2 (cy + b) / H - 1) z_e

    Depth is OpenGL's usual: z_c = -(f + n) / (f - n) z_e - 2 f n / (f - n), w_c = -z_e.
    A skew K[0, 1] = s adds (2 s / W) y / z to x_n, i.e. -(2 s / W) y_e to x_c.
    OpenGL proper samples pixel centres, (a, b) = (0.5, 0.5) (:data:`OPENGL`); pybullet's
    TinyRenderer samples the integer window coordinates and flips rows by H - 1, (0, 1)
    (:data:`TINY_RENDERER`, measured: a point renders where K puts it, to 0.1 px). Unlike
    ``computeProjectionMatrixFOV``, whose frustum is symmetric, this one is shifted by any
    principal point.
    """
    if not 0.0 < near < far:
        raise ParameterError(f'clip planes must satisfy 0 < near < far, got {near}, {far}')
    k = np.asarray(geometry.k, np.float64).reshape(3, 3)
    width, height = geometry.width, geometry.height
    fx, skew, cx, fy, cy = k[0, 0], k[0, 1], k[0, 2], k[1, 1], k[1, 2]
    a, b = sampling
    return np.array([
        [2.0 * fx / width, -2.0 * skew / width, 1.0 - 2.0 * (cx + a) / width, 0.0],
        [0.0, 2.0 * fy / height, 2.0 * (cy + b) / height - 1.0, 0.0],
        [0.0, 0.0, -(far + near) / (far - near), -2.0 * far * near / (far - near)],
        [0.0, 0.0, -1.0, 0.0]])


def gl_list(matrix: np.ndarray) -> Tuple[float, ...]:
    """Return a 4x4 matrix as the 16 column-major floats OpenGL (and pybullet) expect."""
    return tuple(float(v) for v in np.asarray(matrix, np.float64).T.ravel())


def project(geometry: CameraGeometry, points: np.ndarray) -> np.ndarray:
    """Return the pixels (N, 2) of optical-frame points (N, 3) through K (no distortion)."""
    k = np.asarray(geometry.k, np.float64).reshape(3, 3)
    uvw = np.atleast_2d(np.asarray(points, np.float64)) @ k.T
    return uvw[:, :2] / uvw[:, 2:3]
