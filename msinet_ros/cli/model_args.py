"""Command-line options shared by the tools that run the model (predict, benchmark)."""

import argparse
import sys

from ..inference.backends import BackendOptions, BACKENDS
from ..inference.fixations import FixationSettings
from ..inference.predictor import SaliencyPredictor
from ..model.weights import RANDOM_WARNING


def add_model_arguments(parser: argparse.ArgumentParser, model_required: bool = True) -> None:
    """Add --model, --backend, --size, --device, --precision, --threads, --cache-dir."""
    parser.add_argument('-m', '--model', required=model_required,
                        help='weights (.safetensors), ONNX file or TensorRT engine')
    parser.add_argument('--backend', choices=BACKENDS, default='onnxruntime')
    parser.add_argument('--size', default='auto',
                        help='model input HxW, or auto (weights only: 240x320, 320x240 or '
                             '320x320, whichever fits the frame shape best)')
    parser.add_argument('--device', choices=('cpu', 'cuda'), default='cpu')
    parser.add_argument('--precision', choices=('fp32', 'fp16'), default='fp32')
    parser.add_argument('--threads', type=int, default=0, help='CPU threads (0: all cores)')
    parser.add_argument('--cache-dir', default='', help='where exports and engines are cached')


def add_fixation_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the fixation-selection options."""
    defaults = FixationSettings()
    parser.add_argument('--top-k', type=int, default=defaults.top_k)
    parser.add_argument('--min-distance', type=float, default=defaults.min_distance,
                        help='frame pixels between fixations')
    parser.add_argument('--threshold-abs', type=float, default=defaults.threshold_abs)
    parser.add_argument('--threshold-rel', type=float, default=defaults.threshold_rel)


def fixation_settings(args: argparse.Namespace) -> FixationSettings:
    """Return the fixation settings the options describe."""
    return FixationSettings(args.top_k, args.min_distance, args.threshold_abs,
                            args.threshold_rel)


def backend_options(args: argparse.Namespace, **extra) -> BackendOptions:
    """Return the backend options the command line describes."""
    return BackendOptions(device=args.device, precision=args.precision, threads=args.threads,
                          cache_dir=args.cache_dir,
                          log=lambda message: print(message, file=sys.stderr), **extra)


def predictor_from_args(args: argparse.Namespace, **extra) -> SaliencyPredictor:
    """Create the predictor; warn loudly on stderr if its weights are random."""
    predictor = SaliencyPredictor(args.model, args.backend, args.size,
                                  backend_options(args, **extra))
    if predictor.is_random:
        print(f'WARNING: {RANDOM_WARNING}', file=sys.stderr)
    return predictor
