"""
The installed saliency_node as its own process, talking real DDS (loopback only).

Plumbing tests use a seeded-random 64x64 ONNX model (about 1/19 of the work of 240x320);
the burst test runs the real 240x320 size end to end. Photographs are the shipped demo images.
"""

import contextlib
import re
import signal
import time

import cv2
from geometry_msgs.msg import Vector3Stamped
from msinet_ros.freshness import MARGIN_S
from msinet_ros.nodes.messages import read_fixations
import numpy as np
import pytest
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2
from support.ros_helpers import (camera_info, Diagnostics, image_msg, installed_executable,
                                 NodeProcess, ParameterClient, photo, wait_for_exit)
from visualization_msgs.msg import MarkerArray

OUTPUTS = {'saliency/image': Image, 'saliency/image_mono': Image,
           'saliency/camera_info': CameraInfo, 'saliency_overlay/image': Image,
           'saliency_overlay/camera_info': CameraInfo, 'fixation': PointCloud2,
           'fixations': PointCloud2, 'fixations/markers': MarkerArray}


class Outputs:
    """Collects every output of the node by topic."""

    def __init__(self, probe, topics=OUTPUTS, namespace=''):
        self.messages = {topic: [] for topic in topics}
        for topic in topics:
            probe.node.create_subscription(OUTPUTS.get(topic, Image),
                                           f'{namespace}/{topic}' if namespace else topic,
                                           self.messages[topic].append, 10)

    def with_stamp(self, topic, stamp):
        return [m for m in self.messages[topic] if _header(m).stamp == stamp]

    def complete(self, stamp):
        return all(self.with_stamp(t, stamp) for t in self.messages)


def _header(msg):
    return msg.markers[0].header if isinstance(msg, MarkerArray) else msg.header


def wait_ready(probe, node, outputs, publisher, info_pub=None, shape=(48, 64), timeout=40):
    """
    Publish until the node answers (discovery takes a few seconds); return the stamp.

    Any frame published so far counts: on a loaded machine one inference can take longer
    than the second between frames, so the answer may be to an earlier frame.
    """
    deadline = time.monotonic() + timeout
    stamps = []

    def answered():
        return next((s for s in reversed(stamps) if outputs.complete(s)), None)

    while time.monotonic() < deadline:
        if node.proc.poll() is not None:
            pytest.fail(node.output())
        msg = image_msg(probe, photo(*shape))
        if info_pub is not None:
            info_pub.publish(camera_info(*shape, msg.header.stamp))
        publisher.publish(msg)
        stamps.append(msg.header.stamp)
        if probe.spin_until(lambda: answered() is not None, timeout=1.0):
            return answered()
    pytest.fail('saliency_node never answered:\n' + node.output())


@pytest.fixture(scope='module')
def small_node(models, tmp_path_factory):
    log = tmp_path_factory.mktemp('logs') / 'node.log'
    node = NodeProcess([str(installed_executable('saliency_node')), '--ros-args',
                        '-p', f'model:={models / "small.onnx"}', '-p', 'size:=64x64',
                        '-p', 'top_k:=3', '-p', 'min_distance:=5.0'], log)
    yield node
    assert node.stop(signal.SIGINT) == 0, node.output()


@pytest.fixture
def connected(small_node, probe):
    outputs = Outputs(probe)
    publisher = probe.node.create_publisher(Image, 'image', 10)
    info_pub = probe.node.create_publisher(CameraInfo, 'camera_info', 10)
    wait_ready(probe, small_node, outputs, publisher, info_pub)
    return outputs, publisher, info_pub


@contextlib.contextmanager
def parameters(probe, node_name, **values):
    """Set parameters on a running node; restore the old values whatever happens."""
    client = ParameterClient(probe, node_name)
    assert client.wait_for_services(10)
    old = dict(zip(values, client.get_values(*values)))
    results = client.set_values(values)
    assert all(r.successful for r in results), [r.reason for r in results]
    try:
        yield client
    finally:
        assert all(r.successful for r in client.set_values(old))


ENCODINGS = ['rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8', 'mono16', 'yuv422', 'yuv422_yuy2',
             'bayer_rggb8', 'bayer_bggr8', 'bayer_gbrg8', 'bayer_grbg8']
