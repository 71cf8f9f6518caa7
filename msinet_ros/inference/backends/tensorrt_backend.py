"""The production backend on NVIDIA GPUs and Jetson: a TensorRT engine, built and cached."""

from pathlib import Path
import threading
from typing import Optional, Tuple

import numpy as np

from .base import Backend, BackendOptions, TensorRTOptions
from ..tensorrt import bindings
from ..tensorrt.builder import build_engine, BuildSettings
from ..tensorrt.cache import load_or_build
from ..tensorrt.cuda_memory import CudaContext
from ..tensorrt.planning import EngineKey, export_precision, precision_recipe
from ..tensorrt.runtime import EngineRunner
from ...errors import BuildCancelled, ModelFormatError
from ...files import file_sha256
from ...model import onnx_export
from ...model.source import ENGINE, kind_of
from ...paths import cache_dir


class TensorRTBackend(Backend):
    """Runs an engine given as a file, or built from an ONNX file into the cache directory."""

    @classmethod
    def export_precision(cls, options: BackendOptions, own_options: Optional[object]) -> str:
        """Return fp32 where the FP16 builder flag exists (8.6, 10.x), else fp16 (11)."""
        return export_precision(bindings.capabilities(bindings.load()), options.precision)

    def __init__(self, model_path: Path, options: BackendOptions,
                 own_options: TensorRTOptions = TensorRTOptions(),
                 cancel: Optional[threading.Event] = None):
        trt = bindings.load()
        caps = bindings.capabilities(trt)
        logger = bindings.process_logger(trt, options.log, own_options.log_level)
        cancel = cancel or threading.Event()
        model_path = Path(model_path)
        self._ctx = ctx = CudaContext(options.device_index)
        with ctx.active():
            gpu = ctx.gpu_info()

        def load(data: bytes) -> EngineRunner:
            return EngineRunner(trt, logger, data, options.max_batch, ctx)

        if kind_of(model_path) == ENGINE:
            self.engine_path = model_path
            self.precision = 'as built (engine file)'
            self._runner = load_or_build(model_path, load, None, False, options.log)
        else:
            info = onnx_export.describe(model_path)
            size = info.size
            if size is None:
                raise ModelFormatError(f'{model_path} has no fixed input size')
            recipe = precision_recipe(caps, options.precision, info.precision)
            if info.precision == 'int8':
                onnx_export.check_symmetric_int8(model_path)  # before any build or cache use
            key = EngineKey(file_sha256(model_path), *size, options.max_batch, recipe.label,
                            own_options.workspace_mib, trt.__version__, gpu,
                            options.device_index)
            folder = cache_dir(options.cache_dir or None)
            settings = BuildSettings(*size, options.max_batch, info.fixed_batch, recipe,
                                     own_options.workspace_mib,
                                     folder / key.timing_cache_name())

            def build() -> bytes:
                with ctx.active():
                    return build_engine(trt, caps, logger, model_path, settings, options.log,
                                        own_options.progress, cancel)

            self.engine_path = folder / key.filename()
            self.precision = recipe.describe()
            try:
                self._runner = load_or_build(self.engine_path, load, build,
                                             own_options.allow_rebuild, options.log, cancel)
            except InterruptedError as exc:
                raise BuildCancelled(str(exc)) from exc
        self.hardware = gpu.name
        self._description = (f'tensorrt {trt.__version__} on {gpu.name} '
                             f'(GPU {options.device_index}), {self.precision}')

    @property
    def input_size(self) -> Optional[Tuple[int, int]]:
        """Return the engine's fixed (height, width)."""
        return self._runner.plan.height, self._runner.plan.width

    def describe(self) -> str:
        """Return the TensorRT version, GPU and the engine's real precision."""
        return self._description

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the engine."""
        return self._runner.infer(batch)

    def close(self) -> None:
        """Free GPU memory (idempotent)."""
        self._runner.close()
