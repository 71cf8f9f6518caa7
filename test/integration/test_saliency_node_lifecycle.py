"""
saliency_node as a managed node, and its process contract.

Transitions driven from outside, both failure contracts, and SIGINT/SIGTERM in every state
(exit 0 within 2 s).

Long or stuck builds come from the strict TensorRT fakes (``test/support/fake_site``):
``block:SECONDS`` is an 8.6 build that cannot be cancelled, ``endless`` a 10.x build that
runs until its progress monitor cancels it.
"""

import os
from pathlib import Path
import re
import signal
import time

import pytest
from sensor_msgs.msg import Image, PointCloud2
from support.ros_helpers import (Diagnostics, image_msg, LifecycleClient, ParameterClient, photo,
                                 wait_for_exit)

FAKE_SITE = Path(__file__).resolve().parents[1] / 'support' / 'fake_site'


def fake_tensorrt(monkeypatch, version, build):
    monkeypatch.setenv('PYTHONPATH', f'{FAKE_SITE}:{os.environ.get("PYTHONPATH", "")}')
    monkeypatch.setenv('MSINET_FAKE_TENSORRT', version)
    monkeypatch.setenv('MSINET_FAKE_TENSORRT_BUILD', build)


def signal_and_time(node, sig):
    """Send ``sig``; return (exit code, seconds until the process ended)."""
    started = time.monotonic()
    node.proc.send_signal(sig)
    code = wait_for_exit(node.proc, 10)
    return code, time.monotonic() - started


