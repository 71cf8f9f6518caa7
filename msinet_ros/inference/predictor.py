"""
The saliency predictor: frames in, saliency maps out, whichever backend runs the network.

A model path may be a weights file (``.safetensors``: each input size it needs is exported to
ONNX on first use and cached under a key that includes the file's content hash, so a changed
weights file is never served stale), a ready ONNX file, or a TensorRT engine (both fixed to
their size, so ``size='auto'`` is refused for them).
"""

from dataclasses import dataclass, field
from pathlib import Path
import time
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .backends import Backend, BackendOptions, create
from .backends.tensorrt_backend import ENGINE_SUFFIXES
from .preprocess import check_frame, choose_size, Letterbox, plan_letterbox, postprocess, \
    preprocess_into, Size
from .. import __version__
from ..errors import ModelFormatError, ParameterError
from ..files import file_sha256
from ..model import onnx_export, weights as weights_file
from ..model.architecture import check_input_size, parse_size
from ..paths import cache_dir

# The sizes 'auto' chooses from (those of the published Hugging Face model).
AUTO_SIZES: Tuple[Size, ...] = ((240, 320), (320, 240), (320, 320))


@dataclass
class Prediction:
    """The result for one frame."""

    model_saliency: np.ndarray  # (H, W) at model resolution, padding included, 0..1
    letterbox: Letterbox
    saliency: Optional[np.ndarray] = None  # (height, width) of the frame, 0..1, if asked for
    timings: Dict[str, float] = field(default_factory=dict)  # milliseconds per stage


@dataclass(frozen=True)
class ModelSource:
    """What a model path holds."""

    path: Path
    kind: str  # 'weights', 'onnx' or 'engine'
    metadata: Dict[str, str]

    @classmethod
    def of(cls, path: Union[str, Path]) -> 'ModelSource':
        """Classify a model path by its suffix and read its metadata."""
        path = Path(path).expanduser()
        if not path.is_file():
            raise ModelFormatError(
                f'model {str(path)!r} does not exist. Import the official weights with `msinet '
                'import model_salicon_cpu.pb -o salicon.safetensors`, export an ONNX with '
                '`msinet export`, or build an engine with `msinet build-engine`')
        if path.suffix == '.safetensors':
            return cls(path, 'weights', weights_file.load(path)[1])
        if path.suffix == '.onnx':
            return cls(path, 'onnx', onnx_export.read_metadata(path))
        if path.suffix in ENGINE_SUFFIXES:
            return cls(path, 'engine', {})
        raise ModelFormatError(f'model {str(path)!r} is not a .safetensors weights file, an '
                               f'.onnx file or a TensorRT engine ({", ".join(ENGINE_SUFFIXES)})')

    @property
    def is_random(self) -> bool:
        """Return whether the model is marked as seeded random weights."""
        return weights_file.is_random(self.metadata)

    @property
    def fixed_size(self) -> Optional[Size]:
        """Return the input size an ONNX file was exported for (None otherwise)."""
        text = self.metadata.get('export_input_size')
        return parse_size(text) if text else None


