"""Camera geometry with image_geometry's semantics: binning, ROI, raw vs rectified pixels."""

import math
from types import SimpleNamespace

import cv2
from msinet_ros.attention.camera import CameraGeometry, pinhole, resampled_projection
from msinet_ros.errors import ParameterError
import numpy as np
import pytest

K = (500.0, 0.0, 320.0, 0.0, 500.0, 240.0, 0.0, 0.0, 1.0)
IDENTITY = (1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0)


def projection(fx, fy, cx, cy, tx=0.0, ty=0.0):
    return (fx, 0.0, cx, tx, 0.0, fy, cy, ty, 0.0, 0.0, 1.0, 0.0)


def mono(d=(0.0,) * 5, model='plumb_bob', **kwargs):
    """Return a calibrated monocular 640x480 camera (P = [K | 0], R = I)."""
    return CameraGeometry(height=480, width=640, distortion_model=model, d=d, k=K, r=IDENTITY,
                          p=projection(500.0, 500.0, 320.0, 240.0), **kwargs)


def unit(*vector):
    v = np.array(vector, np.float64)
    return v / np.linalg.norm(v)


# A camera whose P differs from K, with binning 2 and a ROI at (x 100, y 40), 200x300 pixels.
BINNED = CameraGeometry(
    height=480, width=640, distortion_model='plumb_bob', d=(-0.3, 0.1, 0.001, -0.002, 0.0),
    k=(500.0, 0.0, 320.0, 0.0, 400.0, 240.0, 0.0, 0.0, 1.0), r=IDENTITY,
    p=projection(510.0, 410.0, 330.0, 250.0, tx=-51.0, ty=8.0), binning_x=2, binning_y=2,
    roi_x_offset=100, roi_y_offset=40, roi_height=200, roi_width=300)


@pytest.mark.parametrize('rectified', [True, False])
def test_principal_point_looks_straight_ahead_and_offsets_follow_the_focal_length(rectified):
    rays = mono().rays([(320, 240), (820, 240), (320, 490)], rectified)
    assert np.allclose(rays, [[0, 0, 1], unit(1, 0, 1), unit(0, 0.5, 1)])


def test_distortion_is_undone_for_raw_pixels_only():
    distorted = mono(d=(-0.3, 0.1, 0.0, 0.0, 0.0))
    raw = distorted.rays([(600, 240)], rectified=False)[0]
    assert raw[0] / raw[2] > 280 / 500  # barrel distortion pulled the pixel inwards
    rect = distorted.rays([(600, 240)], rectified=True)[0]
    assert np.allclose(rect, unit(280 / 500, 0, 1))  # a rectified pixel is not undistorted


def test_expected_size_follows_roi_and_binning():
    assert CameraGeometry(height=480, width=640).expected_size == (480, 640)
    assert CameraGeometry(height=480, width=640, binning_x=2, binning_y=2).expected_size == \
        (240, 320)
    assert CameraGeometry(height=480, width=640, binning_x=3, binning_y=1).expected_size == \
        (480, 213)
    assert CameraGeometry(height=480, width=640, roi_height=200, roi_width=300,
                          roi_x_offset=10).expected_size == (200, 300)
    assert BINNED.expected_size == (100, 150)


def test_binning_and_roi_adjust_k_and_p_as_image_geometry_does():
    effective = BINNED.effective()
    # cx' = (cx - x_offset) / binning_x, fx' = fx / binning_x, Tx' = Tx / binning_x; same in y.
    assert effective.k == pytest.approx((250.0, 0.0, 110.0, 0.0, 200.0, 100.0, 0.0, 0.0, 1.0))
    assert effective.p == pytest.approx(projection(255.0, 205.0, 115.0, 105.0, -25.5, 4.0))
    assert (effective.height, effective.width) == (100, 150)
    assert (effective.binning_x, effective.binning_y, effective.roi_x_offset,
            effective.roi_y_offset, effective.roi_height, effective.roi_width) == (0,) * 6
    assert effective.d == BINNED.d and effective.expected_size == (100, 150)
    assert effective.effective() == effective


