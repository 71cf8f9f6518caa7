"""Fixtures of the ``msinet`` tool's tests: small safetensors weight files."""

from msinet_ros.model import weights
import pytest


@pytest.fixture(scope='session')
def model(tmp_path_factory):
    """Return a random-weights safetensors file, marked random (as ``msinet export`` marks)."""
    path = tmp_path_factory.mktemp('m') / 'random.safetensors'
    weights.save(path, weights.random_weights(5), weights.random_metadata(5))
    return path


@pytest.fixture(scope='session')
def weights_file(tmp_path_factory):
    """Return a safetensors file with the metadata of imported SALICON weights."""
    path = tmp_path_factory.mktemp('w') / 'w.safetensors'
    weights.save(path, weights.random_weights(4), {'source': 'unit test', 'dataset': 'salicon',
                                                   'input_size': '240x320'})
    return path
