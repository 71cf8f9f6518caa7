"""Image files and rgb8 message fields."""

import cv2
from hypothesis import given, settings, strategies as st
from image_encodings import encode, smooth_rgb
from msinet_ros.errors import ImageError
from msinet_ros.imaging import array_fields, DECODERS, image_to_rgb, list_images, read_rgb
import numpy as np
import pytest


def test_array_fields_describe_the_array_without_padding():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    fields = array_fields(rgb[:, ::-1], 'rgb8')  # non-contiguous view
    assert (fields.height, fields.width, fields.encoding, fields.step) == (2, 3, 'rgb8', 9)
    assert fields.data == np.ascontiguousarray(rgb[:, ::-1]).tobytes()


@pytest.mark.parametrize('bad', [np.zeros((2, 2), np.uint8), np.zeros((2, 2, 3), np.float32),
                                 np.zeros((2, 2, 4), np.uint8)])
def test_array_fields_reject_other_arrays(bad):
    with pytest.raises(ImageError):
        array_fields(bad, 'rgb8')


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


# ---- decoding sensor_msgs/Image fields -------------------------------------------------


TOLERANCE = {'yuv422': 6, 'yuv422_yuy2': 6, 'mono8': 0, 'mono16': 0}


@pytest.mark.parametrize('encoding', sorted(DECODERS))
@pytest.mark.parametrize('padding', [0, 13])
def test_every_encoding_decodes_with_and_without_row_padding(encoding, padding):
    rgb = smooth_rgb()
    raw = encode(rgb, encoding)
    row = raw.reshape(raw.shape[0], -1).view(np.uint8)
    step = row.shape[1] + padding
    padded = np.full((row.shape[0], step), 0xAB, np.uint8)  # garbage in the padding
    padded[:, :row.shape[1]] = row
    out = image_to_rgb(48, 64, encoding, step, 0, padded.tobytes())
    assert out.shape == (48, 64, 3) and out.dtype == np.uint8
    if encoding.startswith('mono'):
        expected = np.dstack([cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)] * 3)
    else:
        expected = rgb
    inner = (slice(2, -2), slice(2, -2))  # demosaicing differs on the outermost pixels
    tol = TOLERANCE.get(encoding, 3 if encoding.startswith('bayer') else 0)
    assert np.abs(out[inner].astype(int) - expected[inner]).max() <= tol


def test_big_endian_mono16():
    values = np.array([[0x1234, 0xFF00]], '>u2')
    out = image_to_rgb(1, 2, 'mono16', 4, 1, values.tobytes())
    assert out[0, :, 0].tolist() == [0x12, 0xFF]


def test_rgb8_is_decoded_without_copying():
    data = bytearray(smooth_rgb().tobytes())
    out = image_to_rgb(48, 64, 'rgb8', 64 * 3, 0, data)
    data[0] = 0 if data[0] else 1
    assert out[0, 0, 0] == data[0]


@pytest.mark.parametrize('args, message', [
    ((4, 4, '16UC3', 24, 0, bytes(96)), 'unsupported encoding'),
    ((0, 4, 'rgb8', 12, 0, b''), 'empty or too large'),
    ((100000, 100000, 'rgb8', 300000, 0, b''), 'empty or too large'),
    ((4, 4, 'rgb8', 11, 0, bytes(48)), 'shorter than one row'),
    ((4, 4, 'rgb8', 12, 0, bytes(47)), 'data holds 47 bytes'),
    ((4, 3, 'yuv422', 6, 0, bytes(24)), 'even width'),
])
def test_malformed_fields_raise_image_errors(args, message):
    with pytest.raises(ImageError, match=message):
        image_to_rgb(*args)


@settings(max_examples=300, deadline=None)
@given(height=st.integers(-2, 40), width=st.integers(-2, 40),
       encoding=st.sampled_from(sorted(DECODERS) + ['32FC1', '']),
       step=st.integers(-4, 200), is_bigendian=st.integers(0, 1),
       size=st.integers(0, 6000))
def test_fuzzed_fields_give_an_image_or_an_image_error(
        height, width, encoding, step, is_bigendian, size):
    try:
        out = image_to_rgb(height, width, encoding, step, is_bigendian, bytes(size))
    except ImageError:
        return
    assert out.shape == (height, width, 3) and out.dtype == np.uint8


def test_matches_cv_bridge_where_installed():
    cv_bridge = pytest.importorskip('cv_bridge', reason='cv_bridge is not installed here')
    from sensor_msgs.msg import Image
    bridge = cv_bridge.CvBridge()
    rgb = smooth_rgb()
    for encoding in sorted(DECODERS):
        raw = np.ascontiguousarray(encode(rgb, encoding))
        msg = Image(height=48, width=64, encoding=encoding, is_bigendian=0,
                    step=raw.strides[0])
        msg.data = raw.tobytes()
        expected = bridge.imgmsg_to_cv2(msg, 'rgb8')
        ours = image_to_rgb(48, 64, encoding, raw.strides[0], 0, msg.data)
        assert np.array_equal(ours, expected), encoding


def test_single_channel_maps_and_depth_decode_to_float_with_their_scale():
    from msinet_ros.imaging import image_to_float
    values = (np.arange(12, dtype=np.float32) / 11).reshape(3, 4)
    fields = array_fields(values, '32FC1')
    assert np.array_equal(image_to_float(3, 4, '32FC1', fields.step, 0, fields.data), values)
    millimetres = (np.arange(12) * 1000).astype('>u2').reshape(3, 4)
    padded = np.zeros((3, 10), np.uint8)
    padded[:, :8] = millimetres.view(np.uint8).reshape(3, 8)
    assert np.array_equal(image_to_float(3, 4, '16UC1', 10, 1, padded.tobytes()), millimetres)
    assert image_to_float(1, 2, 'mono8', 2, 0, bytes([0, 255]))[0, 1] == 1.0
    with pytest.raises(ImageError, match='unsupported encoding'):
        image_to_float(1, 1, 'rgb8', 3, 0, bytes(3))
    with pytest.raises(ImageError, match='data holds'):
        image_to_float(2, 2, '32FC1', 8, 0, bytes(8))
