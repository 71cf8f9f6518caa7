"""
TensorRT end to end on a real GPU (``pytest -m gpu``): needs tensorrt, pycuda and a CUDA device.

Skips (does not fail) where any of them is missing, e.g. on CI. Not yet run: no machine in this
project's workplace has TensorRT (see docs/inference.md, "What was verified how").
"""

from msinet_ros.inference.backends import BackendOptions, create, TensorRTOptions
from msinet_ros.model import onnx_export, weights
import numpy as np
import pytest

pytestmark = pytest.mark.gpu


@pytest.fixture(scope='module')
def gpu():
    """Skip unless TensorRT, pycuda and a CUDA device are all there."""
    pytest.importorskip('tensorrt')
    cuda = pytest.importorskip('pycuda.driver')
    try:
        cuda.init()
        if cuda.Device.count() == 0:
            pytest.skip('no CUDA device')
    except cuda.Error as exc:
        pytest.skip(f'CUDA does not initialise here: {exc}')


@pytest.fixture(scope='module')
def models(gpu, tmp_path_factory):
    folder = tmp_path_factory.mktemp('gpu')
    tensors = weights.random_weights(1)
    paths = {'fp32': folder / 'fp32.onnx', 'fp16': folder / 'fp16.onnx'}
    for name, path in paths.items():
        onnx_export.save(onnx_export.build(tensors, 240, 320, batch=None, fp16=name == 'fp16'),
                         path)
    return paths


def batch(n):
    return np.random.default_rng(0).uniform(0, 255, (n, 3, 240, 320)).astype(np.float32)


@pytest.mark.parametrize('precision, bound', [('fp32', 1e-4), ('fp16', 1e-2)])
def test_engines_match_onnxruntime_for_batch_1_and_2(models, tmp_path, precision, bound):
    expected = create('onnxruntime', models['fp32'], BackendOptions()).infer(batch(2))
    options = BackendOptions(precision=precision, max_batch=2, cache_dir=str(tmp_path),
                             log=lambda m: None)
    with create('tensorrt', models['fp32'], options) as backend:
        assert np.abs(backend.infer(batch(2)) - expected).max() <= bound
        assert np.abs(backend.infer(batch(1)) - expected[:1]).max() <= bound


def test_a_cached_engine_loads_without_a_build_and_a_damaged_one_is_rebuilt(models, tmp_path):
    log = []
    options = BackendOptions(cache_dir=str(tmp_path), log=log.append)
    with create('tensorrt', models['fp32'], options) as backend:
        path = backend.engine_path
    assert any('building TensorRT engine' in m for m in log)
    log.clear()
    with create('tensorrt', models['fp32'], options):
        pass
    assert not any('building' in m for m in log)
    path.write_bytes(b'damaged')
    with create('tensorrt', models['fp32'], options, TensorRTOptions()) as backend:
        assert backend.infer(batch(1)).shape == (1, 1, 240, 320)
    assert any('rebuilding' in m for m in log)
