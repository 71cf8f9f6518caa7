"""The engine runner against each version's fake: I/O, batches, failures, lifetimes."""

import sys
import threading

from msinet_ros.errors import MsinetError
from msinet_ros.inference.tensorrt import bindings
from msinet_ros.inference.tensorrt.builder import build_engine, BuildSettings
from msinet_ros.inference.tensorrt.cuda_memory import CudaContext
from msinet_ros.inference.tensorrt.planning import EngineMismatchError, FP32
from msinet_ros.inference.tensorrt.runtime import EngineRunner
import numpy as np
import pytest


@pytest.fixture
def engine(trt, onnx_models, tmp_path):
    """Return the bytes of a 64x64 fp32 engine with a dynamic batch up to 4."""
    settings = BuildSettings(64, 64, 4, None, FP32, 256, tmp_path / 'timing.cache')
    return build_engine(trt, bindings.capabilities(trt), bindings.process_logger(trt, print),
                        onnx_models['fp32'], settings, print)


def runner(trt, data, max_batch=4):
    return EngineRunner(trt, bindings.process_logger(trt, print), data, max_batch,
                        CudaContext())


def frames(count):
    return np.stack([np.full((3, 64, 64), 10.0 * (i + 1), np.float32) for i in range(count)])


def state():
    return sys.modules['pycuda.driver']._fake_state


def test_each_row_goes_in_and_comes_back_for_any_batch_up_to_max(trt, engine):
    run = runner(trt, engine)
    for count in (1, 3, 4):
        out = run.infer(frames(count))
        assert out.shape == (count, 1, 64, 64)
        assert [float(out[i].mean()) for i in range(count)] == \
            [10.0 * (i + 1) for i in range(count)]  # the fake's output: each row's mean
    with pytest.raises(MsinetError, match='exceeds max_batch 4'):
        run.infer(frames(5))
    run.close()


def test_close_frees_everything_from_another_thread_and_twice(trt, engine):
    run = runner(trt, engine)
    assert state().live_allocations() == 2 and state().live_host_allocations() == 2
    closer = threading.Thread(target=run.close)
    closer.start()
    closer.join()
    assert state().live_allocations() == 0 and state().live_host_allocations() == 0
    run.close()
    with pytest.raises(MsinetError, match='closed'):
        run.infer(frames(1))


def test_a_context_that_cannot_be_created_is_a_clear_error_and_frees_memory(trt, engine):
    trt.fail_context_creation = True
    with pytest.raises(MsinetError, match='could not create an execution context'):
        runner(trt, engine)
    assert state().live_allocations() == 0


@pytest.mark.parametrize('damage', ['corrupt', 'other_version', 'other_gpu'])
def test_an_engine_from_elsewhere_does_not_load(trt, engine, damage):
    """deserialize_cuda_engine: ':returns: The ICudaEngine, or None if it could not be ...'."""
    data = {'corrupt': b'\x00' * 64,
            'other_version': trt.foreign_engine_bytes('7.1.3'),
            'other_gpu': trt.foreign_engine_bytes(
                trt.__version__, gpu={'name': 'H100', 'compute_capability': [9, 0],
                                      'multiprocessors': 132})}[damage]
    with pytest.raises(EngineMismatchError, match='does not deserialize'):
        runner(trt, data)


@pytest.mark.parametrize('io, message', [
    ({'inputs': (('image', (4, 3, 64, 64), 'FLOAT'),),
      'outputs': (('saliency', (4, 1, 64, 64), 'FLOAT'),)}, 'fixed batch of 4'),
    ({'inputs': (('image', (-1, 3, 64, 64), 'BF16'),),
      'outputs': (('saliency', (-1, 1, 64, 64), 'BF16'),)}, 'is BF16'),
    ({'inputs': (('image', (-1, 3, 64, 64), 'FLOAT'),),
      'outputs': (('saliency', (-1, 1, 64, 64), 'FLOAT'), ('extra', (-1, 1, 64, 64), 'FLOAT'))},
     'one input and one output'),
])
def test_foreign_engines_are_refused_clearly(trt, io, message):
    if not hasattr(trt.DataType, io['inputs'][0][2]):
        pytest.skip(f'TensorRT {trt.__version__} has no {io["inputs"][0][2]} tensors')
    with pytest.raises(EngineMismatchError, match=message):
        runner(trt, trt.foreign_engine_bytes(trt.__version__, **io), max_batch=1)
    assert state().live_allocations() == 0


def test_a_fixed_batch_engine_runs_its_batch_padded(trt):
    data = trt.foreign_engine_bytes(trt.__version__,
                                    inputs=(('image', (2, 3, 64, 64), 'FLOAT'),),
                                    outputs=(('saliency', (2, 1, 64, 64), 'FLOAT'),))
    run = runner(trt, data, max_batch=2)
    out = run.infer(frames(1))
    assert out.shape == (1, 1, 64, 64) and float(out.mean()) == 10.0
    run.close()


def test_a_refused_input_shape_is_an_error(trt):
    """An engine whose profile stops at batch 2, run with max_batch 4 (a foreign engine)."""
    profile = {'image': [[1, 3, 64, 64], [2, 3, 64, 64], [2, 3, 64, 64]]}
    data = trt.foreign_engine_bytes(trt.__version__,
                                    inputs=(('image', (-1, 3, 64, 64), 'FLOAT'),),
                                    outputs=(('saliency', (-1, 1, 64, 64), 'FLOAT'),),
                                    profiles=[profile])
    run = runner(trt, data, max_batch=4)
    assert run.infer(frames(2)).shape == (2, 1, 64, 64)
    with pytest.raises(MsinetError, match='refused the input shape'):
        run.infer(frames(3))
    run.close()
