"""The pybullet scene: its camera renders at K (principal point included), joints as the URDF."""

from pathlib import Path

from msinet_ros.attention.camera import pinhole
from msinet_ros.errors import ParameterError
from msinet_ros.simulation.camera import (OPENGL, project, projection_matrix,
                                          TINY_RENDERER, view_matrix)
from msinet_ros.simulation.scene import Scene, Target, TARGETS
import numpy as np
import pytest

pytest.importorskip('pybullet', reason='pybullet is not installed (pip install pybullet)')

ROOT = Path(__file__).resolve().parents[3]
URDF = ROOT / 'urdf' / 'pan_tilt_head.urdf'
IMAGES = ROOT / 'demo' / 'images'
OFFSET = (17.0, -9.0)  # a principal point away from the image centre
MARKER_RGB = (255, 0, 255)


@pytest.fixture(scope='module')
def bare():
    """Load the robot into an empty room (no photographs, no targets), K off-centre."""
    with Scene(URDF, None, width=320, height=240, horizontal_fov_deg=60.0,
               principal_point_offset=OFFSET, targets=()) as scene:
        yield scene


def test_k_follows_the_field_of_view_and_the_offset():
    geometry = pinhole(320, 240, 60.0, *OFFSET)
    k = np.reshape(geometry.k, (3, 3))
    f = 160.0 / np.tan(np.radians(30.0))
    np.testing.assert_allclose(k, [[f, 0, 159.5 + 17], [0, f, 119.5 - 9], [0, 0, 1]])
    np.testing.assert_allclose(np.reshape(geometry.p, (3, 4))[:, :3], k)
    assert geometry.d == (0.0,) * 5 and geometry.distortion_model == 'plumb_bob'


@pytest.mark.parametrize('sampling', [OPENGL, TINY_RENDERER])
def test_projection_matrix_maps_k_pixels_to_normalised_device_coordinates(sampling):
    """Pure maths: X in the optical frame -> eye -> clip -> NDC -> pixel equals K X / z."""
    geometry = pinhole(320, 240, 60.0, *OFFSET)
    proj = projection_matrix(geometry, 0.05, 50.0, sampling)
    points = np.array([[0.0, 0.0, 2.0], [0.5, -0.3, 1.5], [-0.7, 0.4, 3.0]])
    eye = np.c_[points * [1, -1, -1], np.ones(len(points))]
    clip = eye @ proj.T
    ndc = clip[:, :3] / clip[:, 3:]
    u = (ndc[:, 0] + 1) / 2 * 320 - sampling[0]  # window x = u + a
    v = 240 - (ndc[:, 1] + 1) / 2 * 240 - sampling[1]  # window y = H - v - b
    np.testing.assert_allclose(np.c_[u, v], project(geometry, points), atol=1e-9)
    assert np.all(np.abs(ndc[:, 2]) < 1)  # inside the clip planes


def test_view_matrix_matches_pybullets_look_at():
    """The view from an optical frame equals computeViewMatrix(eye, eye + z, up = -y)."""
    import pybullet
    rotation = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])  # at rest
    pose = np.eye(4)
    pose[:3, :3] = _rz(0.4) @ _ry(0.2) @ rotation
    pose[:3, 3] = [0.1, -0.2, 0.5]
    eye = pose[:3, 3]
    expected = pybullet.computeViewMatrix(eye.tolist(), (eye + pose[:3, 2]).tolist(),
                                          (-pose[:3, 1]).tolist())
    np.testing.assert_allclose(view_matrix(pose).T.ravel(), expected, atol=1e-6)


@pytest.mark.parametrize('pan, tilt', [(0.0, 0.0), (0.6, -0.3)])
@pytest.mark.parametrize('point', [(0.0, 0.0, 1.5), (0.45, -0.3, 1.8), (-0.6, 0.35, 2.2)])
def test_rendered_point_lies_at_k_x(bare, pan, tilt, point):
    """A small marker at X (optical frame) renders with its centroid at K X / z within 1 px."""
    bare.reset_joints({'pan_joint': pan, 'tilt_joint': tilt})
    pose = bare.camera_pose()
    world = pose[:3, :3] @ np.asarray(point) + pose[:3, 3]
    bare.add_target(Target(f'marker {pan} {point}', MARKER_RGB, tuple(world),
                           radius=0.02 * np.linalg.norm(point)))
    image = bare.render().astype(int)
    mask = (image[:, :, 0] > 60) & (image[:, :, 2] > 60) & (image[:, :, 1] < 30)
    bare.remove_target(f'marker {pan} {point}')
    assert mask.sum() > 10
    rows, cols = np.nonzero(mask)
    expected = project(bare.camera_info, np.array([point]))[0]
    np.testing.assert_allclose([cols.mean(), rows.mean()], expected, atol=1.0)


