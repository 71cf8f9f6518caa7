#!/usr/bin/env python3
"""
On a CUDA machine: the torch backend as the predictor drives it, in fp32, fp16, fp16 + graph.

Each call includes the host→GPU copy, the network and the GPU→host copy; batch 1 and 4.

``python benchmarks/torch_cuda_backend.py`` (needs torch with CUDA, numpy, safetensors).
Prints a Markdown table: latency p50 / p95 over 100 calls after 10 warm-up calls, and the
largest deviation of each variant from the fp32 output.
"""

from pathlib import Path
import sys
import tempfile
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from msinet_ros.inference.backends import BackendOptions, create  # noqa: E402
from msinet_ros.model import weights  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

torch.backends.cudnn.allow_tf32 = False
torch.backends.cuda.matmul.allow_tf32 = False


def latency(backend, x, runs=100, warmup=10):
    """Return p50 and p95 of backend.infer in ms (its result is on the host: synchronised)."""
    for _ in range(warmup):
        backend.infer(x)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        backend.infer(x)
        times.append((time.perf_counter() - start) * 1e3)
    return np.percentile(times, 50), np.percentile(times, 95)


def main():
    """Print the table."""
    print(f'{torch.cuda.get_device_name()}, torch {torch.__version__}, CUDA {torch.version.cuda}')
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / 'w.safetensors'
        weights.save(path, weights.random_weights(0), weights.random_metadata(0))
        print('| input | batch | variant | max dev from fp32 | p50 / p95 ms | frames/s |')
        print('| --- | --- | --- | --- | --- | --- |')
        for h, w in ((240, 320), (360, 360)):
            for batch in (1, 4):
                x = np.random.default_rng(0).uniform(0, 255, (batch, 3, h, w)).astype(
                    np.float32)
                reference = None
                for label, opts in (('fp32', {}), ('fp16', {'precision': 'fp16'}),
                                    ('fp16 + CUDA graph', {'precision': 'fp16',
                                                           'cuda_graph': True})):
                    backend = create('torch', path, BackendOptions(device='cuda', **opts))
                    out = backend.infer(x)
                    if reference is None:
                        reference = out
                    if opts.get('cuda_graph'):
                        assert np.array_equal(backend.infer(x), out), 'graph replay differs'
                    p50, p95 = latency(backend, x)
                    dev = np.abs(out - reference).max()
                    print(f'| {h}x{w} | {batch} | {label} | {dev:.1e} | {p50:.2f} / {p95:.2f} '
                          f'| {batch * 1e3 / p50:.0f} |')
                    backend.close()


if __name__ == '__main__':
    main()
