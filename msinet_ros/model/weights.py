"""
The canonical weights file: safetensors with TF-style names and descriptive metadata.

Names are the official variable names, ``conv1/conv1_1/kernel`` (HWIO float32, as TF stores
them) and ``conv1/conv1_1/bias``. Metadata (all strings, as safetensors requires) records the
``source`` (file and format it came from), the training ``dataset``, the training
``input_size`` (``HxW``) and ``random`` (``"true"`` for seeded random weights).
"""

from pathlib import Path
from typing import Callable, Dict, Mapping, Tuple

import numpy as np

from .architecture import CONVS
from ..errors import ModelFormatError
from ..files import atomic_path

Weights = Dict[str, np.ndarray]
Metadata = Dict[str, str]


def expected_shapes() -> Dict[str, Tuple[int, ...]]:
    """Return every tensor name the architecture needs with its shape."""
    shapes: Dict[str, Tuple[int, ...]] = {}
    for conv in CONVS:
        shapes[f'{conv.name}/kernel'] = conv.kernel_shape
        shapes[f'{conv.name}/bias'] = (conv.out_channels,)
    return shapes


def validate(weights: Mapping[str, np.ndarray], source: str = 'weights') -> Weights:
    """
    Check names, shapes and values against the architecture; return float32 copies.

    Raises ModelFormatError naming the first layer whose tensor is missing, misshapen or not
    finite, with the expected and found shapes.
    """
    expected = expected_shapes()
    unexpected = sorted(set(weights) - set(expected))
    if unexpected:
        raise ModelFormatError(
            f'{source}: unexpected tensors {", ".join(unexpected[:5])} — not an MSI-Net file')
    checked: Weights = {}
    for name, shape in expected.items():
        if name not in weights:
            raise ModelFormatError(f'{source}: layer {name} is missing (expected shape '
                                   f'{shape})')
        value = np.asarray(weights[name])
        if tuple(value.shape) != shape:
            raise ModelFormatError(f'{source}: layer {name} has shape {tuple(value.shape)}, '
                                   f'expected {shape} — not the MSI-Net architecture')
        value = value.astype(np.float32)
        if not np.isfinite(value).all():
            raise ModelFormatError(f'{source}: layer {name} holds NaN or infinite values')
        checked[name] = value
    return checked


def random_weights(seed: int) -> Weights:
    """
    Return seeded random weights (He-normal kernels, small positive biases).

    Their maps are meaningless; they exist for pipeline checks and tests. He scaling keeps
    activations alive through the 23 layers so that tests see non-degenerate maps.
    """
    rng = np.random.default_rng(seed)
    weights: Weights = {}
    for conv in CONVS:
        fan_in = conv.kernel * conv.kernel * conv.in_channels
        weights[f'{conv.name}/kernel'] = (rng.standard_normal(conv.kernel_shape) *
                                          np.sqrt(2.0 / fan_in)).astype(np.float32)
        weights[f'{conv.name}/bias'] = rng.uniform(0.0, 0.1, conv.out_channels).astype(
            np.float32)
    return weights


RANDOM_WARNING = ('seeded RANDOM weights: the saliency maps are meaningless. Import the official '
                  'weights with `msinet import model_salicon_cpu.pb -o salicon.safetensors` and '
                  'use that file as the model')


def random_metadata(seed: int) -> Metadata:
    """Return the metadata that marks seeded random weights."""
    return {'source': f'random (seed {seed})', 'dataset': 'none', 'input_size': '240x320',
            'random': 'true'}


def is_random(metadata: Mapping[str, str]) -> bool:
    """Return whether metadata marks the weights as seeded random (meaningless maps)."""
    return metadata.get('random', 'false') == 'true'


def save(path: Path, weights: Mapping[str, np.ndarray], metadata: Mapping[str, str]) -> None:
    """Validate and write weights atomically as safetensors."""
    from safetensors.numpy import save_file

    checked = validate(weights)
    meta = {'format': 'msinet_ros-weights-1', 'random': 'false', **metadata}
    with atomic_path(Path(path)) as tmp:
        save_file(checked, str(tmp), metadata=meta)


def _read(path: Path, take: Callable):
    """Return (metadata, ``take(handle)``) of a safetensors file, or raise ModelFormatError."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise ModelFormatError(f'weights file {str(path)!r} does not exist: import the official '
                               'weights with `msinet import MODEL.pb -o WEIGHTS.safetensors`')
    try:
        with safe_open(str(path), framework='numpy') as handle:
            return dict(handle.metadata() or {}), take(handle)
    except Exception as exc:  # safetensors raises several unrelated types for broken files
        raise ModelFormatError(f'{str(path)!r} is not a readable safetensors file '
                               f'({type(exc).__name__}: {exc}): import the weights again with '
                               '`msinet import`') from exc


def read_metadata(path: Path) -> Metadata:
    """Return a weights file's metadata, reading only its header (no tensor is loaded)."""
    metadata, names = _read(path, lambda handle: set(handle.keys()))
    if names != set(expected_shapes()):
        raise ModelFormatError(f'{str(path)!r} does not hold the MSI-Net tensors: import the '
                               'weights with `msinet import`')
    return metadata


def load(path: Path) -> Tuple[Weights, Metadata]:
    """Load and validate a canonical weights file; raise ModelFormatError if it is not one."""
    def tensors_of(handle) -> Weights:
        return {name: handle.get_tensor(name) for name in handle.keys()}

    metadata, tensors = _read(path, tensors_of)
    return validate(tensors, source=str(path)), metadata
