"""Optional backend: the PyTorch definition on CUDA (fp16, channels_last, CUDA graphs) or CPU."""

from pathlib import Path
import threading
from typing import Optional, Tuple

import numpy as np

from .base import Backend, BackendOptions, TorchOptions
from ...errors import ParameterError, require
from ...model import weights as weights_file


class TorchBackend(Backend):
    """MSI-Net in PyTorch, built from a safetensors weights file (never from a pickle)."""

    def __init__(self, weights_path: Path, options: BackendOptions,
                 own_options: TorchOptions = TorchOptions(),
                 cancel: Optional[threading.Event] = None):
        torch = require('torch', 'the torch backend is optional: `pip install torch`')
        from ...model.torch_model import MSINet

        if Path(weights_path).suffix != '.safetensors':
            raise ParameterError('the torch backend needs a .safetensors weights file '
                                 f'(got {weights_path}); create one with `msinet import`')
        if options.device == 'cuda' and not torch.cuda.is_available():
            raise ParameterError('device cuda requested but torch sees no CUDA GPU')
        if options.precision == 'fp16' and options.device != 'cuda':
            raise ParameterError('fp16 with the torch backend needs device cuda')
        self._torch = torch
        self._device = torch.device(options.device, options.device_index) \
            if options.device == 'cuda' else torch.device('cpu')
        self._half = options.precision == 'fp16'
        tensors, _ = weights_file.load(weights_path)
        model = MSINet(tensors).eval().to(self._device)
        if self._device.type == 'cuda':
            self.hardware = torch.cuda.get_device_name(self._device)
            torch.backends.cudnn.benchmark = True
            model = model.to(memory_format=torch.channels_last)
        self._model = model.half() if self._half else model
        self._use_graph = own_options.cuda_graph and self._device.type == 'cuda'
        self._graph = None
        self._static_in = self._static_out = None
        if options.threads and self._device.type == 'cpu':
            torch.set_num_threads(options.threads)

    @property
    def input_size(self) -> Optional[Tuple[int, int]]:
        """Return None: the PyTorch model takes any size that is a multiple of 8."""
        return None

    def describe(self) -> str:
        """Return the library, device and precision."""
        graph = ' + CUDA graph' if self._use_graph else ''
        precision = 'fp16' if self._half else 'fp32'
        return f'torch {self._torch.__version__} {self._device} {precision}{graph}'

    def _to_device(self, batch: np.ndarray):
        x = self._torch.from_numpy(batch).to(self._device, non_blocking=True)
        if self._device.type == 'cuda':
            x = x.contiguous(memory_format=self._torch.channels_last)
        return x.half() if self._half else x

    def _graph_for(self, x):
        torch = self._torch
        if self._graph is None or self._static_in.shape != x.shape:
            self._static_in = x.clone()
            stream = torch.cuda.Stream()
            stream.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(stream):
                for _ in range(3):  # warm up cuDNN's algorithm choice outside the capture
                    self._model(self._static_in)
            torch.cuda.current_stream().wait_stream(stream)
            self._graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(self._graph):
                self._static_out = self._model(self._static_in)
        self._static_in.copy_(x)
        self._graph.replay()
        return self._static_out

    def infer(self, batch: np.ndarray) -> np.ndarray:
        """Run the model (through a captured CUDA graph when enabled)."""
        with self._torch.inference_mode():
            x = self._to_device(batch)
            out = self._graph_for(x) if self._use_graph else self._model(x)
            return out.float().cpu().numpy()

    def close(self) -> None:
        """Free the model and graph."""
        self._model = self._graph = self._static_in = self._static_out = None
        if self._device.type == 'cuda':
            self._torch.cuda.empty_cache()
