"""Make sensor_msgs/Image bytes of every supported encoding from RGB (test helper)."""

import cv2
import numpy as np


def smooth_rgb(height=48, width=64):
    """Return a smooth colour image (demosaicing and chroma subsampling are near-exact on it)."""
    y, x = np.mgrid[:height, :width].astype(np.float32)
    return np.dstack([x / width * 200 + 20, y / height * 200 + 20,
                      (x + y) / (width + height) * 150 + 50]).astype(np.uint8)


def encode(rgb, encoding):
    """Make the message bytes of an encoding from an RGB image (independently of the decoder)."""
    if encoding == 'rgb8':
        return rgb
    if encoding == 'bgr8':
        return rgb[..., ::-1]
    if encoding in ('rgba8', 'bgra8'):
        base = rgb if encoding == 'rgba8' else rgb[..., ::-1]
        return np.dstack([base, np.full(rgb.shape[:2], 255, np.uint8)])
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    if encoding == 'mono8':
        return grey
    if encoding == 'mono16':
        return grey.astype('<u2') * 256 + 77  # low byte is dropped by the 8-bit scaling
    if encoding.startswith('yuv422'):
        r, g, b = (rgb[..., i].astype(np.float32) / 255 for i in range(3))
        y = 16 + 65.481 * r + 128.553 * g + 24.966 * b  # BT.601 video range, as ROS/OpenCV
        u = 128 - 37.797 * r - 74.203 * g + 112.0 * b
        v = 128 + 112.0 * r - 93.786 * g - 18.214 * b
        u2 = (u[:, 0::2] + u[:, 1::2]) / 2
        v2 = (v[:, 0::2] + v[:, 1::2]) / 2
        packed = np.empty((rgb.shape[0], rgb.shape[1] * 2), np.float32)
        if encoding == 'yuv422':  # UYVY
            packed[:, 0::4], packed[:, 1::4], packed[:, 2::4], packed[:, 3::4] = \
                u2, y[:, 0::2], v2, y[:, 1::2]
        else:  # YUYV
            packed[:, 0::4], packed[:, 1::4], packed[:, 2::4], packed[:, 3::4] = \
                y[:, 0::2], u2, y[:, 1::2], v2
        return np.round(packed).astype(np.uint8)
    pattern = encoding.split('_')[1][:4]  # e.g. rggb: colours at (0,0) (0,1) (1,0) (1,1)
    channel = {'r': 0, 'g': 1, 'b': 2}
    mosaic = np.empty(rgb.shape[:2], np.uint8)
    for i, (dy, dx) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        mosaic[dy::2, dx::2] = rgb[dy::2, dx::2, channel[pattern[i]]]
    return mosaic
