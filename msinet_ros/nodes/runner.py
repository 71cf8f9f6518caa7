"""Process lifecycle shared by every node: start-up errors, spinning, clean shutdown."""

import signal
import sys
from typing import Callable, Optional, Sequence

import rclpy
from rclpy.exceptions import (InvalidParameterTypeException, InvalidParameterValueException,
                              ParameterException)
from rclpy.executors import ExternalShutdownException
from rclpy.node import Node

from ..errors import MsinetError

STARTUP_ERRORS = (MsinetError, ParameterException, InvalidParameterTypeException,
                  InvalidParameterValueException)


def run(name: str, make_node: Callable[[], Node], args: Optional[Sequence[str]] = None) -> int:
    """
    Create the node, spin it until SIGINT/SIGTERM, and return the process exit code.

    A start-up failure the user can fix is logged as one line saying what to do and gives
    exit code 1; SIGINT and SIGTERM end the process with exit code 0 and no traceback.
    """
    rclpy.init(args=args)
    # SIGTERM as SIGINT on every distribution (Humble's rclpy does not handle SIGTERM)
    signal.signal(signal.SIGTERM, _interrupt)
    node = None
    code = 0
    try:
        node = make_node()
        rclpy.spin(node)
    except STARTUP_ERRORS as exc:
        rclpy.logging.get_logger(name).fatal(f'cannot start: {exc}')
        code = 1
    except (KeyboardInterrupt, ExternalShutdownException):
        pass
    finally:
        if node is not None:
            node.destroy_node()
        if rclpy.ok():
            rclpy.try_shutdown()
    return code


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main_for(name: str, make_node: Callable[[], Node]) -> Callable[[], None]:
    """Build a console-script entry point that runs ``make_node`` and exits with its code."""
    def main() -> None:
        sys.exit(run(name, make_node))
    return main
