"""
Conversions between image arrays and ``sensor_msgs/Image`` fields, without ROS.

Functions here take and return plain values (height, width, encoding, step, is_bigendian,
data) so that they can be tested and fuzzed without rclpy; the nodes only copy fields in and
out. Decoding honours ``step`` (row padding) and ``is_bigendian``, views the message buffer
without copying where the layout allows, and converts with OpenCV (cv_bridge's semantics:
mono16 is scaled to 8 bits by 1/256, YUV 4:2:2 and Bayer patterns use OpenCV's conversions).
"""

import array as pyarray
from dataclasses import dataclass
from pathlib import Path
import struct
from typing import List, Optional, Tuple

import cv2
import numpy as np

from .errors import ImageError

IMAGE_SUFFIXES = ('.png', '.jpg', '.jpeg', '.bmp', '.tif', '.tiff')


@dataclass(frozen=True)
class ImageFields:
    """The fields of a ``sensor_msgs/Image`` other than the header."""

    height: int
    width: int
    encoding: str
    is_bigendian: int
    step: int
    data: pyarray.array  # typecode 'B': see byte_array


# encoding -> (channels, bytes per channel, OpenCV conversion to RGB or None)
DECODERS = {
    'rgb8': (3, 1, None),
    'bgr8': (3, 1, cv2.COLOR_BGR2RGB),
    'rgba8': (4, 1, cv2.COLOR_RGBA2RGB),
    'bgra8': (4, 1, cv2.COLOR_BGRA2RGB),
    'mono8': (1, 1, cv2.COLOR_GRAY2RGB),
    'mono16': (1, 2, cv2.COLOR_GRAY2RGB),
    'yuv422': (2, 1, cv2.COLOR_YUV2RGB_UYVY),
    'yuv422_yuy2': (2, 1, cv2.COLOR_YUV2RGB_YUYV),
    'bayer_rggb8': (1, 1, cv2.COLOR_BayerRGGB2RGB),
    'bayer_bggr8': (1, 1, cv2.COLOR_BayerBGGR2RGB),
    'bayer_gbrg8': (1, 1, cv2.COLOR_BayerGBRG2RGB),
    'bayer_grbg8': (1, 1, cv2.COLOR_BayerGRBG2RGB),
}
MAX_PIXELS = 8192 * 8192


def image_to_rgb(height: int, width: int, encoding: str, step: int, is_bigendian: int,
                 data) -> np.ndarray:
    """
    Decode ``sensor_msgs/Image`` fields to an (H, W, 3) uint8 RGB array.

    Raises ImageError (never anything else) for unknown encodings, impossible sizes, a
    ``step`` shorter than a row, or data shorter than ``height * step``.
    """
    check_image_fields(height, width, encoding, step, _byte_length(data))
    channels, depth, conversion = DECODERS[encoding]
    rows = _rows(height, width * channels * depth, step, data, f'{width} {encoding} pixels')
    if depth == 2:
        dtype = np.dtype('>u2' if is_bigendian else '<u2')
        pixels = np.ascontiguousarray(rows).view(dtype).reshape(height, width)
        pixels = (pixels >> 8).astype(np.uint8)  # scaled to 8 bits, as cv_bridge does
    elif encoding.startswith('yuv422'):
        pixels = rows.reshape(height, width, 2)
    elif channels == 1:
        pixels = rows.reshape(height, width)
    else:
        pixels = rows.reshape(height, width, channels)
    if conversion is None:
        return pixels  # rgb8: a view of the message buffer when rows are unpadded or not
    return cv2.cvtColor(np.ascontiguousarray(pixels), conversion)


def check_image_fields(height: int, width: int, encoding: str, step: int,
                       data_length: int) -> None:
    """
    Raise ImageError for raw image fields that :func:`image_to_rgb` cannot decode.

    The rules in order: encoding, size, YUV width, step, data length; checked without
    touching the pixels (microseconds), so the node can refuse a frame on receipt.
    """
    if encoding not in DECODERS:
        raise ImageError(f'unsupported encoding {encoding!r}: supported are '
                         f'{", ".join(DECODERS)}')
    channels, depth, _ = DECODERS[encoding]
    if height <= 0 or width <= 0 or height * width > MAX_PIXELS:
        raise ImageError(f'image size {width}x{height} is empty or too large')
    if encoding.startswith('yuv422') and width % 2:
        raise ImageError(f'{encoding} needs an even width, got {width}')
    row_bytes = width * channels * depth
    if step < row_bytes:
        raise ImageError(f'step {step} is shorter than one row of {width} {encoding} pixels '
                         f'({row_bytes} bytes)')
    if data_length < height * step:
        raise ImageError(f'data holds {data_length} bytes; {height} rows of step {step} need '
                         f'{height * step}')


