"""Fixation points: top-k, suppression, thresholds, sub-pixel accuracy, frame coordinates."""

import math

from hypothesis import given, strategies as st
from msinet_ros.attention import peaks
from msinet_ros.attention.peaks import find_fixations, FixationSettings, refine_peak
from msinet_ros.errors import ParameterError
from msinet_ros.inference.preprocess import plan_letterbox
import numpy as np
import pytest


def gaussian(shape, cy, cx, sigma, amplitude=1.0):
    y, x = np.mgrid[:shape[0], :shape[1]]
    return amplitude * np.exp(-((y - cy) ** 2 + (x - cx) ** 2) / (2 * sigma ** 2))


def test_peaks_are_ordered_by_saliency_and_mapped_to_frame_pixels():
    box = plan_letterbox((480, 640), (240, 320))  # scale 0.5
    sal = gaussian((240, 320), 60, 80, 6) + gaussian((240, 320), 180, 250, 6, 0.8)
    fix = find_fixations(sal, box, FixationSettings(top_k=5, min_distance=20))
    assert len(fix) == 2
    assert fix[0].saliency > fix[1].saliency
    # model pixel m averages frame pixels [m, m + 1) * step, step = (in - 1) / (out - 1)
    step_y, step_x = 479 / 239, 639 / 319
    assert abs(fix[0].y - (60.5 * step_y - 0.5)) < 0.1
    assert abs(fix[0].x - (80.5 * step_x - 0.5)) < 0.1
    assert abs(fix[1].y - (180.5 * step_y - 0.5)) < 0.1
    assert abs(fix[1].x - (250.5 * step_x - 0.5)) < 0.1


def test_sub_pixel_refinement_finds_a_peak_between_pixels():
    box = plan_letterbox((240, 320), (240, 320))
    sal = gaussian((240, 320), 100.3, 50.7, 4)
    (fix,) = find_fixations(sal, box, FixationSettings(top_k=1))
    assert abs(fix.y - 100.3) < 0.05 and abs(fix.x - 50.7) < 0.05


def test_padding_is_ignored_and_letterboxed_coordinates_come_back():
    box = plan_letterbox((720, 1280), (240, 320))  # 30 px of padding top and bottom
    sal = np.zeros((240, 320), np.float32)
    sal[:30] = 1.0  # salient padding must not produce a fixation
    sal += gaussian((240, 320), 30 + 90, 160, 5, 0.9)
    (fix,) = find_fixations(sal, box, FixationSettings(top_k=3, threshold_rel=0.5))
    # unpadded row 90 of 180, column 160 of 320; steps 719 / 179 and 1279 / 319
    assert abs(fix.y - (90.5 * 719 / 179 - 0.5)) < 0.1
    assert abs(fix.x - (160.5 * 1279 / 319 - 0.5)) < 0.1


def test_suppression_radius_and_thresholds():
    box = plan_letterbox((240, 320), (240, 320))
    sal = gaussian((240, 320), 100, 100, 3) + gaussian((240, 320), 100, 115, 3, 0.9) + \
        gaussian((240, 320), 200, 300, 3, 0.3)
    near = find_fixations(sal, box, FixationSettings(top_k=5, min_distance=20,
                                                     threshold_abs=0.1, threshold_rel=0.1))
    assert [round(f.x) for f in near] == [100, 300]  # the one 15 px away is suppressed
    far = find_fixations(sal, box, FixationSettings(top_k=5, min_distance=10,
                                                    threshold_abs=0.1, threshold_rel=0.1))
    assert len(far) == 3
    strict = find_fixations(sal, box, FixationSettings(top_k=5, min_distance=10,
                                                       threshold_abs=0.5, threshold_rel=0.1))
    assert len(strict) == 2
    assert find_fixations(sal, box, FixationSettings(top_k=0)) == []


def test_flat_map_has_no_spurious_points_below_threshold():
    box = plan_letterbox((240, 320), (240, 320))
    assert find_fixations(np.zeros((240, 320)), box, FixationSettings()) == []


@pytest.mark.parametrize('kwargs', [{'top_k': -1}, {'min_distance': -1},
                                    {'threshold_abs': 2.0}, {'threshold_rel': -0.1}])
