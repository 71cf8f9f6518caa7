"""
Pinhole camera geometry from a ``sensor_msgs/CameraInfo``, without ROS: pixels to rays.

:class:`CameraGeometry` holds the message's fields and follows image_geometry's
``PinholeCameraModel`` (ros-perception/vision_opencv): binning 0 means 1; an all-zero ROI means
the full image; K and P are adjusted for the ROI offset (principal point moved by it) and then
for binning (focal length and principal point divided by it; the C++ model also divides P's
Tx/Ty, which the Python one forgets: we follow C++). Rays are unit vectors in the rectified
camera frame (the optical frame of a monocular camera, where R is the identity).
"""

from dataclasses import dataclass, replace
from typing import Any, Sequence, Tuple

import cv2
import numpy as np

from ..errors import ParameterError

Axis = Tuple[float, float]  # (a, b): original pixel = a * new pixel + b

# Numbers of distortion coefficients OpenCV's plumb_bob/rational_polynomial model accepts.
_PLUMB_BOB_SIZES = (4, 5, 8, 12, 14)
_MATRIX_SIZES = {'k': 9, 'r': 9, 'p': 12}


@dataclass(frozen=True)
class CameraGeometry:
    """The fields of a ``sensor_msgs/CameraInfo`` (header aside); defaults as uncalibrated."""

    height: int = 0
    width: int = 0
    distortion_model: str = ''
    d: Tuple[float, ...] = ()
    k: Tuple[float, ...] = (0.0,) * 9  # row-major 3x3
    r: Tuple[float, ...] = (0.0,) * 9  # row-major 3x3
    p: Tuple[float, ...] = (0.0,) * 12  # row-major 3x4
    binning_x: int = 0
    binning_y: int = 0
    roi_x_offset: int = 0
    roi_y_offset: int = 0
    roi_height: int = 0
    roi_width: int = 0

    def __post_init__(self):
        """Store the arrays as float tuples (a message gives arrays) and check their sizes."""
        for name in ('d', 'k', 'r', 'p'):
            values = tuple(float(v) for v in np.asarray(getattr(self, name), np.float64).ravel())
            if name in _MATRIX_SIZES and len(values) != _MATRIX_SIZES[name]:
                raise ParameterError(f'camera_info {name.upper()} has {len(values)} values, '
                                     f'not {_MATRIX_SIZES[name]}')
            object.__setattr__(self, name, values)

    @classmethod
    def from_camera_info(cls, msg: Any) -> 'CameraGeometry':
        """Return the geometry of a ``sensor_msgs/CameraInfo`` (read by attribute names)."""
        roi = msg.roi
        return cls(height=msg.height, width=msg.width, distortion_model=msg.distortion_model,
                   d=msg.d, k=msg.k, r=msg.r, p=msg.p, binning_x=msg.binning_x,
                   binning_y=msg.binning_y, roi_x_offset=roi.x_offset,
                   roi_y_offset=roi.y_offset, roi_height=roi.height, roi_width=roi.width)

    @property
    def calibrated(self) -> bool:
        """Return whether K is set (an uncalibrated camera_info has K[0] = 0, as rviz checks)."""
        return self.k[0] != 0.0

    @property
    def has_projection(self) -> bool:
        """Return whether P is set (a raw camera may publish only K, leaving P zero)."""
        return self.p[0] != 0.0 and self.p[5] != 0.0

    @property
    def expected_size(self) -> Tuple[int, int]:
        """Return (height, width) of the images this camera_info describes (ROI, binning)."""
        return ((self.roi_height or self.height) // max(self.binning_y, 1),
                (self.roi_width or self.width) // max(self.binning_x, 1))

    def effective(self) -> 'CameraGeometry':
        """
        Return this geometry with binning and ROI folded into K and P (image_geometry's).

        The principal points move by the ROI offset, then focal lengths, principal points and
        P's Tx/Ty are divided by the binning. An unset P (all zero) stays unset.
        """
        bx, by = max(self.binning_x, 1), max(self.binning_y, 1)
        k = np.array(self.k).reshape(3, 3)
        p = np.array(self.p).reshape(3, 4)
        matrices = (k, p) if self.has_projection else (k,)
        for m in matrices:
            m[0, 2] -= self.roi_x_offset
            m[1, 2] -= self.roi_y_offset
            m[0, [0, 2]] /= bx
            m[1, [1, 2]] /= by
        if self.has_projection:
            p[0, 3] /= bx
            p[1, 3] /= by
        height, width = self.expected_size
        return replace(self, height=height, width=width, k=tuple(k.ravel()),
                       p=tuple(p.ravel()), binning_x=0, binning_y=0, roi_x_offset=0,
                       roi_y_offset=0, roi_height=0, roi_width=0)

    def resampled(self, axis_y: Axis, axis_x: Axis, height: int,
                  width: int) -> 'CameraGeometry':
        """
        Return the geometry of a (height, width) image resampled from the effective image.

        ``axis_y``/``axis_x`` are (a, b) with effective-image pixel = a * new pixel + b (as
        :meth:`~msinet_ros.inference.preprocess.Letterbox.axis_map` gives); binning and ROI are
        cleared. Distortion and R are kept: they act on normalised coordinates.
        """
        base = self.effective()
        return replace(base, height=height, width=width,
                       k=resampled_projection(base.k, 3, axis_y, axis_x),
                       p=resampled_projection(base.p, 4, axis_y, axis_x))

    def rays(self, pixels: Sequence[Tuple[float, float]], rectified: bool) -> np.ndarray:
        """
        Return the unit viewing ray (N, 3) of each (u, v) pixel of the described image.

        ``rectified=True``: the pixels are already rectified and are projected with P
        (image_geometry's ``projectPixelTo3dRay``). Otherwise they are raw and are first
        rectified as ``rectifyPoint`` does (``cv2.undistortPoints`` with K, D, R and P;
        ``cv2.fisheye`` for ``equidistant``). The rays are in the rectified frame (R applied).

        P's Tx/Ty are ignored, as image_geometry's Python model does: they place a stereo pair's
        second camera in the first one's frame, not this camera's rays (the C++ model subtracts
        them from the pixel instead). image_geometry divides by P's zero focal length when a raw
        camera publishes only K; here an unset P means P = [K | 0], and an all-zero R the
        identity, so such a camera still gets its (undistorted) rays.

        Raises ParameterError if the camera_info is not calibrated or its distortion model is
        unknown with nonzero coefficients.
        """
        if not self.calibrated:
            raise ParameterError('camera_info has no calibration (K is zero): calibrate the '
                                 'camera or publish its intrinsics to get rays')
        geometry = self.effective()
        k = np.array(geometry.k).reshape(3, 3)
        p = np.array(geometry.p).reshape(3, 4)[:, :3] if geometry.has_projection else k
        if p[0, 0] == 0.0 or p[1, 1] == 0.0:
            raise ParameterError('camera_info has a zero focal length in K or P')
        points = np.asarray(pixels, np.float64).reshape(-1, 2)
        if not rectified and len(points):
            points = geometry._rectify(points, k, p)
        x = (points[:, 0] - p[0, 2]) / p[0, 0]
        y = (points[:, 1] - p[1, 2]) / p[1, 1]
        rays = np.stack([x, y, np.ones_like(x)], axis=1)
        return rays / np.linalg.norm(rays, axis=1, keepdims=True)

    def _rectify(self, points: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Return raw pixels rectified with K, D, R and P (left 3x3 of P, all OpenCV uses)."""
        d = np.array(self.d)
        r = np.array(self.r).reshape(3, 3)
        if not r.any():
            r = np.eye(3)
        src = points.reshape(-1, 1, 2)
        model = self.distortion_model
        if not d.any():
            out = cv2.undistortPoints(src, k, None, R=r, P=p)
        elif model == 'equidistant':
            if d.size < 4:
                raise ParameterError(f'equidistant distortion needs 4 coefficients, camera_info '
                                     f'has {d.size}')
            out = cv2.fisheye.undistortPoints(src, k, d[:4], R=r, P=p)
        elif model in ('plumb_bob', 'rational_polynomial'):
            if d.size not in _PLUMB_BOB_SIZES:
                raise ParameterError(f'{model} distortion with {d.size} coefficients is not '
                                     f'supported (OpenCV takes {_PLUMB_BOB_SIZES})')
            out = cv2.undistortPoints(src, k, d, R=r, P=p)
        else:
            raise ParameterError(f'distortion model {model!r} is not supported for raw pixels '
                                 '(plumb_bob, rational_polynomial or equidistant); use '
                                 'rectified images')
        return out.reshape(-1, 2)


def resampled_projection(matrix: Sequence[float], columns: int, axis_y: Axis,
                         axis_x: Axis) -> Tuple[float, ...]:
    """
    Return K (columns=3) or P (columns=4) of an image resampled from the camera's.

    ``axis_y``/``axis_x`` are (a, b) with original pixel = a * new pixel + b, so the new
    image's focal lengths are f / a and its principal point (c - b) / a.
    """
    m = np.asarray(matrix, np.float64).reshape(3, columns).copy()
    (ay, by), (ax, bx) = axis_y, axis_x
    m[0] = (m[0] - bx * m[2]) / ax
    m[1] = (m[1] - by * m[2]) / ay
    return tuple(float(v) for v in m.ravel())
