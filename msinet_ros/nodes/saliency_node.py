"""
``saliency_node``: camera images in, saliency maps and fixation points out (a managed node).

Lifecycle (``rclpy.lifecycle``): parameters are declared in the constructor; *configure*
creates the outputs and the camera_info subscription, resolves the input size and prepares it
(export, engine build or load) in the worker thread; *activate* starts publishing and
subscribes to the camera while some output has a subscriber; *deactivate* stops that and keeps
the model; *cleanup* and *shutdown* free it. With ``autostart`` the node drives itself to
active and a failed configure ends the process (exit 1).

Threads: a multi-threaded executor runs the callbacks; the lifecycle services have their own
(reentrant) group, so ``get_state``, parameters and diagnostics answer while *configure*
waits for a build. Every ROS entity is created and destroyed on the executor's threads; the
worker thread only runs the predictor and publishes. The image callback keeps the newest frame
in a one-place slot, so frames that arrive while inference runs replace the waiting one; it
checks each frame first (``imaging.check_image_fields``, ``input_checks``): a malformed raw
frame is rejected before the slot, stamps going back and size or encoding changes are counted
(docs/node.md, "Bad input").
"""

import inspect
import threading
import time
from typing import Callable, Dict, Optional, Tuple

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import Vector3Stamped
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.clock import Clock, ClockType
from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
from rclpy.lifecycle import LifecycleNodeMixin, LifecycleState, TransitionCallbackReturn
from rclpy.node import Node
from rclpy.qos import HistoryPolicy, QoSProfile, ReliabilityPolicy
from rclpy.qos_overriding_options import QoSOverridingOptions
from sensor_msgs.msg import CameraInfo, CompressedImage, Image, PointCloud2
from visualization_msgs.msg import MarkerArray

from . import messages
from .executors import NodeExecutor
from .ros_parameters import ParameterListener
from .runner import main_for
from ..attention.camera import CameraGeometry
from ..attention.peaks import FixationSettings
from ..errors import ImageError, MsinetError, ParameterError
from ..frame_slot import LatestSlot
from ..freshness import Freshness, stamp_age_s
from ..imaging import check_image_fields, compressed_to_rgb, image_to_rgb
from ..inference.outputs import compute_outputs, OutputRequest, SaliencyOutputs
from ..inference.predictor import SaliencyPredictor
from ..inference.settings import make_predictor
from ..input_checks import Change, CHANGE_COUNTERS, ENCODING_CHANGED, SIZE_CHANGED, StreamMonitor
from ..model.weights import RANDOM_WARNING
from ..pacing import RatePacer
from ..parameters import SALIENCY_NODE
from ..stamp_sync import StampedBuffer
from ..stats import Window
from ..visualization import to_mono8

MODEL_HELP = ('set the model parameter to a weights file: `msinet import model_salicon_cpu.pb '
              '-o salicon.safetensors` (official weights), or `msinet export --random-seed 0 '
              '--size 240x320 -o random.onnx` for a pipeline check')
# Outputs by key: (topic, message type). X/image and X/image_* have X/camera_info's geometry.
OUTPUTS = {
    'map': ('saliency/image', Image), 'mono': ('saliency/image_mono', Image),
    'map_info': ('saliency/camera_info', CameraInfo),
    'overlay': ('saliency_overlay/image', Image),
    'overlay_info': ('saliency_overlay/camera_info', CameraInfo),
    'fixation': ('fixation', PointCloud2), 'fixations': ('fixations', PointCloud2),
    'markers': ('fixations/markers', MarkerArray), 'ray': ('fixation/ray', Vector3Stamped),
}
MAP_OUTPUTS = frozenset({'map', 'mono', 'map_info'})
FIXATION_OUTPUTS = frozenset({'fixation', 'fixations', 'markers', 'ray'})
OVERLAY_OUTPUTS = frozenset({'overlay', 'overlay_info'})
COUNTERS = ('received', 'dropped', 'inferred', 'published', 'rejected', 'late', 'stamp_late',
            'info_unmatched', 'info_mismatched', 'preparing', *CHANGE_COUNTERS)