def test_rectified_rays_of_a_binned_roi_image_use_the_adjusted_p_and_ignore_tx():
    rays = BINNED.rays([(115.0, 105.0), (115.0 + 255.0, 105.0), (115.0, 105.0 - 102.5)], True)
    assert np.allclose(rays, [[0, 0, 1], unit(1, 0, 1), unit(0, -0.5, 1)])


@pytest.mark.parametrize('rectified', [True, False])
def test_a_binned_roi_pixel_sees_what_its_full_resolution_pixel_sees(rectified):
    full = replace_fields(BINNED, binning_x=0, binning_y=0, roi_x_offset=0, roi_y_offset=0,
                          roi_height=0, roi_width=0)
    reduced = [(10.0, 20.0), (140.0, 3.0), (75.5, 99.0)]
    # image_geometry's toFullResolution: u_full = u * binning_x + roi.x_offset
    at_full = [(u * 2 + 100, v * 2 + 40) for u, v in reduced]
    assert np.allclose(BINNED.rays(reduced, rectified), full.rays(at_full, rectified))


def replace_fields(geometry, **changes):
    values = {name: getattr(geometry, name) for name in geometry.__dataclass_fields__}
    values.update(changes)
    return CameraGeometry(**values)


def test_a_raw_pixel_gets_the_ray_of_its_rectified_pixel():
    geometry = replace_fields(mono(d=(-0.25, 0.08, 0.001, -0.002, 0.01)),
                              p=projection(450.0, 455.0, 300.0, 230.0))
    raw = np.array([(600.0, 400.0), (50.0, 30.0), (320.0, 240.0)])
    rectified = cv2.undistortPoints(raw.reshape(-1, 1, 2), np.reshape(K, (3, 3)),
                                    np.array(geometry.d), R=np.eye(3),
                                    P=np.reshape(geometry.p, (3, 4))).reshape(-1, 2)
    assert np.allclose(geometry.rays(raw, False), geometry.rays(rectified, True), atol=1e-9)
    # the rectified image's principal point (P's, not K's) looks straight ahead
    assert np.allclose(geometry.rays([(300.0, 230.0)], True), [[0, 0, 1]])


def test_raw_pixels_are_rotated_by_r_into_the_rectified_frame():
    angle = 0.2
    c, s = math.cos(angle), math.sin(angle)
    rotated = replace_fields(mono(), r=(c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c))
    assert np.allclose(rotated.rays([(320, 240)], False), [[s, 0.0, c]])
    assert np.allclose(rotated.rays([(320, 240)], True), [[0, 0, 1]])


def test_equidistant_raw_pixels_go_through_the_fisheye_model():
    d = (0.1, -0.02, 0.003, 0.0)
    fisheye = mono(d=d, model='equidistant')
    raw = np.array([[[600.0, 400.0]]])
    normalised = cv2.fisheye.undistortPoints(raw, np.reshape(K, (3, 3)), np.array(d))[0, 0]
    assert np.allclose(fisheye.rays(raw.reshape(1, 2), False)[0], unit(*normalised, 1.0))
    plumb_bob = mono(d=d + (0.0,), model='plumb_bob')
    assert not np.allclose(plumb_bob.rays(raw.reshape(1, 2), False), fisheye.rays(
        raw.reshape(1, 2), False), atol=1e-3)


def test_a_raw_camera_with_only_k_uses_k_as_projection():
    only_k = CameraGeometry(height=480, width=640, k=K)  # R and P zero, no distortion model
    assert np.allclose(only_k.rays([(320, 240), (820, 240)], False), [[0, 0, 1], unit(1, 0, 1)])
    assert np.allclose(only_k.rays([(820, 240)], True), [unit(1, 0, 1)])
    binned = replace_fields(only_k, binning_x=2, binning_y=2)
    assert binned.effective().p == (0.0,) * 12  # an unset P stays unset
    assert np.allclose(binned.rays([(410, 120)], True), [unit(1, 0, 1)])


