"""
The installed saliency_node as its own process, talking real DDS (loopback only).

Plumbing tests use a seeded-random 64x64 ONNX model (about 1/19 of the work of 240x320);
the burst and shutdown tests run the real 240x320 size end to end.
"""

import signal
import time

import cv2
from diagnostic_msgs.msg import DiagnosticArray
from image_encodings import encode
from msinet_ros.model import onnx_export, weights
from msinet_ros.nodes.messages import read_fixations
import numpy as np
import pytest
from ros_helpers import installed_executable, NodeProcess, ParameterClient, wait_for_exit
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2
from visualization_msgs.msg import MarkerArray

skimage_data = pytest.importorskip('skimage.data', reason='sample photographs need '
                                   'scikit-image')

OUTPUTS = {'saliency': Image, 'saliency/mono': Image, 'saliency/overlay': Image,
           'saliency/camera_info': CameraInfo, 'fixation': PointCloud2,
           'fixations': PointCloud2, 'fixations/markers': MarkerArray}


@pytest.fixture(scope='module')
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp('models')
    onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64,
                                       metadata=weights.random_metadata(0)),
                     folder / 'small.onnx')
    weights.save(folder / 'random.safetensors', weights.random_weights(0),
                 weights.random_metadata(0))
    return folder


def photo(height, width):
    return cv2.resize(skimage_data.coffee(), (width, height), interpolation=cv2.INTER_AREA)


def image_msg(probe, rgb, encoding='rgb8', padding=0, stamp_ns=None):
    raw = encode(rgb, encoding)
    row = np.ascontiguousarray(raw).reshape(raw.shape[0], -1).view(np.uint8)
    buffer = np.zeros((row.shape[0], row.shape[1] + padding), np.uint8)
    buffer[:, :row.shape[1]] = row
    msg = Image(height=rgb.shape[0], width=rgb.shape[1], encoding=encoding, is_bigendian=0,
                step=buffer.shape[1])
    msg.data = buffer.tobytes()
    msg.header.frame_id = 'test_cam'
    msg.header.stamp = probe.node.get_clock().now().to_msg() if stamp_ns is None else \
        rclpy_time(stamp_ns)
    return msg


