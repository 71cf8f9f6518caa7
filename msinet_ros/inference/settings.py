"""
From parameter values (the node's, or the CLI's options of the same names) to a predictor.

The node and ``msinet predict``/``build-engine`` call the same function with values keyed by
the names declared in :mod:`msinet_ros.parameters`, so that equal settings give equal backend
options, and so equal engine keys: an engine ``msinet build-engine`` prebuilt is exactly the
one the node then loads.
"""

from typing import Callable, Mapping, Optional

from .backends import BackendOptions, Progress, TensorRTOptions, TorchOptions
from .predictor import SaliencyPredictor


def backend_options(values: Mapping, log: Callable[[str], None]) -> BackendOptions:
    """Return the options every backend takes."""
    return BackendOptions(device=values['device'], device_index=values['device_index'],
                          precision=values['precision'], threads=values['threads'],
                          max_batch=values.get('max_batch', 1), cache_dir=values['cache_dir'],
                          log=log)


def own_options(values: Mapping, progress: Optional[Progress] = None) -> Optional[object]:
    """Return the chosen backend's own options (None for a backend without any)."""
    if values['backend'] == 'tensorrt':
        return TensorRTOptions(workspace_mib=values['tensorrt_workspace_mib'],
                               allow_rebuild=values['allow_engine_rebuild'],
                               log_level=values['tensorrt_log_level'], progress=progress)
    if values['backend'] == 'torch':
        return TorchOptions(cuda_graph=values.get('cuda_graph', False))
    return None


def make_predictor(values: Mapping, log: Callable[[str], None],
                   progress: Optional[Progress] = None) -> SaliencyPredictor:
    """Create the predictor the values describe (nothing is exported or built yet)."""
    return SaliencyPredictor(values['model'], values['backend'], values['size'],
                             backend_options(values, log), own_options(values, progress))
