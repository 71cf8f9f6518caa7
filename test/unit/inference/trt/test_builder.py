"""The engine builder against each TensorRT version's fake: precision, profile, progress."""

import threading

from msinet_ros.errors import BuildCancelled, ModelFormatError, ParameterError
from msinet_ros.inference.tensorrt import bindings, builder
from msinet_ros.inference.tensorrt.builder import build_engine, BuildSettings
from msinet_ros.inference.tensorrt.planning import FP16_FLAG, FP16_TYPED, FP32, \
    INT8_FLAG, INT8_FP16_FLAG, INT8_TYPED, precision_recipe
from msinet_ros.model.onnx_export import FP32_NODES
import pytest
from support.qdq import add_qdq


@pytest.fixture(scope='module')
def qdq(onnx_models, tmp_path_factory):
    """Return a symmetric QDQ copy of the 64x64 fp32 model (as `--target tensorrt` writes)."""
    return add_qdq(onnx_models['fp32'], tmp_path_factory.mktemp('qdq') / 'int8.onnx')


def build(trt, onnx_path, tmp_path, precision='fp32', onnx='fp32', max_batch=1,
          fixed_batch=None, progress=None, cancel=None, log=None):
    caps = bindings.capabilities(trt)
    settings = BuildSettings(64, 64, max_batch, fixed_batch,
                             precision_recipe(caps, precision, onnx), 256,
                             tmp_path / 'timing.cache')
    logger = bindings.process_logger(trt, print)
    data = build_engine(trt, caps, logger, onnx_path, settings, (log or [].append), progress,
                        cancel)
    return trt.describe_engine(data)


def test_fp32_engines_are_fp32_with_tf32_cleared(trt, onnx_models, tmp_path):
    engine = build(trt, onnx_models['fp32'], tmp_path)
    assert 'TF32' not in engine['builder_flags'] and 'FP16' not in engine['builder_flags']
    assert engine['strongly_typed'] == trt.__version__.startswith('11.')  # 11: always typed
    assert engine['profiles'] == [{'image': [[1, 3, 64, 64]] * 3}]


def test_the_parser_gets_the_model_s_path_so_external_data_resolves_beside_it(
        trt, onnx_models, tmp_path, monkeypatch):
    paths = []
    parse = trt.OnnxParser.parse

    def recording(self, model, path=None):
        paths.append(path)
        return parse(self, model, path)

    monkeypatch.setattr(trt.OnnxParser, 'parse', recording)
    build(trt, onnx_models['fp32'], tmp_path)
    assert paths == [str(onnx_models['fp32'])]  # not None: TensorRT would use the cwd


def test_fp16_from_an_fp32_onnx_uses_the_flag_and_pins_the_fp32_layers(trt, onnx_models,
                                                                       tmp_path):
    if not bindings.capabilities(trt).fp16_flag:
        with pytest.raises(ParameterError, match='builds fp16 only from an fp16 ONNX'):
            build(trt, onnx_models['fp32'], tmp_path, 'fp16')
        return
    engine = build(trt, onnx_models['fp32'], tmp_path, 'fp16')
    assert {'FP16', 'OBEY_PRECISION_CONSTRAINTS'} <= set(engine['builder_flags'])
    pinned = engine['layer_precisions']
    assert pinned and set(pinned.values()) == {'FLOAT'}
    assert all(name.startswith(FP32_NODES) for name in pinned)
    assert {'aspp/mean', 'output/min', 'output/max', 'output/denominator', 'saliency'} <= \
        set(pinned)
    assert all(types == {'0': 'FLOAT'} for types in engine['layer_output_types'].values())


def test_an_fp16_onnx_is_strongly_typed_where_the_bindings_can(trt, onnx_models, tmp_path):
    caps = bindings.capabilities(trt)
    engine = build(trt, onnx_models['fp16'], tmp_path, 'fp16', onnx='fp16')
    recipe = precision_recipe(caps, 'fp16', 'fp16')
    assert recipe == (FP16_TYPED if caps.strongly_typed else FP16_FLAG)
    assert engine['strongly_typed'] == caps.strongly_typed
    assert ('FP16' in engine['builder_flags']) == (not caps.strongly_typed)
    assert precision_recipe(caps, 'fp32', 'fp32') == FP32


def test_a_dynamic_batch_gets_a_profile_up_to_max_batch(trt, onnx_models, tmp_path):
    engine = build(trt, onnx_models['fp32'], tmp_path, max_batch=4)
    assert engine['profiles'] == [{'image': [[1, 3, 64, 64], [4, 3, 64, 64], [4, 3, 64, 64]]}]


def test_a_static_batch_onnx_with_a_larger_max_batch_is_refused_clearly(
        trt, onnx_models, tmp_path):
    with pytest.raises(ParameterError, match='fixed batch of 1, so max_batch must be 1'):
        build(trt, onnx_models['fp32_b1'], tmp_path, max_batch=4, fixed_batch=1)
    assert trt.builds == []
    engine = build(trt, onnx_models['fp32_b1'], tmp_path, fixed_batch=1)
    assert engine['io'][0]['shape'] == [1, 3, 64, 64]


