"""The timing cache: keyed per TensorRT and GPU, never a reason for a build to fail."""

import json

from msinet_ros.inference.tensorrt import bindings, timing_cache
from support.fake_tensorrt import CACHE_MAGIC


def config_of(trt):
    return trt.Builder(bindings.process_logger(trt, print)).create_builder_config()


def foreign_cache(version='7.0.0'):
    return CACHE_MAGIC + json.dumps({'version': version, 'gpu': {'name': 'other'}}).encode()


def test_a_stored_cache_is_reused(trt, tmp_path):
    path, log = tmp_path / 'timing.cache', []
    first = config_of(trt)
    timing_cache.attach(first, path, log.append)
    timing_cache.store(first, path, log.append)
    assert path.is_file() and log == []
    second = config_of(trt)
    timing_cache.attach(second, path, log.append)
    assert second.get_timing_cache() is not None and log == []


def test_a_foreign_or_damaged_cache_falls_back_to_an_empty_one(trt, tmp_path):
    """set_timing_cache: 'A failure will be reported if the CUDA device property ... differs'."""
    for blob in (foreign_cache(), b'garbage'):
        path, log = tmp_path / 'timing.cache', []
        path.write_bytes(blob)
        config = config_of(trt)
        timing_cache.attach(config, path, log.append)
        assert config.get_timing_cache() is not None  # an empty cache of this TensorRT
        assert any('does not fit' in line for line in log)
        timing_cache.store(config, path, log.append)  # replaced by one that fits
        config = config_of(trt)
        log.clear()
        timing_cache.attach(config, path, log.append)
        assert log == []


def test_no_cache_to_store_is_logged_not_raised(trt, tmp_path):
    """get_timing_cache: '... or `None` if no timing cache is set'."""
    log = []
    timing_cache.store(config_of(trt), tmp_path / 'timing.cache', log.append)
    assert log == ['no timing cache to save after the build']
    assert not (tmp_path / 'timing.cache').exists()
