"""``msinet benchmark``: per-stage latency, FPS and peak memory for each backend and size."""

import argparse
from importlib import util
import json
from pathlib import Path
import sys
import tempfile

import numpy as np

from ..imaging import read_rgb
from ..inference.benchmark import Case, machine, markdown, measure_isolated
from ..model import weights

REFERENCE = 'torch cpu fp32'


def register(subparsers) -> None:
    """Add the ``benchmark`` subcommand."""
    parser = subparsers.add_parser('benchmark', help='measure latency per stage, FPS and peak '
                                                     'memory of each backend and size')
    parser.add_argument('-m', '--model', help='weights (.safetensors); default: seeded random '
                                              'weights (timing does not depend on them)')
    parser.add_argument('--sizes', nargs='+', default=['240x320', '360x360'])
    parser.add_argument('--backends', nargs='+', metavar='BACKEND[:DEVICE[:PRECISION]]',
                        help='cases to run (default: every one this machine has; torch cpu '
                             'fp32 is the reference row)')
    parser.add_argument('--frames', type=int, default=30, help='timed frames per case')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--threads', type=int, default=0)
    parser.add_argument('--image', type=Path, help='frame to use (default: 640x480 noise)')
    parser.add_argument('--cache-dir', default='')
    parser.add_argument('-o', '--output', type=Path, default=Path('benchmark.json'),
                        help='JSON record (a .md table is written beside it)')
    parser.set_defaults(run=run)


def default_cases():
    """Return the cases this machine can run, the reference first."""
    cases = [('onnxruntime', 'cpu', 'fp32')]
    if util.find_spec('torch'):
        cases.insert(0, ('torch', 'cpu', 'fp32'))
        import torch
        if torch.cuda.is_available():
            cases += [('torch', 'cuda', 'fp32'), ('torch', 'cuda', 'fp16')]
    if util.find_spec('tensorrt') and util.find_spec('pycuda'):
        cases += [('tensorrt', 'cuda', 'fp32'), ('tensorrt', 'cuda', 'fp16')]
    return cases


def run(args: argparse.Namespace) -> int:
    """Run every case in its own process and write the JSON record and Markdown table."""
    frame = read_rgb(args.image) if args.image else np.random.default_rng(0).integers(
        0, 256, (480, 640, 3), dtype=np.uint8)
    specs = [tuple((b.split(':') + ['cpu', 'fp32'])[:3]) for b in args.backends] \
        if args.backends else default_cases()
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            model = str(Path(tmp) / 'random.safetensors')
            weights.save(Path(model), weights.random_weights(0), weights.random_metadata(0))
        cache = args.cache_dir or tmp
        records = []
        for size in args.sizes:
            for backend, device, precision in specs:
                case = Case(backend, device, precision, size, model, args.threads,
                            cuda_graph=device == 'cuda' and backend == 'torch')
                print(f'{size} {case.label} …', file=sys.stderr)
                records.append(measure_isolated(case, frame, args.frames, args.warmup,
                                                cache))
    command = 'msinet ' + ' '.join(args.argv)
    record = {'machine': machine(), 'command': command, 'frame': list(frame.shape),
              'reference': REFERENCE, 'results': records}
    table = markdown(records, REFERENCE)
    args.output.write_text(json.dumps(record, indent=1))
    args.output.with_suffix('.md').write_text(
        f'Machine: {record["machine"]["cpu"]}, {record["machine"]["cores"]} cores, '
        f'{record["machine"]["system"]}\n\nCommand: `{command}`\n\n{table}\n')
    print(table)
    return 1 if any('error' in r for r in records) else 0
