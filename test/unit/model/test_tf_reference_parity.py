"""
Proof of faithfulness against a TensorFlow reference of the official graph.

The reference (``test/tf_reference.py``) is built like the official ``model.py`` with seeded
random weights and saved as the official code ships models: a frozen ``.pb`` (cpu and gpu
variants), a TF2 SavedModel and a TF1 checkpoint. The project's importers read those files,
the ONNX export of the imported weights runs in ONNX Runtime, and outputs are compared on the
same inputs at the official sizes 240x320 and 360x360.
"""

from collections import Counter

from msinet_ros.errors import ModelFormatError
from msinet_ros.model import onnx_export, weights
from msinet_ros.model.importers import detect_format, import_weights
import numpy as np
from onnx import helper, TensorProto
import onnxruntime as ort
import pytest

tf = pytest.importorskip('tensorflow', reason='the TensorFlow reference needs tensorflow-cpu')
tf_reference = pytest.importorskip('tf_reference')

SEED = 2020
TOLERANCE = 1e-4  # max abs on the normalised map; also relative to the logits' range


@pytest.fixture(scope='module')
def random():
    return weights.random_weights(SEED)


@pytest.fixture(scope='module')
def reference(random):
    return tf_reference.Reference(random, 'cpu')


@pytest.fixture(scope='module')
def files(tmp_path_factory, random, reference):
    folder = tmp_path_factory.mktemp('official')
    gpu = tf_reference.Reference(random, 'gpu')
    return {
        'cpu': reference.save_frozen(folder / 'model_salicon_cpu.pb'),
        'gpu': gpu.save_frozen(folder / 'model_mit1003_gpu.pb'),
        'gpu_reference': gpu,
        'saved_model': tf_reference.save_saved_model(random, folder / 'savedmodel'),
        'checkpoint': reference.save_checkpoint(folder / 'model_osie_cpu.ckpt'),
    }


