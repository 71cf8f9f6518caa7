"""The installed virtual_robot (pybullet) runs as its own process and acts as a robot over DDS."""

import signal
import time

import numpy as np
import pytest
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Float64MultiArray, String
from support.ros_helpers import share_dir, wait_for_exit
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

pytest.importorskip('pybullet', reason='virtual_robot needs pybullet (pip install pybullet)')

NODE = ('virtual_robot', '/')


def seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def on_graph(probe):
    return NODE in probe.node.get_node_names_and_namespaces()


def latest_positions(states):
    if not states:
        return None
    msg = states[-1]
    return dict(zip(msg.name, msg.position))


def test_robot_publishes_description_clock_camera_and_joint_states(start_node, probe):
    robot = start_node('virtual_robot', '-p', 'principal_point_offset_x:=17.0',
                       '-p', 'principal_point_offset_y:=-9.0', '-p', 'camera_rate:=10.0')
    clocks, images, infos, states = [], [], [], []
    node = probe.node
    node.create_subscription(Clock, '/clock', clocks.append, 10)
    node.create_subscription(Image, 'camera/image_raw', images.append, 10)
    node.create_subscription(CameraInfo, 'camera/camera_info', infos.append, 10)
    node.create_subscription(JointState, 'joint_states', states.append, 10)
    assert probe.spin_until(lambda: on_graph(probe), 15.0), robot.output()
    assert probe.spin_until(lambda: len(images) >= 5 and len(states) >= 20, 15.0), \
        robot.output()
    wall_start, sim_start = time.monotonic(), seconds(clocks[-1].clock)
    probe.spin_until(lambda: False, 1.0)
    wall, sim = time.monotonic() - wall_start, seconds(clocks[-1].clock) - sim_start
    assert 0.7 * wall < sim < 1.3 * wall  # real_time_factor 1
    ticks = [seconds(c.clock) for c in clocks]
    assert ticks == sorted(ticks) and 0.0 < ticks[0] < 1000.0  # simulated, not epoch, time

    # Latched: a subscriber that comes late still gets the URDF, exactly the shipped file.
    descriptions = []
    node.create_subscription(String, 'robot_description', descriptions.append, QoSProfile(
        depth=1, reliability=ReliabilityPolicy.RELIABLE,
        durability=DurabilityPolicy.TRANSIENT_LOCAL))
    assert probe.spin_until(lambda: descriptions, 10.0), robot.output()
    shipped = (share_dir() / 'urdf' / 'pan_tilt_head.urdf').read_text()
    assert descriptions[0].data == shipped

    # Images: rgb8 in the optical frame, each with a camera_info of the same stamp and K.
    info_by_stamp = {seconds(i.header.stamp): i for i in infos}
    for image in images:
        assert (image.height, image.width, image.encoding) == (240, 320, 'rgb8')
        assert image.header.frame_id == 'camera_optical_frame'
        info = info_by_stamp.get(seconds(image.header.stamp))
        assert info is not None and info.header.frame_id == 'camera_optical_frame'
        f = 160.0 / np.tan(np.radians(30.0))
        np.testing.assert_allclose(info.k, [f, 0, 159.5 + 17, 0, f, 119.5 - 9, 0, 0, 1])
        np.testing.assert_allclose(info.p, [f, 0, 159.5 + 17, 0, 0, f, 119.5 - 9, 0, 0, 0, 1,
                                            0])
        assert info.distortion_model == 'plumb_bob' and list(info.d) == [0.0] * 5
    stamps = np.array([seconds(i.header.stamp) for i in images])
    np.testing.assert_allclose(np.diff(stamps), 0.1, atol=0.01)  # camera_rate in sim time
    pixels = np.frombuffer(bytes(images[-1].data), np.uint8)
    assert pixels.std() > 20  # the room, not a blank frame

    state = states[-1]
    assert list(state.name) == ['pan_joint', 'tilt_joint']
    assert len(state.position) == len(state.velocity) == 2
    js_stamps = np.array([seconds(s.header.stamp) for s in states])
    assert np.all(np.diff(js_stamps) > 0) and np.median(np.diff(js_stamps)) == \
        pytest.approx(0.02, abs=0.003)  # joint_state_rate 50 Hz of sim time
    assert robot.stop(signal.SIGINT) == 0, robot.output()
    assert 'Traceback' not in robot.output()


def test_both_command_types_move_the_joints(start_node, probe):
    robot = start_node('virtual_robot', '-p', 'camera_rate:=2.0')
    states = []
    probe.node.create_subscription(JointState, 'joint_states', states.append, 10)
    trajectories = probe.node.create_publisher(JointTrajectory,
                                               'head_controller/joint_trajectory', 10)
    commands = probe.node.create_publisher(Float64MultiArray, 'head_controller/commands', 10)
    assert probe.spin_until(lambda: len(states) > 5, 15.0), robot.output()

    def send_trajectory(names, positions):
        msg = JointTrajectory(joint_names=names)
        msg.points = [JointTrajectoryPoint(positions=[0.0] * len(names)),
                      JointTrajectoryPoint(positions=positions)]  # the last point counts
        trajectories.publish(msg)

    def near(expected):
        positions = latest_positions(states)
        return positions is not None and all(
            abs(positions[name] - value) < 1e-3 for name, value in expected.items())

    assert probe.spin_until(lambda: near({'pan_joint': 0.5, 'tilt_joint': 0.0}), 5.0,
                            every=lambda: send_trajectory(['pan_joint'], [0.5])), \
        robot.output()
    assert probe.spin_until(lambda: near({'pan_joint': -0.3, 'tilt_joint': 0.2}), 5.0,
                            every=lambda: commands.publish(Float64MultiArray(
                                data=[-0.3, 0.2]))), robot.output()
    velocities = np.array([s.velocity for s in states])
    assert np.abs(velocities).max() <= 3.0 + 1e-6  # the URDF velocity limit

    # Wrong commands are ignored with a warning, and the joints stay.
    for _ in range(3):
        send_trajectory(['elbow'], [1.0])
        commands.publish(Float64MultiArray(data=[1.0]))
        probe.spin_until(lambda: False, 0.2)
    assert near({'pan_joint': -0.3, 'tilt_joint': 0.2})
    output = robot.output()
    assert 'unknown joints elbow' in output and 'commands with 1 values' in output, output


def test_sigterm_exits_0_within_2_s(start_node, probe):
    robot = start_node('virtual_robot')
    states = []
    probe.node.create_subscription(JointState, 'joint_states', states.append, 10)
    assert probe.spin_until(lambda: len(states) > 5, 15.0), robot.output()
    started = time.monotonic()
    robot.proc.send_signal(signal.SIGTERM)
    assert wait_for_exit(robot.proc, 10) == 0, robot.output()
    assert time.monotonic() - started < 2.0
    assert 'Traceback' not in robot.output()


def test_bad_urdf_stops_start_up_with_one_message(start_node):
    robot = start_node('virtual_robot', '-p', 'urdf:=/nonexistent.urdf')
    assert robot.proc.wait(timeout=20) == 1
    output = robot.output()
    assert 'does not exist' in output and 'Traceback' not in output, output
