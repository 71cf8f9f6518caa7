"""
The saliency predictor: frames in, saliency maps out, whichever backend runs the network.

A model path may be a weights file (``.safetensors``: each input size it needs is exported to
ONNX when first asked for and cached under a key that includes the file's content hash, so a
changed weights file is never served stale), a ready ONNX file, or a TensorRT engine (both fixed
to their size; with ``size='auto'`` they run at that size). Which backend accepts which model
kind comes from the backend table; the predictor never branches on a backend's name.

Nothing is exported, built or loaded before it is needed: :meth:`SaliencyPredictor.prepare`
does it for one input size ahead of use (the node calls it at start-up), and
:meth:`SaliencyPredictor.cancel` stops a build in progress where the backend allows. The
predictor is a context manager; :meth:`close` releases every backend.
"""

from dataclasses import dataclass, field
from pathlib import Path
import threading
import time
from typing import Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from .backends import Backend, BackendOptions, spec
from .heap import release_free_memory
from .preprocess import check_frame, choose_size, Letterbox, plan_letterbox, postprocess, \
    preprocess_into, Size
from .. import __version__
from ..errors import BuildCancelled, ModelFormatError, ParameterError
from ..files import file_sha256
from ..model import onnx_export, weights as weights_file
from ..model.architecture import check_input_size, parse_size
from ..model.source import ENGINE, ModelSource, ONNX, WEIGHTS
from ..paths import cache_dir

# The sizes 'auto' chooses from for a weights file (those of the published Hugging Face model).
AUTO_SIZES: Tuple[Size, ...] = ((240, 320), (320, 240), (320, 320))


@dataclass
class Prediction:
    """The result for one frame."""

    model_saliency: np.ndarray  # (H, W) at model resolution, padding included, 0..1
    letterbox: Letterbox
    saliency: Optional[np.ndarray] = None  # (height, width) of the frame, 0..1, if asked for
    timings: Dict[str, float] = field(default_factory=dict)  # milliseconds per stage