def test_camera_pose_follows_the_joints(bare):
    bare.reset_joints({'pan_joint': 0.0, 'tilt_joint': 0.0})
    rest = bare.camera_pose()
    np.testing.assert_allclose(rest[:3, 3], [0.095, 0.0, 0.53], atol=1e-6)
    np.testing.assert_allclose(rest[:3, 2], [1.0, 0.0, 0.0], atol=1e-5)  # looks along x
    np.testing.assert_allclose(rest[:3, 1], [0.0, 0.0, -1.0], atol=1e-5)  # image down
    bare.reset_joints({'pan_joint': 0.5, 'tilt_joint': 0.0})
    np.testing.assert_allclose(bare.camera_pose()[:3, 2], [np.cos(0.5), np.sin(0.5), 0.0],
                               atol=1e-5)  # pan turns left


def _move(scene, name, target, seconds=0.6):
    """Command one joint and record (time, position) at the physics rate."""
    index = scene.joint_names.index(name)
    scene.set_targets({name: target})
    start = scene.time
    trace = []
    while scene.time - start < seconds:
        scene.step(1.0 / 240.0)
        trace.append((scene.time - start, scene.joint_states()[1][index]))
    return np.array(trace)


@pytest.mark.parametrize('name', ['pan_joint', 'tilt_joint'])
@pytest.mark.parametrize('delta', [0.5, -0.5])
def test_joints_move_at_the_urdf_velocity_limit_without_overshoot(bare, name, delta):
    bare.reset_joints({'pan_joint': 0.0, 'tilt_joint': 0.0})
    trace = _move(bare, name, delta)
    _, velocities = bare.joint_states()[1:]
    reached = trace[np.argmax(np.abs(trace[:, 1] - delta) < np.radians(0.5)), 0]
    assert abs(reached - 0.5 / 3.0) < 0.03  # 0.5 rad at 3.0 rad/s, the URDF limit
    speeds = np.abs(np.diff(trace[:, 1])) * 240.0
    assert speeds.max() <= 3.0 + 1e-6
    overshoot = np.max((trace[:, 1] - delta) * np.sign(delta))
    assert overshoot < np.radians(0.5)
    assert abs(trace[-1, 1] - delta) < np.radians(0.05)
    assert np.all(np.abs(velocities) < 1e-3)  # at rest again


def test_targets_beyond_the_limits_stop_at_the_limits(bare):
    bare.reset_joints({'pan_joint': 0.0, 'tilt_joint': 0.0})
    assert bare.set_targets({'pan_joint': 3.0, 'tilt_joint': -2.0, 'elbow': 1.0}) == ['elbow']
    bare.step(1.5)
    _, positions, _ = bare.joint_states()
    np.testing.assert_allclose(positions, [1.5708, -0.7854], atol=1e-4)


def test_step_advances_in_fixed_substeps(bare):
    start = bare.time
    for _ in range(10):
        bare.step(0.01)
    assert abs(bare.time - start - 0.1) <= 0.5 / 240.0


def test_room_has_photographs_and_coloured_targets_in_view():
    """At rest the camera sees the green and blue targets; panned right, the red one."""
    with Scene(URDF, IMAGES) as scene:
        assert scene.joint_names == ['pan_joint', 'tilt_joint']
        image = scene.render()
        assert image.shape == (240, 320, 3) and image.dtype == np.uint8
        assert image.std() > 20  # textured walls, not a flat colour
        names = {t.name for t in scene.targets}
        assert names == {'red', 'green', 'blue', 'yellow'}
        assert _pure(image, (0, 255, 0)) > 50 and _pure(image, (0, 0, 255)) > 50
        red = next(t for t in TARGETS if t.name == 'red')
        scene.reset_joints({'pan_joint': np.radians(red.azimuth_deg)})
        image = scene.render()
        mask = _pure_mask(image, (255, 0, 0))
        assert mask.sum() > 50
        rows, cols = np.nonzero(mask)
        assert abs(cols.mean() - 159.5) < 10  # near the image centre column


def test_targets_are_spread_over_the_pan_range():
    azimuths = sorted(t.azimuth_deg for t in TARGETS)
    assert azimuths[0] < -30 and azimuths[-1] > 30
    assert all(-10.5 <= t.elevation_deg <= 15.5 for t in TARGETS)
    assert all(2.0 <= np.linalg.norm(np.subtract(t.position, (0, 0, 0.53))) <= 3.0
               for t in TARGETS)


def test_bad_inputs_say_what_is_wrong(tmp_path):
    with pytest.raises(ParameterError, match='does not exist'):
        Scene(tmp_path / 'missing.urdf')
    with pytest.raises(ParameterError, match='no link'):
        Scene(URDF, camera_frame='nose')
    with pytest.raises(ParameterError, match='photographs'):
        Scene(URDF, tmp_path)


def _pure_mask(image, rgb):
    """Pixels of one saturated target colour (shaded by the light, never mixed)."""
    image = image.astype(int)
    on = np.array(rgb) > 0
    return (image[:, :, on].min(axis=2) > 60) & (image[:, :, ~on].max(axis=2, initial=0) < 25)


def _pure(image, rgb):
    return int(_pure_mask(image, rgb).sum())


def _rz(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _ry(a):
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])
