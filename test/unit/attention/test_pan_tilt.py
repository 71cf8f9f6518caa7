"""Inverse kinematics of a pan-tilt head: the optical axis through the target, limits, offsets."""

import math
from pathlib import Path

from msinet_ros.attention.kinematics import HeadModelError, KinematicChain
from msinet_ros.attention.pan_tilt import angle_between, PanTiltHead
from msinet_ros.errors import ParameterError
import numpy as np
import pytest

URDF_PATH = Path(__file__).resolve().parents[3] / 'urdf' / 'pan_tilt_head.urdf'

# A head with every offset the shipped one lacks: a tilted pan axis, a tilt axis beside and
# above it and turned about z, a camera to the side, above and in front of it, mounted askew;
# pan is continuous.
OFFSET_URDF = """<robot name="offsets">
  <link name="base"/><link name="pan_link"/><link name="tilt_link"/><link name="camera"/>
  <link name="optical"/>
  <joint name="pan" type="continuous"><parent link="base"/><child link="pan_link"/>
    <origin xyz="0.1 0.05 0.3" rpy="0.1 0 0"/><axis xyz="0 0 1"/></joint>
  <joint name="tilt" type="revolute"><parent link="pan_link"/><child link="tilt_link"/>
    <origin xyz="0.05 0.12 0.1" rpy="0 0 0.3"/><axis xyz="0 1 0"/>
    <limit lower="-1.5" upper="1.5" effort="1" velocity="2"/></joint>
  <joint name="mount" type="fixed"><parent link="tilt_link"/><child link="camera"/>
    <origin xyz="0.1 -0.2 0.15" rpy="0.05 0.1 0.2"/></joint>
  <joint name="optical_joint" type="fixed"><parent link="camera"/><child link="optical"/>
    <origin xyz="0 0 0" rpy="-1.5708 0 -1.5708"/></joint>
</robot>"""


def shipped_head() -> PanTiltHead:
    chain = KinematicChain.from_urdf(URDF_PATH.read_text(), 'base_link', 'camera_optical_frame')
    return PanTiltHead.from_chain(chain)


def offset_head() -> PanTiltHead:
    return PanTiltHead.from_chain(KinematicChain.from_urdf(OFFSET_URDF, 'base', 'optical'))


def distance_to_optical_axis(head, positions, target):
    """Return the distance (m) from the target to the optical ray, and the target's depth."""
    pose = head.chain.pose(positions)
    seen = pose[:3, :3].T @ (np.asarray(target) - pose[:3, 3])  # target in the optical frame
    return math.hypot(seen[0], seen[1]), seen[2]


def test_random_reachable_targets_are_solved_to_a_hundredth_of_the_required_0_1_degree():
    head = shipped_head()
    rng = np.random.default_rng(10)
    for _ in range(100):
        truth = rng.uniform(head.lower, head.upper)
        centre, axis = head.gaze(truth)
        target = centre + rng.uniform(0.2, 6.0) * axis
        aim = head.aim(target)
        assert aim.error_deg < 0.001
        assert aim.within_limits
        np.testing.assert_allclose(aim.positions, truth, atol=1e-6)
        np.testing.assert_array_equal(aim.clipped, aim.positions)


def test_aimed_forward_kinematics_puts_the_target_on_the_optical_axis_in_front():
    head = shipped_head()
    for target in ([2.0, 0.5, 0.3], [1.0, -1.0, 1.2], [0.4, 0.05, 0.45], [3.0, 2.5, 0.53]):
        aim = head.aim(target)
        off_axis, depth = distance_to_optical_axis(head, aim.positions, target)
        assert off_axis < 1e-6 and depth > 0
        assert head.error_deg(aim.positions, target) == pytest.approx(aim.error_deg)


def test_a_target_straight_ahead_at_the_optical_centres_height_needs_no_tilt():
    # the optical centre is 0.03 m above the tilt axis, so pan 0, tilt 0 sees (x, 0, 0.53);
    # the URDF's rpy 1.5708 (not pi / 2) turns the optical frame by 4e-6 rad
    aim = shipped_head().aim([2.0, 0.0, 0.53])
    np.testing.assert_allclose(aim.positions, [0.0, 0.0], atol=1e-5)


def test_the_analytic_guess_is_exact_for_a_head_without_lateral_offsets():
    head = shipped_head()
    target = np.array([1.5, 0.7, 0.2])
    assert head.error_deg(head.initial_guess(target), target) < 1e-9


def test_targets_beyond_the_limits_are_clipped_and_flagged():
    head = shipped_head()
    behind = head.aim([-1.0, 0.2, 0.5])  # pan would be about 170 degrees
    assert not behind.within_limits
    assert behind.error_deg < 0.1  # the unclipped solution still looks at it
    assert abs(behind.positions[0]) > head.upper[0]
    np.testing.assert_array_equal(behind.clipped[0], math.copysign(head.upper[0],
                                                                   behind.positions[0]))
    assert behind.clipped_error_deg > 45.0
    below = head.aim([0.5, 0.0, -1.0])  # tilt would be about 63 degrees down
    assert not below.within_limits
    assert below.positions[1] > head.upper[1] and below.clipped[1] == head.upper[1]
    assert below.clipped[0] == pytest.approx(0.0, abs=1e-4)


