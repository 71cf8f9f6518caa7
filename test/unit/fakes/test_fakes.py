"""The fakes of tensorrt and pycuda offer only what the real bindings have, and fail as they do."""

import inspect
import sys
import threading
import types
from typing import Iterable, Set

import numpy as np
from onnx import helper, TensorProto
import pytest
from support import manifests
from support.fake_pycuda import fake_names, install_pycuda, keyword_names, make_pycuda
from support.fake_tensorrt import CONSTRUCTIBLE, describe_engine, HOOKS, make_tensorrt

VERSIONS = ('8.6.1', '10.3.0', '11.0')
BUILTIN_BASES = (object, tuple, bytes, BaseException)


def public_members(cls: type) -> Set[str]:
    """Return the public attributes a class defines itself or inherits from non-builtins."""
    found = set()
    for klass in cls.__mro__:
        if klass in BUILTIN_BASES or klass.__module__ == 'builtins':
            continue
        found.update(a for a in vars(klass) if not a.startswith('_'))
    return found


def offered_names(module: types.ModuleType, hooks: Iterable[str]) -> Set[str]:
    """Return every name a fake module offers: attributes, class members, keyword names."""
    names, callables = set(), []
    for name, value in vars(module).items():
        if name.startswith('_') or name in hooks:
            continue
        names.add(name)
        if isinstance(value, type):
            names.update(public_members(value))
            callables.extend(getattr(value, a) for a in public_members(value)
                             if callable(getattr(value, a, None)))
            if name in CONSTRUCTIBLE:
                callables.append(value.__init__)
        elif callable(value):
            callables.append(value)
    names.update(keyword_names([c for c in callables if inspect.isfunction(c)]))
    return names


def onnx_model(batch='N') -> bytes:
    """Return a small saliency-like ONNX model (input 'input', output 'output')."""
    x = helper.make_tensor_value_info('input', TensorProto.FLOAT, [batch, 3, 8, 8])
    y = helper.make_tensor_value_info('output', TensorProto.FLOAT, [batch, 1, 8, 8])
    nodes = [helper.make_node('Conv', ['input', 'w'], ['c']),
             helper.make_node('Relu', ['c'], ['output'])]
    weights = helper.make_tensor('w', TensorProto.FLOAT, [1, 3, 1, 1], [1.0, 1.0, 1.0])
    graph = helper.make_graph(nodes, 'g', [x], [y], [weights])
    return helper.make_model(graph).SerializeToString()


def build(trt, profile=((1, 3, 8, 8), (2, 3, 8, 8), (4, 3, 8, 8)), monitor=None):
    """Parse onnx_model() and build it; return (serialized engine or None, logger)."""
    logger = trt.Logger(trt.Logger.WARNING)
    builder = trt.Builder(logger)
    flag = getattr(trt.NetworkDefinitionCreationFlag, 'EXPLICIT_BATCH', None)
    network = builder.create_network(0 if flag is None else 1 << int(flag))
    parser = trt.OnnxParser(network, logger)
    assert parser.parse(onnx_model())
    config = builder.create_builder_config()
    opt = builder.create_optimization_profile()
    opt.set_shape('input', *profile)
    assert config.add_optimization_profile(opt) == 0
    if monitor is not None:
        config.progress_monitor = monitor
    return builder.build_serialized_network(network, config), logger


# (a), (b): nothing beyond the manifests ----------------------------------------------------

@pytest.mark.parametrize('version', VERSIONS)
def test_tensorrt_fake_offers_only_manifest_names(version):
    fake = make_tensorrt(version)
    extra = offered_names(fake, HOOKS) - manifests.names(version)
    assert not extra, f'fake tensorrt {version} offers names its wheel lacks: {sorted(extra)}'


@pytest.mark.parametrize('version', VERSIONS)
def test_tensorrt_enum_members_follow_manifest(version):
    fake = make_tensorrt(version)
    for enum in ('BuilderFlag', 'NetworkDefinitionCreationFlag', 'DataType', 'TensorIOMode'):
        recorded = set(manifests.enum_members(version, enum))
        assert set(getattr(fake, enum).__members__) <= recorded


