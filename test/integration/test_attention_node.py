"""The installed attention_node turns saliency maps into gaze targets over DDS."""

import math

from builtin_interfaces.msg import Time
from geometry_msgs.msg import PointStamped
from msinet_ros.attention.camera import CameraGeometry
from msinet_ros.attention.directions import angle_deg
from msinet_ros.attention.kinematics import KinematicChain
from msinet_ros.imaging import byte_array
from msinet_ros.nodes.messages import camera_info_msg, image_msg
from msinet_ros.nodes.robot_description import DESCRIPTION_QOS
import numpy as np
from sensor_msgs.msg import CameraInfo, Image, JointState
from std_msgs.msg import Header, String
from support.ros_helpers import Diagnostics, share_dir
from visualization_msgs.msg import MarkerArray

SHAPE = (48, 64)
PEAK = (40.0, 20.0)  # (u, v) of the map's maximum
CAMERA = CameraGeometry(height=48, width=64, distortion_model='plumb_bob', d=(0.0,) * 5,
                        k=(50.0, 0, 31.5, 0, 50.0, 23.5, 0, 0, 1),
                        r=(1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0),
                        p=(50.0, 0, 31.5, 0, 0, 50.0, 23.5, 0, 0, 0, 1.0, 0))
JOINTS = ['pan_joint', 'tilt_joint']


def _urdf() -> str:
    return (share_dir() / 'urdf' / 'pan_tilt_head.urdf').read_text()


def _blob() -> np.ndarray:
    v, u = np.mgrid[0:SHAPE[0], 0:SHAPE[1]]
    return np.exp(-((u - PEAK[0]) ** 2 + (v - PEAK[1]) ** 2) / 18.0).astype(np.float32)


def _stamp(seconds: float) -> Time:
    return Time(sec=int(seconds), nanosec=int(round((seconds % 1) * 1e9)))


class Camera:
    """The probe as the robot and the saliency node: URDF, joint states, maps."""

    def __init__(self, probe):
        node = probe.node
        self.description = node.create_publisher(String, 'robot_description', DESCRIPTION_QOS)
        self.description.publish(String(data=_urdf()))
        self.joints = node.create_publisher(JointState, 'joint_states', 50)
        self.maps = node.create_publisher(Image, 'saliency/image', 5)
        self.infos = node.create_publisher(CameraInfo, 'saliency/camera_info', 5)
        self.targets = []
        node.create_subscription(PointStamped, 'gaze_target', self.targets.append, 10)

    def joint_state(self, seconds: float, pan: float, tilt: float, speed: float = 0.0) -> None:
        self.joints.publish(JointState(header=Header(stamp=_stamp(seconds)), name=JOINTS,
                                       position=[pan, tilt], velocity=[speed, 0.0]))

    def saliency(self, seconds: float, saliency: np.ndarray, encoding: str = '32FC1') -> None:
        header = Header(stamp=_stamp(seconds), frame_id='camera_optical_frame')
        if encoding == '32FC1':
            self.maps.publish(image_msg(saliency, encoding, header))
        else:  # a colour image where a map belongs
            self.maps.publish(image_msg(np.zeros(SHAPE + (3,), np.uint8), 'rgb8', header))
        self.infos.publish(camera_info_msg(CAMERA, header, *SHAPE))


def test_the_target_lies_on_the_peak_s_ray_at_the_pose_of_the_image_stamp(probe, start_node):
    node = start_node('attention_node', '-p', 'suppression_speed_deg_s:=0.0')
    camera = Camera(probe)
    markers = []
    probe.node.create_subscription(MarkerArray, 'attention/markers', markers.append, 10)
    # the head turns from pan 0.3 (t = 9.9 s) to 0.5 rad (t = 10.1 s): at the image stamp
    # (10.0 s) it was at 0.4, though the newest joint state says 0.5

    def publish():
        camera.joint_state(9.9, 0.3, 0.1)
        camera.joint_state(10.1, 0.5, 0.1)
        camera.saliency(10.0, _blob())

    assert probe.spin_until(lambda: camera.targets, timeout=20, every=publish, period=0.5), \
        node.output()
    target = camera.targets[-1]
    assert target.header.frame_id == 'base_link' and target.header.stamp == _stamp(10.0)
    chain = KinematicChain.from_urdf(_urdf(), 'base_link', 'camera_optical_frame')
    pose = chain.pose({'pan_joint': 0.4, 'tilt_joint': 0.1})
    ray = pose[:3, :3] @ CAMERA.rays([PEAK], True)[0]
    point = np.array([target.point.x, target.point.y, target.point.z])
    assert angle_deg(point - pose[:3, 3], ray) < 0.3
    assert math.isclose(np.linalg.norm(point - pose[:3, 3]), 2.0, rel_tol=1e-6)  # distance
    newest = chain.pose({'pan_joint': 0.5, 'tilt_joint': 0.1})
    assert angle_deg(point - newest[:3, 3], newest[:3, :3] @ CAMERA.rays([PEAK], True)[0]) > 5
    # rviz markers (published while subscribed): the target and its inhibited direction
    assert probe.spin_until(lambda: any(m.ns == 'target' for a in markers for m in a.markers),
                            timeout=10, every=publish, period=0.5), node.output()
    shown = {m.ns: m for a in markers for m in a.markers}
    assert shown['target'].header.frame_id == 'base_link' and 'inhibition' in shown