def test_invalid_settings_are_refused(kwargs):
    with pytest.raises(ParameterError):
        FixationSettings(**kwargs)


@pytest.mark.parametrize('frame_size, model', [((720, 1280), (240, 320)),
                                               ((640, 480), (320, 240)),
                                               ((100, 150), (240, 320))])
def test_a_spot_in_the_frame_becomes_a_fixation_at_its_pixel(frame_size, model):
    from msinet_ros.inference.preprocess import preprocess
    y, x = frame_size[0] * 0.4, frame_size[1] * 0.65
    frame = (255 * gaussian(frame_size, y, x, min(frame_size) / 25)).astype(np.uint8)
    model_input, box = preprocess(np.dstack([frame] * 3), model)
    (fix,) = find_fixations(model_input[0, 0] / 255, box, FixationSettings(top_k=1))
    assert abs(fix.y - y) <= 1 and abs(fix.x - x) <= 1


def test_a_peak_on_the_last_model_row_stays_inside_the_frame():
    box = plan_letterbox((480, 640), (64, 64))  # step 479 / 47 > 480 / 48
    sal = np.zeros((64, 64), np.float32)
    sal[box.top + 47, 63] = 1.0
    (fix,) = find_fixations(sal, box, FixationSettings(top_k=1))
    assert fix.y == 479.0 and fix.x == 639.0


# ---- fuzzing (hypothesis; example counts from the profile in test/unit/conftest.py) ------

ANY_FLOAT = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    [0.0, 1.0, -0.0, 1e-300, 1e300, np.nextafter(1.0, 2.0), np.nextafter(0.0, -1.0)])


@given(top_k=st.integers(-3, 60) | ANY_FLOAT | st.sampled_from([np.int64(3), np.uint8(0)]),
       min_distance=ANY_FLOAT | st.floats(0, 1e4), threshold_abs=ANY_FLOAT | st.floats(0, 1),
       threshold_rel=ANY_FLOAT | st.floats(0, 1))
def test_fuzzed_settings_work_or_are_refused_with_parameter_errors(top_k, min_distance,
                                                                   threshold_abs,
                                                                   threshold_rel):
    valid = (isinstance(top_k, (int, np.integer)) and top_k >= 0 and
             math.isfinite(min_distance) and min_distance >= 0 and
             0 <= threshold_abs <= 1 and 0 <= threshold_rel <= 1)
    if not valid:
        with pytest.raises(ParameterError):
            FixationSettings(top_k, min_distance, threshold_abs, threshold_rel)
        return
    settings = FixationSettings(top_k, min_distance, threshold_abs, threshold_rel)
    box = plan_letterbox((48, 64), (24, 32))
    sal = np.random.default_rng(0).random((24, 32))
    assert len(find_fixations(sal, box, settings)) <= top_k


@st.composite
def saliency_maps(draw, shape):
    """Draw a map in 0..1: noise, flat, blobs, spikes, plateaus, tiny values, near 1."""
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    kind = draw(st.sampled_from(['noise', 'flat', 'blobs', 'spikes', 'plateaus']))
    if kind == 'noise':
        sal = rng.random(shape)
    elif kind == 'flat':
        sal = np.full(shape, draw(st.sampled_from([0.0, 1.0, 0.5, 1e-30]) | st.floats(0, 1)))
    elif kind == 'blobs':
        sal = sum(gaussian(shape, rng.uniform(0, shape[0]), rng.uniform(0, shape[1]),
                           rng.uniform(0.5, 10), rng.uniform(0, 1))
                  for _ in range(draw(st.integers(1, 6))))
        sal = sal / max(1.0, sal.max())
    elif kind == 'spikes':
        sal = np.zeros(shape)
        sal.flat[rng.integers(0, sal.size, draw(st.integers(1, 20)))] = rng.random(1)[0]
    else:
        sal = rng.integers(0, draw(st.integers(1, 4)) + 1, shape) / 4.0
    scale = draw(st.sampled_from([1.0, 1.0, 1e-30, 1e-3]))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.float16]))
    return (sal * scale).astype(dtype)


