"""Official letterbox pre/post-processing: sizes, pads, TF parity, round trip, bad frames."""

import cv2
from hypothesis import given, strategies as st
from msinet_ros.errors import ImageError
from msinet_ros.inference.preprocess import (check_frame, choose_size, MAX_SIDE, MIN_SIDE,
                                             PAD_VALUE, plan_letterbox, postprocess,
                                             preprocess)
import numpy as np
import pytest

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
    """Return name -> (function returning the photograph, model size)."""
    def sample(name):
        data = pytest.importorskip('skimage.data', reason='sample photographs need scikit-image')
        return getattr(data, name)()

    return {
        'astronaut 512x512': (lambda: sample('astronaut'), (240, 320)),
        'chelsea 300x451': (lambda: sample('chelsea'), (240, 320)),
        'coffee 480x640': (lambda: cv2.resize(sample('coffee'), (640, 480)), (240, 320)),
        'coffee portrait': (lambda: np.ascontiguousarray(sample('coffee').transpose(1, 0, 2)),
                            (320, 240)),
        'odd 517x333': (lambda: cv2.resize(sample('coffee'), (333, 517)), (360, 360)),
        'enlarge 100x150': (lambda: cv2.resize(sample('chelsea'), (150, 100)), (240, 320)),
    }


@pytest.mark.parametrize('name', list(photos()))
def test_matches_the_tensorflow_reference_of_data_py(name):
    tf_ref = pytest.importorskip('tf_preprocess_reference',
                                 reason='the TensorFlow reference needs tensorflow-cpu')
    load, model = photos()[name]
    frame = load()
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


# ---- fuzzing (hypothesis; example counts from the profile in test/unit/conftest.py) ------

FRAME_DTYPES = ['u1', 'f4', 'f8', '>f4', 'f2', 'u2', 'i4', '?', 'c8', 'O']


@st.composite
def frames(draw):
    """Draw an array of random dims, sides, dtype, layout and values (NaN/inf included)."""
    ndim = draw(st.integers(0, 4))
    side = st.one_of(st.integers(0, 40), st.sampled_from([MAX_SIDE, MAX_SIDE + 1, 10 ** 5]))
    shape = [draw(side) for _ in range(min(ndim, 2))] + \
        [draw(st.sampled_from([1, 3, 0, 2, 4]) | st.integers(0, 5)) for _ in range(ndim - 2)]
    dtype = np.dtype(draw(st.sampled_from(FRAME_DTYPES)))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    if np.prod(shape) > 10 ** 5:  # huge: too tall, one value broadcast (refused, not copied)
        shape[0] = draw(st.sampled_from([MAX_SIDE + 1, 10 ** 5]))
        return np.broadcast_to(np.zeros((), dtype), shape)
    low, high = draw(st.sampled_from([(0, 255), (0, 1), (-1e6, 1e6), (254.5, 300)]))
    frame = rng.uniform(low, high, shape)
    if dtype.kind == 'f' and frame.size and draw(st.booleans()):
        special = draw(st.sampled_from([np.nan, np.inf, -np.inf, 1e300]))
        frame.flat[rng.integers(0, frame.size)] = special
    with np.errstate(all='ignore'):
        frame = frame.astype(dtype) if dtype.kind != 'u' else \
            np.clip(frame, 0, np.iinfo(dtype).max).astype(dtype)
    if ndim >= 2 and draw(st.booleans()):  # a view with negative strides
        frame = frame[::-1, ::-1]
    return frame


def _acceptable(frame) -> bool:
    """Return whether check_frame's documented rules accept a frame."""
    if frame.ndim == 3 and frame.shape[2] == 1:
        frame = frame[..., 0]
    return ((frame.ndim == 2 or (frame.ndim == 3 and frame.shape[2] == 3))
            and MIN_SIDE <= min(frame.shape[:2]) and max(frame.shape[:2]) <= MAX_SIDE
            and (frame.dtype == np.uint8 or (frame.dtype in (np.float32, np.float64)
                                             and bool(np.isfinite(frame).all()))))


@given(frame=frames())
def test_fuzzed_frames_are_checked_or_refused_with_image_errors(frame):
    if not _acceptable(frame):
        with pytest.raises(ImageError):
            check_frame(frame)
        with pytest.raises(ImageError):
            preprocess(frame, (32, 32))
        return
    out = check_frame(frame)
    grey = frame.reshape(frame.shape[:2]) if frame.ndim == 2 or frame.shape[2] == 1 else None
    expected = np.dstack([grey] * 3) if grey is not None else frame
    assert out.shape == frame.shape[:2] + (3,) and out.flags.c_contiguous
    if frame.dtype == np.uint8:
        assert out.dtype == np.uint8 and np.array_equal(out, expected)
    else:
        assert out.dtype == np.float32
        assert np.array_equal(out, np.clip(expected, 0, 255).astype(np.float32))


