"""
saliency_node as users start it with a fixed-size ONNX or a TensorRT engine (size: auto).

The TensorRT cases run the installed executables against the strict fake of each TensorRT
version (``test/support/fake_site`` first on PYTHONPATH): ``msinet build-engine`` with the
node's defaults, then the node with the same model and parameters, which must start without
building and serve frames.
"""

import os
from pathlib import Path
import signal
import subprocess
import time

from msinet_ros.imaging import byte_array
from msinet_ros.model import onnx_export, weights
import numpy as np
import pytest
from sensor_msgs.msg import Image
from support.ros_helpers import installed_executable

FAKE_SITE = Path(__file__).resolve().parents[1] / 'support' / 'fake_site'


@pytest.fixture(scope='module')
def fixed_onnx(tmp_path_factory):
    path = tmp_path_factory.mktemp('fixed') / 'fixed-48x64.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(0), 48, 64,
                                       metadata=weights.random_metadata(0)), path)
    return path


def serve_one_frame(probe, node, timeout=30.0):
    """Publish 80x120 frames until a saliency map of that size comes back; return it."""
    got = []
    publisher = probe.node.create_publisher(Image, 'image', 1)
    probe.node.create_subscription(Image, 'saliency/image', got.append, 10)
    frame = np.random.default_rng(0).integers(0, 256, (80, 120, 3), dtype=np.uint8)
    deadline = time.monotonic() + timeout
    while not got and time.monotonic() < deadline:
        if node.proc.poll() is not None:
            pytest.fail('saliency_node ended:\n' + node.output())
        msg = Image(height=80, width=120, encoding='rgb8', step=360, data=byte_array(frame))
        msg.header.frame_id = 'cam'
        publisher.publish(msg)
        probe.spin_until(lambda: bool(got), timeout=1.0)
    assert got, 'no saliency map:\n' + node.output()
    return got[0]


def test_a_fixed_size_onnx_runs_with_the_default_size_auto(fixed_onnx, start_node, probe):
    node = start_node('saliency_node', '-p', f'model:={fixed_onnx}')
    result = serve_one_frame(probe, node)
    assert (result.height, result.width, result.encoding) == (80, 120, '32FC1')
    assert 'configured: 48x64: onnxruntime' in node.output()
    assert node.stop(signal.SIGINT) == 0


@pytest.mark.parametrize('version', ['8.6.1', '10.3.0', '11.0.0.114'])
def test_build_engine_then_the_node_loads_that_engine_without_building(
        version, fixed_onnx, tmp_path, start_node, probe, monkeypatch):
    monkeypatch.setenv('PYTHONPATH', f'{FAKE_SITE}:{os.environ.get("PYTHONPATH", "")}')
    monkeypatch.setenv('MSINET_FAKE_TENSORRT', version)
    cache = tmp_path / 'cache'
    built = subprocess.run([str(installed_executable('msinet')), 'build-engine', str(fixed_onnx),
                            '--cache-dir', str(cache)], capture_output=True, text=True,
                           timeout=120)
    assert built.returncode == 0, built.stderr
    assert f'tensorrt {version}' in built.stdout and 'building TensorRT engine' in built.stderr
    node = start_node('saliency_node', '-p', f'model:={fixed_onnx}', '-p', 'backend:=tensorrt',
                      '-p', f'cache_dir:={cache}')
    result = serve_one_frame(probe, node)
    assert (result.height, result.width) == (80, 120)
    log = node.output()
    assert f'configured: 48x64: tensorrt {version}' in log and 'fp32 (TF32 off)' in log
    assert 'building TensorRT engine' not in log and 'rebuilding' not in log
    assert node.stop(signal.SIGTERM) == 0