def test_a_failed_build_and_a_bad_onnx_say_so(trt, onnx_models, tmp_path):
    trt.fail_builds = True
    with pytest.raises(ModelFormatError, match='TensorRT failed to build'):
        build(trt, onnx_models['fp32'], tmp_path)
    bad = tmp_path / 'bad.onnx'
    bad.write_bytes(b'not onnx')
    with pytest.raises(ModelFormatError, match='could not parse'):
        build(trt, bad, tmp_path)


def test_progress_is_reported_by_steps_or_by_elapsed_time(
        trt, onnx_models, tmp_path, monkeypatch):
    seen = []
    monkeypatch.setattr(builder, 'ELAPSED_EVERY_S', 0.02)
    trt.build_block_seconds = 0.2  # a build that takes a while
    build(trt, onnx_models['fp32'], tmp_path, progress=lambda *a: seen.append(a))
    if bindings.capabilities(trt).progress_monitor:
        phase, step, steps = seen[-1]
        assert step == steps > 1 and all(s[2] == steps for s in seen)
    else:  # 8.6: no IProgressMonitor, the elapsed time instead
        assert seen and all(s[0] == builder.ELAPSED_PHASE and s[2] == 0 for s in seen)


def test_an_error_in_the_progress_callback_surfaces_as_itself(
        trt, onnx_models, tmp_path, monkeypatch):
    class Oops(Exception):
        pass

    def progress(*args):
        raise Oops('bug in the progress callback')

    monkeypatch.setattr(builder, 'ELAPSED_EVERY_S', 0.02)
    trt.build_block_seconds = 0.2
    with pytest.raises(Oops, match='bug in the progress callback'):
        build(trt, onnx_models['fp32'], tmp_path, progress=progress)


def test_cancelling_a_build_in_progress(trt, onnx_models, tmp_path, monkeypatch):
    """From 9.1 the monitor cancels between steps; 8.6 finishes the build, then discards it."""
    cancel = threading.Event()
    if bindings.capabilities(trt).progress_monitor:
        trt.build_gate, trt.build_step_seconds = threading.Event(), 0.01  # never finishes
        threading.Timer(0.2, cancel.set).start()
    else:  # cannot be interrupted: the cancel arrives while the build runs
        original = trt.Builder.build_serialized_network

        def cancelled_meanwhile(self, network, config):
            threading.Timer(0.05, cancel.set).start()
            return original(self, network, config)

        monkeypatch.setattr(trt.Builder, 'build_serialized_network', cancelled_meanwhile)
        trt.build_block_seconds = 0.3
    with pytest.raises(BuildCancelled):
        build(trt, onnx_models['fp32'], tmp_path, cancel=cancel)
    assert len(trt.builds) == (0 if bindings.capabilities(trt).progress_monitor else 1)


def test_an_int8_qdq_onnx_builds_with_the_int8_flag_or_strongly_typed_on_11(
        trt, qdq, tmp_path):
    caps = bindings.capabilities(trt)
    engine = build(trt, qdq, tmp_path, onnx='int8')
    assert engine['quantized']
    if trt.__version__.startswith('11.'):  # no BuilderFlag.INT8: explicit, strongly typed
        assert not caps.int8_flag and precision_recipe(caps, 'fp32', 'int8') == INT8_TYPED
        assert engine['strongly_typed'] and engine['builder_flags'] == []
    else:  # 8.6, 10.x: a weakly typed network with the INT8 flag (no calibrator: Q/DQ scales)
        assert caps.int8_flag and precision_recipe(caps, 'fp32', 'int8') == INT8_FLAG
        assert not engine['strongly_typed'] and engine['builder_flags'] == ['INT8']
        assert engine['layer_precisions'] == {}  # fp32 elsewhere: nothing to pin


def test_int8_with_fp16_adds_the_fp16_flag_and_the_pins_where_there_is_one(trt, qdq, tmp_path):
    if not bindings.capabilities(trt).fp16_flag:  # 11: the float part stays the ONNX's fp32
        with pytest.raises(ParameterError, match='use precision fp32'):
            build(trt, qdq, tmp_path, 'fp16', onnx='int8')
        return
    assert precision_recipe(bindings.capabilities(trt), 'fp16', 'int8') == INT8_FP16_FLAG
    engine = build(trt, qdq, tmp_path, 'fp16', onnx='int8')
    assert {'INT8', 'FP16', 'OBEY_PRECISION_CONSTRAINTS'} == set(engine['builder_flags'])
    pinned = engine['layer_precisions']
    assert {'aspp/mean', 'output/min', 'saliency'} <= set(pinned)
    assert set(pinned.values()) == {'FLOAT'} and all(n.startswith(FP32_NODES) for n in pinned)


def test_without_the_int8_recipe_a_weakly_typed_qdq_build_fails(trt, qdq, tmp_path):
    """What the builder did before the INT8 recipe: a QDQ ONNX labelled fp32, no INT8 flag."""
    if bindings.capabilities(trt).strongly_typed and trt.__version__.startswith('11.'):
        assert build(trt, qdq, tmp_path)['quantized']  # 11 needs no flag
        return
    with pytest.raises(ModelFormatError, match='failed to build'):
        build(trt, qdq, tmp_path)
    assert any('needs BuilderFlag::kINT8' in message for _, message in trt.log_records)
