"""
docs/launch.md's argument tables are the launch files' ARGUMENTS.

The closed choices of saliency.launch.py are the node parameters' (msinet_ros/parameters.py).

Regenerate the tables with ``python test/launch/test_launch_docs.py`` (where launch imports)
and paste each between its markers.
"""

import importlib.util
from pathlib import Path
import re
import sys

from launch_helpers import require_launch

if __name__ != '__main__':
    require_launch()

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / 'docs' / 'launch.md'
LAUNCH_FILES = ('saliency.launch.py', 'cameras.launch.py', 'image_player.launch.py',
                'attention_demo.launch.py', 'gazebo_attention.launch.py')


def arguments(name: str) -> tuple:
    """Return the ARGUMENTS of launch/NAME (the source tree's)."""
    spec = importlib.util.spec_from_file_location(name.replace('.', '_'), ROOT / 'launch' / name)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.ARGUMENTS


def markdown_table(specs: tuple) -> str:
    """Render (name, default, description, choices) rows as docs/launch.md's table."""
    lines = ['| argument | default | choices | description |', '| --- | --- | --- | --- |']
    for name, default, description, choices in specs:
        shown = '(required)' if default is None else f'`{default}`' if default else '(empty)'
        allowed = ', '.join(f'`{choice}`' for choice in choices or () if choice)
        lines.append(f'| `{name}` | {shown} | {allowed} | {description} |')
    return '\n'.join(lines)


def documented(name: str) -> str:
    """Return the table docs/launch.md carries between NAME's markers."""
    match = re.search(rf'<!-- {re.escape(name)} arguments: begin -->\n(.*?)\n'
                      rf'<!-- {re.escape(name)} arguments: end -->', DOC.read_text(), re.S)
    assert match, f'docs/launch.md has no markers for {name}'
    return match.group(1)


def test_docs_tables_match_the_launch_files():
    for name in LAUNCH_FILES:
        assert documented(name) == markdown_table(arguments(name)), \
            f'docs/launch.md is out of date for {name}: run python {Path(__file__).name}'


def test_closed_choices_are_the_node_parameters_choices():
    from msinet_ros.parameters import SALIENCY_NODE
    specs = {spec.name: spec for spec in SALIENCY_NODE}
    for name, _, _, choices in arguments('saliency.launch.py'):
        if name in specs and specs[name].choices:
            assert [c for c in choices if c] == list(specs[name].choices), name


def test_every_argument_is_described_once():
    for name in LAUNCH_FILES:
        names = [row[0] for row in arguments(name)]
        assert len(names) == len(set(names)), name
        assert all(row[2].endswith('.') for row in arguments(name)), name


if __name__ == '__main__':
    for launch_file in sys.argv[1:] or LAUNCH_FILES:
        print(f'<!-- {launch_file} arguments: begin -->\n'
              f'{markdown_table(arguments(launch_file))}\n'
              f'<!-- {launch_file} arguments: end -->\n')