def test_pycuda_fake_offers_only_manifest_names():
    _, driver = make_pycuda()
    allowed = manifests.names(manifests.versions('pycuda')[-1], 'pycuda')
    functions = [v for v in vars(driver).values() if inspect.isfunction(v)]
    classes = [v for v in vars(driver).values() if isinstance(v, type)]
    methods = [getattr(c, a) for c in classes for a in public_members(c)
               if inspect.isfunction(getattr(c, a, None))]
    offered = set(fake_names(driver)) | set(keyword_names(functions + methods))
    assert not offered - allowed, sorted(offered - allowed)
    scopes = manifests.load(manifests.versions('pycuda')[-1], 'pycuda')['scopes']
    assert 'MULTIPROCESSOR_COUNT' in scopes['device_attribute']


# (c): documented failure returns ----------------------------------------------------------

def test_foreign_timing_cache_is_refused(trt):
    doc = manifests.docstring(trt.fake_version, 'IBuilderConfig.set_timing_cache')
    assert 'A failure will be reported if the CUDA device property' in doc
    config = trt.Builder(trt.Logger()).create_builder_config()
    own = config.create_timing_cache(b'')
    blob = bytes(own.serialize()).replace(b'"Orin"', b'"Xavier"').replace(b'[8, 7]', b'[7, 2]')
    foreign_gpu = config.create_timing_cache(blob)
    assert config.set_timing_cache(foreign_gpu, False) is False
    assert config.set_timing_cache(foreign_gpu, True) is True
    other_version = bytes(own.serialize()).replace(trt.fake_version.encode(), b'7.0.0')
    assert config.set_timing_cache(config.create_timing_cache(other_version), True) is False
    assert config.create_timing_cache(b'garbage') is None


def test_get_timing_cache_is_none_when_unset(trt):
    doc = manifests.docstring(trt.fake_version, 'IBuilderConfig.get_timing_cache')
    assert '`None` if no timing cache is set' in doc
    assert trt.Builder(trt.Logger()).create_builder_config().get_timing_cache() is None


def test_corrupt_or_foreign_engine_deserializes_to_none(trt):
    doc = manifests.docstring(trt.fake_version, 'Runtime.deserialize_cuda_engine')
    assert 'or None if it could not be deserialized' in doc
    runtime = trt.Runtime(trt.Logger())
    assert runtime.deserialize_cuda_engine(b'not an engine') is None
    assert runtime.deserialize_cuda_engine(trt.foreign_engine_bytes('7.2.3')) is None
    other_gpu = {'name': 'Xavier', 'compute_capability': [7, 2], 'multiprocessors': 8}
    assert runtime.deserialize_cuda_engine(
        trt.foreign_engine_bytes(trt.fake_version, gpu=other_gpu)) is None
    engine = runtime.deserialize_cuda_engine(trt.foreign_engine_bytes(
        trt.fake_version, inputs=[('input', (4, 3, 8, 8), 'FLOAT')],
        outputs=[('a', (4, 1, 8, 8), 'FLOAT'), ('b', (4, 1, 8, 8), 'FLOAT')]))
    assert engine.num_io_tensors == 3 and tuple(engine.get_tensor_shape('input')) == (4, 3, 8, 8)


def test_invalid_profile_is_refused(trt):
    doc = manifests.docstring(trt.fake_version, 'IBuilderConfig.add_optimization_profile')
    assert 'or -1 if the input is' in doc
    builder = trt.Builder(trt.Logger())
    config = builder.create_builder_config()
    assert config.add_optimization_profile(builder.create_optimization_profile()) == -1
    negative = builder.create_optimization_profile()
    negative.set_shape('input', (-1, 3, 8, 8), (1, 3, 8, 8), (2, 3, 8, 8))
    assert config.add_optimization_profile(negative) == -1
    with pytest.raises(RuntimeError, match='Invalid shape for OPT'):
        negative.set_shape('input', (4, 3, 8, 8), (2, 3, 8, 8), (4, 3, 8, 8))
    with pytest.raises(RuntimeError, match='Invalid shape for MAX'):
        negative.set_shape('input', (1, 3, 8, 8), (2, 3, 8, 8), (1, 3, 8))