class SaliencyPredictor:
    """Predict saliency maps of RGB frames with a chosen backend."""

    def __init__(self, model: Union[str, Path], backend: str = 'onnxruntime',
                 size: Union[str, Size] = 'auto', options: BackendOptions = BackendOptions()):
        self.source = ModelSource.of(model)
        self.backend_name = backend
        self.options = options
        self._backends: Dict[Size, Backend] = {}
        self._weights_digest: Optional[str] = None
        self._auto = size == 'auto'
        if self.source.kind == 'engine' and backend != 'tensorrt':
            raise ParameterError(f'{self.source.path} is a TensorRT engine: use backend '
                                 'tensorrt')
        if backend == 'torch' and self.source.kind != 'weights':
            raise ParameterError('the torch backend needs a .safetensors weights file')
        if self._auto:
            if self.source.kind != 'weights':
                fixed = self.source.fixed_size
                size_text = f'{fixed[0]}x{fixed[1]}' if fixed else "the engine's input size"
                raise ParameterError(
                    f'size auto needs a .safetensors weights file; {self.source.path} is fixed '
                    f'to one size: set size to {size_text}')
            self.sizes: Tuple[Size, ...] = AUTO_SIZES
        else:
            fixed = parse_size(size) if isinstance(size, str) else tuple(size)
            check_input_size(*fixed)
            model_size = self.source.fixed_size
            if model_size is not None and model_size != fixed:
                raise ParameterError(f'{self.source.path} was exported for {model_size[0]}x'
                                     f'{model_size[1]}, not {fixed[0]}x{fixed[1]}')
            self.sizes = (fixed,)

    @property
    def is_random(self) -> bool:
        """Return whether the model's weights are seeded random (meaningless maps)."""
        return self.source.is_random

    def size_for(self, frame_size: Size) -> Size:
        """Return the model input size used for a frame of this size."""
        return choose_size(frame_size, self.sizes) if self._auto else self.sizes[0]

    def _onnx_for(self, size: Size) -> Path:
        if self.source.kind == 'onnx':
            return self.source.path
        if self._weights_digest is None:
            self._weights_digest = file_sha256(self.source.path)[:16]
        digest = self._weights_digest
        folder = cache_dir(self.options.cache_dir or None)
        # the exporter's version is part of the key: a changed exporter never serves old files
        path = folder / (f'msinet-{digest}-v{__version__}-{size[0]}x{size[1]}-'
                         f'{self.options.precision}.onnx')
        if not path.is_file():
            self.options.log(f'exporting {self.source.path.name} at {size[0]}x{size[1]} to '
                             f'{path}')
            tensors, metadata = weights_file.load(self.source.path)
            model = onnx_export.build(tensors, *size, batch=None,
                                      fp16=self.options.precision == 'fp16',
                                      metadata={**metadata, 'weights_file_sha256': digest})
            onnx_export.save(model, path)
        return path

    def backend_for(self, size: Size) -> Backend:
        """Return (creating on first use) the backend that runs this input size."""
        if size not in self._backends:
            if self.backend_name == 'torch':
                shared = next(iter(self._backends.values()), None)
                backend = shared or create('torch', self.source.path, self.options)
            elif self.source.kind == 'engine':
                backend = create('tensorrt', self.source.path, self.options)
            else:
                backend = create(self.backend_name, self._onnx_for(size), self.options)
            if backend.input_size not in (None, size):
                raise ModelFormatError(f'{self.source.path} runs at {backend.input_size}, '
                                       f'not {size}')
            self._backends[size] = backend
        return self._backends[size]

    def warm_up(self) -> None:
        """Create every backend and run it once, so the first real frame is not slow."""
        for size in self.sizes:
            self.backend_for(size).infer(np.full((1, 3, *size), 126.0, np.float32))

    def predict(self, frame: np.ndarray, frame_resolution: bool = True) -> Prediction:
        """Predict the saliency of one RGB frame (see :func:`check_frame` for what it takes)."""
        return self.predict_batch([frame], frame_resolution)[0]

    def predict_batch(self, frames: Sequence[np.ndarray],
                      frame_resolution: bool = True) -> List[Prediction]:
        """Predict several frames (e.g. one per camera), batching those of the same size."""
        start = time.perf_counter()
        checked = [check_frame(frame) for frame in frames]
        groups: Dict[Size, List[int]] = {}
        for index, frame in enumerate(checked):
            groups.setdefault(self.size_for(frame.shape[:2]), []).append(index)
        results: List[Optional[Prediction]] = [None] * len(checked)
        for size, indices in groups.items():
            backend = self.backend_for(size)
            for first in range(0, len(indices), max(1, self.options.max_batch)):
                chunk = indices[first:first + max(1, self.options.max_batch)]
                t0 = time.perf_counter()
                batch = np.empty((len(chunk), 3, *size), np.float32)
                boxes = [plan_letterbox(checked[i].shape[:2], size) for i in chunk]
                for row, (i, box) in enumerate(zip(chunk, boxes)):
                    preprocess_into(checked[i], box, batch[row])
                t1 = time.perf_counter()
                maps = backend.infer(batch)
                t2 = time.perf_counter()
                for row, (i, box) in enumerate(zip(chunk, boxes)):
                    model_map = maps[row, 0]
                    full = postprocess(model_map, box) if frame_resolution else None
                    results[i] = Prediction(model_map, box, full)
                t3 = time.perf_counter()
                share = 1e3 / len(chunk)
                for i in chunk:
                    results[i].timings = {'preprocess': (t1 - t0) * share,
                                          'inference': (t2 - t1) * share,
                                          'postprocess': (t3 - t2) * share}
        total = (time.perf_counter() - start) * 1e3 / max(1, len(checked))
        for result in results:
            result.timings['total'] = total
        return results

    def close(self) -> None:
        """Release every backend."""
        for backend in {id(b): b for b in self._backends.values()}.values():
            backend.close()
        self._backends.clear()