SIZES = [(480, 640), (300, 452), (640, 480), (100, 100)]


def test_every_encoding_padding_and_size_gives_every_output_paired_by_image_transport_rule(
        probe, connected, small_node):
    outputs, publisher, info_pub = connected
    for index, encoding in enumerate(ENCODINGS):
        for padding in (0, 7):
            height, width = SIZES[(2 * index + padding) % len(SIZES)]
            msg = image_msg(probe, photo(height, width), encoding, padding)
            publisher.publish(msg)  # the image first: the node pairs by stamp, not by order
            info_pub.publish(camera_info(height, width, msg.header.stamp))
            stamp = msg.header.stamp
            assert probe.spin_until(lambda: outputs.complete(stamp), timeout=10), \
                f'{encoding} padding {padding}: missing outputs\n{small_node.output()[-2000:]}'
            sal = outputs.with_stamp('saliency/image', stamp)[0]
            assert (sal.height, sal.width, sal.encoding) == (height, width, '32FC1')
            assert sal.header.frame_id == 'test_optical_frame'
            values = np.frombuffer(bytes(sal.data), np.float32)
            assert values.min() >= 0 and values.max() <= 1
            mono = outputs.with_stamp('saliency/image_mono', stamp)[0]
            assert (mono.height, mono.width, mono.encoding) == (height, width, 'mono8')
            overlay = outputs.with_stamp('saliency_overlay/image', stamp)[0]
            assert (overlay.height, overlay.width, overlay.encoding) == (height, width, 'rgb8')
            # image_transport's rule: X/image and X/image_* have X/camera_info's geometry
            for prefix, image in (('saliency', sal), ('saliency', mono),
                                  ('saliency_overlay', overlay)):
                info = outputs.with_stamp(f'{prefix}/camera_info', stamp)[0]
                assert (info.height, info.width) == (image.height, image.width)
                assert list(info.k) == list(camera_info(height, width).k)
            points = read_fixations(outputs.with_stamp('fixations', stamp)[0])
            assert 1 <= len(points) <= 3
            assert (points[:, 0] >= 0).all() and (points[:, 0] < width).all()
            assert (points[:, 1] >= 0).all() and (points[:, 1] < height).all()
            assert (np.diff(points[:, 2]) <= 0).all()  # ordered by saliency
            assert len(read_fixations(outputs.with_stamp('fixation', stamp)[0])) == 1
            arrows = outputs.with_stamp('fixations/markers', stamp)[0].markers[1:]
            assert len(arrows) == len(points) and arrows[0].type == arrows[0].ARROW


def test_camera_info_is_paired_by_stamp_not_latest_wins(probe, connected):
    outputs, publisher, info_pub = connected
    msg = image_msg(probe, photo(48, 64))
    later = image_msg(probe, photo(48, 64))  # a later stamp, never published as an image
    info_pub.publish(camera_info(48, 64, msg.header.stamp, f=400.0))
    info_pub.publish(camera_info(48, 64, later.header.stamp, f=900.0))  # newest info
    probe.spin_until(lambda: False, timeout=0.2)
    publisher.publish(msg)
    assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
    info = outputs.with_stamp('saliency/camera_info', msg.header.stamp)[0]
    assert info.k[0] == 400.0


