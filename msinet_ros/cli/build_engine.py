"""
``msinet build-engine``: prebuild the TensorRT engines the node will load, or one at a path.

It makes the predictor the node makes from the same settings (the options are the node's
parameters), so that ``saliency_node`` given the same model and parameters finds the engines in
the cache and starts without building. ``-o`` also copies the engine to a path of your choice.
"""

import argparse
from pathlib import Path
import shutil
import sys
import time

from .model_args import add_model_arguments, log_to_stderr, predictor_from_args
from ..errors import ParameterError
from ..files import atomic_path


def register(subparsers) -> None:
    """Add the ``build-engine`` subcommand."""
    parser = subparsers.add_parser(
        'build-engine', help='build the TensorRT engines for this GPU that saliency_node would '
                             'build (engines do not move between GPUs or TensorRT versions)')
    parser.add_argument('model', type=Path, help='weights (.safetensors) or ONNX file')
    add_model_arguments(parser, model_required=False, exclude=('backend', 'device',
                                                               'threads'))
    parser.add_argument('--max-batch', type=int, default=1,
                        help='largest batch (profile maximum); the node runs batch 1')
    parser.add_argument('-o', '--output', type=Path,
                        help='also write the engine here (one size only)')
    parser.set_defaults(run=run, backend='tensorrt', device='cuda', threads=0)


def _progress(phase: str, step: int, steps: int) -> None:
    if not steps:
        log_to_stderr(f'  {phase}: {step}')
    elif step == steps or step % max(1, steps // 10) == 0:
        log_to_stderr(f'  {phase}: {step}/{steps}')


def run(args: argparse.Namespace) -> int:
    """Build (or find in the cache) each engine and report where it is and how long it took."""
    args.model, args.max_batch = str(args.model), max(1, args.max_batch)
    with predictor_from_args(args, progress=_progress) as predictor:
        sizes = predictor.sizes or (None,)  # an engine file's own size is unknown until loaded
        if args.output is not None and len(sizes) > 1:
            raise ParameterError(f'-o writes one engine; choose one --size of '
                                 f'{", ".join(f"{h}x{w}" for h, w in sizes)}')
        for size in sizes:
            start = time.monotonic()
            size = predictor.prepare(size)
            backend = predictor.backend_for(size)
            print(f'engine for {size[0]}x{size[1]} ready ({time.monotonic() - start:.0f} s): '
                  f'{backend.engine_path}\n  {backend.describe()}')
            if args.output is not None:
                with atomic_path(args.output) as tmp:
                    shutil.copyfile(backend.engine_path, tmp)
                print(f'written to {args.output}', file=sys.stderr)
    return 0
