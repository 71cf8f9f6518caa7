"""
Fixation densities: a saliency map read as one, a centre-bias baseline, information gain.

A density here is a ``(height, width)`` float64 array of pixel probabilities summing to 1
(pysaliency's ``Model.log_density`` exponentiated). Information gain is measured in bits
per fixation, as pysaliency's ``information_gains`` does (its ``models.py``, ``ScanpathModel``:
``(own log-likelihoods - baseline log-likelihoods) / log 2`` at each fixation).
"""

import math
import os
from typing import Dict, Iterable, Optional, Sequence, Tuple

import numpy as np
from scipy.ndimage import gaussian_filter

from .common import MetricUndefined, Shape

DEFAULT_EPS = 1e-3
"""Relative floor of :func:`as_density`: a mixture with the uniform density of weight
``eps / (1 + eps)`` (about 0.1 %). A choice of this package, not something MSI-Net's paper
defines: it bounds the cost of a fixation on a zero pixel (about ``log2(eps)`` - 10 bits -
below the uniform density) and costs at most ``log2(1 + eps)`` (0.0014 bits) elsewhere."""

FORMAT = 1  # version of the centre-bias file


def as_density(saliency: np.ndarray, eps: float = DEFAULT_EPS) -> np.ndarray:
    """
    Return a saliency map as a probability density over its pixels.

    The map is shifted to a minimum of 0 only if it has negative values (pysaliency's
    ``convert_saliency_map_to_density``, ``metrics.py``), ``eps`` times its mean is added
    (a floor relative to the map, so the result does not depend on the map's scale) and it
    is divided by its sum: ``(1 - w) * map / sum(map) + w / pixels`` with
    ``w = eps / (1 + eps)``. ``eps = 0`` is pysaliency's conversion with ``minimum_value=0``
    (what its SIM and the benchmark's KL-divergence use). An all-zero (after the shift:
    constant) map gives the uniform density, as pysaliency's conversion does.
    """
    if eps < 0 or not math.isfinite(eps):
        raise ValueError(f'eps must be a finite number >= 0, not {eps}')
    values = np.array(saliency, dtype=np.float64)
    if values.ndim != 2 or values.size == 0 or not np.isfinite(values).all():
        raise ValueError(f'saliency must be a finite 2-D map, got shape {values.shape}')
    low = values.min()
    if low < 0:
        values -= low
    total = values.sum()
    if total <= 0:
        return uniform(values.shape)
    values += eps * (total / values.size)
    return values / values.sum()


def uniform(shape: Shape) -> np.ndarray:
    """Return the uniform density over an image of ``shape`` (height, width)."""
    height, width = int(shape[0]), int(shape[1])
    if height <= 0 or width <= 0:
        raise ValueError(f'shape must be positive, not {shape}')
    return np.full((height, width), 1.0 / (height * width))


def information_gain(density: np.ndarray, baseline: np.ndarray,
                     fixations: np.ndarray) -> float:
    """
    Return the information gain of ``density`` over ``baseline`` in bits per fixation.

    The mean over ``fixations`` ((N, 2) int (row, col), all inside; duplicates count twice)
    of ``log2 density - log2 baseline`` at the fixated pixel. Both must be densities of the
    same shape (non-negative, summing to 1 within 1e-6; else ValueError). No fixations, or a
    density or baseline of 0 at a fixation (an infinite log-likelihood ratio) raise
    MetricUndefined.
    """
    density = _checked_density(density, 'density')
    baseline = _checked_density(baseline, 'baseline')
    if density.shape != baseline.shape:
        raise ValueError(f'density {density.shape} and baseline {baseline.shape} differ in size')
    points = np.asarray(fixations, dtype=np.int64).reshape(-1, 2)
    if len(points) == 0:
        raise MetricUndefined('no fixations inside the image')
    rows, cols = points[:, 0], points[:, 1]
    if (rows < 0).any() or (cols < 0).any() or (rows >= density.shape[0]).any() or \
            (cols >= density.shape[1]).any():
        raise ValueError(f'fixations outside the image of size {density.shape}')
    own, base = density[rows, cols], baseline[rows, cols]
    if (own <= 0).any():
        raise MetricUndefined('the density is 0 at a fixation (log-likelihood -inf)')
    if (base <= 0).any():
        raise MetricUndefined('the baseline density is 0 at a fixation (log-likelihood -inf)')
    return float(np.mean(np.log2(own) - np.log2(base)))


