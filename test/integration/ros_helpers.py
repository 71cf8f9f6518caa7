"""Helpers for integration tests: installed executables as processes, a probe node."""

import os
from pathlib import Path
import shutil
import signal
import subprocess
import time
from typing import Callable, List

import pytest
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
