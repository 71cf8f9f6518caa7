"""Parameter specs: validation, and the README tables and shipped config generated from them."""

from pathlib import Path

from msinet_ros.errors import ParameterError
from msinet_ros.parameters import (MANAGED, markdown_table, NODES, ParamSpec, SALIENCY_NODE,
                                   yaml_defaults)
import pytest


ROOT = Path(__file__).resolve().parents[2]
README = ROOT / 'README.md'
SALIENCY_YAML = ROOT / 'config' / 'saliency.yaml'


def test_check_accepts_valid_and_rejects_wrong_type_range_and_choice():
    rate = ParamSpec('rate', 1.0, 'r', limits=(0.5, 2.0))
    assert rate.check(2.0) == 2.0
    with pytest.raises(ParameterError, match='outside'):
        rate.check(2.5)
    with pytest.raises(ParameterError, match='must be a double'):
        rate.check(1)
    backend = ParamSpec('backend', 'a', 'b', choices=('a', 'b'))
    with pytest.raises(ParameterError, match='not one of a, b'):
        backend.check('c')


def test_every_default_is_valid():
    for specs in NODES.values():
        for spec in specs:
            assert spec.check(spec.default) == spec.default


def test_readme_tables_match_the_declarations():
    readme = README.read_text()
    for name, specs in NODES.items():
        assert markdown_table(specs, name in MANAGED) in readme, (
            f'README parameter table of {name} is stale: paste `msinet params {name}`')


def test_saliency_yaml_is_generated_from_the_declarations():
    text = SALIENCY_YAML.read_text()
    assert yaml_defaults(SALIENCY_NODE) in text, 'regenerate: msinet params saliency_node --yaml'


def test_saliency_yaml_parses_to_the_defaults():
    yaml = pytest.importorskip('yaml')
    loaded = yaml.safe_load(SALIENCY_YAML.read_text())
    params = loaded['/**']['ros__parameters']
    assert params == {spec.name: spec.default for spec in SALIENCY_NODE}
