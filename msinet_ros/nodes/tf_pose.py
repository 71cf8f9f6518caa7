"""
Camera pose from tf2, for robots whose base moves (``pose_source: tf``).

Needs ``tf2_ros`` (a ROS 2 install; it is not among the PyPI wheels, so this path is not run
by the tests here). The pose of the camera's optical frame in ``fixed_frame`` is looked up
at the image's stamp, as the URDF source computes it from the buffered joint states.
"""

from typing import Optional

import numpy as np
from rclpy.duration import Duration
from rclpy.node import Node
from rclpy.time import Time
from scipy.spatial.transform import Rotation

from ..errors import require

SPEED_DT_S = 0.05  # the head's speed is the rotation between two lookups this far apart


class TfHeadPose:
    """``pose_at``/``speed_at`` of the camera frame in ``fixed_frame`` through a tf2 buffer."""

    def __init__(self, node: Node, fixed_frame: str):
        tf2_ros = require('tf2_ros', 'pose_source tf needs tf2 from a ROS 2 install '
                          '(apt install ros-$ROS_DISTRO-tf2-ros), or use pose_source urdf')
        self._tf2 = tf2_ros
        self._buffer = tf2_ros.Buffer(node=node)
        self._listener = tf2_ros.TransformListener(self._buffer, node)
        self.fixed_frame = fixed_frame
        self.camera_frame = ''

    def pose_at(self, stamp_s: float, tolerance_s: float) -> Optional[np.ndarray]:
        """Return T_fixed_camera at the stamp, or None if tf cannot give it (yet)."""
        try:
            msg = self._buffer.lookup_transform(
                self.fixed_frame, self.camera_frame, Time(nanoseconds=int(stamp_s * 1e9)),
                timeout=Duration(seconds=tolerance_s))
        except (self._tf2.LookupException, self._tf2.ConnectivityException,
                self._tf2.ExtrapolationException):
            return None
        t, q = msg.transform.translation, msg.transform.rotation
        pose = np.eye(4)
        pose[:3, :3] = Rotation.from_quat([q.x, q.y, q.z, q.w]).as_matrix()
        pose[:3, 3] = (t.x, t.y, t.z)
        return pose

    def speed_at(self, stamp_s: float, tolerance_s: float) -> Optional[float]:
        """Return the camera's angular speed (rad/s) around the stamp, or None."""
        before = self.pose_at(stamp_s - SPEED_DT_S, tolerance_s)
        after = self.pose_at(stamp_s, tolerance_s)
        if before is None or after is None:
            return None
        turn = Rotation.from_matrix(before[:3, :3].T @ after[:3, :3]).magnitude()
        return float(turn) / SPEED_DT_S
