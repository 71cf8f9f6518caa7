"""
Build a serialized TensorRT engine from an MSI-Net ONNX (TensorRT 8.6, 10.x and 11).

Every call whose failure TensorRT reports by a return value (parse, profile, timing cache,
build) is checked and turned into an error that names the cause. Version differences are
decided by :class:`.planning.Capabilities`:

* precision: fp32 with TF32 cleared; fp16 by ``BuilderFlag.FP16`` with the global pool and the
  normalisation pinned to fp32 (8.6, 10.x), or strongly typed from an fp16 ONNX (9.1 on; the
  only way on 11); int8 from a QDQ ONNX (explicit quantization) with ``BuilderFlag.INT8``
  (8.6, 10.x; plus FP16 and the pins when fp16 is asked for), or strongly typed on 11, which
  has no INT8 flag;
* progress: ``IProgressMonitor`` (9.1 on) reports phases and cancels the build between steps;
  TensorRT 8.6 has no monitor, so progress is the elapsed time and a build cannot be cancelled
  once started.
"""

from dataclasses import dataclass
from pathlib import Path
import threading
import time
from typing import Callable, List, Optional

from . import timing_cache
from .planning import Capabilities, PrecisionRecipe, profile_shapes
from ...errors import BuildCancelled, ModelFormatError
from ...model.onnx_export import FP32_NODES

# progress(phase, step, steps) is called as the build advances (steps 0: unknown)
Progress = Callable[[str, int, int], None]
ELAPSED_PHASE = 'building (TensorRT 8.6 reports no steps; seconds elapsed)'
ELAPSED_EVERY_S = 5.0  # how often the elapsed time is reported without a progress monitor


@dataclass(frozen=True)
class BuildSettings:
    """What one build takes besides the ONNX."""

    height: int
    width: int
    max_batch: int
    fixed_batch: Optional[int]  # the ONNX's fixed batch, None if dynamic
    recipe: PrecisionRecipe
    workspace_mib: int
    timing_cache: Path


def build_engine(trt, caps: Capabilities, logger, onnx_path: Path, settings: BuildSettings,
                 log: Callable[[str], None], progress: Optional[Progress] = None,
                 cancel: Optional[threading.Event] = None) -> bytes:
    """Parse the ONNX, build and return the serialized engine; reuse and update the cache."""
    cancel = cancel or threading.Event()
    builder = trt.Builder(logger)
    network = builder.create_network(_network_flags(trt, caps, settings.recipe))
    parser = trt.OnnxParser(network, logger)
    # with its path, so external data resolves beside the model (checked there by
    # model.trust), not in the working directory
    if not parser.parse(Path(onnx_path).read_bytes(), str(onnx_path)):
        errors = '; '.join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ModelFormatError(f'TensorRT could not parse {onnx_path}: {errors}')
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, settings.workspace_mib << 20)
    _set_precision(trt, caps, network, config, settings.recipe)
    _add_profile(builder, network, config, settings)
    timing_cache.attach(config, settings.timing_cache, log)
    failure: List[BaseException] = []
    if caps.progress_monitor:
        config.progress_monitor = _monitor_class(trt)(progress, cancel, failure)
        serialized = _build(builder, network, config, cancel)
    else:
        serialized = _build_reporting_time(builder, network, config, progress, cancel,
                                           failure)
    if failure:
        raise failure[0]  # an error of the progress callback, as itself
    if cancel.is_set():
        raise BuildCancelled('engine build cancelled')
    if serialized is None:
        raise ModelFormatError(f'TensorRT failed to build an engine from {onnx_path} (see the '
                               'TensorRT messages above)')
    timing_cache.store(config, settings.timing_cache, log)
    return bytes(serialized)


def _network_flags(trt, caps: Capabilities, recipe: PrecisionRecipe) -> int:
    flags = 0
    if caps.explicit_batch_flag:
        flags |= 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    if recipe.strongly_typed:
        flags |= 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    return flags


