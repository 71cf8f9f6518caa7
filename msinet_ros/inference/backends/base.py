"""The interface every backend implements, and the options they share."""

from abc import ABC, abstractmethod
from dataclasses import dataclass
import threading
from typing import Callable, Optional, Tuple

import numpy as np


@dataclass(frozen=True)
class BackendOptions:
    """Settings a backend may use; each ignores what does not apply to it."""

    device: str = 'cpu'  # 'cpu' or 'cuda' (tensorrt: always the GPU)
    precision: str = 'fp32'  # 'fp32' or 'fp16'
    threads: int = 0  # CPU threads; 0: the library's default (all physical cores)
    max_batch: int = 1  # largest batch predict_batch will pass
    cuda_graph: bool = False  # torch/tensorrt: replay a captured CUDA graph for fixed shapes
    workspace_mib: int = 1024  # tensorrt builder workspace limit
    allow_rebuild: bool = True  # tensorrt: rebuild an engine that does not load, if ONNX known
    cache_dir: str = ''  # tensorrt: where engines and the timing cache go ('' = the default)
    progress: Optional[Callable[[str, int, int], None]] = None  # tensorrt build progress
    cancel: Optional[threading.Event] = None  # tensorrt: set to cancel a build
    log: Callable[[str], None] = print  # where backends report what they do


class Backend(ABC):
    """Runs MSI-Net on a batch: ``[B, 3, H, W]`` float32 RGB 0..255 → ``[B, 1, H, W]`` 0..1."""

    name = 'backend'

    @property
    @abstractmethod
    def input_size(self) -> Optional[Tuple[int, int]]:
        """Return the (height, width) the model is fixed to, or None if it takes any size."""

    @abstractmethod
    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the network on a batch and return the saliency maps."""

    def close(self) -> None:
        """Release resources (GPU memory, sessions); the backend is unusable afterwards."""