def test_uncalibrated_camera_has_no_rays():
    with pytest.raises(ParameterError, match='no calibration'):
        CameraGeometry().rays([(1, 1)], True)
    assert not CameraGeometry().calibrated and mono().calibrated


def test_unknown_distortion_model_is_refused_for_raw_pixels_only():
    odd = mono(d=(0.1, 0.0, 0.0, 0.0, 0.0), model='kannala_brandt_12')
    with pytest.raises(ParameterError, match='kannala_brandt_12'):
        odd.rays([(1, 1)], False)
    assert np.allclose(odd.rays([(320, 240)], True), [[0, 0, 1]])
    assert np.allclose(mono(d=(), model='').rays([(820, 240)], False), [unit(1, 0, 1)])


def test_matrix_sizes_are_checked_and_message_arrays_become_tuples():
    with pytest.raises(ParameterError, match='K has 4 values'):
        CameraGeometry(k=(1.0, 2.0, 3.0, 4.0))
    msg = SimpleNamespace(height=480, width=640, distortion_model='plumb_bob',
                          d=np.zeros(5), k=np.array(K), r=np.array(IDENTITY),
                          p=np.array(projection(500.0, 500.0, 320.0, 240.0)), binning_x=2,
                          binning_y=1, roi=SimpleNamespace(x_offset=4, y_offset=6, height=100,
                                                           width=200, do_rectify=False))
    geometry = CameraGeometry.from_camera_info(msg)
    assert geometry.k == K and isinstance(geometry.k, tuple)
    assert (geometry.binning_x, geometry.roi_y_offset, geometry.expected_size) == \
        (2, 6, (100, 100))
    assert hash(geometry) == hash(CameraGeometry.from_camera_info(msg))


def test_resampled_projection_maps_the_same_rays():
    axis = (639 / 319, 0.5 * 639 / 319 - 0.5)  # area shrink 640 -> 320 (align corners)
    k2 = np.array(resampled_projection(K, 3, axis, axis)).reshape(3, 3)
    u_new = 100.0
    u_old = axis[0] * u_new + axis[1]
    assert np.isclose((u_new - k2[0, 2]) / k2[0, 0], (u_old - K[2]) / K[0])
    p = resampled_projection(K[:3] + (7.0,) + K[3:6] + (0.0,) + K[6:] + (0.0,), 4, axis, axis)
    assert np.isclose(p[3], 7.0 / axis[0])


def test_resampled_geometry_starts_from_the_effective_image():
    # the 150x100 effective image resampled to 75x50: original = 2 * new + 0.5
    small = BINNED.resampled((2.0, 0.5), (2.0, 0.5), 50, 75)
    # fx = 250 / 2, cx = (110 - 0.5) / 2; fy = 200 / 2, cy = (100 - 0.5) / 2
    assert small.k == pytest.approx((125.0, 0.0, 54.75, 0.0, 100.0, 49.75, 0.0, 0.0, 1.0))
    assert small.p == pytest.approx(projection(127.5, 102.5, 57.25, 52.25, -12.75, 2.0))
    assert (small.height, small.width, small.binning_x, small.roi_x_offset) == (50, 75, 0, 0)
    assert small.expected_size == (50, 75)
    # new pixel (10, 20) is effective pixel (20.5, 40.5): both see the same ray
    assert np.allclose(small.rays([(10.0, 20.0)], False), BINNED.rays([(20.5, 40.5)], False))


# project(): 3-D points of the rectified frame -> pixels, the inverse of rays().
OFF_CENTRE = CameraGeometry(
    height=480, width=640, distortion_model='plumb_bob', d=(-0.28, 0.09, 0.0015, -0.001, 0.02),
    k=(510.0, 0.0, 290.0, 0.0, 505.0, 262.0, 0.0, 0.0, 1.0), r=IDENTITY,
    p=projection(470.0, 468.0, 300.0, 250.0))
