"""The executor the saliency node spins in: rclpy's multi-threaded one, made safe on Humble."""

from rclpy.exceptions import InvalidHandle
from rclpy.executors import MultiThreadedExecutor


class NodeExecutor(MultiThreadedExecutor):
    """
    A multi-threaded executor that tolerates a subscription destroyed between wait and take.

    The node destroys its camera subscription when the last output subscriber leaves. On
    Humble, a message handed to a pool thread just before that raises ``InvalidHandle`` in the
    take, which ``spin_once`` re-raises (ending the process) and which leaves the callback
    group marked busy; Iron and later catch it and skip the message. This does the same on
    every distribution: the message of a destroyed subscription is dropped.
    """

    def _take_subscription(self, sub):
        try:
            return super()._take_subscription(sub)
        except InvalidHandle:
            return None
