"""Agreement of two models' maps: CC, KLD and the distance of their top fixations."""

from msinet_ros.evaluation.compare import agreement, PairedMaps, summary, top_fixation, \
    worst_images
import numpy as np
import pytest


def _blob(centre, shape=(40, 60), sigma=4.0):
    rows, cols = np.mgrid[:shape[0], :shape[1]]
    return np.exp(-((rows - centre[0]) ** 2 + (cols - centre[1]) ** 2) / (2 * sigma ** 2))


def test_identical_maps_agree_perfectly():
    values = agreement('x', _blob((20, 30)), _blob((20, 30))).values
    assert values['CC'] == pytest.approx(1.0)
    assert values['KLD'] == pytest.approx(0.0, abs=1e-9)
    assert values['top distance (px)'] == pytest.approx(0.0)


def test_the_top_fixation_distance_is_the_shift_between_the_maps_peaks():
    values = agreement('x', _blob((20, 30)), _blob((23, 34))).values
    assert values['top distance (px)'] == pytest.approx(5.0, abs=1e-6)
    assert values['CC'] < 1.0 and values['KLD'] > 0.0


def test_the_top_fixation_is_refined_between_pixels():
    assert top_fixation(_blob((20.5, 30.25))) == pytest.approx([20.5, 30.25], abs=0.05)


def test_maps_of_different_sizes_are_n_a_with_both_sizes():
    values = agreement('x', _blob((20, 30)), _blob((10, 10), (20, 30))).values
    assert values['CC'] == 'n/a (maps of 40x60 and 20x30)'


def test_the_summary_reports_the_worst_image_per_column_and_names_it():
    rows = [agreement('good', _blob((20, 30)), _blob((20, 30))),
            agreement('bad', _blob((20, 30)), _blob((30, 50)))]
    result = summary(rows)
    assert result['CC']['worst'] == pytest.approx(rows[1].values['CC'])
    assert result['KLD']['worst'] == pytest.approx(rows[1].values['KLD'])
    assert worst_images(rows, 1) == ['bad']


def test_paired_maps_compute_each_model_s_map_once_per_image_and_record_the_agreement():
    calls = []

    def source(label, centre):
        def maps(name, image):
            calls.append((label, name))
            return _blob(centre)
        return maps

    pair = PairedMaps(source('A', (20, 30)), source('B', (23, 34)))
    for name in ('x', 'y'):
        assert pair.first(name, None).shape == pair.second(name, None).shape == (40, 60)
    assert calls == [('A', 'x'), ('B', 'x'), ('A', 'y'), ('B', 'y')]
    assert [row.name for row in pair.agreements] == ['x', 'y']
    assert pair.agreements[0].values['top distance (px)'] == pytest.approx(5.0, abs=1e-6)
