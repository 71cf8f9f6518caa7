"""The executor the saliency node spins in: rclpy's multi-threaded one, made safe on Humble."""

from rclpy.exceptions import InvalidHandle
from rclpy.executors import MultiThreadedExecutor


class NodeExecutor(MultiThreadedExecutor):
    """
    A multi-threaded executor that tolerates entities destroyed while it waits on them.

    The node destroys its camera subscription when the last output subscriber leaves. On
    Humble, a message handed to a pool thread just before that raises ``InvalidHandle`` in the
    take, which ``spin_once`` re-raises (ending the process) and which leaves the callback
    group marked busy; Iron and later catch it and skip the message. This does the same on
    every distribution: the message of a destroyed subscription is dropped.
    """

    def spin_once(self, timeout_sec=None) -> None:
        """
        Spin once, skipping an entity that a callback destroyed while the wait set was built.

        Callbacks on pool threads destroy the camera subscription (and with it its QoS event
        handlers) while the spinning thread may be adding them to a wait set. rclpy tolerates
        that for subscriptions, timers and services, but not for event handlers (waitables),
        whose ``add_to_wait_set`` then raises ``InvalidHandle`` (seen under Jazzy). The next
        wait set no longer holds the entity.
        """
        try:
            super().spin_once(timeout_sec)
        except InvalidHandle:
            pass

    def _take_subscription(self, sub):
        try:
            return super()._take_subscription(sub)
        except InvalidHandle:
            return None
