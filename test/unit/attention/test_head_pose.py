"""Head pose at an image's stamp: forward kinematics of the joint states buffered around it."""

import math
from pathlib import Path

from msinet_ros.attention.head_pose import UrdfHeadPose
from msinet_ros.attention.joint_history import JointStateHistory
from msinet_ros.attention.kinematics import KinematicChain
import numpy as np
import pytest

URDF_PATH = Path(__file__).resolve().parents[3] / 'urdf' / 'pan_tilt_head.urdf'


def head_pose() -> UrdfHeadPose:
    chain = KinematicChain.from_urdf(URDF_PATH.read_text(), 'base_link', 'camera_optical_frame')
    return UrdfHeadPose(chain, JointStateHistory(horizon_s=5.0))


def test_pose_between_two_joint_states_is_that_of_the_interpolated_joints():
    source = head_pose()
    source.history.add(10.0, ['pan_joint', 'tilt_joint'], [0.0, 0.0], [0.0, 0.0])
    source.history.add(10.5, ['tilt_joint', 'pan_joint'], [0.0, math.pi / 2], [0.0, 0.0])
    pose = source.pose_at(10.25, tolerance_s=0.05)  # pan 45 degrees, tilt 0
    c = s = math.sqrt(0.5)
    np.testing.assert_allclose(pose[:3, 3], [0.095 * c, 0.095 * s, 0.53], atol=1e-12)
    np.testing.assert_allclose(pose[:3, 2], [c, s, 0.0], atol=1e-5)  # optical axis
    np.testing.assert_allclose(pose[:3, 0], [s, -c, 0.0], atol=1e-5)  # image right
    assert pose.shape == (4, 4) and pose.dtype == np.float64


def test_no_pose_without_joint_states_near_the_stamp():
    source = head_pose()
    assert source.pose_at(1.0, 0.1) is None
    source.history.add(1.0, ['pan_joint'], [0.0])  # tilt never published
    assert source.pose_at(1.0, 0.1) is None
    source.history.add(1.0, ['tilt_joint'], [0.0])
    assert source.pose_at(1.05, 0.1) is not None
    assert source.pose_at(1.2, 0.1) is None


def test_speed_at_a_stamp_is_the_fastest_head_joint():
    source = head_pose()
    source.history.add(0.0, ['pan_joint', 'tilt_joint', 'wheel'], [0.0, 0.0, 0.0])
    source.history.add(0.1, ['pan_joint', 'tilt_joint', 'wheel'], [0.2, -0.1, 50.0])
    assert source.speed_at(0.05, 0.0) == pytest.approx(2.0)  # the wheel is not on the chain


def test_frames_are_the_chains_base_and_tip():
    source = head_pose()
    assert (source.body_frame, source.camera_frame) == ('base_link', 'camera_optical_frame')
