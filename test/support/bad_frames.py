"""Malformed camera messages for the fault tests, each built from a good one and broken one way."""

import array
from typing import Dict

import cv2
import numpy as np
from sensor_msgs.msg import CompressedImage, Image
from std_msgs.msg import Header


def raw_copy(msg: Image, **changes) -> Image:
    """Return a copy of a raw image (a header of its own) with some fields replaced."""
    fields = {name: getattr(msg, name) for name in
              ('height', 'width', 'encoding', 'is_bigendian', 'step')}
    fields['header'] = Header(stamp=msg.header.stamp, frame_id=msg.header.frame_id)
    fields.update({k: v for k, v in changes.items() if k != 'data'})
    copy = Image(**fields)
    copy.data = array.array('B', bytes(changes.get('data', msg.data)))  # not checked per byte
    return copy


def malformed_images(good: Image) -> Dict[str, Image]:
    """Return broken copies of an unpadded raw image by what is wrong with them."""
    row = good.step
    return {
        'short data': raw_copy(good, data=bytes(good.data)[:len(good.data) // 2]),
        'step shorter than a row': raw_copy(good, step=row - 1),
        'step longer than the data allows': raw_copy(good, step=row + 16),
        'unknown encoding': raw_copy(good, encoding='16UC3'),
        'zero size': raw_copy(good, height=0, width=0, step=0, data=b''),
        'gigapixels declared': raw_copy(good, height=100_000, width=100_000, step=300_000),
    }


def compressed(rgb: np.ndarray, fmt: str) -> CompressedImage:
    """Return a CompressedImage of an RGB array in ``fmt`` (jpeg, png or bmp)."""
    ok, payload = cv2.imencode(f'.{fmt}', cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok, fmt
    msg = CompressedImage(format=fmt)
    msg.data = payload.tobytes()
    return msg


def garbage_compressed(rgb: np.ndarray) -> Dict[str, CompressedImage]:
    """Return CompressedImage payloads that must not decode, by what is wrong with them."""
    png = bytes(compressed(rgb, 'png').data)
    huge = bytearray(png)
    huge[16:24] = (100_000).to_bytes(4, 'big') * 2  # IHDR width, height (CRC not fixed)
    noise = np.random.default_rng(0).integers(0, 256, 1000, np.uint8).tobytes()
    messages = {'random bytes': ('jpeg', noise), 'empty payload': ('jpeg', b''),
                'truncated png': ('png', png[:len(png) // 2]),
                'png declaring gigapixels': ('png', bytes(huge)),
                'bmp': ('bmp', bytes(compressed(rgb, 'bmp').data))}
    result = {}
    for name, (fmt, payload) in messages.items():
        msg = CompressedImage(format=fmt)
        msg.data = payload
        result[name] = msg
    return result
