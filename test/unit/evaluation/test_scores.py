"""Per-image scores and their summary (mean ± std, n/a counted, per-image or per-fixation)."""

from msinet_ros.evaluation.scores import ImageScores, score_image, summarise
from msinet_ros.metrics.common import Context, GroundTruth, MetricUndefined
import numpy as np
import pytest


def _truth(points=((1, 1), (2, 2))):
    return GroundTruth(np.asarray(points).reshape(-1, 2), (4, 4))


def _undefined(saliency, truth, context):
    raise MetricUndefined('constant map')


def test_an_undefined_measure_is_recorded_with_its_reason_and_the_others_still_run():
    measures = {'A': _undefined, 'B': lambda s, t, c: 0.5}
    row = score_image('img', np.zeros((4, 4)), _truth(), measures, Context())
    assert row.values == {'A': 'n/a (constant map)', 'B': 0.5}
    assert row.fixations == 2


def test_a_measure_returning_nan_is_an_error_not_a_table_entry():
    with pytest.raises(ArithmeticError, match='B returned nan for img'):
        score_image('img', np.zeros((4, 4)), _truth(), {'B': lambda s, t, c: np.nan},
                    Context())


def test_fixations_outside_the_stimulus_do_not_count_as_weight():
    row = score_image('img', np.zeros((4, 4)), _truth(((1, 1), (9, 9))), {}, Context())
    assert row.fixations == 1


def test_summary_leaves_n_a_images_out_of_the_mean_and_counts_them_by_reason():
    rows = [ImageScores('a', 1, {'M': 1.0}), ImageScores('b', 1, {'M': 3.0}),
            ImageScores('c', 1, {'M': 'n/a (constant map)'}),
            ImageScores('d', 1, {'M': 'n/a (constant map)'})]
    (summary,) = summarise(rows, ['M'])
    assert (summary.mean, summary.std, summary.count) == (2.0, 1.0, 2)
    assert summary.missing == {'constant map': 2}
    assert summary.cell() == '2.000 ± 1.000 (n/a: 2)'


def test_a_measure_without_any_value_shows_n_a_with_the_reason_never_nan():
    rows = [ImageScores('a', 1, {'M': 'n/a (no density map)'})]
    (summary,) = summarise(rows, ['M'])
    assert summary.mean is None and summary.cell() == 'n/a (1 images: no density map)'


def test_per_fixation_averaging_equals_the_mean_over_all_fixations():
    per_fixation = {'a': [1.0, 2.0, 3.0], 'b': [10.0]}  # e.g. NSS values at each fixation
    rows = [ImageScores(name, len(v), {'NSS': float(np.mean(v))})
            for name, v in per_fixation.items()]
    (by_fixation,) = summarise(rows, ['NSS'], 'fixation')
    (by_image,) = summarise(rows, ['NSS'], 'image')
    everything = np.concatenate(list(per_fixation.values()))
    assert by_fixation.mean == pytest.approx(everything.mean())
    assert by_image.mean == pytest.approx((2.0 + 10.0) / 2)


def test_per_fixation_averaging_leaves_the_map_based_measures_per_image():
    rows = [ImageScores('a', 3, {'CC': 0.0}), ImageScores('b', 1, {'CC': 1.0})]
    (summary,) = summarise(rows, ['CC'], 'fixation')
    assert summary.mean == 0.5


def test_unknown_averaging_is_refused():
    with pytest.raises(ValueError, match='averaging'):
        summarise([], ['M'], 'pixels')
