"""
The MIT/Tübingen benchmark's measures: pysaliency's definitions (matthias-k/pysaliency).

Read from pysaliency 0.2.22; file:line refer to it as installed (git HEAD 6a45d24 has the same
definitions at the same lines, except ``utils.average_values``, now utils/__init__.py:463).
The benchmark itself is matthias-k/saliency-benchmarking (``saliency_benchmarking/
evaluation.py``, HEAD 6d80c2d: ``evaluate_*``, lines 152-215); a saliency map model
(MSI-Net's maps) is scored with its maps as they are, a probabilistic model would get a map
derived per measure. No code is copied: our own implementations of the same formulas.

- AUC-Judd: the benchmark's "AUC", ``SaliencyMapModel.AUCs`` with ``nonfixations='uniform'``
  (saliency_map_models.py:294-360): the negatives are all pixels of the map (the fixated ones
  included), the positives the map at each fixation (duplicates count); each fixation's score
  is the fraction of negatives below it plus half the fraction equal to it
  (``general_rocs_per_positive``, numba_utils.py:94-136 / roc_cython.pyx:117-156), the
  image's score their mean, which equals the exact ROC area with ties as 1/2
  (``general_roc``, numba_utils.py:52-91). pysaliency's ``AUC_Judd`` method (thresholds at
  the fixations, unfixated pixels, jitter) is the old MIT benchmark's and is not this.
- sAUC: the same with the fixations of all other images as negatives (``nonfixations=
  'shuffled'``, ``FullShuffledNonfixationProvider``, saliency_map_models.py:50-74: other
  images' fixations scaled to this image's size, ``int(x * W / W_other)``, duplicates kept),
  given here as ``context.other_fixations``.
- AUC-Borji: pysaliency has none (no random-negative AUC in its source). Its nearest analogue
  is AUC with uniform negatives, which is the limit of Borji's random draws and is already
  the AUC-Judd column, so it raises MetricUndefined('not part of the Tübingen protocol').
- NSS: ``metrics.NSS`` (metrics.py:38-52): ``(map - mean) / std`` (population std) at each
  fixation; a constant map (std 0) is not divided and scores 0 (pysaliency can miss a
  constant map by rounding, see :func:`nss`: a deviation). The image's score is the
  mean over its fixations (``SaliencyMapModel.NSSs``, saliency_map_models.py:666-676).
- CC: ``metrics.CC`` (metrics.py:55-71): Pearson correlation with the empirical density; a
  constant map against a non-constant one is 0; a constant density (pysaliency: NaN) raises
  MetricUndefined.
- SIM: ``metrics.SIM`` (metrics.py:101-106): both maps made densities by
  ``convert_saliency_map_to_density(minimum_value=0)`` (metrics.py:23-35: shifted to min 0 only
  if negative, divided by the sum; all-zero gives uniform; no min-max), sum of the minimum.
- KLD: ``metrics.MIT_KLDiv`` (metrics.py:90-98), the benchmark's ``evaluate_KLDiv``
  (``image_based_kl_divergences`` with ``minimum_value=0, log_regularization=2.2204e-16,
  quotient_regularization=2.2204e-16``): with ``p`` the map and ``q`` the empirical density,
  both converted as for SIM, ``sum q * ln(eps + q / (p + eps))`` (metrics.py:75-79), nats.
- EMD: pysaliency has none: MetricUndefined('not part of the Tübingen protocol').
- IG: ``ScanpathModel.information_gains`` (models.py:166-174): ``(log p - log b) / ln 2`` at
  each fixation, bits; the image's score is the mean over its fixations. The benchmark scores
  IG only for probabilistic models (``evaluate_metric`` returns None for saliency map
  models); the map is made one by :func:`~.density.as_density` (pysaliency's
  ``SaliencyMapNormalizingModel``, models.py:867-878, with ``minimum_value = eps * mean``),
  the baseline is ``context.baseline`` (pysaliency's default would be the uniform model).

The empirical density of CC, SIM and KLD is ``truth.density``. The benchmark builds it with
``pysaliency.FixationMap(kernel_size=23.99)`` (MIT300; 40.0 CAT2000, 30.0 COCO-Freeview):
:func:`empirical_density` is that map, for a loader that wants the benchmark's exactly.

Averaging over a dataset. pysaliency computes per-fixation values for AUC, sAUC, NSS and IG
and per-image values for CC, SIM and KLD. With ``average='fixation'`` (its library default for
AUC/sAUC/NSS/IG) the dataset value is the mean over all fixations, which is the mean of the
per-image scores above weighted by :func:`fixation_weight` (the fixations inside the image,
duplicates counted); ``average='image'`` (``utils.average_values``, utils.py:458-466) is the
unweighted mean over images of the per-image scores. CC, SIM and KLD are always the
unweighted mean over images (``CCs(...).mean()``, ``SIMs(...).mean()``,
``np.mean(image_based_kl_divergences(...))``). The benchmark's choice per measure is
:data:`BENCHMARK_AVERAGING`: 'image' for all, except IG on MIT300 which is 'fixation'
(``evaluate_IG``: ``np.mean(scores)``; per image on CAT2000 and COCO-Freeview). An aggregator
reproduces a measure's averaging from this module's per-image scores thus: 'image': plain
mean over the images that have a score; 'fixation': ``sum(score_i * fixation_weight_i) /
sum(fixation_weight_i)`` over the same images. Images without fixations have no AUC, sAUC,
NSS or IG (MetricUndefined) and weigh 0 in pysaliency, so leaving them out is the same.

Degenerate inputs: a map whose size is not the stimulus size raises MetricUndefined naming
both (pysaliency raises on it, ``check_prediction_shape``; the benchmark does not resize);
NaN/inf in a map raise MetricUndefined; fixations outside the image are dropped.
"""

