"""The TensorRT backend through the predictor and the CLI, against each version's fake."""

import os
from pathlib import Path
import subprocess
import sys
import threading

from msinet_ros.cli.main import main
from msinet_ros.errors import BuildCancelled, DeviceMemoryError, ModelFormatError, \
    ParameterError, StorageError
from msinet_ros.inference.backends import BackendOptions, TensorRTOptions
from msinet_ros.inference.predictor import AUTO_SIZES, SaliencyPredictor
from msinet_ros.inference.settings import make_predictor
from msinet_ros.inference.tensorrt.planning import EngineMismatchError
from msinet_ros.model import weights
from msinet_ros.parameters import SALIENCY_NODE
import numpy as np
import pytest
from support.qdq import add_qdq

REPO = Path(__file__).resolve().parents[4]
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


def error_line(stderr, command):
    """Return the tool's one error line: the last line, after any log lines, and the only one."""
    lines = stderr.splitlines()
    errors = [line for line in lines if line.startswith(f'msinet {command}: error: ')]
    assert errors == lines[-1:], lines
    return errors[0]


def frame_file(folder):
    """Write FRAME as a PNG in folder; return its path (str)."""
    import cv2
    path = folder / 'frame.png'
    cv2.imwrite(str(path), FRAME)
    return str(path)


@pytest.fixture(scope='module')
def qdq(onnx_models, tmp_path_factory):
    """Return QDQ copies of the 64x64 model: symmetric (TensorRT's) and uint8 (ONNX Runtime's)."""
    folder = tmp_path_factory.mktemp('qdq')
    return {'int8': add_qdq(onnx_models['fp32'], folder / 'int8.onnx'),
            'uint8': add_qdq(onnx_models['fp32'], folder / 'uint8.onnx', 128, np.uint8)}


@pytest.mark.parametrize('precision', ['fp32', 'fp16'])
def test_an_int8_onnx_runs_in_an_engine_labelled_int8(trt, qdq, tmp_path, precision):
    if precision == 'fp16' and not hasattr(trt.BuilderFlag, 'FP16'):
        with pytest.raises(ParameterError, match='use precision fp32'):
            predictor(qdq['int8'], tmp_path, precision).prepare()
        return
    with predictor(qdq['int8'], tmp_path, precision) as p:
        assert p.predict(FRAME).model_saliency.shape == (64, 64)
        described, engine_path = p.describe(), p.backend_for((64, 64)).engine_path
    label = {'fp32': 'int8-typed' if trt.__version__.startswith('11.') else 'int8',
             'fp16': 'int8-fp16'}[precision]
    assert f'-{label}-trt' in engine_path.name and ', int8 where the QDQ ONNX' in described
    (engine,) = trt.builds
    assert engine['quantized'] and ('INT8' in engine['builder_flags']) == \
        hasattr(trt.BuilderFlag, 'INT8')


def test_an_asymmetric_int8_onnx_is_refused_before_any_build(trt, qdq, tmp_path, capsys):
    with pytest.raises(ModelFormatError, match='--target tensorrt'):
        predictor(qdq['uint8'], tmp_path).prepare()
    assert main(['predict', frame_file(tmp_path), '-m', str(qdq['uint8']), '--backend',
                 'tensorrt', '-o', str(tmp_path / 'out'), '--cache-dir', str(tmp_path)]) == 1
    line = error_line(capsys.readouterr().err, 'predict')
    assert 'uint8 zero point' in line and 'msinet quantize MODEL' in line
    assert trt.builds == [] and not list(tmp_path.glob('*.engine'))


# --- faults: engines from elsewhere, device memory, the cache directory, a full disk ----------

OTHER_GPU = {'name': 'Xavier', 'compute_capability': [7, 2], 'multiprocessors': 8}


def other_version(trt):
    return '8.6.1' if trt.__version__.startswith('10.') else '10.3.0'


