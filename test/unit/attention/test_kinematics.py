"""Forward kinematics from a URDF: the shipped head against poses computed by hand."""

import math
from pathlib import Path
import sys

from msinet_ros.attention.kinematics import HeadModelError, KinematicChain
from msinet_ros.errors import MsinetError
import numpy as np
import pytest

URDF_PATH = Path(__file__).resolve().parents[3] / 'urdf' / 'pan_tilt_head.urdf'
HALF_PI = 1.5708  # the URDF's rpy of the optical frame, written to 4 decimals
TOL = 1e-5  # 1.5708 differs from pi / 2 by 4e-6 rad


def shipped_chain() -> KinematicChain:
    return KinematicChain.from_urdf(URDF_PATH.read_text(), 'base_link', 'camera_optical_frame')


def rot_z(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def rot_y(a):
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


# camera_link -> camera_optical_frame: optical z = camera x, optical x = -camera y,
# optical y = -camera z (the REP-103 optical convention), written as columns.
R_CAMERA_OPTICAL = np.array([[0.0, 0.0, 1.0], [-1.0, 0.0, 0.0], [0.0, -1.0, 0.0]])


def hand_pose(pan, tilt):
    """T_base_optical of the shipped head, from the joint origins in the URDF's comments."""
    rotation = rot_z(pan) @ rot_y(tilt) @ R_CAMERA_OPTICAL
    origin = np.array([0, 0, 0.42]) + rot_z(pan) @ (
        np.array([0.02, 0, 0.08]) + rot_y(tilt) @ np.array([0.075, 0, 0.03]))
    pose = np.eye(4)
    pose[:3, :3], pose[:3, 3] = rotation, origin
    return pose


def urdf(joints: str, links=('base', 'a', 'b', 'c', 'tip')) -> str:
    names = ''.join(f'<link name="{name}"/>' for name in links)
    return f'<?xml version="1.0"?><robot name="test">{names}{joints}</robot>'


def joint(name, kind, parent, child, xyz='0 0 0', rpy='0 0 0', axis='0 0 1',
          limit='<limit lower="-1" upper="1" effort="1" velocity="2"/>'):
    return (f'<joint name="{name}" type="{kind}"><parent link="{parent}"/>'
            f'<child link="{child}"/><origin xyz="{xyz}" rpy="{rpy}"/><axis xyz="{axis}"/>'
            f'{limit if kind in ("revolute", "prismatic") else ""}</joint>')


def test_shipped_head_has_pan_then_tilt_with_the_urdf_limits():
    chain = shipped_chain()
    assert chain.joint_names == ('pan_joint', 'tilt_joint')
    assert chain.joint_types == ('revolute', 'revolute')
    np.testing.assert_allclose(chain.lower, [-1.5708, -0.7854])
    np.testing.assert_allclose(chain.upper, [1.5708, 0.7854])
    np.testing.assert_allclose(chain.velocity, [3.0, 3.0])
    assert (chain.base_frame, chain.tip_frame) == ('base_link', 'camera_optical_frame')


def test_zero_pose_puts_the_optical_centre_at_0_095_0_0_53_looking_along_base_x():
    pose = shipped_chain().pose([0.0, 0.0])
    np.testing.assert_allclose(pose[:3, 3], [0.095, 0.0, 0.53], atol=1e-12)
    np.testing.assert_allclose(pose[:3, 2], [1, 0, 0], atol=TOL)  # optical z: forward
    np.testing.assert_allclose(pose[:3, 0], [0, -1, 0], atol=TOL)  # optical x: right
    np.testing.assert_allclose(pose[:3, 1], [0, 0, -1], atol=TOL)  # optical y: down
    np.testing.assert_array_equal(pose[3], [0, 0, 0, 1])


def test_pan_90_degrees_looks_left_along_base_y():
    pose = shipped_chain().pose({'pan_joint': math.pi / 2, 'tilt_joint': 0.0})
    np.testing.assert_allclose(pose[:3, 3], [0.0, 0.095, 0.53], atol=1e-12)
    np.testing.assert_allclose(pose[:3, 2], [0, 1, 0], atol=TOL)
    np.testing.assert_allclose(pose[:3, 0], [1, 0, 0], atol=TOL)
    np.testing.assert_allclose(pose[:3, 1], [0, 0, -1], atol=TOL)


def test_positive_tilt_looks_down_about_the_offset_tilt_axis():
    c = s = math.sqrt(0.5)
    pose = shipped_chain().pose([0.0, math.pi / 4])
    np.testing.assert_allclose(pose[:3, 3], [0.02 + 0.075 * c + 0.03 * s, 0.0,
                                             0.5 - 0.075 * s + 0.03 * c], atol=1e-12)
    np.testing.assert_allclose(pose[:3, 2], [c, 0, -s], atol=TOL)
    np.testing.assert_allclose(pose[:3, 0], [0, -1, 0], atol=TOL)
    np.testing.assert_allclose(pose[:3, 1], [-s, 0, -c], atol=TOL)


@pytest.mark.parametrize('pan,tilt', [(0.5, -0.3), (-1.2, 0.7), (1.5, 0.78), (-0.1, -0.78)])
def test_pose_equals_the_hand_written_rotation_product(pan, tilt):
    np.testing.assert_allclose(shipped_chain().pose([pan, tilt]), hand_pose(pan, tilt),
                               atol=TOL)


def test_pose_agrees_with_yourdfpy_get_transform_on_random_positions():
    yourdfpy = pytest.importorskip('yourdfpy')
    model = yourdfpy.URDF.load(str(URDF_PATH), load_meshes=False)
    chain = shipped_chain()
    rng = np.random.default_rng(3)
    for _ in range(20):
        positions = rng.uniform(chain.lower, chain.upper)
        model.update_cfg(dict(zip(chain.joint_names, positions)))
        expected = model.get_transform('camera_optical_frame', 'base_link')
        np.testing.assert_allclose(chain.pose(positions), expected, atol=1e-12)


def test_pose_is_plain_numpy_and_does_not_use_yourdfpy(monkeypatch):
    chain = shipped_chain()
    monkeypatch.setitem(sys.modules, 'yourdfpy', None)  # any import of it would now fail
    np.testing.assert_allclose(chain.pose([0.2, 0.1]), hand_pose(0.2, 0.1), atol=TOL)


def test_fixed_joints_before_the_base_are_ignored_and_sub_chains_work():
    full = KinematicChain.from_urdf(URDF_PATH.read_text(), 'world', 'camera_optical_frame')
    np.testing.assert_allclose(full.pose([0.3, 0.2]), hand_pose(0.3, 0.2), atol=TOL)
    tilt_only = KinematicChain.from_urdf(URDF_PATH.read_text(), 'pan_link', 'camera_link')
    assert tilt_only.joint_names == ('tilt_joint',)
    np.testing.assert_allclose(tilt_only.pose([0.0])[:3, 3], [0.095, 0, 0.11], atol=1e-12)
    same = KinematicChain.from_urdf(URDF_PATH.read_text(), 'base_link', 'base_link')
    assert same.joint_names == ()
    np.testing.assert_array_equal(same.pose([]), np.eye(4))


def test_joint_axes_gives_each_joint_origin_and_axis_in_the_base_frame():
    pivots, axes = shipped_chain().joint_axes([math.pi / 2, 0.3])
    np.testing.assert_allclose(pivots, [[0, 0, 0.42], [0, 0.02, 0.5]], atol=1e-12)
    np.testing.assert_allclose(axes, [[0, 0, 1], [-1, 0, 0]], atol=1e-12)


def test_continuous_joints_have_infinite_limits_and_prismatic_joints_translate():
    xml = urdf(joint('spin', 'continuous', 'base', 'a', axis='0 0 2')
               + joint('slide', 'prismatic', 'a', 'b', xyz='1 0 0', axis='1 0 0'))
    chain = KinematicChain.from_urdf(xml, 'base', 'b')
    assert chain.joint_types == ('continuous', 'prismatic')
    np.testing.assert_array_equal(chain.lower, [-np.inf, -1.0])
    np.testing.assert_array_equal(chain.upper, [np.inf, 1.0])
    np.testing.assert_array_equal(chain.velocity, [np.inf, 2.0])
    pose = chain.pose([math.pi / 2, 0.5])  # the axis is normalised: 0 0 2 turns like 0 0 1
    np.testing.assert_allclose(pose[:3, 3], [0.0, 1.5, 0.0], atol=1e-12)
    np.testing.assert_allclose(pose[:3, :3], rot_z(math.pi / 2), atol=1e-12)


def test_head_model_error_is_an_msinet_error():
    assert issubclass(HeadModelError, MsinetError)


def test_an_unknown_frame_is_refused_with_the_urdf_links_listed():
    with pytest.raises(HeadModelError, match='links are: world, base_link, pan_link') as info:
        KinematicChain.from_urdf(URDF_PATH.read_text(), 'base_link', 'camera')
    assert "tip_frame 'camera' is not a link" in str(info.value)
    assert "did you mean 'camera_link'?" in str(info.value)
    with pytest.raises(HeadModelError, match="base_frame 'torso' is not a link"):
        KinematicChain.from_urdf(URDF_PATH.read_text(), 'torso', 'camera_optical_frame')


def test_swapped_frames_are_refused_with_a_hint_to_swap_them():
    with pytest.raises(HeadModelError, match='above base_frame.*swap'):
        KinematicChain.from_urdf(URDF_PATH.read_text(), 'camera_optical_frame', 'base_link')


def test_frames_on_different_branches_are_refused():
    xml = urdf(joint('j1', 'fixed', 'base', 'a') + joint('j2', 'fixed', 'base', 'b'))
    with pytest.raises(HeadModelError, match='not below base_frame'):
        KinematicChain.from_urdf(xml, 'a', 'b')


@pytest.mark.parametrize('xml,message', [
    ('<robot name="x"><link name="a"/>', 'not well-formed XML'),
    ('', 'empty'),
    ('<sdf version="1.9"><model name="m"/></sdf>', 'not a URDF <robot>'),
    ('<robot name="x"><link name="a"/><joint name="j" type="fixed"><child link="a"/></joint>'
     '</robot>', 'not a valid URDF'),
])
def test_bad_robot_descriptions_are_refused_saying_what_is_wrong(xml, message):
    with pytest.raises(HeadModelError, match=message):
        KinematicChain.from_urdf(xml, 'a', 'a')


def test_floating_and_mimic_joints_on_the_chain_are_refused():
    floating = urdf(joint('free', 'floating', 'base', 'a'))
    with pytest.raises(HeadModelError, match="'free' .* is floating"):
        KinematicChain.from_urdf(floating, 'base', 'a')
    mimic = urdf(joint('j1', 'continuous', 'base', 'a')
                 + '<joint name="j2" type="continuous"><parent link="a"/><child link="b"/>'
                 '<mimic joint="j1"/></joint>')
    with pytest.raises(HeadModelError, match='mimic'):
        KinematicChain.from_urdf(mimic, 'base', 'b')


def test_positions_must_name_every_joint_or_match_their_number():
    chain = shipped_chain()
    with pytest.raises(HeadModelError, match='tilt_joint'):
        chain.pose({'pan_joint': 0.0})
    with pytest.raises(HeadModelError, match='3 joint positions'):
        chain.pose([0.0, 0.0, 0.0])
