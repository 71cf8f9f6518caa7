"""INT8 quantization: each target's QDQ layout, what stays float, metadata, errors, agreement."""

import tempfile

import cv2
from msinet_ros.errors import ImageError, ModelFormatError, ParameterError
from msinet_ros.evaluation.compare import agreement
from msinet_ros.inference.backends import BackendOptions
from msinet_ros.inference.predictor import SaliencyPredictor
from msinet_ros.inference.preprocess import preprocess
from msinet_ros.model import onnx_export, quantize, weights
from msinet_ros.model.source import ModelSource, ONNX
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
import pytest

H, W = 48, 64  # calibration keeps every intermediate tensor of a batch: keep it small
# Measured on these four images (48x64, random weights seed 11): the lowest CC of an INT8 map
# with the fp32 one was 0.994 (onnxruntime target) and 0.993 (tensorrt target) with onnxruntime
# 1.32, 0.994 and 0.993 with 1.20.1; 0.98 leaves room for other kernels' rounding, and is far
# above what a broken quantization gives (CC of unrelated maps is near 0).
MIN_CC = 0.98
QUIET = BackendOptions(log=lambda message: None)


def _scene(rng, shape):
    """Return a smooth RGB picture: a few coloured blobs on a gradient."""
    rows, cols = np.mgrid[:shape[0], :shape[1]] / np.array(shape).reshape(2, 1, 1)
    image = np.stack([rows, cols, 1 - rows], axis=-1) * 120
    for _ in range(4):
        centre, width = rng.uniform(0, 1, 2), rng.uniform(0.05, 0.2)
        blob = np.exp(-((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) / (2 * width ** 2))
        image += blob[..., None] * rng.uniform(0, 135, 3)
    return np.clip(image, 0, 255).astype(np.uint8)


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('calibration')
    rng = np.random.default_rng(2)
    for index, shape in enumerate(((120, 160), (150, 100), (64, 64))):
        cv2.imwrite(str(folder / f'scene{index}.png'), _scene(rng, shape))
    held_out = tmp_path_factory.mktemp('held_out') / 'wide.png'
    cv2.imwrite(str(held_out), _scene(rng, (90, 200)))
    return folder, held_out


@pytest.fixture(scope='module')
def fp32(tmp_path_factory):
    path = tmp_path_factory.mktemp('fp32') / 'fp32.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(11), H, W,
                                       metadata=weights.random_metadata(11)), path)
    return path


@pytest.fixture(scope='module')
def quantized(fp32, images, tmp_path_factory):
    folder = tmp_path_factory.mktemp('int8')
    return {target: quantize.quantize(fp32, [images[0]], folder / f'{target}.onnx', target)
            for target in quantize.TARGETS}


class Graph:
    """An ONNX graph indexed by tensor: its producer, consumers and initializers."""

    def __init__(self, path):
        self.model = onnx.load(str(path))
        graph = self.model.graph
        self.nodes = {node.name: node for node in graph.node}
        self.inits = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
        self.producer = {out: node for node in graph.node for out in node.output}
        self.consumers = {}
        for node in graph.node:
            for name in node.input:
                self.consumers.setdefault(name, []).append(node)

    def of_type(self, op_type):
        return [node for node in self.model.graph.node if node.op_type == op_type]

    def zero_points(self):
        """Return the zero points of every QuantizeLinear and DequantizeLinear."""
        return [self.inits[node.input[2]] for node in self.model.graph.node
                if node.op_type in ('QuantizeLinear', 'DequantizeLinear')]


def _out_channels(conv):
    layer = conv.name[:-len('/conv')] if conv.name.endswith('/conv') else conv.name
    return weights.expected_shapes()[f'{layer}/kernel'][3]  # HWIO


def _weight_dequantize(graph, conv):
    producer = graph.producer.get(conv.input[1])
    assert producer is not None and producer.op_type == 'DequantizeLinear', conv.name
    return producer