RAW_PIXELS = np.array([(600.0, 400.0), (50.0, 30.0), (290.0, 262.0), (400.5, 100.25)])
# rays() undistorts raw pixels as rectifyPoint does, with cv2.undistortPoints' 5 iterations:
# with this strong a distortion they come back within about 0.01 px
ITERATIVE_PX = 0.05


def test_project_undoes_rays_for_raw_pixels_with_distortion_and_an_off_centre_point():
    rays = OFF_CENTRE.rays(RAW_PIXELS, rectified=False)
    assert np.allclose(OFF_CENTRE.project(rays * 3.0, rectified=False), RAW_PIXELS,
                       atol=ITERATIVE_PX)


def test_project_of_raw_pixels_matches_opencv_project_points():
    points = np.array([[0.3, -0.2, 2.0], [-1.0, 0.5, 4.0], [0.0, 0.0, 1.0]])
    expected = cv2.projectPoints(points.reshape(-1, 1, 3), np.zeros(3), np.zeros(3),
                                 np.reshape(OFF_CENTRE.k, (3, 3)),
                                 np.array(OFF_CENTRE.d))[0].reshape(-1, 2)
    assert np.allclose(OFF_CENTRE.project(points, rectified=False), expected)
    # the principal point of the raw image is K's, not P's
    assert np.allclose(OFF_CENTRE.project([[0.0, 0.0, 1.0]], False), [(290.0, 262.0)])


def test_project_undoes_rays_for_rectified_pixels_with_p():
    pixels = np.array([(300.0, 250.0), (10.0, 470.0), (639.0, 0.0)])
    rays = OFF_CENTRE.rays(pixels, rectified=True)
    assert np.allclose(OFF_CENTRE.project(rays * 0.5, rectified=True), pixels)
    assert np.allclose(OFF_CENTRE.project([[1.0, 0.0, 1.0]], True), [(770.0, 250.0)])


def test_project_rotates_raw_points_back_by_r_as_unrectify_point_does():
    angle = 0.2
    c, s = math.cos(angle), math.sin(angle)
    rotated = replace_fields(OFF_CENTRE, r=(c, 0.0, s, 0.0, 1.0, 0.0, -s, 0.0, c))
    rays = rotated.rays(RAW_PIXELS, rectified=False)
    assert np.allclose(rotated.project(rays, rectified=False), RAW_PIXELS, atol=ITERATIVE_PX)
    # the rectified frame's (s, 0, c) is the raw camera's optical axis: K's principal point
    assert np.allclose(rotated.project([[s, 0.0, c]], False), [(290.0, 262.0)])


def test_project_of_a_binned_roi_image_and_fisheye_undo_rays():
    for geometry in (BINNED, mono(d=(0.1, -0.02, 0.003, 0.0), model='equidistant')):
        pixels = np.array([(10.0, 20.0), (140.0, 3.0), (75.5, 99.0)])
        for rectified in (True, False):
            rays = geometry.rays(pixels, rectified)
            assert np.allclose(geometry.project(rays, rectified), pixels, atol=ITERATIVE_PX)


@pytest.mark.parametrize('rectified', [True, False])
def test_points_behind_the_camera_project_to_nan(rectified):
    out = OFF_CENTRE.project([[0.0, 0.0, -1.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], rectified)
    assert np.isnan(out[:2]).all() and np.isfinite(out[2]).all()
    assert OFF_CENTRE.project(np.zeros((0, 3)), rectified).shape == (0, 2)
    with pytest.raises(ParameterError, match='no calibration'):
        CameraGeometry().project([[0.0, 0.0, 1.0]], rectified)


def test_pinhole_has_the_field_of_view_and_a_centred_principal_point():
    camera = pinhole(320, 240, 90.0)
    assert camera.k[0] == pytest.approx(160.0) and camera.k[2] == 159.5 and camera.k[5] == 119.5
    edge = camera.rays([(-0.5, 119.5)], True)[0]
    assert math.degrees(math.atan2(-edge[0], edge[2])) == pytest.approx(45.0)
