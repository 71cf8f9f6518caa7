"""
Pinhole camera geometry from a ``sensor_msgs/CameraInfo``, without ROS: pixels <-> rays.

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
        geometry, k, p = self._intrinsics()
        points = np.asarray(pixels, np.float64).reshape(-1, 2)
        if not rectified and len(points):
            points = geometry._rectify(points, k, p)
        x = (points[:, 0] - p[0, 2]) / p[0, 0]
        y = (points[:, 1] - p[1, 2]) / p[1, 1]
        rays = np.stack([x, y, np.ones_like(x)], axis=1)
        return rays / np.linalg.norm(rays, axis=1, keepdims=True)

    def project(self, points: Sequence[Sequence[float]], rectified: bool) -> np.ndarray:
        """
        Return the (u, v) pixel (N, 2) of each 3-D point (N, 3) of the rectified camera frame.

        The inverse of :meth:`rays` with the same conventions: ``rectified=True`` projects with
        P (image_geometry's ``project3dToPixel``, P's Tx/Ty ignored as :meth:`rays` ignores
        them; an unset P means [K | 0]); otherwise the point is rotated back by R^-1 and
        distorted with K and D (``cv2.projectPoints``, ``cv2.fisheye.projectPoints`` for
        ``equidistant``), as image_geometry's ``unrectifyPoint`` does. Points on or behind the
        camera's image plane (z <= 0 after R^-1) give NaN. Pixels outside the image are returned
        as they fall; far outside it a distortion polynomial may fold back, as OpenCV's does.

        Raises ParameterError as :meth:`rays` does.
        """
        geometry, k, p = self._intrinsics()
        xyz = np.asarray(points, np.float64).reshape(-1, 3)
        out = np.full((len(xyz), 2), np.nan)
        if rectified:
            front = xyz[:, 2] > 0
            x, y, z = xyz[front].T
            out[front] = np.stack([p[0, 0] * x / z + p[0, 2], p[1, 1] * y / z + p[1, 2]], 1)
            return out
        r = geometry._rotation()
        front = xyz @ r[:, 2] > 0  # z of R^-1 X = R^T X, R being a rotation
        if front.any():
            out[front] = geometry._distort(xyz[front], k, r)
        return out

    def _intrinsics(self) -> Tuple['CameraGeometry', np.ndarray, np.ndarray]:
        """Return the effective geometry, K and the 3x3 projection (P's left part, else K)."""
        if not self.calibrated:
            raise ParameterError('camera_info has no calibration (K is zero): calibrate the '
                                 'camera or publish its intrinsics to get rays')
        geometry = self.effective()
        k = np.array(geometry.k).reshape(3, 3)
        p = np.array(geometry.p).reshape(3, 4)[:, :3] if geometry.has_projection else k
        if p[0, 0] == 0.0 or p[1, 1] == 0.0:
            raise ParameterError('camera_info has a zero focal length in K or P')
        return geometry, k, p

    def _rotation(self) -> np.ndarray:
        """Return R (the identity when it is unset, all zero)."""
        r = np.array(self.r).reshape(3, 3)
        return r if r.any() else np.eye(3)

    def _model(self) -> str:
        """Return how raw pixels are distorted: 'none', 'fisheye' or 'polynomial'."""
        d = np.array(self.d)
        model = self.distortion_model
        if not d.any():
            return 'none'
        if model == 'equidistant':
            if d.size < 4:
                raise ParameterError(f'equidistant distortion needs 4 coefficients, camera_info '
                                     f'has {d.size}')
            return 'fisheye'
        if model in ('plumb_bob', 'rational_polynomial'):
            if d.size not in _PLUMB_BOB_SIZES:
                raise ParameterError(f'{model} distortion with {d.size} coefficients is not '
                                     f'supported (OpenCV takes {_PLUMB_BOB_SIZES})')
            return 'polynomial'
        raise ParameterError(f'distortion model {model!r} is not supported for raw pixels '
                             '(plumb_bob, rational_polynomial or equidistant); use '
                             'rectified images')

    def _distort(self, xyz: np.ndarray, k: np.ndarray, r: np.ndarray) -> np.ndarray:
        """Return the raw pixels of rectified-frame points in front of the camera."""
        rvec = cv2.Rodrigues(r.T)[0]
        tvec = np.zeros(3)
        d = np.array(self.d)
        model = self._model()
        if model == 'fisheye':
            out = cv2.fisheye.projectPoints(xyz.reshape(1, -1, 3), rvec, tvec, k, d[:4])[0]
        else:
            out = cv2.projectPoints(xyz.reshape(-1, 1, 3), rvec, tvec, k,
                                    d if model == 'polynomial' else None)[0]
        return out.reshape(-1, 2)

    def _rectify(self, points: np.ndarray, k: np.ndarray, p: np.ndarray) -> np.ndarray:
        """Return raw pixels rectified with K, D, R and P (left 3x3 of P, all OpenCV uses)."""
        d = np.array(self.d)
        r = self._rotation()
        src = points.reshape(-1, 1, 2)
        model = self._model()
        if model == 'fisheye':
            out = cv2.fisheye.undistortPoints(src, k, d[:4], R=r, P=p)
        else:
            out = cv2.undistortPoints(src, k, d if model == 'polynomial' else None, R=r, P=p)
        return out.reshape(-1, 2)


def pinhole(width: int, height: int, horizontal_fov_deg: float, offset_x: float = 0.0,
            offset_y: float = 0.0) -> CameraGeometry:
    """
    Return the geometry (K, P = [K | 0], R = I, no distortion) of an ideal pinhole camera.

    fx = fy = (W / 2) / tan(hfov / 2) (square pixels; the field of view spans the image's outer
    edges); the principal point is the image centre ((W - 1) / 2, (H - 1) / 2) plus the
    offset in pixels.
    """
    if not 0.0 < horizontal_fov_deg < 180.0:
        raise ParameterError(f'horizontal field of view {horizontal_fov_deg} deg is not in '
                             '(0, 180)')
    f = 0.5 * width / np.tan(np.radians(horizontal_fov_deg) / 2.0)
    cx = (width - 1) / 2.0 + offset_x
    cy = (height - 1) / 2.0 + offset_y
    return CameraGeometry(height=height, width=width, distortion_model='plumb_bob',
                          d=(0.0,) * 5, k=(f, 0.0, cx, 0.0, f, cy, 0.0, 0.0, 1.0),
                          r=(1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0),
                          p=(f, 0.0, cx, 0.0, 0.0, f, cy, 0.0, 0.0, 0.0, 1.0, 0.0))


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