@pytest.mark.parametrize('target', quantize.TARGETS)
def test_every_convolution_but_the_last_gets_int8_weights_with_one_scale_per_channel(
        quantized, target):
    graph = Graph(quantized[target].path)
    assert graph.of_type('QuantizeLinear') and graph.of_type('DequantizeLinear')
    convs = [conv for conv in graph.of_type('Conv') if conv.name != quantize.FINAL_CONV]
    assert len(convs) == 22
    for conv in convs:
        dequantize = _weight_dequantize(graph, conv)
        assert graph.inits[dequantize.input[1]].shape == (_out_channels(conv),)
        axis = [a.i for a in dequantize.attribute if a.name == 'axis']
        assert axis == [0], conv.name
        assert graph.inits[dequantize.input[2]].dtype == np.int8


def test_the_tensorrt_target_is_symmetric_with_zero_points_0_and_float_biases(quantized):
    graph = Graph(quantized['tensorrt'].path)
    points = graph.zero_points()
    assert points and all(p.dtype == np.int8 and not p.any() for p in points)
    for conv in graph.of_type('Conv'):
        assert conv.input[2] in graph.inits and graph.inits[conv.input[2]].dtype == np.float32
        weight = graph.producer.get(_weight_dequantize(graph, conv).input[0]) \
            if conv.name != quantize.FINAL_CONV else None
        assert weight is None or weight.op_type == 'QuantizeLinear'  # float weights, Q/DQ pair


def test_the_onnxruntime_target_quantizes_activations_asymmetrically_in_uint8(quantized):
    points = Graph(quantized['onnxruntime'].path).zero_points()
    activations = [p for p in points if p.dtype == np.uint8]
    assert activations and any(p.any() for p in activations)  # ONNX Runtime's asymmetric ranges
    assert all(p.dtype in (np.uint8, np.int8, np.int32) for p in points)


@pytest.mark.parametrize('target', quantize.TARGETS)
def test_the_last_convolution_and_the_normalisation_stay_float(quantized, target):
    result = quantized[target]
    graph = Graph(result.path)
    kept = [name for name in graph.nodes if name.startswith(quantize.FLOAT_NODES)]
    assert kept == list(result.float_nodes) == [
        'decoder/conv4', 'output/min', 'output/shifted', 'output/max', 'output/denominator',
        'saliency']
    last = graph.nodes[quantize.FINAL_CONV]
    assert all(graph.inits[name].dtype == np.float32 for name in last.input[1:])
    for name in kept:
        node = graph.nodes[name]
        inputs = node.input if name != quantize.FINAL_CONV else ()  # its input is conv3's
        assert not any(getattr(graph.producer.get(t), 'op_type', '') == 'DequantizeLinear'
                       for t in inputs), name
        assert not any(c.op_type == 'QuantizeLinear' for t in node.output
                       for c in graph.consumers.get(t, [])), name


@pytest.mark.parametrize('target', quantize.TARGETS)
def test_the_map_keeps_more_than_256_levels(quantized, images, target):
    """A quantized last convolution or normalisation would leave at most 256 values (~240)."""
    with SaliencyPredictor(quantized[target].path, options=QUIET) as predictor:
        result = predictor.predict(cv2.imread(str(images[1]))[..., ::-1])
    assert len(np.unique(result.model_saliency)) > 1000


def test_metadata_records_source_target_images_and_what_stayed_float(quantized, fp32):
    metadata = onnx_export.read_metadata(quantized['tensorrt'].path)
    assert metadata['export_precision'] == 'int8'
    assert metadata['quantization_target'] == 'tensorrt'
    assert metadata['quantization_calibration_images'] == '3'
    assert metadata['quantization_source'].startswith('fp32.onnx (sha256 ')
    assert metadata['quantization_float_nodes'].split(',') == list(quantize.FLOAT_NODES[:1]) + [
        'output/min', 'output/shifted', 'output/max', 'output/denominator', 'saliency']
    assert 'zero points 0' in metadata['quantization_scheme']
    # the fp32 export's own metadata is kept: a random model stays marked random
    assert metadata['random'] == 'true' and metadata['export_input_size'] == f'{H}x{W}'


def test_model_source_reads_an_int8_file_as_a_fixed_size_onnx(quantized):
    source = ModelSource.of(quantized['onnxruntime'].path)
    assert source.kind == ONNX and source.fixed_size == (H, W)
    assert source.onnx.precision == 'int8' and source.is_random


