#!/usr/bin/env python3
"""
On a CUDA machine with pycuda: the tensorrt backend's CUDA helper used from worker threads.

Creates the context in the main thread, then allocates pinned/device buffers and runs async
round trips through a stream in two worker threads (as the node's inference worker would).
Prints one line per check; exits non-zero on a failure.
"""

from pathlib import Path
import sys
import threading

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from msinet_ros.inference.tensorrt.cuda_memory import Buffers, CudaContext  # noqa: E402
import numpy as np  # noqa: E402


def round_trip(ctx: CudaContext, results: list, seed: int) -> None:
    """Copy a batch to the GPU and back in this thread; record whether it survived."""
    with ctx.active():
        stream = ctx.new_stream()
        buffers = Buffers(ctx, (4, 3, 240, 320))
        data = np.random.default_rng(seed).uniform(0, 255, (3, 3, 240, 320)).astype(np.float32)
        buffers.host[:3] = data
        buffers.to_device(stream, 3)
        stream.synchronize()  # the copy reads the pinned buffer: wait before overwriting it
        buffers.host[:] = 0
        buffers.to_host(stream, 3)
        stream.synchronize()
        results.append(bool(np.array_equal(buffers.host[:3], data)) and
                       bool((buffers.host[3] == 0).all()))
        buffers.free()
        del stream  # pycuda objects must be released with their context current


def main() -> int:
    """Run the checks."""
    ctx = CudaContext()
    with ctx.active():
        gpu = ctx.gpu_info()
    print(f'device {gpu.name}, compute capability {gpu.compute_capability}, '
          f'{gpu.multiprocessors} multiprocessors')
    results: list = []
    threads = [threading.Thread(target=round_trip, args=(ctx, results, i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f'round trips from worker threads: {results}')
    return 0 if results == [True, True] else 1


if __name__ == '__main__':
    sys.exit(main())