from typing import Dict, Optional

import numpy as np
from scipy.ndimage import gaussian_filter

from .common import (checked_map, Context, density_or_undefined, fixations_or_undefined,
                     GroundTruth, Measure, MetricUndefined)
from .density import as_density, DEFAULT_EPS, information_gain

SHUFFLED_OTHER_IMAGES = None  # sAUC: the fixations of every other image of the set
NOT_IN_PROTOCOL = 'not part of the Tübingen protocol'
KL_REGULARIZATION = 2.2204e-16  # MIT_KLDiv's log and quotient regularisation (MATLAB eps)
EMPIRICAL_KERNEL_SIZE = 23.99  # the benchmark's FixationMap blur on MIT300, pixels

BENCHMARK_AVERAGING: Dict[str, str] = {
    # how matthias-k/saliency-benchmarking (evaluation.py) averages each measure on MIT300
    'AUC-Judd': 'image', 'SIM': 'image', 'sAUC': 'image', 'CC': 'image', 'NSS': 'image',
    'KLD': 'image', 'IG': 'fixation',
}
PYSALIENCY_DEFAULT_AVERAGING: Dict[str, str] = {
    # pysaliency's own default when a model's method is called without ``average``
    'AUC-Judd': 'fixation', 'SIM': 'image', 'sAUC': 'fixation', 'CC': 'image',
    'NSS': 'fixation', 'KLD': 'image', 'IG': 'fixation',
}


def fixation_weight(truth: GroundTruth) -> int:
    """Return an image's weight in pysaliency's per-fixation averaging: its fixations inside."""
    return int(len(truth.inside()[0]))


