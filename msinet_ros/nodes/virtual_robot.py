"""
``virtual_robot``: the pan-tilt head simulated in pybullet, with its camera, joints and clock.

The node is the clock source of a simulated run: a wall-clock timer steps the physics so that
simulated time advances at ``real_time_factor`` times the wall clock, and every step publishes
``/clock``. Nodes that run with ``use_sim_time`` follow it; this node never does (it would
wait for itself), and turns ``use_sim_time`` off with a warning if it is set. Every stamp it
publishes is simulated time: ``joint_states`` at ``joint_state_rate`` and
``camera/image_raw`` + ``camera/camera_info`` at ``camera_rate`` (both per simulated second),
each image stamped with the simulated instant whose pose it was rendered from.

Rendering (TinyRenderer on the CPU, 20-100 ms for 320x240) may fall behind: simulated time
still follows the wall clock times the factor, and a step renders only the latest camera
instant due in it, dropping the earlier ones (counted, and reported in a throttled warning).

Commands: ``head_controller/joint_trajectory`` (the last point's positions, joints by name;
its timing is not followed: the joints move under position control at their URDF velocity
limits) and ``head_controller/commands`` (``Float64MultiArray``, one position per joint in
``joint_states`` order). ``robot_description`` (transient local) carries the URDF.
"""

from pathlib import Path
import time
from typing import Optional

from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from rclpy.time import Time
from rosgraph_msgs.msg import Clock
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Float64MultiArray, Header, String
from trajectory_msgs.msg import JointTrajectory

from .messages import camera_info_msg, image_msg
from .ros_parameters import declare_all
from .runner import main_for
from ..errors import ParameterError
from ..parameters import VIRTUAL_ROBOT
from ..paths import share_dir
from ..simulation.scene import Scene

STEP_PERIOD_S = 0.01  # wall-clock period of the physics steps and of /clock
THROTTLE_S = 5.0


def latched_qos() -> QoSProfile:
    """Return the profile of ``robot_description``: reliable, transient local, depth 1."""
    return QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.TRANSIENT_LOCAL)


def stamp(seconds: float):
    """Return simulated seconds as a ``builtin_interfaces/Time``."""
    return Time(nanoseconds=int(round(seconds * 1e9))).to_msg()


