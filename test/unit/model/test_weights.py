"""The canonical safetensors weights file: round trip, metadata, refusal of wrong files."""

from msinet_ros.errors import ModelFormatError
from msinet_ros.model import weights
import numpy as np
import pytest


@pytest.fixture(scope='module')
def random():
    return weights.random_weights(1)


def test_round_trip_keeps_tensors_and_metadata(tmp_path, random):
    path = tmp_path / 'w.safetensors'
    weights.save(path, random, {'source': 'test', 'dataset': 'salicon',
                                'input_size': '240x320'})
    loaded, meta = weights.load(path)
    assert set(loaded) == set(random)
    assert all(np.array_equal(loaded[k], random[k]) for k in random)
    assert meta['dataset'] == 'salicon' and meta['format'] == 'msinet_ros-weights-1'
    assert not weights.is_random(meta)
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_random_weights_are_seeded_and_marked():
    a, b = weights.random_weights(5), weights.random_weights(5)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert weights.is_random(weights.random_metadata(5))


def test_wrong_shape_names_the_layer_and_both_shapes(random):
    bad = dict(random)
    bad['aspp/conv1_2/kernel'] = np.zeros((3, 3, 1280, 128), np.float32)
    with pytest.raises(ModelFormatError, match=r'aspp/conv1_2/kernel has shape \(3, 3, 1280, 128'
                                               r'\), expected \(3, 3, 1280, 256\)'):
        weights.validate(bad)


def test_missing_and_foreign_tensors_are_refused(random):
    missing = {k: v for k, v in random.items() if k != 'decoder/conv4/bias'}
    with pytest.raises(ModelFormatError, match='decoder/conv4/bias is missing'):
        weights.validate(missing)
    with pytest.raises(ModelFormatError, match='unexpected tensors fc6/kernel'):
        weights.validate({**random, 'fc6/kernel': np.zeros(1)})


def test_nan_weights_are_refused(random):
    bad = dict(random)
    bad['conv1/conv1_1/bias'] = np.full(64, np.nan, np.float32)
    with pytest.raises(ModelFormatError, match='NaN'):
        weights.validate(bad)


def test_truncated_and_missing_files_give_clear_errors(tmp_path, random):
    path = tmp_path / 'w.safetensors'
    weights.save(path, random, {})
    truncated = tmp_path / 'cut.safetensors'
    truncated.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(ModelFormatError, match='not a readable safetensors file'):
        weights.load(truncated)
    with pytest.raises(ModelFormatError, match='msinet import'):
        weights.load(tmp_path / 'absent.safetensors')
