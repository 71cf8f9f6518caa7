"""Shared test set-up: ROS 2 traffic stays on this machine, in a domain of its own."""

import os
from pathlib import Path
import random
import shutil
import tempfile

import pytest

# Every process a test starts inherits these. LOCALHOST keeps DDS discovery on loopback from
# Iron on; Humble ignores it and has ROS_LOCALHOST_ONLY instead, which Jazzy warns is
# deprecated and Kilted ignores: set that one on Humble only.
os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
if os.environ.get('ROS_DISTRO') == 'humble':
    os.environ['ROS_LOCALHOST_ONLY'] = '1'
os.environ.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 101)))
# Under pytest-xdist (`make test` runs two workers) each worker is a DDS domain of its own: the
# nodes one starts never meet the other's probes.
if os.environ.get('PYTEST_XDIST_WORKER', '').startswith('gw'):
    os.environ['ROS_DOMAIN_ID'] = str(int(os.environ['ROS_DOMAIN_ID']) +
                                      int(os.environ['PYTEST_XDIST_WORKER'][2:]))
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('ROS_LOG_DIR', os.path.join(os.environ.get('TMPDIR', '/tmp'),
                                                  'msinet_ros_test_logs'))
# What a node or the CLI exports or builds without cache_dir goes to $ROS_HOME/msinet_ros (about
# 100 MB an export): here a folder of this test process, removed at its end, never the user's.
TEST_ROS_HOME = tempfile.mkdtemp(prefix='msinet_ros_test_home-')
os.environ['ROS_HOME'] = TEST_ROS_HOME


ROS_GROUP = ('integration', 'launch')  # start processes over DDS: one worker, one at a time


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(config, items):
    """
    Group tests for ``pytest -n 2 --dist loadgroup`` (``make test``).

    The tests that start nodes over DDS (test/integration, test/launch) run one after another
    on one worker, as they would alone: they measure ages and rates, which two of them at once
    on two cores would disturb. Every other file is a group of its own, so its module
    fixtures (a TensorFlow graph, an export) are built once.
    """
    if not os.environ.get('PYTEST_XDIST_WORKER'):
        return
    root = Path(__file__).resolve().parent
    for item in items:
        path = Path(str(item.fspath)).resolve()  # pytest 6 (Humble) has no item.path
        relative = path.relative_to(root) if root in path.parents else path
        group = 'ros' if relative.parts[0] in ROS_GROUP else str(relative)
        item.add_marker(pytest.mark.xdist_group(group))


def pytest_unconfigure(config):
    """Remove this process's ROS_HOME (the exports its tests made)."""
    shutil.rmtree(TEST_ROS_HOME, ignore_errors=True)