class VirtualRobot(Node):
    """Step a pybullet :class:`Scene` in (scaled) real time and publish what a robot would."""

    def __init__(self):
        super().__init__('virtual_robot')
        if self.get_parameter('use_sim_time').value:
            self.get_logger().warning('use_sim_time is ignored: virtual_robot is the clock '
                                      '(/clock) that the other nodes follow')
            self.set_parameters([Parameter('use_sim_time', Parameter.Type.BOOL, False)])
        params = declare_all(self, VIRTUAL_ROBOT)
        share = share_dir()
        urdf = Path(params['urdf'] or share / 'urdf' / 'pan_tilt_head.urdf').expanduser()
        if not urdf.is_file():
            raise ParameterError(f"parameter 'urdf': {urdf} does not exist")
        photos = Path(params['scene_images'] or share / 'demo' / 'images').expanduser()
        self._frame = params['camera_frame']
        self._scene = Scene(urdf, photos, camera_frame=self._frame, width=params['width'],
                            height=params['height'],
                            horizontal_fov_deg=params['horizontal_fov_deg'],
                            principal_point_offset=(params['principal_point_offset_x'],
                                                    params['principal_point_offset_y']))
        self._factor = params['real_time_factor']
        self._js_period = 1.0 / params['joint_state_rate']
        self._cam_period = 1.0 / params['camera_rate']
        self._next_js = self._js_period
        self._next_cam = self._cam_period
        self.rendered = 0
        self.dropped = 0

        self._clock_pub = self.create_publisher(Clock, '/clock', 10)
        self._js_pub = self.create_publisher(JointState, 'joint_states', 10)
        self._image_pub = self.create_publisher(Image, 'camera/image_raw', 2)
        self._info_pub = self.create_publisher(CameraInfo, 'camera/camera_info', 5)
        self._description_pub = self.create_publisher(String, 'robot_description',
                                                      latched_qos())
        self._description_pub.publish(String(data=urdf.read_text()))
        self.create_subscription(JointTrajectory, 'head_controller/joint_trajectory',
                                 self._on_trajectory, 10)
        self.create_subscription(Float64MultiArray, 'head_controller/commands',
                                 self._on_commands, 10)
        self._wall_start = time.monotonic()
        self._timer = self.create_timer(STEP_PERIOD_S, self._tick)
        geometry = self._scene.camera_info
        self.get_logger().info(
            f'simulating {urdf.name} ({", ".join(self._scene.joint_names)}) at '
            f'{self._factor}x real time; camera {geometry.width}x{geometry.height} from '
            f'{self._frame} at {params["camera_rate"]} Hz; walls: {photos}')

    # -- commands --------------------------------------------------------------------------

    def _on_trajectory(self, msg: JointTrajectory) -> None:
        log = self.get_logger()
        if not msg.points:
            log.warning('a joint_trajectory without points: ignored',
                        throttle_duration_sec=THROTTLE_S)
            return
        positions = list(msg.points[-1].positions)
        if len(positions) != len(msg.joint_names):
            log.warning(f'a joint_trajectory with {len(msg.joint_names)} joint names but '
                        f'{len(positions)} positions in its last point: ignored',
                        throttle_duration_sec=THROTTLE_S)
            return
        unknown = self._scene.set_targets(dict(zip(msg.joint_names, positions)))
        if unknown:
            log.warning(f'joint_trajectory names unknown joints {", ".join(unknown)} (the '
                        f'robot has {", ".join(self._scene.joint_names)}); those were ignored',
                        throttle_duration_sec=THROTTLE_S)

    def _on_commands(self, msg: Float64MultiArray) -> None:
        names = self._scene.joint_names
        if len(msg.data) != len(names):
            self.get_logger().warning(
                f'commands with {len(msg.data)} values, not one per joint '
                f'({", ".join(names)}): ignored', throttle_duration_sec=THROTTLE_S)
            return
        self._scene.set_targets(dict(zip(names, msg.data)))

    # -- simulation ------------------------------------------------------------------------

    def _tick(self) -> None:
        """Step to the wall clock x factor, publishing each event due on the way."""
        scene = self._scene
        target = (time.monotonic() - self._wall_start) * self._factor
        camera_due: Optional[float] = None
        dropped = self.dropped
        while self._next_cam <= target:  # render only the latest camera instant due
            if camera_due is not None:
                self.dropped += 1
            camera_due = self._next_cam
            self._next_cam += self._cam_period
        while True:
            event = self._next_js if camera_due is None else min(self._next_js, camera_due)
            if event > target:
                break
            scene.advance_to(event)
            if camera_due is not None and camera_due <= event:
                self._publish_clock()
                self._publish_image()
                camera_due = None
            if self._next_js <= event:
                self._publish_joint_states()
                self._next_js += self._js_period
        scene.advance_to(target)
        self._publish_clock()
        if self.dropped > dropped:
            self.get_logger().warning(
                f'rendering falls behind: {self.dropped} camera frames dropped, '
                f'{self.rendered} rendered (lower camera_rate or real_time_factor)',
                throttle_duration_sec=THROTTLE_S)

    def _header(self) -> Header:
        return Header(stamp=stamp(self._scene.time), frame_id=self._frame)

    def _publish_clock(self) -> None:
        self._clock_pub.publish(Clock(clock=stamp(self._scene.time)))

    def _publish_joint_states(self) -> None:
        names, positions, velocities = self._scene.joint_states()
        self._js_pub.publish(JointState(
            header=Header(stamp=stamp(self._scene.time)), name=names,
            position=[float(v) for v in positions], velocity=[float(v) for v in velocities]))

    def _publish_image(self) -> None:
        header = self._header()  # the instant of the pose the image is rendered from
        rgb = self._scene.render()
        self.rendered += 1
        geometry = self._scene.camera_info
        self._image_pub.publish(image_msg(rgb, 'rgb8', header))
        self._info_pub.publish(camera_info_msg(geometry, header, geometry.height,
                                               geometry.width))

    def destroy_node(self) -> None:
        """Stop stepping and disconnect the physics client."""
        scene = getattr(self, '_scene', None)
        if scene is not None:
            scene.close()
        super().destroy_node()


main = main_for('virtual_robot', VirtualRobot)
