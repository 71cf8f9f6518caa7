"""
Process lifecycle shared by every node: start-up errors, spinning, clean shutdown.

SIGINT and SIGTERM are rclpy's own: ``rclpy.init`` installs handlers for both (Humble
included) that shut the context down and wake every executor at once, whatever the node is
waiting for. Nothing here replaces them. rclpy's SIGINT handler also calls the Python handler
installed before it, by default the one raising KeyboardInterrupt at whatever line the main
thread is on (inside the executor, a publish, a destroy); a no-op Python handler is installed
first, so that SIGINT ends the process exactly as SIGTERM does.
"""

import os
import signal
import sys
from typing import Callable, Optional, Sequence

import rclpy
from rclpy.exceptions import (InvalidParameterTypeException, InvalidParameterValueException,
                              ParameterException)
from rclpy.executors import Executor, ExternalShutdownException, SingleThreadedExecutor
from rclpy.node import Node

from ..errors import MsinetError

STARTUP_ERRORS = (MsinetError, ParameterException, InvalidParameterTypeException,
                  InvalidParameterValueException)
# How long shutdown waits for a node's worker (inside a native call, say) before giving up.
STOP_WAIT_S = 1.5


def run(name: str, make_node: Callable[[], Node], args: Optional[Sequence[str]] = None,
        make_executor: Callable[[], Executor] = SingleThreadedExecutor) -> int:
    """
    Create the node, spin it until it is done or SIGINT/SIGTERM, and return the exit code.

    A start-up failure the user can fix is logged as one line saying what to do and gives
    exit code 1; SIGINT and SIGTERM end the process with exit code 0 and no traceback, within
    :data:`STOP_WAIT_S` of the signal: a node with a ``release(timeout)`` method that returns
    False (its worker is still inside a call that cannot be interrupted) is not waited for.
    A node ends the process itself by setting ``exit_code`` (the recorder after its last frame,
    a failed start with ``reason``, the one line the user reads).
    """
    signal.signal(signal.SIGINT, _after_rclpy)
    rclpy.init(args=args)
    logger = rclpy.logging.get_logger(name)
    node = None
    executor = None
    code = 0
    try:
        executor = make_executor()  # before the node: a signal during its start stays clean
        node = make_node()
        executor.add_node(node)
        while rclpy.ok() and getattr(node, 'exit_code', None) is None:
            executor.spin_once(timeout_sec=0.1)
        code = getattr(node, 'exit_code', None) or 0
        if code:
            logger.fatal(f'cannot start: {node.reason}')
    except STARTUP_ERRORS as exc:
        logger.fatal(f'cannot start: {exc}')
        code = 1
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    except Exception as exc:  # a callback's error, re-raised by spin_once: still release
        if rclpy.ok():  # otherwise a signal shut the context down under spin_once: clean
            logger.fatal(f'{type(exc).__name__}: {exc}')
            code = 1
    released = _release(node)
    if executor is not None and released:
        executor.shutdown(timeout_sec=STOP_WAIT_S)
    if node is not None and released:
        node.destroy_node()
    rclpy.try_shutdown()
    if not released:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # the worker is in native code: do not wait for it at exit either
    return code


def _after_rclpy(signum, frame) -> None:
    """Do nothing: rclpy's SIGINT handler, which runs first, has shut the context down."""


def _release(node: Optional[Node]) -> bool:
    """Ask the node to stop its threads; return False if one is still busy after the wait."""
    release = getattr(node, 'release', None)
    return True if release is None else release(STOP_WAIT_S)


def main_for(name: str, make_node: Callable[[], Node],
             make_executor: Callable[[], Executor] = SingleThreadedExecutor
             ) -> Callable[[], None]:
    """Build a console-script entry point that runs ``make_node`` and exits with its code."""
    def main() -> None:
        sys.exit(run(name, make_node, make_executor=make_executor))
    return main
