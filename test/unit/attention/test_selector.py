"""Gaze targets: inhibition of return across head motion, decay, hysteresis, suppression."""

from dataclasses import replace
import math

from msinet_ros.attention.camera import pinhole
from msinet_ros.attention.selector import AttentionSelector, map_view
from msinet_ros.attention.settings import AttentionSettings
from msinet_ros.errors import ParameterError
import numpy as np
import pytest

CAMERA_SHAPE = (96, 128)
CAMERA = pinhole(128, 96, 60.0)  # f = 64 / tan(30 deg) = 110.85 px, centre (63.5, 47.5)
F = 64 / math.tan(math.radians(30))
STILL = np.eye(4)


def blobs(shape, *spots, width=3.0):
    """Return a map with Gaussian spots (u, v, peak value) of ``width`` pixels."""
    v, u = np.mgrid[0:shape[0], 0:shape[1]]
    out = np.zeros(shape, np.float32)
    for cu, cv, value in spots:
        out = np.maximum(out, value * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * width ** 2)))
    return out


def pan(degrees, translation=(0.0, 0.0, 0.0)):
    """Return T_body_camera of a camera turned right (about its y axis, down) by ``degrees``."""
    a = math.radians(degrees)
    pose = np.eye(4)
    pose[:3, :3] = [[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]]
    pose[:3, 3] = translation
    return pose


def ray(u, v, f=F, cx=63.5, cy=47.5):
    d = np.array([(u - cx) / f, (v - cy) / f, 1.0])
    return d / np.linalg.norm(d)


def angle(a, b):
    return math.degrees(math.acos(np.clip(np.dot(a, b), -1, 1)))


def test_inhibition_of_return_stays_with_the_direction_when_the_head_turns():
    """The attended body direction stays inhibited at its new pixel; its old pixel is free."""
    big = pinhole(256, 192, 60.0)  # shrunk to 128 x 96 by map_width: pixels map back
    f_big = 128 / math.tan(math.radians(30))
    centre = (127.5, 95.5)
    old_direction_now = 127.5 - f_big * math.tan(math.radians(15))  # after a 15 deg pan
    first = blobs((192, 256), (*centre, 1.0), width=6)
    second = blobs((192, 256), (old_direction_now, 95.5, 0.8), (*centre, 0.8), width=6)
    turned, still = AttentionSelector(), AttentionSelector()
    for selector in (turned, still):
        decision = selector.update(first, big, True, STILL, 0.0, 0.0)
        assert decision.status == 'saccade' and decision.fixations == 1
        assert angle(decision.target.direction_body, [0, 0, 1]) < 0.3
        assert np.allclose(decision.target.pixel, centre, atol=0.5)
    # the head turned 15 deg right: the body direction (0, 0, 1) is now left of the centre
    decision = turned.update(second, big, True, pan(15, (0.01, 0.0, 0.4)), 1.0, 0.0)
    assert decision.status == 'saccade' and decision.fixations == 2
    assert np.allclose(decision.target.pixel, centre, atol=0.5)  # the pixel attended before
    assert angle(decision.target.direction_body, pan(15)[:3, 2]) < 0.3
    assert np.allclose(decision.target.origin_body, (0.01, 0.0, 0.4))
    factors = turned.inhibition.factor([[0, 0, 1], pan(15)[:3, 2]], 1.0)
    assert factors[0] < 0.3 and factors[1] < 0.2  # both body directions now inhibited
    # had the head not turned, the same pixels would hold the old direction: it goes left
    decision = still.update(second, big, True, STILL, 1.0, 0.0)
    assert decision.status == 'saccade'
    assert np.allclose(decision.target.pixel, (old_direction_now, 95.5), atol=0.5)


def test_inhibition_is_strong_at_first_and_a_target_returns_only_once_it_has_decayed():
    settings = AttentionSettings(ior_strength=1.0, ior_decay_s=10.0, threshold=0.2,
                                 min_fixation_s=0.5, switch_margin=0.05)
    selector = AttentionSelector(settings)
    a, b = (30, 47, 1.0), (100, 47, 0.8)
    only_a, only_b = blobs(CAMERA_SHAPE, a, width=2), blobs(CAMERA_SHAPE, b, width=2)
    assert selector.update(only_a, CAMERA, True, STILL, 0.0, None).status == 'saccade'
    assert selector.update(only_b, CAMERA, True, STILL, 0.5, None).status == 'saccade'
    assert selector.inhibition.factor([ray(30, 47)], 0.5)[0] < 0.05  # strong at first
    # now only A is visible: its inhibited value 1 - exp(-t / 10) reaches the threshold 0.2
    # at t = 10 ln 1.25 = 2.23 s; until then the target stays B, though B is gone
    statuses = {}
    for step in range(6, 31):
        t = step / 10
        decision = selector.update(only_a, CAMERA, True, STILL, t, None)
        statuses[t] = decision.status
        if decision.status == 'saccade':
            break
    assert {status for t, status in statuses.items() if t < 2.25} == {'hold'}
    assert statuses.get(2.3) == 'saccade' and len(statuses) == 18
    assert angle(decision.target.direction_body, ray(30, 47)) < 0.1
    assert decision.fixations == 3 and decision.selected_at_s == 2.3


