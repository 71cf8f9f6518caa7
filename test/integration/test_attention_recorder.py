"""The installed attention_recorder: one JSON line per message, then it ends by itself."""

import json

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import PointStamped
from msinet_ros.attention.behaviour import read_run
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, JointState
from std_msgs.msg import Float64MultiArray, String
from support.ros_helpers import wait_for_exit
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint


def _status(name, values):
    status = DiagnosticStatus(name=name, level=DiagnosticStatus.OK, message='ok')
    status.values = [KeyValue(key=k, value=v) for k, v in values.items()]
    return status


def test_records_every_kind_of_message_then_ends_after_its_duration(probe, start_node,
                                                                    tmp_path):
    out = tmp_path / 'run' / 'attention_run.jsonl'
    node = start_node('attention_recorder', '-p', f'output:={out}', '-p', 'duration:=6.0',
                      '-r', '__ns:=/rec')
    make = probe.node.create_publisher
    pubs = {
        'info': make(CameraInfo, '/rec/camera/camera_info',
                     QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)),
        'joints': make(JointState, '/rec/joint_states', 10),
        'target': make(PointStamped, '/rec/gaze_target', 10),
        'trajectory': make(JointTrajectory, '/rec/head_controller/joint_trajectory', 10),
        'commands': make(Float64MultiArray, '/rec/head_controller/commands', 10),
        'diagnostics': make(DiagnosticArray, '/diagnostics', 10),
    }
    description = make(String, '/rec/robot_description',
                       QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
    description.publish(String(data='<robot name="r"/>'))
    assert probe.spin_until(lambda: all(p.get_subscription_count() >= 1
                                        for p in pubs.values()), 15), node.output()
    stamp = probe.node.get_clock().now().to_msg()
    info = CameraInfo(width=320, height=240)
    info.header.stamp, info.header.frame_id = stamp, 'camera_optical_frame'
    joints = JointState(name=['pan_joint', 'tilt_joint'], position=[0.1, -0.2],
                        velocity=[0.0, float('nan')])
    joints.header.stamp = stamp
    target = PointStamped()
    target.header.stamp, target.header.frame_id = stamp, 'base_link'
    target.point.x, target.point.y, target.point.z = 2.0, 0.5, 0.25
    trajectory = JointTrajectory(joint_names=['pan_joint', 'tilt_joint'])
    trajectory.points = [JointTrajectoryPoint(positions=[0.0, 0.0]),
                         JointTrajectoryPoint(positions=[0.25, -0.1])]
    trajectory.points[-1].time_from_start.nanosec = 500000000
    diagnostics = DiagnosticArray(status=[
        _status('gaze_controller: gaze', {'targets': '3', 'targets clipped': '1'}),
        _status('someone_else: task', {'x': '1'})])
    for _ in range(2):
        pubs['info'].publish(info)
        pubs['joints'].publish(joints)
        pubs['target'].publish(target)
        pubs['trajectory'].publish(trajectory)
        pubs['commands'].publish(Float64MultiArray(data=[0.3, 0.05]))
        pubs['diagnostics'].publish(diagnostics)
        probe.spin_until(lambda: False, timeout=0.2)
    assert wait_for_exit(node.proc, 15) == 0, node.output()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    kinds = [row['type'] for row in rows]
    assert kinds[0] == 'meta' and rows[0]['parameters']['duration'] == 6.0
    assert 1 <= kinds.count('image') <= 2  # best effort: the first may come before discovery
    assert {kind: kinds.count(kind) for kind in set(kinds) - {'image'}} == {
        'meta': 1, 'robot_description': 1, 'joint_state': 2, 'gaze_target': 2,
        'command': 4, 'diagnostic': 2}, kinds
    by_kind = {row['type']: row for row in rows}
    seconds = stamp.sec + stamp.nanosec * 1e-9
    assert by_kind['image']['stamp'] == seconds
    assert by_kind['joint_state']['positions'] == [0.1, -0.2]
    assert by_kind['joint_state']['velocities'] == [0.0, None]  # NaN is not JSON
    assert by_kind['gaze_target']['point'] == [2.0, 0.5, 0.25]
    assert by_kind['gaze_target']['t'] >= seconds
    trajectories = [row for row in rows if row.get('kind') == 'trajectory']
    assert trajectories[0]['positions'] == [0.25, -0.1] and trajectories[0]['duration'] == 0.5
    positions = [row for row in rows if row.get('kind') == 'position']
    assert positions[0]['positions'] == [0.3, 0.05] and positions[0]['names'] == []
    assert by_kind['diagnostic']['name'] == 'gaze_controller: gaze'
    assert by_kind['diagnostic']['values'] == {'targets': '3', 'targets clipped': '1'}
    assert by_kind['robot_description']['urdf'] == '<robot name="r"/>'
    assert len(read_run(out).joint_times) == 2  # what msinet behaviour reads


def test_duration_counts_simulated_time_from_the_first_clock(probe, start_node, tmp_path):
    from rosgraph_msgs.msg import Clock
    out = tmp_path / 'sim.jsonl'
    node = start_node('attention_recorder', '-p', f'output:={out}', '-p', 'duration:=2.0',
                      '-p', 'use_sim_time:=true', '-r', '__ns:=/sim')
    clock = probe.node.create_publisher(Clock, '/clock', 10)
    joints = probe.node.create_publisher(JointState, '/sim/joint_states', 10)
    assert probe.spin_until(lambda: clock.get_subscription_count() >= 1 and
                            joints.get_subscription_count() >= 1, 15), node.output()

    def tick(seconds, then=lambda: None):
        msg = Clock()
        msg.clock.sec = seconds
        for _ in range(3):  # the clock subscription is best effort
            clock.publish(msg)
            then()
            probe.spin_until(lambda: False, timeout=0.1)

    def recorded_at_100():
        return out.exists() and '"t": 100.0' in out.read_text()

    assert probe.spin_until(recorded_at_100, 10, every=lambda: tick(
        100, lambda: joints.publish(JointState(name=['pan_joint'], position=[0.0])))), \
        node.output()
    tick(101)
    assert node.proc.poll() is None, node.output()  # 1 s of simulated time, however long
    tick(102)
    assert wait_for_exit(node.proc, 5) == 0, node.output()
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows[0]['use_sim_time'] is True
    assert 100.0 in {row['t'] for row in rows if row['type'] == 'joint_state'}
