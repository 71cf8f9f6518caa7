"""
What a model file may make the package read: ONNX external data, TensorRT engines.

ONNX Runtime 1.20 (the oldest supported) reads external data from ``../``, absolute paths and
symlinks leading out of the model's folder; the package refuses such files before anything
reads them. Engines are executable artefacts: they are deserialized only from the cache
directory or from a path the user gave, never found next to a model or in the working folder.
"""

import json
from pathlib import Path

from msinet_ros.errors import ModelFormatError
from msinet_ros.inference.backends import BackendOptions, create, TensorRTOptions
from msinet_ros.inference.predictor import SaliencyPredictor
from msinet_ros.model import onnx_export
from msinet_ros.model.trust import check_external_data, external_data_locations
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
import onnxruntime
import pytest
from support.fake_tensorrt import describe_engine, ENGINE_MAGIC

DATA = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
OUTSIDE = np.array([100.0, 200.0, 300.0, 400.0], np.float32)
REFUSED = "reads ONNX external data only from files inside the model's folder"


def external(name, location):
    """Return a float tensor of 4 values whose data is in the file ``location``."""
    tensor = numpy_helper.from_array(DATA, name)
    tensor.ClearField('raw_data')
    tensor.data_location = TensorProto.EXTERNAL
    tensor.external_data.add(key='location', value=location)
    return tensor


