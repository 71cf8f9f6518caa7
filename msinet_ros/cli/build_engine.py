"""``msinet build-engine``: ONNX → TensorRT engine for this GPU, cached or at a given path."""

import argparse
from pathlib import Path
import sys
import time

from ..inference.backends import BackendOptions, create


def register(subparsers) -> None:
    """Add the ``build-engine`` subcommand."""
    parser = subparsers.add_parser(
        'build-engine', help='build a TensorRT engine from an exported ONNX (on the target '
                             'GPU: engines do not move between GPUs or TensorRT versions)')
    parser.add_argument('onnx', type=Path, help='ONNX file made by `msinet export`')
    parser.add_argument('--precision', choices=('fp32', 'fp16'), default='fp16',
                        help='fp16: builder flag on TensorRT 8.6/10 (fp32 ONNX), strongly '
                             'typed network from an fp16 ONNX (needed on TensorRT 11)')
    parser.add_argument('--max-batch', type=int, default=1, help='largest batch (profile max)')
    parser.add_argument('--workspace', type=int, default=1024, metavar='MIB')
    parser.add_argument('--cache-dir', default='', help='engine cache folder (default: see '
                                                        '`msinet doctor`)')
    parser.set_defaults(run=run)


def _progress(phase: str, step: int, steps: int) -> None:
    if steps and (step == steps or step % max(1, steps // 10) == 0):
        print(f'  {phase}: {step}/{steps}', file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Build (or find in the cache) the engine and report where it is and how long it took."""
    start = time.monotonic()
    options = BackendOptions(device='cuda', precision=args.precision,
                             max_batch=args.max_batch, workspace_mib=args.workspace,
                             cache_dir=args.cache_dir, progress=_progress,
                             log=lambda message: print(message, file=sys.stderr))
    backend = create('tensorrt', args.onnx, options)
    height, width = backend.input_size
    backend.close()
    print(f'engine for {height}x{width} ready: {backend.engine_path} '
          f'({time.monotonic() - start:.0f} s)')
    return 0
