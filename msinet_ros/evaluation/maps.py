"""
Where the evaluated saliency maps come from: a model run by a predictor, or a folder of maps.

Maps are scored at the stimulus size. By default they are quantised to 8 bits first
(``round(255 · map) / 255``), as the official test path writes its maps (``data.py``'s
``postprocess_saliency_map``: ×255, rounded, uint8; it then encodes them as JPEG of quality
100, a further small loss this does not copy); ``float`` scores the predictor's float map.
A folder's maps are read as they are (8- or 16-bit grey images), at whatever size they have:
the protocol decides what a size other than the stimulus's means.
"""

from pathlib import Path
from typing import Callable, Dict, Optional

import cv2
import numpy as np

from ..errors import ImageError
from ..imaging import IMAGE_SUFFIXES
from ..inference.predictor import SaliencyPredictor

MAP_DEPTHS = ('8', 'float')
DEFAULT_MAP_DEPTH = '8'


def quantise(saliency: np.ndarray, depth: str) -> np.ndarray:
    """Return the map as float64 in 0..1, rounded to 8 bits when ``depth`` is '8'."""
    if depth not in MAP_DEPTHS:
        raise ValueError(f'map depth must be one of {MAP_DEPTHS}, not {depth!r}')
    values = np.clip(np.asarray(saliency, dtype=np.float64), 0.0, 1.0)
    return np.round(values * 255.0) / 255.0 if depth == '8' else values


class ModelMaps:
    """Maps a model predicts for the stimuli, at the stimulus size."""

    def __init__(self, predictor: SaliencyPredictor, depth: str = DEFAULT_MAP_DEPTH,
                 size: str = 'auto'):
        self.predictor = predictor
        self.depth = depth
        self.size = size  # the input size it runs at, as given to the predictor
        self.label = predictor.source.path.name

    def __call__(self, stem: str, image: Callable[[], np.ndarray]) -> np.ndarray:
        """Return the model's map of the stimulus (``image()`` reads it as RGB)."""
        return quantise(self.predictor.predict(image()).saliency, self.depth)

    def describe(self) -> Dict[str, object]:
        """Return what the records say about the model."""
        predictor = self.predictor
        return {'kind': 'model', 'model': str(predictor.source.path),
                'model_kind': predictor.source.kind, 'backend': predictor.backend_name,
                'precision': predictor.options.precision, 'input_size': self.size,
                'random_weights': predictor.is_random, 'map_depth': self.depth}


class FolderMaps:
    """
    Precomputed maps in a folder, found by the image's name (or ``msinet predict``'s name).

    The name is the stimulus's path below ``stimuli/`` without suffix, so CAT2000's maps sit in
    category folders as its stimuli do (``Action/001.png``).
    """

    SUFFIXES = ('', '_saliency')

    def __init__(self, folder: Path):
        if not folder.is_dir():
            raise ImageError(f'map folder {str(folder)!r} does not exist')
        self.folder = folder
        self.label = folder.name
        # by path below the folder without suffix: CAT2000's names are 'Category/stem'
        self._files = {path.relative_to(folder).with_suffix('').as_posix(): path
                       for path in sorted(folder.rglob('*'))
                       if path.suffix.lower() in IMAGE_SUFFIXES}

    def find(self, stem: str) -> Optional[Path]:
        """Return the map file of a stimulus, if the folder has one."""
        for suffix in self.SUFFIXES:
            if stem + suffix in self._files:
                return self._files[stem + suffix]
        return None

    def __call__(self, stem: str, image: Callable[[], np.ndarray]) -> np.ndarray:
        """Return the folder's map of the stimulus, in 0..1; ImageError if it has none."""
        path = self.find(stem)
        if path is None:
            raise ImageError(f'{self.folder} has no map for {stem} (looked for {stem}.png, '
                             f'{stem}_saliency.png and the other image types)')
        image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE | cv2.IMREAD_ANYDEPTH)
        if image is None:
            raise ImageError(f'{str(path)!r} is not a readable image')
        if image.dtype not in (np.uint8, np.uint16):
            raise ImageError(f'{str(path)!r} is {image.dtype}; maps must be 8- or 16-bit grey')
        return image.astype(np.float64) / np.iinfo(image.dtype).max

    def describe(self) -> Dict[str, object]:
        """Return what the records say about the maps."""
        return {'kind': 'folder', 'folder': str(self.folder)}
