"""Build a serialized TensorRT engine from the exported ONNX (TensorRT 8.6, 10.x and 11)."""

from pathlib import Path
import threading
from typing import Callable, Optional

from .planning import EngineKey, fp16_strategy, profile_shapes
from ...errors import ModelFormatError, MsinetError, require

TRT_HOW = ('the tensorrt backend needs TensorRT: JetPack on Jetson (system Python; use a venv '
           'with --system-site-packages), the tensorrt wheels from NVIDIA on x86')

# progress(phase, step, steps) is called as the build advances
Progress = Callable[[str, int, int], None]


class BuildCancelled(MsinetError):
    """The build was cancelled (e.g. the node is shutting down)."""


def tensorrt_major(trt) -> int:
    """Return the major version of the imported TensorRT module."""
    return int(trt.__version__.split('.')[0])


def _monitor_class(trt):
    """Return an IProgressMonitor subclass (TensorRT >= 10) that reports and can cancel."""
    class Monitor(trt.IProgressMonitor):
        def __init__(self, progress: Optional[Progress], cancel: threading.Event):
            trt.IProgressMonitor.__init__(self)
            self._progress, self._cancel, self._steps = progress, cancel, {}

        def phase_start(self, phase_name, parent_phase, num_steps):
            self._steps[phase_name] = num_steps

        def step_complete(self, phase_name, step):
            if self._progress is not None:
                self._progress(phase_name, step + 1, self._steps.get(phase_name, 0))
            return not self._cancel.is_set()  # False cancels the build

        def phase_finish(self, phase_name):
            self._steps.pop(phase_name, None)

    return Monitor


def build_engine(onnx_path: Path, key: EngineKey, timing_cache: Path, onnx_is_fp16: bool,
                 progress: Optional[Progress] = None,
                 cancel: Optional[threading.Event] = None) -> bytes:
    """Parse the ONNX, build and return the serialized engine; reuse and update the cache."""
    trt = require('tensorrt', TRT_HOW)
    cancel = cancel or threading.Event()
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    strategy = fp16_strategy(tensorrt_major(trt), key.precision, onnx_is_fp16)
    flags = 0
    if tensorrt_major(trt) < 10:  # explicit batch is the only mode from TensorRT 10 on
        flags |= 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    if strategy == 'strongly_typed':
        flags |= 1 << int(trt.NetworkDefinitionCreationFlag.STRONGLY_TYPED)
    network = builder.create_network(flags)
    parser = trt.OnnxParser(network, logger)
    if not parser.parse(Path(onnx_path).read_bytes()):
        errors = '; '.join(str(parser.get_error(i)) for i in range(parser.num_errors))
        raise ModelFormatError(f'TensorRT could not parse {onnx_path}: {errors}')
    config = builder.create_builder_config()
    config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, key.workspace_mib << 20)
    if strategy == 'builder_flag':
        config.set_flag(trt.BuilderFlag.FP16)
    cache = config.create_timing_cache(timing_cache.read_bytes() if timing_cache.is_file()
                                       else b'')
    config.set_timing_cache(cache, ignore_mismatch=False)
    profile = builder.create_optimization_profile()
    profile.set_shape(network.get_input(0).name,
                      *profile_shapes(key.height, key.width, key.max_batch))
    config.add_optimization_profile(profile)
    if hasattr(trt, 'IProgressMonitor'):
        config.progress_monitor = _monitor_class(trt)(progress, cancel)
    serialized = builder.build_serialized_network(network, config)
    if cancel.is_set():
        raise BuildCancelled('engine build cancelled')
    if serialized is None:
        raise ModelFormatError(f'TensorRT failed to build an engine from {onnx_path} (see the '
                               'TensorRT log above)')
    timing_cache.write_bytes(bytes(config.get_timing_cache().serialize()))
    return bytes(serialized)