def roc_auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """
    Return the area under the ROC curve of positives against negatives, ties counted 1/2.

    The mean over the positives of (negatives below + half the negatives equal) / negatives:
    pysaliency's per-fixation ``general_rocs_per_positive`` averaged, equal to the exact ROC
    area of ``general_roc`` over all thresholds. Needs at least one of each (ValueError).
    """
    positive = np.asarray(positives, dtype=np.float64).ravel()
    negative = np.sort(np.asarray(negatives, dtype=np.float64).ravel())
    if positive.size == 0 or negative.size == 0:
        raise ValueError('the ROC needs at least one positive and one negative')
    below = np.searchsorted(negative, positive, side='left')
    not_above = np.searchsorted(negative, positive, side='right')
    return float(np.mean(below + 0.5 * (not_above - below)) / negative.size)


def auc_judd(saliency: np.ndarray, fixations: np.ndarray) -> float:
    """Return pysaliency's AUC with uniform negatives: fixated values against all pixels."""
    values = np.asarray(saliency, dtype=np.float64)
    points = np.asarray(fixations, dtype=np.int64).reshape(-1, 2)
    return roc_auc(values[points[:, 0], points[:, 1]], values)


def shuffled_auc(saliency: np.ndarray, fixations: np.ndarray,
                 other_fixations: np.ndarray) -> float:
    """Return pysaliency's shuffled AUC: fixated values against other images' fixations."""
    values = np.asarray(saliency, dtype=np.float64)
    points = np.asarray(fixations, dtype=np.int64).reshape(-1, 2)
    others = np.asarray(other_fixations, dtype=np.int64).reshape(-1, 2)
    return roc_auc(values[points[:, 0], points[:, 1]], values[others[:, 0], others[:, 1]])


def nss(saliency: np.ndarray, fixations: np.ndarray) -> float:
    """
    Return pysaliency's NSS of an image: mean standardised map value at the fixations.

    A constant map scores 0, pysaliency's intent (it skips the division when the std is 0).
    pysaliency itself tests ``std`` after ``mean``, so rounding can leave a constant map a
    std of ~1e-16 and an arbitrary score (0.7 everywhere gives -1); we test max == min.
    """
    values = np.asarray(saliency, dtype=np.float64)
    points = np.asarray(fixations, dtype=np.int64).reshape(-1, 2)
    if values.max() == values.min():
        return 0.0
    scores = (values[points[:, 0], points[:, 1]] - values.mean()) / values.std()
    return float(scores.mean())


def cc(saliency: np.ndarray, density: np.ndarray) -> float:
    """
    Return pysaliency's CC: the Pearson correlation of the map and the empirical density.

    A constant map (max == min) against a non-constant density is 0 (as pysaliency); a
    constant density has no correlation (pysaliency gives NaN): MetricUndefined.
    """
    first = np.asarray(saliency, dtype=np.float64)
    second = np.asarray(density, dtype=np.float64)
    if second.max() == second.min():
        raise MetricUndefined('the empirical density is constant (correlation undefined)')
    if first.max() == first.min():
        return 0.0
    first, second = first - first.mean(), second - second.mean()
    return float(np.mean(first * second) / (first.std() * second.std()))


def sim(saliency: np.ndarray, density: np.ndarray) -> float:
    """Return pysaliency's SIM: the sum of the pixelwise minimum of the two as densities."""
    return float(np.minimum(as_density(saliency, eps=0.0), as_density(density, eps=0.0)).sum())


def kld(saliency: np.ndarray, density: np.ndarray,
        regularization: float = KL_REGULARIZATION) -> float:
    """Return the benchmark's KL-divergence (nats) of the map from the empirical density."""
    model = as_density(saliency, eps=0.0)
    empirical = as_density(density, eps=0.0)
    ratio = regularization + empirical / (model + regularization)
    return float((empirical * np.log(ratio)).sum())


def empirical_density(truth: GroundTruth,
                      kernel_size: float = EMPIRICAL_KERNEL_SIZE) -> np.ndarray:
    """
    Return the benchmark's empirical saliency map of an image (pysaliency's FixationMap).

    Fixation counts per pixel (duplicates add up, fixations outside are dropped) blurred by
    a Gaussian of standard deviation ``kernel_size`` pixels, border mode 'reflect'
    (``FixationMap``, saliency_map_models.py:847-887). Not normalised (CC, SIM, KLD need not).
    """
    points, _ = truth.inside()
    counts = np.zeros(truth.shape)
    np.add.at(counts, (points[:, 0], points[:, 1]), 1.0)
    if kernel_size:
        counts = gaussian_filter(counts, kernel_size, mode='reflect')
    return counts


