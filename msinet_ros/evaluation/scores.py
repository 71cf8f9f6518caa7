"""
Per-image scores and their summary: mean and standard deviation per measure, n/a counted.

A measure that has no value for an image (:class:`~msinet_ros.metrics.common.MetricUndefined`)
is recorded as its reason and left out of that measure's mean; the summary shows how many
images were left out and why, so a table never holds a silent NaN.

Averaging: per image (each image counts once: the MIT benchmark's way, the paper's, and the
Tübingen benchmark's for all but IG on MIT300), or per fixation for the measures that are
means over fixations (each image weighted by its fixations inside the stimulus: pysaliency's
default for AUC, sAUC, NSS and IG, :data:`~msinet_ros.metrics.tuebingen.
PYSALIENCY_DEFAULT_AVERAGING`), the map-based measures (CC, SIM, KLD, EMD) staying per image.
"""

from collections import Counter
from dataclasses import dataclass, field
import math
from typing import Collection, Dict, List, Optional, Sequence, Union

import numpy as np

from ..metrics.common import Context, GroundTruth, Measures, MetricUndefined
from ..metrics.protocols import IG_UNIFORM

Value = Union[float, str]  # a score, or the reason it is n/a
AVERAGING = ('image', 'fixation')


@dataclass
class ImageScores:
    """The scores of one image: measure name → value or n/a reason."""

    name: str
    fixations: int  # fixations inside the stimulus (the per-fixation weight)
    values: Dict[str, Value] = field(default_factory=dict)


def score_image(name: str, saliency: np.ndarray, truth: GroundTruth, measures: Measures,
                context: Context) -> ImageScores:
    """Apply every measure to one map; an undefined measure records its reason."""
    scores = ImageScores(name, len(truth.inside()[0]))
    for measure, function in measures.items():
        try:
            value = float(function(saliency, truth, context))
        except MetricUndefined as exc:
            scores.values[measure] = f'n/a ({exc})'
            continue
        if not math.isfinite(value):  # a measure's bug, never a table's NaN
            raise ArithmeticError(f'{measure} returned {value} for {name}')
        scores.values[measure] = value
    return scores


@dataclass(frozen=True)
class Summary:
    """One measure over a set of images."""

    measure: str
    mean: Optional[float]
    std: Optional[float]  # population standard deviation over images, weighted as the mean
    count: int  # images with a value
    missing: Dict[str, int]  # n/a reason → images

    def cell(self, digits: int = 3) -> str:
        """Return the table cell: ``mean ± std``, with the number of n/a images if any."""
        left_out = sum(self.missing.values())
        if self.mean is None:
            return f'n/a ({left_out} images: {"; ".join(self.missing)})' if left_out else 'n/a'
        text = f'{self.mean:.{digits}f} ± {self.std:.{digits}f}'
        return f'{text} (n/a: {left_out})' if left_out else text


def per_fixation(averaging: str) -> Collection[str]:
    """Return the measures an averaging weights by fixations."""
    from ..metrics.tuebingen import PYSALIENCY_DEFAULT_AVERAGING

    if averaging not in AVERAGING:
        raise ValueError(f'averaging must be one of {AVERAGING}, not {averaging!r}')
    if averaging == 'image':
        return ()
    weighted = {m for m, how in PYSALIENCY_DEFAULT_AVERAGING.items() if how == 'fixation'}
    return weighted | {IG_UNIFORM}


def summarise(rows: Sequence[ImageScores], measures: Sequence[str],
              averaging: str = 'image') -> List[Summary]:
    """Return the summary of each measure over the rows."""
    weighted = per_fixation(averaging)
    summaries = []
    for measure in measures:
        values, weights, missing = [], [], Counter()
        for row in rows:
            value = row.values.get(measure, 'n/a (not computed)')
            if isinstance(value, str):
                missing[value[len('n/a ('):-1] if value.startswith('n/a (') else value] += 1
                continue
            values.append(value)
            weights.append(row.fixations if measure in weighted else 1)
        mean = std = None
        if values and sum(weights) > 0:
            data, weight = np.asarray(values), np.asarray(weights, dtype=np.float64)
            mean = float(np.average(data, weights=weight))
            std = float(np.sqrt(np.average((data - mean) ** 2, weights=weight)))
        summaries.append(Summary(measure, mean, std, len(values), dict(missing)))
    return summaries