def test_an_int8_file_is_described_as_int8_by_metadata_or_by_its_qdq_nodes(quantized, tmp_path):
    path = quantized['tensorrt'].path
    assert onnx_export.describe(path).precision == 'int8'
    model = onnx.load(str(path))  # the same graph without msinet's metadata
    del model.metadata_props[:]
    onnx.save(model, str(tmp_path / 'unlabelled.onnx'))
    assert onnx_export.describe(tmp_path / 'unlabelled.onnx').precision == 'int8'


def test_the_onnxruntime_backend_says_it_runs_int8(quantized, fp32):
    with SaliencyPredictor(quantized['onnxruntime'].path, options=QUIET) as int8, \
            SaliencyPredictor(fp32, options=QUIET) as float32:
        for predictor in (int8, float32):  # sessions are made on first use
            predictor.predict(np.zeros((H, W, 3), np.uint8))
        assert 'int8 ONNX' in int8.describe() and 'fp32 ONNX' in float32.describe()


@pytest.mark.parametrize('target', quantize.TARGETS)
def test_int8_maps_agree_with_fp32_through_the_predictor(quantized, fp32, images, target):
    frames = [cv2.imread(str(p))[..., ::-1] for p in sorted(images[0].iterdir())]
    frames.append(cv2.imread(str(images[1]))[..., ::-1])  # not among the calibration images
    options = QUIET
    with SaliencyPredictor(fp32, options=options) as reference, \
            SaliencyPredictor(quantized[target].path, options=options) as candidate:
        cc = [agreement('x', reference.predict(f).saliency, candidate.predict(f).saliency)
              .values['CC'] for f in frames]
    assert min(cc) > MIN_CC, cc


def test_the_reader_letterboxes_as_the_predictor_and_fills_a_fixed_batch(images):
    paths = sorted(images[0].iterdir())
    reader = quantize.CalibrationReader(paths, (H, W), 'image', batch=2)
    assert len(reader) == 2
    first, second = reader.get_next()['image'], reader.get_next()['image']
    assert reader.get_next() is None
    expected = preprocess(cv2.imread(str(paths[0]))[..., ::-1], (H, W))[0][0]
    assert first.shape == second.shape == (2, 3, H, W)
    np.testing.assert_array_equal(first[0], expected)
    np.testing.assert_array_equal(second[1], expected)  # the last batch cycles to the first
    reader.set_range(1, 2)  # as ONNX Runtime's strided calibration hands out one batch
    np.testing.assert_array_equal(reader.get_next()['image'], second)
    assert reader.get_next() is None


def _tiny_onnx(path, input_name='image', output_name='saliency'):
    node = helper.make_node('Relu', [input_name], [output_name], name='relu')
    graph = helper.make_graph(
        [node], 'other', [helper.make_tensor_value_info(input_name, TensorProto.FLOAT,
                                                        [1, 3, H, W])],
        [helper.make_tensor_value_info(output_name, TensorProto.FLOAT, [1, 3, H, W])])
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)]), str(path))
    return path


def _dynamic_size(fp32, path):
    model = onnx.load(str(fp32))
    for value in (model.graph.input[0], model.graph.output[0]):  # as a dynamic export has it
        for dim, name in zip(value.type.tensor_type.shape.dim[2:], 'hw'):
            dim.dim_param = name
    onnx.save(model, str(path))
    return path


def _assert_fails(error, match, model, images, output, **kwargs):
    """Assert the error, and that the output's folder is left exactly as it was."""
    before = sorted(output.parent.iterdir()) if output.parent.is_dir() else None
    with pytest.raises(error, match=match):
        quantize.quantize(model, images, output, **kwargs)
    after = sorted(output.parent.iterdir()) if output.parent.is_dir() else None
    assert after == before or (before is None and after == [])


def test_no_calibration_images_is_an_error_naming_what_to_give(fp32, tmp_path):
    empty = tmp_path / 'empty'
    empty.mkdir()
    _assert_fails(ImageError, 'no calibration images in .*empty: give image files or folders',
                  fp32, [empty], tmp_path / 'out' / 'm.onnx')


