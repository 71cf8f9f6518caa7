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

import cv2
from image_encodings import encode
from msinet_ros.imaging import byte_array
from msinet_ros.paths import share_dir  # noqa: F401 (the tests import it from here)
import numpy as np
import pytest
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
from rcl_interfaces.srv import GetParameters, SetParameters
import rclpy
from rclpy.context import Context
from rclpy.executors import SingleThreadedExecutor
from sensor_msgs.msg import CameraInfo, Image

DEMO_IMAGES = Path(__file__).resolve().parents[2] / 'demo' / 'images'


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

    def spin_until(self, condition: Callable[[], bool], timeout: float = 10.0,
                   every: Callable[[], None] = lambda: None, period: float = 0.1) -> bool:
        """
        Spin until ``condition()`` holds or ``timeout`` seconds pass; return the result.

        ``every`` is called once per ``period`` seconds meanwhile (e.g. to keep publishing).
        """
        deadline = time.monotonic() + timeout
        next_call = 0.0
        while time.monotonic() < deadline:
            if condition():
                return True
            if time.monotonic() >= next_call:
                every()
                next_call = time.monotonic() + period
            # never past the deadline: a caller keeping a schedule spins to its next slot
            self.executor.spin_once(timeout_sec=min(0.02, max(0.0, deadline - time.monotonic())))
        return condition()

    def result_of(self, client, request, timeout: float = 10.0):
        """Call a service and return its response; fail the test if none comes in time."""
        future = client.call_async(request)
        if not self.spin_until(future.done, timeout):
            pytest.fail(f'{client.srv_name} did not answer {type(request).__name__} within '
                        f'{timeout} s')
        return future.result()

    def close(self) -> None:
        """Destroy the node and shut the context down."""
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


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

    def set_values(self, values: Mapping[str, Any], timeout: float = 10.0) -> list:
        """Set parameters in one request; return one ``SetParametersResult`` per parameter."""
        request = SetParameters.Request(
            parameters=[parameter_msg(name, value) for name, value in values.items()])
        return list(self._probe.result_of(self._set, request, timeout).results)

    def get_values(self, *names: str, timeout: float = 10.0) -> list:
        """Return the parameters' current values."""
        response = self._probe.result_of(self._get, GetParameters.Request(names=list(names)),
                                         timeout)
        return [parameter_value(value) for value in response.values]


class LifecycleClient:
    """Another node's lifecycle through its ``change_state`` / ``get_state`` services."""

    def __init__(self, probe: 'Probe', node_name: str):
        from lifecycle_msgs.srv import ChangeState, GetState
        self._probe = probe
        self._change = probe.node.create_client(ChangeState, f'{node_name}/change_state')
        self._get = probe.node.create_client(GetState, f'{node_name}/get_state')

    def wait_for_services(self, timeout: float = 15.0) -> bool:
        """Return whether both services appear within ``timeout`` seconds."""
        return self._probe.spin_until(
            lambda: self._change.service_is_ready() and self._get.service_is_ready(), timeout)

    def state(self, timeout: float = 5.0) -> str:
        """Return the current state's label (e.g. ``unconfigured``)."""
        from lifecycle_msgs.srv import GetState
        return self._probe.result_of(self._get, GetState.Request(), timeout).current_state.label

    def _request(self, transition: str):
        from lifecycle_msgs.msg import Transition
        from lifecycle_msgs.srv import ChangeState
        return ChangeState.Request(transition=Transition(label=transition))

    def change_async(self, transition: str):
        """Request a transition by label (``configure``, ``activate``, …); return the future."""
        return self._change.call_async(self._request(transition))

    def change(self, transition: str, timeout: float = 60.0) -> bool:
        """Request a transition and return whether it succeeded."""
        return self._probe.result_of(self._change, self._request(transition), timeout).success


class Diagnostics:
    """Collects the ``/diagnostics`` statuses of a node (named by its name or its full name)."""

    def __init__(self, probe: 'Probe', node_name: str = 'saliency_node'):
        from diagnostic_msgs.msg import DiagnosticArray
        self.statuses: list = []
        self._name = node_name  # a name matches any namespace; a full name only itself
        self._probe = probe
        probe.node.create_subscription(
            DiagnosticArray, '/diagnostics',
            lambda m: self.statuses.extend(s for s in m.status
                                           if self._matches(s.name)), 50)

    def _matches(self, status_name: str) -> bool:
        node = status_name.split(': ', 1)[0]
        return node == self._name if self._name.startswith('/') else \
            node.rsplit('/', 1)[-1] == self._name

    def latest(self) -> dict:
        """Return the last status's values by key (plus level and message), or {}."""
        if not self.statuses:
            return {}
        status = self.statuses[-1]
        values = {kv.key: kv.value for kv in status.values}
        values.update(level=int.from_bytes(status.level, 'little')
                      if isinstance(status.level, bytes) else int(status.level),
                      message=status.message, hardware_id=status.hardware_id)
        return values

    def count(self, key: str) -> int:
        """Return the latest value of a ``frames …`` counter (-1 before any status)."""
        return int(self.latest().get(f'frames {key}', -1))

    def wait_for(self, condition: Callable[[dict], bool], timeout: float = 10.0) -> dict:
        """Spin until a new status satisfies ``condition``; return its values."""
        start = len(self.statuses)
        if self._probe.spin_until(lambda: len(self.statuses) > start and
                                  condition(self.latest()), timeout):
            return self.latest()
        pytest.fail(f'no diagnostics status as expected within {timeout} s: {self.latest()}')


def photo(height, width, name='coffee.jpg'):
    """Return a shipped demo photograph as RGB, resized to height x width."""
    bgr = cv2.imread(str(DEMO_IMAGES / name), cv2.IMREAD_COLOR)
    return cv2.cvtColor(cv2.resize(bgr, (width, height), interpolation=cv2.INTER_AREA),
                        cv2.COLOR_BGR2RGB)


def image_msg(probe, rgb, encoding='rgb8', padding=0, frame_id='test_optical_frame'):
    raw = encode(rgb, encoding)
    row = np.ascontiguousarray(raw).reshape(raw.shape[0], -1).view(np.uint8)
    buffer = np.zeros((row.shape[0], row.shape[1] + padding), np.uint8)
    buffer[:, :row.shape[1]] = row
    msg = Image(height=rgb.shape[0], width=rgb.shape[1], encoding=encoding, is_bigendian=0,
                step=buffer.shape[1])
    msg.data = byte_array(buffer)  # Humble checks every element of bytes (docs/node.md)
    msg.header.frame_id = frame_id
    msg.header.stamp = probe.node.get_clock().now().to_msg()
    return msg


def camera_info(height, width, stamp=None, f=500.0):
    info = CameraInfo(height=height, width=width, distortion_model='plumb_bob')
    info.k = [f, 0.0, width / 2, 0.0, f, height / 2, 0.0, 0.0, 1.0]
    info.p = [f, 0.0, width / 2, 0.0, 0.0, f, height / 2, 0.0, 0.0, 0.0, 1.0, 0.0]
    info.d = [0.0] * 5
    info.r = [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0]
    if stamp is not None:
        info.header.stamp = stamp
    return info
