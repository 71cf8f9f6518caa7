"""Run a serialized MSI-Net engine with the TensorRT 10 API (also present in 8.6)."""

from typing import Optional

import numpy as np

from .builder import TRT_HOW
from .cuda_memory import Buffers, CudaContext, new_stream
from .planning import EngineMismatchError, IOPlan, plan_io, TensorInfo
from ...errors import require


class EngineRunner:
    """One engine, one execution context, one stream, buffers allocated once."""

    def __init__(self, engine_bytes: bytes, max_batch: int, ctx: Optional[CudaContext] = None):
        self._trt = trt = require('tensorrt', TRT_HOW)
        self._ctx = ctx or CudaContext()
        with self._ctx.active():
            self._runtime = trt.Runtime(trt.Logger(trt.Logger.WARNING))
            self._engine = self._runtime.deserialize_cuda_engine(engine_bytes)
            if self._engine is None:
                raise EngineMismatchError('the engine does not deserialize: it was built by '
                                          'another TensorRT version or for another GPU')
            self.plan: IOPlan = plan_io([self._describe(i) for i in
                                         range(self._engine.num_io_tensors)], max_batch)
            self._context = self._engine.create_execution_context()
            self._stream = new_stream(self._ctx)
            p = self.plan
            self._input = Buffers(self._ctx, (max_batch, 3, p.height, p.width))
            self._output = Buffers(self._ctx, (max_batch, 1, p.height, p.width))
            self._context.set_tensor_address(p.input_name, int(self._input.device))
            self._context.set_tensor_address(p.output_name, int(self._output.device))

    def _describe(self, index: int) -> TensorInfo:
        trt, engine = self._trt, self._engine
        name = engine.get_tensor_name(index)
        return TensorInfo(name, engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT,
                          tuple(engine.get_tensor_shape(name)),
                          np.dtype(trt.nptype(engine.get_tensor_dtype(name))).itemsize)

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Copy in, execute, copy out; the caller's thread may be any thread."""
        count = batch.shape[0]
        p = self.plan
        with self._ctx.active():
            self._input.host[:count] = batch
            self._context.set_input_shape(p.input_name, (count, 3, p.height, p.width))
            self._input.to_device(self._stream, count)
            if not self._context.execute_async_v3(self._stream.handle):
                raise RuntimeError('TensorRT execution failed')
            self._output.to_host(self._stream, count)
            self._stream.synchronize()
        return self._output.host[:count].copy()

    def close(self) -> None:
        """Free buffers, context and engine."""
        with self._ctx.active():  # pycuda objects must die with their context current
            self._input.free()
            self._output.free()
            self._stream = self._context = self._engine = self._runtime = None