def rclpy_time(ns):
    from builtin_interfaces.msg import Time
    return Time(sec=ns // 10**9, nanosec=ns % 10**9)


def camera_info(height, width):
    info = CameraInfo(height=height, width=width, distortion_model='plumb_bob')
    info.k = [500.0, 0.0, width / 2, 0.0, 500.0, height / 2, 0.0, 0.0, 1.0]
    info.p = [500.0, 0.0, width / 2, 0.0, 0.0, 500.0, height / 2, 0.0, 0.0, 0.0, 1.0, 0.0]
    info.d = [0.0] * 5
    info.r = [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0]
    return info


class Outputs:
    """Collects every output of the node by topic."""

    def __init__(self, probe, topics=OUTPUTS, namespace=''):
        self.messages = {topic: [] for topic in topics}
        for topic in topics:
            probe.node.create_subscription(OUTPUTS[topic],
                                           f'{namespace}/{topic}' if namespace else topic,
                                           self.messages[topic].append, 10)

    def with_stamp(self, topic, stamp):
        return [m for m in self.messages[topic] if _header(m).stamp == stamp]

    def complete(self, stamp):
        return all(self.with_stamp(t, stamp) for t in self.messages)


def _header(msg):
    return msg.markers[0].header if isinstance(msg, MarkerArray) else msg.header


def wait_ready(probe, node, outputs, publisher, info_pub=None, shape=(48, 64)):
    """Publish until the node answers (discovery takes a few seconds)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if node.proc.poll() is not None:
            pytest.fail(node.output())
        msg = image_msg(probe, photo(*shape))
        if info_pub is not None:
            info_pub.publish(camera_info(*shape))
        publisher.publish(msg)
        if probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=1.0):
            return
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


ENCODINGS = ['rgb8', 'bgr8', 'rgba8', 'bgra8', 'mono8', 'mono16', 'yuv422', 'yuv422_yuy2',
             'bayer_rggb8', 'bayer_bggr8', 'bayer_gbrg8', 'bayer_grbg8']
SIZES = [(480, 640), (300, 452), (640, 480), (100, 100)]


def test_every_encoding_padding_and_size_gives_every_output(probe, connected, small_node):
    outputs, publisher, info_pub = connected
    for index, encoding in enumerate(ENCODINGS):
        for padding in (0, 7):
            height, width = SIZES[(2 * index + padding) % len(SIZES)]
            info_pub.publish(camera_info(height, width))
            probe.spin_until(lambda: False, timeout=0.05)
            msg = image_msg(probe, photo(height, width), encoding, padding)
            publisher.publish(msg)
            stamp = msg.header.stamp
            assert probe.spin_until(lambda: outputs.complete(stamp), timeout=10), \
                f'{encoding} padding {padding}: missing outputs\n{small_node.output()[-2000:]}'
            sal = outputs.with_stamp('saliency', stamp)[0]
            assert (sal.height, sal.width, sal.encoding) == (height, width, '32FC1')
            assert sal.header.frame_id == 'test_cam'
            values = np.frombuffer(bytes(sal.data), np.float32)
            assert values.min() >= 0 and values.max() <= 1
            mono = outputs.with_stamp('saliency/mono', stamp)[0]
            assert (mono.height, mono.width, mono.encoding) == (height, width, 'mono8')
            overlay = outputs.with_stamp('saliency/overlay', stamp)[0]
            assert (overlay.height, overlay.width, overlay.encoding) == (height, width, 'rgb8')
            info = outputs.with_stamp('saliency/camera_info', stamp)[0]
            assert (info.height, info.width) == (height, width)
            assert list(info.k) == list(camera_info(height, width).k)
            points = read_fixations(outputs.with_stamp('fixations', stamp)[0])
            assert 1 <= len(points) <= 3
            assert (points[:, 0] >= 0).all() and (points[:, 0] < width).all()
            assert (points[:, 1] >= 0).all() and (points[:, 1] < height).all()
            assert (np.diff(points[:, 2]) <= 0).all()  # ordered by saliency
            assert len(read_fixations(outputs.with_stamp('fixation', stamp)[0])) == 1
            arrows = outputs.with_stamp('fixations/markers', stamp)[0].markers[1:]
            assert len(arrows) == len(points) and arrows[0].type == arrows[0].ARROW


def test_malformed_images_leave_the_node_answering(probe, connected, small_node):
    outputs, publisher, _ = connected
    good = image_msg(probe, photo(48, 64))
    bad = []
    for change in ({'data': bytes(10)}, {'height': 0, 'width': 0, 'step': 0, 'data': b''},
                   {'encoding': '16UC3'}, {'height': 100000, 'width': 100000,
                                           'step': 300000}):
        msg = image_msg(probe, photo(48, 64))
        for field, value in change.items():
            setattr(msg, field, value)
        bad.append(msg)
    for msg in bad:
        publisher.publish(msg)
        probe.spin_until(lambda: False, timeout=0.3)
    good.header.stamp = probe.node.get_clock().now().to_msg()
    publisher.publish(good)
    assert probe.spin_until(lambda: outputs.complete(good.header.stamp), timeout=10), \
        small_node.output()[-2000:]
    assert small_node.proc.poll() is None
    assert 'dropped a frame' in small_node.output()


def test_model_resolution_output_and_its_camera_info(probe, connected):
    outputs, publisher, info_pub = connected
    client = ParameterClient(probe, 'saliency_node')
    assert client.wait_for_services(10)
    assert client.set_values({'output_resolution': 'model'})[0].successful
    assert client.get_values('output_resolution') == ['model']
    info_pub.publish(camera_info(480, 640))
    probe.spin_until(lambda: False, timeout=0.1)
    msg = image_msg(probe, photo(480, 640))
    publisher.publish(msg)
    assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
    sal = outputs.with_stamp('saliency', msg.header.stamp)[0]
    assert (sal.height, sal.width) == (48, 64)  # 64x64 model, 480x640 letterboxed
    info = outputs.with_stamp('saliency/camera_info', msg.header.stamp)[0]
    assert (info.height, info.width) == (48, 64)
    step = 639 / 63  # align-corners area steps of the official resize
    assert abs(info.k[0] - 500 / step) < 1e-6
    assert abs(info.k[2] - (320 - (0.5 * step - 0.5)) / step) < 1e-6
    assert client.set_values({'output_resolution': 'input'})[0].successful


def test_parameter_changes_from_another_process(probe, connected):
    outputs, publisher, _ = connected
    client = ParameterClient(probe, 'saliency_node')
    assert client.wait_for_services(10)
    for name, value, reason in [('top_k', 100, ''), ('overlay_opacity', 1.5, ''),
                                ('overlay_colormap', 'rainbow', 'not one of'),
                                ('backend', 'torch', 'read-only'),
                                ('model', '/elsewhere.onnx', 'read-only')]:
        result = client.set_values({name: value})[0]
        assert not result.successful, name
        assert reason in result.reason, (name, result.reason)
    assert client.get_values('top_k', 'overlay_colormap', 'backend') == [3, 'jet', 'onnxruntime']
    assert client.set_values({'top_k': 1})[0].successful
    msg = image_msg(probe, photo(48, 64))
    publisher.publish(msg)
    assert probe.spin_until(lambda: outputs.complete(msg.header.stamp), timeout=10)
    assert len(read_fixations(outputs.with_stamp('fixations', msg.header.stamp)[0])) == 1
    assert client.set_values({'top_k': 3})[0].successful


def test_outputs_without_subscribers_are_not_computed(probe, start_node, models):
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-r', '__ns:=/quiet')
    diagnostics = []
    probe.node.create_subscription(DiagnosticArray, '/diagnostics', diagnostics.append, 10)
    publisher = probe.node.create_publisher(Image, '/quiet/image', 10)

    def count(key):
        for array in reversed(diagnostics):
            for status in array.status:
                values = {kv.key: kv.value for kv in status.values}
                if status.name.startswith('/quiet/saliency_node') and key in values:
                    return int(values[key])
        return -1

    deadline = time.monotonic() + 20
    while count('frames received') < 3 and time.monotonic() < deadline:
        publisher.publish(image_msg(probe, photo(48, 64)))
        probe.spin_until(lambda: False, timeout=0.5)
    assert count('frames received') >= 3, node.output()
    assert count('frames published') == 0
    fixations = []
    probe.node.create_subscription(PointCloud2, '/quiet/fixations', fixations.append, 10)
    deadline = time.monotonic() + 20
    while not fixations and time.monotonic() < deadline:
        publisher.publish(image_msg(probe, photo(48, 64)))
        probe.spin_until(lambda: bool(fixations), timeout=0.5)
    assert fixations, node.output()


def test_compressed_transport(probe, start_node, models):
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}',
                      '-p', 'size:=64x64', '-p', 'transport:=compressed', '-r', '__ns:=/jpeg')
    received = []
    probe.node.create_subscription(Image, '/jpeg/saliency', received.append, 10)
    publisher = probe.node.create_publisher(CompressedImage, '/jpeg/image/compressed', 10)
    ok, jpeg = cv2.imencode('.jpg', cv2.cvtColor(photo(120, 160), cv2.COLOR_RGB2BGR))
    deadline = time.monotonic() + 20
    while not received and time.monotonic() < deadline:
        msg = CompressedImage(format='jpeg', data=jpeg.tobytes())
        msg.header.stamp = probe.node.get_clock().now().to_msg()
        publisher.publish(msg)
        probe.spin_until(lambda: bool(received), timeout=0.5)
    assert received and (received[0].height, received[0].width) == (120, 160), node.output()


@pytest.mark.parametrize('args, message', [
    ((), "parameter 'model' is empty"),
    (('-p', 'model:=/no/such/model.safetensors'), 'msinet import'),
    (('-p', 'model:=MODEL', '-p', 'top_k:=500'), 'top_k'),
    (('-p', 'model:=MODEL', '-p', 'backend:=caffe'), 'not one of'),
])
def test_bad_start_up_ends_with_one_message(start_node, models, args, message):
    args = [a.replace('MODEL', str(models / 'small.onnx')) for a in args]
    node = start_node('saliency_node', *args)
    assert wait_for_exit(node.proc, 30) == 1
    out = node.output()
    assert message in out and 'Traceback' not in out, out


def test_bad_params_file_ends_with_one_message(start_node, models, tmp_path):
    params = tmp_path / 'bad.yaml'
    params.write_text(f'/**:\n  ros__parameters:\n    model: "{models / "small.onnx"}"\n'
                      '    overlay_opacity: 3.0\n')
    node = start_node('saliency_node', '--params-file', str(params))
    assert wait_for_exit(node.proc, 30) == 1
    assert 'overlay_opacity' in node.output() and 'Traceback' not in node.output()


def test_burst_at_real_size_keeps_results_fresh_and_counts_drops(probe, start_node, models):
    """240x320 end to end; frames at 30 Hz, far faster than CPU inference."""
    node = start_node('saliency_node', '-p', f'model:={models / "random.safetensors"}',
                      '-r', '__ns:=/burst')
    outputs = Outputs(probe, ['saliency/overlay', 'fixations'], '/burst')
    diagnostics = []
    probe.node.create_subscription(
        DiagnosticArray, '/diagnostics',
        lambda m: diagnostics.extend(s for s in m.status if s.name.startswith('/burst/')), 10)
    publisher = probe.node.create_publisher(Image, '/burst/image', 10)
    wait_ready(probe, node, Outputs(probe, ['fixations'], '/burst'), publisher,
               shape=(480, 640))
    frame = photo(480, 640)
    sent = {}
    start = time.monotonic()
    while time.monotonic() - start < 6:
        msg = image_msg(probe, frame)
        sent[(msg.header.stamp.sec, msg.header.stamp.nanosec)] = time.monotonic()
        publisher.publish(msg)
        probe.spin_until(lambda: False, timeout=1 / 30)
    probe.spin_until(lambda: False, timeout=2.5)
    results = outputs.messages['fixations']
    assert len(results) >= 5, node.output()
    values = {kv.key: kv.value for kv in diagnostics[-1].values}
    assert int(values['frames dropped']) > 0
    # every result's age within predictor time + node work + input period + 10 ms (the node
    # checks each: no frame waited longer than a newer one took to arrive)
    assert int(values['frames age_violations']) == 0, node.output()[-3000:]
    assert float(values['result age max (ms)']) < float(values['inference p95 (ms)']) * 2
    overlay = outputs.messages['saliency/overlay'][-1]
    assert (overlay.height, overlay.width) == (480, 640)


@pytest.mark.parametrize('sig', [signal.SIGINT, signal.SIGTERM])
def test_clean_exit_mid_inference(probe, start_node, models, sig):
    node = start_node('saliency_node', '-p', f'model:={models / "random.safetensors"}',
                      '-r', '__ns:=/stop')
    fixations = []
    probe.node.create_subscription(PointCloud2, '/stop/fixations', fixations.append, 10)
    publisher = probe.node.create_publisher(Image, '/stop/image', 10)
    deadline = time.monotonic() + 30
    while not fixations and time.monotonic() < deadline:
        publisher.publish(image_msg(probe, photo(480, 640)))
        probe.spin_until(lambda: bool(fixations), timeout=0.5)
    assert fixations, node.output()
    publisher.publish(image_msg(probe, photo(480, 640)))
    probe.spin_until(lambda: False, timeout=0.15)  # inference (~0.4 s) is now running
    started = time.monotonic()
    node.proc.send_signal(sig)
    assert wait_for_exit(node.proc, 5) == 0, node.output()
    assert time.monotonic() - started < 2.0
    assert 'Traceback' not in node.output()


def test_diagnostics_report_loading_then_running(probe, start_node, models):
    """A weights file with size auto exports three sizes first: diagnostics show it."""
    states = []

    def on_diagnostics(array):
        states.extend({kv.key: kv.value for kv in s.values}['state'] for s in array.status
                      if s.name.startswith('/loading/'))

    probe.node.create_subscription(DiagnosticArray, '/diagnostics', on_diagnostics, 10)
    node = start_node('saliency_node', '-p', f'model:={models / "random.safetensors"}',
                      '-p', f'cache_dir:={models / "fresh_cache"}', '-r', '__ns:=/loading')
    assert probe.spin_until(lambda: 'running' in states, timeout=60), node.output()
    assert states[0] == 'loading'