@pytest.mark.parametrize('trt', ['10.3.0'], indirect=True)  # version-independent: one is enough
@pytest.mark.parametrize('origin', ['version', 'gpu'])
def test_an_engine_file_from_another_tensorrt_or_gpu_is_refused_saying_how_to_rebuild(
        trt, onnx_models, tmp_path, origin):
    from support.fake_tensorrt import foreign_engine_bytes
    engine = tmp_path / 'copied.engine'
    io = {'inputs': [('image', (-1, 3, 64, 64), 'FLOAT')],
          'outputs': [('saliency', (-1, 1, 64, 64), 'FLOAT')]}
    engine.write_bytes(foreign_engine_bytes(other_version(trt), **io) if origin == 'version'
                       else foreign_engine_bytes(trt.fake_version, gpu=OTHER_GPU, **io))
    with pytest.raises(EngineMismatchError, match='built by another TensorRT version or for '
                       'another GPU.*Rebuild it on this machine with `msinet build-engine'):
        SaliencyPredictor(engine, 'tensorrt', options=BackendOptions(log=lambda m: None)
                          ).prepare()
    assert trt.builds == [] and live_allocations() == 0


@pytest.mark.parametrize('trt', ['10.3.0'], indirect=True)  # version-independent: one is enough
@pytest.mark.parametrize('origin', ['version', 'gpu'])
def test_a_cached_engine_from_another_tensorrt_or_gpu_is_rebuilt_only_when_allowed(
        trt, onnx_models, tmp_path, origin):
    from support.fake_tensorrt import foreign_engine_bytes
    with predictor(onnx_models['fp32'], tmp_path) as p:
        engine_path = p.backend_for((64, 64)).engine_path
    foreign = foreign_engine_bytes(other_version(trt)) if origin == 'version' else \
        foreign_engine_bytes(trt.fake_version, gpu=OTHER_GPU)
    engine_path.write_bytes(foreign)  # e.g. a cache folder copied from another machine
    with pytest.raises(EngineMismatchError, match='or allow rebuilding'):
        predictor(onnx_models['fp32'], tmp_path, allow_rebuild=False).prepare()
    assert engine_path.read_bytes() == foreign and len(trt.builds) == 1
    logged = []
    with SaliencyPredictor(onnx_models['fp32'], 'tensorrt', '64x64', BackendOptions(
            cache_dir=str(tmp_path), log=logged.append)) as p:
        p.prepare()
    assert len(trt.builds) == 2 and engine_path.read_bytes() != foreign
    assert any('does not load here' in m and 'rebuilding it' in m for m in logged)


@pytest.mark.parametrize('trt', ['10.3.0'], indirect=True)  # version-independent: one is enough
@pytest.mark.parametrize('fault', ['device buffer', 'execution context'])
def test_out_of_device_memory_is_one_clear_line_and_no_other_backend_runs(
        trt, onnx_models, tmp_path, capsys, monkeypatch, fault):
    driver = sys.modules['pycuda.driver']
    if fault == 'device buffer':  # the context fits, the I/O buffers do not
        def mem_alloc(nbytes):
            raise driver.MemoryError('cuMemAlloc failed: out of memory')
        monkeypatch.setattr(driver, 'mem_alloc', mem_alloc)
    else:
        trt.fail_context_creation = True
    from msinet_ros.inference.backends import onnxruntime_backend
    sessions = []
    monkeypatch.setattr(onnxruntime_backend.OnnxRuntimeBackend, '__init__',
                        lambda *a, **k: sessions.append(a))
    assert main(['predict', frame_file(tmp_path), '-m', str(onnx_models['fp32']), '--backend',
                 'tensorrt', '-o', str(tmp_path / 'out'), '--cache-dir', str(tmp_path)]) == 1
    line = error_line(capsys.readouterr().err, 'predict')
    assert 'GPU memory' in line and 'smaller max_batch' in line
    assert sessions == []  # no silent onnxruntime fallback
    assert not list(tmp_path.glob('out/*.png')) and live_allocations() == 0
    with pytest.raises(DeviceMemoryError):
        predictor(onnx_models['fp32'], tmp_path).prepare()