def _byte_length(data) -> int:
    """Return the length in bytes of a message buffer (bytes, array.array, ndarray)."""
    return data.nbytes if isinstance(data, np.ndarray) else memoryview(data).nbytes


# single-channel encodings of maps and depth -> (numpy dtype, scale to the returned value)
SCALAR_DECODERS = {'32FC1': ('f4', 1.0), 'mono8': ('u1', 1 / 255), 'mono16': ('u2', 1 / 65535),
                   '16UC1': ('u2', 1.0)}


def image_to_float(height: int, width: int, encoding: str, step: int, is_bigendian: int,
                   data) -> np.ndarray:
    """
    Decode a single-channel ``sensor_msgs/Image`` to an (H, W) float32 array.

    32FC1 and 16UC1 keep their values (a map, metres, millimetres); mono8 and mono16 are
    scaled to 0..1 (a map published as an image). Raises ImageError for other encodings,
    impossible sizes, a short ``step`` or short data.
    """
    if encoding not in SCALAR_DECODERS:
        raise ImageError(f'unsupported encoding {encoding!r} for a map or depth image: '
                         f'supported are {", ".join(SCALAR_DECODERS)}')
    kind, scale = SCALAR_DECODERS[encoding]
    dtype = np.dtype(kind).newbyteorder('>' if is_bigendian else '<')
    if height <= 0 or width <= 0 or height * width > MAX_PIXELS:
        raise ImageError(f'image size {width}x{height} is empty or too large')
    rows = np.ascontiguousarray(_rows(height, width * dtype.itemsize, step, data,
                                      f'{width} {encoding} pixels'))
    values = rows.view(dtype).reshape(height, width).astype(np.float32)
    return values * np.float32(scale) if scale != 1.0 else values


def _rows(height: int, row_bytes: int, step: int, data, what: str) -> np.ndarray:
    """Return the (height, row_bytes) uint8 view of a message buffer, rows ``step`` apart."""
    if step < row_bytes:
        raise ImageError(f'step {step} is shorter than one row of {what} ({row_bytes} bytes)')
    buffer = memoryview(data).cast('B') if not isinstance(data, np.ndarray) else data
    if len(buffer) < height * step:
        raise ImageError(f'data holds {len(buffer)} bytes; {height} rows of step {step} need '
                         f'{height * step}')
    flat = np.frombuffer(buffer, np.uint8, count=(height - 1) * step + row_bytes)
    return np.lib.stride_tricks.as_strided(flat, (height, row_bytes), (step, 1))


def array_fields(array: np.ndarray, encoding: str) -> ImageFields:
    """Describe a C-contiguous array as message fields (rgb8, mono8 or 32FC1, no padding)."""
    expected = {'rgb8': (np.uint8, 3), 'mono8': (np.uint8, 2), '32FC1': (np.float32, 2)}
    if encoding not in expected:
        raise ImageError(f'cannot publish arrays as {encoding!r}: use one of '
                         f'{", ".join(expected)}')
    dtype, ndim = expected[encoding]
    if array.dtype != dtype or array.ndim != ndim or (ndim == 3 and array.shape[2] != 3):
        raise ImageError(f'{encoding} needs a {np.dtype(dtype)} array of {ndim} dimensions, '
                         f'got {array.dtype} {array.shape}')
    array = np.ascontiguousarray(array)
    height, width = array.shape[:2]
    big_endian = array.dtype.itemsize > 1 and not np.little_endian
    # the row length from the shape: strides[0] of a one-row view can be anything
    step = width * array.itemsize * (array.shape[2] if ndim == 3 else 1)
    return ImageFields(height, width, encoding, int(big_endian), step, byte_array(array))


