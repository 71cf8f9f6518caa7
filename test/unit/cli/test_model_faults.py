"""
The fault matrix for model files, as `msinet predict` reports them: one line, exit status 1.

Missing, truncated, foreign and wrong-architecture weights and ONNX files (docs/faults.md).
The TensorRT faults (engines from elsewhere, device memory, the cache directory, a full disk)
are in test/unit/inference/backends/test_tensorrt_backend.py, with the TensorRT fakes.
"""

import re

import cv2
from msinet_ros.cli.main import main
import numpy as np
import onnx
from onnx import helper, TensorProto
import pytest
from safetensors.numpy import save_file

PNG_HEADER = b'\x89PNG\r\n\x1a\n' + b'\x00' * 64


def classifier(path):
    """Write a one-input, one-output ONNX that is not MSI-Net (a 10-class head)."""
    x = helper.make_tensor_value_info('image', TensorProto.FLOAT, [1, 3, 64, 64])
    y = helper.make_tensor_value_info('logits', TensorProto.FLOAT, [1, 10, 1, 1])
    w = helper.make_tensor('w', TensorProto.FLOAT, [10, 3, 64, 64], [0.0] * (10 * 3 * 64 * 64))
    graph = helper.make_graph([helper.make_node('Conv', ['image', 'w'], ['logits'])], 'g',
                              [x], [y], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    onnx.save(model, str(path))


def make(kind, folder, model):
    """Write the faulty model file of one kind; return its path."""
    if kind == 'missing':
        return folder / 'missing.safetensors'
    if kind == 'truncated weights':
        path = folder / 'cut.safetensors'
        path.write_bytes(model.read_bytes()[:4096])
    elif kind == 'foreign weights':
        path = folder / 'picture.safetensors'
        path.write_bytes(PNG_HEADER)
    elif kind == 'weights of another network':
        path = folder / 'other.safetensors'
        save_file({'conv/kernel': np.zeros((3, 3, 3, 8), np.float32)}, str(path))
    elif kind == 'truncated onnx':
        path = folder / 'cut.onnx'
        path.write_bytes(b'\x08\x08\x12\x0bmsinet_ros' + b'\x3a\xff\xff\xff\x0f')
    elif kind == 'foreign onnx':
        path = folder / 'picture.onnx'
        path.write_bytes(PNG_HEADER)
    elif kind == 'an unknown suffix':
        path = folder / 'model.bin'
        path.write_bytes(b'')
    return path


@pytest.mark.parametrize('kind, message', [
    ('missing', 'does not exist. Import the official weights with `msinet import'),
    ('truncated weights', 'is not a readable safetensors file'),
    ('foreign weights', 'is not a readable safetensors file'),
    ('weights of another network', 'does not hold the MSI-Net tensors: import the weights '
                                   'with `msinet import`'),
    ('truncated onnx', 'is not a readable ONNX file .*: export one with `msinet export`'),
    ('foreign onnx', 'is not a readable ONNX file .*: export one with `msinet export`'),
    ('an unknown suffix', 'is not a .safetensors weights file, an .onnx file or a TensorRT'),
])
def test_a_bad_model_file_is_one_line_and_exit_status_1(kind, message, model, tmp_path,
                                                        capsys):
    image = tmp_path / 'frame.png'
    cv2.imwrite(str(image), np.zeros((48, 64, 3), np.uint8))
    path = make(kind, tmp_path, model)
    assert main(['predict', str(image), '-m', str(path), '-o', str(tmp_path / 'out')]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith('msinet predict: error: ')
    assert re.search(message, line), line
    assert not list(tmp_path.glob('out/*'))


def test_an_onnx_of_another_architecture_is_one_line(tmp_path, capsys):
    image = tmp_path / 'frame.png'
    cv2.imwrite(str(image), np.zeros((48, 64, 3), np.uint8))
    classifier(tmp_path / 'classifier.onnx')
    assert main(['predict', str(image), '-m', str(tmp_path / 'classifier.onnx'), '-o',
                 str(tmp_path / 'out')]) == 1
    (line,) = capsys.readouterr().err.splitlines()
    assert 'not an MSI-Net ONNX' in line