def test_binned_camera_info_gives_the_hand_computed_ray(probe, connected):
    """Binning 2: the image is half the calibrated size, K is for the full sensor."""
    from geometry_msgs.msg import Vector3Stamped
    outputs, publisher, info_pub = connected
    rays = []
    probe.node.create_subscription(Vector3Stamped, 'fixation/ray', rays.append, 10)
    stamps = []

    def answered():
        return next((s for s in stamps if outputs.complete(s) and
                     any(r.header.stamp == s for r in rays)), None)

    # A frame a second until one is answered with its ray: the ray subscription is new, and
    # until the node's publisher has discovered it (slower on a loaded machine) rays are lost.
    deadline = time.monotonic() + 20
    while answered() is None and time.monotonic() < deadline:
        msg = image_msg(probe, photo(48, 64))
        info = camera_info(96, 128, msg.header.stamp, f=200.0)
        info.k = [200.0, 0.0, 70.0, 0.0, 200.0, 40.0, 0.0, 0.0, 1.0]
        info.p = [200.0, 0.0, 70.0, 0.0, 0.0, 200.0, 40.0, 0.0, 0.0, 0.0, 1.0, 0.0]
        info.binning_x = info.binning_y = 2
        publisher.publish(msg)
        info_pub.publish(info)
        stamps.append(msg.header.stamp)
        probe.spin_until(lambda: answered() is not None, timeout=1.0)
    stamp = answered()
    assert stamp is not None, 'no frame was answered with its ray within 20 s'
    u, v, _ = read_fixations(outputs.with_stamp('fixation', stamp)[0])[0]
    # binning 2: fx = 100, cx = 35, cy = 20 in the published image's pixels
    expected = np.array([(u - 35.0) / 100.0, (v - 20.0) / 100.0, 1.0])
    expected /= np.linalg.norm(expected)
    ray = next(r for r in rays if r.header.stamp == stamp).vector
    assert np.allclose([ray.x, ray.y, ray.z], expected, atol=1e-5)
    published = outputs.with_stamp('saliency/camera_info', stamp)[0]
    assert (published.binning_x, published.binning_y) == (2, 2)  # the input geometry, whole


def test_mismatched_or_uncalibrated_camera_info_gives_no_rays_and_is_counted(
        probe, connected, small_node):
    outputs, publisher, info_pub = connected
    diagnostics = Diagnostics(probe)
    before = int(diagnostics.wait_for(lambda v: 'frames info_mismatched' in v)
                 ['frames info_mismatched'])
    uncalibrated = camera_info(48, 64)
    uncalibrated.k = [0.0] * 9
    for number, info in enumerate((camera_info(480, 640), uncalibrated), 1):
        msg = image_msg(probe, photo(48, 64))
        info.header.stamp = msg.header.stamp
        publisher.publish(msg)
        info_pub.publish(info)
        assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
        assert outputs.with_stamp('fixations/markers', msg.header.stamp)[0].markers[1:] == []
        diagnostics.wait_for(lambda v: int(v['frames info_mismatched']) == before + number)
    assert 'camera_info describes a 480x640 image' in small_node.output()
    assert 'camera_info is uncalibrated (K[0] = 0): no rays' in small_node.output()


def test_a_camera_sending_old_stamps_is_visible_in_diagnostics(probe, connected, small_node):
    """Stamp age (publish - header.stamp, node clock) above max_stamp_age (1 s): a WARN."""
    from builtin_interfaces.msg import Time
    outputs, publisher, _ = connected
    diagnostics = Diagnostics(probe)
    before = int(diagnostics.wait_for(lambda v: 'frames stamp_late' in v)['frames stamp_late'])
    msg = image_msg(probe, photo(48, 64))
    msg.header.stamp = Time(sec=msg.header.stamp.sec - 5, nanosec=msg.header.stamp.nanosec)
    publisher.publish(msg)
    assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
    values = diagnostics.wait_for(lambda v: int(v['frames stamp_late']) == before + 1)
    assert values['level'] == 1 and 'after their header.stamp' in values['message']
    assert float(values['stamp age max (ms)']) > 4900
    assert values['hardware_id'] == 'none'  # onnxruntime on the CPU: no hardware to name
    assert 'old or future header.stamp' in small_node.output()


def test_malformed_images_are_each_rejected_and_counted(probe, connected, small_node):
    outputs, publisher, _ = connected
    diagnostics = Diagnostics(probe)
    changes = ({'data': bytes(10)}, {'height': 0, 'width': 0, 'step': 0, 'data': b''},
               {'encoding': '16UC3'}, {'height': 100000, 'width': 100000, 'step': 300000})
    for number, change in enumerate(changes, 1):
        start = diagnostics.wait_for(lambda v: 'frames rejected' in v)['frames rejected']
        msg = image_msg(probe, photo(48, 64))
        for field, value in change.items():
            setattr(msg, field, value)
        publisher.publish(msg)
        diagnostics.wait_for(lambda v: int(v['frames rejected']) == int(start) + 1, 10)
    good = image_msg(probe, photo(48, 64))
    publisher.publish(good)
    assert probe.spin_until(lambda: outputs.complete(good.header.stamp), timeout=10), \
        small_node.output()[-2000:]
    assert small_node.proc.poll() is None


