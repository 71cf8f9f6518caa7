"""TensorRT logic that runs without a GPU: keys, profiles, I/O checks, load-or-rebuild."""

from msinet_ros.inference.tensorrt.cache import load_or_build
from msinet_ros.inference.tensorrt.planning import (EngineKey, EngineMismatchError,
                                                    fp16_strategy, GpuInfo, plan_io,
                                                    profile_shapes, TensorInfo)
import pytest

ORIN = GpuInfo('Orin', (8, 7), 16)
KEY = EngineKey('ab' * 32, 240, 320, 1, 'fp16', 1024, '10.3.0', ORIN)


@pytest.mark.parametrize('change', [
    {'onnx_sha256': 'cd' * 32}, {'height': 360}, {'width': 360}, {'max_batch': 4},
    {'precision': 'fp32'}, {'workspace_mib': 2048}, {'tensorrt_version': '10.7.0'},
    {'gpu': GpuInfo('Orin', (8, 7), 8)},  # same name, another Orin module
    {'gpu': GpuInfo('Orin', (8, 6), 16)},
])
def test_every_dependency_changes_the_engine_file_name(change):
    other = EngineKey(**{**KEY.__dict__, **change})
    assert other.filename() != KEY.filename()


def test_engine_name_is_readable():
    name = KEY.filename()
    assert name.startswith('msinet-abababababab-240x320-b1-fp16-trt10.3.0-sm87-16mp-')
    assert name.endswith('.engine')


@pytest.mark.parametrize('major, precision, fp16_onnx, expected', [
    (8, 'fp32', False, 'fp32'), (8, 'fp16', False, 'builder_flag'),
    (10, 'fp16', False, 'builder_flag'), (10, 'fp16', True, 'strongly_typed'),
    (11, 'fp16', True, 'strongly_typed'), (11, 'fp32', False, 'fp32'),
])
def test_fp16_strategy_per_tensorrt_version(major, precision, fp16_onnx, expected):
    assert fp16_strategy(major, precision, fp16_onnx) == expected


def test_tensorrt_11_needs_an_fp16_onnx_for_fp16():
    with pytest.raises(EngineMismatchError, match='msinet export --fp16'):
        fp16_strategy(11, 'fp16', False)


def test_profile_covers_batch_1_to_max():
    assert profile_shapes(240, 320, 4) == ((1, 3, 240, 320), (4, 3, 240, 320), (4, 3, 240, 320))
    with pytest.raises(ValueError):
        profile_shapes(240, 320, 0)


def io(in_shape=(-1, 3, 240, 320), out_shape=(-1, 1, 240, 320), itemsize=4):
    return [TensorInfo('image', True, in_shape, itemsize),
            TensorInfo('saliency', False, out_shape, itemsize)]


def test_io_plan_of_an_msinet_engine():
    plan = plan_io(io(), max_batch=2)
    assert (plan.input_name, plan.output_name, plan.height, plan.width) == \
        ('image', 'saliency', 240, 320)
    assert plan.input_bytes == 2 * 3 * 240 * 320 * 4 and plan.output_bytes == 2 * 240 * 320 * 4


@pytest.mark.parametrize('tensors, message', [
    (io()[:1], 'one input and one output'),
    (io(in_shape=(1, 4, 240, 320)), 'expected \\[B, 3, H, W\\]'),
    (io(in_shape=(1, 3, -1, -1)), 'fixed H and W'),
    (io(out_shape=(1, 1, 120, 160)), 'expected \\[B, 1, 240, 320\\]'),
    (io(itemsize=2), 'float32'),
    (io(in_shape=(1, 3, 240, 320)), 'fixed batch of 1'),
])
def test_foreign_engines_are_refused(tensors, message):
    with pytest.raises(EngineMismatchError, match=message):
        plan_io(tensors, max_batch=2)


class Recorder:
    """A fake load/build pair: 'good' engines load, anything else does not."""

    def __init__(self):
        self.built = 0
        self.log = []

    def load(self, data):
        if data != b'good':
            raise EngineMismatchError('built by another TensorRT')
        return 'runner'

    def build(self):
        self.built += 1
        return b'good'


def test_a_cached_engine_is_loaded_without_building(tmp_path):
    path = tmp_path / 'e.engine'
    path.write_bytes(b'good')
    fake = Recorder()
    assert load_or_build(path, fake.load, fake.build, True, fake.log.append) == 'runner'
    assert fake.built == 0


def test_a_missing_engine_is_built_and_cached_atomically(tmp_path):
    fake = Recorder()
    path = tmp_path / 'e.engine'
    assert load_or_build(path, fake.load, fake.build, True, fake.log.append) == 'runner'
    assert fake.built == 1 and path.read_bytes() == b'good'
    assert [p.name for p in tmp_path.iterdir()] == ['e.engine']
    assert 'building TensorRT engine' in fake.log[0]


def test_a_mismatched_engine_is_rebuilt_when_allowed(tmp_path):
    path = tmp_path / 'e.engine'
    path.write_bytes(b'stale')
    fake = Recorder()
    assert load_or_build(path, fake.load, fake.build, True, fake.log.append) == 'runner'
    assert fake.built == 1 and path.read_bytes() == b'good' and 'rebuilding' in fake.log[0]


def test_a_mismatched_engine_without_onnx_or_permission_says_how_to_rebuild(tmp_path):
    path = tmp_path / 'e.engine'
    path.write_bytes(b'stale')
    fake = Recorder()
    with pytest.raises(EngineMismatchError, match='msinet build-engine'):
        load_or_build(path, fake.load, None, True)
    with pytest.raises(EngineMismatchError, match='or allow rebuilding'):
        load_or_build(path, fake.load, fake.build, False)
    assert fake.built == 0 and path.read_bytes() == b'stale'


def test_a_failed_build_leaves_nothing_behind(tmp_path):
    def broken():
        raise RuntimeError('out of memory')

    with pytest.raises(RuntimeError):
        load_or_build(tmp_path / 'e.engine', Recorder().load, broken, True)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_engine_file_given_by_the_user(tmp_path):
    with pytest.raises(EngineMismatchError, match='does not exist'):
        load_or_build(tmp_path / 'absent.engine', Recorder().load, None, True)


@pytest.mark.gpu
def test_tensorrt_end_to_end_on_a_gpu(tmp_path):
    """Build, load and run an engine; matches onnxruntime. Needs tensorrt, pycuda and a GPU."""
    pytest.importorskip('tensorrt')
    pytest.importorskip('pycuda.driver')
    import numpy as np
    from msinet_ros.inference.backends import BackendOptions, create
    from msinet_ros.model import onnx_export, weights
    onnx_path = tmp_path / 'm.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(1), 240, 320, batch=None),
                     onnx_path)
    x = np.random.default_rng(0).uniform(0, 255, (1, 3, 240, 320)).astype(np.float32)
    expected = create('onnxruntime', onnx_path, BackendOptions()).infer(x)
    trt_backend = create('tensorrt', onnx_path, BackendOptions(cache_dir=str(tmp_path)))
    assert np.abs(trt_backend.infer(x) - expected).max() <= 1e-3