def wait_for_line(node, pattern, timeout=30.0):
    """Wait until the node's output matches ``pattern``; return the match."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = re.search(pattern, node.output())
        if found:
            return found
        if node.proc.poll() is not None:
            break
        time.sleep(0.01)
    pytest.fail(f'{pattern!r} never appeared:\n{node.output()}')


def test_managed_node_follows_transitions_driven_from_outside(probe, start_node, models):
    node = start_node('saliency_node', '-p', 'autostart:=false', '-r', '__ns:=/managed')
    lifecycle = LifecycleClient(probe, '/managed/saliency_node')
    assert lifecycle.wait_for_services(), node.output()
    assert lifecycle.state() == 'unconfigured'
    assert probe.node.count_publishers('/managed/fixations') == 0
    # read-only parameters are settable while unconfigured, and only then
    params = ParameterClient(probe, '/managed/saliency_node')
    assert params.wait_for_services()
    assert params.set_values({'model': str(models / 'small.onnx'), 'size': '64x64'})[0] \
        .successful
    assert lifecycle.change('configure'), node.output()
    assert lifecycle.state() == 'inactive'
    refused = params.set_values({'model': '/elsewhere.onnx'})[0]
    assert not refused.successful and 'cleanup first' in refused.reason
    fixations = []
    probe.node.create_subscription(PointCloud2, '/managed/fixations', fixations.append, 10)
    publisher = probe.node.create_publisher(Image, '/managed/image', 10)
    assert probe.spin_until(lambda: probe.node.count_publishers('/managed/fixations') == 1)
    probe.spin_until(lambda: False, timeout=0.6)  # three polls of the lazy input
    assert publisher.get_subscription_count() == 0  # inactive: the camera is not subscribed
    assert lifecycle.change('activate')
    assert probe.spin_until(lambda: publisher.get_subscription_count() == 1, 5)
    deadline = time.monotonic() + 20
    while not fixations and time.monotonic() < deadline:
        publisher.publish(image_msg(probe, photo(48, 64)))
        probe.spin_until(lambda: bool(fixations), timeout=0.3)
    assert fixations, node.output()
    assert lifecycle.change('deactivate')
    assert probe.spin_until(lambda: publisher.get_subscription_count() == 0, 5)
    assert lifecycle.change('cleanup')
    assert lifecycle.state() == 'unconfigured'
    assert probe.spin_until(lambda: probe.node.count_publishers('/managed/fixations') == 0, 5)
    assert lifecycle.change('configure')  # again, after cleanup freed the model
    code, seconds = signal_and_time(node, signal.SIGTERM)
    assert code == 0 and seconds < 2.0, node.output()
    assert 'Traceback' not in node.output()


def test_failed_configure_without_autostart_returns_failure_and_stays_up(probe, start_node,
                                                                         models):
    node = start_node('saliency_node', '-p', 'autostart:=false',
                      '-p', 'model:=/no/such/model.onnx', '-r', '__ns:=/failing',
                      '-r', '__node:=failing')
    diagnostics = Diagnostics(probe, 'failing')
    lifecycle = LifecycleClient(probe, '/failing/failing')
    assert lifecycle.wait_for_services(), node.output()
    assert not lifecycle.change('activate')  # no such transition from unconfigured
    assert not lifecycle.change('configure')
    assert lifecycle.state() == 'unconfigured'
    values = diagnostics.wait_for(lambda v: v['level'] == 2)  # ERROR, saying why
    assert 'configure failed' in values['message'] and 'model.onnx' in values['message']
    assert node.proc.poll() is None
    errors = [line for line in node.output().splitlines() if 'configure failed' in line]
    assert len(errors) == 1, node.output()
    params = ParameterClient(probe, '/failing/failing')
    assert params.wait_for_services()
    assert params.set_values({'model': str(models / 'small.onnx')})[0].successful
    assert lifecycle.change('configure')
    code, seconds = signal_and_time(node, signal.SIGINT)
    assert code == 0 and seconds < 2.0


def test_services_and_diagnostics_answer_while_configure_builds(probe, start_node, models,
                                                                monkeypatch):
    """A 10.x build reports progress until cancelled: SIGTERM cancels it, exit 0 at once."""
    fake_tensorrt(monkeypatch, '10.3.0', 'endless')
    onnx = models / 'small.onnx'
    node = start_node('saliency_node', '-p', 'autostart:=false', '-p', f'model:={onnx}',
                      '-p', 'backend:=tensorrt', '-p', f'cache_dir:={models / "trt_cache"}',
                      '-r', '__ns:=/building', '-r', '__node:=building')
    diagnostics = Diagnostics(probe, 'building')
    lifecycle = LifecycleClient(probe, '/building/building')
    params = ParameterClient(probe, '/building/building')
    assert lifecycle.wait_for_services() and params.wait_for_services(), node.output()
    pending = lifecycle.change_async('configure')
    wait_for_line(node, 'building TensorRT engine')
    assert lifecycle.state() == 'configuring'
    assert params.get_values('backend') == ['tensorrt']
    # a second transition mid-configure is refused (Humble's and Jazzy's rclpy would raise)
    assert not lifecycle.change('configure', timeout=5)
    assert node.proc.poll() is None
    diagnostics.wait_for(lambda v: v['state'] == 'configuring' and 'Building engine' in
                         v['build progress'])
    assert not pending.done()
    code, seconds = signal_and_time(node, signal.SIGTERM)
    assert code == 0 and seconds < 2.0, node.output()
    assert 'still inside' not in node.output() and 'Traceback' not in node.output()


def test_sigterm_inside_an_uncancellable_build_exits_0_within_2_s(start_node, models,
                                                                  monkeypatch):
    """An 8.6 build cannot be cancelled: the node says so in one line and does not wait."""
    fake_tensorrt(monkeypatch, '8.6.1', 'block:30')
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'backend:=tensorrt', '-p', f'cache_dir:={models / "trt_86"}',
                      '-r', '__ns:=/stuck')
    wait_for_line(node, r'\[fake\] build blocks')  # now inside the blocking build call
    code, seconds = signal_and_time(node, signal.SIGTERM)
    out = node.output()
    assert code == 0 and seconds < 2.0, out
    assert len(re.findall('still inside preparing', out)) == 1, out
    assert 'Traceback' not in out
    assert not list((models / 'trt_86').glob('*.engine')), 'a half-built engine was written'


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_clean_exit_mid_inference(probe, start_node, models, sig, monkeypatch):
    """Inference is established from outside (the node's debug log) before the signal."""
    monkeypatch.setenv('RCUTILS_LOGGING_BUFFERED_STREAM', '0')
    node = start_node('saliency_node', '-p', f'model:={models / "random.safetensors"}',
                      '-r', '__ns:=/stop', '-r', '__node:=stop',
                      '--log-level', 'stop:=debug')
    fixations = []
    probe.node.create_subscription(PointCloud2, '/stop/fixations', fixations.append, 10)
    publisher = probe.node.create_publisher(Image, '/stop/image', 10)
    deadline = time.monotonic() + 60
    while not fixations and time.monotonic() < deadline:
        publisher.publish(image_msg(probe, photo(480, 640)))
        probe.spin_until(lambda: bool(fixations), timeout=0.5)
    assert fixations, node.output()
    for _ in range(5):
        msg = image_msg(probe, photo(480, 640))
        stamp = msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec
        publisher.publish(msg)
        wait_for_line(node, f'inference started: stamp {stamp}')
        if f'inference done: stamp {stamp}' not in node.output():
            break  # the signal goes out while this frame's inference runs
    else:
        pytest.fail('never caught an inference in progress')
    code, seconds = signal_and_time(node, sig)
    assert code == 0 and seconds < 2.0, node.output()
    assert 'Traceback' not in node.output()


def test_sim_time_without_clock_still_starts_reports_and_stops(probe, start_node, models):
    """Health timers run on the steady clock: no /clock needed for diagnostics or shutdown."""
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-p', 'use_sim_time:=true', '-r', '__ns:=/sim',
                      '-r', '__node:=sim')
    diagnostics = Diagnostics(probe, 'sim')
    diagnostics.wait_for(lambda v: v['state'] == 'active', 30)
    diagnostics.wait_for(lambda v: v['state'] == 'active', 3)  # and again, a second later
    code, seconds = signal_and_time(node, signal.SIGTERM)
    assert code == 0 and seconds < 2.0, node.output()