def photo_like(height, width, seed=0):
    """Smooth random images with structure (pure noise would be a weak test of resizes)."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(0, 255, (2, height // 8, width // 8, 3)).astype(np.float32)
    big = np.repeat(np.repeat(small, 8, axis=1), 8, axis=2)
    return np.clip(big + rng.normal(0, 20, big.shape), 0, 255).astype(np.float32)


def onnx_with_logits(model):
    """Expose the last conv (before normalisation) as a second output."""
    model.graph.output.append(helper.make_tensor_value_info('decoder/conv4', TensorProto.FLOAT,
                                                            None))
    return model


def run_onnx(model, nhwc):
    session = ort.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
    names = [o.name for o in model.graph.output]
    outs = session.run(names, {'image': nhwc.transpose(0, 3, 1, 2).copy()})
    return [o.transpose(0, 2, 3, 1) for o in outs]


def deviation(reference_run, onnx_run):
    (ref_map, ref_logits), (our_map, our_logits) = reference_run, onnx_run
    span = ref_logits.max() - ref_logits.min()
    return (np.abs(ref_map - our_map).max(), np.abs(ref_logits - our_logits).max() / span)


def test_frozen_graph_has_the_official_form(files):
    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(files['cpu'].read_bytes())
    ops = Counter(node.op for node in graph.node)
    assert ops['SpaceToBatchND'] == ops['BatchToSpaceND'] == 6  # conv5 x3, ASPP x3
    assert ops['Identity'] == 0 and ops['Conv2D'] == 23
    assert {n.name for n in graph.node} >= {'input', 'output'}


@pytest.mark.parametrize('kind, key', [('frozen_graph', 'cpu'), ('frozen_graph', 'gpu'),
                                       ('saved_model', 'saved_model'),
                                       ('checkpoint', 'checkpoint')])
def test_importers_recover_the_weights_exactly(files, random, kind, key):
    assert detect_format(files[key]) == kind
    imported, metadata = import_weights(files[key])
    assert all(np.array_equal(imported[name], random[name]) for name in random)
    assert kind in metadata['source']


def test_dataset_and_training_size_come_from_official_names(files):
    assert import_weights(files['cpu'])[1]['dataset'] == 'salicon'
    _, meta = import_weights(files['gpu'])
    assert (meta['dataset'], meta['input_size']) == ('mit1003', '360x360')
    assert import_weights(files['saved_model'], dataset='salicon')[1]['input_size'] == '240x320'


@pytest.mark.parametrize('size', [(240, 320), (360, 360)])
def test_onnx_of_imported_weights_matches_tensorflow(files, reference, size):
    imported, _ = import_weights(files['cpu'])
    model = onnx_with_logits(onnx_export.build(imported, *size, batch=None))
    x = photo_like(*size)
    ref = reference.run(x)
    # not vacuous: the reference map has structure, and its logits a real range
    assert ref[0].std() > 0.05 and len(np.unique(np.round(ref[0], 3))) > 200
    assert ref[1].max() - ref[1].min() > 1.0
    map_dev, logit_dev = deviation(ref, run_onnx(model, x))
    assert map_dev <= TOLERANCE and logit_dev <= TOLERANCE, (map_dev, logit_dev)


def test_channels_first_variant_computes_the_same(files, reference):
    x = photo_like(240, 320, seed=1)
    map_dev, _ = deviation(reference.run(x), files['gpu_reference'].run(x))
    assert map_dev <= TOLERANCE


def test_torch_definition_matches_tensorflow(files, reference):
    torch = pytest.importorskip('torch')
    from msinet_ros.model.torch_model import MSINet

    imported, _ = import_weights(files['saved_model'])
    x = photo_like(240, 320, seed=2)
    with torch.no_grad():
        ours = MSINet(imported).eval()(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    assert np.abs(ours.numpy().transpose(0, 2, 3, 1) - reference.run(x)[0]).max() <= TOLERANCE


def test_fp16_onnx_is_within_1e_2(files, reference):
    imported, _ = import_weights(files['cpu'])
    model = onnx_export.build(imported, 240, 320, batch=None, fp16=True)
    x = photo_like(240, 320, seed=3)
    (ours,) = run_onnx(model, x)
    assert np.abs(ours - reference.run(x)[0]).max() <= 1e-2


def _half_pixel_resize(model):
    for node in model.graph.node:
        if node.op_type == 'Resize':
            for attr in node.attribute:
                if attr.name == 'coordinate_transformation_mode':
                    attr.s = b'half_pixel'
    return model


def _pad_top_left(model):
    for node in model.graph.node:
        if node.name in ('pool4', 'pool5'):
            for attr in node.attribute:
                if attr.name == 'pads':
                    attr.ints[:] = [1, 1, 0, 0]
    return model


@pytest.mark.parametrize('break_it', [_half_pixel_resize, _pad_top_left])
def test_the_check_catches_wrong_variants(files, reference, break_it):
    imported, _ = import_weights(files['cpu'])
    model = onnx_with_logits(break_it(onnx_export.build(imported, 240, 320, batch=None)))
    x = photo_like(240, 320)
    map_dev, logit_dev = deviation(reference.run(x), run_onnx(model, x))
    assert map_dev > 100 * TOLERANCE and logit_dev > 100 * TOLERANCE, (map_dev, logit_dev)


def test_mismatching_architecture_is_refused_naming_the_layer(files, tmp_path):
    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(files['cpu'].read_bytes())
    for node in graph.node:  # halve the output channels of one ASPP kernel
        if node.op == 'Const' and tuple(d.size for d in
                                        node.attr['value'].tensor.tensor_shape.dim) == \
                (3, 3, 1280, 256):
            node.attr['value'].tensor.CopyFrom(tf.make_tensor_proto(
                np.zeros((3, 3, 1280, 128), np.float32)))
            break
    bad = tmp_path / 'model_salicon_cpu.pb'
    bad.write_bytes(graph.SerializeToString())
    with pytest.raises(ModelFormatError, match=r'layer aspp/conv1_\d expects kernel '
                                               r'\(3, 3, 1280, 256\).*\(3, 3, 1280, 128\)'):
        import_weights(bad)


def test_foreign_and_truncated_graphs_are_refused(files, tmp_path):
    with tf.Graph().as_default() as graph:
        x = tf.compat.v1.placeholder(tf.float32, (None, 8, 8, 3), name='input')
        tf.nn.conv2d(x, tf.ones((3, 3, 3, 4)), 1, 'SAME', name='output')
    foreign = tmp_path / 'foreign.pb'
    foreign.write_bytes(graph.as_graph_def().SerializeToString())
    with pytest.raises(ModelFormatError, match='1 convolutions, MSI-Net has 23'):
        import_weights(foreign)
    truncated = tmp_path / 'cut.pb'
    truncated.write_bytes(files['cpu'].read_bytes()[:100_000])
    with pytest.raises(ModelFormatError, match='not a TensorFlow GraphDef|missing node'):
        import_weights(truncated)
