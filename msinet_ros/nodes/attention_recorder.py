"""
``attention_recorder``: write a closed-loop run as JSON lines for ``msinet behaviour``.

One record per message received (the schema is in :mod:`msinet_ros.attention.behaviour`):
image stamps (``camera/camera_info``: cheap, and stamped as the image), ``joint_states``,
``gaze_target``, the head commands (``head_controller/joint_trajectory`` or
``head_controller/commands``), the ``/diagnostics`` statuses of the attention chain's nodes and
``robot_description`` once. Each line is flushed as written, so a run killed midway is readable.
With ``duration`` > 0 the node ends itself after that much ROS time (simulated time under
``use_sim_time``, counted from the first non-zero clock reading).
"""

import json
import math
from pathlib import Path
import time
from typing import Any, Dict, Sequence

from diagnostic_msgs.msg import DiagnosticArray
from geometry_msgs.msg import PointStamped
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, JointState
from std_msgs.msg import Float64MultiArray, String
from trajectory_msgs.msg import JointTrajectory

from .ros_parameters import declare_all
from .runner import main_for
from ..parameters import ATTENTION_RECORDER

SCHEMA = 'msinet_ros attention run 1'
# /diagnostics statuses kept: those of the attention chain (status names are "node: task").
RECORDED_NODES = ('attention_node', 'gaze_controller', 'saliency_node')


def _seconds(stamp) -> float:
    return stamp.sec + stamp.nanosec * 1e-9


def _floats(values: Sequence[float]) -> list:
    """Return JSON-safe floats (NaN and infinities become null)."""
    return [float(v) if math.isfinite(v) else None for v in values]


class AttentionRecorder(Node):
    """Record the attention loop's messages to a JSON-lines file."""

    def __init__(self):
        super().__init__('attention_recorder')
        params = dict(declare_all(self, ATTENTION_RECORDER))
        self.exit_code = None  # set after ``duration`` of ROS time (read by the runner)
        self._duration = float(params['duration'])
        self._start = None  # first non-zero ROS time
        path = Path(params['output']).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = open(path, 'w')
        meta: Dict[str, Any] = {'schema': SCHEMA, 'node': self.get_fully_qualified_name(),
                                'started_unix_s': time.time(),
                                'use_sim_time': bool(self.get_parameter('use_sim_time').value),
                                'parameters': params}
        extra = params.pop('metadata', '')  # a JSON object, where the spec declares it
        if extra:
            meta.update(json.loads(extra))
        self._write('meta', **meta)
        sensor = QoSProfile(depth=10, reliability=ReliabilityPolicy.BEST_EFFORT)
        latched = QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL)
        self.create_subscription(CameraInfo, 'camera/camera_info', self._on_info, sensor)
        self.create_subscription(JointState, 'joint_states', self._on_joints, 100)
        self.create_subscription(PointStamped, 'gaze_target', self._on_target, 20)
        self.create_subscription(JointTrajectory, 'head_controller/joint_trajectory',
                                 self._on_trajectory, 20)
        self.create_subscription(Float64MultiArray, 'head_controller/commands',
                                 self._on_commands, 100)
        self.create_subscription(DiagnosticArray, '/diagnostics', self._on_diagnostics, 50)
        self.create_subscription(String, 'robot_description', self._on_description, latched)
        self.create_timer(0.05, self._check_duration,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))  # also without /clock

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _write(self, record_type: str, /, **fields) -> None:
        if self._file.closed:
            return
        self._file.write(json.dumps({'type': record_type, 't': self._now(), **fields}) + '\n')
        self._file.flush()

    def _check_duration(self) -> None:
        now = self._now()
        if self._start is None and now > 0:
            self._start = now
        if self._duration > 0 and self._start is not None and \
                now - self._start >= self._duration and self.exit_code is None:
            self.get_logger().info(f'recorded {self._duration} s to {self._file.name}')
            self._file.close()
            self.exit_code = 0

    def _on_info(self, msg: CameraInfo) -> None:
        self._write('image', stamp=_seconds(msg.header.stamp), frame=msg.header.frame_id)

    def _on_joints(self, msg: JointState) -> None:
        self._write('joint_state', stamp=_seconds(msg.header.stamp), names=list(msg.name),
                    positions=_floats(msg.position), velocities=_floats(msg.velocity))

    def _on_target(self, msg: PointStamped) -> None:
        self._write('gaze_target', stamp=_seconds(msg.header.stamp), frame=msg.header.frame_id,
                    point=_floats((msg.point.x, msg.point.y, msg.point.z)))

    def _on_trajectory(self, msg: JointTrajectory) -> None:
        last = msg.points[-1] if msg.points else None
        self._write('command', kind='trajectory', stamp=_seconds(msg.header.stamp),
                    names=list(msg.joint_names),
                    positions=_floats(last.positions) if last is not None else [],
                    duration=_seconds(last.time_from_start) if last is not None else None)

    def _on_commands(self, msg: Float64MultiArray) -> None:
        self._write('command', kind='position', names=[], positions=_floats(msg.data))

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        for status in msg.status:
            if status.name.split(':')[0].strip() not in RECORDED_NODES:
                continue
            level = status.level
            level = int.from_bytes(level, 'little') if isinstance(level, bytes) else int(level)
            self._write('diagnostic', name=status.name, level=level, message=status.message,
                        values={kv.key: kv.value for kv in status.values})

    def _on_description(self, msg: String) -> None:
        self._write('robot_description', urdf=msg.data)

    def destroy_node(self) -> None:
        """Close the file (what was written is flushed line by line)."""
        self._file.close()
        super().destroy_node()


main = main_for('attention_recorder', AttentionRecorder)
