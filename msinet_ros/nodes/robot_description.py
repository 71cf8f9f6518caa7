"""The robot's URDF, from a parameter or the ``robot_description`` topic."""

from typing import Callable

from rclpy.node import Node
from rclpy.qos import DurabilityPolicy, QoSProfile, ReliabilityPolicy
from std_msgs.msg import String

# As robot_state_publisher publishes it: reliable, transient local, the last message kept.
DESCRIPTION_QOS = QoSProfile(depth=1, reliability=ReliabilityPolicy.RELIABLE,
                             durability=DurabilityPolicy.TRANSIENT_LOCAL)


def receive_description(node: Node, text: str, on_urdf: Callable[[str], None]) -> None:
    """
    Call ``on_urdf`` with the URDF: ``text`` if not empty, else each ``robot_description``.

    The topic is latched (transient local), so a node started after robot_state_publisher (or
    virtual_robot) still gets it; a new description (a reloaded robot) is passed on too.
    """
    if text:
        on_urdf(text)
        return
    node.create_subscription(String, 'robot_description', lambda msg: on_urdf(msg.data),
                             DESCRIPTION_QOS)
