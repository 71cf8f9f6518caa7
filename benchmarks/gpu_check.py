#!/usr/bin/env python3
"""
On a CUDA machine: MSI-Net in PyTorch, FP32 and FP16, against the TensorFlow reference maps.

Step 1, here (needs the test extras): ``python benchmarks/gpu_check.py --make-reference DIR``
writes the TF reference maps of seeded random weights to ``DIR/reference.npz``.
Step 2, on the CUDA machine (needs torch, numpy): ``python benchmarks/gpu_check.py DIR``
checks the weights digest, prints the max deviation of the torch model on the GPU (FP32 with
TF32 off; FP16 weights and activations, channels_last, reductions in FP32) from the reference,
and the latency of batch-1 inference (p50/p95 over 200 runs after 30 warm-up runs, eager and
with a CUDA graph).
"""

import argparse
import os
from pathlib import Path
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / 'test')]

from msinet_ros.model import weights  # noqa: E402
from msinet_ros.model.onnx_export import weights_digest as digest  # noqa: E402
import numpy as np  # noqa: E402

SEED = 2020
SIZES = ((240, 320), (360, 360))


def make_reference(folder: Path) -> None:
    """Write TF reference maps (needs tensorflow)."""
    os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
    import tf_reference
    random = weights.random_weights(SEED)
    reference = tf_reference.Reference(random, 'cpu')
    arrays = {'digest': np.array(digest(random))}
    for h, w in SIZES:
        x = np.random.default_rng(h).uniform(0, 255, (1, h, w, 3)).astype(np.float32)
        arrays[f'x{h}x{w}'] = x
        arrays[f'map{h}x{w}'] = reference.run(x)[0]
    folder.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(folder / 'reference.npz', **arrays)


def latency(fn, runs=200, warmup=30):
    """Return p50 and p95 in ms of a synchronised call."""
    import torch
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return np.percentile(times, 50), np.percentile(times, 95)


def check(folder: Path) -> None:
    """Compare and time on the GPU."""
    import torch
    from msinet_ros.model.torch_model import MSINet

    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
    ref = np.load(folder / 'reference.npz', allow_pickle=False)
    random = weights.random_weights(SEED)
    assert str(ref['digest']) == digest(random), 'random weights differ from the reference'
    print(f'device: {torch.cuda.get_device_name()}, torch {torch.__version__}, '
          f'CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}')
    print('| input | precision | max dev from TF | eager p50 / p95 ms | CUDA graph p50 / p95 ms '
          '| FPS (graph) |')
    print('| --- | --- | --- | --- | --- | --- |')
    for h, w in SIZES:
        x = torch.from_numpy(ref[f'x{h}x{w}'].transpose(0, 3, 1, 2).copy()).cuda()
        expected = ref[f'map{h}x{w}'].transpose(0, 3, 1, 2)
        for precision in ('fp32', 'fp16'):
            model = MSINet(random).eval().cuda()
            inp = x
            if precision == 'fp16':
                model = model.half().to(memory_format=torch.channels_last)
                inp = x.half().contiguous(memory_format=torch.channels_last)
            with torch.inference_mode():
                out = model(inp).float().cpu().numpy()
                dev = np.abs(out - expected).max()
                eager = latency(lambda: model(inp))
                static_in = inp.clone()
                stream = torch.cuda.Stream()
                stream.wait_stream(torch.cuda.current_stream())
                with torch.cuda.stream(stream):
                    for _ in range(3):
                        model(static_in)
                torch.cuda.current_stream().wait_stream(stream)
                graph = torch.cuda.CUDAGraph()
                with torch.cuda.graph(graph):
                    static_out = model(static_in)
                graph.replay()
                torch.cuda.synchronize()
                graph_dev = np.abs(static_out.float().cpu().numpy() - expected).max()
                assert graph_dev == dev or abs(graph_dev - dev) < 1e-3
                replay = latency(graph.replay)
            print(f'| {h}x{w} | {precision} | {dev:.1e} | {eager[0]:.2f} / {eager[1]:.2f} | '
                  f'{replay[0]:.2f} / {replay[1]:.2f} | {1e3 / replay[0]:.0f} |')


if __name__ == '__main__':
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('folder', type=Path)
    parser.add_argument('--make-reference', action='store_true')
    args = parser.parse_args()
    make_reference(args.folder) if args.make_reference else check(args.folder)