def test_model_resolution_output_and_its_camera_info(probe, connected):
    outputs, publisher, info_pub = connected
    with parameters(probe, 'saliency_node', output_resolution='model'):
        msg = image_msg(probe, photo(480, 640))
        publisher.publish(msg)
        info_pub.publish(camera_info(480, 640, msg.header.stamp))
        assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
    sal = outputs.with_stamp('saliency/image', msg.header.stamp)[0]
    assert (sal.height, sal.width) == (48, 64)  # 64x64 model, 480x640 letterboxed
    info = outputs.with_stamp('saliency/camera_info', msg.header.stamp)[0]
    assert (info.height, info.width) == (48, 64)
    step = 639 / 63  # align-corners area steps of the official resize
    assert abs(info.k[0] - 500 / step) < 1e-6
    assert abs(info.k[2] - (320 - (0.5 * step - 0.5)) / step) < 1e-6
    overlay_info = outputs.with_stamp('saliency_overlay/camera_info', msg.header.stamp)[0]
    assert (overlay_info.height, overlay_info.width) == (480, 640)


def test_parameter_changes_from_another_process(probe, connected):
    outputs, publisher, _ = connected
    client = ParameterClient(probe, 'saliency_node')
    assert client.wait_for_services(10)
    for name, value, reason in [('top_k', 100, 'top_k'), ('overlay_opacity', 1.5,
                                                          'overlay_opacity'),
                                ('overlay_colormap', 'rainbow', 'not one of'),
                                ('backend', 'torch', 'read-only'),
                                ('model', '/elsewhere.onnx', 'read-only')]:
        result = client.set_values({name: value})[0]
        assert not result.successful, name
        assert reason in result.reason, (name, result.reason)
    assert client.get_values('top_k', 'overlay_colormap', 'backend') == [3, 'jet', 'onnxruntime']
    with parameters(probe, 'saliency_node', top_k=1):
        msg = image_msg(probe, photo(48, 64))
        publisher.publish(msg)
        assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
        assert len(read_fixations(outputs.with_stamp('fixations', msg.header.stamp)[0])) == 1


def test_no_camera_subscription_and_no_inference_while_no_output_is_wanted(probe, start_node,
                                                                           models):
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-p', 'min_output_rate:=1.0', '-r', '__ns:=/quiet',
                      '-r', '__node:=quiet')
    diagnostics = Diagnostics(probe, 'quiet')
    publisher = probe.node.create_publisher(Image, '/quiet/image', 10)
    diagnostics.wait_for(lambda v: v['state'] == 'active', 30)
    for _ in range(3):  # frames nobody asked for: the camera is not even subscribed
        publisher.publish(image_msg(probe, photo(48, 64)))
        probe.spin_until(lambda: False, timeout=0.3)
        assert publisher.get_subscription_count() == 0, node.output()
    values = diagnostics.wait_for(lambda v: True)
    assert (values['input subscribed'], values['frames received'],
            values['frames inferred']) == ('false', '0', '0')
    assert 'output rate' not in values['message']  # idle by design: no low-rate warning
    fixations = []
    probe.node.create_subscription(PointCloud2, '/quiet/fixations', fixations.append, 10)
    assert probe.spin_until(lambda: publisher.get_subscription_count() == 1, 10)
    while not fixations:
        publisher.publish(image_msg(probe, photo(48, 64)))
        assert probe.spin_until(lambda: bool(fixations), timeout=0.5) or \
            node.proc.poll() is None
    values = diagnostics.wait_for(lambda v: int(v['frames inferred']) > 0)
    assert values['input subscribed'] == 'true'


