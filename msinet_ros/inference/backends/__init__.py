"""
Inference backends behind one small interface, chosen by name from one table.

``onnxruntime`` (default, everywhere), ``tensorrt`` (NVIDIA GPUs, Jetson) and ``torch``
(optional). Each module imports its heavy dependency only when a backend is created; the table
says which model kinds each accepts and whether it runs any input size, so that the predictor
never needs to know which backend it drives.
"""

from dataclasses import dataclass
import importlib
import threading
from typing import Callable, Dict, FrozenSet, Optional, Type

from .base import Backend, BackendOptions, Progress, TensorRTOptions, TorchOptions
from ...errors import ParameterError
from ...model.source import ENGINE, ONNX, WEIGHTS


@dataclass(frozen=True)
class BackendSpec:
    """One row of the backend table."""

    name: str
    module: str  # module (in this package) holding the class
    class_name: str
    accepts: FrozenSet[str]  # model kinds it runs directly
    any_size: bool  # runs any input size from one model (else one model per size)
    options_type: Optional[type] = None  # its own options class, if it has one

    def load(self) -> Type[Backend]:
        """Import and return the backend class."""
        module = importlib.import_module(f'{__name__}.{self.module}')
        return getattr(module, self.class_name)

    def options(self, given: Optional[object]) -> Optional[object]:
        """Return ``given`` checked against this backend's options class, or its default."""
        if self.options_type is None:
            if given is not None:
                raise ParameterError(f'backend {self.name} takes no options of its own')
            return None
        if given is None:
            return self.options_type()
        if not isinstance(given, self.options_type):
            raise ParameterError(f'backend {self.name} takes {self.options_type.__name__}, '
                                 f'not {type(given).__name__}')
        return given


BACKENDS: Dict[str, BackendSpec] = {spec.name: spec for spec in (
    BackendSpec('onnxruntime', 'onnxruntime_backend', 'OnnxRuntimeBackend',
                frozenset({ONNX}), any_size=False),
    BackendSpec('tensorrt', 'tensorrt_backend', 'TensorRTBackend',
                frozenset({ONNX, ENGINE}), any_size=False, options_type=TensorRTOptions),
    BackendSpec('torch', 'torch_backend', 'TorchBackend',
                frozenset({WEIGHTS}), any_size=True, options_type=TorchOptions),
)}
NAMES = tuple(BACKENDS)

__all__ = ['Backend', 'BackendOptions', 'BACKENDS', 'BackendSpec', 'create', 'NAMES',
           'Progress', 'spec', 'TensorRTOptions', 'TorchOptions']


def spec(name: str) -> BackendSpec:
    """Return the table row of a backend, or raise ParameterError naming the choices."""
    try:
        return BACKENDS[name]
    except KeyError:
        raise ParameterError(f'unknown backend {name!r}: choose one of '
                             f'{", ".join(NAMES)}') from None


def create(name: str, model_path, options: BackendOptions = BackendOptions(),
           own_options: Optional[object] = None,
           cancel: Optional[threading.Event] = None) -> Backend:
    """Create the named backend for a model file of a kind it accepts."""
    row = spec(name)
    factory: Callable[..., Backend] = row.load()
    return factory(model_path, options, row.options(own_options), cancel or threading.Event())