WARN_EVERY_S = 5.0  # throttle of each bad-input warning (one per kind and call site)
DEFAULT_SIZE = (240, 320)  # without a camera_info, size auto prepares the landscape size
# camera_info is paired with images by stamp: a few are queued (tiny messages), so that the
# info of a frame still waiting in the slot is not overwritten in DDS by the next one
INFO_DEPTH = 5
INFO_WAIT_S = 0.05  # how long a result waits for the camera_info with its image's stamp
POLL_S = 0.2  # how often the node checks whether any output has a subscriber


def sensor_qos(depth: int = 1) -> QoSProfile:
    """Return a new best-effort profile (REP-2003 sensor input; a new object every call)."""
    return QoSProfile(depth=depth, reliability=ReliabilityPolicy.BEST_EFFORT,
                      history=HistoryPolicy.KEEP_LAST)


def output_qos() -> QoSProfile:
    """Return a new reliable, depth-1 profile for an output (never shared)."""
    return QoSProfile(depth=1)


def matched_callbacks(on_change: Callable[[], None]):
    """
    Return publisher event callbacks calling ``on_change`` when a subscriber comes or goes.

    None where rclpy has no publisher matched events (Humble): the node then polls.
    """
    try:
        from rclpy.event_handler import PublisherEventCallbacks
    except ImportError:
        return None
    if 'matched' not in inspect.signature(PublisherEventCallbacks).parameters:
        return None
    return PublisherEventCallbacks(matched=lambda _status: on_change())


class StartupError(MsinetError):
    """Configure failed; the message says what to do."""