def test_a_slightly_stronger_candidate_within_the_margin_does_not_steal_the_target():
    settings = AttentionSettings(ior_strength=0.0, switch_margin=0.05, min_fixation_s=0.5)
    selector = AttentionSelector(settings)
    first = selector.update(blobs(CAMERA_SHAPE, (30, 47, 0.6), (100, 47, 0.5)), CAMERA, True,
                            STILL, 0.0, 0.0)
    assert first.status == 'saccade'
    held = selector.update(blobs(CAMERA_SHAPE, (30, 47, 0.6), (100, 47, 0.63)), CAMERA, True,
                           STILL, 1.0, 0.0)
    assert held.status == 'hold' and held.fixations == 1
    assert np.allclose(held.target.direction_body, first.target.direction_body)
    assert held.target.saliency == pytest.approx(0.6, abs=0.01)
    taken = selector.update(blobs(CAMERA_SHAPE, (30, 47, 0.6), (100, 47, 0.7)), CAMERA, True,
                            STILL, 2.0, 0.0)
    assert taken.status == 'saccade' and taken.fixations == 2 and taken.selected_at_s == 2.0
    assert np.allclose(taken.target.pixel, (100, 47), atol=0.3)


def test_no_new_target_before_the_minimum_fixation_duration():
    selector = AttentionSelector(AttentionSettings(min_fixation_s=0.5))
    assert selector.update(blobs(CAMERA_SHAPE, (30, 47, 1.0)), CAMERA, True, STILL, 0.0,
                           0.0).status == 'saccade'
    both = blobs(CAMERA_SHAPE, (30, 47, 1.0), (100, 47, 0.9))
    for t in (0.1, 0.3, 0.49):
        decision = selector.update(both, CAMERA, True, STILL, t, 0.0)
        assert decision.status == 'hold' and decision.selected_at_s == 0.0
    decision = selector.update(both, CAMERA, True, STILL, 0.5, 0.0)
    assert decision.status == 'saccade' and decision.selected_at_s == 0.5
    assert np.allclose(decision.target.pixel, (100, 47), atol=0.3)


def test_saccadic_suppression_ignores_maps_while_the_head_moves_fast():
    selector = AttentionSelector(AttentionSettings(suppression_speed_deg_s=30.0))
    selector.update(blobs(CAMERA_SHAPE, (30, 47, 1.0)), CAMERA, True, STILL, 0.0, 0.0)
    other = blobs(CAMERA_SHAPE, (100, 47, 1.0))
    decision = selector.update(other, CAMERA, True, pan(5), 1.0, math.radians(100))
    assert decision.status == 'suppressed' and decision.suppressed == 1
    assert decision.fixations == 1 and len(selector.inhibition) == 1  # nothing changed
    assert angle(decision.target.direction_body, ray(30, 47)) < 0.3
    assert selector.update(other, CAMERA, True, pan(5), 1.05, math.radians(31)).suppressed == 2
    slow = selector.update(other, CAMERA, True, STILL, 1.1, math.radians(29))
    assert slow.status == 'saccade' and slow.suppressed == 2 and slow.fixations == 2
    assert len(selector.inhibition) == 2
    # an unknown speed is not suppressed, nor is any speed when the threshold is 0
    off = AttentionSelector(AttentionSettings(suppression_speed_deg_s=0.0))
    assert off.update(other, CAMERA, True, STILL, 0.0, 100.0).status == 'saccade'
    assert AttentionSelector().update(other, CAMERA, True, STILL, 0.0, None).status == \
        'saccade'


def test_a_target_moving_within_sigma_is_pursued_without_new_inhibition():
    selector = AttentionSelector()
    selector.update(blobs(CAMERA_SHAPE, (64, 47, 1.0)), CAMERA, True, STILL, 0.0, 0.0)
    decision = selector.update(blobs(CAMERA_SHAPE, (68, 47, 1.0)), CAMERA, True, STILL, 1.0,
                               0.0)
    assert decision.status == 'pursuit' and decision.fixations == 1
    assert len(selector.inhibition) == 1 and decision.selected_at_s == 0.0
    assert np.allclose(decision.target.pixel, (68, 47), atol=0.2)  # the object, not aside
    assert angle(decision.target.direction_body, ray(68, 47)) < 0.1


