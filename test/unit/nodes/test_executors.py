"""The node's executor drops the message of a subscription destroyed between wait and take."""

import pytest

rclpy = pytest.importorskip('rclpy', reason='rclpy is not installed')

from msinet_ros.nodes.executors import NodeExecutor  # noqa: E402, I100
from rclpy.context import Context  # noqa: E402
from rclpy.exceptions import InvalidHandle  # noqa: E402
from rclpy.executors import MultiThreadedExecutor  # noqa: E402
from std_msgs.msg import String  # noqa: E402


@pytest.fixture
def node():
    context = Context()
    rclpy.init(context=context)
    node = rclpy.create_node('executor_test', context=context)
    yield node
    node.destroy_node()
    rclpy.try_shutdown(context=context)


def test_a_destroyed_subscription_is_skipped_not_raised(node):
    subscription = node.create_subscription(String, 'topic', lambda msg: None, 1)
    executor = NodeExecutor(num_threads=1, context=node.context)
    node.destroy_subscription(subscription)
    assert executor._take_subscription(subscription) is None
    executor.shutdown()


def test_humble_behaviour_of_the_base_is_caught(node, monkeypatch):
    """Humble's base executor lets InvalidHandle out of the take (Iron on catch it)."""
    def humble_take(self, sub):
        raise InvalidHandle('cannot use Destroyable because destruction was requested')
    monkeypatch.setattr(MultiThreadedExecutor, '_take_subscription', humble_take)
    executor = NodeExecutor(num_threads=1, context=node.context)
    subscription = node.create_subscription(String, 'topic', lambda msg: None, 1)
    assert executor._take_subscription(subscription) is None
    with pytest.raises(InvalidHandle):
        MultiThreadedExecutor._take_subscription(executor, subscription)
    executor.shutdown()


def test_an_entity_destroyed_while_the_wait_set_is_built_does_not_end_spinning(
        node, monkeypatch):
    """What Jazzy's executor raises when a destroyed event handler is added to a wait set."""
    def destroyed_waitable(self, timeout_sec=None):
        raise InvalidHandle('cannot use Destroyable because destruction was requested')
    monkeypatch.setattr(MultiThreadedExecutor, 'spin_once', destroyed_waitable)
    executor = NodeExecutor(num_threads=1, context=node.context)
    executor.spin_once(timeout_sec=0.01)  # returns: the next wait set lacks the entity
    with pytest.raises(InvalidHandle):
        MultiThreadedExecutor.spin_once(executor, 0.01)
    executor.shutdown()