def test_compressed_transport(probe, start_node, models):
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-p', 'transport:=compressed', '-r', '__ns:=/jpeg')
    received = []
    probe.node.create_subscription(Image, '/jpeg/saliency/image', received.append, 10)
    publisher = probe.node.create_publisher(CompressedImage, '/jpeg/image/compressed', 10)
    ok, jpeg = cv2.imencode('.jpg', cv2.cvtColor(photo(120, 160), cv2.COLOR_RGB2BGR))
    deadline = time.monotonic() + 30
    while not received and time.monotonic() < deadline:
        msg = CompressedImage(format='jpeg', data=jpeg.tobytes())
        msg.header.stamp = probe.node.get_clock().now().to_msg()
        publisher.publish(msg)
        probe.spin_until(lambda: bool(received), timeout=0.5)
    assert received and (received[0].height, received[0].width) == (120, 160), node.output()


def test_max_rate_waits_for_the_next_slot_instead_of_dropping(probe, start_node, models):
    """A 4 Hz camera, fast inference, max_rate 3: about 3 results/s (dropping gave 2)."""
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-p', 'max_rate:=3.0', '-r', '__ns:=/paced')
    outputs = Outputs(probe, ['fixations'], '/paced')
    publisher = probe.node.create_publisher(Image, '/paced/image', 10)
    wait_ready(probe, node, outputs, publisher)
    frame = photo(48, 64)
    times = []
    start = time.monotonic()
    count = len(outputs.messages['fixations'])
    while time.monotonic() - start < 4.0:
        publisher.publish(image_msg(probe, frame))
        probe.spin_until(lambda: False, timeout=0.25)
        now = len(outputs.messages['fixations'])
        times += [time.monotonic()] * (now - count)
        count = now
    rate = (len(times) - 1) / (times[-1] - times[0])
    assert 2.6 < rate < 3.4, (rate, node.output()[-2000:])


@pytest.mark.parametrize('args, message', [
    ((), "parameter 'model' is empty"),
    (('-p', 'model:=/no/such/model.safetensors'), 'msinet import'),
    (('-p', 'model:=MODEL', '-p', 'top_k:=500'), 'top_k'),
    (('-p', 'model:=MODEL', '-p', 'backend:=caffe'), 'not one of'),
    (('-p', 'model:=MODEL', '-p', 'qos_overrides./image.subscription.reliability:=bogus'),
     'bogus'),
    (('-p', 'model:=MODEL', '-p', 'qos_overrides./fixations.publisher.depth:=five'), 'depth'),
    (('-p', 'model:=/no/such/model.onnx', '-p', 'use_sim_time:=true'), 'model.onnx'),
])
def test_bad_start_up_ends_with_one_message(start_node, models, args, message):
    args = [a.replace('MODEL', str(models / 'small.onnx')) for a in args]
    node = start_node('saliency_node', *args)
    assert wait_for_exit(node.proc, 30) == 1
    out = node.output()
    assert message in out and 'Traceback' not in out, out
    assert len([line for line in out.splitlines() if 'FATAL' in line]) == 1, out


def test_bad_params_file_ends_with_one_message(start_node, models, tmp_path):
    params = tmp_path / 'bad.yaml'
    params.write_text(f'/**:\n  ros__parameters:\n    model: "{models / "small.onnx"}"\n'
                      '    overlay_opacity: 3.0\n')
    node = start_node('saliency_node', '--params-file', str(params))
    assert wait_for_exit(node.proc, 30) == 1
    assert 'overlay_opacity' in node.output() and 'Traceback' not in node.output()


def test_qos_override_of_the_image_leaves_camera_info_best_effort(probe, start_node, models):
    """The profile given with overrides is changed in place by rclpy: the image's own."""
    from rclpy.qos import ReliabilityPolicy
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-r', '__ns:=/qos', '-r', 'image:=/qos/cam/raw',
                      '-p', 'qos_overrides./qos/cam/raw.subscription.reliability:=reliable')
    outputs = Outputs(probe, ['fixations'], '/qos')
    publisher = probe.node.create_publisher(Image, '/qos/cam/raw', 10)
    wait_ready(probe, node, outputs, publisher)

    def reliability(topic):
        infos = probe.node.get_subscriptions_info_by_topic(topic)
        return [(i.qos_profile.reliability, i.qos_profile.depth) for i in infos]

    assert reliability('/qos/cam/raw') and \
        reliability('/qos/cam/raw')[0][0] == ReliabilityPolicy.RELIABLE
    assert reliability('/qos/camera_info')[0][0] == ReliabilityPolicy.BEST_EFFORT, node.output()


