"""
A test double of MSI-Net for the closed-loop tests: an ONNX graph that marks coloured objects.

The official weights cannot be downloaded here and random weights give meaningless maps, so the
closed loop is tested with a model of MSI-Net's interface (``image`` [B, 3, H, W] RGB 0..255 in,
``saliency`` [B, 1, H, W] 0..1 out) whose map is high where a pixel is strongly chromatic
(chroma (max - min) / (max + 20) above 0.8: the scene's pure red, green, blue and yellow
objects under any shading) and zero elsewhere, blurred twice with a box wider than an object
into smooth peaks at the objects' centres (a saturated plateau would let inhibition of return
pick its far edge), and scaled so that the image's maximum is 1. It is run by the real
saliency_node through the onnxruntime backend; it is a test double, not a saliency model.
"""

from pathlib import Path
from typing import Tuple

import numpy as np
import onnx
from onnx import helper, TensorProto

CHROMA_THRESHOLD = 0.8


def build(path: Path, size: Tuple[int, int] = (240, 320)) -> Path:
    """Write the double at ``size`` (H, W; batch dynamic) to ``path`` and return it."""
    height, width = size

    def const(name: str, value: float):
        return helper.make_tensor(name, TensorProto.FLOAT, [], [value])

    nodes = [
        helper.make_node('ReduceMax', ['image'], ['hi'], axes=[1], keepdims=1),
        helper.make_node('ReduceMin', ['image'], ['lo'], axes=[1], keepdims=1),
        helper.make_node('Sub', ['hi', 'lo'], ['range']),
        helper.make_node('Add', ['hi', 'twenty'], ['denominator']),
        helper.make_node('Div', ['range', 'denominator'], ['chroma']),
        helper.make_node('Sub', ['chroma', 'threshold'], ['excess']),
        helper.make_node('Relu', ['excess'], ['positive']),
        helper.make_node('Mul', ['positive', 'gain'], ['mask']),
        # two box blurs wider than an object: a smooth peak at its centre, no plateau
        helper.make_node('AveragePool', ['mask'], ['blurred1'], kernel_shape=[21, 21],
                         pads=[10, 10, 10, 10], strides=[1, 1], count_include_pad=1),
        helper.make_node('AveragePool', ['blurred1'], ['blurred'], kernel_shape=[21, 21],
                         pads=[10, 10, 10, 10], strides=[1, 1], count_include_pad=1),
        # scaled so that the image's most salient point is 1, as saliency maps are normalised
        helper.make_node('ReduceMax', ['blurred'], ['peak'], axes=[2, 3], keepdims=1),
        helper.make_node('Add', ['peak', 'tiny'], ['scale']),
        helper.make_node('Div', ['blurred', 'scale'], ['normalised']),
        helper.make_node('Clip', ['normalised', 'zero', 'one'], ['saliency']),
    ]
    graph = helper.make_graph(
        nodes, 'coloured_targets',
        [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['batch', 3, height, width])],
        [helper.make_tensor_value_info('saliency', TensorProto.FLOAT,
                                       ['batch', 1, height, width])],
        initializer=[const('twenty', 20.0), const('threshold', CHROMA_THRESHOLD),
                     const('gain', 1.0 / (1.0 - CHROMA_THRESHOLD)), const('tiny', 1e-3),
                     const('zero', 0.0), const('one', 1.0)])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    helper.set_model_props(model, {'test_double': 'marks strongly coloured objects'})
    path = Path(path)
    onnx.save(model, str(path))
    return path


def reference(image: np.ndarray) -> np.ndarray:
    """Return the un-blurred mask the graph computes for an (H, W, 3) RGB image (for tests)."""
    rgb = image.astype(np.float32)
    chroma = (rgb.max(axis=2) - rgb.min(axis=2)) / (rgb.max(axis=2) + 20.0)
    return np.clip((chroma - CHROMA_THRESHOLD) / (1.0 - CHROMA_THRESHOLD), 0.0, None)