@given(frame=st.tuples(st.integers(1, 10 ** 5), st.integers(1, 10 ** 5)),
       model=st.tuples(st.integers(1, 2048), st.integers(1, 2048)))
def test_fuzzed_letterboxes_keep_the_aspect_ratio_and_pad_symmetrically(frame, model):
    box = plan_letterbox(frame, model)
    assert (box.frame, box.model) == (frame, model)
    ratio = min(model[0] / frame[0], model[1] / frame[1])
    for axis in (0, 1):
        assert 1 <= box.scaled[axis] <= model[axis]
        exact = frame[axis] * ratio  # the aspect ratio is kept up to rounding
        assert abs(box.scaled[axis] - exact) <= 0.5 + 1e-9 or box.scaled[axis] == 1
    assert box.scaled[0] == model[0] or box.scaled[1] == model[1]  # one side fills
    for before, size, scaled in ((box.top, model[0], box.scaled[0]),
                                 (box.left, model[1], box.scaled[1])):
        after = size - scaled - before  # floor before, ceil after
        assert 0 <= before and 0 <= after - before <= 1


@given(frame=st.tuples(st.integers(MIN_SIDE, 200), st.integers(MIN_SIDE, 200)),
       model=st.tuples(st.integers(1, 20), st.integers(1, 20)).map(
           lambda m: (8 * m[0], 8 * m[1])),
       dtype=st.sampled_from(['u1', 'f4', 'f8']), content=st.sampled_from(['noise', 'flat']),
       value_range=st.sampled_from([(0, 255), (0, 1), (100, 101), (-50, 400)]),
       seed=st.integers(0, 2 ** 32 - 1))
def test_fuzzed_frames_letterbox_into_the_model_input(frame, model, dtype, content,
                                                      value_range, seed):
    rng = np.random.default_rng(seed)
    shape = frame + (3,)
    values = np.full(shape, rng.uniform(*value_range)) if content == 'flat' else \
        rng.uniform(*value_range, shape)
    image = np.clip(values, 0, 255).astype(dtype) if dtype == 'u1' else values.astype(dtype)
    x, box = preprocess(image, model)
    assert x.shape == (1, 3) + model and x.dtype == np.float32
    inside = np.zeros(model, bool)
    inside[box.top:box.top + box.scaled[0], box.left:box.left + box.scaled[1]] = True
    assert (x[0][:, ~inside] == PAD_VALUE).all()
    inner = x[0][:, inside]
    clipped = np.clip(image.astype(np.float64), 0, 255)
    assert 0 <= inner.min() and inner.max() <= 255
    if box.scaled == frame:  # no resize: the frame itself
        assert np.array_equal(inner, clipped.astype(np.float32).transpose(2, 0, 1).reshape(3, -1))
    elif content == 'flat':  # both filters keep a constant
        assert np.abs(inner - clipped[0, 0, 0]).max() <= 1e-3 * max(1.0, clipped[0, 0, 0])
    elif box.shrinking:  # area averages stay within the frame's range
        assert clipped.min() - 1e-3 <= inner.min() and inner.max() <= clipped.max() + 1e-3


@given(frame=st.tuples(st.integers(MIN_SIDE, 300), st.integers(MIN_SIDE, 300)),
       model=st.tuples(st.integers(1, 20), st.integers(1, 20)).map(
           lambda m: (8 * m[0], 8 * m[1])),
       seed=st.integers(0, 2 ** 32 - 1))
def test_a_uint8_frame_preprocesses_bit_for_bit_as_its_float32_copy(frame, model, seed):
    """The area filter gathers uint8 taps and converts them in the product: no rounding differs."""
    image = np.random.default_rng(seed).integers(0, 256, frame + (3,), np.uint8)
    assert np.array_equal(preprocess(image, model)[0],
                          preprocess(image.astype(np.float32), model)[0])


@given(frame=st.tuples(st.integers(MIN_SIDE, 500), st.integers(MIN_SIDE, 500)),
       model=st.tuples(st.integers(1, 30), st.integers(1, 30)).map(
           lambda m: (8 * m[0], 8 * m[1])),
       level=st.floats(0, 1), spread=st.sampled_from([0.0, 1.0, 1e6]),
       padding=st.floats(-1e6, 1e6), seed=st.integers(0, 2 ** 32 - 1))
def test_fuzzed_maps_come_back_at_frame_size_within_0_to_1(frame, model, level, spread,
                                                           padding, seed):
    box = plan_letterbox(frame, model)
    rng = np.random.default_rng(seed)
    saliency = np.full(model, padding, np.float32)  # whatever the padding holds is cut off
    region = (slice(box.top, box.top + box.scaled[0]), slice(box.left, box.left + box.scaled[1]))
    saliency[region] = level + spread * rng.standard_normal(box.scaled)
    out = postprocess(saliency, box)
    assert out.shape == frame and out.dtype == np.float32
    assert 0 <= out.min() and out.max() <= 1
    if spread == 0:  # a constant map stays that constant
        assert np.abs(out - np.float32(level)).max() <= 1e-6
