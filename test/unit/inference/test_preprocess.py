"""Official letterbox pre/post-processing: sizes, pads, TF parity, round trip, bad frames."""

import cv2
from msinet_ros.errors import ImageError
from msinet_ros.inference.preprocess import (check_frame, choose_size, plan_letterbox,
                                             postprocess, preprocess)
import numpy as np
import pytest

skimage_data = pytest.importorskip('skimage.data',
                                   reason='sample photographs need scikit-image')

# Max abs deviation from the TensorFlow reference of data.py, in grey levels (0..255),
# measured on the sample photographs: about 0.009 shrinking (exact TF box weights) and 0.095
# enlarging (OpenCV's cubic vs TF's, same coefficient and align_corners mapping).
SHRINK_TOLERANCE = 0.02
ENLARGE_TOLERANCE = 0.2


@pytest.mark.parametrize('frame, model, scaled, top, left', [
    ((480, 640), (240, 320), (240, 320), 0, 0),      # same aspect, no padding
    ((720, 1280), (240, 320), (180, 320), 30, 0),    # wide: pad top/bottom
    ((512, 512), (240, 320), (240, 240), 0, 40),     # square into landscape
    ((600, 400), (320, 240), (320, 213), 0, 13),     # portrait: 27 px split 13 / 14
    ((100, 150), (240, 320), (213, 320), 13, 0),     # enlarging
    ((517, 333), (360, 360), (360, 232), 0, 64),
])
def test_letterbox_sizes_and_pads_by_hand(frame, model, scaled, top, left):
    box = plan_letterbox(frame, model)
    assert (box.scaled, box.top, box.left) == (scaled, top, left)
    bottom = model[0] - scaled[0] - top
    right = model[1] - scaled[1] - left
    assert 0 <= bottom - top <= 1 and 0 <= right - left <= 1  # floor top/left, ceil bottom/right


def test_padding_value_is_126():
    x, box = preprocess(np.zeros((720, 1280, 3), np.uint8), (240, 320))
    assert x.shape == (1, 3, 240, 320) and x.dtype == np.float32
    assert (x[0, :, :box.top] == 126).all() and (x[0, :, box.top + 180:] == 126).all()
    assert (x[0, :, box.top:box.top + 180] == 0).all()


def test_auto_size_picks_the_closest_aspect():
    sizes = ((240, 320), (320, 240), (320, 320))
    assert choose_size((480, 640), sizes) == (240, 320)
    assert choose_size((640, 480), sizes) == (320, 240)
    assert choose_size((500, 520), sizes) == (320, 320)


def photos():
    coffee = skimage_data.coffee()
    return {
        'astronaut 512x512': (skimage_data.astronaut(), (240, 320)),
        'chelsea 300x451': (skimage_data.chelsea(), (240, 320)),
        'coffee 480x640': (cv2.resize(coffee, (640, 480)), (240, 320)),
        'coffee portrait': (np.ascontiguousarray(coffee.transpose(1, 0, 2)), (320, 240)),
        'odd 517x333': (cv2.resize(coffee, (333, 517)), (360, 360)),
        'enlarge 100x150': (cv2.resize(skimage_data.chelsea(), (150, 100)), (240, 320)),
    }


@pytest.mark.parametrize('name', list(photos()))
def test_matches_the_tensorflow_reference_of_data_py(name):
    tf_ref = pytest.importorskip('tf_preprocess_reference',
                                 reason='the TensorFlow reference needs tensorflow-cpu')
    frame, model = photos()[name]
    expected = tf_ref.official_preprocess(frame, model)
    ours = preprocess(frame, model)[0][0].transpose(1, 2, 0)
    tolerance = ENLARGE_TOLERANCE if frame.shape[0] < model[0] else SHRINK_TOLERANCE
    assert np.abs(expected - ours).max() <= tolerance


@pytest.mark.parametrize('frame_size, model', [((480, 640), (240, 320)),
                                               ((720, 1280), (240, 320)),
                                               ((640, 480), (320, 240)),
                                               ((500, 500), (240, 320)),
                                               ((90, 70), (320, 320))])
def test_a_peak_round_trips_to_its_pixel(frame_size, model):
    """A bright spot in the frame comes back at the same frame pixel after the round trip."""
    h, w = frame_size
    y, x = int(h * 0.3), int(w * 0.7)
    frame = np.zeros((h, w, 3), np.uint8)
    cv2.circle(frame, (x, y), max(2, min(h, w) // 30), (255, 255, 255), -1)
    model_input, box = preprocess(frame, model)
    as_map = model_input[0, 0] / 255.0  # stands in for a network that copies its input
    back = postprocess(as_map, box)
    assert back.shape == frame_size and back.min() >= 0 and back.max() <= 1
    rows, cols = np.nonzero(back > 0.5)  # the spot's centre is the centroid of its disc
    assert abs(rows.mean() - y) <= 1 and abs(cols.mean() - x) <= 1


def test_grey_and_float_frames_are_accepted():
    assert check_frame(np.zeros((10, 12), np.uint8)).shape == (10, 12, 3)
    assert check_frame(np.zeros((10, 12, 1), np.float64)).dtype == np.float32
    rgb = np.arange(10 * 12 * 3, dtype=np.uint8).reshape(10, 12, 3)
    assert np.array_equal(check_frame(rgb[:, ::-1]), np.ascontiguousarray(rgb[:, ::-1]))


def test_huge_frames_work():
    x, box = preprocess(np.full((8000, 8000, 3), 7, np.uint8), (240, 320))
    assert box.scaled == (240, 240) and np.allclose(x[0, :, :, 40:280], 7, atol=0.01)


@pytest.mark.parametrize('frame, message', [
    (np.zeros((0, 0, 3), np.uint8), 'outside'),
    (np.zeros((1, 1, 3), np.uint8), 'outside'),
    (np.zeros((9000, 10, 3), np.uint8), 'outside'),
    (np.zeros((10, 10, 4), np.uint8), 'shape'),
    (np.zeros((10, 10, 3), np.uint16), 'dtype'),
    (np.full((10, 10, 3), np.nan, np.float32), 'NaN'),
    ([[1, 2], [3, 4]], 'numpy array'),
])
def test_bad_frames_raise_image_errors(frame, message):
    with pytest.raises(ImageError, match=message):
        preprocess(frame, (240, 320))
