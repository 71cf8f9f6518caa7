"""
``msinet quantize``: an INT8 QDQ ONNX of MSI-Net, calibrated on your images.

``msinet quantize fp32.onnx --calibration IMAGES… -o int8.onnx`` (or a weights file with
``--size HxW``). ``--target onnxruntime`` (default) quantizes as ONNX Runtime's CPU kernels
like it; ``--target tensorrt`` as TensorRT's explicit quantization requires (symmetric, zero
points 0). See :mod:`msinet_ros.model.quantize` for what stays float and why.
"""

import argparse
from pathlib import Path
import sys
from typing import Dict, List

from ..model import quantize
from ..model.architecture import parse_size
from ..model.onnx_export import OUTPUT_NAME
from ..model.weights import RANDOM_WARNING

NORMALISATION = "the min-max normalisation: it divides by the map's own range"
FLOAT_REASONS = {  # node name prefix -> why it stays float
    quantize.FINAL_CONV: 'the last convolution; its output is the map before normalisation, '
                         'which 8 bits would cut into plateaus that tie the top fixation',
    quantize.NORMALIZE: NORMALISATION,
    OUTPUT_NAME: NORMALISATION,
}


def register(subparsers) -> None:
    """Add the ``quantize`` subcommand."""
    parser = subparsers.add_parser(
        'quantize', help='static INT8 quantization (QDQ ONNX) calibrated on your images, for '
                         'ONNX Runtime on a CPU or for a TensorRT engine')
    parser.add_argument('model', type=Path,
                        help='fp32 ONNX of a fixed size (`msinet export`), or weights '
                             '(.safetensors) with --size')
    parser.add_argument('--calibration', nargs='+', type=Path, required=True,
                        metavar='IMAGES',
                        help='image files or folders like those the model will see (a few '
                             'hundred; each is letterboxed as the predictor does)')
    parser.add_argument('--target', choices=quantize.TARGETS, default='onnxruntime',
                        help='onnxruntime: for its CPU kernels (uint8 asymmetric activations); '
                             'tensorrt: symmetric, zero points 0, for an engine (default '
                             'onnxruntime)')
    parser.add_argument('--size', metavar='HxW',
                        help='input size to export a weights file at (an ONNX keeps its own)')
    parser.add_argument('-o', '--output', type=Path, required=True,
                        help='INT8 ONNX file to write (.onnx)')
    parser.set_defaults(run=run)


def _progress(done: int, total: int) -> None:
    if done == total or done % max(1, total // 10) == 0:
        print(f'  calibrated on {done}/{total} images', file=sys.stderr)


def _reasons(nodes) -> Dict[str, List[str]]:
    """Return the nodes grouped by why they stay float."""
    groups: Dict[str, List[str]] = {}
    for node in nodes:
        reason = next(text for prefix, text in FLOAT_REASONS.items() if node.startswith(prefix))
        groups.setdefault(reason, []).append(node)
    return groups


def run(args: argparse.Namespace) -> int:
    """Quantize, write atomically and say what was done, what stayed float and why."""
    size = parse_size(args.size) if args.size else None
    result = quantize.quantize(args.model, args.calibration, args.output, args.target, size,
                               _progress)
    if result.random:
        print(f'WARNING: {RANDOM_WARNING}', file=sys.stderr)
    size_mb = result.path.stat().st_size / 1e6
    height, width = result.size
    images = f'{result.images} calibration image' + ('s' if result.images != 1 else '')
    print(f'quantized {result.source.name} ({height}x{width}) for {result.target} on '
          f'{images} -> {result.path} ({size_mb:.1f} MB, '
          f'{result.seconds:.1f} s)\n  {result.scheme}')
    print('  kept in float:')
    for reason, nodes in _reasons(result.float_nodes).items():
        print(f'    {", ".join(nodes)}: {reason}')
    size_option = f' --size {height}x{width}' if result.source.suffix == '.safetensors' else ''
    print(f'  check it on your images: msinet evaluate IMAGES --compare {result.source} '
          f'{result.path}{size_option} -o agreement/')
    if result.target == 'tensorrt':
        print(f'  TensorRT: build the engine with INT8 enabled, e.g. trtexec --onnx={result.path} '
              '--int8 (8.6, 10.x) or strongly typed (11); see docs/quantization.md')
    return 0
