"""The TensorRT backend through the predictor and the CLI, against each version's fake."""

import os
import sys
import threading

from msinet_ros.cli.main import main
from msinet_ros.errors import BuildCancelled, ParameterError
from msinet_ros.inference.backends import BackendOptions, TensorRTOptions
from msinet_ros.inference.predictor import AUTO_SIZES, SaliencyPredictor
from msinet_ros.inference.settings import make_predictor
from msinet_ros.inference.tensorrt.planning import EngineMismatchError
from msinet_ros.model import weights
from msinet_ros.parameters import SALIENCY_NODE
import numpy as np
import pytest

FRAME = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)


@pytest.fixture(scope='module')
def weights_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('w') / 'random.safetensors'
    weights.save(path, weights.random_weights(6), weights.random_metadata(6))
    return path


@pytest.fixture(scope='module')
def exports(weights_path, tmp_path_factory):
    """Export the ONNX files the tests' predictors need once (as the predictor names them)."""
    folder = tmp_path_factory.mktemp('exports')
    for precision in ('fp32', 'fp16'):
        with SaliencyPredictor(weights_path, 'onnxruntime', options=BackendOptions(
                precision=precision, cache_dir=str(folder), log=lambda m: None)) as p:
            for size in ((64, 64), (64, 96)) + (AUTO_SIZES if precision == 'fp32' else ()):
                p._model_for(size)
    return folder


@pytest.fixture
def tmp_path(tmp_path, exports):
    """Each test's cache directory, holding the shared exports (hard links, not copies)."""
    for onnx in exports.glob('*.onnx'):
        os.link(onnx, tmp_path / onnx.name)
    return tmp_path


def node_defaults(**changes):
    """Return the saliency node's parameter values with the given changes."""
    return {**{spec.name: spec.default for spec in SALIENCY_NODE}, **changes}


def predictor(model, cache, precision='fp32', size='64x64', **extra):
    own = TensorRTOptions(**extra)
    return SaliencyPredictor(model, 'tensorrt', size, BackendOptions(
        precision=precision, cache_dir=str(cache), log=lambda m: None), own)


def live_allocations():
    return sys.modules['pycuda.driver']._fake_state.live_allocations()


@pytest.mark.parametrize('precision', ['fp32', 'fp16'])
def test_weights_run_in_an_engine_of_the_precision_the_bindings_can_build(
        trt, weights_path, tmp_path, precision):
    with predictor(weights_path, tmp_path, precision) as p:
        result = p.predict(FRAME)
        assert result.model_saliency.shape == (64, 64) and len(trt.builds) == 1
        described = p.describe()
    engine = trt.builds[0]
    typed = trt.__version__.startswith('11.') or (precision == 'fp16' and
                                                  not hasattr(trt.BuilderFlag, 'FP16'))
    assert engine['strongly_typed'] == typed
    if precision == 'fp16':
        assert ('strongly typed' if typed else 'builder flag') in described
    else:
        assert 'fp32 (TF32 off)' in described and 'TF32' not in engine['builder_flags']
    assert live_allocations() == 0  # closed


def test_a_cached_engine_is_loaded_without_building(trt, weights_path, tmp_path):
    with predictor(weights_path, tmp_path) as p:
        p.prepare()
    with predictor(weights_path, tmp_path) as p:
        p.prepare()
    assert len(trt.builds) == 1


def test_build_engine_prebuilds_exactly_what_the_node_then_loads(trt, weights_path, tmp_path,
                                                                 capsys):
    """`msinet build-engine MODEL` at the node's defaults; the node's predictor builds nothing."""
    assert main(['build-engine', str(weights_path), '--cache-dir', str(tmp_path)]) == 0
    assert len(trt.builds) == 3  # size auto: every size the node may run
    assert capsys.readouterr().out.count('engine for ') == 3
    values = node_defaults(model=str(weights_path), backend='tensorrt', cache_dir=str(tmp_path))
    with make_predictor(values, lambda m: None) as p:
        for size in p.sizes:
            p.prepare(size)
    assert len(trt.builds) == 3


def test_build_engine_writes_an_engine_where_asked_and_it_runs_at_its_own_size(
        trt, weights_path, tmp_path):
    out = tmp_path / 'mine' / 'mine.engine'
    assert main(['build-engine', str(weights_path), '--size', 'bad', '-o', str(out)]) == 1
    assert main(['build-engine', str(weights_path), '--cache-dir', str(tmp_path),
                 '-o', str(out)]) == 1  # three sizes, one path
    assert main(['build-engine', str(weights_path), '--size', '64x96', '--cache-dir',
                 str(tmp_path), '-o', str(out)]) == 0
    with SaliencyPredictor(out, 'tensorrt', options=BackendOptions(log=lambda m: None)) as p:
        assert p.prepare() == (64, 96)  # size auto: the engine's own
        assert p.predict(FRAME).model_saliency.shape == (64, 96)
    assert len(trt.builds) == 1


def test_a_damaged_engine_is_rebuilt_or_refused_as_configured(trt, weights_path, tmp_path):
    with predictor(weights_path, tmp_path) as p:
        p.prepare()
        engine_path = p.backend_for((64, 64)).engine_path
    engine_path.write_bytes(b'damaged')
    with pytest.raises(EngineMismatchError, match='allow rebuilding'):
        predictor(weights_path, tmp_path, allow_rebuild=False).prepare()
    with predictor(weights_path, tmp_path) as p:
        p.prepare()
    assert len(trt.builds) == 2 and engine_path.read_bytes() != b'damaged'


def test_a_foreign_timing_cache_does_not_stop_the_build(trt, weights_path, tmp_path):
    with predictor(weights_path, tmp_path) as p:
        p.prepare()
    (cache_file,) = tmp_path.glob('msinet-timing-*.cache')
    cache_file.write_bytes(b'a cache from another TensorRT or GPU')
    for engine in tmp_path.glob('*.engine'):
        engine.unlink()
    with predictor(weights_path, tmp_path) as p:
        p.prepare()
    assert len(trt.builds) == 2


def test_cancel_stops_a_build_where_tensorrt_can(trt, weights_path, tmp_path):
    p = predictor(weights_path, tmp_path)
    if hasattr(trt, 'IProgressMonitor'):
        trt.build_gate, trt.build_step_seconds = threading.Event(), 0.01
    else:
        trt.build_block_seconds = 1.0
    threading.Timer(0.5, p.cancel).start()
    with pytest.raises(BuildCancelled):
        p.prepare()
    p.close()
    assert not list(tmp_path.glob('*.engine'))  # nothing half-made is served later


def test_device_index_selects_the_gpu_and_a_missing_one_is_refused(trt, weights_path,
                                                                   tmp_path):
    with pytest.raises(ParameterError, match='device_index 3 does not exist'):
        SaliencyPredictor(weights_path, 'tensorrt', '64x64', BackendOptions(
            device_index=3, cache_dir=str(tmp_path), log=lambda m: None)).prepare()


def test_the_predictor_closes_its_engines_in_the_thread_that_used_them(trt, weights_path,
                                                                       tmp_path):
    p = predictor(weights_path, tmp_path)
    worker = threading.Thread(target=lambda: (p.prepare(), p.predict(FRAME), p.close()))
    worker.start()
    worker.join()
    assert live_allocations() == 0
