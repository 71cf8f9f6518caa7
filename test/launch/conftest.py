"""Fixtures for the launch tests (test/launch): a probe node, a small model, the plugin check."""

import os
from pathlib import Path
from typing import Iterator

from launch_helpers import Probe, require_plugin, share_dir
import pytest


@pytest.fixture(autouse=True)
def _launch_pytest_loaded(request):
    """Launch tests (marked ``launch``) need launch_pytest's plugin loaded."""
    if request.node.get_closest_marker('launch') is not None:
        require_plugin(request.config)


@pytest.fixture(scope='session', autouse=True)
def _fastdds_profile():
    """Let image_player's photographs through Fast DDS as the integration tests do."""
    from msinet_ros.paths import fastdds_profile_env
    saved = dict(os.environ)
    os.environ.update(fastdds_profile_env(share_dir() / 'config' / 'fastdds_large_images.xml'))
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope='session')
def small_model(tmp_path_factory) -> Path:
    """Return a seeded random 64x64 MSI-Net ONNX model (fast on a CPU)."""
    from msinet_ros.model import onnx_export, weights
    path = tmp_path_factory.mktemp('model') / 'small.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64,
                                       metadata=weights.random_metadata(0)), path)
    return path


@pytest.fixture
def probe() -> Iterator[Probe]:
    """Provide a probe node in its own context, shut down after the test."""
    p = Probe()
    yield p
    p.close()
