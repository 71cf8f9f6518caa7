"""Fixtures: the strict TensorRT/pycuda fakes of each version, and small ONNX models."""

import sys

from msinet_ros.model import onnx_export, weights
import pytest
from support.fake_pycuda import install_pycuda
from support.fake_tensorrt import make_tensorrt

VERSIONS = ('8.6.1', '10.3.0', '11.0.0.114')


@pytest.fixture(params=VERSIONS)
def trt(request, monkeypatch):
    """Install the fake tensorrt of one version (and fake pycuda) as the real modules."""
    install_pycuda(monkeypatch)
    fake = make_tensorrt(request.param)
    monkeypatch.setitem(sys.modules, 'tensorrt', fake)
    return fake


@pytest.fixture(scope='session')
def onnx_models(tmp_path_factory):
    """Return MSI-Net ONNX files at 64x64: fp32 dynamic batch, fp32 batch 1, fp16 dynamic."""
    folder = tmp_path_factory.mktemp('onnx')
    tensors = weights.random_weights(4)
    paths = {}
    for name, batch, fp16 in (('fp32', None, False), ('fp32_b1', 1, False),
                              ('fp16', None, True)):
        paths[name] = folder / f'{name}.onnx'
        onnx_export.save(onnx_export.build(tensors, 64, 64, batch=batch, fp16=fp16),
                         paths[name])
    return paths
