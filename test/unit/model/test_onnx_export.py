"""The ONNX graph: exact op semantics by construction, metadata, fp16 layout, torch parity."""

from collections import Counter
import os
from pathlib import Path
import re
import subprocess
import sys

from msinet_ros.errors import ModelFormatError
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


# --- faults: unreadable, foreign, of another architecture, a full disk; INT8 for TensorRT ----

def tiny(inputs=((1, 3, 8, 8),), output=(1, 1, 8, 8), nodes=None, inits=()):
    """Return a small model: one Conv from 'image' to 'saliency' unless nodes are given."""
    values = [helper.make_tensor_value_info('image', TensorProto.FLOAT, list(shape))
              for shape in inputs]
    out = helper.make_tensor_value_info('saliency', TensorProto.FLOAT, list(output))
    weight = helper.make_tensor('w', TensorProto.FLOAT, [output[1], 3, 1, 1],
                                [1.0] * (3 * output[1]))
    nodes = nodes or [helper.make_node('Conv', ['image', 'w'], ['saliency'], name='conv')]
    model = helper.make_model(helper.make_graph(nodes, 'g', values, [out], [weight, *inits]),
                              opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    return model


UNREADABLE = 'is not a readable ONNX file.*export one with `msinet export`'


@pytest.mark.parametrize('content, message', [
    (b'', 'has 0 inputs and 0 outputs; an MSI-Net ONNX has one of each'),  # empty: parses
    (b'\x89PNG\r\n\x1a\n' + b'\x00' * 64, UNREADABLE),  # an image renamed .onnx
    ('half', UNREADABLE),  # a truncated export (a copy cut short)
])
def test_an_unreadable_or_foreign_file_is_one_clear_error(tmp_path, fp32_model, content,
                                                          message):
    path = tmp_path / 'model.onnx'
    if content == 'half':
        data = fp32_model.SerializeToString()
        content = data[:len(data) // 2]
    path.write_bytes(content)
    with pytest.raises(ModelFormatError, match=message):
        onnx_export.describe(path)


@pytest.mark.parametrize('inputs, output, problem', [
    (((1, 3, 224, 224),), (1, 1000, 1, 1), 'not \\[B, 1, 224, 224\\]'),  # a classifier
    (((1, 1, 8, 8),), (1, 1, 8, 8), 'not \\[B, 3, H, W\\]'),
    (((1, 3, 8, 8),), (1, 1, 4, 4), 'not \\[B, 1, 8, 8\\]'),
])
def test_io_problem_names_what_is_not_msinet(inputs, output, problem):
    model = tiny(inputs, output, nodes=[helper.make_node('Identity', ['image'], ['saliency'])])
    found = onnx_export.io_problem(model.graph.input[0], model.graph.output[0])
    assert re.search(problem, found)
    msinet = tiny()
    assert onnx_export.io_problem(msinet.graph.input[0], msinet.graph.output[0]) is None


def test_an_onnx_of_another_architecture_is_refused_by_describe(tmp_path):
    """Before describe checked it, such a model ran until OpenCV failed on its output."""
    path = tmp_path / 'classifier.onnx'
    onnx.save(tiny(((1, 3, 8, 8),), (1, 10, 1, 1)), str(path))
    with pytest.raises(ModelFormatError, match='not an MSI-Net ONNX'):
        onnx_export.describe(path)


FULL_DISK = """
import resource, signal, sys
import onnx
from msinet_ros.model import onnx_export
model = onnx.load(sys.argv[1])
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
onnx_export.save(model, sys.argv[2])
"""


@pytest.mark.parametrize('before', [None, b'the previous export'])
def test_an_export_on_a_full_disk_leaves_nothing_half_written(tmp_path, before):
    """onnx_export.save in a child process whose files may not exceed 4 kB."""
    source, target = tmp_path / 'source.onnx', tmp_path / 'out' / 'model.onnx'
    inits = [helper.make_tensor('big', TensorProto.FLOAT, [4096], [0.0] * 4096)]  # 16 kB
    onnx.save(tiny(inits=inits), str(source))
    if before is not None:
        target.parent.mkdir()
        target.write_bytes(before)
    repo = Path(__file__).resolve().parents[3]
    child = subprocess.run([sys.executable, '-c', FULL_DISK, str(source), str(target)],
                           cwd=repo, env={**os.environ, 'PYTHONPATH': str(repo)},
                           capture_output=True, text=True, timeout=60)
    assert child.returncode == 1
    assert child.stderr.splitlines()[-1].startswith(
        f'msinet_ros.errors.StorageError: cannot write {target}: File too large (EFBIG)')
    assert (target.read_bytes() if target.exists() else None) == before
    assert [p.name for p in target.parent.iterdir() if p.suffix == '.tmp'] == []


def qdq_graph(zero_point, dtype, as_constant=False):
    """Return tiny() with a Q/DQ pair (given zero point) before the Conv."""
    zero = helper.make_tensor('z', dtype, [], [zero_point])
    nodes = [helper.make_node('QuantizeLinear', ['image', 's', 'z'], ['q'], name='q'),
             helper.make_node('DequantizeLinear', ['q', 's', 'z'], ['dq'], name='dq'),
             helper.make_node('Conv', ['dq', 'w'], ['saliency'], name='conv')]
    inits = [helper.make_tensor('s', TensorProto.FLOAT, [], [0.1])]
    if as_constant:
        nodes.insert(0, helper.make_node('Constant', [], ['z'], value=zero))
    else:
        inits.append(zero)
    return tiny(nodes=nodes, inits=inits)


@pytest.mark.parametrize('zero_point, dtype, as_constant, found', [
    (0, TensorProto.INT8, False, []),  # `msinet quantize --target tensorrt`
    (0, TensorProto.INT8, True, []),
    (128, TensorProto.UINT8, False, ['q (uint8 zero point)', 'dq (uint8 zero point)']),
    (0, TensorProto.UINT8, False, ['q (uint8 zero point)', 'dq (uint8 zero point)']),
    (-5, TensorProto.INT8, True, ['q (zero point -5)', 'dq (zero point -5)']),
])
def test_asymmetric_quantizers_finds_what_tensorrt_refuses(zero_point, dtype, as_constant, found):
    assert onnx_export.asymmetric_quantizers(qdq_graph(zero_point, dtype, as_constant)) == found


def test_check_symmetric_int8_says_how_to_quantize_for_tensorrt(tmp_path):
    path = tmp_path / 'int8.onnx'
    onnx.save(qdq_graph(0, TensorProto.INT8), str(path))
    onnx_export.check_symmetric_int8(path)  # no error
    onnx.save(qdq_graph(128, TensorProto.UINT8), str(path))
    with pytest.raises(ModelFormatError, match='2 Q/DQ node.*e.g. q \\(uint8 zero point\\); '
                       'TensorRT runs only symmetric int8.*msinet quantize MODEL '
                       '--calibration IMAGES --target tensorrt'):
        onnx_export.check_symmetric_int8(path)
