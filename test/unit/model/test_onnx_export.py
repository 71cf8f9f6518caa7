"""The ONNX graph: exact op semantics by construction, metadata, fp16 layout, torch parity."""

from collections import Counter

from msinet_ros.model import onnx_export, weights
import numpy as np
import onnx
from onnx import helper, TensorProto
import onnxruntime as ort
import pytest

H, W = 64, 96  # small, to keep unit tests quick; official sizes are covered by the TF tests


@pytest.fixture(scope='module')
def random():
    return weights.random_weights(7)


@pytest.fixture(scope='module')
def fp32_model(random):
    return onnx_export.build(random, H, W, batch=None, metadata={'dataset': 'test'})


def run(model, images):
    session = ort.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
    return session.run(None, {'image': images})[0]


def images(batch, seed=0, height=H, width=W):
    return np.random.default_rng(seed).uniform(0, 255, (batch, 3, height, width)).astype(
        np.float32)


def attrs(node):
    return {a.name: helper.get_attribute_value(a) for a in node.attribute}


def test_graph_uses_tf1_semantics_and_no_shape_clutter(fp32_model):
    assert fp32_model.opset_import[0].version == 17
    ops = Counter(n.op_type for n in fp32_model.graph.node)
    assert ops['Conv'] == 23 and ops['Resize'] == 3 and ops['MaxPool'] == 5
    assert not {'Shape', 'Gather', 'Unsqueeze', 'Slice', 'Pad'} & set(ops)
    for node in fp32_model.graph.node:
        if node.op_type == 'Resize':
            assert attrs(node)['coordinate_transformation_mode'] == b'asymmetric'
            assert attrs(node)['mode'] == b'linear'
    pools = {n.name: attrs(n) for n in fp32_model.graph.node if n.op_type == 'MaxPool'}
    assert pools['pool4']['pads'] == pools['pool5']['pads'] == [0, 0, 1, 1]
    assert pools['pool4']['strides'] == [1, 1] and pools['pool1']['strides'] == [2, 2]


def test_io_shapes_and_dynamic_batch(fp32_model):
    dims = [d.dim_param or d.dim_value for d in
            fp32_model.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ['batch', 3, H, W]
    out = run(fp32_model, images(3))
    assert out.shape == (3, 1, H, W) and out.dtype == np.float32
    assert np.allclose(out.min(axis=(1, 2, 3)), 0) and np.allclose(out.max(axis=(1, 2, 3)), 1,
                                                                   atol=1e-6)


def test_batch_items_are_independent(fp32_model):
    batch = images(2)
    together = run(fp32_model, batch)
    alone = run(fp32_model, batch[1:])
    assert np.abs(together[1:] - alone).max() < 1e-5


def test_fixed_batch_is_fixed(random):
    model = onnx_export.build(random, H, W, batch=2)
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_value == 2


def test_metadata_records_weights_and_size(fp32_model, random):
    props = {p.key: p.value for p in fp32_model.metadata_props}
    assert props['dataset'] == 'test'
    assert props['export_input_size'] == f'{H}x{W}' and props['export_batch'] == 'dynamic'
    assert props['weights_sha256'] == onnx_export.weights_digest(random)
    assert props['architecture'] == 'MSI-Net (24934209 parameters)'


def test_fp16_variant_keeps_io_and_reductions_in_fp32(random, fp32_model):
    model = onnx_export.build(random, H, W, batch=None, fp16=True)
    graph = model.graph
    assert graph.input[0].type.tensor_type.elem_type == TensorProto.FLOAT
    assert graph.output[0].type.tensor_type.elem_type == TensorProto.FLOAT
    kernels = [i for i in graph.initializer if i.name.endswith('/kernel')]
    assert len(kernels) == 23 and all(k.data_type == TensorProto.FLOAT16 for k in kernels)
    inferred = onnx.shape_inference.infer_shapes(model)
    types = {v.name: v.type.tensor_type.elem_type for v in inferred.graph.value_info}
    gap = next(n for n in graph.node if n.op_type == 'GlobalAveragePool')
    assert types[gap.input[0]] == types[gap.output[0]] == TensorProto.FLOAT
    reduce_min = next(n for n in graph.node if n.op_type == 'ReduceMin')
    assert types[reduce_min.input[0]] == TensorProto.FLOAT
    x = images(2)
    assert np.abs(run(model, x) - run(fp32_model, x)).max() < 1e-2


def test_save_is_atomic(tmp_path, fp32_model, monkeypatch):
    target = tmp_path / 'm.onnx'

    def broken_save(model, path):
        open(path, 'wb').write(b'half')
        raise OSError('disk full')

    monkeypatch.setattr(onnx, 'save_model', broken_save)
    with pytest.raises(OSError):
        onnx_export.save(fp32_model, target)
    assert list(tmp_path.iterdir()) == []


def test_torch_definition_matches_onnx(random, fp32_model):
    torch = pytest.importorskip('torch')
    from msinet_ros.model.torch_model import MSINet

    x = images(2, seed=3)
    with torch.no_grad():
        expected = MSINet(random).eval()(torch.from_numpy(x)).numpy()
    assert np.abs(expected - run(fp32_model, x)).max() <= 1e-4
