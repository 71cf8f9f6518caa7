"""
The camera's pose in the body frame at a past timestamp, from the URDF and joint states.

This source assumes a **fixed base**: the body frame (the chain's base, e.g. ``base_link``) is
taken not to move, so only the joints between it and the camera matter, and a direction stored
in the body frame stays valid while the head turns. For robots whose base moves, the node layer
offers the tf2 source instead (a ``world_frame`` such as ``odom``), with the same interface.
"""

from typing import Optional

import numpy as np

from .joint_history import JointStateHistory
from .kinematics import KinematicChain


class UrdfHeadPose:
    """``T_body_camera`` and the head's joint speed at a stamp: forward kinematics of history."""

    def __init__(self, chain: KinematicChain, history: JointStateHistory):
        """Combine the chain body -> camera with the joint states buffered by ``history``."""
        self.chain = chain
        self.history = history

    @property
    def body_frame(self) -> str:
        """Return the frame poses are expressed in (the chain's base)."""
        return self.chain.base_frame

    @property
    def camera_frame(self) -> str:
        """Return the frame whose pose is given (the chain's tip)."""
        return self.chain.tip_frame

    def pose_at(self, stamp_s: float, tolerance_s: float) -> Optional[np.ndarray]:
        """Return the 4x4 ``T_body_camera`` at a stamp, or None without joint states for it."""
        positions = self.history.positions_at(stamp_s, self.chain.joint_names, tolerance_s)
        return None if positions is None else self.chain.pose(positions)

    def speed_at(self, stamp_s: float, tolerance_s: float) -> Optional[float]:
        """Return the largest joint speed of the chain at a stamp, or None (see history)."""
        return self.history.speed_at(stamp_s, self.chain.joint_names, tolerance_s)
