"""Saliency pictures: 8/16-bit maps, heat-map overlays, fixation markers, scanpaths."""

from msinet_ros.attention.peaks import Fixation
from msinet_ros.errors import ParameterError
from msinet_ros.visualization import (COLORMAPS, draw_fixations, draw_scanpath, heatmap_overlay,
                                      to_mono16, to_mono8)
import numpy as np
import pytest

JET_LOW_RGB = (0, 0, 128)  # OpenCV's jet at 0: dark blue
JET_HIGH_RGB = (128, 0, 0)  # and at 255: dark red


def test_mono_maps_clip_to_0_1_and_round_to_the_nearest_level():
    saliency = np.array([[-0.5, 0.0, 0.2, 0.5, 1.0, 3.0]], np.float32)
    mono8 = to_mono8(saliency)
    assert mono8.dtype == np.uint8
    assert mono8.tolist() == [[0, 0, 51, 128, 255, 255]]
    mono16 = to_mono16(saliency)
    assert mono16.dtype == np.uint16
    assert mono16.tolist() == [[0, 0, 13107, 32768, 65535, 65535]]


def test_overlay_at_full_opacity_is_the_colormap_in_rgb_order():
    rgb = np.full((6, 8, 3), 77, np.uint8)
    high = heatmap_overlay(rgb, np.ones((6, 8), np.float32), 'jet', opacity=1.0)
    low = heatmap_overlay(rgb, np.zeros((6, 8), np.float32), 'jet', opacity=1.0)
    assert high.shape == (6, 8, 3) and high.dtype == np.uint8
    assert (high == JET_HIGH_RGB).all() and (low == JET_LOW_RGB).all()


def test_overlay_blends_by_opacity_and_leaves_the_frame_alone():
    rgb = np.random.default_rng(0).integers(0, 256, (6, 8, 3), dtype=np.uint8)
    original = rgb.copy()
    saliency = np.ones((6, 8), np.float32)
    assert np.array_equal(heatmap_overlay(rgb, saliency, opacity=0.0), rgb)
    half = heatmap_overlay(rgb, saliency, opacity=0.5).astype(int)
    expected = (rgb.astype(int) + np.array(JET_HIGH_RGB)) / 2
    assert np.abs(half - expected).max() <= 1
    assert np.array_equal(rgb, original)


def test_overlay_scales_a_model_resolution_map_to_the_frame():
    saliency = np.array([[0.0, 1.0], [0.0, 1.0]], np.float32)  # left low, right high
    out = heatmap_overlay(np.zeros((40, 80, 3), np.uint8), saliency, 'jet', opacity=1.0)
    assert out.shape == (40, 80, 3)
    assert (out[:, 0] == JET_LOW_RGB).all() and (out[:, -1] == JET_HIGH_RGB).all()


@pytest.mark.parametrize('name', sorted(COLORMAPS))
def test_every_offered_colormap_draws(name):
    out = heatmap_overlay(np.zeros((4, 4, 3), np.uint8),
                          np.linspace(0, 1, 16, dtype=np.float32).reshape(4, 4), name, 1.0)
    assert out.shape == (4, 4, 3) and len(np.unique(out.reshape(-1, 3), axis=0)) > 1


@pytest.mark.parametrize('kwargs, message', [
    ({'colormap': 'rainbow'}, "unknown colormap 'rainbow'"),
    ({'opacity': 1.5}, 'outside 0..1'),
    ({'opacity': -0.1}, 'outside 0..1'),
])
def test_overlay_refuses_unknown_colormaps_and_opacities_outside_0_1(kwargs, message):
    with pytest.raises(ParameterError, match=message):
        heatmap_overlay(np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4), np.float32), **kwargs)


def test_draw_fixations_marks_each_point_in_place_and_nothing_far_away():
    rgb = np.zeros((400, 400, 3), np.uint8)  # marker radius 400 / 40 = 10 pixels
    out = draw_fixations(rgb, [Fixation(100.6, 200.6, 0.9), Fixation(300.0, 100.0, 0.5)])
    assert out is rgb
    for x, y in ((101, 201), (300, 100)):  # centres rounded to the nearest pixel
        assert tuple(rgb[y, x]) == (255, 0, 0)  # red dot, RGB order
        near = rgb[y - 5:y + 6, x - 5:x + 6].astype(int)
        rows, cols = np.nonzero((near[..., 0] == 255) & (near[..., 1] + near[..., 2] == 0))
        assert (rows.mean(), cols.mean()) == (5.0, 5.0)  # the dot is centred there
        assert tuple(rgb[y, x + 10]) == (255, 255, 255)  # white ring at the radius
        assert not rgb[y + 20:y + 40, x - 5:x + 5].any()  # below the marker: untouched
    assert not rgb[300:, 200:].any()


def test_draw_fixations_without_points_changes_nothing():
    rgb = np.full((30, 30, 3), 9, np.uint8)
    assert np.array_equal(draw_fixations(rgb, []), np.full((30, 30, 3), 9, np.uint8))


def test_draw_fixations_numbers_points_by_rank():
    ranks = []
    for count in (1, 2):
        rgb = np.zeros((400, 400, 3), np.uint8)
        draw_fixations(rgb, [Fixation(50.0, 350.0, 0.9)] * (count - 1) +
                       [Fixation(200.0, 200.0, 0.5)])
        ranks.append(rgb[160:188, 209:240].copy())  # the label only (no ring pixels here)
    assert ranks[0].any() and ranks[1].any()
    assert not np.array_equal(ranks[0], ranks[1])  # '1' alone, then '2' for the second point


def test_draw_scanpath_joins_numbered_circles_in_order():
    rgb = np.zeros((400, 400, 3), np.uint8)  # circle radius 10 pixels
    path = [Fixation(100.0, 100.0, 0.9), Fixation(300.0, 100.0, 0.7), Fixation(300.0, 300.0, 0.5)]
    assert draw_scanpath(rgb, path) is rgb
    for f in path:
        assert tuple(rgb[int(f.y), int(f.x)]) == (0, 0, 255)  # blue dot at each fixation
        assert tuple(rgb[int(f.y) + 10, int(f.x)]) == (255, 255, 0)  # ring at the radius
    assert tuple(rgb[100, 200]) == (255, 255, 0)  # line from the first to the second
    assert tuple(rgb[200, 300]) == (255, 255, 0)  # and from the second to the third
    assert not rgb[200, 200].any()  # no line from the third back to the first
    assert not rgb[190:210, 90:110].any()


def test_draw_scanpath_numbers_fixations_and_draws_nothing_without_any():
    rgb = np.full((30, 30, 3), 9, np.uint8)
    assert np.array_equal(draw_scanpath(rgb, []), np.full((30, 30, 3), 9, np.uint8))
    labels = []
    for count in (1, 2):
        rgb = np.zeros((400, 400, 3), np.uint8)
        draw_scanpath(rgb, [Fixation(200.0, 50.0, 0.9)] * (count - 1) +
                      [Fixation(200.0, 200.0, 0.5)])
        labels.append(rgb[212:240, 209:240].copy())  # below right of the circle: the label
    assert labels[0].any() and not np.array_equal(labels[0], labels[1])
