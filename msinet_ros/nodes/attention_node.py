"""
``attention_node``: saliency maps in, one gaze target out (the attention of a robot's head).

Subscribes to a saliency map (``saliency/image``) with its ``saliency/camera_info``, to
``joint_states`` and the robot's URDF, and publishes where to look next as a
``geometry_msgs/PointStamped`` in ``body_frame`` (``gaze_target``), with rviz markers of the
inhibited directions and the scanpath (``attention/markers``) and diagnostics.

The choice itself is :class:`msinet_ros.attention.selector.AttentionSelector`'s; this node
only finds, for each map, the camera's pose at the image's stamp (forward kinematics of the
URDF over buffered joint states, or tf2) and the head's speed then (saccadic suppression), and
turns the decision into messages. Selection on a shrunk map takes milliseconds, so it runs in
the map's callback.
"""

import math
import threading
from typing import Dict, List, Optional

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus
import numpy as np
from rclpy.clock import Clock, ClockType
from rclpy.node import Node
from rclpy.qos import QoSProfile, ReliabilityPolicy
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Header
from visualization_msgs.msg import Marker, MarkerArray

from . import messages
from .robot_description import receive_description
from .ros_parameters import ParameterListener
from .runner import main_for
from ..attention.camera import CameraGeometry
from ..attention.head_pose import UrdfHeadPose
from ..attention.joint_history import JointStateHistory
from ..attention.kinematics import KinematicChain
from ..attention.selector import AttentionSelector
from ..attention.settings import AttentionSettings
from ..errors import MsinetError
from ..imaging import image_to_float
from ..parameters import ATTENTION_NODE
from ..stamp_sync import StampedBuffer

SENSOR_QOS = QoSProfile(depth=2, reliability=ReliabilityPolicy.BEST_EFFORT)
INFO_QOS = QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT)
# best effort matches reliable publishers too; deep enough for 1 s of a 50 Hz joint_states
JOINT_QOS = QoSProfile(depth=50, reliability=ReliabilityPolicy.BEST_EFFORT)
HISTORY_S = 5.0  # joint states kept for poses at image stamps
SCANPATH_LENGTH = 20  # saccade targets drawn in the scanpath marker


def _settings(s) -> AttentionSettings:
    """Return the core's settings from the node's parameter snapshot."""
    return AttentionSettings(
        ior_sigma_deg=s.ior_sigma_deg, ior_strength=s.ior_strength, ior_decay_s=s.ior_decay_s,
        switch_margin=s.switch_margin, min_fixation_s=s.min_fixation_s, threshold=s.threshold,
        suppression_speed_deg_s=s.suppression_speed_deg_s, smoothing=s.smoothing,
        map_width=s.map_width)


