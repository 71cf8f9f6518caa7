"""
``gaze_controller``: gaze targets in, pan/tilt commands out, for a head described by a URDF.

Each ``gaze_target`` (``geometry_msgs/PointStamped`` in ``body_frame``) is solved for the two
joints of the chain from ``body_frame`` to ``camera_frame`` so that the camera's optical axis
passes through it (:class:`msinet_ros.attention.pan_tilt.PanTiltHead`, to < 0.1°), clipped to
the joint limits (counted), and sent as

- ``trajectory_msgs/JointTrajectory`` on ``head_controller/joint_trajectory`` (one point,
  reached at ``max_velocity`` for a saccade, at ``pursuit_velocity`` for smooth pursuit), for
  ros2_control's joint_trajectory_controller; or
- ``std_msgs/Float64MultiArray`` on ``head_controller/commands`` (forward_command_controller's
  position interface): set points streamed at :data:`STREAM_HZ` that move at the same speeds,
  since such a controller jumps to whatever it is sent.

A gaze shift larger than ``saccade_threshold_deg`` is a saccade, a smaller one smooth pursuit;
shifts below ``deadband_deg`` send nothing. The current gaze is that of the last command, or
of ``joint_states`` before the first. control_msgs' PointHead action would be the other
standard interface; it is not offered (control_msgs is not available here to test it).
"""

import math
import threading
from typing import Dict, Optional

from builtin_interfaces.msg import Duration as DurationMsg
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
from geometry_msgs.msg import PointStamped
import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64MultiArray, MultiArrayDimension
from trajectory_msgs.msg import JointTrajectory, JointTrajectoryPoint

from . import messages
from .robot_description import receive_description
from .ros_parameters import ParameterListener
from .runner import main_for
from ..attention.kinematics import KinematicChain
from ..attention.pan_tilt import angle_between, PanTiltHead
from ..errors import MsinetError
from ..parameters import GAZE_CONTROLLER

JOINT_QOS = QoSProfile(depth=50, reliability=ReliabilityPolicy.BEST_EFFORT)
STREAM_HZ = 50.0  # set points per second in position mode (node clock: simulated with sim time)
MIN_DURATION_S = 0.02  # shortest trajectory sent
MAX_ERROR_DEG = 0.1  # a solution worse than this is an unreachable target