def information_gain_bits(saliency: np.ndarray, baseline: np.ndarray, fixations: np.ndarray,
                          eps: float = DEFAULT_EPS) -> float:
    """Return the IG (bits per fixation) of the map as a density over ``baseline``."""
    return information_gain(as_density(saliency, eps=eps), baseline, fixations)


def _map(saliency: np.ndarray, truth: GroundTruth) -> np.ndarray:
    """Return the checked map, or MetricUndefined if it is not the stimulus size."""
    values = checked_map(saliency)
    if values.shape != tuple(truth.shape):
        raise MetricUndefined(f'map size {values.shape[0]}x{values.shape[1]} is not the '
                              f'stimulus size {truth.shape[0]}x{truth.shape[1]} '
                              '(the Tübingen protocol does not resize)')
    return values


def _inside(points: Optional[np.ndarray], truth: GroundTruth) -> np.ndarray:
    """Return the points of ``points`` inside the stimulus."""
    if points is None:
        return np.zeros((0, 2), dtype=np.int64)
    return GroundTruth(np.asarray(points).reshape(-1, 2), truth.shape).inside()[0]


def _auc_judd(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """AUC with all pixels as negatives; no fixation inside: MetricUndefined."""
    values = _map(saliency, truth)
    return auc_judd(values, fixations_or_undefined(truth))


def _shuffled_auc(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """AUC against ``context.other_fixations`` (those inside); none: MetricUndefined."""
    values = _map(saliency, truth)
    points = fixations_or_undefined(truth)
    others = _inside(context.other_fixations, truth)
    if len(others) == 0:
        raise MetricUndefined('no fixations of other images (shuffled AUC needs them)')
    return shuffled_auc(values, points, others)


def _nss(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """NSS; a constant map scores 0 (pysaliency); no fixation inside: MetricUndefined."""
    return nss(_map(saliency, truth), fixations_or_undefined(truth))


def _cc(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """CC with ``truth.density``; constant map 0, constant or missing density: MetricUndefined."""
    return cc(_map(saliency, truth), density_or_undefined(truth))


def _sim(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """SIM with ``truth.density``; an all-zero map counts as uniform (pysaliency)."""
    return sim(_map(saliency, truth), density_or_undefined(truth))


def _kld(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """KLD from ``truth.density``; an all-zero map counts as uniform (pysaliency)."""
    return kld(_map(saliency, truth), density_or_undefined(truth))


def _information_gain(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """IG over ``context.baseline``: none, or zero at a fixation: MetricUndefined."""
    values = _map(saliency, truth)
    if context.baseline is None:
        raise MetricUndefined('no baseline')
    baseline = np.asarray(context.baseline, dtype=np.float64)
    if baseline.shape != tuple(truth.shape):
        raise MetricUndefined(f'baseline size {baseline.shape} is not the stimulus size '
                              f'{tuple(truth.shape)}')
    return information_gain_bits(values, baseline, fixations_or_undefined(truth))


def _not_in_protocol(saliency: np.ndarray, truth: GroundTruth, context: Context) -> float:
    """Raise MetricUndefined: pysaliency does not define this measure."""
    raise MetricUndefined(NOT_IN_PROTOCOL)


MEASURES: Dict[str, Measure] = {
    'AUC-Judd': _auc_judd,
    'SIM': _sim,
    'EMD': _not_in_protocol,
    'AUC-Borji': _not_in_protocol,
    'sAUC': _shuffled_auc,
    'CC': _cc,
    'NSS': _nss,
    'KLD': _kld,
    'IG': _information_gain,
}