class SaliencyPredictor:
    """Predict saliency maps of RGB frames with a chosen backend."""

    def __init__(self, model: Union[str, Path], backend: str = 'onnxruntime',
                 size: Union[str, Size] = 'auto', options: BackendOptions = BackendOptions(),
                 backend_options: Optional[object] = None):
        self.source = ModelSource.of(model)
        self.backend_name = backend
        self.options = options
        self._spec = spec(backend)
        self._own_options = self._spec.options(backend_options)
        self._cancel = threading.Event()
        self._backends: Dict[Size, Backend] = {}
        self._weights_digest: Optional[str] = None
        kind = self.source.kind
        exportable = kind == WEIGHTS and ONNX in self._spec.accepts
        if kind not in self._spec.accepts and not exportable:
            takes = ', '.join(sorted(self._spec.accepts))
            raise ParameterError(f'{self.source.path} is a {kind} file, which backend {backend} '
                                 f'does not run (it takes: {takes})' +
                                 ('; use backend tensorrt' if kind == ENGINE else ''))
        # The input size: fixed by the model (ONNX, engine) or chosen per frame (weights).
        self._fixed: Optional[Size] = self.source.fixed_size
        if kind == ONNX and self._fixed is None:
            raise ModelFormatError(f'{self.source.path} has no fixed input size; export one '
                                   'with `msinet export --size HxW`')
        self.auto = size == 'auto' and kind == WEIGHTS
        if size != 'auto':
            wanted = parse_size(size) if isinstance(size, str) else tuple(size)
            check_input_size(*wanted)
            if self._fixed is not None and self._fixed != wanted:
                raise ParameterError(f'{self.source.path} was exported for {self._fixed[0]}x'
                                     f'{self._fixed[1]}, not {wanted[0]}x{wanted[1]}')
            self._wanted: Optional[Size] = wanted
        else:
            self._wanted = None

    @property
    def is_random(self) -> bool:
        """Return whether the model's weights are seeded random (meaningless maps)."""
        return self.source.is_random

    @property
    def sizes(self) -> Tuple[Size, ...]:
        """Return the input sizes this predictor may run (an engine's once it is loaded)."""
        if self.auto:
            return AUTO_SIZES
        size = self._wanted or self._fixed
        return (size,) if size is not None else tuple(self._backends)

    @property
    def default_size(self) -> Optional[Size]:
        """Return the size to prepare at start-up (None: an engine's, known once loaded)."""
        return AUTO_SIZES[0] if self.auto else (self._wanted or self._fixed)

    def size_for(self, frame_size: Size) -> Size:
        """Return the model input size used for a frame of this size."""
        if self.auto:
            return choose_size(frame_size, AUTO_SIZES)
        return self._wanted or self._fixed or self.prepare()

    def prepare(self, size: Optional[Size] = None) -> Size:
        """
        Export, build or load the model for one input size and run it once; return the size.

        ``None`` prepares :attr:`default_size` (for an engine file: its own size). Raises
        :class:`~msinet_ros.errors.BuildCancelled` after :meth:`cancel`.
        """
        size = tuple(size) if size is not None else self.default_size
        if size is not None and self.sizes and size not in self.sizes:
            choices = ', '.join(f'{h}x{w}' for h, w in self.sizes)
            raise ParameterError(f'{self.source.path} runs at {choices}, not {size[0]}x{size[1]}')
        backend = self.backend_for(size)
        size = size or backend.input_size
        backend.infer(np.full((1, 3, *size), 126.0, np.float32))
        return size

    def is_prepared(self, size: Size) -> bool:
        """Return whether ``size`` is ready to run (exported, built or loaded)."""
        return tuple(size) in self._backends

    @property
    def hardware(self) -> str:
        """Return the hardware that runs the network (a GPU's name), or ``none`` for a CPU."""
        return next((b.hardware for b in self._backends.values()), 'none')

    def describe(self) -> str:
        """Return what runs each prepared size (library, device, real precision)."""
        return '; '.join(f'{h}x{w}: {b.describe()}' for (h, w), b in self._backends.items()) \
            or f'{self.backend_name} (nothing prepared yet)'

    def _model_for(self, size: Size) -> Path:
        """Return the model file the backend runs at ``size`` (exporting weights if needed)."""
        if self.source.kind in self._spec.accepts:
            return self.source.path
        precision = self._spec.load().export_precision(self.options, self._own_options)
        if self._weights_digest is None:
            self._weights_digest = file_sha256(self.source.path)
        digest = self._weights_digest
        folder = cache_dir(self.options.cache_dir or None)
        # the exporter's version is part of the key: a changed exporter never serves old files
        path = folder / (f'msinet-{digest[:16]}-v{__version__}-{size[0]}x{size[1]}-'
                         f'{precision}.onnx')
        if not path.is_file():
            self.options.log(f'exporting {self.source.path.name} at {size[0]}x{size[1]} '
                             f'({precision}) to {path}')
            tensors, metadata = weights_file.load(self.source.path)
            model = onnx_export.build(tensors, *size, batch=None, fp16=precision == 'fp16',
                                      metadata={**metadata, 'weights_file_sha256': digest})
            onnx_export.save(model, path)
        return path

    def backend_for(self, size: Optional[Size]) -> Backend:
        """Return (creating on first use) the backend that runs this input size."""
        if size is not None and size in self._backends:
            return self._backends[size]
        if self._cancel.is_set():
            raise BuildCancelled('the predictor was cancelled')
        shared = next(iter(self._backends.values()), None) if self._spec.any_size else None
        backend = shared or self._spec.load()(
            self._model_for(size) if size is not None else self.source.path, self.options,
            self._own_options, self._cancel)
        if backend.input_size not in (None, size) and size is not None:
            backend.close()
            raise ModelFormatError(f'{self.source.path} runs at {backend.input_size}, not {size}')
        size = size or backend.input_size
        if self._wanted is None and not self.auto and self._fixed is None:
            self._fixed = size  # an engine file: its own size, now known
        self._backends[size] = backend
        if backend is not shared:
            # the export's weights and graph and the backend's parse are freed but still held by
            # the C heap: one to two model sizes (docs/performance.md, memory)
            release_free_memory()
        return backend

    def cancel(self) -> None:
        """Cancel a build in progress (where the backend allows) and any later preparation."""
        self._cancel.set()

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
        """Release every backend (call from the thread that used them); idempotent."""
        for backend in {id(b): b for b in self._backends.values()}.values():
            backend.close()
        self._backends.clear()

    def __enter__(self) -> 'SaliencyPredictor':
        """Return the predictor itself."""
        return self

    def __exit__(self, *exc_info) -> None:
        """Close the predictor."""
        self.close()
