"""Viewing rays of pixels and intrinsics of resampled images."""

from msinet_ros.camera import Intrinsics, resampled_projection
from msinet_ros.errors import ParameterError
import numpy as np
import pytest

K = (500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0)


def test_principal_point_looks_straight_ahead_and_offsets_follow_the_focal_length():
    rays = Intrinsics(K, (0.0,) * 5, 'plumb_bob').rays([(320, 240), (820, 240)])
    assert np.allclose(rays[0], [0, 0, 1])
    assert np.allclose(rays[1], np.array([1, 0, 1]) / np.sqrt(2))


def test_distortion_is_undone():
    distorted = Intrinsics(K, (-0.3, 0.1, 0.0, 0.0, 0.0), 'plumb_bob')
    ray = distorted.rays([(600, 240)])[0]
    assert ray[0] / ray[2] > 280 / 500  # barrel distortion pulled the pixel inwards


def test_uncalibrated_camera_has_no_rays():
    with pytest.raises(ParameterError, match='no calibration'):
        Intrinsics((0.0,) * 9, (), '').rays([(1, 1)])


def test_resampled_projection_maps_the_same_rays():
    axis = (639 / 319, 0.5 * 639 / 319 - 0.5)  # area shrink 640 -> 320 (align corners)
    k2 = np.array(resampled_projection(K, 3, axis, axis)).reshape(3, 3)
    u_new = 100.0
    u_old = axis[0] * u_new + axis[1]
    assert np.isclose((u_new - k2[0, 2]) / k2[0, 0], (u_old - K[2]) / K[0])
    p = resampled_projection(K[:3] + (7.0,) + K[3:6] + (0.0,) + K[6:] + (0.0,), 4, axis, axis)
    assert np.isclose(p[3], 7.0 / axis[0])
