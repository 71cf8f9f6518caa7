"""
The imported TensorRT bindings: what they offer, and the one logger of the process.

TensorRT keeps a single logger per process: a second one passed to a builder or runtime is
ignored with a warning (NVIDIA/TensorRT#1475), and freeing it can leave TensorRT holding a
dangling pointer. So every builder and runtime here gets the same :class:`ILogger` subclass,
created once and never freed, whose messages go to a log function the caller sets (the ROS
logger in the node, stderr in the tools) at a configurable severity.
"""

import threading
from typing import Callable
import weakref

from .planning import Capabilities
from ...errors import ParameterError, require

TRT_HOW = ('the tensorrt backend needs the TensorRT Python bindings: on Jetson they come with '
           'JetPack for the system Python (create the venv with --system-site-packages); on x86 '
           "install NVIDIA's tensorrt wheels or the CUDA repository's python3-libnvinfer")

LOG_LEVELS = ('error', 'warning', 'info', 'verbose')
_SEVERITY = {'internal_error': 0, 'error': 1, 'warning': 2, 'info': 3, 'verbose': 4}

_loggers = weakref.WeakKeyDictionary()  # tensorrt module -> its logger (lives as long)
_lock = threading.Lock()


def load():
    """Import tensorrt, or raise MissingDependencyError saying how to install it."""
    return require('tensorrt', TRT_HOW)


def capabilities(trt) -> Capabilities:
    """Read what these bindings offer."""
    flags = trt.NetworkDefinitionCreationFlag
    builder_flags = trt.BuilderFlag
    major = int(trt.__version__.split('.')[0])
    return Capabilities(
        version=trt.__version__,
        strongly_typed=hasattr(flags, 'STRONGLY_TYPED'),
        fp16_flag=hasattr(builder_flags, 'FP16'),
        tf32_flag=hasattr(builder_flags, 'TF32'),
        # from TensorRT 10 on every network is explicit-batch and the flag is deprecated/gone
        explicit_batch_flag=hasattr(flags, 'EXPLICIT_BATCH') and major < 10,
        progress_monitor=hasattr(trt, 'IProgressMonitor'),
        int8_flag=hasattr(builder_flags, 'INT8'),
    )


def process_logger(trt, log: Callable[[str], None], level: str = 'warning'):
    """Return the process's TensorRT logger, now sending messages up to ``level`` to ``log``."""
    if level not in LOG_LEVELS:
        raise ParameterError(f'TensorRT log level {level!r} is not one of '
                             f'{", ".join(LOG_LEVELS)}')
    with _lock:
        logger = _loggers.get(trt)
        if logger is None:
            logger = _loggers[trt] = _logger_class(trt)()
    logger.route(log, _SEVERITY[level])
    return logger


def _logger_class(trt):
    class RoutedLogger(trt.ILogger):
        """A TensorRT logger that forwards messages to a Python function."""

        def __init__(self):
            trt.ILogger.__init__(self)
            self._log: Callable[[str], None] = print
            self._max = _SEVERITY['warning']

        def route(self, log: Callable[[str], None], max_severity: int) -> None:
            self._log, self._max = log, max_severity

        def log(self, severity, msg):
            if int(severity) <= self._max:
                name = getattr(severity, 'name', str(severity)).lower()
                self._log(f'TensorRT {name}: {msg}')

    return RoutedLogger