@pytest.mark.parametrize('trt', ['10.3.0'], indirect=True)  # version-independent: one is enough
def test_a_cache_directory_that_cannot_be_made_is_one_clear_line(
        trt, weights_path, tmp_path, capsys):
    blocker = tmp_path / 'a_file'
    blocker.write_text('not a folder')
    for sub in ('cache', 'cache/deeper'):
        assert main(['build-engine', str(weights_path), '--size', '64x64', '--cache-dir',
                     str(blocker / sub)]) == 1
        line = error_line(capsys.readouterr().err, 'build-engine')
        assert line.startswith('msinet build-engine: error: cannot create the cache directory')
        assert 'Not a directory' in line and 'writable folder' in line
    with pytest.raises(StorageError):
        predictor(weights_path, blocker / 'cache').prepare()
    assert trt.builds == []


@pytest.mark.parametrize('trt', ['10.3.0'], indirect=True)  # version-independent: one is enough
def test_a_read_only_cache_directory_still_serves_its_engines(trt, onnx_models, tmp_path,
                                                              monkeypatch):
    """No lock file is needed to load an engine that is there (only ever renamed in whole)."""
    with predictor(onnx_models['fp32'], tmp_path) as p:
        p.prepare()
    from msinet_ros.inference.tensorrt import cache

    def no_lock(*args, **kwargs):
        raise StorageError('cannot create the lock file (read-only file system)')

    monkeypatch.setattr(cache, 'file_lock', no_lock)  # as on a read-only file system
    with predictor(onnx_models['fp32'], tmp_path) as p:
        assert p.predict(FRAME).model_saliency.shape == (64, 64)
    assert len(trt.builds) == 1
    for engine in tmp_path.glob('*.engine'):
        engine.unlink()
    with pytest.raises(StorageError, match='lock file'):  # a build needs the folder writable
        predictor(onnx_models['fp32'], tmp_path).prepare()


FULL_DISK = """
import resource, signal, sys
from support.fake_pycuda import make_pycuda
from support.fake_tensorrt import make_tensorrt
package, driver = make_pycuda()
sys.modules.update({'pycuda': package, 'pycuda.driver': driver,
                    'tensorrt': make_tensorrt(sys.argv[1])})
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
limit = int(sys.argv[4])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from msinet_ros.cli.main import main
sys.exit(main(['build-engine', sys.argv[2], '--cache-dir', sys.argv[3]]))
"""


@pytest.mark.parametrize('trt', ['10.3.0'], indirect=True)  # the write is the same in all
@pytest.mark.parametrize('before', ['no engine', 'an engine that does not load'])
def test_a_full_disk_while_writing_an_engine_leaves_nothing_half_written(
        trt, onnx_models, tmp_path, before):
    """`msinet build-engine` in a child process whose files may not exceed half an engine."""
    with predictor(onnx_models['fp32'], tmp_path) as p:  # learn the engine's path and size
        engine_path = p.backend_for((64, 64)).engine_path
    limit = engine_path.stat().st_size // 2
    old = b'an engine of another TensorRT'
    if before == 'no engine':
        engine_path.unlink()
    else:
        engine_path.write_bytes(old)
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(REPO), str(REPO / 'test')])}
    child = subprocess.run([sys.executable, '-c', FULL_DISK, trt.fake_version,
                            str(onnx_models['fp32']), str(tmp_path), str(limit)],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert child.returncode == 1, child.stderr
    line = error_line(child.stderr, 'build-engine')
    assert line.startswith(f'msinet build-engine: error: cannot write {engine_path}: File too '
                           'large (EFBIG); free disk space or choose a writable folder')
    if before == 'no engine':
        assert not engine_path.exists()
    else:
        assert engine_path.read_bytes() == old  # replaced only by a whole new engine
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith('.tmp')] == []