def test_configure_sizes_from_camera_info_and_a_new_aspect_is_prepared_while_active(
        probe, start_node, models):
    """Size auto with weights: the first camera_info chooses; another aspect comes later."""
    from support.ros_helpers import camera_info
    from sensor_msgs.msg import CameraInfo
    node = start_node('saliency_node', '-p', 'autostart:=false',
                      '-p', f'model:={models / "random.safetensors"}',
                      '-p', f'cache_dir:={models / "aspect_cache"}', '-r', '__ns:=/aspect',
                      '-r', '__node:=aspect')
    lifecycle = LifecycleClient(probe, '/aspect/aspect')
    diagnostics = Diagnostics(probe, 'aspect')
    infos = probe.node.create_publisher(CameraInfo, '/aspect/camera_info', 10)
    images = probe.node.create_publisher(Image, '/aspect/image', 10)
    assert lifecycle.wait_for_services(), node.output()
    portrait = camera_info(400, 300)
    pending = lifecycle.change_async('configure')
    while not pending.done():  # a camera publishing its info while the node configures
        infos.publish(portrait)
        probe.spin_until(pending.done, timeout=0.1)
    assert pending.result().success, node.output()
    assert 'configured: 320x240:' in node.output()  # portrait, not the landscape default
    assert lifecycle.change('activate')
    maps = []
    probe.node.create_subscription(Image, '/aspect/saliency/image', maps.append, 10)
    deadline = time.monotonic() + 60
    while not maps and time.monotonic() < deadline:  # landscape frames: 240x320 is prepared
        images.publish(image_msg(probe, photo(120, 160)))
        probe.spin_until(lambda: bool(maps), timeout=0.5)
    assert maps and (maps[0].height, maps[0].width) == (120, 160), node.output()
    values = diagnostics.wait_for(lambda v: int(v['frames preparing']) >= 1)
    assert 'preparing 240x320' in node.output() and '240x320' in values['runs']