def byte_array(array: np.ndarray) -> pyarray.array:
    """
    Return the bytes of an array as ``array.array('B')``, in one copy: a message's uint8[].

    Every ROS 2 distribution's generated setter stores an ``array.array('B')`` as it is. Other
    values (``bytes`` too) are checked element by element in Python where checks are on:
    always on Humble (its ``if __debug__`` block), on request from Iron on
    (``ROS_PYTHON_CHECK_FIELDS=1``); about 0.1 s for a 640x480 32FC1 map (docs/node.md).
    """
    data = pyarray.array('B')
    data.frombytes(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
    return data


PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
JPEG_SIGNATURE = b'\xff\xd8\xff'
# JPEG start-of-frame markers (SOF0..SOF15 but DHT, JPG and DAC): the segment holding the size
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def compressed_to_rgb(data: bytes, fmt: str) -> np.ndarray:
    """
    Decode a ``sensor_msgs/CompressedImage`` payload (JPEG or PNG) to RGB uint8.

    The size the header declares is checked before decoding: a few hundred bytes can declare
    gigapixels, which the decoders would allocate and fill. Raises ImageError (never anything
    else) for other formats, truncated PNGs, declared sizes above MAX_PIXELS and payloads that
    do not decode.
    """
    data = bytes(data)
    height, width = _declared_size(data, fmt)
    if height * width > MAX_PIXELS:
        raise ImageError(f'compressed image ({fmt!r}) declares {width}x{height} pixels, more '
                         f'than the {MAX_PIXELS} accepted')
    try:
        bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    except cv2.error as exc:  # OpenCV's own checks, e.g. its limit on the size
        raise ImageError(f'compressed image ({fmt!r}, {len(data)} bytes) does not decode: '
                         f'{exc}') from None
    if bgr is None:
        raise ImageError(f'compressed image ({fmt!r}, {len(data)} bytes) does not decode')
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _declared_size(data: bytes, fmt: str) -> Tuple[int, int]:
    """Return the (height, width) of a JPEG or PNG header; raise ImageError for anything else."""
    size = _png_size(data) if data.startswith(PNG_SIGNATURE) else \
        _jpeg_size(data) if data.startswith(JPEG_SIGNATURE) else None
    if size is None:
        raise ImageError(f'compressed image ({fmt!r}, {len(data)} bytes) is not a JPEG or PNG, '
                         "or is truncated: publish with image_transport's compressed transport "
                         '(format jpeg or png)')
    return size


def _png_size(data: bytes) -> Optional[Tuple[int, int]]:
    """
    Return (height, width) from a PNG's IHDR, or None if a chunk runs past the end of the data.

    OpenCV 4.11 allocates (and clears) as many bytes as a chunk's length field says, so a few
    bytes shifted in a short payload could cost seconds and gigabytes.
    """
    if data[12:16] != b'IHDR' or len(data) < 24:  # IHDR comes first
        return None
    at = len(PNG_SIGNATURE)
    while at < len(data) and data[at + 4:at + 8] != b'IEND':
        at += 12 + int.from_bytes(data[at:at + 4], 'big')  # length, type, data, CRC
    if at > len(data):
        return None
    width, height = struct.unpack('>II', data[16:24])
    return height, width


def _jpeg_size(data: bytes) -> Optional[Tuple[int, int]]:
    """Return (height, width) from a JPEG's first frame header, walking markers as libjpeg does."""
    i = 2  # past SOI
    while True:
        i = data.find(b'\xff', i)  # libjpeg skips stray bytes before a marker
        while 0 <= i < len(data) and data[i] == 0xFF:  # and fill bytes
            i += 1
        if i < 0 or i + 1 > len(data):
            return None
        marker = data[i]
        i += 1
        if marker in _JPEG_SOF:  # length (2), precision (1), height (2), width (2)
            return struct.unpack('>HH', data[i + 3:i + 7]) if i + 7 <= len(data) else None
        if marker in (0xD9, 0xDA):  # EOI or SOS before any frame header: nothing to decode
            return None
        if marker not in (0x00, 0x01, 0xD8) and not 0xD0 <= marker <= 0xD7:  # with a length
            i += int.from_bytes(data[i:i + 2], 'big')


def list_images(folder: Path) -> List[Path]:
    """Return the image files of a folder in name order; raise ImageError if there are none."""
    if not folder.is_dir():
        raise ImageError(f'image folder {str(folder)!r} does not exist')
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ImageError(f'image folder {str(folder)!r} holds no {"/".join(IMAGE_SUFFIXES)} '
                         'files')
    return files


def read_rgb(path: Path, max_width: int = 0) -> np.ndarray:
    """Read an image file as an RGB uint8 array, shrunk to ``max_width`` if it is wider."""
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ImageError(f'{str(path)!r} is not a readable image')
    if max_width and bgr.shape[1] > max_width:
        height = max(1, round(bgr.shape[0] * max_width / bgr.shape[1]))
        bgr = cv2.resize(bgr, (max_width, height), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
