"""The default backend: ONNX Runtime on the CPU, or its CUDA provider with onnxruntime-gpu."""

from pathlib import Path
import threading
from typing import Optional, Tuple

import numpy as np

from .base import Backend, BackendOptions
from ...errors import MissingDependencyError, ModelFormatError, ParameterError, require
from ...model.onnx_export import PRECISIONS
from ...model.trust import check_external_data

MEMORY_PATTERN = False  # ONNX Runtime's enable_mem_pattern (see below)


class OnnxRuntimeBackend(Backend):
    """An ONNX Runtime session with full graph optimisation."""

    def __init__(self, onnx_path: Path, options: BackendOptions, own_options: None = None,
                 cancel: Optional[threading.Event] = None):
        ort = require('onnxruntime', 'install it with `pip install onnxruntime` '
                                     '(onnxruntime-gpu for CUDA)')
        if options.device == 'cuda':
            if 'CUDAExecutionProvider' not in ort.get_available_providers():
                raise MissingDependencyError(
                    'device cuda needs onnxruntime-gpu (CUDAExecutionProvider is not available '
                    'in this onnxruntime); install it, or use device cpu')
            providers = [('CUDAExecutionProvider', {'device_id': options.device_index})]
            self.hardware = f'cuda:{options.device_index}'  # ONNX Runtime does not name GPUs
        elif options.device == 'cpu':
            providers = ['CPUExecutionProvider']
        else:
            raise ParameterError(f'onnxruntime backend: unknown device {options.device!r}')
        session_options = ort.SessionOptions()
        session_options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        session_options.intra_op_num_threads = options.threads
        # No busy-waiting between runs: spinning threads starve the node's other threads (and
        # other processes) of CPU while the next frame is prepared; measured no faster either.
        session_options.add_session_config_entry('session.intra_op.allow_spinning', '0')
        # No memory pattern: its pre-planned block for every intermediate tensor comes on top of
        # what the arena already holds after the first run (+42 MB of 106 at 240x320); the arena
        # alone serves the same tensors (median per-round time ratio 1.009 over 12 interleaved
        # rounds on a loaded 2-core machine: within its noise; docs/records/memory.json).
        session_options.enable_mem_pattern = MEMORY_PATTERN
        session_options.log_severity_level = 3
        check_external_data(onnx_path)  # before ONNX Runtime reads any file the model names
        try:
            self._session = ort.InferenceSession(str(onnx_path), session_options,
                                                 providers=providers)
        except Exception as exc:  # onnxruntime raises its own untyped errors for bad files
            raise ModelFormatError(f'{onnx_path} could not be loaded by onnxruntime '
                                   f'({str(exc).splitlines()[0]}): re-export it with '
                                   '`msinet export`') from exc
        # from the metadata msinet writes (reading the graph again would cost its size)
        precision = self._session.get_modelmeta().custom_metadata_map.get('export_precision')
        self._description = f'onnxruntime {ort.__version__} {options.device} ' + (
            f'{precision} ONNX' if precision in PRECISIONS else 'ONNX of unstated precision')
        (inp,) = self._session.get_inputs()
        self._input_name = inp.name
        dims = inp.shape
        self._size = (dims[2], dims[3]) if all(isinstance(d, int) for d in dims[2:]) else None

    @property
    def input_size(self) -> Optional[Tuple[int, int]]:
        """Return the fixed (height, width) of the ONNX input."""
        return self._size

    def describe(self) -> str:
        """Return the library, device and precision."""
        return self._description

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the session."""
        return self._session.run(None, {self._input_name: batch})[0]

    def close(self) -> None:
        """Drop the session."""
        self._session = None
