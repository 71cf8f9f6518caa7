"""The ONNX Runtime backend's session options."""

from msinet_ros.inference.backends import BackendOptions, create
from msinet_ros.model import onnx_export, weights
import numpy as np


def test_the_session_runs_without_a_memory_pattern(tmp_path):
    # the pattern's pre-planned block came on top of the arena (+42 MB at 240x320)
    path = tmp_path / 'm.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(2), 64, 64), path)
    backend = create('onnxruntime', path, BackendOptions(threads=1))
    session_options = backend._session.get_session_options()
    assert session_options.enable_mem_pattern is False
    assert session_options.enable_cpu_mem_arena is True  # the arena is kept: no per-run mmaps
    out = backend.infer(np.full((1, 3, 64, 64), 126.0, np.float32))
    assert out.shape == (1, 1, 64, 64) and np.isfinite(out).all()