def test_profile_changing_a_fixed_dimension_fails_the_build(trt):
    engine, _ = build(trt, profile=((1, 3, 8, 8), (2, 3, 8, 8), (4, 3, 16, 8)))
    assert engine is None
    assert any('fixed dimension' in m for _, m in trt.log_records)


def test_set_input_shape_outside_profile_is_false(trt):
    doc = manifests.docstring(trt.fake_version, 'IExecutionContext.set_input_shape')
    assert 'Set shape for the given input tensor.' in doc  # The docstring names no failure.
    engine_bytes, logger = build(trt)
    engine = trt.Runtime(logger).deserialize_cuda_engine(engine_bytes)
    context = engine.create_execution_context()
    assert context.set_input_shape('input', (2, 3, 8, 8)) is True
    assert context.set_input_shape('input', (8, 3, 8, 8)) is False
    assert context.set_input_shape('input', (2, 3, 16, 8)) is False


def test_context_creation_failure_is_none(trt):
    doc = manifests.docstring(trt.fake_version, 'ICudaEngine.create_execution_context')
    assert ':returns: The newly created :class:`IExecutionContext`' in doc
    engine_bytes, logger = build(trt)
    engine = trt.Runtime(logger).deserialize_cuda_engine(engine_bytes)
    trt.fail_context_creation = True
    assert engine.create_execution_context() is None


def test_build_serialized_network_returns_host_memory(trt):
    doc = manifests.docstring(trt.fake_version, 'Builder.build_serialized_network')
    assert ':class:`IHostMemory`' in doc
    engine, _ = build(trt)
    header = describe_engine(bytes(engine))
    assert header['tensorrt_version'] == trt.fake_version
    assert header['gpu']['compute_capability'] == [8, 7]
    assert 'TF32' in header['builder_flags']
    trt.fail_builds = True
    assert build(trt)[0] is None


def test_garbage_onnx_fails_to_parse(trt):
    logger = trt.Logger()
    network = trt.Builder(logger).create_network(0)
    parser = trt.OnnxParser(network, logger)
    flag = getattr(trt.NetworkDefinitionCreationFlag, 'EXPLICIT_BATCH', None)
    if flag is not None:
        network = trt.Builder(logger).create_network(1 << int(flag))
        parser = trt.OnnxParser(network, logger)
    assert parser.parse(b'\x00garbage') is False
    assert parser.num_errors == 1 and str(parser.get_error(0))


def test_end_to_end_inference_and_thread_contexts(trt):
    cuda = sys.modules['pycuda.driver']
    engine_bytes, logger = build(trt)
    cuda.init()
    context = cuda.Device(0).retain_primary_context()
    context.push()
    engine = trt.Runtime(logger).deserialize_cuda_engine(engine_bytes)
    execution = engine.create_execution_context()
    assert execution.set_input_shape('input', (2, 3, 8, 8))
    host_in = cuda.pagelocked_empty((2, 3, 8, 8), np.float32)
    host_in[0], host_in[1] = 1.0, 5.0
    host_out = cuda.pagelocked_empty((2, 1, 8, 8), np.float32)
    d_in, d_out, stream = cuda.mem_alloc(host_in.nbytes), cuda.mem_alloc(host_out.nbytes), \
        cuda.Stream()
    cuda.memcpy_htod_async(d_in, host_in, stream)
    execution.set_tensor_address('input', int(d_in))
    execution.set_tensor_address('output', int(d_out))
    assert execution.execute_async_v3(stream.handle)
    cuda.memcpy_dtoh_async(host_out, d_out, stream)
    stream.synchronize()
    assert host_out[0].min() == 1.0 and host_out[1].max() == 5.0
    errors = []
    thread = threading.Thread(target=lambda: errors.append(_free_in_thread(cuda, d_in)))
    thread.start()
    thread.join()
    assert 'invalid device context' in errors[0]
    for memory in (d_in, d_out, host_in.base, host_out.base):
        memory.free()
    cuda.Context.pop()
    assert cuda._fake_state.live_allocations() == 0
    assert cuda._fake_state.live_host_allocations() == 0


