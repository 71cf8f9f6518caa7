"""Run a serialized MSI-Net engine with the name-based I/O API (TensorRT 8.6, 10.x and 11)."""

from typing import Optional

import numpy as np

from .cuda_memory import Buffers, CudaContext, OOM_HINT
from .planning import EngineMismatchError, IOPlan, plan_io, TensorInfo
from ...errors import DeviceMemoryError, MsinetError


class EngineRunner:
    """One engine, one execution context, one stream, buffers allocated once."""

    def __init__(self, trt, logger, engine_bytes: bytes, max_batch: int, ctx: CudaContext):
        self._trt, self._ctx = trt, ctx
        self._input: Optional[Buffers] = None
        self._output: Optional[Buffers] = None
        self._context = self._engine = self._runtime = self._stream = None
        with ctx.active():
            try:
                self._open(logger, engine_bytes, max_batch)
            except BaseException:
                self._release()
                raise

    def _open(self, logger, engine_bytes: bytes, max_batch: int) -> None:
        self._runtime = self._trt.Runtime(logger)
        self._engine = self._runtime.deserialize_cuda_engine(engine_bytes)
        if self._engine is None:
            raise EngineMismatchError('the engine does not deserialize: it is damaged, or was '
                                      'built by another TensorRT version or for another GPU')
        self.plan: IOPlan = plan_io([self._describe(i) for i in
                                     range(self._engine.num_io_tensors)], max_batch)
        self._context = self._engine.create_execution_context()
        if self._context is None:
            raise DeviceMemoryError('TensorRT could not create an execution context (out of GPU '
                                    f'memory; see the TensorRT messages); {OOM_HINT}')
        p = self.plan
        rows = p.fixed_batch or max_batch
        self._stream = self._ctx.new_stream()
        self._input = Buffers(self._ctx, (rows, 3, p.height, p.width))
        self._output = Buffers(self._ctx, (rows, 1, p.height, p.width))
        self._context.set_tensor_address(p.input_name, int(self._input.device))
        self._context.set_tensor_address(p.output_name, int(self._output.device))

    def _describe(self, index: int) -> TensorInfo:
        trt, engine = self._trt, self._engine
        name = engine.get_tensor_name(index)
        dtype = engine.get_tensor_dtype(name)
        return TensorInfo(name, engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT,
                          tuple(engine.get_tensor_shape(name)),
                          getattr(dtype, 'name', str(dtype).rsplit('.', 1)[-1]))

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Copy in, execute, copy out; the caller's thread may be any thread."""
        if self._context is None:
            raise MsinetError('the TensorRT engine was closed')
        count, p = batch.shape[0], self.plan
        if count > self.plan.max_batch:
            raise MsinetError(f'batch of {count} exceeds max_batch {self.plan.max_batch}')
        rows = p.fixed_batch or count  # a fixed-batch engine always runs all its rows
        with self._ctx.active():
            self._input.host[:count] = batch
            self._input.host[count:rows] = 0.0
            if not self._context.set_input_shape(p.input_name, (rows, 3, p.height, p.width)):
                raise MsinetError(f'TensorRT refused the input shape ({rows}, 3, {p.height}, '
                                  f'{p.width})')
            self._input.to_device(self._stream, rows)
            if not self._context.execute_async_v3(self._stream.handle):
                raise MsinetError('TensorRT execution failed (see the TensorRT messages)')
            self._output.to_host(self._stream, rows)
            self._stream.synchronize()
        return self._output.host[:count].copy()

    def close(self) -> None:
        """Free buffers, context and engine (with the CUDA context current); idempotent."""
        with self._ctx.active():
            self._release()

    def _release(self) -> None:
        for buffers in (self._input, self._output):
            if buffers is not None:
                buffers.free()
        self._input = self._output = None
        self._stream = self._context = self._engine = self._runtime = None