class GazeController(Node):
    """Point a pan-tilt head's optical axis at gaze targets."""

    def __init__(self):
        super().__init__('gaze_controller')
        self._params = ParameterListener(self, GAZE_CONTROLLER, 'GazeControllerSettings')
        s = self._params.settings
        self.exit_code: Optional[int] = None
        self.reason = ''
        self._lock = threading.Lock()
        self._head: Optional[PanTiltHead] = None
        self._measured: Optional[np.ndarray] = None  # from joint_states, in head joint order
        self._commanded: Optional[np.ndarray] = None  # last command sent (its final position)
        self._stream: Optional[tuple] = None  # position mode: (start, goal, speeds, t0)
        self._counts: Dict[str, int] = dict.fromkeys((
            'targets', 'targets clipped', 'targets unreachable', 'targets ignored', 'saccades',
            'pursuits', 'commands'), 0)
        self._last_error = ''
        if s.command_type == 'trajectory':
            self._pub = self.create_publisher(JointTrajectory,
                                              'head_controller/joint_trajectory', 10)
        else:
            self._pub = self.create_publisher(Float64MultiArray, 'head_controller/commands', 10)
            self.create_timer(1.0 / STREAM_HZ, self._stream_step)
        self._diagnostics = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_subscription(JointState, 'joint_states', self._on_joints, JOINT_QOS)
        self.create_subscription(PointStamped, 'gaze_target', self._on_target, 10)
        receive_description(self, s.robot_description, self._on_urdf)
        self.create_timer(1.0, self._publish_diagnostics,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))

    def _on_urdf(self, urdf: str) -> None:
        s = self._params.settings
        try:
            chain = KinematicChain.from_urdf(urdf, s.body_frame, s.camera_frame)
            head = PanTiltHead.from_chain(chain)
        except MsinetError as exc:  # the runner logs this line and exits 1
            self.reason = f'robot_description: {exc}'
            self.exit_code = 1
            return
        with self._lock:
            self._head = head
            self._measured = self._commanded = self._stream = None
        self.get_logger().info(
            f'aiming {s.camera_frame} from {s.body_frame} with {", ".join(head.joint_names)} '
            f'({s.command_type} commands on {self._pub.topic_name})')

    def _on_joints(self, msg: JointState) -> None:
        head = self._head
        if head is None:
            return
        index = {name: i for i, name in enumerate(msg.name)}
        if not all(name in index and index[name] < len(msg.position)
                   for name in head.joint_names):
            return  # another group's joint_states
        with self._lock:
            self._measured = np.array([msg.position[index[n]] for n in head.joint_names])

    def _ignore(self, why: str) -> None:
        with self._lock:
            self._counts['targets ignored'] += 1
            self._last_error = why
        self.get_logger().warning(f'ignored a gaze target: {why}', throttle_duration_sec=5.0)

    def _on_target(self, msg: PointStamped) -> None:
        s = self._params.settings
        head = self._head
        if head is None:
            self._ignore('no robot_description yet')
            return
        if msg.header.frame_id != s.body_frame:
            self._ignore(f'it is in {msg.header.frame_id!r}, not body_frame {s.body_frame!r}')
            return
        target = np.array([msg.point.x, msg.point.y, msg.point.z])
        if not np.isfinite(target).all():
            self._ignore('it is not finite')
            return
        with self._lock:
            current = self._commanded if self._commanded is not None else self._measured
        if current is None:
            self._ignore('no joint_states of the head yet')
            return
        aim = head.aim(target, seed=current, margin=s.limit_margin)
        with self._lock:
            self._counts['targets'] += 1
            if aim.error_deg > MAX_ERROR_DEG:
                self._counts['targets unreachable'] += 1
            if not aim.within_limits:
                self._counts['targets clipped'] += 1
        goal = np.asarray(aim.clipped, float)
        shift = angle_between(head.gaze_direction(current), head.gaze_direction(goal))
        if shift < s.deadband_deg:
            return
        saccade = shift > s.saccade_threshold_deg
        limits = np.asarray(head.velocity, float)
        if saccade:
            speeds = np.minimum(limits, s.max_velocity) if s.max_velocity > 0 else limits
        else:
            speeds = np.minimum(limits, s.pursuit_velocity)
        with self._lock:
            self._counts['saccades' if saccade else 'pursuits'] += 1
            self._counts['commands'] += 1
            self._commanded = goal
        if s.command_type == 'trajectory':
            self._pub.publish(self._trajectory(head, current, goal, speeds))
        else:
            with self._lock:
                start = self._stream_position() if self._stream else current
                self._stream = (start, goal, speeds, self._now())

    def _trajectory(self, head: PanTiltHead, start: np.ndarray, goal: np.ndarray,
                    speeds: np.ndarray) -> JointTrajectory:
        """Return one point reached when the slowest joint, at its speed, gets there."""
        duration = max(MIN_DURATION_S, float(np.max(np.abs(goal - start) / speeds)))
        point = JointTrajectoryPoint(positions=[float(q) for q in goal],
                                     velocities=[0.0] * len(goal))
        point.time_from_start = DurationMsg(sec=int(duration),
                                            nanosec=int((duration % 1.0) * 1e9))
        # a zero stamp: start now (joint_trajectory_controller's convention)
        return JointTrajectory(joint_names=list(head.joint_names), points=[point])

    def _now(self) -> float:
        return self.get_clock().now().nanoseconds * 1e-9

    def _stream_position(self) -> np.ndarray:
        """Return the set point of the running stream now (call with the lock held)."""
        start, goal, speeds, t0 = self._stream
        step = np.clip(goal - start, -speeds * (self._now() - t0), speeds * (self._now() - t0))
        return start + step

    def _stream_step(self) -> None:
        """Position mode: send the set point moving from start to goal at the chosen speeds."""
        with self._lock:
            if self._stream is None:
                return
            position = self._stream_position()
            if np.array_equal(position, self._stream[1]):
                self._stream = None
        msg = Float64MultiArray(data=[float(q) for q in position])
        msg.layout.dim = [MultiArrayDimension(label='joints', size=len(position), stride=1)]
        self._pub.publish(msg)

    def _publish_diagnostics(self) -> None:
        with self._lock:
            counts, error, head = dict(self._counts), self._last_error, self._head
            commanded = self._commanded
        values: Dict[str, object] = dict(counts)
        values['joints'] = ', '.join(head.joint_names) if head else ''
        values['commanded (deg)'] = (', '.join(f'{math.degrees(q):.1f}' for q in commanded)
                                     if commanded is not None else '')
        if error:
            values['last ignored target'] = error
        level, message = DiagnosticStatus.OK, 'aiming'
        if head is None:
            level, message = DiagnosticStatus.WARN, 'waiting for robot_description'
        elif counts['targets clipped']:
            message = f'{counts["targets clipped"]} targets beyond the joint limits (clipped)'
        self._diagnostics.publish(messages.diagnostics_msg(
            f'{self.get_fully_qualified_name()}: gaze', level, message, values,
            self.get_clock().now().to_msg()))


main = main_for('gaze_controller', GazeController)
