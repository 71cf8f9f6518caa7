"""
Helpers for the launch tests: the import gate, a probe node, plain service calls.

launch, launch_ros and launch_pytest come from a ROS 2 install or, where there is none, from
the Jazzy sources in shared/ that ``make test-kilted`` / ``make test-jazzy`` put on
``PYTHONPATH`` (with ``-p launch_pytest.plugin``). Without them the tests skip saying so, except
in CI (``CI=true``), where they fail: CI must not pass without its launch tests. Only rclpy API
that Humble has too (no ``rclpy.parameter_client``).
"""

import os
from pathlib import Path
import sys
import time
from typing import Any, Dict, Iterable

import pytest

try:
    from support.ros_helpers import Probe as BaseProbe
except ImportError:  # no rclpy: the import gate below skips (or fails in CI) with the reason
    BaseProbe = object

IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')
HOW = ('run them with `make test-kilted` or `make test-jazzy`, which take launch from '
       'LAUNCH_SOURCES (shared/vendor/ros2-launch-jazzy) where no ROS 2 install provides it')


def share_dir() -> Path:
    """Return the installed share/msinet_ros (the launch files run from there)."""
    from ament_index_python.packages import get_package_share_directory
    return Path(get_package_share_directory('msinet_ros'))


def unavailable(reason: str) -> None:
    """Skip (fail in CI) the calling test module or test for ``reason``."""
    if IN_CI:
        pytest.fail(f'{reason}; CI must run the launch tests', pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def require_launch() -> None:
    """Skip (fail in CI) the calling module where launch, launch_ros or launch_pytest is absent."""
    try:
        import launch  # noqa: F401
        import launch_pytest  # noqa: F401
        import launch_ros  # noqa: F401
    except ImportError as error:
        unavailable(f'launch, launch_ros and launch_pytest are needed ({error}): {HOW}')


def require_plugin(config: pytest.Config) -> None:
    """Skip (fail in CI) where launch_pytest's plugin is not loaded (no ``-p``, no entry point)."""
    plugin = sys.modules.get('launch_pytest.plugin')
    if plugin is None or not config.pluginmanager.is_registered(plugin):
        unavailable(f'the launch_pytest plugin is not loaded: pass -p launch_pytest.plugin, or '
                    f'{HOW}')


class Probe(BaseProbe):
    """The integration tests' probe node, plus service calls and graph queries."""

    def call(self, service_type: Any, name: str, request: Any, timeout: float = 20.0) -> Any:
        """Call a service once it is there; fail the test when it does not answer in time."""
        client = self.node.create_client(service_type, name)
        try:
            if not self.spin_until(client.service_is_ready, timeout):
                pytest.fail(f'service {name} did not appear within {timeout} s')
            return self.result_of(client, request, timeout)
        finally:
            self.node.destroy_client(client)

    def subscribers(self, topic: str) -> Iterable[str]:
        """Return the fully qualified names of the nodes subscribed to ``topic``."""
        return [f'{info.node_namespace.rstrip("/")}/{info.node_name}'
                for info in self.node.get_subscriptions_info_by_topic(topic)]


def get_parameters(probe: Probe, node: str, names: Iterable[str],
                   timeout: float = 20.0) -> Dict[str, Any]:
    """Return ``node``'s parameters over its ``get_parameters`` service, once all are set."""
    from rcl_interfaces.msg import ParameterType
    from rcl_interfaces.srv import GetParameters
    from support.ros_helpers import parameter_value

    names = list(names)
    deadline = time.monotonic() + timeout
    while True:  # a node may still be declaring them just after start
        response = probe.call(GetParameters, f'{node}/get_parameters',
                              GetParameters.Request(names=names), timeout)
        if all(value.type != ParameterType.PARAMETER_NOT_SET for value in response.values):
            return {name: parameter_value(value) for name, value in zip(names, response.values)}
        if time.monotonic() > deadline:
            pytest.fail(f'{node} has not declared all of {names} within {timeout} s')
        probe.spin_until(lambda: False, 0.2)
