"""
``msinet benchmark``: per-stage latency, FPS, peak memory and speed against PyTorch eager.

Each size's cases run interleaved in rounds, each case in a child process of its own
(:func:`msinet_ros.inference.benchmark.measure_interleaved`). The result is one JSON record in
the shape of ``docs/records/`` (``-o docs/records/backends.json`` puts it where
``benchmarks/performance_report.py`` renders it from); the table goes to stdout.
"""

import argparse
from importlib import metadata, util
import json
from pathlib import Path
import sys
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import ParameterError
from ..imaging import read_rgb
from ..inference.benchmark import Case, INT8, markdown, measure_interleaved, record
from ..model import quantize, weights
from ..model.architecture import parse_size
from ..model.source import ModelSource, WEIGHTS
from ..paths import share_dir

BENCHMARK = 'backends'  # the record's name (docs/records/backends.json)
REFERENCE = 'torch cpu fp32'
RANDOM_SEED = 0
Spec = Tuple[str, str, str]  # backend, device, precision
LIBRARIES = ('onnxruntime', 'torch', 'tensorrt')


def register(subparsers) -> None:
    """Add the ``benchmark`` subcommand."""
    parser = subparsers.add_parser(
        'benchmark', help='measure latency per stage, FPS, peak memory and speed relative to '
                          'PyTorch eager of each backend, precision and size, interleaved')
    parser.add_argument('-m', '--model', help='weights (.safetensors) or an fp32 ONNX; default: '
                                              'seeded random weights (timing does not depend '
                                              'on them)')
    parser.add_argument('--sizes', nargs='+', default=['240x320', '360x360'])
    parser.add_argument('--backends', nargs='+', metavar='BACKEND[:DEVICE[:PRECISION]]',
                        help='cases to run (default: every one this machine has; torch cpu '
                             'fp32 is the reference; precision int8 quantizes the model for '
                             'onnxruntime with `msinet quantize` on --calibration)')
    parser.add_argument('--rounds', type=int, default=10,
                        help='rounds; each times --frames frames of every case in turn')
    parser.add_argument('--frames', type=int, default=3, help='timed frames per case and round')
    parser.add_argument('--warmup', type=int, default=3, help='untimed frames per case first')
    parser.add_argument('--threads', type=int, default=0)
    parser.add_argument('--image', type=Path, help='frame to use (default: 640x480 noise)')
    parser.add_argument('--calibration', nargs='+', type=Path, metavar='IMAGES',
                        help='calibration images for the int8 cases (default: the demo '
                             'photographs)')
    parser.add_argument('--cache-dir', default='')
    parser.add_argument('-o', '--output', type=Path, default=Path('benchmark.json'),
                        help='the JSON record')
    parser.set_defaults(run=run)


def demo_images() -> Optional[Path]:
    """Return the demo photographs' folder (installed or in the checkout), if there is one."""
    folder = share_dir() / 'demo' / 'images'
    return folder if folder.is_dir() else None


def default_cases(int8: bool) -> List[Spec]:
    """Return the cases this machine can run, the reference first."""
    cases: List[Spec] = [('onnxruntime', 'cpu', 'fp32')]
    if int8:
        cases.append(('onnxruntime', 'cpu', INT8))
    if util.find_spec('torch'):
        cases.insert(0, ('torch', 'cpu', 'fp32'))
        import torch
        if torch.cuda.is_available():
            cases += [('torch', 'cuda', 'fp32'), ('torch', 'cuda', 'fp16')]
    if util.find_spec('tensorrt') and util.find_spec('pycuda'):
        cases += [('tensorrt', 'cuda', 'fp32'), ('tensorrt', 'cuda', 'fp16')]
    return cases


def parse_case(text: str) -> Spec:
    """Return (backend, device, precision) of ``BACKEND[:DEVICE[:PRECISION]]``."""
    backend, device, precision = (text.split(':') + ['cpu', 'fp32'])[:3]
    if precision == INT8 and (backend, device) != ('onnxruntime', 'cpu'):
        raise ParameterError(f'{text}: int8 is measured for onnxruntime:cpu only (TensorRT '
                             'INT8 needs `msinet quantize --target tensorrt` and a GPU)')
    return backend, device, precision


def versions() -> Dict[str, str]:
    """Return the versions of the inference libraries installed here."""
    found = {}
    for name in LIBRARIES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return found


def _int8_model(model: str, size: str, images: Sequence[Path], folder: Path) -> Dict:
    """Quantize ``model`` for ONNX Runtime at ``size``; return what was made."""
    fixed = parse_size(size) if ModelSource.of(model).kind == WEIGHTS else None
    made = quantize.quantize(Path(model), images, folder / f'int8-{size}.onnx', 'onnxruntime',
                             fixed)
    return {'path': str(made.path), 'calibration_images': made.images,
            'scheme': made.scheme, 'float_nodes': list(made.float_nodes),
            'seconds': round(made.seconds, 1)}


def run(args: argparse.Namespace) -> int:
    """Measure every size's cases interleaved; write the JSON record, print the table."""
    frame = read_rgb(args.image) if args.image else np.random.default_rng(0).integers(
        0, 256, (480, 640, 3), dtype=np.uint8)
    specs = [parse_case(b) for b in args.backends] if args.backends else None
    calibration = args.calibration or []
    if not calibration and (specs is None or any(p == INT8 for _, _, p in specs)):
        calibration = [demo_images()] if demo_images() else []
    specs = specs or default_cases(bool(calibration))
    if any(p == INT8 for _, _, p in specs) and not calibration:
        raise ParameterError('the int8 case needs calibration images: give --calibration')
    with tempfile.TemporaryDirectory() as tmp:
        model = args.model
        if model is None:
            model = str(Path(tmp) / 'random.safetensors')
            weights.save(Path(model), weights.random_weights(RANDOM_SEED),
                         weights.random_metadata(RANDOM_SEED))
        cache = args.cache_dir or tmp
        results, int8 = [], {}
        for size in args.sizes:
            cases = []
            for backend, device, precision in specs:
                path = model
                if precision == INT8:
                    print(f'{size}: quantizing for the int8 case …', file=sys.stderr)
                    int8[size] = _int8_model(model, size, calibration, Path(tmp))
                    path = int8[size]['path']
                cases.append(Case(backend, device, precision, size, path, args.threads,
                                  cuda_graph=device == 'cuda' and backend == 'torch'))
            results += measure_interleaved(
                cases, frame, args.rounds, args.frames, args.warmup, cache, REFERENCE,
                progress=lambda line: print(line, file=sys.stderr))
    name = f'seeded random weights (seed {RANDOM_SEED})' if args.model is None else args.model
    for result in results:  # temporary paths mean nothing in a record
        result['case']['model'] = name if result['case']['precision'] != INT8 else \
            f'{name}, quantized (int8, onnxruntime target)'
    for made in int8.values():
        del made['path']
    command = 'msinet ' + ' '.join(args.argv)
    out = record(BENCHMARK, command, {
        'frame': list(frame.shape), 'image': str(args.image) if args.image else '640x480 noise',
        'model': name, 'reference': REFERENCE, 'versions': versions(),
        'int8': int8, 'cases': results})
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(out, indent=1) + '\n')
    m = out['machine']
    print(f'Machine: {m["cpu"]}, {m["cores"]} cores, {m["system"]}\n\nCommand: `{command}`\n\n'
          f'{markdown(results)}')
    return 1 if any('error' in r for r in results) else 0
