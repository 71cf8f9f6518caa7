"""
TensorRT support, kept thin: pure planning logic here, the TensorRT and CUDA calls isolated.

* :mod:`.planning` — engine cache keys, optimisation profiles, I/O bookkeeping, the FP16
  strategy per TensorRT version (no TensorRT needed; unit-tested on any machine);
* :mod:`.cuda_memory` — the CUDA context, stream and pinned/device buffers (pycuda, confined
  here so that it can be swapped for cuda-python);
* :mod:`.builder` — ONNX → serialized engine with the TensorRT Python API;
* :mod:`.runtime` — one execution context, ``execute_async_v3`` on a stream, no per-frame
  allocation.
"""
