"""TensorRT planning without TensorRT: capabilities → recipes, keys, profiles, I/O checks."""

from msinet_ros.errors import ParameterError
from msinet_ros.inference.tensorrt.planning import (Capabilities, DESCRIPTIONS, EngineKey,
                                                    EngineMismatchError, export_precision,
                                                    FP16_FLAG, FP16_TYPED, FP32, GpuInfo,
                                                    INT8_FLAG, INT8_FP16_FLAG, INT8_TYPED,
                                                    plan_io, precision_recipe, profile_shapes,
                                                    TensorInfo, timing_cache_name)
import pytest

ORIN = GpuInfo('Orin', (8, 7), 16)
KEY = EngineKey('ab' * 32, 240, 320, 1, 'fp16-flag', 1024, '10.3.0', ORIN)
# What the bindings of each version offer (as bindings.capabilities reads them)
TRT86 = Capabilities('8.6.1', strongly_typed=False, fp16_flag=True, tf32_flag=True,
                     explicit_batch_flag=True, progress_monitor=False, int8_flag=True)
TRT103 = Capabilities('10.3.0', strongly_typed=True, fp16_flag=True, tf32_flag=True,
                      explicit_batch_flag=False, progress_monitor=True, int8_flag=True)
TRT11 = Capabilities('11.0.0', strongly_typed=True, fp16_flag=False, tf32_flag=True,
                     explicit_batch_flag=False, progress_monitor=True, int8_flag=False)


@pytest.mark.parametrize('change', [
    {'onnx_sha256': 'cd' * 32}, {'height': 360}, {'width': 360}, {'max_batch': 4},
    {'precision': 'fp32'}, {'workspace_mib': 2048}, {'tensorrt_version': '10.7.0'},
    {'gpu': GpuInfo('Orin', (8, 7), 8)},  # same name, another Orin module
    {'gpu': GpuInfo('Orin', (8, 6), 16)}, {'device_index': 1}, {'recipe_version': 99},
])
def test_every_dependency_changes_the_engine_file_name(change):
    other = EngineKey(**{**KEY.__dict__, **change})
    assert other.filename() != KEY.filename()


def test_engine_name_says_its_real_precision():
    name = KEY.filename()
    assert name.startswith('msinet-abababababab-240x320-b1-fp16-flag-trt10.3.0-sm87-16mp-')
    assert name.endswith('.engine')


def test_timing_cache_is_keyed_by_tensorrt_version_and_gpu():
    assert KEY.timing_cache_name() == 'msinet-timing-trt10.3.0-sm87-16mp.cache'
    assert len({timing_cache_name(v, g) for v in ('8.6.1', '10.3.0')
                for g in (ORIN, GpuInfo('Orin', (8, 7), 8))}) == 4


@pytest.mark.parametrize('caps, precision, onnx, expected', [
    (TRT86, 'fp32', 'fp32', FP32), (TRT86, 'fp16', 'fp32', FP16_FLAG),
    (TRT86, 'fp16', 'fp16', FP16_FLAG),  # 8.6 has no strongly typed networks: flag + pins
    (TRT103, 'fp32', 'fp32', FP32), (TRT103, 'fp16', 'fp32', FP16_FLAG),
    (TRT103, 'fp16', 'fp16', FP16_TYPED), (TRT11, 'fp16', 'fp16', FP16_TYPED),
    (TRT11, 'fp32', 'fp32', FP32),
    # a QDQ ONNX: the INT8 flag where it exists (8.6, 10.x), + FP16 on request; 11: typed
    (TRT86, 'fp32', 'int8', INT8_FLAG), (TRT86, 'fp16', 'int8', INT8_FP16_FLAG),
    (TRT103, 'fp32', 'int8', INT8_FLAG), (TRT103, 'fp16', 'int8', INT8_FP16_FLAG),
    (TRT11, 'fp32', 'int8', INT8_TYPED),
])
def test_precision_recipe_follows_what_the_bindings_offer(caps, precision, onnx, expected):
    assert precision_recipe(caps, precision, onnx) == expected


