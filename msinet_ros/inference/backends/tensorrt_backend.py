"""The production backend on NVIDIA GPUs and Jetson: a TensorRT engine, built and cached."""

from pathlib import Path
from typing import Optional, Tuple

import numpy as np

from .base import Backend, BackendOptions
from ..tensorrt.builder import build_engine, TRT_HOW
from ..tensorrt.cache import load_or_build
from ..tensorrt.cuda_memory import CudaContext
from ..tensorrt.planning import EngineKey, GpuInfo
from ..tensorrt.runtime import EngineRunner
from ...errors import require
from ...files import file_sha256
from ...model.onnx_export import read_metadata
from ...paths import cache_dir

ENGINE_SUFFIXES = ('.engine', '.plan', '.trt')


class TensorRTBackend(Backend):
    """Runs an engine given as a file, or built from an ONNX file into the cache directory."""

    name = 'tensorrt'

    def __init__(self, model_path: Path, options: BackendOptions):
        trt = require('tensorrt', TRT_HOW)
        model_path = Path(model_path)
        ctx = CudaContext()

        def load(data: bytes) -> EngineRunner:
            return EngineRunner(data, options.max_batch, ctx)

        if model_path.suffix in ENGINE_SUFFIXES:
            self.engine_path = model_path
            self._runner = load_or_build(model_path, load, None, False, options.log)
        else:
            meta = read_metadata(model_path)
            height, width = (int(v) for v in meta['export_input_size'].split('x'))
            onnx_fp16 = meta.get('export_precision') == 'fp16'
            with ctx.active():
                gpu = GpuInfo(ctx.name(), tuple(ctx.compute_capability()), ctx.multiprocessors())
            key = EngineKey(file_sha256(model_path), height, width, options.max_batch,
                            'fp16' if onnx_fp16 else options.precision, options.workspace_mib,
                            trt.__version__, gpu)
            folder = cache_dir(options.cache_dir or None)

            def build() -> bytes:
                return build_engine(model_path, key, folder / 'msinet.timing.cache', onnx_fp16,
                                    options.progress, options.cancel)

            self.engine_path = folder / key.filename()
            self._runner = load_or_build(self.engine_path, load, build, options.allow_rebuild,
                                         options.log)

    @property
    def input_size(self) -> Optional[Tuple[int, int]]:
        """Return the engine's fixed (height, width)."""
        return self._runner.plan.height, self._runner.plan.width

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the engine."""
        return self._runner.infer(batch)

    def close(self) -> None:
        """Free GPU memory."""
        self._runner.close()
