"""
``saliency_node``: camera images in, saliency maps and fixation points out.

The subscription callback only keeps the newest frame (a one-place slot); a worker thread
runs the predictor on it, so frames that arrive while inference runs replace the waiting one
and are counted as dropped, and no queue ever holds stale frames. Outputs carry the input's
header and are computed only while someone subscribes.
"""

from collections import deque
import threading
import time
from typing import Deque, Dict, Optional

import cv2
from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import Point
import numpy as np
from rclpy.node import Node
from rclpy.qos import qos_profile_sensor_data, QoSProfile
from rclpy.qos_overriding_options import QoSOverridingOptions
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2
from visualization_msgs.msg import Marker, MarkerArray

from .messages import camera_info_for, fixations_msg, image_msg
from .ros_parameters import declare_all
from .runner import main_for
from ..camera import Intrinsics
from ..errors import ImageError, MsinetError, ParameterError
from ..frame_slot import LatestSlot
from ..imaging import image_to_rgb
from ..inference.fixations import find_fixations, FixationSettings
from ..inference.predictor import SaliencyPredictor
from ..inference.settings import make_predictor
from ..model.weights import RANDOM_WARNING
from ..parameters import SALIENCY_NODE
from ..stats import Window
from ..visualization import draw_fixations, heatmap_overlay, to_mono8

RELIABLE = QoSProfile(depth=1)
MODEL_HELP = ('set the model parameter to a weights file: `msinet import model_salicon_cpu.pb '
              '-o salicon.safetensors` (official weights), or `msinet export --random-seed 0 '
              '--size 240x320 -o random.onnx` for a pipeline check')


