"""
Command-line options of the tools that run the model (predict, build-engine).

The options are built from the saliency node's parameter declarations (flag from the name,
type from the default, choices, ranges and help from the spec), so that a tool and the node
given the same settings make the same predictor, and prebuilt engines are the ones the node
loads.
"""

import argparse
import sys
from typing import Sequence

from ..attention.peaks import FixationSettings
from ..inference.predictor import SaliencyPredictor
from ..inference.settings import make_predictor
from ..model.weights import RANDOM_WARNING
from ..parameters import ParamSpec, SALIENCY_NODE

MODEL_OPTIONS = ('backend', 'device', 'device_index', 'precision', 'size', 'threads',
                 'cache_dir', 'allow_engine_rebuild', 'tensorrt_workspace_mib',
                 'tensorrt_log_level')
FIXATION_OPTIONS = ('top_k', 'min_distance', 'threshold_abs', 'threshold_rel')
SPECS = {spec.name: spec for spec in SALIENCY_NODE}


def add_spec_arguments(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """Add one option per named node parameter (``top_k`` → ``--top-k``)."""
    for name in names:
        spec = SPECS[name]
        flag = '--' + name.replace('_', '-')
        if isinstance(spec.default, bool):
            parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction,
                                default=spec.default, help=spec.description)
            continue
        parser.add_argument(flag, dest=name, type=_checked(spec), default=spec.default,
                            choices=spec.choices, help=spec.description)


def _checked(spec: ParamSpec):
    def convert(text: str):
        try:
            return spec.check(type(spec.default)(text))
        except ValueError:
            raise argparse.ArgumentTypeError(f'{text!r} is not a {spec.type_name}') from None
        except Exception as exc:  # ParameterError: out of range
            raise argparse.ArgumentTypeError(str(exc)) from None
    convert.__name__ = spec.type_name
    return convert


def add_model_arguments(parser: argparse.ArgumentParser, model_required: bool = True,
                        exclude: Sequence[str] = ()) -> None:
    """Add --model and the node's model parameters as options."""
    parser.add_argument('-m', '--model', required=model_required,
                        help=SPECS['model'].description)
    add_spec_arguments(parser, [name for name in MODEL_OPTIONS if name not in exclude])


def add_fixation_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the fixation-selection options."""
    add_spec_arguments(parser, FIXATION_OPTIONS)


def fixation_settings(args: argparse.Namespace) -> FixationSettings:
    """Return the fixation settings the options describe."""
    return FixationSettings(*(getattr(args, name) for name in FIXATION_OPTIONS))


def count_arg(text: str) -> int:
    """Parse a count option (an integer >= 0)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer') from None
    if value < 0:
        raise argparse.ArgumentTypeError(f'{value} is negative')
    return value


def log_to_stderr(message: str) -> None:
    """Print a tool's progress message on stderr."""
    print(message, file=sys.stderr)


def predictor_from_args(args: argparse.Namespace, progress=None) -> SaliencyPredictor:
    """Create the predictor; warn loudly on stderr if its weights are random."""
    predictor = make_predictor(vars(args), log_to_stderr, progress)
    if predictor.is_random:
        print(f'WARNING: {RANDOM_WARNING}', file=sys.stderr)
    return predictor
