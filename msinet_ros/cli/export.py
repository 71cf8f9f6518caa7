"""``msinet export``: write MSI-Net as ONNX (opset 17) for one input size."""

import argparse
from pathlib import Path
import sys
import time

from ..model import onnx_export, weights
from ..model.architecture import parse_size
from ..model.importers import import_weights


def _batch(text: str):
    if text == 'dynamic':
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'batch must be a positive integer or "dynamic", '
                                         f'not {text!r}')
    return int(text)


def register(subparsers) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser('export', help='export MSI-Net weights to ONNX')
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('weights', nargs='?', type=Path,
                        help='weights: a .safetensors file or anything `msinet import` reads')
    source.add_argument('--random-seed', type=int, metavar='N',
                        help='use seeded random weights (pipeline checks only: meaningless maps)')
    parser.add_argument('--size', required=True, type=str, metavar='HxW',
                        help='input size, multiples of 8 (official: 240x320, 360x360, 216x384, '
                             '320x240, 320x320)')
    parser.add_argument('--fp16', action='store_true',
                        help='fp16 weights and convolutions, fp32 input/output and reductions')
    parser.add_argument('--batch', type=_batch, default=1, metavar='N|dynamic',
                        help='fixed batch size or "dynamic" (default: 1)')
    parser.add_argument('-o', '--output', type=Path, required=True, help='ONNX file to write')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Build the ONNX graph, check it, write it atomically and report."""
    height, width = parse_size(args.size)
    if args.random_seed is not None:
        tensors = weights.random_weights(args.random_seed)
        metadata = weights.random_metadata(args.random_seed)
    else:
        tensors, metadata = import_weights(args.weights)
    if weights.is_random(metadata):
        print(f'WARNING: {weights.RANDOM_WARNING}', file=sys.stderr)
    start = time.monotonic()
    model = onnx_export.build(tensors, height, width, batch=args.batch, fp16=args.fp16,
                              metadata=metadata)
    onnx_export.save(model, args.output)
    size_mb = args.output.stat().st_size / 1e6
    print(f'exported {height}x{width} {"fp16" if args.fp16 else "fp32"} batch '
          f'{args.batch or "dynamic"} -> {args.output} ({size_mb:.1f} MB, '
          f'{time.monotonic() - start:.1f} s)')
    return 0