class SaliencyNode(LifecycleNodeMixin, Node):
    """Predict saliency of every fresh camera frame and publish maps and fixations."""

    def __init__(self, **node_kwargs):
        Node.__init__(self, 'saliency_node', **node_kwargs)
        # Humble's LifecycleNode puts its services in the default group with the parameter
        # services; the mixin takes a group, so they get one of their own.
        LifecycleNodeMixin.__init__(self, enable_communication_interface=True,
                                    callback_group=ReentrantCallbackGroup())
        self.exit_code: Optional[int] = None  # read by the runner
        self.reason = ''
        self._guard_change_state()
        self._lock = threading.Lock()  # guards the counters and the fields marked (lock)
        self._counts: Dict[str, int] = dict.fromkeys(COUNTERS, 0)  # (lock)
        self._phase = 'unconfigured'  # for diagnostics (lock)
        self._param_listener = ParameterListener(self, SALIENCY_NODE, 'SaliencyNodeSettings',
                                                 configured=self._configured)
        self._failure = ''  # why the last configure failed (lock)
        self._progress = ''  # engine build progress (lock)
        self._busy = ''  # what the worker is doing, for the shutdown message (lock)
        self._stats: Dict[str, Window] = {name: Window() for name in (
            'input', 'output', 'latency', 'age', 'processing', 'stamp_age', 'late',
            'stamp_late')}
        self._freshness = Freshness()
        self._monitor = StreamMonitor()  # stamp order, size, encoding (image callback only)
        self._pacer = RatePacer()
        self._slot: LatestSlot = LatestSlot()
        self._infos: StampedBuffer[CameraGeometry] = StampedBuffer()  # by camera_info stamp
        self._stop = threading.Event()  # the worker ends (cleanup, shutdown, signal)
        self._active = threading.Event()  # frames are taken and results published
        self._prepared = threading.Event()  # the worker finished preparing (or failed)
        self._prepare_error = ''
        self._worker: Optional[threading.Thread] = None
        self._predictor: Optional[SaliencyPredictor] = None
        self._outputs: Dict[str, object] = {}
        self._image_sub = None
        self._info_sub = None
        self._warned_frame = False
        self._releasing = False  # the process is ending: no transitions, no new work
        self._autostarting = False  # configure runs from autostart: failure ends the process
        self._input_lock = threading.Lock()  # one thread at a time (un)subscribes the camera
        self._input_group = MutuallyExclusiveCallbackGroup()
        self._timer_group = MutuallyExclusiveCallbackGroup()
        steady = Clock(clock_type=ClockType.STEADY_TIME)  # health timers need no /clock
        self._diagnostics = self.create_publisher(DiagnosticArray, '/diagnostics', 10)
        self.create_timer(1.0, self._publish_diagnostics, callback_group=self._timer_group,
                          clock=steady)
        self._matched = matched_callbacks(self._update_input)
        if self._matched is None:  # Humble: no matched events, so the outputs are polled
            self.create_timer(POLL_S, self._update_input, callback_group=self._timer_group,
                              clock=steady)
        if self.settings.autostart:
            self._autostart_timer = self.create_timer(
                0.0, self._autostart, callback_group=MutuallyExclusiveCallbackGroup(),
                clock=steady)

    def _configured(self) -> bool:
        with self._lock:
            return self._phase not in ('unconfigured', 'finalized')

    @property
    def settings(self):
        """Return the current parameter snapshot."""
        return self._param_listener.settings

    # ---- lifecycle ----------------------------------------------------------------------
    def _guard_change_state(self) -> None:
        """
        Answer ``change_state`` one transition at a time, refusing what rcl_lifecycle refuses.

        The lifecycle services run in a reentrant group (``get_state`` answers during a long
        configure), so a second request can arrive mid-transition; rcl_lifecycle then raises,
        which Humble's and Jazzy's rclpy let through (ros2/rclpy#1209, fixed in Kilted): the
        service would never answer and the executor would re-raise it. Such a request gets
        ``success: false`` instead.
        """
        self._transition_lock = threading.Lock()
        service = self._service_change_state
        original = service.callback

        def change_state(request, response):
            if not self._transition_lock.acquire(blocking=False):
                self.get_logger().warning('change_state refused: another transition runs')
                response.success = False
                return response
            try:
                return original(request, response)
            except _rclpy.RCLError as exc:
                self.get_logger().warning(f'change_state refused: {exc}')
                response.success = False
                return response
            finally:
                self._transition_lock.release()
        service.callback = change_state

    def _autostart(self) -> None:
        """Drive the node to active; a failed configure here ends the process (exit 1)."""
        self._autostart_timer.cancel()
        with self._transition_lock:
            self._autostarting = True
            try:
                if self.trigger_configure() == TransitionCallbackReturn.SUCCESS:
                    self.trigger_activate()
            except _rclpy.RCLError as exc:  # a transition requested from outside came first
                self.get_logger().warning(f'autostart: {exc}')
            finally:
                self._autostarting = False

    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Create outputs, subscribe camera_info, resolve and prepare the input size."""
        self._set_phase('configuring')
        s = self.settings
        self._stop.clear()
        try:
            if self._releasing:  # a signal came just before this transition
                raise StartupError('stopping')
            if not s.model:
                raise StartupError(f"parameter 'model' is empty: {MODEL_HELP}")
            self._create_entities(s)
            predictor = make_predictor(self._param_listener.values(), self.get_logger().info,
                                       self._on_build_progress)
            size = self._startup_size(predictor, s)
            self._start_worker(predictor, size)
            while not self._prepared.wait(0.1):
                if self._stop.is_set():
                    raise StartupError('stopped while preparing the model')
            if self._prepare_error:
                raise StartupError(self._prepare_error)
        except Exception as exc:  # every failure follows the contract: one line, FAILURE
            self._abandon_configure(exc)
            return TransitionCallbackReturn.FAILURE
        with self._lock:
            self._failure = ''
        self._set_phase('inactive')
        if self._predictor.is_random:
            self.get_logger().warning(RANDOM_WARNING)
        self.get_logger().info(f'configured: {self._predictor.describe()}, model {s.model}')
        return TransitionCallbackReturn.SUCCESS

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Publish results; subscribe to the camera while an output has a subscriber."""
        self._active.set()
        self._set_phase('active')
        self.get_logger().info(f'active: input {self._image_topic()} when an output is '
                               'subscribed')
        self._update_input()
        return TransitionCallbackReturn.SUCCESS

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Stop subscribing and inferring; keep the model."""
        self._active.clear()
        self._update_input()
        self._set_phase('inactive')
        return TransitionCallbackReturn.SUCCESS

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Free the model (GPU memory included) and the entities configure made."""
        self._active.clear()
        self._stop_worker(None)
        self._destroy_entities()
        self._set_phase('unconfigured')
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything from any state."""
        self.on_cleanup(state)
        self._set_phase('finalized')
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Recover to unconfigured after a failed transition."""
        self.on_cleanup(state)
        return TransitionCallbackReturn.SUCCESS

    def release(self, timeout: float) -> bool:
        """
        Stop the worker for process exit (SIGINT/SIGTERM or done), from any state.

        Cancels a build where the bindings allow. Returns False, after one log line, if the
        worker is still inside a call that cannot be interrupted ``timeout`` seconds later.
        """
        with self._lock:
            self._releasing = True  # no worker starts after this
        self._active.clear()
        return self._stop_worker(timeout)

    def _abandon_configure(self, exc: Exception) -> None:
        if self._releasing:
            return  # SIGINT/SIGTERM during configure: release() takes care of the rest
        reason = _reason(exc)
        self._stop_worker(None)
        self._destroy_entities()
        with self._lock:
            self._failure = reason
        self._set_phase('unconfigured')
        if self._autostarting:
            self.reason, self.exit_code = reason, 1  # the runner logs it and exits 1
        else:
            self.get_logger().error(f'configure failed: {reason}')

    def _set_phase(self, phase: str) -> None:
        with self._lock:
            self._phase = phase

    # ---- entities (executor threads only) ----------------------------------------------
    def _create_entities(self, s) -> None:
        overrides = QoSOverridingOptions.with_default_policies()
        for key, (topic, kind) in OUTPUTS.items():
            events = {} if self._matched is None else {'event_callbacks': self._matched}
            self._outputs[key] = self.create_publisher(kind, topic, output_qos(),
                                                       qos_overriding_options=overrides,
                                                       callback_group=self._timer_group,
                                                       **events)
        self._info_sub = self.create_subscription(
            CameraInfo, 'camera_info', self._on_camera_info, sensor_qos(INFO_DEPTH),
            qos_overriding_options=overrides, callback_group=self._input_group)
        # The camera subscription exists only while wanted; creating it once here applies
        # (and checks) its QoS overrides at configure, where a bad one fails the transition.
        self.destroy_subscription(self._create_image_subscription(s))

    def _create_image_subscription(self, s):
        kind = CompressedImage if s.transport == 'compressed' else Image
        return self.create_subscription(
            kind, self._image_topic(), self._on_image, sensor_qos(),
            qos_overriding_options=QoSOverridingOptions.with_default_policies(),
            callback_group=self._input_group)

    def _image_topic(self) -> str:
        return 'image/compressed' if self.settings.transport == 'compressed' else 'image'

    def _update_input(self) -> None:
        """Subscribe to the camera iff active and some output has a subscriber."""
        with self._input_lock:
            wanted = self._active.is_set() and not self._releasing and bool(self._wanted())
            if wanted and self._image_sub is None:
                self._freshness.reset()  # the input period is measured anew
                self._monitor.reset()  # and a new stream compared with its own frames
                self._image_sub = self._create_image_subscription(self.settings)
            elif not wanted and self._image_sub is not None:
                self.destroy_subscription(self._image_sub)
                self._image_sub = None
                self._slot.take(timeout=0)  # a frame left waiting would be stale later

    def _destroy_entities(self) -> None:
        with self._input_lock:
            if self._image_sub is not None:
                self.destroy_subscription(self._image_sub)
                self._image_sub = None
        if self._info_sub is not None:
            self.destroy_subscription(self._info_sub)
            self._info_sub = None
        for publisher in self._outputs.values():
            self.destroy_publisher(publisher)
        self._outputs = {}
        self._infos.clear()

    def _wanted(self) -> frozenset:
        return frozenset(key for key, pub in list(self._outputs.items())
                         if pub.get_subscription_count() > 0)

    # ---- start-up size and the worker ---------------------------------------------------
    def _startup_size(self, predictor: SaliencyPredictor, s):
        """
        Return the input size to prepare at configure.

        A set size, or the model's own; for size auto with a weights file, the size the
        first camera_info implies (240x320 if none arrives within ``camera_info_wait``).
        """
        if not predictor.auto:
            return predictor.default_size  # None: an engine, whose size is known once loaded
        info = self._infos.latest()
        deadline = time.monotonic() + s.camera_info_wait
        while info is None and time.monotonic() < deadline and not self._stop.is_set():
            time.sleep(0.02)
            info = self._infos.latest()
        if info is None:
            self.get_logger().info(f'no camera_info within {s.camera_info_wait} s: preparing '
                                   f'{DEFAULT_SIZE[0]}x{DEFAULT_SIZE[1]}')
            return DEFAULT_SIZE
        return predictor.size_for(info.expected_size)

    def _start_worker(self, predictor: SaliencyPredictor, size) -> None:
        self._prepared.clear()
        self._prepare_error = ''
        self._predictor = predictor
        self._slot = LatestSlot()
        with self._lock:
            if self._releasing:
                raise StartupError('stopping')
            self._worker = threading.Thread(target=self._prepare_then_work,
                                            args=(predictor, size), name='saliency_worker',
                                            daemon=True)
            self._worker.start()

    def _stop_worker(self, timeout: Optional[float]) -> bool:
        """Stop and join the worker (``timeout`` None: wait for it); False if it is stuck."""
        self._stop.set()
        if self._predictor is not None:
            self._predictor.cancel()
        self._slot.close()
        worker = self._worker
        if worker is None:
            return True
        worker.join(timeout)
        if worker.is_alive():
            with self._lock:
                busy = self._busy or 'a native call'
            self.get_logger().warning(
                f'the worker is still inside {busy} after {timeout} s; exiting without waiting '
                'for it (caches and engines are written atomically: nothing half-written '
                'remains)')
            return False
        self._worker = None
        self._predictor = None
        return True

    def _prepare_then_work(self, predictor: SaliencyPredictor, size) -> None:
        """Prepare the start-up size, then run frames; close the predictor in this thread."""
        try:
            try:
                self._set_busy(f'preparing {_size_text(size)} ({predictor.backend_name})')
                predictor.prepare(size)
            except Exception as exc:
                self._prepare_error = _reason(exc)
                return
            finally:
                self._set_busy('')
                self._prepared.set()
            self._work(predictor)
        finally:
            predictor.close()  # TensorRT/CUDA objects die in the thread that made them

    def _set_busy(self, what: str) -> None:
        with self._lock:
            self._busy = what

    def _on_build_progress(self, phase: str, step: int, steps: int) -> None:
        with self._lock:
            self._progress = f'{phase} {step}/{steps}'
        if steps and step % max(1, steps // 5) == 0:
            self.get_logger().info(f'building engine: {phase} {step}/{steps}')

    # ---- callbacks ----------------------------------------------------------------------
    def _on_camera_info(self, msg: CameraInfo) -> None:
        """Keep the geometry (converted once here, not per frame) under the info's stamp."""
        self._infos.put(messages.stamp_ns(msg.header.stamp), CameraGeometry.from_camera_info(msg))

    def _on_image(self, msg) -> None:
        """
        Check a frame on receipt and put it into the slot.

        A malformed raw image is rejected here, so it never replaces a good frame waiting
        for the worker (compressed payloads are checked when decoded). Stamps going back,
        size and encoding changes are counted and warned about; those frames are processed.
        """
        now = time.monotonic()
        self._stats['input'].add(now=now)
        self._count('received')
        compressed = isinstance(msg, CompressedImage)
        if not compressed:
            try:
                check_image_fields(msg.height, msg.width, msg.encoding, msg.step,
                                   len(msg.data))
            except ImageError as exc:
                self._count('rejected')
                self.get_logger().warning(f'rejected a frame: {exc}',
                                          throttle_duration_sec=WARN_EVERY_S)
                return
        for change in self._monitor.observe(
                messages.stamp_ns(msg.header.stamp), msg.format if compressed else msg.encoding,
                None if compressed else (msg.height, msg.width)):
            self._warn_change(change)
        self._freshness.arrived(now)
        if self._slot.put((msg, now)):
            self._count('dropped')

    def _warn_change(self, change: Change) -> None:
        """Count a change; each kind warns from its own call site (its own throttle)."""
        self._count(change.counter)
        log = self.get_logger()
        if change.counter == SIZE_CHANGED:
            log.warning(change.text, throttle_duration_sec=WARN_EVERY_S)
        elif change.counter == ENCODING_CHANGED:
            log.warning(change.text, throttle_duration_sec=WARN_EVERY_S)
        else:
            log.warning(change.text, throttle_duration_sec=WARN_EVERY_S)

    def _count(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    # ---- worker -------------------------------------------------------------------------
    def _work(self, predictor: SaliencyPredictor) -> None:
        failed: Dict[tuple, str] = {}  # sizes whose preparation failed while running
        while not self._stop.is_set():
            delay = self._pacer.delay(self.settings.max_rate)
            if delay > 0 and self._stop.wait(delay):
                break  # max_rate: wait for the next slot, then take the newest frame
            item = self._slot.take(timeout=0.2)
            if item is None or not self._active.is_set():
                continue
            msg, received = item
            picked = time.monotonic()
            period = self._freshness.period_s  # the input period its wait is judged by
            try:
                frame = self._decode(msg)
                size = predictor.size_for(frame.shape[:2])
                if not predictor.is_prepared(size):
                    self._prepare_new_size(predictor, size, failed)
                    continue
                self._pacer.started(picked)
                self._process(predictor, frame, msg.header, (received, picked, period))
            except ImageError as exc:
                self._count('rejected')
                self.get_logger().warning(f'rejected a frame: {exc}',
                                          throttle_duration_sec=WARN_EVERY_S)
            except Exception as exc:  # keep serving: one bad frame must not end the node
                if self._stop.is_set() or not self.context.ok():
                    break  # the process is ending (the context went with the signal)
                self._count('rejected')
                self.get_logger().error(f'inference failed: {type(exc).__name__}: {exc}',
                                        throttle_duration_sec=5.0)

    def _prepare_new_size(self, predictor: SaliencyPredictor, size, failed: Dict) -> None:
        """Prepare the size a new aspect ratio needs; its frames are dropped until ready."""
        if size in failed:
            raise ImageError(f'input size {_size_text(size)} could not be prepared: '
                             f'{failed[size]}')
        self._count('preparing')
        self.get_logger().info(f'a new aspect ratio: preparing {_size_text(size)}; its frames '
                               'are dropped until it is ready')
        self._set_busy(f'preparing {_size_text(size)} ({predictor.backend_name})')
        try:
            predictor.prepare(size)
        except Exception as exc:
            failed[size] = str(exc)
            self.get_logger().warning(f'preparing {_size_text(size)} failed: {exc}')
        finally:
            self._set_busy('')

    def _decode(self, msg):
        if isinstance(msg, CompressedImage):
            return compressed_to_rgb(bytes(msg.data), msg.format)
        return image_to_rgb(msg.height, msg.width, msg.encoding, msg.step, msg.is_bigendian,
                            msg.data)

    def _process(self, predictor: SaliencyPredictor, frame, header,
                 taken: Tuple[float, float, float]) -> None:
        """Compute, publish and judge one frame; ``taken``: its receipt, pick, input period."""
        s = self.settings
        wanted = self._wanted()
        request = OutputRequest(
            saliency_map=bool(wanted & MAP_OUTPUTS), fixations=bool(wanted & FIXATION_OUTPUTS),
            overlay=bool(wanted & OVERLAY_OUTPUTS), resolution=s.output_resolution,
            fixation_settings=FixationSettings(s.top_k, s.min_distance, s.threshold_abs,
                                               s.threshold_rel),
            overlay_colormap=s.overlay_colormap, overlay_opacity=s.overlay_opacity)
        if not request.anything:
            return
        # the frame's camera_info, taken now: by the end of a slow inference a fast camera's
        # infos of that stamp have left the buffer (30 Hz fills it in 1/3 s)
        early = self._infos.match(messages.stamp_ns(header.stamp))
        self._set_busy('inference')
        self.get_logger().debug(f'inference started: stamp {messages.stamp_ns(header.stamp)}')
        try:
            result = compute_outputs(predictor, frame, request)
        finally:
            self._set_busy('')
        self._count('inferred')
        if self._stop.is_set() or not self._active.is_set() or not self.context.ok():
            return  # stopping: publish (and log to /rosout, whose context may be gone) no more
        self.get_logger().debug(
            f'inference done: stamp {messages.stamp_ns(header.stamp)} ('
            + ', '.join(f'{stage} {ms:.1f} ms' for stage, ms in result.timings.items()) + ')')
        geometry = self._geometry_for(header, frame.shape[:2], early)
        self._publish(wanted, result, header, geometry, frame.shape[:2], s)
        self._record(header, taken, result.timings)

    def _geometry_for(self, header, shape, early: Optional[CameraGeometry] = None
                      ) -> Optional[CameraGeometry]:
        """
        Return the calibration of this image (camera_info with its stamp), if usable.

        ``early`` is the match found when the frame was picked; without one, a camera_info
        published after its image is waited for (``INFO_WAIT_S``).
        """
        self._check_optical_frame(header.frame_id)
        if early is None and len(self._infos) == 0:
            return None  # a camera without camera_info: no rays, nothing to warn about
        geometry = early or self._infos.match(messages.stamp_ns(header.stamp),
                                              timeout=INFO_WAIT_S)
        if geometry is None:
            self._count('info_unmatched')
            self.get_logger().warning('no camera_info with the stamp of the image: no rays',
                                      throttle_duration_sec=5.0)
            return None
        if geometry.expected_size != tuple(shape):  # each reason has a throttled warning
            self._count('info_mismatched')
            self.get_logger().warning(
                f'camera_info describes a {_size_text(geometry.expected_size)} image '
                f'(after binning and ROI), the image is {_size_text(shape)}: no rays',
                throttle_duration_sec=5.0)
            return None
        if not geometry.calibrated:
            self._count('info_mismatched')
            self.get_logger().warning('camera_info is uncalibrated (K[0] = 0): no rays',
                                      throttle_duration_sec=5.0)
            return None
        try:  # a distortion model or projection rays cannot use: said once here, not per ray
            geometry.rays([(0.0, 0.0)], self.settings.rectified)
        except ParameterError as exc:
            self._count('info_mismatched')
            self.get_logger().warning(f'camera_info gives no rays: {exc}',
                                      throttle_duration_sec=5.0)
            return None
        return geometry

    def _check_optical_frame(self, frame_id: str) -> None:
        if not self._warned_frame and 'optical' not in frame_id:
            self._warned_frame = True
            self.get_logger().warning(
                f'images are stamped {frame_id!r}, not an optical frame: rays and markers assume '
                'REP-103 optical axes (z forward, x right, y down); publish images in the '
                "camera's optical frame (Gazebo: the sensor's <gz_frame_id>)")

    def _publish(self, wanted, result: SaliencyOutputs, header, geometry, shape, s) -> None:
        out = self._outputs
        if result.saliency_map is not None:
            saliency = result.saliency_map
            if 'map' in wanted:
                out['map'].publish(messages.image_msg(saliency, '32FC1', header))
            if 'mono' in wanted:
                out['mono'].publish(messages.image_msg(to_mono8(saliency), 'mono8', header))
            if 'map_info' in wanted:
                map_geometry = geometry if result.map_axes is None or geometry is None else \
                    geometry.resampled(*result.map_axes, *saliency.shape)
                out['map_info'].publish(messages.camera_info_msg(map_geometry, header,
                                                                 *saliency.shape))
        if result.overlay is not None:
            if 'overlay' in wanted:
                out['overlay'].publish(messages.image_msg(result.overlay, 'rgb8', header))
            if 'overlay_info' in wanted:
                out['overlay_info'].publish(messages.camera_info_msg(geometry, header, *shape))
        fixations = result.fixations
        rays = geometry.rays([(f.x, f.y) for f in fixations], s.rectified) \
            if geometry is not None and fixations else None
        if 'fixation' in wanted:
            out['fixation'].publish(messages.fixations_msg(fixations[:1], header))
        if 'fixations' in wanted:
            out['fixations'].publish(messages.fixations_msg(fixations, header))
        if 'markers' in wanted:
            out['markers'].publish(messages.fixation_markers(fixations, rays, header,
                                                             s.ray_length))
        if 'ray' in wanted and rays is not None:
            out['ray'].publish(messages.ray_msg(rays[0], header))

    def _record(self, header, taken: Tuple[float, float, float], timings) -> None:
        """Judge the result's freshness (see :mod:`msinet_ros.freshness`) and count it."""
        received, picked, period = taken
        published = time.monotonic()
        now_ns = self.get_clock().now().nanoseconds
        stamp_age = stamp_age_s(now_ns, messages.stamp_ns(header.stamp))
        # a clock at zero (use_sim_time before the first /clock) cannot judge stamps
        self._freshness.max_stamp_age_s = self.settings.max_stamp_age if now_ns else 0.0
        verdict = self._freshness.judge(received, picked, published, stamp_age, period)
        self._count('published')
        if verdict.late:
            self._count('late')
            self._stats['late'].add(now=published)
            self.get_logger().warning(f'late result: {verdict.describe()}',
                                      throttle_duration_sec=5.0)
        if verdict.stamp_late or verdict.stamp_future:
            self._count('stamp_late')
            self.get_logger().warning(f'old or future header.stamp: {verdict.describe()}',
                                      throttle_duration_sec=5.0)
            self._stats['stamp_late'].add(now=published)
        self._stats['output'].add(now=published)
        self._stats['latency'].add(timings.get('inference', 0.0), published)
        self._stats['age'].add(verdict.age_s * 1e3, published)
        self._stats['processing'].add(verdict.processing_s * 1e3, published)
        if stamp_age is not None:
            self._stats['stamp_age'].add(stamp_age * 1e3, published)

    # ---- diagnostics --------------------------------------------------------------------
    def _publish_diagnostics(self) -> None:
        """Publish one status as diagnostic_updater names it (``node: task``)."""
        with self._lock:
            phase, failure, progress = self._phase, self._failure, self._progress
            counts = dict(self._counts)
        predictor = self._predictor
        s = self.settings
        # the fully qualified name (diagnostic_updater's use_fqn): one node per camera namespace
        status = DiagnosticStatus(name=f'{self.get_fully_qualified_name()}: saliency',
                                  hardware_id=predictor.hardware if predictor else 'none')
        problems = []
        subscribed = self._image_sub is not None
        if phase == 'active':
            if self._stats['late'].count():
                problems.append('results older than their bound (processing + input period '
                                '+ margin) in the last 5 s')
            if self._stats['stamp_late'].count():
                problems.append(f'results published more than {s.max_stamp_age} s after '
                                'their header.stamp in the last 5 s')
            if subscribed and s.min_output_rate > 0 and \
                    self._stats['output'].rate() < s.min_output_rate:
                problems.append(f'output rate below {s.min_output_rate} Hz')
            if predictor is not None and predictor.is_random:
                problems.append('seeded random weights: maps are meaningless')
        if failure and phase == 'unconfigured':
            status.level, status.message = DiagnosticStatus.ERROR, f'configure failed: {failure}'
        else:
            status.level = DiagnosticStatus.WARN if problems else DiagnosticStatus.OK
            status.message = '; '.join(problems) or phase
        values = {'state': phase, 'backend': s.backend, 'model': s.model,
                  'runs': predictor.describe() if predictor is not None else '',
                  'build progress': progress, 'input subscribed': str(subscribed).lower(),
                  'input rate (Hz)': f'{self._stats["input"].rate():.2f}',
                  'output rate (Hz)': f'{self._stats["output"].rate():.2f}',
                  'input period (ms)': f'{self._freshness.period_s * 1e3:.1f}',
                  'inference p50 (ms)': f'{self._stats["latency"].percentile(50):.1f}',
                  'inference p95 (ms)': f'{self._stats["latency"].percentile(95):.1f}',
                  'result age p50 (ms)': f'{self._stats["age"].percentile(50):.1f}',
                  'result age max (ms)': f'{self._stats["age"].maximum():.1f}',
                  'processing max (ms)': f'{self._stats["processing"].maximum():.1f}',
                  'stamp age p50 (ms)': f'{self._stats["stamp_age"].percentile(50):.1f}',
                  'stamp age max (ms)': f'{self._stats["stamp_age"].maximum():.1f}',
                  **{f'frames {name}': str(count) for name, count in counts.items()}}
        status.values = [KeyValue(key=k, value=str(v)) for k, v in values.items()]
        array = DiagnosticArray(status=[status])
        array.header.stamp = self.get_clock().now().to_msg()
        self._diagnostics.publish(array)


def _reason(exc: Exception) -> str:
    """Return the one line a failure is reported with (our errors already say what to do)."""
    return str(exc) if isinstance(exc, MsinetError) else f'{type(exc).__name__}: {exc}'


def _size_text(size) -> str:
    return f'{size[0]}x{size[1]}' if size else 'its own size'


def _executor() -> NodeExecutor:
    # configure may hold one thread for a build; the others serve lifecycle, parameter and
    # diagnostics callbacks, camera_info and images
    return NodeExecutor(num_threads=4)


main = main_for('saliency_node', SaliencyNode, _executor)
