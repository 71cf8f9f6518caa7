"""What the bindings offer, read by capability, and the one TensorRT logger of the process."""

from msinet_ros.errors import ParameterError
from msinet_ros.inference.tensorrt import bindings
import pytest


def test_capabilities_are_read_from_what_each_version_binds(trt):
    caps = bindings.capabilities(trt)
    expected = {  # strongly typed, FP16 flag, explicit batch, progress monitor
        '8': (False, True, True, False), '10': (True, True, False, True),
        '11': (True, False, False, True)}[trt.__version__.split('.')[0]]
    assert (caps.strongly_typed, caps.fp16_flag, caps.explicit_batch_flag,
            caps.progress_monitor) == expected
    assert caps.tf32_flag and caps.version == trt.__version__


def test_one_logger_serves_every_builder_and_runtime(trt):
    messages = []
    first = bindings.process_logger(trt, messages.append)
    second = bindings.process_logger(trt, messages.append, 'verbose')
    assert first is second
    for _ in range(2):
        trt.Builder(first)
        trt.Runtime(second)
    assert trt.logger_mismatch_warnings == []  # NVIDIA/TensorRT#1475 never triggered


def test_tensorrt_messages_go_to_the_log_function_up_to_the_chosen_severity(trt):
    messages = []
    logger = bindings.process_logger(trt, messages.append, 'error')
    runtime = trt.Runtime(logger)
    assert runtime.deserialize_cuda_engine(b'not an engine') is None
    assert any(m.startswith('TensorRT error:') and 'Magic tag' in m for m in messages)
    quiet = []
    bindings.process_logger(trt, quiet.append, 'error')
    logger.log(trt.ILogger.Severity.WARNING, 'a warning')
    assert quiet == []
    with pytest.raises(ParameterError, match='log level'):
        bindings.process_logger(trt, print, 'loud')