@given(frame=st.tuples(st.integers(8, 3000), st.integers(8, 3000)),
       model=st.tuples(st.integers(1, 12), st.integers(1, 12)).map(
           lambda m: (8 * m[0], 8 * m[1])),
       data=st.data(), padding=st.floats(0, 1),
       top_k=st.integers(0, 12), min_distance=st.floats(0, 1e4) | st.sampled_from([0.0, 1e9]),
       threshold_abs=st.floats(0, 1), threshold_rel=st.floats(0, 1))
def test_fuzzed_maps_give_sorted_separated_fixations_inside_the_frame(
        frame, model, data, padding, top_k, min_distance, threshold_abs, threshold_rel):
    box = plan_letterbox(frame, model)
    region = data.draw(saliency_maps(box.scaled))
    sal = np.full(model, padding, region.dtype)  # the padding must not give fixations
    sal[box.top:box.top + box.scaled[0], box.left:box.left + box.scaled[1]] = region
    settings = FixationSettings(top_k, min_distance, threshold_abs, threshold_rel)
    fixations = find_fixations(sal, box, settings)

    assert len(fixations) <= top_k
    values = region.astype(np.float64)
    peak = float(values.max())
    threshold = max(threshold_abs, threshold_rel * peak)
    if top_k and peak >= threshold_abs:  # the maximum is always a peak above the thresholds
        assert fixations and fixations[0].saliency == peak
    for fix in fixations:
        assert 0 <= fix.y <= frame[0] - 1 and 0 <= fix.x <= frame[1] - 1
        assert threshold <= fix.saliency <= peak and fix.saliency in values
    assert all(a.saliency >= b.saliency for a, b in zip(fixations, fixations[1:]))
    # Peaks are min_distance * box.scale apart in model pixels, a model pixel being
    # axis_map's step in frame pixels; refinement moves each by up to half a model pixel per
    # axis, and clamping into the frame by up to one.
    steps = (box.axis_map(0)[0], box.axis_map(1)[0])
    apart = min_distance * min(steps) * box.scale - 3 * math.hypot(*steps)
    for i, a in enumerate(fixations):
        for b in fixations[:i]:
            assert math.hypot(a.x - b.x, a.y - b.y) >= apart


@given(shape=st.tuples(st.integers(3, 12), st.integers(3, 12)), data=st.data(),
       offset=st.tuples(st.floats(-0.49, 0.49), st.floats(-0.49, 0.49)),
       curvature=st.tuples(st.floats(1e-3, 1e3), st.floats(1e-3, 1e3)),
       level=st.floats(-10, 10))
def test_fuzzed_parabolas_are_refined_to_their_vertex(shape, data, offset, curvature, level):
    row = data.draw(st.integers(1, shape[0] - 2))
    col = data.draw(st.integers(1, shape[1] - 2))
    y, x = np.mgrid[:shape[0], :shape[1]].astype(np.float64)
    sal = level - curvature[0] * (y - row - offset[0]) ** 2 - \
        curvature[1] * (x - col - offset[1]) ** 2
    dy, dx = refine_peak(sal, row, col)
    assert abs(dy - offset[0]) <= 1e-6 and abs(dx - offset[1]) <= 1e-6
    # on the border of the map there is no neighbour to fit: no offset along that axis
    edge_dy, edge_dx = refine_peak(sal, 0, shape[1] - 1)
    assert (edge_dy, edge_dx) == (0.0, 0.0)


@given(neighbourhood=st.lists(st.floats(0, 1), min_size=9, max_size=9))
def test_fuzzed_refinement_stays_within_half_a_pixel(neighbourhood):
    patch = np.array(neighbourhood).reshape(3, 3)
    patch[1, 1] = patch.max()  # a peak
    dy, dx = refine_peak(patch, 1, 1)
    assert -0.5 <= dy <= 0.5 and -0.5 <= dx <= 0.5


@given(shape=st.tuples(st.integers(1, 40), st.integers(1, 40)), radius=st.integers(1, 50),
       levels=st.integers(2, 300), seed=st.integers(0, 2 ** 32 - 1))
def test_the_maximum_filter_is_scipys_with_nearest_edges(shape, radius, levels, seed):
    from scipy import ndimage
    values = np.random.default_rng(seed).integers(0, levels, shape).astype(np.float64) / levels
    np.testing.assert_array_equal(
        peaks.maximum_filter(values, radius),
        ndimage.maximum_filter(values, size=2 * radius + 1, mode='nearest'))
