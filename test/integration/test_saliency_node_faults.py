"""
A misbehaving camera against the installed saliency_node, over real DDS (loopback only).

One scripted stream per transport mixes good frames with every kind of bad input (docs/node.md,
"Bad input"). Checked from outside: every good frame is answered, with its own stamp and a map
of its size; nothing else is answered; the node's diagnostics counters equal what was sent; each
kind of misbehaviour is logged, throttled; the node survives and stops cleanly.

Counts are exact because the stream is paced by acknowledgements: the next message is published
only once the previous one is answered (a result with its stamp) or counted (the diagnostics'
``frames rejected``). The camera subscription is best effort with depth 1, so two messages
published back to back could replace each other inside DDS before the node took the first. The
burst is the exception: what it loses in DDS is bounded (received <= sent), and every frame the
node received must be accounted for (received = dropped + rejected + preparing + inferred).
"""

import signal
import time

from builtin_interfaces.msg import Time
from geometry_msgs.msg import Vector3Stamped
import numpy as np
import pytest
from sensor_msgs.msg import CameraInfo, CompressedImage, Image
from support.bad_frames import compressed, garbage_compressed, malformed_images, raw_copy
from support.ros_helpers import camera_info, Diagnostics, image_msg, photo

MODEL_ARGS = ('-p', 'size:=64x64', '-p', 'top_k:=3')
THROTTLE_S = 5.0  # the node's warning throttle (saliency_node.WARN_EVERY_S)
ANSWER_S = 30.0  # a generous wait for one result or one count on a loaded machine
BURST = 300
BURST_HZ = 400.0


def _key(stamp) -> int:
    return stamp.sec * 1_000_000_000 + stamp.nanosec


