"""
Official MSI-Net pre- and post-processing (the letterbox of the official ``data.py``), in OpenCV.

Preprocess: keep the aspect ratio, resize to fit the model input (area interpolation when
shrinking, bicubic with ``align_corners=True`` when enlarging, clipped to 0..255), pad
symmetrically with 126 (floor on top/left, ceil on bottom/right), float32 NCHW.
Postprocess: cut the padding off the model's map and resize it to the frame size, in 0..1.

TF1's ``resize_area(align_corners=True)`` steps through the input by ``(in - 1) / (out - 1)``,
not ``in / out`` as OpenCV's ``INTER_AREA`` does; at 640 → 320 that drifts by up to a pixel
and changes border pixels by up to 140 grey levels. So shrinking applies TF's exact box
weights along each axis (a few taps per output pixel, computed once per size pair; numpy,
as fast as scipy's sparse product, without scipy's 22 MB); enlarging maps output pixel i to
input pixel ``i * (in - 1) / (out - 1)`` as ``align_corners=True`` does, through
``cv2.warpAffine`` (Keys' cubic, a = -0.75, like TF). The tests measure both against a
TensorFlow reference.
"""

from dataclasses import dataclass
from functools import lru_cache
import math
from typing import Sequence, Tuple

import cv2
import numpy as np

from ..errors import ImageError

PAD_VALUE = 126.0
MIN_SIDE = 8  # smaller frames carry no usable information for a 1/8-resolution encoder
MAX_SIDE = 8192  # larger frames are refused rather than risking memory exhaustion

Size = Tuple[int, int]  # (height, width)


@dataclass(frozen=True)
class Letterbox:
    """Where a frame went inside the model input: its scaled size and the padding around it."""

    frame: Size
    model: Size
    scaled: Size
    top: int
    left: int

    @property
    def shrinking(self) -> bool:
        """Return whether the frame was shrunk (area filter) rather than enlarged (bicubic)."""
        return self.frame[0] > self.scaled[0] or self.frame[1] > self.scaled[1]

    @property
    def scale(self) -> float:
        """Return model pixels per frame pixel (the same along both axes, up to rounding)."""
        return self.scaled[1] / self.frame[1]

    def axis_map(self, axis: int) -> Tuple[float, float]:
        """
        Return (a, b) such that frame pixel ``a * m + b`` is model pixel ``m`` of the unpadded map.

        The official resizes both use ``align_corners=True`` steps of ``(in - 1) / (out - 1)``;
        the area filter's output pixel ``m`` averages input ``[m, m + 1) * step``, whose centre
        is ``(m + 0.5) * step - 0.5``; the bicubic one samples input ``m * step``.
        """
        size_in, size_out = self.frame[axis], self.scaled[axis]
        if size_in == size_out:
            return 1.0, 0.0
        step = (size_in - 1) / (size_out - 1) if size_out > 1 else size_in / size_out
        return (step, 0.5 * step - 0.5) if self.shrinking else (step, 0.0)

    def to_frame(self, row: float, col: float) -> Tuple[float, float]:
        """
        Map a model-input pixel position (padding included) to frame pixels (y, x).

        The result is clamped into the frame: TF's align-corners area filter lets the last
        output pixel's box reach past the image edge (its reads are clamped to the last row),
        so that pixel's centre maps to the edge.
        """
        (ay, by), (ax, bx) = self.axis_map(0), self.axis_map(1)
        y = min(max(ay * (row - self.top) + by, 0.0), self.frame[0] - 1.0)
        x = min(max(ax * (col - self.left) + bx, 0.0), self.frame[1] - 1.0)
        return y, x


