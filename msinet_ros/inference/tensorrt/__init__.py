"""
TensorRT support, kept thin: pure planning logic here, the TensorRT and CUDA calls isolated.

* :mod:`.planning` — capabilities, precision recipes, engine keys, optimisation profiles, I/O
  checks (no TensorRT needed; unit-tested on any machine);
* :mod:`.bindings` — importing tensorrt, reading its capabilities (``hasattr``), the one logger;
* :mod:`.cuda_memory` — the CUDA context, stream and pinned/device buffers (pycuda, confined
  here so that it can be swapped for cuda-python);
* :mod:`.builder` — ONNX → serialized engine; :mod:`.timing_cache` — the builder's cache file;
* :mod:`.cache` — load a cached engine or build it, one process at a time;
* :mod:`.runtime` — one execution context, ``execute_async_v3`` on a stream, no per-frame
  allocation.
"""
