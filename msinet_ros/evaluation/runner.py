"""
Scoring maps against a dataset: what each measure needs besides the map, then every image.

Shuffled AUC takes its negatives from other images' fixations, moved to the scored image's
size as pysaliency moves them (``int(x * W / W_other)``): in the Tübingen protocol those of
every other evaluated image (pysaliency's ``FullShuffledNonfixationProvider``), in the legacy
protocol those of M = 10 other images drawn at random (``AUC_shuffled.m``: "the union of
fixations from M other random images (Borji uses M=10)"). Information gain is measured
against a centre bias fitted on the official training split when the validation split is
evaluated, else on the evaluated images themselves (in-sample: the records say which).
Randomised measures draw from a generator seeded with ``(seed, image index)``, so a run is
repeatable image by image.
"""

from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from .scores import ImageScores, score_image
from ..metrics.common import Context, GroundTruth, Measures, Shape
from ..metrics.density import CentreBias

Points = Tuple[np.ndarray, Shape]  # the fixations inside an image, and its size
Image = Callable[[], np.ndarray]  # reads the stimulus as RGB uint8
MapSource = Callable[[str, Image], np.ndarray]  # (name, image) → map
Progress = Callable[[Iterable], Iterable]


@dataclass(frozen=True)
class Item:
    """One image to score: its name, and how to read its stimulus and its ground truth."""

    name: str
    image: Image
    truth: Optional[Callable[[], GroundTruth]] = None


@dataclass(frozen=True)
class Setting:
    """What the scoring of a set shares: the baseline, the seed, sAUC's other images."""

    centre_bias: Optional[CentreBias]  # None: too few images to fit one (IG is n/a)
    seed: int = 0
    other_images: Optional[int] = None  # sAUC negatives from this many others (None: all)


def fixations_of(truths: Iterable[GroundTruth]) -> List[Points]:
    """Return each image's fixations inside it, with its size."""
    return [(truth.inside()[0], tuple(truth.shape)) for truth in truths]


def scaled(points: np.ndarray, source: Shape, target: Shape) -> np.ndarray:
    """Return pixel positions moved from an image of size ``source`` to one of ``target``."""
    if not len(points):
        return points.reshape(0, 2)
    factor = np.asarray(target, dtype=np.float64) / np.asarray(source, dtype=np.float64)
    moved = np.floor(points * factor).astype(np.int64)  # pysaliency: int(x * W / W_other)
    return np.minimum(moved, np.asarray(target) - 1)


def other_fixations(everyone: Sequence[Points], index: int, shape: Shape,
                    images: Optional[int] = None,
                    rng: Optional[np.random.Generator] = None) -> np.ndarray:
    """Return the fixations of the other images (all, or ``images`` drawn), at ``shape``."""
    others = [other for other in range(len(everyone)) if other != index]
    if images is not None and images < len(others):
        others = sorted((rng or np.random.default_rng()).choice(others, images, replace=False))
    parts = [scaled(*everyone[other], shape) for other in others]
    return np.concatenate(parts) if parts else np.zeros((0, 2), dtype=np.int64)


def contexts(items: Sequence[Item], setting: Setting, everyone: Sequence[Points],
             progress: Progress = iter) -> Iterator[Tuple[Item, GroundTruth, Context]]:
    """Yield each item with its ground truth and the context its measures get."""
    for index, item in enumerate(progress(items)):
        truth = item.truth()
        draws = np.random.default_rng([setting.seed, index, 1])  # the choice of other images
        others = other_fixations(everyone, index, truth.shape, setting.other_images, draws)
        baseline = setting.centre_bias.density(truth.shape) if setting.centre_bias else None
        yield item, truth, Context(rng=np.random.default_rng([setting.seed, index]),
                                   other_fixations=others, baseline=baseline)


def evaluate(items: Sequence[Item], maps: MapSource, measures: Measures, setting: Setting,
             everyone: Optional[Sequence[Points]] = None,
             progress: Progress = iter) -> List[ImageScores]:
    """Score every item's map; ``everyone`` defaults to the items' own fixations."""
    if everyone is None:
        everyone = fixations_of(item.truth() for item in items)
    return [score_image(item.name, maps(item.name, item.image), truth, measures, context)
            for item, truth, context in contexts(items, setting, everyone, progress)]
