"""``msinet params``: print the node parameters declared in :mod:`msinet_ros.parameters`."""

import argparse

from ..parameters import markdown_table, NODES


def register(subparsers) -> None:
    """Add the ``params`` subcommand."""
    parser = subparsers.add_parser(
        'params', help='print the parameters of the nodes (as the README documents them)')
    parser.add_argument('node', nargs='?', choices=sorted(NODES),
                        help='only this node (default: all)')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Print one Markdown table per node."""
    for name in [args.node] if args.node else sorted(NODES):
        print(f'#### `{name}`\n\n{markdown_table(NODES[name])}\n')
    return 0