def test_int8_recipes_say_int8_in_their_label_and_description():
    for recipe in (INT8_FLAG, INT8_FP16_FLAG, INT8_TYPED):
        assert recipe.label.startswith('int8') and recipe.describe().startswith('int8')
    assert INT8_FLAG.int8_flag and INT8_FP16_FLAG.int8_flag and INT8_FP16_FLAG.fp16_flag
    assert not INT8_TYPED.int8_flag and INT8_TYPED.strongly_typed
    assert set(DESCRIPTIONS) == {r.label for r in (FP32, FP16_FLAG, FP16_TYPED, INT8_FLAG,
                                                   INT8_FP16_FLAG, INT8_TYPED)}


def test_tensorrt_11_refuses_fp16_on_top_of_int8_and_bindings_without_int8_say_so():
    with pytest.raises(ParameterError, match='use precision fp32'):
        precision_recipe(TRT11, 'fp16', 'int8')
    neither = Capabilities('8.5.0', strongly_typed=False, fp16_flag=True, tf32_flag=True,
                           explicit_batch_flag=True, progress_monitor=False, int8_flag=False)
    with pytest.raises(EngineMismatchError, match='cannot build an INT8 QDQ ONNX'):
        precision_recipe(neither, 'fp32', 'int8')


def test_tensorrt_11_builds_fp16_only_from_an_fp16_onnx():
    with pytest.raises(ParameterError, match='msinet export --fp16'):
        precision_recipe(TRT11, 'fp16', 'fp32')
    assert [export_precision(c, 'fp16') for c in (TRT86, TRT103, TRT11)] == \
        ['fp32', 'fp32', 'fp16']
    assert export_precision(TRT11, 'fp32') == 'fp32'


def test_profile_covers_batch_1_to_max_or_exactly_a_fixed_batch():
    assert profile_shapes(240, 320, 4) == ((1, 3, 240, 320), (4, 3, 240, 320), (4, 3, 240, 320))
    assert profile_shapes(240, 320, 1, fixed_batch=1) == ((1, 3, 240, 320),) * 3
    with pytest.raises(ParameterError, match='fixed batch of 1, so max_batch must be 1'):
        profile_shapes(240, 320, 4, fixed_batch=1)  # min != max on a fixed dimension
    with pytest.raises(ParameterError):
        profile_shapes(240, 320, 0)


def io(in_shape=(-1, 3, 240, 320), out_shape=(-1, 1, 240, 320), dtype='FLOAT'):
    return [TensorInfo('image', True, in_shape, dtype),
            TensorInfo('saliency', False, out_shape, dtype)]


def test_io_plan_of_an_msinet_engine():
    plan = plan_io(io(), max_batch=2)
    assert (plan.input_name, plan.output_name, plan.height, plan.width, plan.fixed_batch) == \
        ('image', 'saliency', 240, 320, None)
    assert plan_io(io(in_shape=(4, 3, 240, 320)), max_batch=4).fixed_batch == 4


@pytest.mark.parametrize('tensors, message', [
    (io()[:1], 'one input and one output'),
    (io(in_shape=(1, 4, 240, 320)), 'expected \\[B, 3, H, W\\]'),
    (io(in_shape=(1, 3, -1, -1)), 'fixed H and W'),
    (io(out_shape=(1, 1, 120, 160)), 'expected \\[B, 1, 240, 320\\]'),
    (io(dtype='HALF'), 'is HALF'), (io(dtype='BF16'), 'is BF16'), (io(dtype='FP8'), 'is FP8'),
    (io(dtype='INT4'), 'is INT4'),
    (io(in_shape=(1, 3, 240, 320)), 'fixed batch of 1'),  # smaller than max_batch
    (io(in_shape=(4, 3, 240, 320)), 'fixed batch of 4'),  # larger: would run stale rows
])
def test_foreign_engines_are_refused(tensors, message):
    with pytest.raises(EngineMismatchError, match=message):
        plan_io(tensors, max_batch=2)
