"""The official ``data.py`` letterbox in TensorFlow 1 ops (test-only reference)."""

import os

import numpy as np

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1


def official_preprocess(frame: np.ndarray, target) -> np.ndarray:
    """Return the (H, W, 3) float32 model input the official code makes from an RGB frame."""
    height, width = frame.shape[:2]
    ratio = min(target[0] / height, target[1] / width)
    size = [int(round(height * ratio)), int(round(width * ratio))]
    image = tf.constant(frame[None].astype(np.float32))
    shrinking = height > size[0] or width > size[1]
    if shrinking:
        image = tf1.image.resize_area(image, size, align_corners=True)
    else:
        image = tf1.image.resize_bicubic(image, size, align_corners=True)
    image = tf.clip_by_value(image[0], 0.0, 255.0)
    pad_v, pad_h = (target[0] - size[0]) / 2, (target[1] - size[1]) / 2
    padding = [[int(np.floor(pad_v)), int(np.ceil(pad_v))],
               [int(np.floor(pad_h)), int(np.ceil(pad_h))], [0, 0]]
    return tf.pad(image, padding, constant_values=126.0).numpy()
