"""
CUDA context, stream and buffers through pycuda (the one module that imports it).

The primary context of the GPU is retained rather than created with ``pycuda.autoinit``, whose
context belongs to the importing thread: :class:`CudaContext` is pushed around each use, so the
worker thread that runs inference can use it (the usual pycuda pitfall with ROS executors).
TensorRT, which uses the CUDA runtime, works in the same primary context.
"""

from contextlib import contextmanager
from typing import Iterator

import numpy as np

from .planning import GpuInfo
from ...errors import DeviceMemoryError, ParameterError, require

OOM_HINT = ('free GPU memory (other processes, other engines or sizes) or use a smaller '
            'max_batch')

PYCUDA_HOW = ('the tensorrt backend needs pycuda: `pip install pycuda`, which compiles against '
              'the CUDA toolkit (on Jetson too: JetPack has the toolkit but not pycuda; put '
              '/usr/local/cuda/bin on PATH first)')


class CudaContext:
    """The primary context of one GPU, usable from any thread."""

    def __init__(self, device_index: int = 0):
        self.cuda = require('pycuda.driver', PYCUDA_HOW)
        self.cuda.init()
        count = self.cuda.Device.count()
        if not 0 <= device_index < count:
            raise ParameterError(f'device_index {device_index} does not exist: this machine '
                                 f'has {count} CUDA device(s)')
        self.device_index = device_index
        self.device = self.cuda.Device(device_index)
        self._context = self.device.retain_primary_context()

    @contextmanager
    def active(self) -> Iterator[None]:
        """Make the context current in this thread for the duration of the block."""
        self._context.push()
        try:
            yield
        finally:
            self.cuda.Context.pop()

    def gpu_info(self) -> GpuInfo:
        """Return what engines built on this GPU are specific to."""
        return GpuInfo(self.device.name(), tuple(self.device.compute_capability()),
                       self.device.get_attribute(
                           self.cuda.device_attribute.MULTIPROCESSOR_COUNT))

    def new_stream(self):
        """Return a new CUDA stream (the context must be active)."""
        return self.cuda.Stream()


class Buffers:
    """A pinned host array and a device allocation of the same size, and async copies."""

    def __init__(self, ctx: CudaContext, shape, dtype=np.float32):
        cuda = ctx.cuda
        mib = int(np.prod(shape)) * np.dtype(dtype).itemsize / (1 << 20)
        try:
            self.host = cuda.pagelocked_empty(shape, dtype)
        except cuda.MemoryError as exc:
            raise DeviceMemoryError(f'cannot allocate {mib:.1f} MiB of pinned host memory for '
                                    f'a {tuple(shape)} buffer ({exc}); {OOM_HINT}') from exc
        try:
            self.device = cuda.mem_alloc(self.host.nbytes)
        except cuda.MemoryError as exc:
            self.host.base.free()
            raise DeviceMemoryError(f'out of GPU memory allocating {mib:.1f} MiB for a '
                                    f'{tuple(shape)} buffer ({exc}); {OOM_HINT}') from exc
        self._cuda = cuda

    def to_device(self, stream, count: int) -> None:
        """Copy the first ``count`` items (along axis 0) host → device, asynchronously."""
        self._cuda.memcpy_htod_async(self.device, self.host[:count], stream)

    def to_host(self, stream, count: int) -> None:
        """Copy the first ``count`` items device → host, asynchronously."""
        self._cuda.memcpy_dtoh_async(self.host[:count], self.device, stream)

    def free(self) -> None:
        """Release device and pinned host memory (call with the context active)."""
        self.device.free()
        self.host.base.free()
