"""
Conversions between image arrays and ``sensor_msgs/Image`` fields, without ROS.

Functions here take and return plain values (height, width, encoding, step, data) so that
they can be tested and fuzzed without rclpy; the nodes only copy fields in and out.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import List

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
    data: bytes


def rgb8_fields(rgb: np.ndarray) -> ImageFields:
    """Describe an ``(H, W, 3)`` uint8 RGB array as rgb8 message fields (no row padding)."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ImageError(f'expected an (H, W, 3) uint8 RGB array, got {rgb.dtype} {rgb.shape}')
    height, width = rgb.shape[:2]
    return ImageFields(height, width, 'rgb8', 0, width * 3,
                       np.ascontiguousarray(rgb).tobytes())


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