def test_maps_of_a_fast_moving_head_are_suppressed_and_counted(probe, start_node):
    node = start_node('attention_node')
    camera, diagnostics = Camera(probe), Diagnostics(probe, 'attention_node')

    def publish():  # 2 rad/s, well above the default 30 deg/s
        camera.joint_state(19.9, 0.1, 0.0, speed=2.0)
        camera.joint_state(20.1, 0.5, 0.0, speed=2.0)
        camera.saliency(20.0, _blob())

    assert probe.spin_until(lambda: int(diagnostics.latest().get('frames suppressed', 0)) >= 1,
                            timeout=20, every=publish, period=0.5), node.output()
    assert not camera.targets


def test_bad_maps_are_counted_and_the_node_keeps_attending(probe, start_node):
    node = start_node('attention_node')
    camera, diagnostics = Camera(probe), Diagnostics(probe, 'attention_node')
    nan = _blob()
    nan[0, 0] = np.nan
    bad = iter([('rgb8', None), ('32FC1', nan)] * 50)

    def publish_bad():
        camera.joint_state(30.0, 0.0, 0.0)
        encoding, saliency = next(bad)
        camera.saliency(30.0, saliency, encoding)

    assert probe.spin_until(lambda: int(diagnostics.latest().get('frames rejected', 0)) >= 2,
                            timeout=20, every=publish_bad, period=0.3), node.output()
    assert not camera.targets

    def publish_good():
        camera.joint_state(40.0, 0.0, 0.0)
        camera.saliency(40.0, _blob())

    assert probe.spin_until(lambda: camera.targets, timeout=10, every=publish_good,
                            period=0.5), node.output()
    assert node.proc.poll() is None


def test_with_depth_the_target_lies_at_the_depth_of_the_aligned_depth_image(probe, start_node):
    node = start_node('attention_node', '-p', 'use_depth:=true')
    camera = Camera(probe)
    depths = probe.node.create_publisher(Image, 'depth/image', 5)
    millimetres = np.full(SHAPE, 1500, np.uint16)  # REP-118 16UC1: 1.5 m along the axis

    def publish():
        camera.joint_state(50.0, 0.2, 0.0)
        header = Header(stamp=_stamp(50.0), frame_id='camera_optical_frame')
        depth = Image(header=header, height=SHAPE[0], width=SHAPE[1], encoding='16UC1',
                      is_bigendian=0, step=SHAPE[1] * 2)
        depth.data = byte_array(millimetres)
        depths.publish(depth)
        camera.saliency(50.0, _blob())

    chain = KinematicChain.from_urdf(_urdf(), 'base_link', 'camera_optical_frame')
    pose = chain.pose({'pan_joint': 0.2, 'tilt_joint': 0.0})

    def in_camera(target) -> np.ndarray:
        point = target.point
        return pose[:3, :3].T @ (np.array([point.x, point.y, point.z]) - pose[:3, 3])

    # a map that arrives before its depth image (another topic) is placed at target_distance;
    # once the depth of its stamp is there, the target lies at that depth along the ray
    assert probe.spin_until(
        lambda: any(math.isclose(in_camera(t)[2], 1.5, rel_tol=1e-4) for t in camera.targets),
        timeout=20, every=publish, period=0.5), (
        [in_camera(t)[2] for t in camera.targets], node.output())
    at_depth = next(t for t in camera.targets
                    if math.isclose(in_camera(t)[2], 1.5, rel_tol=1e-4))
    assert angle_deg(in_camera(at_depth), CAMERA.rays([PEAK], True)[0]) < 0.3
