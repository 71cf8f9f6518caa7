"""Fixtures: small MSI-Net ONNX models (the TensorRT fakes' fixture is in test/unit)."""

from msinet_ros.model import onnx_export, weights
import pytest


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