def _set_precision(trt, caps: Capabilities, network, config, recipe: PrecisionRecipe) -> None:
    """Clear TF32 (on by default: "fp32" would not be fp32); set INT8, FP16 and pin fp32 layers."""
    if caps.tf32_flag:
        config.clear_flag(trt.BuilderFlag.TF32)
    if recipe.int8_flag:  # explicit quantization: the Q/DQ scales, no calibrator
        config.set_flag(trt.BuilderFlag.INT8)
    if not recipe.fp16_flag:
        return
    config.set_flag(trt.BuilderFlag.FP16)
    config.set_flag(trt.BuilderFlag.OBEY_PRECISION_CONSTRAINTS)
    pinned = 0
    for index in range(network.num_layers):
        layer = network.get_layer(index)
        if layer.name.startswith(FP32_NODES):
            layer.precision = trt.DataType.FLOAT
            for output in range(layer.num_outputs):
                layer.set_output_type(output, trt.DataType.FLOAT)
            pinned += 1
    if pinned == 0:
        raise ModelFormatError('found none of the global-pool and normalisation layers to keep '
                               'in fp32 (is this ONNX from `msinet export`?); build it in fp32')


def _add_profile(builder, network, config, settings: BuildSettings) -> None:
    if network.num_inputs != 1:
        raise ModelFormatError(f'the network has {network.num_inputs} inputs; MSI-Net has one')
    name = network.get_input(0).name
    shapes = profile_shapes(settings.height, settings.width, settings.max_batch,
                            settings.fixed_batch)
    profile = builder.create_optimization_profile()
    try:
        profile.set_shape(name, *shapes)
    except RuntimeError as exc:  # the bindings raise for min > opt > max
        raise ModelFormatError(f'TensorRT refused the optimisation profile {shapes} for input '
                               f'{name!r}: {exc}') from exc
    if config.add_optimization_profile(profile) < 0:
        raise ModelFormatError(f'TensorRT refused the optimisation profile {shapes} for input '
                               f'{name!r} (see the TensorRT messages above)')


def _build(builder, network, config, cancel: threading.Event):
    if cancel.is_set():
        return None
    return builder.build_serialized_network(network, config)


def _build_reporting_time(builder, network, config, progress: Optional[Progress],
                          cancel: threading.Event, failure: List[BaseException]):
    """Build without a progress monitor (8.6): report elapsed seconds from a side thread."""
    if progress is None:
        return _build(builder, network, config, cancel)
    done = threading.Event()

    def tick() -> None:
        start = time.monotonic()
        while not failure and not done.wait(ELAPSED_EVERY_S):
            try:
                progress(ELAPSED_PHASE, int(time.monotonic() - start), 0)
            except BaseException as exc:  # noqa: B902 - raised by build_engine after the build
                failure.append(exc)

    ticker = threading.Thread(target=tick, name='tensorrt_build_clock', daemon=True)
    ticker.start()
    try:
        return _build(builder, network, config, cancel)
    finally:
        done.set()
        ticker.join()


def _monitor_class(trt):
    """Return an IProgressMonitor subclass (TensorRT >= 9.1) that reports and can cancel."""
    class Monitor(trt.IProgressMonitor):
        def __init__(self, progress: Optional[Progress], cancel: threading.Event,
                     failure: List[BaseException]):
            trt.IProgressMonitor.__init__(self)
            self._progress, self._cancel, self._failure = progress, cancel, failure
            self._steps = {}

        def phase_start(self, phase_name, parent_phase, num_steps):
            self._steps[phase_name] = num_steps

        def step_complete(self, phase_name, step):
            # The bindings turn an exception raised here into False (cancel) and print it;
            # keep it so that the build fails with this error, not "failed to build".
            try:
                if self._progress is not None:
                    self._progress(phase_name, step + 1, self._steps.get(phase_name, 0))
            except BaseException as exc:  # noqa: B902 - re-raised after the build
                self._failure.append(exc)
                return False
            return not self._cancel.is_set()  # False cancels the build

        def phase_finish(self, phase_name):
            self._steps.pop(phase_name, None)

    return Monitor
