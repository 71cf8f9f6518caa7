"""
Reading frozen GraphDefs without TensorFlow (runs under every supported protobuf).

A synthetic frozen MSI-Net graph is written with the reader's own message classes, with the
dilated convolutions as ``Conv2D`` + ``dilations`` attribute (the form newer TF versions
freeze; the ``SpaceToBatchND`` form is covered by the TensorFlow reference tests).
"""

from msinet_ros.errors import ModelFormatError
from msinet_ros.model import architecture, weights
from msinet_ros.model.graph_import import weights_from_graphdef
from msinet_ros.model.tf_graphdef import _graphdef_class, parse_graphdef, tensor_to_array
import numpy as np
import pytest

FLOAT, INT32, HALF = 1, 3, 19


def const(graph, name, array):
    node = graph.node.add(name=name, op='Const')
    tensor = node.attr['value'].tensor
    tensor.dtype = {np.float32: FLOAT, np.int32: INT32}[array.dtype.type]
    for size in array.shape:
        tensor.tensor_shape.dim.add(size=size)
    tensor.tensor_content = array.astype(array.dtype.newbyteorder('<')).tobytes()
    return name


def synthetic_graph(tensors, channels_first=False, resize_half_pixel=False):
    """Write MSI-Net's structure (from the architecture) as a frozen GraphDef."""
    graph = _graphdef_class()()
    graph.node.add(name='input', op='Placeholder')
    out = {}
    fmt = b'NCHW' if channels_first else b'NHWC'
    for op in architecture.OPS:
        src = [out[i] for i in op.inputs]
        name = op.name
        if op.kind == 'input':
            out[name] = 'input'
            continue
        if op.kind == 'conv':
            conv = graph.node.add(name=f'{name}/Conv2D', op='Conv2D',
                                  input=[src[0], const(graph, f'{name}/kernel',
                                                       tensors[f'{name}/kernel'])])
            conv.attr['data_format'].s = fmt
            d = op.dilation
            conv.attr['dilations'].list.i.extend([1, 1, d, d] if channels_first else [1, d, d, 1])
            graph.node.add(name=f'{name}/BiasAdd', op='BiasAdd',
                           input=[conv.name, const(graph, f'{name}/bias',
                                                   tensors[f'{name}/bias'])])
            last = graph.node.add(name=f'{name}/Relu', op='Relu', input=[f'{name}/BiasAdd']) \
                if op.relu else graph.node[-1]
            out[name] = last.name
            continue
        kind = {'subtract_mean': 'Sub', 'pool': 'MaxPool', 'concat': 'ConcatV2',
                'global_mean': 'Mean', 'broadcast': 'ResizeBilinear',
                'upsample': 'ResizeBilinear', 'normalize': 'RealDiv'}[op.kind]
        node = graph.node.add(name=name, op=kind, input=src[:1] if kind == 'ResizeBilinear'
                              else src)
        if kind == 'ResizeBilinear':
            node.attr['half_pixel_centers'].b = resize_half_pixel
        out[name] = name
    return graph


@pytest.fixture(scope='module')
def tensors():
    return weights.random_weights(11)


@pytest.mark.parametrize('channels_first', [False, True])
def test_structure_mapping_recovers_weights_from_serialized_graphs(tensors, channels_first):
    data = synthetic_graph(tensors, channels_first).SerializeToString()
    recovered = weights_from_graphdef(parse_graphdef(data))
    assert all(np.array_equal(recovered[k], tensors[k]) for k in tensors)


def test_shuffled_node_order_does_not_matter(tensors):
    graph = synthetic_graph(tensors)
    nodes = list(graph.node)
    np.random.default_rng(0).shuffle(nodes)
    del graph.node[:]
    graph.node.extend(nodes)
    recovered = weights_from_graphdef(parse_graphdef(graph.SerializeToString()))
    assert all(np.array_equal(recovered[k], tensors[k]) for k in tensors)


def test_half_pixel_resize_is_another_model(tensors):
    graph = synthetic_graph(tensors, resize_half_pixel=True)
    with pytest.raises(ModelFormatError, match='half-pixel'):
        weights_from_graphdef(graph)


def test_wrong_dilation_names_the_layer(tensors):
    graph = synthetic_graph(tensors)
    for node in graph.node:
        if node.name == 'aspp/conv1_3/Conv2D':
            node.attr['dilations'].list.i[:] = [1, 6, 6, 1]
    with pytest.raises(ModelFormatError, match='layer aspp/conv1_3 expects kernel .* dilation '
                                               '8.*aspp/conv1_3/Conv2D .* dilation 6'):
        weights_from_graphdef(graph)


def test_unfrozen_graph_is_refused(tensors):
    graph = synthetic_graph(tensors)
    for node in graph.node:
        if node.name == 'conv1/conv1_1/kernel':
            node.op = 'VariableV2'
    with pytest.raises(ModelFormatError, match='not a constant — is this a frozen graph'):
        weights_from_graphdef(graph)


def test_tensor_encodings_splat_half_and_ints():
    graph = _graphdef_class()()
    splat = graph.node.add(name='s', op='Const').attr['value'].tensor
    splat.dtype = FLOAT
    splat.tensor_shape.dim.add(size=2)
    splat.tensor_shape.dim.add(size=3)
    splat.float_val.append(1.5)
    half = graph.node.add(name='h', op='Const').attr['value'].tensor
    half.dtype = HALF
    half.tensor_shape.dim.add(size=2)
    half.half_val.extend(np.array([0.5, -2.0], np.float16).view(np.uint16).tolist())
    ints = graph.node.add(name='i', op='Const').attr['value'].tensor
    ints.dtype = INT32
    ints.tensor_shape.dim.add(size=2)
    ints.int_val.extend([2, 2])
    parsed = parse_graphdef(graph.SerializeToString())
    values = [tensor_to_array(n.attr['value'].tensor) for n in parsed.node]
    assert np.array_equal(values[0], np.full((2, 3), 1.5, np.float32))
    assert np.array_equal(values[1], np.array([0.5, -2.0], np.float16))
    assert values[2].dtype == np.int32 and values[2].tolist() == [2, 2]


@pytest.mark.parametrize('data', [b'', b'\xff\xff\xff garbage', b'\x0a\x05\x0a\x03abc'])
def test_non_graphs_are_refused(data):
    with pytest.raises(ModelFormatError, match='not a TensorFlow GraphDef'):
        parse_graphdef(data)
