"""
``msinet``: the command-line tool (``ros2 run msinet_ros msinet …`` in a workspace).

Each subcommand lives in its own module of this package, exposing ``register(subparsers)``;
the work happens in the core. Errors the user can fix end as one line on stderr and exit 1.
"""

import argparse
import sys
from typing import Optional, Sequence

from . import (behaviour, benchmark, build_engine, demo, doctor, evaluate, export, import_cmd,
               params, predict, quantize)
from .. import __version__
from ..errors import MsinetError

SUBCOMMANDS = (import_cmd, export, quantize, predict, build_engine, benchmark, evaluate, demo,
               params, doctor, behaviour)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog='msinet', description='MSI-Net visual saliency: model tools for msinet_ros.')
    parser.add_argument('--version', action='version', version=f'%(prog)s {__version__}')
    subparsers = parser.add_subparsers(dest='command', metavar='COMMAND', required=True)
    for module in SUBCOMMANDS:
        module.register(subparsers)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the tool; return the exit code (also used as the console script's entry point)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.argv = argv  # for records that state the command that made them
    try:
        return args.run(args) or 0
    except MsinetError as exc:
        print(f'msinet {args.command}: error: {exc}', file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f'msinet {args.command}: interrupted', file=sys.stderr)
        return 130


if __name__ == '__main__':
    sys.exit(main())
