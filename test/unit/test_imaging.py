"""Image files and rgb8 message fields."""

import cv2
from msinet_ros.errors import ImageError
from msinet_ros.imaging import list_images, read_rgb, rgb8_fields
import numpy as np
import pytest


def test_rgb8_fields_describe_the_array_without_padding():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    fields = rgb8_fields(rgb[:, ::-1])  # non-contiguous view
    assert (fields.height, fields.width, fields.encoding, fields.step) == (2, 3, 'rgb8', 9)
    assert fields.data == np.ascontiguousarray(rgb[:, ::-1]).tobytes()


@pytest.mark.parametrize('bad', [np.zeros((2, 2), np.uint8), np.zeros((2, 2, 3), np.float32),
                                 np.zeros((2, 2, 4), np.uint8)])
def test_rgb8_fields_reject_other_arrays(bad):
    with pytest.raises(ImageError):
        rgb8_fields(bad)


def test_read_rgb_returns_rgb_order_and_shrinks_wide_images(tmp_path):
    bgr = np.zeros((100, 400, 3), np.uint8)
    bgr[..., 2] = 255  # red in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / 'red.png'), bgr)
    rgb = read_rgb(tmp_path / 'red.png', max_width=200)
    assert rgb.shape == (50, 200, 3)
    assert (rgb[..., 0] == 255).all() and (rgb[..., 2] == 0).all()


def test_list_images_sorts_and_filters(tmp_path):
    for name in ('b.png', 'a.JPG', 'notes.txt'):
        (tmp_path / name).write_bytes(b'')
    assert [p.name for p in list_images(tmp_path)] == ['a.JPG', 'b.png']


def test_bad_folders_and_files_give_image_errors(tmp_path):
    with pytest.raises(ImageError, match='does not exist'):
        list_images(tmp_path / 'missing')
    with pytest.raises(ImageError, match='holds no'):
        list_images(tmp_path)
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(ImageError, match='not a readable image'):
        read_rgb(tmp_path / 'broken.png')
