"""
Inference backends behind one small interface, chosen by name.

``onnxruntime`` (default, everywhere), ``tensorrt`` (NVIDIA GPUs, Jetson) and ``torch``
(optional). Each module imports its heavy dependency only when a backend is created.
"""

from .base import Backend, BackendOptions
from ...errors import ParameterError

BACKENDS = ('onnxruntime', 'tensorrt', 'torch')

__all__ = ['Backend', 'BackendOptions', 'BACKENDS', 'create']


def create(name: str, model_path, options: BackendOptions) -> Backend:
    """Create the named backend for a model file (ONNX, weights or engine, as it accepts)."""
    if name == 'onnxruntime':
        from .onnxruntime_backend import OnnxRuntimeBackend
        return OnnxRuntimeBackend(model_path, options)
    if name == 'torch':
        from .torch_backend import TorchBackend
        return TorchBackend(model_path, options)
    if name == 'tensorrt':
        from .tensorrt_backend import TensorRTBackend
        return TensorRTBackend(model_path, options)
    raise ParameterError(f'unknown backend {name!r}: choose one of {", ".join(BACKENDS)}')
