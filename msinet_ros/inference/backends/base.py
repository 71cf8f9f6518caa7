"""The interface every backend implements, and the options each one takes."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

import numpy as np

# progress(phase, step, steps) while a backend prepares a model (a TensorRT build)
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BackendOptions:
    """What every backend takes (each step's own knobs live in its own options class)."""

    device: str = 'cpu'  # 'cpu' or 'cuda' (tensorrt: always the GPU)
    device_index: int = 0  # which GPU, for device 'cuda' and tensorrt
    precision: str = 'fp32'  # 'fp32' or 'fp16'
    threads: int = 0  # CPU threads; 0: the library's default (all physical cores)
    max_batch: int = 1  # largest batch predict_batch will pass
    cache_dir: str = ''  # where exports and engines go ('' = the default, see paths.py)
    log: Callable[[str], None] = print  # where backends report what they do


@dataclass(frozen=True)
class TensorRTOptions:
    """What only the TensorRT backend takes."""

    workspace_mib: int = 1024  # builder workspace limit
    allow_rebuild: bool = True  # rebuild an engine that does not load, if its ONNX is known
    log_level: str = 'warning'  # TensorRT messages up to this severity go to the log
    progress: Optional[Progress] = None  # build progress


@dataclass(frozen=True)
class TorchOptions:
    """What only the torch backend takes."""

    cuda_graph: bool = False  # replay a captured CUDA graph for fixed shapes


class Backend(ABC):
    """
    Runs MSI-Net on a batch: ``[B, 3, H, W]`` float32 RGB 0..255 → ``[B, 1, H, W]`` 0..1.

    A context manager: leaving the block calls :meth:`close`.
    """

    # What runs the network, for diagnostics' hardware_id: a GPU's name, or 'none' (a CPU).
    hardware: str = 'none'

    @classmethod
    def export_precision(cls, options: BackendOptions, own_options: Optional[object]) -> str:
        """Return the precision of the ONNX to export from weights for this backend."""
        return options.precision

    @property
    @abstractmethod
    def input_size(self) -> Optional[Tuple[int, int]]:
        """Return the (height, width) the model is fixed to, or None if it takes any size."""

    @abstractmethod
    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the network on a batch and return the saliency maps."""

    @abstractmethod
    def describe(self) -> str:
        """Return what runs, for logs and diagnostics (library, device, real precision)."""

    def close(self) -> None:
        """Release resources (GPU memory, sessions); the backend is unusable afterwards."""

    def __enter__(self) -> 'Backend':
        """Return the backend itself."""
        return self

    def __exit__(self, *exc_info) -> None:
        """Close the backend."""
        self.close()
