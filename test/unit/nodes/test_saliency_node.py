"""
saliency_node's threading rules, checked in-process (structure, not a race reproduction).

Races cannot be reproduced on demand. What is checked instead, on the real node in one process
with rclpy's multi-threaded executor: every ROS entity is created and destroyed on the
executor's threads (never on the worker), every counter change happens under the node's lock,
and a stress run (a frame burst while parameters change and output subscribers come and go)
ends with consistent counters, no callback exception and a clean release.
"""

import threading
import time

import pytest

rclpy = pytest.importorskip('rclpy', reason='rclpy is not installed')

from msinet_ros.model import onnx_export, weights  # noqa: E402, I100
import numpy as np  # noqa: E402
from rclpy.context import Context  # noqa: E402
from rclpy.executors import MultiThreadedExecutor  # noqa: E402
from rclpy.node import Node  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from sensor_msgs.msg import Image, PointCloud2  # noqa: E402

ENTITY_CALLS = ('create_publisher', 'create_subscription', 'create_timer', 'create_client',
                'create_service', 'destroy_publisher', 'destroy_subscription',
                'destroy_timer')


class GuardedCounts(dict):
    """A counters dict that records every change made without the node's lock held."""

    def __init__(self, values, lock, violations):
        super().__init__(values)
        self._guard, self._violations = lock, violations

    def __setitem__(self, key, value):
        if not self._guard.locked():
            self._violations.append((key, threading.current_thread().name))
        super().__setitem__(key, value)


@pytest.fixture
def entity_threads(monkeypatch):
    """Record (node, call, thread) of every entity creation and destruction."""
    calls = []
    for name in ENTITY_CALLS:
        original = getattr(Node, name)

        def recording(self, *args, _original=original, _name=name, **kwargs):
            calls.append((self.get_name(), _name, threading.current_thread().name))
            return _original(self, *args, **kwargs)
        monkeypatch.setattr(Node, name, recording)
    return calls


@pytest.fixture
def small_model(tmp_path):
    path = tmp_path / 'small.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64,
                                       metadata=weights.random_metadata(0)), path)
    return path


def frame_msg(node, rng):
    msg = Image(height=48, width=64, encoding='rgb8', step=64 * 3)
    msg.data = rng.integers(0, 256, 48 * 64 * 3, dtype=np.uint8).tobytes()
    msg.header.frame_id = 'cam_optical_frame'
    msg.header.stamp = node.get_clock().now().to_msg()
    return msg


@pytest.mark.parametrize('lazy_input', ['matched events', 'polled (Humble)'])
def test_entities_on_executor_threads_counters_under_the_lock_under_stress(
        small_model, entity_threads, lazy_input, monkeypatch):
    from msinet_ros.nodes import saliency_node
    from msinet_ros.nodes.executors import NodeExecutor
    from msinet_ros.nodes.saliency_node import SaliencyNode
    if lazy_input.startswith('polled'):  # what Humble's rclpy, without matched events, gets
        monkeypatch.setattr(saliency_node, 'matched_callbacks', lambda on_change: None)
    elif saliency_node.matched_callbacks(lambda: None) is None:
        pytest.skip('this rclpy has no publisher matched events (Humble)')
    context = Context()
    rclpy.init(context=context)
    executor = NodeExecutor(num_threads=4, context=context)
    errors = []
    spinning = threading.Event()

    def spin():
        spinning.set()
        while context.ok():
            try:
                executor.spin_once(timeout_sec=0.05)
            except Exception as exc:  # a callback's exception surfaces here (rclpy re-raises)
                errors.append(exc)

    # the test's probe lives in a context and executor of its own: its subscriptions are
    # destroyed from this thread, which is the test's business, not the node's
    probe_context = Context()
    rclpy.init(context=probe_context)
    probe_executor = MultiThreadedExecutor(num_threads=2, context=probe_context)

    def spin_probe():
        while probe_context.ok():
            try:
                probe_executor.spin_once(timeout_sec=0.05)
            except Exception:  # noqa: B902 - see above
                pass

    node = SaliencyNode(context=context, parameter_overrides=[
        Parameter('model', value=str(small_model)), Parameter('size', value='64x64')])
    violations = []
    node._counts = GuardedCounts(node._counts, node._lock, violations)
    assert (node._matched is None) == lazy_input.startswith('polled')
    created_in_constructor = len(entity_threads)
    probe = rclpy.create_node('stress_probe', context=probe_context)
    executor.add_node(node)
    probe_executor.add_node(probe)
    spinner = threading.Thread(target=spin, name='spinner')
    spinner.start()
    probe_spinner = threading.Thread(target=spin_probe, name='probe_spinner')
    probe_spinner.start()
    try:
        assert spinning.wait(5)
        deadline = time.monotonic() + 30
        while node._phase != 'active' and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node._phase == 'active', node._failure
        publisher = probe.create_publisher(Image, 'image', 10)
        rng = np.random.default_rng(0)
        results = []
        subscription = None
        for round_ in range(12):  # output subscribers come and go, parameters change
            subscription = probe.create_subscription(PointCloud2, 'fixations', results.append,
                                                     10)
            deadline = time.monotonic() + 5
            while publisher.get_subscription_count() == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            node.set_parameters([Parameter('top_k', value=1 + round_ % 5),
                                 Parameter('max_rate', value=0.0 if round_ % 2 else 50.0)])
            for _ in range(25):  # a burst far faster than the worker
                publisher.publish(frame_msg(probe, rng))
                time.sleep(0.004)
            time.sleep(0.2)
            probe.destroy_subscription(subscription)
        deadline = time.monotonic() + 5
        while publisher.get_subscription_count() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert publisher.get_subscription_count() == 0  # nobody listens: camera unsubscribed
        with node._lock:
            counts = dict(node._counts)
        recorded = len(entity_threads)  # what follows is shutdown, from this thread
    finally:
        released = node.release(1.5)
        context.try_shutdown()
        probe_context.try_shutdown()
        spinner.join(5)
        probe_spinner.join(5)
        executor.shutdown()
        probe_executor.shutdown()
        node.destroy_node()
        probe.destroy_node()
    assert released
    assert not errors, errors
    assert not violations, violations[:5]
    assert results and counts['received'] > 0 and counts['rejected'] == 0
    assert counts['published'] <= counts['inferred'] <= counts['received'] - counts['dropped']
    # after construction (before any spinning) the node creates and destroys entities only
    # in its callbacks (configure, activate, the lazy-input timer): executor pool threads
    after_start = [(call, thread) for name, call, thread in
                   entity_threads[created_in_constructor:recorded] if name == 'saliency_node']
    assert {call for call, _ in after_start} >= {'create_publisher', 'create_subscription',
                                                 'destroy_subscription'}
    assert all(thread.startswith('ThreadPoolExecutor') for _, thread in after_start), \
        sorted(set(after_start))


def test_the_node_imports_no_library_only_the_tools_need():
    """Keep scipy (29 MB), matplotlib, POT, tqdm and torch out of the node's process."""
    import subprocess
    import sys
    heavy = ('scipy', 'matplotlib', 'ot', 'tqdm', 'torch', 'tensorflow')
    code = ('import sys, msinet_ros.nodes.saliency_node; '
            f'print(sorted({{m.split(".")[0] for m in sys.modules}} & set({heavy!r})))')
    found = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                           check=True).stdout.strip()
    assert found == '[]', found
