"""
Scoring maps against a dataset: what each measure needs besides the map, then every image.

Shuffled AUC takes its negatives from the fixations of all the other evaluated images, each
scaled to the scored image's size. Information gain is measured against a centre bias fitted
on the official training split when the validation split is evaluated, else on the evaluated
images themselves (in-sample: the records say which). Randomised measures draw from a
generator seeded with ``(seed, image index)``, so a run is repeatable image by image.
"""

from dataclasses import dataclass
from typing import Callable, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from .scores import ImageScores, score_image
from ..metrics.common import Context, GroundTruth, Measures, Shape
from ..metrics.density import CentreBias

Points = Tuple[np.ndarray, Shape]  # the fixations inside an image, and its size
Image = Callable[[], np.ndarray]  # reads the stimulus as RGB uint8
MapSource = Callable[[str, Image], np.ndarray]  # (name, image) → map


@dataclass(frozen=True)
class Item:
    """One image to score: its name, and how to read its stimulus and its ground truth."""

    name: str
    image: Image
    truth: Optional[Callable[[], GroundTruth]] = None


def fixations_of(truths: Iterable[GroundTruth]) -> List[Points]:
    """Return each image's fixations inside it, with its size."""
    return [(truth.inside()[0], tuple(truth.shape)) for truth in truths]


def scaled(points: np.ndarray, source: Shape, target: Shape) -> np.ndarray:
    """Return pixel positions moved from an image of size ``source`` to one of ``target``."""
    if not len(points):
        return points.reshape(0, 2)
    factor = np.asarray(target, dtype=np.float64) / np.asarray(source, dtype=np.float64)
    moved = np.floor((points + 0.5) * factor).astype(np.int64)
    return np.minimum(moved, np.asarray(target) - 1)


def other_fixations(everyone: Sequence[Points], index: int, shape: Shape) -> np.ndarray:
    """Return the fixations of every image but ``index``, scaled to ``shape``."""
    parts = [scaled(points, size, shape) for other, (points, size) in enumerate(everyone)
             if other != index]
    return np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)


def evaluate(items: Sequence[Item], maps: MapSource, measures: Measures,
             centre_bias: Optional[CentreBias], seed: int = 0,
             everyone: Optional[Sequence[Points]] = None,
             progress: Callable[[Iterable], Iterable] = iter) -> List[ImageScores]:
    """
    Score every item's map; ``everyone`` defaults to the items' own fixations.

    Without a centre bias (too few images with fixations to fit one), IG is n/a.
    """
    if everyone is None:
        everyone = fixations_of(item.truth() for item in items)
    rows = []
    for index, item in enumerate(progress(items)):
        truth = item.truth()
        context = Context(rng=np.random.default_rng([seed, index]),
                          other_fixations=other_fixations(everyone, index, truth.shape),
                          baseline=centre_bias.density(truth.shape) if centre_bias else None)
        rows.append(score_image(item.name, maps(item.name, item.image), truth, measures,
                                context))
    return rows