def test_nothing_is_selected_below_the_threshold():
    selector = AttentionSelector(AttentionSettings(threshold=0.5))
    decision = selector.update(blobs(CAMERA_SHAPE, (64, 47, 0.4)), CAMERA, True, STILL, 0.0,
                               0.0)
    assert decision.status == 'no_target' and decision.target is None
    assert decision.fixations == 0 and decision.selected_at_s is None
    assert selector.update(np.zeros(CAMERA_SHAPE, np.float32), CAMERA, True, STILL, 1.0,
                           0.0).status == 'no_target'


def test_smoothing_averages_maps_until_the_camera_turns():
    settings = AttentionSettings(ior_strength=0.0, smoothing=0.5, min_fixation_s=0.0)
    a, b = blobs(CAMERA_SHAPE, (30, 47, 1.0)), blobs(CAMERA_SHAPE, (100, 47, 0.9))
    smooth, turned = AttentionSelector(settings), AttentionSelector(settings)
    plain = AttentionSelector(replace(settings, smoothing=0.0))
    for selector in (smooth, turned, plain):
        selector.update(a, CAMERA, True, STILL, 0.0, 0.0)
    averaged = smooth.update(b, CAMERA, True, STILL, 0.1, 0.0)  # A 0.5 beats B 0.45
    assert averaged.status == 'pursuit' and averaged.target.saliency == pytest.approx(0.5)
    assert plain.update(b, CAMERA, True, STILL, 0.1, 0.0).status == 'saccade'
    restarted = turned.update(b, CAMERA, True, pan(2), 0.1, 0.0)  # > 1 deg: not aligned
    assert restarted.status == 'saccade'
    assert restarted.target.saliency == pytest.approx(0.9, abs=0.01)


def test_raw_distorted_maps_select_the_ray_of_the_original_pixel():
    geometry = replace(pinhole(256, 192, 60.0), d=(-0.2, 0.05, 0.0, 0.0, 0.0))
    decision = AttentionSelector().update(blobs((192, 256), (40, 30, 1.0), width=6), geometry,
                                          False, STILL, 0.0, 0.0)
    assert np.allclose(decision.target.pixel, (40, 30), atol=0.5)
    assert angle(decision.target.direction_body, geometry.rays([(40, 30)], False)[0]) < 0.2


def test_time_going_backwards_restarts_but_keeps_the_counts():
    selector = AttentionSelector()
    spot = blobs(CAMERA_SHAPE, (64, 47, 1.0))
    selector.update(spot, CAMERA, True, STILL, 50.0, 0.0)
    decision = selector.update(spot, CAMERA, True, STILL, 1.0, 0.0)
    assert decision.status == 'saccade' and decision.fixations == 2
    assert len(selector.inhibition) == 1


def test_new_settings_apply_to_the_inhibition_and_bad_maps_are_refused():
    selector = AttentionSelector()
    selector.settings = AttentionSettings(ior_sigma_deg=3.0, ior_decay_s=2.0)
    assert (selector.inhibition.sigma_deg, selector.inhibition.decay_s) == (3.0, 2.0)
    with pytest.raises(ParameterError, match='2 dimensions'):
        selector.update(np.zeros((4, 4, 3)), CAMERA, True, STILL, 0.0, 0.0)


def test_the_map_view_shrinks_to_map_width_and_maps_pixels_back():
    view = map_view(pinhole(640, 480, 60.0), (480, 640), 128)
    assert view.shape == (96, 128) and view.geometry.width == 128
    assert view.to_original(0, 0) == pytest.approx((2.0, 2.0))  # centre of the first 5x5
    small = map_view(CAMERA, (96, 128), 200)
    assert small.shape == (96, 128) and small.to_original(3, 4) == (3, 4)


def test_the_attended_target_stays_inhibited_while_attended_and_decays_once_left():
    settings = AttentionSettings(ior_strength=1.0, ior_decay_s=1.0, threshold=0.2,
                                 min_fixation_s=0.5)
    selector = AttentionSelector(settings)
    a, b = (30, 47, 1.0), (100, 47, 0.8)
    only_a, both = blobs(CAMERA_SHAPE, a, width=2), blobs(CAMERA_SHAPE, a, b, width=2)
    assert selector.update(only_a, CAMERA, True, STILL, 0.0, None).status == 'saccade'
    for step in range(1, 51):  # five decay times on A with nothing else in view
        assert selector.update(only_a, CAMERA, True, STILL, step / 10, None).status in (
            'hold', 'pursuit')
    assert selector.inhibition.factor([ray(30, 47)], 5.0)[0] < 0.01  # not decayed: renewed
    assert selector.update(both, CAMERA, True, STILL, 5.1, None).status == 'saccade'  # to B
    # A's inhibition decays from 5.0 s, the last map on which it was attended
    assert selector.inhibition.factor([ray(30, 47)], 6.0)[0] == pytest.approx(
        1 - math.exp(-1.0), abs=0.01)
