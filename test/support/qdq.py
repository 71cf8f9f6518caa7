"""
Make a QDQ (explicitly quantized) copy of an MSI-Net ONNX by graph surgery, for the fakes.

``msinet quantize`` calibrates through ONNX Runtime (seconds per model); the TensorRT tests
only need the graph's shape: a QuantizeLinear → DequantizeLinear pair in front of both inputs
of every convolution, with a chosen zero point type and value, as the two quantization
targets write them (``tensorrt``: int8 zero points 0; ``onnxruntime``: uint8 activations).
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import helper, numpy_helper


def add_qdq(source: Path, target: Path, zero_point: int = 0, dtype=np.int8) -> Path:
    """Write ``source`` with Q/DQ pairs before each Conv's inputs to ``target``."""
    model = onnx.load(str(source))
    graph = model.graph
    nodes = []
    for node in graph.node:
        if node.op_type == 'Conv':
            for slot in (0, 1):
                original = node.input[slot]
                stem = f'{node.name}/in{slot}'
                scale = numpy_helper.from_array(np.array(0.05, np.float32), f'{stem}/scale')
                zero = numpy_helper.from_array(np.array(zero_point, dtype), f'{stem}/zero')
                graph.initializer.extend([scale, zero])
                nodes.append(helper.make_node('QuantizeLinear', [original, scale.name, zero.name],
                                              [f'{stem}/q'], name=f'{stem}_QuantizeLinear'))
                nodes.append(helper.make_node('DequantizeLinear',
                                              [f'{stem}/q', scale.name, zero.name],
                                              [f'{stem}/dq'], name=f'{stem}_DequantizeLinear'))
                node.input[slot] = f'{stem}/dq'
        nodes.append(node)
    del graph.node[:]
    graph.node.extend(nodes)
    props = {p.key: p.value for p in model.metadata_props}
    props['export_precision'] = 'int8'
    del model.metadata_props[:]
    helper.set_model_props(model, props)
    onnx.save(model, str(target))
    return Path(target)
