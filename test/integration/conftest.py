"""Fixtures for integration tests (they start the installed executables over real DDS)."""

import os
from typing import Callable, Iterator, List

from msinet_ros.model import onnx_export, weights
from msinet_ros.paths import fastdds_profile_env
import pytest

pytest.importorskip('rclpy', reason='rclpy is not installed')

from support.ros_helpers import installed_executable, NodeProcess, Probe, share_dir  # noqa: E402

# Large images between processes need the shipped Fast DDS profile (see config/); every
# process of the test session, the probe and the nodes it starts, uses it (Kilted's Fast DDS 3
# and Jazzy's Fast DDS 2 read it from differently named variables: ROS_DISTRO decides).
os.environ.update(fastdds_profile_env(share_dir() / 'config' / 'fastdds_large_images.xml'))


@pytest.fixture
def start_node(tmp_path) -> Iterator[Callable[..., NodeProcess]]:
    """Start an installed executable with ROS arguments; stop it at the end of the test."""
    started: List[NodeProcess] = []

    def start(executable: str, *ros_args: str) -> NodeProcess:
        args = [str(installed_executable(executable))]
        if ros_args:
            args += ['--ros-args', *ros_args]
        node = NodeProcess(args, tmp_path / f'{executable}-{len(started)}.log')
        started.append(node)
        return node

    yield start
    for node in started:
        node.stop()


@pytest.fixture
def probe() -> Iterator[Probe]:
    """Provide a probe node in its own context, shut down after the test."""
    p = Probe()
    yield p
    p.close()


@pytest.fixture(scope='session')
def models(tmp_path_factory):
    """Seeded-random models: a 64x64 ONNX (plumbing) and a weights file (any size)."""
    folder = tmp_path_factory.mktemp('models')
    onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64,
                                       metadata=weights.random_metadata(0)),
                     folder / 'small.onnx')
    weights.save(folder / 'random.safetensors', weights.random_weights(0),
                 weights.random_metadata(0))
    return folder