class AttentionNode(Node):
    """Select gaze targets from saliency maps with inhibition of return in the body frame."""

    def __init__(self):
        super().__init__('attention_node')
        self._params = ParameterListener(self, ATTENTION_NODE, 'AttentionNodeSettings')
        s = self._params.settings
        self.exit_code: Optional[int] = None
        self.reason = ''
        self._lock = threading.Lock()
        self._core = _settings(s)
        self._selector = AttentionSelector(self._core)
        self._history = JointStateHistory(HISTORY_S)
        self._infos: StampedBuffer[CameraGeometry] = StampedBuffer()
        self._depths: StampedBuffer[np.ndarray] = StampedBuffer(keep=5)
        self._urdf = ''
        self._pose_source = None  # built when the URDF (or tf) and the camera frame are known
        self._tf = None
        if s.pose_source == 'tf':
            from .tf_pose import TfHeadPose  # needs tf2_ros: a start-up error otherwise
            self._tf = TfHeadPose(self, s.world_frame or s.body_frame)
        self._counts: Dict[str, int] = dict.fromkeys((
            'maps', 'targets', 'suppressed', 'without pose', 'without camera_info',
            'rejected'), 0)
        self._pending = None  # (stamp_ns, header, map) of a map waiting for its camera_info
        # a map whose stamp is newer than the newest joint state: (stamp_ns, header, map, camera)
        self._awaiting_pose = None
        self._decision = None
        self._decision_stamp = 0.0
        self._scanpath: List[np.ndarray] = []
        self._last_error = ''
        self._target_pub = self.create_publisher(messages.PointStamped, 'gaze_target', 10)
        self._marker_pub = self.create_publisher(MarkerArray, 'attention/markers', 1)
        self._diagnostics = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_subscription(Image, 'saliency/image', self._on_map, SENSOR_QOS)
        self.create_subscription(CameraInfo, 'saliency/camera_info', self._on_info, INFO_QOS)
        self.create_subscription(JointState, 'joint_states', self._on_joints, JOINT_QOS)
        if s.use_depth:
            self.create_subscription(Image, 'depth/image', self._on_depth, SENSOR_QOS)
        if self._tf is None:
            receive_description(self, s.robot_description, self._on_urdf)
        self.create_timer(1.0, self._publish_diagnostics,
                          clock=Clock(clock_type=ClockType.STEADY_TIME))

    # ---- inputs ---------------------------------------------------------------------------
    def _on_urdf(self, urdf: str) -> None:
        self._urdf = urdf
        self._pose_source = None  # rebuilt for the camera frame of the next map

    def _on_info(self, msg: CameraInfo) -> None:
        try:
            geometry = CameraGeometry.from_camera_info(msg)
        except MsinetError as exc:
            self._reject(f'camera_info: {exc}')
            return
        stamp_ns = messages.stamp_ns(msg.header.stamp)
        self._infos.put(stamp_ns, geometry)
        pending = self._pending
        if pending is not None and pending[0] == stamp_ns:  # its map came first
            self._pending = None
            self._select(*pending, geometry)

    def _on_joints(self, msg: JointState) -> None:
        stamp = messages.stamp_ns(msg.header.stamp) * 1e-9
        if stamp == 0.0:  # an unstamped driver: the time it arrived is the best there is
            stamp = self.get_clock().now().nanoseconds * 1e-9
        if len(msg.position) != len(msg.name):
            self._reject(f'joint_states with {len(msg.name)} names and {len(msg.position)} '
                         'positions')
            return
        velocities = msg.velocity if len(msg.velocity) == len(msg.name) else None
        self._history.add(stamp, list(msg.name), list(msg.position), velocities)
        waiting = self._awaiting_pose
        if waiting is not None and self._history.newest_stamp >= waiting[0] * 1e-9:
            self._awaiting_pose = None
            self._attend(*waiting)

    def _decode(self, msg: Image, what: str) -> Optional[np.ndarray]:
        """Return a single-channel image as float32, or None (counted, logged) if it is bad."""
        try:
            values = image_to_float(msg.height, msg.width, msg.encoding, msg.step,
                                    msg.is_bigendian, msg.data)
        except MsinetError as exc:
            self._reject(f'{what}: {exc}')
            return None
        return values

    def _on_depth(self, msg: Image) -> None:
        depth = self._decode(msg, 'depth image')
        if depth is None:
            return
        if msg.encoding == '16UC1':
            depth = depth * np.float32(1e-3)  # millimetres (REP-118)
        self._depths.put(messages.stamp_ns(msg.header.stamp), depth)

    def _reject(self, what: str) -> None:
        with self._lock:
            self._counts['rejected'] += 1
            self._last_error = what
        self.get_logger().warning(f'ignored {what}', throttle_duration_sec=5.0)

    # ---- one map ----------------------------------------------------------------------------
    def _on_map(self, msg: Image) -> None:
        s = self._params.settings
        core = _settings(s)
        if core != self._core:
            self._core = core
            self._selector.settings = core
        saliency = self._decode(msg, 'saliency map')
        if saliency is None:
            return
        if not np.isfinite(saliency).all():
            self._reject('saliency map with NaN or infinite values')
            return
        self._count('maps')
        stamp_ns = messages.stamp_ns(msg.header.stamp)
        geometry = self._infos.match(stamp_ns)
        if geometry is None:  # the camera_info may follow: pair them when it comes
            if self._pending is not None:
                self._unpaired()
            self._pending = (stamp_ns, msg.header, saliency)
            return
        if self._pending is not None and self._pending[0] < stamp_ns:
            # an older map still waiting for its camera_info is never chosen after this one:
            # the selector reads time going backwards as a restart (and forgets inhibition)
            self._pending = None
            self._unpaired()
        self._select(stamp_ns, msg.header, saliency, geometry)

    def _unpaired(self) -> None:
        self._count('without camera_info')
        self.get_logger().warning(
            'no calibrated saliency/camera_info of the same stamp and size as the map: '
            'gaze targets need the camera model', throttle_duration_sec=5.0)

    def _select(self, stamp_ns: int, map_header: Header, saliency: np.ndarray,
                geometry: CameraGeometry) -> None:
        """Choose the target of one map with its camera model and publish it."""
        if not geometry.calibrated or geometry.expected_size != saliency.shape:
            self._unpaired()
            return
        stamp = stamp_ns * 1e-9
        waiting = self._awaiting_pose
        if waiting is not None:  # its joint states are late: go on with what there is
            self._awaiting_pose = None
            self._attend(*waiting)
        newest = self._history.newest_stamp
        if self._tf is None and newest is not None and newest < stamp:
            # joint states up to the image's stamp are on their way: interpolate, not hold
            self._awaiting_pose = (stamp_ns, map_header, saliency, geometry)
            return
        self._attend(stamp_ns, map_header, saliency, geometry)

    def _attend(self, stamp_ns: int, map_header: Header, saliency: np.ndarray,
                geometry: CameraGeometry) -> None:
        """Choose the target with the camera's pose at the map's stamp; publish it."""
        s = self._params.settings
        source = self._pose_source_for(map_header.frame_id)
        stamp = stamp_ns * 1e-9
        pose = speed = None
        if source is not None:
            pose = source.pose_at(stamp, s.joint_state_tolerance)
            speed = source.speed_at(stamp, s.joint_state_tolerance)
        if pose is None:
            self._count('without pose')
            self.get_logger().warning(
                f'no camera pose at the map stamp {stamp:.3f} s: '
                + ('waiting for the URDF on robot_description' if not (self._urdf or self._tf)
                   else 'joint_states (or tf) do not cover that time'),
                throttle_duration_sec=5.0)
            return
        try:
            decision = self._selector.update(saliency, geometry, s.rectified, pose, stamp, speed)
        except MsinetError as exc:
            self._reject(f'saliency map: {exc}')
            return
        with self._lock:
            self._decision, self._decision_stamp = decision, stamp
            self._counts['suppressed'] = decision.suppressed
        if decision.target is None:
            return
        if decision.status == 'saccade':
            self._scanpath = (self._scanpath + [decision.target.direction_body])[
                -SCANPATH_LENGTH:]
        point = self._target_point(decision.target, pose, stamp_ns, saliency.shape, s)
        header = Header(stamp=map_header.stamp, frame_id=s.body_frame)
        self._target_pub.publish(messages.point_stamped(point, header))
        self._count('targets')
        if self._marker_pub.get_subscription_count():
            self._marker_pub.publish(self._markers(header, pose, stamp, s.target_distance))

    def _pose_source_for(self, camera_frame: str):
        """Return the pose source for the map's optical frame (None until it can be built)."""
        if self._tf is not None:
            self._tf.camera_frame = camera_frame
            return self._tf
        source = self._pose_source
        if source is not None and source.camera_frame == camera_frame:
            return source
        if not self._urdf:
            return None
        body = self._params.settings.body_frame
        try:
            chain = KinematicChain.from_urdf(self._urdf, body, camera_frame)
        except MsinetError as exc:
            self._reject(f'robot_description: {exc}')
            return None
        source = UrdfHeadPose(chain, self._history)
        self._pose_source = source
        self.get_logger().info(
            f'camera pose of {camera_frame} in {body} from the URDF over joints '
            f'{", ".join(chain.joint_names) or "(none: fixed camera)"}')
        return source

    def _target_point(self, target, pose: np.ndarray, stamp_ns: int, map_shape, s
                      ) -> np.ndarray:
        """Return the target in the body frame: at its depth if known, else target_distance."""
        distance = s.target_distance
        depth = self._depths.match(stamp_ns) if s.use_depth else None
        u, v = target.pixel  # NaN once the target has left the view
        if depth is not None and math.isfinite(u) and math.isfinite(v):  # aligned with the map
            row = int((v + 0.5) * depth.shape[0] / map_shape[0])
            col = int((u + 0.5) * depth.shape[1] / map_shape[1])
            if 0 <= row < depth.shape[0] and 0 <= col < depth.shape[1]:
                z = float(depth[row, col])
                ray_camera = pose[:3, :3].T @ np.asarray(target.direction_body)
                if math.isfinite(z) and z > 0 and ray_camera[2] > 1e-6:
                    distance = z / ray_camera[2]  # depth is along the optical axis
        return np.asarray(target.origin_body) + distance * np.asarray(target.direction_body)

    def _count(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1

    # ---- outputs ----------------------------------------------------------------------------
    def _markers(self, header: Header, pose: np.ndarray, stamp: float,
                 distance: float) -> MarkerArray:
        """Inhibited directions (red, by strength), the target (green), the scanpath (line)."""
        origin = pose[:3, 3]
        markers = [Marker(header=header, ns='attention', action=Marker.DELETEALL)]
        for index, (direction, strength) in enumerate(self._selector.inhibition.entries(stamp)):
            markers.append(messages.sphere(header, 'inhibition', index,
                                           origin + distance * np.asarray(direction),
                                           0.15, (1.0, 0.1, 0.1, 0.2 + 0.6 * strength)))
        target = self._decision.target if self._decision is not None else None
        if target is not None:
            markers.append(messages.sphere(header, 'target', 0, origin + distance * np.asarray(
                target.direction_body), 0.1, (0.1, 1.0, 0.1, 0.9)))
        if len(self._scanpath) > 1:
            markers.append(messages.line_strip(
                header, 'scanpath', 0, [origin + distance * d for d in self._scanpath], 0.01,
                (1.0, 1.0, 0.0, 0.8)))
        return MarkerArray(markers=markers)

    def _publish_diagnostics(self) -> None:
        """Publish the counters, the current target and the time since the last saccade."""
        with self._lock:
            counts, decision, error = dict(self._counts), self._decision, self._last_error
            stamp = self._decision_stamp
        values: Dict[str, object] = {f'frames {k}' if k not in ('maps', 'targets') else k: v
                                     for k, v in counts.items()}
        values['fixations'] = decision.fixations if decision is not None else 0
        level, message = DiagnosticStatus.OK, 'attending'
        if decision is None or decision.target is None:
            message = 'no target yet' if not counts['maps'] else 'no target'
            values['current target (deg)'] = ''
            values['time since last saccade (s)'] = ''
        else:
            x, y, z = decision.target.direction_body
            values['current target (deg)'] = (
                f'azimuth {math.degrees(math.atan2(y, x)):.1f}, '
                f'elevation {math.degrees(math.atan2(z, math.hypot(x, y))):.1f}')
            values['time since last saccade (s)'] = \
                f'{stamp - decision.selected_at_s:.2f}'
        if counts['maps'] and (counts['without pose'] or counts['without camera_info']) and \
                decision is None:
            level, message = DiagnosticStatus.WARN, 'maps arrive but no target can be placed'
        if error:
            values['last rejected input'] = error
        self._diagnostics.publish(messages.diagnostics_msg(
            f'{self.get_fully_qualified_name()}: attention', level, message, values,
            self.get_clock().now().to_msg()))


main = main_for('attention_node', AttentionNode)