def test_a_margin_keeps_the_clipped_positions_inside_the_limits():
    head = shipped_head()
    aim = head.aim([0.5, 0.0, -1.0], margin=0.05)
    assert aim.clipped[1] == pytest.approx(head.upper[1] - 0.05)
    inside = head.aim([2.0, 0.0, 0.53], margin=0.05)
    assert inside.within_limits
    near_limit = head.aim(head.gaze([0.0, 0.76])[0] + head.gaze([0.0, 0.76])[1], margin=0.05)
    assert not near_limit.within_limits and near_limit.error_deg < 0.1
    with pytest.raises(ParameterError, match='margin'):
        head.aim([1.0, 0.0, 0.5], margin=-0.1)


def test_a_head_with_large_offsets_between_axes_and_camera_still_solves():
    head = offset_head()
    rng = np.random.default_rng(11)
    for _ in range(100):
        truth = np.array([rng.uniform(-math.pi, math.pi), rng.uniform(-1.3, 1.3)])
        centre, axis = head.gaze(truth)
        target = centre + rng.uniform(0.3, 5.0) * axis
        aim = head.aim(target)
        assert aim.error_deg < 0.1
        off_axis, depth = distance_to_optical_axis(head, aim.positions, target)
        assert off_axis < 1e-4 and depth > 0
        assert aim.within_limits


def test_the_seed_chooses_among_equivalent_turns_of_a_continuous_joint():
    head = offset_head()
    centre, axis = head.gaze([0.4, 0.2])
    target = centre + 2.0 * axis
    np.testing.assert_allclose(head.aim(target).positions, [0.4, 0.2], atol=1e-6)
    turned = head.aim(target, seed=[2 * math.pi, 0.0])
    np.testing.assert_allclose(turned.positions, [0.4 + 2 * math.pi, 0.2], atol=1e-6)


def test_an_unreachable_target_inside_the_offset_radius_reports_a_large_error():
    head = shipped_head()
    # 2 cm behind the tilt axis at its height: closer than the camera's 3 cm offset above it
    aim = head.aim([0.0, 0.0, 0.5])
    assert aim.error_deg > 10.0
    assert np.all(np.isfinite(aim.positions)) and np.all(np.abs(aim.positions) < 2 * math.pi)
    assert np.all(aim.clipped >= head.lower) and np.all(aim.clipped <= head.upper)


def test_a_target_must_be_three_finite_coordinates():
    head = shipped_head()
    with pytest.raises(ParameterError, match='3 finite'):
        head.aim([1.0, 0.0])
    with pytest.raises(ParameterError, match='3 finite'):
        head.aim([1.0, math.nan, 0.0])


def chain_of(joints: str, tip: str) -> KinematicChain:
    links = ''.join(f'<link name="{n}"/>' for n in ('base', 'a', 'b', 'c'))
    return KinematicChain.from_urdf(f'<robot name="r">{links}{joints}</robot>', 'base', tip)


def revolute(name, parent, child, kind='revolute', axis='0 0 1'):
    return (f'<joint name="{name}" type="{kind}"><parent link="{parent}"/><child link="{child}"/>'
            f'<axis xyz="{axis}"/><limit lower="-1" upper="1" effort="1" velocity="1"/></joint>')


@pytest.mark.parametrize('joints,tip,found', [
    (revolute('j1', 'base', 'a') + revolute('j2', 'a', 'b', axis='0 1 0')
     + revolute('j3', 'b', 'c'), 'c', 'j1 (revolute), j2 (revolute), j3 (revolute)'),
    (revolute('j1', 'base', 'a', 'prismatic') + revolute('j2', 'a', 'b', 'prismatic'), 'b',
     'j1 (prismatic), j2 (prismatic)'),
    (revolute('j1', 'base', 'a'), 'a', 'j1 (revolute)'),
    ('<joint name="f" type="fixed"><parent link="base"/><child link="a"/></joint>', 'a', 'none'),
])
def test_chains_other_than_two_revolute_joints_are_refused_naming_the_joints(
        joints, tip, found):
    with pytest.raises(HeadModelError, match='exactly two revolute joints: pan, then tilt') \
            as info:
        PanTiltHead.from_chain(chain_of(joints, tip))
    assert found in str(info.value)


def test_angle_between_and_gaze_direction():
    assert angle_between([1, 0, 0], [0, 2, 0]) == pytest.approx(90.0)
    assert angle_between([1, 0, 0], [-1, 1e-9, 0]) == pytest.approx(180.0)
    assert angle_between([0, 0, 0], [1, 0, 0]) == 180.0
    direction = shipped_head().gaze_direction([math.pi / 2, 0.0])
    np.testing.assert_allclose(direction, [0, 1, 0], atol=1e-5)
    assert np.linalg.norm(direction) == pytest.approx(1.0)
