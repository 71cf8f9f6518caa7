"""The shipped parameter file carries exactly the declared defaults."""

from pathlib import Path

from msinet_ros.parameters import SALIENCY_NODE, yaml_defaults
import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_saliency_yaml_is_generated_from_the_declarations():
    text = (ROOT / 'config' / 'saliency.yaml').read_text()
    assert yaml_defaults(SALIENCY_NODE) in text, 'regenerate: msinet params saliency_node --yaml'


def test_saliency_yaml_parses_to_the_defaults():
    yaml = pytest.importorskip('yaml')
    loaded = yaml.safe_load((ROOT / 'config' / 'saliency.yaml').read_text())
    params = loaded['/**']['ros__parameters']
    assert params == {spec.name: spec.default for spec in SALIENCY_NODE}
