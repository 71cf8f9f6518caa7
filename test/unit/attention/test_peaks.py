"""Fixation points: top-k, suppression, thresholds, sub-pixel accuracy, frame coordinates."""

from msinet_ros.attention.peaks import find_fixations, FixationSettings
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
