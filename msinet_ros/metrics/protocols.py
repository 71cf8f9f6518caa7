"""The two protocols by name, each a table of measures (imported only when chosen)."""

from dataclasses import replace
import importlib
from typing import Dict

import numpy as np

from .common import Context, GroundTruth, Measure, Measures
from .density import uniform

PROTOCOLS = ('legacy', 'tuebingen')
DEFAULT_PROTOCOL = 'legacy'  # the definitions of the paper's tables (MIT benchmark code)
IG_UNIFORM = 'IG (uniform)'  # information gain over the uniform density instead of the centre bias


def measures(protocol: str) -> Measures:
    """
    Return the measures of a protocol, in the paper's order, and IG against uniform.

    IG is the protocol's, against the context's baseline (the centre bias). ``IG (uniform)``
    is the Tübingen protocol's IG (the map read as a density, :func:`.density.as_density`)
    against the uniform density, in both protocols: the legacy ``InfoGain.m`` min–max
    normalises its baseline, which a uniform map cannot be (0/0).
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f'protocol must be one of {PROTOCOLS}, not {protocol!r}')
    table: Dict[str, Measure] = dict(importlib.import_module(f'{__package__}.{protocol}')
                                     .MEASURES)
    table[IG_UNIFORM] = _against_uniform(importlib.import_module(f'{__package__}.tuebingen')
                                         .MEASURES['IG'])
    return table


def _against_uniform(information_gain: Measure) -> Measure:
    def measure(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
        return information_gain(saliency, truth,
                                replace(context, baseline=uniform(truth.shape)))
    return measure
