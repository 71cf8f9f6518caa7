"""The two protocols by name, each a table of measures (imported only when chosen)."""

from dataclasses import replace
import importlib
from types import ModuleType
from typing import Dict, Optional

import numpy as np

from .common import checked_map, Context, GroundTruth, Measure, Measures
from .density import uniform

PROTOCOLS = ('legacy', 'tuebingen')
DEFAULT_PROTOCOL = 'legacy'  # the definitions of the paper's tables (MIT benchmark code)
IG_UNIFORM = 'IG (uniform)'  # information gain over the uniform density instead of the centre bias


def module(protocol: str) -> ModuleType:
    """Return the module of a protocol."""
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, not {protocol!r}')
    return importlib.import_module(f'{__package__}.{protocol}')


def measures(protocol: str) -> Measures:
    """
    Return the measures of a protocol, in the paper's order, and IG against uniform.

    IG is the protocol's, against the context's baseline (the centre bias). ``IG (uniform)``
    is the Tübingen protocol's IG (the map read as a density, :func:`.density.as_density`)
    against the uniform density, in both protocols: the legacy ``InfoGain.m`` min–max
    normalises its baseline, which a uniform map cannot be (0/0). In the legacy protocol a
    map of another size is first resized to the stimulus, as the legacy measures do.
    """
    table: Dict[str, Measure] = dict(module(protocol).MEASURES)
    table[IG_UNIFORM] = _against_uniform(module('tuebingen').MEASURES['IG'],
                                         resize=protocol == 'legacy')
    return table


def shuffled_other_images(protocol: str) -> Optional[int]:
    """Return how many other images give sAUC its negatives (None: all of them)."""
    return module(protocol).SHUFFLED_OTHER_IMAGES


def _against_uniform(information_gain: Measure, resize: bool) -> Measure:
    def measure(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
        if resize and np.shape(saliency) != tuple(truth.shape):
            from .legacy import resized_non_negative

            saliency = resized_non_negative(checked_map(saliency), truth.shape)
        return information_gain(saliency, truth,
                                replace(context, baseline=uniform(truth.shape)))
    return measure
