"""The installed gaze_controller turns gaze targets into pan/tilt commands over DDS."""

import math

from geometry_msgs.msg import PointStamped
from msinet_ros.attention.kinematics import KinematicChain
from msinet_ros.attention.pan_tilt import angle_between, PanTiltHead
from msinet_ros.nodes.robot_description import DESCRIPTION_QOS
import numpy as np
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray, String
from support.ros_helpers import Diagnostics, share_dir
from trajectory_msgs.msg import JointTrajectory

JOINTS = ('pan_joint', 'tilt_joint')


def _urdf() -> str:
    return (share_dir() / 'urdf' / 'pan_tilt_head.urdf').read_text()


def _head() -> PanTiltHead:
    return PanTiltHead.from_chain(KinematicChain.from_urdf(_urdf(), 'base_link',
                                                           'camera_optical_frame'))


class Robot:
    """The probe as the robot: URDF (latched), joint states, and the commands it gets."""

    def __init__(self, probe, positions=(0.0, 0.0)):
        self.probe = probe
        node = probe.node
        self.description = node.create_publisher(String, 'robot_description', DESCRIPTION_QOS)
        self.description.publish(String(data=_urdf()))
        self.joints = node.create_publisher(JointState, 'joint_states', 10)
        self.targets = node.create_publisher(PointStamped, 'gaze_target', 10)
        self.positions = list(positions)
        self.trajectories, self.arrays = [], []
        node.create_subscription(JointTrajectory, 'head_controller/joint_trajectory',
                                 self.trajectories.append, 10)
        node.create_subscription(Float64MultiArray, 'head_controller/commands',
                                 self.arrays.append, 100)

    def publish_joints(self) -> None:
        msg = JointState(name=list(JOINTS), position=self.positions)
        msg.header.stamp = self.probe.node.get_clock().now().to_msg()
        self.joints.publish(msg)

    def target(self, point, frame='base_link') -> None:
        msg = PointStamped()
        msg.header.frame_id = frame
        msg.header.stamp = self.probe.node.get_clock().now().to_msg()
        msg.point.x, msg.point.y, msg.point.z = (float(v) for v in point)
        self.targets.publish(msg)


def _started(probe, robot: Robot, diagnostics: Diagnostics, node) -> None:
    """Wait until the controller has the URDF and joint states (its diagnostics say so)."""
    assert probe.spin_until(lambda: diagnostics.latest().get('joints') == ', '.join(JOINTS),
                            timeout=30, every=robot.publish_joints), node.output()


def test_a_target_is_aimed_at_to_a_tenth_of_a_degree_as_one_trajectory(probe, start_node):
    node = start_node('gaze_controller')
    robot, diagnostics = Robot(probe), Diagnostics(probe, 'gaze_controller')
    _started(probe, robot, diagnostics, node)
    target = np.array([2.0, 0.8, 1.1])
    assert probe.spin_until(lambda: robot.trajectories, timeout=10,
                            every=lambda: (robot.publish_joints(), robot.target(target)),
                            period=0.5), node.output()
    msg = robot.trajectories[0]
    assert tuple(msg.joint_names) == JOINTS and len(msg.points) == 1
    positions = np.array(msg.points[0].positions)
    head = _head()
    origin, axis = head.gaze(positions)
    assert angle_between(axis, target - origin) < 0.1
    # a saccade at the URDF's velocity limit (3 rad/s): the slowest joint sets the duration
    duration = msg.points[0].time_from_start.sec + msg.points[0].time_from_start.nanosec * 1e-9
    assert math.isclose(duration, np.max(np.abs(positions)) / 3.0, rel_tol=1e-3)


def test_targets_beyond_the_limits_are_clipped_and_counted_and_other_frames_ignored(
        probe, start_node):
    node = start_node('gaze_controller')
    robot, diagnostics = Robot(probe), Diagnostics(probe, 'gaze_controller')
    _started(probe, robot, diagnostics, node)
    behind_left = np.array([-1.0, 2.0, 0.5])  # azimuth about 117 deg, pan stops at 90
    assert probe.spin_until(lambda: robot.trajectories, timeout=10,
                            every=lambda: (robot.publish_joints(), robot.target(behind_left)),
                            period=0.5), node.output()
    pan, tilt = robot.trajectories[0].points[0].positions
    head = _head()
    assert pan == head.upper[0] and head.lower[1] <= tilt <= head.upper[1]
    values = diagnostics.wait_for(lambda v: int(v.get('targets clipped', 0)) >= 1)
    assert int(values['targets']) >= 1
    before = len(robot.trajectories)
    robot.target([2.0, 0.0, 0.5], frame='camera_optical_frame')
    values = diagnostics.wait_for(lambda v: int(v.get('targets ignored', 0)) >= 1)
    assert "not body_frame 'base_link'" in values['last ignored target']
    assert len(robot.trajectories) == before


def test_position_commands_stream_set_points_to_the_goal(probe, start_node):
    node = start_node('gaze_controller', '-p', 'command_type:=position')
    robot, diagnostics = Robot(probe), Diagnostics(probe, 'gaze_controller')
    _started(probe, robot, diagnostics, node)
    target = np.array([2.0, -1.0, 0.3])
    head = _head()

    def aimed() -> bool:
        if not robot.arrays:
            return False
        origin, axis = head.gaze(np.array(robot.arrays[-1].data))
        return angle_between(axis, target - origin) < 0.1

    assert probe.spin_until(aimed, timeout=10, every=lambda: (robot.publish_joints(),
                                                              robot.target(target)),
                            period=1.0), node.output()
    steps = np.array([m.data for m in robot.arrays])
    assert len(steps) >= 3, 'a saccade of this size takes several 50 Hz set points'
    # consecutive set points move at most 3 rad/s x one 50 Hz period (plus timer jitter)
    assert np.max(np.abs(np.diff(steps, axis=0))) <= 3.0 / 50 * 2.5