def test_a_missing_or_unreadable_calibration_image_is_an_error_naming_it(fp32, tmp_path):
    bad = tmp_path / 'bad.jpg'
    bad.write_text('not a picture')
    _assert_fails(ImageError, "'.*bad.jpg' is not a readable image", fp32, [bad],
                  tmp_path / 'm.onnx')
    _assert_fails(ImageError, "'.*gone.png' does not exist", fp32, [tmp_path / 'gone.png'],
                  tmp_path / 'm.onnx')


def test_a_truncated_image_is_refused_before_calibration(fp32, tmp_path):
    folder = tmp_path / 'images'
    folder.mkdir()
    png = cv2.imencode('.png', np.zeros((32, 32, 3), np.uint8))[1].tobytes()
    (folder / 'truncated.png').write_bytes(png[:40])  # a PNG signature, then nothing
    _assert_fails(ImageError, "'.*truncated.png' is not a readable image", fp32, [folder],
                  tmp_path / 'out' / 'm.onnx')


def test_a_quantization_interrupted_half_way_leaves_nothing_behind(fp32, images, tmp_path,
                                                                   monkeypatch):
    import onnxruntime.quantization

    def interrupted(model_input, model_output, reader, **options):
        reader.get_next()
        with open(model_output, 'wb') as handle:
            handle.write(b'half a model')
        raise KeyboardInterrupt

    monkeypatch.setattr(onnxruntime.quantization, 'quantize_static', interrupted)
    monkeypatch.setattr(tempfile, 'tempdir', str(tmp_path / 'tmp'))
    (tmp_path / 'tmp').mkdir()
    _assert_fails(KeyboardInterrupt, '', fp32, [images[1]], tmp_path / 'out' / 'm.onnx')
    assert list((tmp_path / 'tmp').iterdir()) == []


def test_a_model_of_dynamic_size_is_refused(fp32, images, tmp_path):
    _assert_fails(ModelFormatError, 'no fixed input size.*msinet export --size HxW',
                  _dynamic_size(fp32, tmp_path / 'dynamic.onnx'), [images[1]],
                  tmp_path / 'm.onnx')


def test_an_onnx_that_is_not_msi_net_is_refused(images, tmp_path):
    for path in (_tiny_onnx(tmp_path / 'other.onnx'),
                 _tiny_onnx(tmp_path / 'renamed.onnx', 'x', 'y')):
        _assert_fails(ModelFormatError, 'is not an MSI-Net ONNX', path,
                      [images[1]], tmp_path / 'm.onnx')


def test_an_int8_fp16_or_engine_model_is_refused(quantized, fp32, images, tmp_path):
    fp16 = onnx.load(str(fp32))  # marked as `msinet export --fp16` marks its files
    helper.set_model_props(fp16, {**onnx_export.read_metadata(fp32), 'export_precision': 'fp16'})
    onnx.save(fp16, str(tmp_path / 'fp16.onnx'))
    fp16 = tmp_path / 'fp16.onnx'
    engine = tmp_path / 'm.engine'
    engine.write_bytes(b'plan')
    for model, match in ((quantized['onnxruntime'].path, 'already quantized'),
                         (fp16, 'fp16 export; quantize the fp32 one'),
                         (engine, 'TensorRT engine; quantize the fp32 ONNX')):
        _assert_fails(ModelFormatError, match, model, [images[1]], tmp_path / 'm.onnx')


def test_settings_that_cannot_work_are_refused_before_any_work(fp32, images, tmp_path):
    weights_path = tmp_path / 'w.safetensors'
    weights.save(weights_path, weights.random_weights(1), weights.random_metadata(1))
    for model, output, kwargs, match in (
            (fp32, tmp_path / 'm.onnx', {'target': 'tflite'}, 'unknown quantization target'),
            (fp32, tmp_path / 'm.int8', {}, 'must end in .onnx'),
            (fp32, fp32, {}, 'is the model being quantized'),
            (fp32, tmp_path / 'm.onnx', {'size': (64, 64)}, f'exported for {H}x{W}, not 64x64'),
            (weights_path, tmp_path / 'm.onnx', {}, 'weights file: give the input size')):
        _assert_fails(ParameterError, match, model, [images[1]], output, **kwargs)