class SaliencyNode(Node):
    """Predict saliency of every fresh camera frame and publish maps and fixations."""

    def __init__(self):
        super().__init__('saliency_node')
        self.params = declare_all(self, SALIENCY_NODE)
        if not self.params['model']:
            raise ParameterError(f"parameter 'model' is empty: {MODEL_HELP}")
        self.state = 'loading'
        self._build_progress = ''
        self._stats: Dict[str, Window] = {name: Window() for name in (
            'input', 'output', 'latency', 'age', 'age_margin')}
        self._counts = {'received': 0, 'dropped': 0, 'published': 0, 'rejected': 0,
                        'age_violations': 0}
        self._camera_info: Optional[CameraInfo] = None
        self._arrivals: Deque[float] = deque(maxlen=256)
        self._failure: Optional[MsinetError] = None  # why start-up failed
        self.predictor: Optional[SaliencyPredictor] = None
        self._slot: LatestSlot = LatestSlot()
        self._stop = threading.Event()  # also cancels an engine build
        self.diagnostics = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(1.0, self._publish_diagnostics)
        self._start_watch = self.create_timer(0.1, self._check_start)
        # The model loads (or the engine builds) while the node already spins, so that
        # diagnostics report the progress; only then does the node subscribe.
        self._worker = threading.Thread(target=self._start_then_work, name='saliency_worker',
                                        daemon=True)
        self._worker.start()

    # ---- start-up ---------------------------------------------------------------------
    def _start_then_work(self) -> None:
        try:
            self._load_model()
        except MsinetError as exc:
            self._failure = exc
            return
        except Exception as exc:  # an unforeseen failure still ends start-up with one line
            self._failure = MsinetError(f'{type(exc).__name__}: {exc}')
            return
        self.state = 'running'
        self._create_outputs()
        self._create_inputs()
        self.get_logger().info(
            f'ready: {self.predictor.describe()}, model {self.params["model"]}, listening on '
            f'{self._image_topic}')
        try:
            self._work()
        finally:
            self.predictor.close()  # TensorRT/CUDA objects die in the thread that made them

    def _check_start(self) -> None:
        """Raise a start-up failure of the loader thread in the spinning thread (exit 1)."""
        if self._failure is not None and not self._stop.is_set():
            raise self._failure
        if self.state == 'running':
            self._start_watch.cancel()

    def _load_model(self) -> None:
        """
        Create the predictor and prepare its default size.

        A fixed-size model (ONNX, engine, or a set size) is prepared whole; with a weights file
        and size auto the landscape size is prepared and the others when a frame needs them.
        """
        p = self.params
        self.state = 'building engine' if p['backend'] == 'tensorrt' else 'loading'
        self.predictor = make_predictor(p, self.get_logger().info, self._on_build_progress)
        try:
            self.predictor.prepare()
        except BaseException:
            self.predictor.close()
            raise
        if self.predictor.is_random:
            self.get_logger().warning(RANDOM_WARNING)

    def _on_build_progress(self, phase: str, step: int, steps: int) -> None:
        self._build_progress = f'{phase} {step}/{steps}'
        if steps and step % max(1, steps // 5) == 0:
            self.get_logger().info(f'building engine: {self._build_progress}')

    def _create_outputs(self) -> None:
        self.pub_saliency = self.create_publisher(Image, 'saliency', RELIABLE)
        self.pub_info = self.create_publisher(CameraInfo, 'saliency/camera_info', RELIABLE)
        self.pub_mono = self.create_publisher(Image, 'saliency/mono', RELIABLE)
        self.pub_overlay = self.create_publisher(Image, 'saliency/overlay', RELIABLE)
        self.pub_fixation = self.create_publisher(PointCloud2, 'fixation', RELIABLE)
        self.pub_fixations = self.create_publisher(PointCloud2, 'fixations', RELIABLE)
        self.pub_markers = self.create_publisher(MarkerArray, 'fixations/markers', RELIABLE)

    def _create_inputs(self) -> None:
        overrides = QoSOverridingOptions.with_default_policies()
        if self.params['transport'] == 'compressed':
            self._image_topic = 'image/compressed'
            self.create_subscription(CompressedImage, self._image_topic, self._on_image,
                                     qos_profile_sensor_data,
                                     qos_overriding_options=overrides)
        else:
            self._image_topic = 'image'
            self.create_subscription(Image, self._image_topic, self._on_image,
                                     qos_profile_sensor_data,
                                     qos_overriding_options=overrides)
        self._image_topic = self.resolve_topic_name(self._image_topic)
        self.create_subscription(CameraInfo, 'camera_info', self._on_camera_info,
                                 qos_profile_sensor_data)

    def _param(self, name: str):
        """Return a parameter's current value (those marked runtime may have changed)."""
        return self.get_parameter(name).value

    # ---- callbacks ----------------------------------------------------------------------
    def _on_camera_info(self, msg: CameraInfo) -> None:
        self._camera_info = msg

    def _on_image(self, msg) -> None:
        now = time.monotonic()
        self._arrivals.append(now)
        self._counts['received'] += 1
        self._stats['input'].add(now=now)
        if self._slot.put((msg, now)):
            self._counts['dropped'] += 1

    # ---- worker -------------------------------------------------------------------------
    def _work(self) -> None:
        last_output = 0.0
        while not self._stop.is_set():
            item = self._slot.take(timeout=0.2)
            if item is None:
                continue
            msg, arrived = item
            max_rate = self._param('max_rate')
            if max_rate > 0 and time.monotonic() - last_output < 1.0 / max_rate:
                self._counts['dropped'] += 1
                continue
            try:
                self._process(msg, arrived, time.monotonic())
                last_output = time.monotonic()
            except ImageError as exc:
                self._counts['rejected'] += 1
                self.get_logger().warning(f'dropped a frame: {exc}', throttle_duration_sec=5.0)
            except Exception as exc:  # keep serving: one bad frame must not end the node
                self._counts['rejected'] += 1
                self.get_logger().error(f'inference failed: {type(exc).__name__}: {exc}',
                                        throttle_duration_sec=5.0)

    def _decode(self, msg) -> np.ndarray:
        if isinstance(msg, CompressedImage):
            bgr = cv2.imdecode(np.frombuffer(msg.data, np.uint8), cv2.IMREAD_COLOR)
            if bgr is None:
                raise ImageError(f'compressed image ({msg.format!r}) does not decode')
            return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        return image_to_rgb(msg.height, msg.width, msg.encoding, msg.step, msg.is_bigendian,
                            msg.data)

    def _process(self, msg, arrived: float, picked: float) -> None:
        p = {spec.name: self._param(spec.name) for spec in SALIENCY_NODE if not spec.read_only}
        want = {name: pub.get_subscription_count() > 0 for name, pub in (
            ('saliency', self.pub_saliency), ('info', self.pub_info), ('mono', self.pub_mono),
            ('overlay', self.pub_overlay), ('fixation', self.pub_fixation),
            ('fixations', self.pub_fixations), ('markers', self.pub_markers))}
        if not any(want.values()):
            return
        frame = self._decode(msg)
        at_input = p['output_resolution'] == 'input'
        map_wanted = want['saliency'] or want['mono'] or want['info']
        result = self.predictor.predict(frame, frame_resolution=want['overlay'] or
                                        (map_wanted and at_input))
        header = msg.header
        fixations = []
        if want['fixation'] or want['fixations'] or want['markers'] or want['overlay']:
            fixations = find_fixations(result.model_saliency, result.letterbox,
                                       FixationSettings(p['top_k'], p['min_distance'],
                                                        p['threshold_abs'],
                                                        p['threshold_rel']))
        if map_wanted:
            box = result.letterbox
            if at_input:
                saliency, axes = result.saliency, (None, None)
            else:
                top, left = box.top, box.left
                saliency = result.model_saliency[top:top + box.scaled[0],
                                                 left:left + box.scaled[1]].copy()
                axes = (box.axis_map(0), box.axis_map(1))
            if want['saliency']:
                self.pub_saliency.publish(image_msg(saliency, '32FC1', header))
            if want['mono']:
                self.pub_mono.publish(image_msg(to_mono8(saliency), 'mono8', header))
            if want['info']:
                self.pub_info.publish(camera_info_for(self._camera_info, header,
                                                      *saliency.shape, *axes))
        if want['overlay']:
            overlay = draw_fixations(heatmap_overlay(frame, result.saliency,
                                                     p['overlay_colormap'],
                                                     p['overlay_opacity']), fixations)
            self.pub_overlay.publish(image_msg(overlay, 'rgb8', header))
        if want['fixation']:
            self.pub_fixation.publish(fixations_msg(fixations[:1], header))
        if want['fixations']:
            self.pub_fixations.publish(fixations_msg(fixations, header))
        if want['markers']:
            self.pub_markers.publish(self._markers(fixations, header))
        self._record(arrived, picked, result.timings)

    def _markers(self, fixations, header) -> MarkerArray:
        markers = MarkerArray(markers=[Marker(header=header, ns='fixations',
                                              action=Marker.DELETEALL)])
        info = self._camera_info
        intrinsics = Intrinsics(tuple(info.k), tuple(info.d), info.distortion_model) \
            if info is not None else None
        if intrinsics is None or not intrinsics.valid or not fixations:
            return markers  # rays need a calibrated camera_info; the overlay shows points
        length = self._param('ray_length')
        for rank, (fix, ray) in enumerate(zip(fixations, intrinsics.rays(
                [(f.x, f.y) for f in fixations]))):
            marker = Marker(header=header, ns='fixations', id=rank, type=Marker.ARROW,
                            action=Marker.ADD)
            marker.points = [point(0.0, 0.0, 0.0), point(*(ray * length))]
            marker.scale.x, marker.scale.y, marker.scale.z = 0.01, 0.03, 0.05
            marker.color.r, marker.color.g, marker.color.a = 1.0, float(fix.saliency), 1.0
            markers.markers.append(marker)
        return markers

    def _record(self, arrived: float, picked: float, timings: Dict[str, float]) -> None:
        """
        Account for one result and check its age against its bound.

        Age is publish time minus arrival time (steady clock). The bound is the predictor's
        time for this frame (pre-processing, network, post-processing) plus the node's own
        measured work on it (decoding, fixations, overlay, publishing) plus the input period
        at that moment (the gap to the next frame, which could have replaced this one) plus
        10 ms of scheduling slack (Python switches threads every 5 ms). So a result breaks its
        bound when its frame waited for the worker longer than a newer frame took to arrive.
        """
        now = time.monotonic()
        age = now - arrived
        predict_s = timings['total'] / 1e3
        node_s = max(0.0, now - picked - predict_s)
        gap = next((t for t in self._arrivals if t > arrived), now) - arrived
        bound = predict_s + node_s + gap + 0.010
        if age > bound:
            self._counts['age_violations'] += 1
            self.get_logger().warning(
                f'result age {age * 1e3:.0f} ms above its bound {bound * 1e3:.0f} ms: waited '
                f'{(picked - arrived) * 1e3:.0f} ms (input period {gap * 1e3:.0f} ms), predictor '
                f'{predict_s * 1e3:.0f} ms, node {node_s * 1e3:.0f} ms',
                throttle_duration_sec=5.0)
        self._counts['published'] += 1
        self._stats['output'].add(now=now)
        self._stats['latency'].add(timings['inference'], now)
        self._stats['age'].add(age * 1e3, now)
        self._stats['age_margin'].add((bound - age) * 1e3, now)

    # ---- diagnostics --------------------------------------------------------------------
    def _publish_diagnostics(self) -> None:
        status = DiagnosticStatus(name=f'{self.get_fully_qualified_name()}: saliency',
                                  hardware_id=self.params['backend'])
        problems = []
        if self.state == 'running':
            if self._stats['age_margin'].percentile(0) < 0:
                problems.append('result age above its bound (inference + node work + input '
                                'period + 10 ms) in the last 5 s')
            minimum = self._param('min_output_rate')
            if minimum > 0 and self._stats['output'].rate() < minimum:
                problems.append(f'output rate below {minimum} Hz')
            if self.predictor.is_random:
                problems.append('seeded random weights: maps are meaningless')
        status.level = DiagnosticStatus.WARN if problems else DiagnosticStatus.OK
        status.message = '; '.join(problems) or self.state
        values = {'state': self.state, 'backend': self.params['backend'],
                  'runs': self.predictor.describe() if self.state == 'running' else '',
                  'model': self.params['model'], 'build progress': self._build_progress}
        if self.state == 'running':
            values.update({
                'input rate (Hz)': f'{self._stats["input"].rate():.2f}',
                'output rate (Hz)': f'{self._stats["output"].rate():.2f}',
                'inference p50 (ms)': f'{self._stats["latency"].percentile(50):.1f}',
                'inference p95 (ms)': f'{self._stats["latency"].percentile(95):.1f}',
                'result age p50 (ms)': f'{self._stats["age"].percentile(50):.1f}',
                'result age max (ms)': f'{self._stats["age"].maximum():.1f}',
                **{f'frames {name}': str(count) for name, count in self._counts.items()},
            })
        status.values = [KeyValue(key=k, value=str(v)) for k, v in values.items()]
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self.diagnostics.publish(array)

    def destroy_node(self) -> None:
        """Stop the worker (cancelling a build where TensorRT can) before the node goes."""
        self._stop.set()
        if self.predictor is not None:
            self.predictor.cancel()
        self._slot.close()
        self._worker.join(timeout=1.5)
        super().destroy_node()


def point(x: float, y: float, z: float) -> Point:
    """Return a geometry_msgs/Point."""
    return Point(x=float(x), y=float(y), z=float(z))


main = main_for('saliency_node', SaliencyNode)