def plan_letterbox(frame: Size, model: Size) -> Letterbox:
    """Compute the official aspect-preserving fit of ``frame`` into ``model`` and its padding."""
    ratio = min(model[0] / frame[0], model[1] / frame[1])
    scaled = (min(model[0], max(1, round(frame[0] * ratio))),
              min(model[1], max(1, round(frame[1] * ratio))))
    return Letterbox(frame, model, scaled, (model[0] - scaled[0]) // 2,
                     (model[1] - scaled[1]) // 2)


def choose_size(frame: Size, sizes: Sequence[Size]) -> Size:
    """Return the size whose aspect ratio is closest to the frame's (first one on ties)."""
    aspect = frame[0] / frame[1]
    return min(sizes, key=lambda size: abs(size[0] / size[1] - aspect))


def check_frame(frame: np.ndarray) -> np.ndarray:
    """
    Return the frame as a C-contiguous (H, W, 3) RGB array, or raise ImageError.

    Accepts uint8, or float32/float64 in 0..255, with 3 channels (RGB) or 1 (grey, as (H, W)
    or (H, W, 1)). Refuses empty, tiny and huge frames, other dtypes and channel counts, and
    non-finite values, each with a message saying what was wrong.
    """
    if not isinstance(frame, np.ndarray):
        raise ImageError(f'expected a numpy array, got {type(frame).__name__}')
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[:, :, 0]
    if frame.ndim not in (2, 3) or (frame.ndim == 3 and frame.shape[2] != 3):
        raise ImageError(f'expected an (H, W, 3) RGB or (H, W) grey frame, got shape '
                         f'{frame.shape}')
    height, width = frame.shape[:2]
    if min(height, width) < MIN_SIDE or max(height, width) > MAX_SIDE:
        raise ImageError(f'frame size {height}x{width} is outside {MIN_SIDE}..{MAX_SIDE} pixels '
                         'per side')
    if frame.dtype == np.uint8:
        pass
    elif frame.dtype in (np.float32, np.float64):
        if not np.isfinite(frame).all():
            raise ImageError('frame contains NaN or infinite values')
        frame = np.clip(frame, 0.0, 255.0).astype(np.float32)
    else:
        raise ImageError(f'frame dtype {frame.dtype} is not supported: use uint8 (or float in '
                         '0..255)')
    if frame.ndim == 2:
        frame = cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(frame)


@lru_cache(maxsize=64)
def _area_taps(size_in: int, size_out: int) -> Tuple[np.ndarray, np.ndarray]:
    """
    Return TF1 ``resize_area(align_corners=True)`` along one axis as taps.

    ``(index, weight)``, each (out, taps): output pixel ``o`` is the sum over ``t`` of
    ``weight[o, t] * input[index[o, t]]`` (unused taps have weight 0).
    """
    scale = (size_in - 1) / (size_out - 1) if size_out > 1 else size_in / size_out
    taps = [[] for _ in range(size_out)]
    for out in range(size_out):
        start, end = out * scale, (out + 1) * scale
        for i in range(math.floor(start), math.ceil(end)):
            weight = min(i + 1.0, end) - max(float(i), start)
            # TF clamps reads past the last pixel
            taps[out].append((min(max(i, 0), size_in - 1), weight / scale))
    width = max(len(t) for t in taps)
    index = np.zeros((size_out, width), np.intp)
    weight = np.zeros((size_out, width), np.float32)
    for out, row in enumerate(taps):
        for k, (i, w) in enumerate(row):
            index[out, k], weight[out, k] = i, w
    return index, weight


def _resize_area_tf(image: np.ndarray, size: Size) -> np.ndarray:
    rows = _taps_along(image, 0, *_broadcast_taps(image.shape[0], size[0], 0, image.shape[2]))
    return _taps_along(rows, 1, *_broadcast_taps(image.shape[1], size[1], 1, image.shape[2]))


@lru_cache(maxsize=64)
def _broadcast_taps(size_in: int, size_out: int, axis: int, channels: int
                    ) -> Tuple[np.ndarray, np.ndarray]:
    """
    Return :func:`_area_taps` with the weights laid out to multiply (H, W, C) taps directly.

    ``weights[t]`` is (out, 1, 1) along rows; along columns it is repeated for each channel,
    (out, C) contiguous, so the product runs over whole contiguous rows (a (out, 1) weight
    broadcast over 3 channels is a loop of 3 elements at a time, about 3x slower).
    """
    index, weight = _area_taps(size_in, size_out)
    weights = weight.T[:, :, None, None] if axis == 0 else \
        np.ascontiguousarray(np.repeat(weight.T[:, :, None], channels, axis=2))
    return index, weights


def _taps_along(image: np.ndarray, axis: int, index: np.ndarray, weights: np.ndarray
                ) -> np.ndarray:
    """
    Return ``sum_t weights[t] * image[index[:, t]]`` along ``axis`` (0 or 1), float32.

    The taps are gathered in the image's own dtype: a uint8 frame is converted to float32
    only after the gather, a pixel at a time in the product (exactly), so the first pass
    never converts (nor allocates) a float copy of the whole frame; the sums are the same
    float32 operations in the same order as for a float frame.
    """
    shape = list(image.shape)
    shape[axis] = index.shape[0]
    out, tap = np.empty(shape, np.float32), np.empty(shape, image.dtype)
    product = np.empty(shape, np.float32)
    for k in range(index.shape[1]):
        np.take(image, index[:, k], axis=axis, out=tap)
        np.multiply(tap, weights[k], out=out if k == 0 else product)
        if k:
            out += product
    return out


def _resize_align_corners_cubic(image: np.ndarray, size: Size) -> np.ndarray:
    (in_h, in_w), (out_h, out_w) = image.shape[:2], size
    sy = (in_h - 1) / (out_h - 1) if out_h > 1 else 0.0
    sx = (in_w - 1) / (out_w - 1) if out_w > 1 else 0.0
    matrix = np.array([[sx, 0.0, 0.0], [0.0, sy, 0.0]])
    return cv2.warpAffine(image, matrix, (out_w, out_h),
                          flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                          borderMode=cv2.BORDER_REPLICATE)


def preprocess_into(frame: np.ndarray, box: Letterbox, out: np.ndarray) -> None:
    """Write the letterboxed model input of a checked RGB frame into ``out`` (3, H, W) float32."""
    if box.scaled == box.frame:
        image = frame
    else:
        if box.shrinking:  # from the frame's own dtype (see _taps_along)
            image = _resize_area_tf(frame, box.scaled)
        else:
            image = _resize_align_corners_cubic(frame.astype(np.float32, copy=False),
                                                box.scaled)
        np.clip(image, 0.0, 255.0, out=image)
    out[...] = PAD_VALUE
    top, left = box.top, box.left
    out[:, top:top + box.scaled[0], left:left + box.scaled[1]] = image.transpose(2, 0, 1)


def preprocess(frame: np.ndarray, model: Size) -> Tuple[np.ndarray, Letterbox]:
    """Return the ``[1, 3, H, W]`` float32 model input of a frame and its letterbox."""
    frame = check_frame(frame)
    box = plan_letterbox(frame.shape[:2], model)
    out = np.empty((1, 3, *model), np.float32)
    preprocess_into(frame, box, out[0])
    return out, box


def unpad(saliency: np.ndarray, box: Letterbox) -> np.ndarray:
    """Return the part of a model-resolution map that covers the frame (padding removed)."""
    return saliency[box.top:box.top + box.scaled[0], box.left:box.left + box.scaled[1]]


def postprocess(saliency: np.ndarray, box: Letterbox) -> np.ndarray:
    """
    Return the map at frame resolution (float32, 0..1) from a model-resolution map.

    The resize inverts the exact geometry of the preprocessing (:meth:`Letterbox.axis_map`),
    so a point comes back at the frame pixel it came from.
    """
    cropped = np.ascontiguousarray(unpad(saliency, box), dtype=np.float32)
    if cropped.shape != box.frame:
        (ay, by), (ax, bx) = box.axis_map(0), box.axis_map(1)
        inverse = np.array([[1 / ax, 0.0, -bx / ax], [0.0, 1 / ay, -by / ay]])
        cropped = cv2.warpAffine(cropped, inverse, box.frame[::-1],
                                 flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_REPLICATE)
    return np.clip(cropped, 0.0, 1.0, out=cropped)
