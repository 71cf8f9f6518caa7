"""Scanpaths on still images: inhibition of return visits salient spots in order."""

import math

from msinet_ros.attention.camera import pinhole
from msinet_ros.attention.scanpath import scanpath
from msinet_ros.attention.settings import AttentionSettings
from msinet_ros.errors import ParameterError
import numpy as np
import pytest

# four separated blobs (x, y, peak) on a 320 x 240 map, listed in order of saliency
BLOBS = [(80.0, 60.0, 1.0), (250.0, 180.0, 0.85), (240.0, 50.0, 0.7), (70.0, 190.0, 0.55)]


def blob_map(spots, shape=(240, 320), width=8.0):
    v, u = np.mgrid[0:shape[0], 0:shape[1]]
    out = np.zeros(shape, np.float32)
    for cu, cv, value in spots:
        out = np.maximum(out, value * np.exp(-((u - cu) ** 2 + (v - cv) ** 2) / (2 * width ** 2)))
    return out


def visited(fixations):
    """Return the index of the blob nearest each fixation."""
    return [int(np.argmin([math.hypot(f.x - x, f.y - y) for x, y, _ in BLOBS]))
            for f in fixations]


def test_a_scanpath_visits_the_blobs_in_order_of_saliency_without_revisits():
    path = scanpath(blob_map(BLOBS), len(BLOBS))
    assert visited(path) == [0, 1, 2, 3]
    for fixation, (x, y, value) in zip(path, BLOBS):
        assert math.hypot(fixation.x - x, fixation.y - y) < 1.0  # original map pixels
        assert fixation.saliency == pytest.approx(value, abs=0.02)


def test_a_scanpath_stops_when_nothing_above_the_threshold_is_left():
    full = AttentionSettings(ior_strength=1.0, min_fixation_s=0.0)  # time stands still
    assert len(scanpath(blob_map(BLOBS), 10, settings=full)) == len(BLOBS)
    assert scanpath(np.zeros((24, 32), np.float32), 3) == []
    assert scanpath(blob_map(BLOBS), 0) == []


def test_with_a_short_decay_a_scanpath_returns_to_the_first_blob():
    three = BLOBS[:3]
    # each fixation lasts 1 s; after 3 s the first blob's inhibition (0.9 e^(-3/2.5) = 0.27)
    # no longer holds it below the others' (0.85 (1 - 0.9 e^(-2/2.5)) = 0.51, 0.07)
    fast = AttentionSettings(ior_decay_s=2.5, min_fixation_s=1.0)
    path = scanpath(blob_map(three), 4, settings=fast)
    assert visited(path) == [0, 1, 2, 0]
    slow = AttentionSettings(ior_decay_s=100.0, min_fixation_s=1.0, ior_strength=1.0)
    assert 0 not in visited(scanpath(blob_map(three), 4, settings=slow))[1:]


def test_the_field_of_view_sets_how_far_inhibition_reaches():
    # two blobs 40 px apart: 7.5 deg at a 60 deg field of view, 1.3 deg at 10 deg
    spots = [(140.0, 120.0, 1.0), (180.0, 120.0, 0.9)]
    wide = scanpath(blob_map(spots, width=4.0), 2, horizontal_fov_deg=60.0)
    narrow = scanpath(blob_map(spots, width=4.0), 2, horizontal_fov_deg=10.0)
    assert [round(f.x) for f in wide] == [140, 180]
    # the second blob lies inside the first one's inhibition: below the threshold, no more
    assert [round(f.x) for f in narrow] == [140]


def test_a_given_camera_model_is_used_and_nonsense_is_refused():
    geometry = pinhole(320, 240, 60.0)
    assert scanpath(blob_map(BLOBS), 2, geometry) == scanpath(blob_map(BLOBS), 2)
    with pytest.raises(ParameterError, match='field of view'):
        scanpath(blob_map(BLOBS), 2, horizontal_fov_deg=180.0)
    with pytest.raises(ParameterError, match='2-D'):
        scanpath(np.zeros((3, 4, 3)), 2)
    with pytest.raises(ParameterError, match='-1 fixations'):
        scanpath(blob_map(BLOBS), -1)