def _free_in_thread(cuda, allocation) -> str:
    try:
        allocation.free()
    except cuda.LogicError as error:
        return str(error)
    return ''


def test_missing_device_is_logic_error(monkeypatch):
    cuda = install_pycuda(monkeypatch)
    cuda.init()
    with pytest.raises(cuda.LogicError):
        cuda.Device(1)
    device = cuda.Device(0)
    assert device.get_attribute(cuda.device_attribute.MULTIPROCESSOR_COUNT) == 16
    assert device.compute_capability() == (8, 7)


def test_second_logger_records_mismatch(trt):
    trt.Builder(trt.Logger())
    trt.Runtime(trt.Logger())
    assert len(trt.logger_mismatch_warnings) == 1


def test_nptype_follows_wrapper(trt):
    assert trt.nptype(trt.float32) is np.float32
    if hasattr(trt, 'bfloat16'):
        with pytest.raises(TypeError):
            trt.nptype(trt.bfloat16)


# (d): version-specific facts ----------------------------------------------------------------

def test_tensorrt_8_6_has_no_strong_typing_nor_progress_monitor():
    names = manifests.names('8.6.1')
    assert 'STRONGLY_TYPED' not in names and 'IProgressMonitor' not in names
    fake = make_tensorrt('8.6.1')
    assert not hasattr(fake.NetworkDefinitionCreationFlag, 'STRONGLY_TYPED')
    assert not hasattr(fake, 'IProgressMonitor')
    assert not hasattr(fake.Builder(fake.Logger()).create_builder_config(), 'progress_monitor')


def test_tensorrt_10_3_has_both_batch_modes_flags_and_monitor():
    assert manifests.enum_members('10.3.0', 'NetworkDefinitionCreationFlag') == [
        'EXPLICIT_BATCH', 'STRONGLY_TYPED']
    assert 'FP16' in manifests.enum_members('10.3.0', 'BuilderFlag')
    assert 'IProgressMonitor' in manifests.names('10.3.0')


def test_tensorrt_11_has_no_explicit_batch_nor_reduced_precision_flags():
    names = manifests.names('11.0')
    flags = manifests.enum_members('11.0', 'BuilderFlag')
    assert 'EXPLICIT_BATCH' not in names and 'FP16' not in names
    assert 'INT8' in names and 'INT8' not in flags  # DataType.INT8 stays; BuilderFlag.INT8 goes.
    fake = make_tensorrt('11.0')
    assert not hasattr(fake.NetworkDefinitionCreationFlag, 'EXPLICIT_BATCH')
    assert not hasattr(fake.BuilderFlag, 'FP16') and not hasattr(fake.BuilderFlag, 'INT8')
    assert not hasattr(fake.ILayer, 'precision') and not hasattr(fake.ILayer, 'set_output_type')
    assert fake.__version__ == '11.0.0.114'


# progress monitor ---------------------------------------------------------------------------

@pytest.mark.parametrize('version', ('10.3.0', '11.0'))
def test_progress_monitor_cancels_and_swallows_exceptions(version, monkeypatch, capsys):
    doc = manifests.docstring(version, 'IProgressMonitor.step_complete')
    assert 'False to stop the build' in doc
    install_pycuda(monkeypatch)
    trt = make_tensorrt(version)

    class Cancel(trt.IProgressMonitor):
        def __init__(self, answer):
            trt.IProgressMonitor.__init__(self)
            self.answer = answer

        def phase_start(self, phase_name, parent_phase, num_steps):
            pass

        def step_complete(self, phase_name, step):
            if isinstance(self.answer, Exception):
                raise self.answer
            return self.answer

        def phase_finish(self, phase_name):
            pass

    assert build(trt, monitor=Cancel(True))[0] is not None
    assert build(trt, monitor=Cancel(False))[0] is None
    assert build(trt, monitor=Cancel(None))[0] is None  # pybind11 casts None to false.
    assert build(trt, monitor=Cancel(ValueError('boom')))[0] is None
    assert '[ERROR] Exception caught in step_complete(): boom' in capsys.readouterr().err


