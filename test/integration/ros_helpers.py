"""
Helpers for integration tests: installed executables as processes, a probe node.

Only rclpy API that Humble has too: the tests run in Humble workspaces (``colcon test``) as
well as under the Jazzy and Kilted wheels of ``make test``.
"""

import os
from pathlib import Path
import shutil
import signal
import subprocess
import time
from typing import Any, Callable, List, Mapping

import pytest
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import GetParameters, SetParameters
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor


def share_dir() -> Path:
    """Return the installed share/msinet_ros, or the source tree when not installed."""
    try:
        from ament_index_python.packages import get_package_share_directory
        return Path(get_package_share_directory('msinet_ros'))
    except (ImportError, LookupError):
        return Path(__file__).resolve().parents[2]


def installed_executable(name: str) -> Path:
    """Return the installed console script, where ``ros2 run msinet_ros NAME`` finds it."""
    try:
        from ament_index_python.packages import get_package_prefix
        prefix = Path(get_package_prefix('msinet_ros'))
        path = prefix / 'lib' / 'msinet_ros' / name
        if path.exists():
            return path
    except (ImportError, LookupError):
        pass
    found = shutil.which(name)
    if found is None:
        pytest.skip(f'{name} is not installed: run the tests through colcon (make test)')
    return Path(found)


class NodeProcess:
    """A running executable whose combined output is kept for assertions."""

    def __init__(self, args: List[str], log_path: Path):
        self.log_path = log_path
        self._log = open(log_path, 'w')
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     env=dict(os.environ))

    def output(self) -> str:
        """Return everything the process printed so far."""
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def stop(self, sig: int = signal.SIGINT, timeout: float = 10.0) -> int:
        """Send ``sig`` and return the exit code (killing the process if it hangs)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return self.proc.returncode


class Probe:
    """A test-side rclpy node with a helper to spin until something happens."""

    def __init__(self):
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node('msinet_test_probe', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)

    def spin_until(self, condition: Callable[[], bool], timeout: float = 10.0) -> bool:
        """Spin until ``condition()`` holds or ``timeout`` seconds pass; return the result."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=0.05)
        return condition()

    def close(self) -> None:
        """Destroy the node and shut the context down."""
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.shutdown(context=self.context)


def wait_for_exit(process: subprocess.Popen, timeout: float) -> int:
    """Return the exit code, or fail the test if the process is still running."""
    try:
        return process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f'process did not exit within {timeout} s')


# Python type -> (ParameterType, field of ParameterValue); bool before int (bool is an int).
_PARAMETER_KINDS = ((bool, ParameterType.PARAMETER_BOOL, 'bool_value'),
                    (int, ParameterType.PARAMETER_INTEGER, 'integer_value'),
                    (float, ParameterType.PARAMETER_DOUBLE, 'double_value'),
                    (str, ParameterType.PARAMETER_STRING, 'string_value'))


def parameter_msg(name: str, value: Any) -> Parameter:
    """Return an ``rcl_interfaces/msg/Parameter`` for a bool, int, float or str value."""
    for kind, type_id, field in _PARAMETER_KINDS:
        if isinstance(value, kind):
            return Parameter(name=name, value=ParameterValue(type=type_id, **{field: value}))
    raise TypeError(f'{name}: no parameter type for {type(value).__name__}')


def parameter_value(value: ParameterValue) -> Any:
    """Return the Python value of a bool, int, float or str ``ParameterValue``."""
    for _, type_id, field in _PARAMETER_KINDS:
        if value.type == type_id:
            return getattr(value, field)
    raise TypeError(f'parameter type {value.type} is not handled here')


class ParameterClient:
    """
    Another node's parameters through its ``set_parameters`` / ``get_parameters`` services.

    A plain service client, as Humble has no ``rclpy.parameter_client``.
    """

    def __init__(self, probe: 'Probe', node_name: str):
        self._probe = probe
        self._node_name = node_name
        self._set = probe.node.create_client(SetParameters, f'{node_name}/set_parameters')
        self._get = probe.node.create_client(GetParameters, f'{node_name}/get_parameters')

    def wait_for_services(self, timeout: float = 10.0) -> bool:
        """Return whether both services appear within ``timeout`` seconds."""
        return self._probe.spin_until(
            lambda: self._set.service_is_ready() and self._get.service_is_ready(), timeout)

    def _call(self, client, request, timeout: float):
        future = client.call_async(request)
        if not self._probe.spin_until(future.done, timeout):
            pytest.fail(f'{self._node_name} did not answer {type(request).__name__} '
                        f'within {timeout} s')
        return future.result()

    def set_values(self, values: Mapping[str, Any], timeout: float = 10.0) -> list:
        """Set parameters in one request; return one ``SetParametersResult`` per parameter."""
        request = SetParameters.Request(
            parameters=[parameter_msg(name, value) for name, value in values.items()])
        return list(self._call(self._set, request, timeout).results)

    def get_values(self, *names: str, timeout: float = 10.0) -> list:
        """Return the parameters' current values."""
        response = self._call(self._get, GetParameters.Request(names=list(names)), timeout)
        return [parameter_value(value) for value in response.values]