def model_with(location=None, image_shape=(1, 3, 1, 4)):
    """
    Return ``saliency = mean over channels of image + w``, MSI-Net's input and output shapes.

    ``w`` is external at ``location``, or inline when None.
    """
    w = numpy_helper.from_array(DATA, 'w') if location is None else external('w', location)
    graph = helper.make_graph(
        [helper.make_node('ReduceMean', ['image'], ['mean'], axes=[1], keepdims=1),
         helper.make_node('Add', ['mean', 'w'], ['saliency'])], 'g',
        [helper.make_tensor_value_info('image', TensorProto.FLOAT, list(image_shape))],
        [helper.make_tensor_value_info('saliency', TensorProto.FLOAT,
                                       [image_shape[0], 1, *image_shape[2:]])], [w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    model.ir_version = 8
    return model


@pytest.fixture
def layout(tmp_path):
    """Return a model folder with data inside, a secret file beside it, links out of it."""
    folder = tmp_path / 'model'
    (folder / 'sub').mkdir(parents=True)
    (folder / 'w.bin').write_bytes(DATA.tobytes())
    (folder / 'sub' / 'w.bin').write_bytes(DATA.tobytes())
    secret = tmp_path / 'secret.bin'
    secret.write_bytes(OUTSIDE.tobytes())
    (folder / 'link.bin').symlink_to(secret)
    (folder / 'linked_dir').symlink_to(tmp_path, target_is_directory=True)
    return folder, secret


def save(folder, location, name='m.onnx', **kwargs):
    path = folder / name
    onnx.save_model(model_with(location, **kwargs), str(path))
    return path


def run_onnxruntime(path):
    with create('onnxruntime', path, BackendOptions()) as backend:
        return backend.infer(np.zeros((1, 3, 1, 4), np.float32)).ravel()


@pytest.mark.parametrize('location', ['w.bin', './w.bin', 'sub/w.bin', 'sub/../w.bin'])
def test_external_data_inside_the_model_folder_loads_and_runs(layout, location):
    folder, _ = layout
    path = save(folder, location)
    check_external_data(path)
    assert onnx_export.describe(path).input_shape == (1, 3, 1, 4)
    assert run_onnxruntime(path).tolist() == DATA.tolist()  # the data really was read


def test_a_model_without_external_data_passes(layout):
    folder, _ = layout
    path = save(folder, None)
    assert list(external_data_locations(onnx.load_model(str(path)))) == []
    check_external_data(path)
    assert run_onnxruntime(path).tolist() == DATA.tolist()


@pytest.mark.parametrize('location, why', [
    ('../secret.bin', 'outside the model'),
    ('sub/../../secret.bin', 'outside the model'),
    ('link.bin', 'outside the model'),  # a symlink in the folder pointing out of it
    ('linked_dir/secret.bin', 'outside the model'),  # through a symlinked folder
    ('ABSOLUTE', 'an absolute path'),
    ('', 'not a file name'),
])
def test_external_data_leaving_the_model_folder_is_refused(layout, location, why):
    folder, secret = layout
    path = save(folder, str(secret) if location == 'ABSOLUTE' else location)
    with pytest.raises(ModelFormatError, match=why) as error:
        check_external_data(path)
    assert "'w'" in str(error.value) and REFUSED in str(error.value)
    assert 'msinet export' in str(error.value)  # says what to do


def test_a_relative_model_path_resolves_from_the_working_directory(layout, monkeypatch):
    folder, _ = layout
    save(folder, 'w.bin', 'inside.onnx')
    save(folder, '../secret.bin', 'outside.onnx')
    monkeypatch.chdir(folder / 'sub')
    check_external_data(Path('..') / 'inside.onnx')
    with pytest.raises(ModelFormatError, match=REFUSED):
        check_external_data(Path('..') / 'outside.onnx')


def test_a_model_reached_through_a_symlinked_folder_reads_its_own_data(layout, tmp_path):
    folder, _ = layout
    save(folder, 'w.bin')
    (tmp_path / 'alias').symlink_to(folder, target_is_directory=True)
    check_external_data(tmp_path / 'alias' / 'm.onnx')


def test_tensors_outside_the_initializers_are_checked_too(layout):
    """Constant attributes (which ONNX Runtime 1.20 reads), subgraphs, functions, sparse."""
    folder, _ = layout
    constant = helper.make_node('Constant', [], ['c'], value=external('c', '../c.bin'))
    then_branch = helper.make_graph(
        [helper.make_node('Identity', ['i'], ['t'])], 'then', [],
        [helper.make_tensor_value_info('t', TensorProto.FLOAT, [4])],
        [external('i', '../i.bin')])
    else_branch = helper.make_graph(
        [helper.make_node('Identity', ['c'], ['e'])], 'else', [],
        [helper.make_tensor_value_info('e', TensorProto.FLOAT, [4])])
    branch = helper.make_node('If', ['cond'], ['y'], then_branch=then_branch,
                              else_branch=else_branch)
    sparse = helper.make_sparse_tensor(external('s_values', '../s.bin'),
                                       numpy_helper.from_array(np.arange(4), 's_indices'), [8])
    graph = helper.make_graph([constant, branch], 'g', [], [], sparse_initializer=[sparse])
    function = onnx.FunctionProto(
        name='f', domain='local', node=[helper.make_node(
            'Constant', [], ['k'], value=external('k', '/k.bin'))])
    model = helper.make_model(graph, functions=[function])
    assert sorted(external_data_locations(model)) == [
        ('c', '../c.bin'), ('i', '../i.bin'), ('k', '/k.bin'), ('s_values', '../s.bin')]
    onnx.save_model(model, str(folder / 'many.onnx'))
    with pytest.raises(ModelFormatError, match=REFUSED):
        check_external_data(folder / 'many.onnx')


def test_the_onnxruntime_backend_refuses_before_onnxruntime_opens_the_model(
        layout, monkeypatch):
    folder, _ = layout
    path = save(folder, '../secret.bin')
    sessions = []
    monkeypatch.setattr(onnxruntime, 'InferenceSession',
                        lambda *args, **kwargs: sessions.append(args))
    with pytest.raises(ModelFormatError, match=REFUSED):
        create('onnxruntime', path, BackendOptions())
    assert sessions == []  # refused by the package, not by (some versions of) ONNX Runtime


def test_the_predictor_refuses_such_a_model_when_it_is_given(layout):
    """The model source reads every ONNX file first: this covers the TensorRT path too."""
    folder, _ = layout
    path = save(folder, 'link.bin')
    for backend in ('onnxruntime', 'tensorrt'):
        with pytest.raises(ModelFormatError, match=REFUSED):
            SaliencyPredictor(path, backend)


def test_the_tensorrt_backend_refuses_such_an_onnx_before_building(trt, layout, tmp_path):
    folder, _ = layout
    path = save(folder, '../secret.bin', image_shape=(1, 3, 8, 8))
    with pytest.raises(ModelFormatError, match=REFUSED):
        create('tensorrt', path, BackendOptions(cache_dir=str(tmp_path / 'cache'),
                                                log=lambda message: None))
    assert trt.builds == []


# --- engines: only from the cache directory or a path the user gave -------------------------

@pytest.fixture
def small_onnx(tmp_path):
    """Return an ONNX of MSI-Net's interface (image [B, 3, 8, 8] -> saliency [B, 1, 8, 8])."""
    graph = helper.make_graph(
        [helper.make_node('ReduceMean', ['image'], ['saliency'], axes=[1], keepdims=1)], 'g',
        [helper.make_tensor_value_info('image', TensorProto.FLOAT, ['batch', 3, 8, 8])],
        [helper.make_tensor_value_info('saliency', TensorProto.FLOAT, ['batch', 1, 8, 8])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 17)])
    path = tmp_path / 'model' / 'small.onnx'
    path.parent.mkdir()
    onnx.save_model(model, str(path))
    return path


def test_engines_are_deserialized_only_from_the_cache_directory(trt, small_onnx, tmp_path,
                                                                monkeypatch):
    """Engines planted under the cache's own file name beside the model and in the cwd."""
    deserialized = []
    original = trt.Runtime.deserialize_cuda_engine

    def spy(runtime, blob):
        deserialized.append(bytes(blob))
        return original(runtime, blob)

    def prepare(model):
        options = BackendOptions(cache_dir=str(cache), log=lambda message: None)
        with SaliencyPredictor(model, 'tensorrt', options=options,
                               backend_options=TensorRTOptions()) as predictor:
            predictor.prepare()
            return predictor.backend_for(predictor.sizes[0]).engine_path

    monkeypatch.setattr(trt.Runtime, 'deserialize_cuda_engine', spy)
    cwd, cache = tmp_path / 'cwd', tmp_path / 'cache'
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    engine = prepare(small_onnx)  # built into the cache
    planted = ENGINE_MAGIC + json.dumps({**describe_engine(engine.read_bytes()),
                                         'planted': True}).encode()
    for folder in (small_onnx.parent, cwd):
        (folder / engine.name).write_bytes(planted)
    engine.unlink()
    assert prepare(small_onnx) == engine  # built into the cache again, not found elsewhere
    assert prepare(small_onnx) == engine  # and loaded from there
    assert len(trt.builds) == 2 and len(deserialized) == 3
    assert planted not in deserialized and set(deserialized[1:]) == {engine.read_bytes()}
    assert prepare(cwd / engine.name) == cwd / engine.name  # a path the user gave: as given
    assert deserialized[-1] == planted