def test_burst_at_real_size_keeps_results_fresh_measured_from_outside(probe, start_node,
                                                                      models):
    """
    240x320 end to end; frames at 30 Hz, far faster than CPU inference.

    Each frame comes with its camera_info: every result has its ray, although 30 such infos
    arrive during one inference (more than the node keeps).
    """
    # one inference thread: on two cores the executor that takes frames needs the other
    node = start_node('saliency_node', '-p', f'model:={models / "random.safetensors"}',
                      '-p', 'threads:=1', '-r', '__ns:=/burst', '-r', '__node:=burst')
    outputs = Outputs(probe, ['saliency_overlay/image', 'fixations'], '/burst')
    diagnostics = Diagnostics(probe, 'burst')
    publisher = probe.node.create_publisher(Image, '/burst/image', qos_profile_sensor_data)
    info_pub = probe.node.create_publisher(CameraInfo, '/burst/camera_info',
                                           qos_profile_sensor_data)
    wait_ready(probe, node, outputs, publisher, info_pub, shape=(480, 640), timeout=60)
    # The counters count from here: the start-up frames (one a second until the node answered)
    # are done, and the first of them may have found the camera_info subscription not yet
    # matched (discovery), or waited at that rate.
    before = diagnostics.wait_for(lambda v: int(v['frames received']) == sum(
        int(v[f'frames {name}']) for name in ('dropped', 'inferred', 'rejected')), timeout=20)
    counting = probe.node.get_clock().now().nanoseconds * 1e-9
    rays = set()
    probe.node.create_subscription(
        Vector3Stamped, '/burst/fixation/ray',
        lambda m: rays.add((m.header.stamp.sec, m.header.stamp.nanosec)), 10)
    received = {}
    probe.node.create_subscription(
        PointCloud2, '/burst/fixations',
        lambda m: received.setdefault((m.header.stamp.sec, m.header.stamp.nanosec),
                                      time.monotonic()), 10)
    msg = image_msg(probe, photo(480, 640))  # one message, a new stamp per frame
    sent = {}
    period = 1 / 30
    start = time.monotonic()
    # The camera keeps running the whole time: the last frame before a camera stops waits for
    # the worker longer than one period, and is (rightly) reported late (docs/node.md). Frames
    # leave on a fixed schedule (start + k periods), as a camera driver's do: a slow iteration
    # delays one frame, not every later one.
    frames = 0
    # 9 s, longer on a slow machine: until six results came while frames still came (30 s at
    # most)
    while time.monotonic() - start < 9 or (len(received) < 6 and
                                           time.monotonic() - start < 30):
        msg.header.stamp = probe.node.get_clock().now().to_msg()
        sent[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = time.monotonic()
        info_pub.publish(camera_info(480, 640, msg.header.stamp))
        publisher.publish(msg)
        frames += 1
        probe.spin_until(lambda: False, timeout=max(0.0, start + frames * period -
                                                    time.monotonic()))
    stopped = probe.node.get_clock().now().nanoseconds * 1e-9
    camera_stopped = time.monotonic()
    latest = diagnostics.latest()  # published while frames still came
    values = {key[len('frames '):]: int(value) - int(before[key])
              for key, value in latest.items() if key.startswith('frames ')}
    measured = [stamp for stamp in received if stamp in sent and
                received[stamp] < camera_stopped]  # results that came while frames still came
    ages = [received[stamp] - sent[stamp] for stamp in measured]
    assert len(ages) >= 5, node.output()
    assert values['dropped'] > 0
    # The node's own receipt bound (docs/node.md) allows 10 ms beyond one input period: on a
    # loaded machine a starved publisher or image callback breaks it now and then, by
    # milliseconds (CI saw one, by 4 ms). A stale frame breaks it by a whole inference, and a
    # queue breaks it for nearly every result. So: few late verdicts, and each one the node
    # logged (the first of every 5 s) is within the tolerance the outside check below allows.
    late = values['late']
    gaps = np.diff(sorted(sent.values())) * 1e3
    camera = f'camera gaps: median {np.median(gaps):.0f} ms, max {gaps.max():.0f} ms'
    assert late <= len(ages) // 5, (camera, node.output()[-3000:])
    excess = [int(age) - int(bound) for logged, age, bound in re.findall(
        r'\[(\d+\.\d+)\] \[[^]]*\]: late result: result age (\d+) ms above its bound (\d+) ms',
        node.output()) if counting < float(logged) < stopped]  # while frames came
    assert len(excess) >= min(late, 1) and max(excess, default=0) <= 100, (excess, camera)
    assert values['info_unmatched'] == 0, node.output()[-3000:]
    assert set(measured) <= rays, sorted(set(measured) - rays)[:3]
    # From outside: a result's age is its frame's wait for the worker (at most one input
    # period: a newer frame replaces it) plus processing. A queued, stale frame would have
    # waited a whole inference more.
    processing_max = max(float({kv.key: kv.value for kv in status.values}
                               .get('processing max (ms)', 0)) for status in
                         diagnostics.statuses) / 1e3
    # 100 ms for the image's and the result's way through DDS and the probe's spinning; a
    # stale frame would be a whole inference (~1 s here) older
    bound = period + processing_max + MARGIN_S + 0.1
    assert max(ages) <= bound, (sorted(ages)[-3:], bound)
    overlay = outputs.messages['saliency_overlay/image'][-1]
    assert (overlay.height, overlay.width) == (480, 640)


def test_an_int8_model_serves_maps_that_agree_with_its_fp32_source(probe, start_node, models,
                                                                   tmp_path):
    """`msinet quantize`'s output is an ONNX like any other for the node (issue 12)."""
    from msinet_ros.evaluation.compare import agreement
    from msinet_ros.imaging import image_to_float
    from msinet_ros.inference.predictor import SaliencyPredictor
    from msinet_ros.model.quantize import quantize

    calibration = tmp_path / 'calibration'
    calibration.mkdir()
    for name in ('coffee.jpg', 'rocket.jpg'):
        cv2.imwrite(str(calibration / name), cv2.cvtColor(photo(120, 160, name),
                                                          cv2.COLOR_RGB2BGR))
    int8 = quantize(models / 'small.onnx', [calibration], tmp_path / 'int8.onnx',
                    'onnxruntime').path
    node = start_node('saliency_node', '-p', f'model:={int8}', '-p', 'size:=64x64',
                      '-r', '__ns:=/int8')
    outputs = Outputs(probe, ['saliency/image'], namespace='/int8')
    publisher = probe.node.create_publisher(Image, '/int8/image', 10)
    frame = photo(96, 128, 'astronaut.jpg')
    deadline, sent = time.monotonic() + 40, []
    while time.monotonic() < deadline and not outputs.messages['saliency/image']:
        assert node.proc.poll() is None, node.output()
        msg = image_msg(probe, frame)
        sent.append(msg.header.stamp)
        publisher.publish(msg)
        probe.spin_until(lambda: bool(outputs.messages['saliency/image']), timeout=1.0)
    assert outputs.messages['saliency/image'], node.output()
    answer = outputs.messages['saliency/image'][0]
    assert answer.header.stamp in sent
    served = image_to_float(answer.height, answer.width, answer.encoding, answer.step,
                            answer.is_bigendian, answer.data)
    with SaliencyPredictor(int8) as offline, SaliencyPredictor(models / 'small.onnx') as fp32:
        expected, reference = offline.predict(frame).saliency, fp32.predict(frame).saliency
    assert served.shape == expected.shape == frame.shape[:2]
    # the node serves the INT8 model's own map (to the published encoding's resolution) ...
    np.testing.assert_allclose(served, expected, atol=1 / 255 if answer.encoding == 'mono8'
                               else 1e-5)
    # ... which is close to fp32 (a 64x64 model calibrated on two photographs: CC 0.965 on this
    # one; unrelated maps are near 0; the unit tests check agreement on held-out scenes)
    assert agreement('int8', reference, served).values['CC'] > 0.9
