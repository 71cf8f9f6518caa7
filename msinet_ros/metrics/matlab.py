"""
The MATLAB semantics the legacy (cvzoya) measures rely on, written from MATLAB's documentation.

- :func:`imresize`: MATLAB's default ``imresize`` (bicubic, ``a = -0.5``, antialiasing when
  shrinking), for double images.
- :func:`colon`: the values of ``a:d:b`` as MATLAB builds them (from both ends).
- :func:`std`: ``std(x(:))`` (normalised by N - 1).
- :data:`EPS`: ``eps`` (2^-52).
"""

import math
from typing import Sequence, Tuple, Union

import numpy as np

EPS = float(np.finfo(np.float64).eps)  # MATLAB's eps, 2.220446049250313e-16

_CUBIC_WIDTH = 4.0  # support of the cubic kernel, [-2, 2]


def std(values: np.ndarray) -> float:
    """Return MATLAB's standard deviation of all values: normalised by N - 1, 0 for one value."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if flat.size == 1:
        return 0.0
    return float(np.std(flat, ddof=1))


def _cubic(x: np.ndarray) -> np.ndarray:
    """Return Keys' cubic convolution kernel with a = -0.5 (MATLAB's 'bicubic')."""
    ax = np.abs(x)
    ax2 = ax * ax
    ax3 = ax2 * ax
    inner = (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1.0)
    outer = (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1.0) & (ax <= 2.0))
    return inner + outer


def resize_weights(in_length: int, out_length: int, scale: float) -> np.ndarray:
    """
    Return the (out_length, in_length) matrix that resizes one axis as MATLAB's imresize does.

    Output pixel ``x`` (1-based) sits at input coordinate ``u = x / scale + (1 - 1 / scale) / 2``.
    When shrinking (scale < 1) the kernel is widened by 1/scale and scaled by ``scale``
    (antialiasing). The taps ``floor(u - width / 2) + (0 .. ceil(width) + 1)`` are weighted,
    the weights of each output pixel normalised to sum 1, and taps outside the image mirrored
    back into it (symmetric padding: ..., 2, 1, 1, 2, ..., n, n, n - 1, ...).
    """
    width = _CUBIC_WIDTH
    antialias = scale < 1.0
    if antialias:
        width = width / scale
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - width / 2.0)
    taps = int(math.ceil(width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    distance = u[:, None] - indices
    weights = scale * _cubic(scale * distance) if antialias else _cubic(distance)
    weights = weights / weights.sum(axis=1, keepdims=True)
    period = 2 * in_length
    wrapped = np.mod(indices.astype(np.int64) - 1, period)  # 0-based in the mirrored period
    inside = np.where(wrapped < in_length, wrapped, period - 1 - wrapped)
    matrix = np.zeros((out_length, in_length), dtype=np.float64)
    rows = np.repeat(np.arange(out_length), taps)
    np.add.at(matrix, (rows, inside.ravel()), weights.ravel())
    return matrix


def output_size(shape: Tuple[int, int], scale: float) -> Tuple[int, int]:
    """Return imresize's output size for a scalar scale: ``ceil(scale * size)``."""
    return (int(math.ceil(scale * shape[0])), int(math.ceil(scale * shape[1])))


def imresize(image: np.ndarray,
             size_or_scale: Union[float, Sequence[int]]) -> np.ndarray:
    """
    Resize a 2-D image by a scale or to a size (rows, cols) as MATLAB's imresize does.

    Bicubic (Keys, a = -0.5) with antialiasing when shrinking, symmetric edge padding, the
    dimension with the smaller scale resized first (as MATLAB orders them). A scalar scale
    gives ``ceil(scale * size)`` pixels and is used as is; an output size gives the scale
    ``out / in`` per axis. The image is treated as double (MATLAB rounds and saturates
    integer and thresholds logical images; the legacy measures pass doubles). An axis whose
    size and scale stay the same is left untouched, so ``imresize(x, x.shape)`` is ``x``.
    """
    values = np.asarray(image, dtype=np.float64)
    if values.ndim != 2 or min(values.shape) == 0:
        raise ValueError(f'imresize takes a non-empty 2-D image, got shape {values.shape}')
    if np.ndim(size_or_scale) == 0:
        scale = float(size_or_scale)
        if not scale > 0.0 or not math.isfinite(scale):
            raise ValueError(f'imresize scale must be positive and finite, got {scale}')
        out_shape = output_size(values.shape, scale)
        scales = (scale, scale)
    else:
        out_shape = tuple(int(n) for n in size_or_scale)
        if len(out_shape) != 2 or min(out_shape) < 1:
            raise ValueError(f'imresize output size must be 2 positive ints, got {out_shape}')
        scales = (out_shape[0] / values.shape[0], out_shape[1] / values.shape[1])
    result = values
    for axis in sorted((0, 1), key=lambda a: scales[a]):  # smaller scale first, stable
        if scales[axis] == 1.0 and out_shape[axis] == values.shape[axis]:
            continue
        weights = resize_weights(values.shape[axis], out_shape[axis], scales[axis])
        result = weights @ result if axis == 0 else result @ weights.T
    return result


def colon(base: float, increment: float, limit: float) -> np.ndarray:
    """
    Return MATLAB's ``base:increment:limit`` for doubles, element for element.

    MATLAB does not add the increment repeatedly: it counts the intervals
    ``n = round((limit - base) / increment)`` (one fewer if that overshoots the limit by
    more than ``tol = 2 * eps * max(|base|, |limit|)``), takes the end point
    ``last = base + n * increment`` (the limit itself if within ``tol`` of it), fills the first
    half as ``base + k * increment`` and the second half as ``last - k * increment``, and
    puts ``(base + last) / 2`` in the middle when n is even. This matters where a value is
    compared with an element: ``0:0.1:1`` holds ``0.1 * 3`` (not 0.3) but ``1 - 0.1 * 3``
    (0.7 to the last bit, unlike Octave's ``0.1 * 7``).
    """
    if not (math.isfinite(base) and math.isfinite(increment) and math.isfinite(limit)):
        raise ValueError('colon needs finite arguments')
    if increment == 0 or (base < limit and increment < 0) or (limit < base and increment > 0):
        return np.zeros(0)
    tol = 2.0 * EPS * max(abs(base), abs(limit))
    sign = math.copysign(1.0, increment)
    if base == math.floor(base) and increment == 1:
        n = math.floor(limit) - base
    elif base == math.floor(base) and increment == math.floor(increment):
        q = math.floor(base / increment)
        r = base - q * increment
        n = math.floor((limit - r) / increment) - math.floor((base - r) / increment)
    else:
        n = _round_half_away((limit - base) / increment)
        if sign * (base + n * increment - limit) > tol:
            n -= 1
    n = int(n)
    last = base + n * increment
    if sign * (last - limit) > -tol:
        last = limit
    out = np.zeros(n + 1)
    k = np.arange(n // 2 + 1, dtype=np.float64)
    out[k.astype(np.int64)] = base + k * increment
    out[(n - k).astype(np.int64)] = last - k * increment
    if n % 2 == 0:
        out[n // 2] = (base + last) / 2.0
    return out


def _round_half_away(value: float) -> float:
    """Return MATLAB's round (halves away from zero)."""
    return math.copysign(math.floor(abs(value) + 0.5), value)
