"""
What a model path holds: a weights file, an ONNX file or a TensorRT engine.

The kind is decided by the suffix, and the file is read once, for its metadata only (a weights
file's header, an ONNX file's graph without running it; an engine is opaque until a TensorRT
runtime loads it).
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Optional, Tuple, Union

from . import onnx_export, weights as weights_file
from ..errors import ModelFormatError

WEIGHTS, ONNX, ENGINE = 'weights', 'onnx', 'engine'
ENGINE_SUFFIXES = ('.engine', '.plan', '.trt')
Size = Tuple[int, int]

MISSING_HELP = ('Import the official weights with `msinet import model_salicon_cpu.pb -o '
                'salicon.safetensors`, export an ONNX with `msinet export`, or build an engine '
                'with `msinet build-engine`')


def kind_of(path: Path) -> str:
    """Return the model kind a path's suffix names, or raise ModelFormatError."""
    suffix = Path(path).suffix.lower()
    if suffix == '.safetensors':
        return WEIGHTS
    if suffix == '.onnx':
        return ONNX
    if suffix in ENGINE_SUFFIXES:
        return ENGINE
    raise ModelFormatError(f'model {str(path)!r} is not a .safetensors weights file, an '
                           f'.onnx file or a TensorRT engine ({", ".join(ENGINE_SUFFIXES)})')


@dataclass(frozen=True)
class ModelSource:
    """A model file, its kind and what its header says."""

    path: Path
    kind: str  # WEIGHTS, ONNX or ENGINE
    metadata: Dict[str, str]
    onnx: Optional[onnx_export.OnnxInfo] = None  # for ONNX files

    @classmethod
    def of(cls, path: Union[str, Path]) -> 'ModelSource':
        """Classify a model path and read its metadata (never its tensors)."""
        path = Path(path).expanduser()
        if not path.is_file():
            raise ModelFormatError(f'model {str(path)!r} does not exist. {MISSING_HELP}')
        kind = kind_of(path)
        if kind == WEIGHTS:
            return cls(path, kind, weights_file.read_metadata(path))
        if kind == ONNX:
            info = onnx_export.describe(path)
            return cls(path, kind, info.metadata, info)
        return cls(path, kind, {})

    @property
    def is_random(self) -> bool:
        """Return whether the model is marked as seeded random weights."""
        return weights_file.is_random(self.metadata)

    @property
    def fixed_size(self) -> Optional[Size]:
        """Return the input size an ONNX file is fixed to (None for weights; engines: unknown)."""
        return self.onnx.size if self.onnx is not None else None