def _checked_density(values: np.ndarray, name: str) -> np.ndarray:
    """Return ``values`` as float64 if it is a 2-D density, else raise ValueError."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2 or array.size == 0 or not np.isfinite(array).all() or \
            (array < 0).any() or abs(array.sum() - 1.0) > 1e-6:
        raise ValueError(f'{name} is not a 2-D density (finite, >= 0, summing to 1)')
    return array


class CentreBias:
    """
    The centre bias: where fixations fall in an image, whatever the image shows.

    Fitted on a training split in normalised coordinates (row and column each scaled to
    [0, 1), pysaliency's ``normalize_fixations`` without ``keep_aspect``): a histogram of the
    fixations on a ``grid x grid`` lattice, blurred with a Gaussian of standard deviation
    ``width`` (in image heights/widths; border mode 'reflect', so no mass leaves the image),
    mixed with the uniform density with weight ``uniform_weight``. ``width`` and
    ``uniform_weight`` are chosen from small grids by the held-out log-likelihood: images are
    split into ``folds`` groups (image ``i`` in group ``i % folds``) and each group's
    fixations are scored by the density of the other groups (the blur is linear, so this is
    a few blurs per width). A density at an image size interpolates the lattice bilinearly
    at the pixel centres and is normalised to sum to 1; it is strictly positive.
    """

    WIDTHS = (0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3)
    UNIFORM_WEIGHTS = (0.001, 0.01, 0.05, 0.1, 0.2)

    def __init__(self, grid: np.ndarray, width: float, uniform_weight: float,
                 scores: Optional[Dict[str, np.ndarray]] = None):
        """Wrap a fitted lattice density (``grid`` sums to 1) and the chosen parameters."""
        lattice = np.asarray(grid, dtype=np.float64)
        if lattice.ndim != 2 or lattice.shape[0] != lattice.shape[1] or \
                not np.isfinite(lattice).all() or (lattice <= 0).any():
            raise ValueError('the centre-bias grid must be a square, strictly positive array')
        self.grid = lattice / lattice.sum()
        self.width = float(width)
        self.uniform_weight = float(uniform_weight)
        self.scores = dict(scores or {})

    @classmethod
    def fit(cls, samples: Iterable[Tuple[np.ndarray, Shape]], grid: int = 64,
            widths: Sequence[float] = WIDTHS,
            uniform_weights: Sequence[float] = UNIFORM_WEIGHTS,
            folds: int = 10) -> 'CentreBias':
        """
        Fit the centre bias to ``samples``, one ``(fixations, shape)`` per training image.

        Fixations are (N, 2) int (row, col), shape is (height, width). Fixations outside
        their image are left out; images without fixations add nothing. Needs fixations in
        at least two images (the held-out choice of width); ValueError otherwise.
        ``scores`` of the result holds the held-out mean log-likelihood (nats per fixation,
        relative to the uniform density) of each (width, uniform weight).
        """
        if grid < 2 or folds < 2 or not widths or not uniform_weights:
            raise ValueError('need grid >= 2, folds >= 2 and at least one width and weight')
        if any(not 0 < weight < 1 for weight in uniform_weights) or \
                any(width <= 0 for width in widths):
            raise ValueError('widths must be > 0 and uniform weights in (0, 1)')
        images = [points for points in (_normalised(fix, shape) for fix, shape in samples)
                  if len(points)]
        if len(images) < 2:
            raise ValueError('the centre bias needs fixations in at least two images')
        folds = min(folds, len(images))
        groups = [np.concatenate(images[k::folds]) for k in range(folds)]
        histograms = [_histogram(points, grid) for points in groups]
        table = np.empty((len(widths), len(uniform_weights)))
        for i, width in enumerate(widths):
            blurred = [_blur(histogram, width) for histogram in histograms]
            total = np.sum(blurred, axis=0)
            log_likelihood = np.zeros(len(uniform_weights))
            for k, points in enumerate(groups):
                train = total - blurred[k]
                train = np.clip(train, 0.0, None) / max(train.sum(), np.finfo(float).tiny)
                local = _bilinear(train, points) * grid * grid  # density on the unit square
                for j, weight in enumerate(uniform_weights):
                    log_likelihood[j] += np.log((1 - weight) * local + weight).sum()
            table[i] = log_likelihood / sum(len(points) for points in groups)
        best_width, best_weight = np.unravel_index(np.argmax(table), table.shape)
        width, weight = widths[best_width], uniform_weights[best_weight]
        lattice = _blur(np.sum(histograms, axis=0), width)
        lattice = (1 - weight) * lattice / lattice.sum() + weight / (grid * grid)
        scores = {'widths': np.asarray(widths, dtype=np.float64),
                  'uniform_weights': np.asarray(uniform_weights, dtype=np.float64),
                  'log_likelihoods': table}
        return cls(lattice, width, weight, scores)

    def density(self, shape: Shape) -> np.ndarray:
        """Return the centre bias at an image size: (height, width) float64 summing to 1."""
        height, width = int(shape[0]), int(shape[1])
        if height <= 0 or width <= 0:
            raise ValueError(f'shape must be positive, not {shape}')
        size = self.grid.shape[0]
        values = _interpolation_matrix(height, size) @ self.grid @ \
            _interpolation_matrix(width, size).T
        return values / values.sum()

    def save(self, path: str) -> None:
        """Write the centre bias to ``path`` (an .npz of plain arrays, no pickle)."""
        arrays = {'format': np.asarray(FORMAT), 'grid': self.grid,
                  'width': np.asarray(self.width),
                  'uniform_weight': np.asarray(self.uniform_weight)}
        arrays.update({f'scores_{key}': value for key, value in self.scores.items()})
        with open(os.fspath(path), 'wb') as stream:
            np.savez(stream, **arrays)

    @classmethod
    def load(cls, path: str) -> 'CentreBias':
        """Read a centre bias written by :meth:`save`."""
        with np.load(os.fspath(path), allow_pickle=False) as data:
            if 'format' not in data or int(data['format']) != FORMAT:
                raise ValueError(f'{path} is not a centre-bias file of format {FORMAT}')
            scores = {key[len('scores_'):]: data[key] for key in data.files
                      if key.startswith('scores_')}
            return cls(data['grid'], float(data['width']), float(data['uniform_weight']),
                       scores)


def _normalised(fixations: np.ndarray, shape: Shape) -> np.ndarray:
    """Return the fixations inside ``shape`` as pixel centres in [0, 1)^2 (row, col)."""
    points = np.asarray(fixations, dtype=np.float64).reshape(-1, 2)
    height, width = float(shape[0]), float(shape[1])
    keep = (points[:, 0] >= 0) & (points[:, 0] < height) & \
        (points[:, 1] >= 0) & (points[:, 1] < width)
    points = np.floor(points[keep]) + 0.5
    return points / np.array([height, width])


def _histogram(points: np.ndarray, grid: int) -> np.ndarray:
    """Return the count of normalised points in each cell of a ``grid x grid`` lattice."""
    cells = np.minimum((points * grid).astype(np.int64), grid - 1)
    counts = np.zeros((grid, grid))
    np.add.at(counts, (cells[:, 0], cells[:, 1]), 1.0)
    return counts


def _blur(histogram: np.ndarray, width: float) -> np.ndarray:
    """Return the histogram blurred by a Gaussian of ``width`` image sizes (mass kept)."""
    return gaussian_filter(histogram, width * histogram.shape[0], mode='reflect')


def _lattice_coordinates(positions: np.ndarray, size: int) -> Tuple[np.ndarray, ...]:
    """Return the two lattice cells and the weight of the upper one at normalised positions."""
    t = np.clip(positions * size - 0.5, 0.0, size - 1.0)
    low = np.floor(t).astype(np.int64)
    high = np.minimum(low + 1, size - 1)
    return low, high, t - low


def _bilinear(lattice: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Return the lattice interpolated bilinearly at normalised points (row, col)."""
    size = lattice.shape[0]
    r0, r1, fr = _lattice_coordinates(points[:, 0], size)
    c0, c1, fc = _lattice_coordinates(points[:, 1], size)
    return (1 - fr) * ((1 - fc) * lattice[r0, c0] + fc * lattice[r0, c1]) + \
        fr * ((1 - fc) * lattice[r1, c0] + fc * lattice[r1, c1])


def _interpolation_matrix(pixels: int, size: int) -> np.ndarray:
    """Return the (pixels, size) matrix interpolating a lattice axis at the pixel centres."""
    low, high, weight = _lattice_coordinates((np.arange(pixels) + 0.5) / pixels, size)
    matrix = np.zeros((pixels, size))
    rows = np.arange(pixels)
    np.add.at(matrix, (rows, low), 1 - weight)
    np.add.at(matrix, (rows, high), weight)
    return matrix