def test_build_waits_until_cancelled(monkeypatch):
    install_pycuda(monkeypatch)
    trt = make_tensorrt('10.3.0')
    trt.build_gate = threading.Event()
    cancel = threading.Event()

    class Monitor(trt.IProgressMonitor):
        def __init__(self):
            trt.IProgressMonitor.__init__(self)

        def phase_start(self, phase_name, parent_phase, num_steps):
            pass

        def step_complete(self, phase_name, step):
            return not cancel.is_set()

        def phase_finish(self, phase_name):
            pass

    result = []
    worker = threading.Thread(target=lambda: result.append(build(trt, monitor=Monitor())[0]))
    worker.start()
    worker.join(0.05)
    assert worker.is_alive()
    cancel.set()
    worker.join(5)
    assert result == [None]


# Q/DQ (explicit quantization): the parser's zero-point checks, the INT8 flag ----------------

def qdq_model(zero_point=0, dtype=TensorProto.INT8) -> bytes:
    """Return onnx_model() with a QuantizeLinear → DequantizeLinear pair before the Conv."""
    x = helper.make_tensor_value_info('input', TensorProto.FLOAT, ['N', 3, 8, 8])
    y = helper.make_tensor_value_info('output', TensorProto.FLOAT, ['N', 1, 8, 8])
    nodes = [helper.make_node('QuantizeLinear', ['input', 's', 'z'], ['q']),
             helper.make_node('DequantizeLinear', ['q', 's', 'z'], ['dq']),
             helper.make_node('Conv', ['dq', 'w'], ['output'])]
    inits = [helper.make_tensor('s', TensorProto.FLOAT, [], [0.1]),
             helper.make_tensor('z', dtype, [], [zero_point]),
             helper.make_tensor('w', TensorProto.FLOAT, [1, 3, 1, 1], [1.0, 1.0, 1.0])]
    return helper.make_model(helper.make_graph(nodes, 'g', [x], [y], inits)).SerializeToString()


def parse_qdq(trt, model):
    logger = trt.Logger()
    flag = getattr(trt.NetworkDefinitionCreationFlag, 'EXPLICIT_BATCH', None)
    builder = trt.Builder(logger)
    network = builder.create_network(0 if flag is None else 1 << int(flag))
    parser = trt.OnnxParser(network, logger)
    return builder, network, parser, parser.parse(model)


@pytest.mark.parametrize('zero_point, dtype, message', [
    (128, TensorProto.UINT8, 'invalid input type of UINT8'),  # ONNX Runtime's activations
    (0, TensorProto.UINT8, 'invalid input type of UINT8'),
    (3, TensorProto.INT8, 'only supports symmetric quantization'),
])
def test_the_parser_refuses_asymmetric_or_uint8_zero_points(trt, zero_point, dtype, message):
    _, _, parser, parsed = parse_qdq(trt, qdq_model(zero_point, dtype))
    assert parsed is False and message in str(parser.get_error(0))


def test_a_weakly_typed_qdq_network_builds_only_with_the_int8_flag(trt):
    builder, network, parser, parsed = parse_qdq(trt, qdq_model())
    assert parsed
    config = builder.create_builder_config()
    profile = builder.create_optimization_profile()
    profile.set_shape('input', (1, 3, 8, 8), (1, 3, 8, 8), (1, 3, 8, 8))
    config.add_optimization_profile(profile)
    if not hasattr(trt.BuilderFlag, 'INT8'):  # 11: strongly typed, no flag to set
        assert describe_engine(builder.build_serialized_network(network, config))['quantized']
        return
    assert builder.build_serialized_network(network, config) is None
    assert any('kINT8' in message for _, message in trt.log_records)
    config.set_flag(trt.BuilderFlag.INT8)
    header = describe_engine(builder.build_serialized_network(network, config))
    assert header['quantized'] and 'INT8' in header['builder_flags']