class Camera:
    """Publishes a scripted stream and collects what the node answers, keyed by stamp."""

    def __init__(self, probe, node, name, kind=Image):
        self.probe, self.node, self.name = probe, node, name
        topic = f'/{name}/image/compressed' if kind is CompressedImage else f'/{name}/image'
        self.publisher = probe.node.create_publisher(kind, topic, 10)
        self.info_publisher = probe.node.create_publisher(CameraInfo, f'/{name}/camera_info', 10)
        self.maps = {}  # stamp -> saliency/image
        self.rays = {}  # stamp -> fixation/ray
        probe.node.create_subscription(Image, f'/{name}/saliency/image',
                                       lambda m: self.maps.setdefault(_key(m.header.stamp), m),
                                       100)
        probe.node.create_subscription(Vector3Stamped, f'/{name}/fixation/ray',
                                       lambda m: self.rays.setdefault(_key(m.header.stamp), m),
                                       100)
        self.diagnostics = Diagnostics(probe, name)
        self.answerable = {}  # stamp -> (height, width) of frames the node must answer
        self.unanswerable = set()  # stamps of frames it must not answer
        self._last_ns = 0

    def stamp(self, back_s: float = 0.0) -> Time:
        """Return a new stamp: now on the probe's clock, strictly after the last one."""
        ns = max(self.probe.node.get_clock().now().nanoseconds, self._last_ns + 1)
        self._last_ns = ns
        ns -= int(back_s * 1e9)
        return Time(sec=ns // 1_000_000_000, nanosec=ns % 1_000_000_000)

    def alive(self) -> None:
        if self.node.proc.poll() is not None:
            pytest.fail(f'saliency_node ended ({self.node.proc.returncode}):\n'
                        f'{self.node.output()[-3000:]}')

    def answered(self, msg, size, info=None) -> Image:
        """Publish a frame the node must process (its camera_info first); return its map."""
        key = _key(msg.header.stamp)
        self.answerable[key] = size
        if info is not None:
            self.info_publisher.publish(info)
        self.publisher.publish(msg)
        if not self.probe.spin_until(lambda: key in self.maps or self.node.proc.poll() is not None,
                                     ANSWER_S):
            pytest.fail(f'no result for a {size} {getattr(msg, "encoding", "")} frame within '
                        f'{ANSWER_S} s:\n{self.node.output()[-3000:]}')
        self.alive()
        return self.maps[key]

    def rejected(self, msg, expected: int) -> None:
        """Publish a frame the node must reject; wait until ``frames rejected`` is expected."""
        self.unanswerable.add(_key(msg.header.stamp))
        self.publisher.publish(msg)
        self.diagnostics.wait_for(lambda v: int(v['frames rejected']) >= expected, ANSWER_S)
        self.alive()

    def ready(self, rgb, encoding='rgb8') -> None:
        """Publish good frames until the node answers one (discovery takes a few seconds)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.alive()
            msg = self.raw(rgb, encoding)
            self.answerable[_key(msg.header.stamp)] = rgb.shape[:2]
            self.publisher.publish(msg)
            if self.probe.spin_until(lambda: bool(self.maps), timeout=1.0):
                # an answer may be to an earlier frame; let the last one through
                assert self.probe.spin_until(lambda: _key(msg.header.stamp) in self.maps,
                                             ANSWER_S), self.node.output()[-3000:]
                return
        pytest.fail(f'saliency_node never answered:\n{self.node.output()[-3000:]}')

    def raw(self, rgb, encoding='rgb8', back_s=0.0) -> Image:
        msg = image_msg(self.probe, rgb, encoding)
        msg.header.stamp = self.stamp(back_s)
        return msg

    def counts(self, **expected) -> dict:
        """Wait for a status whose counters are all as expected; return its values."""
        return self.diagnostics.wait_for(
            lambda v: all(int(v[f'frames {k}']) == n for k, n in expected.items()), ANSWER_S)

    def check_outputs(self) -> None:
        """Every answer is to a frame that had to be answered, with a map of its size."""
        assert not self.unanswerable & set(self.maps), 'a rejected frame was answered'
        for key, sal in self.maps.items():
            assert key in self.answerable, f'answer to a stamp never sent: {key}'
            assert (sal.height, sal.width, sal.encoding) == (*self.answerable[key], '32FC1')
            values = np.frombuffer(bytes(sal.data), np.float32)
            assert np.isfinite(values).all() and values.min() >= 0 and values.max() <= 1


def _map(sal) -> np.ndarray:
    return np.frombuffer(bytes(sal.data), np.float32).reshape(sal.height, sal.width)


def _lines(output: str, text: str) -> int:
    return sum(text in line for line in output.splitlines())


def _at_most_throttled(output: str, text: str, seconds: float) -> None:
    """``text`` was logged, and no more often than once per throttle period."""
    count = _lines(output, text)
    assert 1 <= count <= 1 + int(seconds // THROTTLE_S), (text, count, seconds)


def test_raw_stream_with_bad_frames_answers_every_good_frame_and_counts_every_fault(
        probe, start_node, models):
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}', *MODEL_ARGS,
                      '-r', '__ns:=/faults', '-r', '__node:=faults')
    camera = Camera(probe, node, 'faults')
    rgb = photo(48, 64)
    camera.ready(rgb)
    start = time.monotonic()

    # encodings switching mid-stream: processed; the same pixels give the same map
    reference = _map(camera.answered(camera.raw(rgb), (48, 64)))
    for encoding in ('bgr8', 'rgb8', 'bgra8', 'rgb8'):
        sal = camera.answered(camera.raw(rgb, encoding), (48, 64))
        assert np.allclose(_map(sal), reference, atol=1e-6), encoding
    encoding_changes = 4

    # the frame size changing every frame: processed at its own size
    sizes = [(100, 100), (64, 48), (30, 90), (120, 160), (48, 64)]
    for size in sizes:
        camera.answered(camera.raw(photo(*size)), size)
    size_changes = len(sizes)

    # malformed frames: rejected on receipt, they change nothing (not the next frame's
    # comparison, nor the map of the same pixels)
    malformed_start = time.monotonic()
    bad = malformed_images(camera.raw(rgb))
    for number, msg in enumerate(bad.values(), 1):
        msg.header.stamp = camera.stamp()
        camera.rejected(msg, number)
    malformed_s = time.monotonic() - malformed_start
    sal = camera.answered(camera.raw(rgb), (48, 64))
    assert np.allclose(_map(sal), reference, atol=1e-6)

    # timestamps going backwards (a bag loop, a simulator reset): processed with their stamp
    backwards_start = time.monotonic()
    for back_s in (0.5, 2.0, 0.25):
        camera.answered(camera.raw(rgb, back_s=back_s), (48, 64))
        camera.answered(camera.raw(rgb), (48, 64))  # newer than the one before: no count
    backwards_s = time.monotonic() - backwards_start
    camera.counts(rejected=len(bad), encoding_changed=encoding_changes,
                  size_changed=size_changes, stamp_backwards=3)

    # a burst far faster than inference: newest frame wins, nothing queues, all accounted for
    burst = [raw_copy(camera.raw(rgb)) for _ in range(BURST)]
    for msg in burst:
        msg.header.stamp = camera.stamp()
        camera.answerable[_key(msg.header.stamp)] = (48, 64)
    burst_start = time.monotonic()
    for index, msg in enumerate(burst):
        camera.publisher.publish(msg)
        pause = burst_start + (index + 1) / BURST_HZ - time.monotonic()
        if pause > 0:
            time.sleep(pause)
    burst_hz = BURST / (time.monotonic() - burst_start)
    before = camera.diagnostics.latest()
    camera.answered(camera.raw(rgb), (48, 64))  # results keep coming after the burst
    after = camera.diagnostics.wait_for(
        lambda v: int(v['frames received']) == int(v['frames dropped']) +
        int(v['frames rejected']) + int(v['frames preparing']) + int(v['frames inferred']) and
        int(v['frames published']) == int(v['frames inferred']), ANSWER_S)
    burst_answers = [k for k in camera.maps if k in {_key(m.header.stamp) for m in burst}]
    received = int(after['frames received']) - int(before['frames received'])
    assert received <= BURST + 1, (received, burst_hz)
    assert burst_answers == sorted(burst_answers)  # answered in the order sent
    dropped = int(after['frames dropped']) - int(before['frames dropped'])
    assert 0 < dropped and len(burst_answers) <= received - dropped, \
        (received, dropped, len(burst_answers), burst_hz)

    # camera_info contradicting the image: the result still comes, without rays
    contradicting = camera.raw(rgb)
    camera.answered(contradicting, (48, 64), camera_info(480, 640, contradicting.header.stamp))
    uncalibrated = camera.raw(rgb)
    info = camera_info(48, 64, uncalibrated.header.stamp)
    info.k = [0.0] * 9
    camera.answered(uncalibrated, (48, 64), info)
    matching = camera.raw(rgb)
    camera.answered(matching, (48, 64), camera_info(48, 64, matching.header.stamp))
    assert camera.probe.spin_until(lambda: _key(matching.header.stamp) in camera.rays,
                                   ANSWER_S), 'no ray with a matching camera_info'
    assert not {_key(contradicting.header.stamp), _key(uncalibrated.header.stamp)} & \
        set(camera.rays)

    values = camera.counts(rejected=len(bad), encoding_changed=encoding_changes,
                           size_changed=size_changes, stamp_backwards=3, info_mismatched=2,
                           info_unmatched=0, preparing=0)
    camera.check_outputs()
    assert values['state'] == 'active'
    output = node.output()
    elapsed = time.monotonic() - start
    _at_most_throttled(output, 'rejected a frame: ', malformed_s)
    _at_most_throttled(output, 'header.stamp went back', backwards_s)
    _at_most_throttled(output, 'image encoding changed from', elapsed)
    _at_most_throttled(output, 'image size changed from', elapsed)
    assert "image encoding changed from 'rgb8' to 'bgr8'" in output
    assert 'camera_info describes a 480x640 image' in output
    assert 'Traceback' not in output, output[-3000:]
    assert node.stop(signal.SIGINT) == 0, output[-3000:]


def test_compressed_stream_with_garbage_answers_every_good_frame_and_counts_every_fault(
        probe, start_node, models):
    node = start_node('saliency_node', '-p', f'model:={models / "small.onnx"}', *MODEL_ARGS,
                      '-p', 'transport:=compressed', '-r', '__ns:=/faults_jpeg',
                      '-r', '__node:=faults_jpeg')
    camera = Camera(probe, node, 'faults_jpeg', CompressedImage)
    rgb = photo(120, 160)
    formats = []

    def good(fmt):
        msg = compressed(rgb, fmt)
        msg.header.stamp = camera.stamp()
        formats.append(fmt)
        return msg

    deadline = time.monotonic() + 60
    while not camera.maps and time.monotonic() < deadline:  # discovery
        camera.alive()
        msg = good('jpeg')
        camera.answerable[_key(msg.header.stamp)] = (120, 160)
        camera.publisher.publish(msg)
        probe.spin_until(lambda: bool(camera.maps), timeout=1.0)
    assert camera.maps, node.output()[-3000:]
    # let any frame still in flight through, so that counts start from a settled node
    camera.answered(good('jpeg'), (120, 160))
    start = time.monotonic()
    garbage = garbage_compressed(rgb)
    for number, msg in enumerate(garbage.values(), 1):
        msg.header.stamp = camera.stamp()
        formats.append(msg.format)
        camera.rejected(msg, number)
    garbage_s = time.monotonic() - start
    camera.answered(good('png'), (120, 160))  # a format switch: processed
    camera.answered(good('jpeg'), (120, 160))
    changes = sum(a != b for a, b in zip(formats, formats[1:]))
    camera.counts(rejected=len(garbage), encoding_changed=changes, size_changed=0,
                  stamp_backwards=0)
    camera.check_outputs()
    output = node.output()
    _at_most_throttled(output, 'rejected a frame: compressed image', garbage_s)
    assert "image encoding changed from 'jpeg' to 'png'" in output
    assert 'Traceback' not in output, output[-3000:]
    assert node.stop(signal.SIGINT) == 0, output[-3000:]
