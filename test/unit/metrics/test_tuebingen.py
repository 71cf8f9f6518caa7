"""
The Tübingen protocol's measures against pysaliency's own values, hand-computed cases, properties.

Reference tolerance: 1e-9 absolute. Both sides are float64 and differ only in summation
order and in how the ROC is summed (ranks here, pysaliency's trapezoids), which moves values
by ~1e-13; the smallest definitional difference a test must catch is far larger (one tie
counted differently changes a 24x32 AUC with 40 fixations by 1 / (2 * 40 * 768) = 1.6e-5).
"""

import json
import pathlib

from msinet_ros.metrics import tuebingen
from msinet_ros.metrics.common import Context, GroundTruth, MetricUndefined, PAPER_ORDER
from msinet_ros.metrics.density import DEFAULT_EPS
import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parents[2] / 'data' / 'metrics'
TOLERANCE = 1e-9
FIXATION_MEASURES = ('AUC-Judd', 'sAUC', 'NSS', 'IG')
IMAGE_MEASURES = ('CC', 'SIM', 'KLD')


@pytest.fixture(scope='module')
def reference():
    """Return the pysaliency reference values and their inputs."""
    with open(DATA / 'tuebingen_reference.json', encoding='utf-8') as stream:
        values = json.load(stream)
    with np.load(DATA / 'tuebingen_reference.npz', allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    return values, arrays


def score(name, saliency, truth, context=None):
    """Return one measure of the protocol."""
    return tuebingen.MEASURES[name](saliency, truth, context or Context())


def case_inputs(arrays, prefix):
    """Return (map, truth, context) of a stored case."""
    truth = GroundTruth(arrays[f'{prefix}/fixations'], arrays[f'{prefix}/map'].shape,
                        arrays[f'{prefix}/density'])
    others = arrays.get(f'{prefix}/other_fixations')
    return arrays[f'{prefix}/map'], truth, Context(other_fixations=others,
                                                   baseline=arrays[f'{prefix}/baseline'])


def test_fixture_was_made_with_the_default_eps_and_regularisation(reference):
    values, _ = reference
    assert values['eps'] == DEFAULT_EPS
    assert values['kl_regularization'] == tuebingen.KL_REGULARIZATION


def test_single_image_cases_match_pysaliency(reference):
    values, arrays = reference
    checked = 0
    for case, expected in values['cases'].items():
        saliency, truth, context = case_inputs(arrays, case)
        for measure, value in expected.items():
            if (case, measure) == ('constant', 'NSS'):
                continue  # pysaliency's rounding artefact, see the next test
            assert score(measure, saliency, truth, context) == \
                pytest.approx(value, abs=TOLERANCE), (case, measure)
            checked += 1
    assert checked >= 45


def test_constant_map_nss_is_zero_where_pysaliency_rounds_to_minus_one(reference):
    values, arrays = reference
    saliency, truth, context = case_inputs(arrays, 'constant')
    assert values['cases']['constant']['NSS'] == pytest.approx(-1.0)  # std ~1e-16, not 0
    assert values['cases']['zeros']['NSS'] == 0.0  # exactly constant: pysaliency's 0
    assert score('NSS', saliency, truth, context) == 0.0


def test_image_set_per_image_scores_match_pysaliency_with_shuffled_negatives(reference):
    values, arrays = reference
    expected = values['set']['per_image']
    for n in range(values['set']['count']):
        saliency, truth, context = case_inputs(arrays, f'set/{n}')
        for measure, per_image in expected.items():
            if per_image[n] is None:  # the image without fixations
                with pytest.raises(MetricUndefined, match='no fixations'):
                    score(measure, saliency, truth, context)
            else:
                assert score(measure, saliency, truth, context) == \
                    pytest.approx(per_image[n], abs=TOLERANCE), (n, measure)


def test_dataset_averages_are_the_per_image_scores_averaged_by_image_or_fixation_weight(
        reference):
    values, arrays = reference
    rows = []
    for n in range(values['set']['count']):
        saliency, truth, context = case_inputs(arrays, f'set/{n}')
        scores = {}
        for measure in FIXATION_MEASURES + IMAGE_MEASURES:
            try:
                scores[measure] = score(measure, saliency, truth, context)
            except MetricUndefined:
                pass
        rows.append((tuebingen.fixation_weight(truth), scores))
    assert [weight for weight, _ in rows] == [15, 25, 10, 0, 30]
    for measure, averages in values['set']['dataset'].items():
        kept = [(weight, scores[measure]) for weight, scores in rows if measure in scores]
        weights, data = np.array(kept).T
        assert np.mean(data) == pytest.approx(averages['image'], abs=TOLERANCE), measure
        if 'fixation' in averages:
            assert measure in FIXATION_MEASURES
            assert np.average(data, weights=weights) == \
                pytest.approx(averages['fixation'], abs=TOLERANCE), measure
    assert values['set']['dataset']['AUC-Judd']['fixation'] != \
        pytest.approx(values['set']['dataset']['AUC-Judd']['image'], abs=1e-3)


def test_empirical_density_is_pysaliencys_fixation_map(reference):
    values, arrays = reference
    for n in (0, 1, 2, 4):
        _, truth, _ = case_inputs(arrays, f'set/{n}')
        np.testing.assert_allclose(
            tuebingen.empirical_density(truth, values['set_kernel_size']),
            arrays[f'set/{n}/density'], rtol=0, atol=1e-12)


def test_roc_auc_matches_pysaliencys_general_roc_with_ties(reference):
    values, arrays = reference
    assert tuebingen.roc_auc(arrays['roc/positives'], arrays['roc/negatives']) == \
        pytest.approx(values['roc'], abs=TOLERANCE)


def test_roc_auc_counts_ties_as_half_by_hand():
    assert tuebingen.roc_auc([2.0], [1.0, 2.0, 3.0]) == 0.5  # (1 + 1/2) / 3
    assert tuebingen.roc_auc([3.0, 1.0], [1.0, 2.0]) == 0.625  # (2/2 + (1/2)/2) / 2
    with pytest.raises(ValueError):
        tuebingen.roc_auc([], [1.0])


def random_case(seed=3, shape=(24, 32), count=40):
    """Return a random map, its truth (with a density) and a context."""
    rng = np.random.default_rng(seed)
    saliency = rng.random(shape)
    points = np.stack([rng.integers(0, shape[0], count), rng.integers(0, shape[1], count)], 1)
    others = np.stack([rng.integers(0, shape[0], 60), rng.integers(0, shape[1], 60)], 1)
    baseline = rng.random(shape) + 0.5
    truth = GroundTruth(points, shape, rng.random(shape))
    return saliency, truth, Context(other_fixations=others, baseline=baseline / baseline.sum())


def test_measures_have_the_paper_keys_in_order_and_borji_and_emd_are_undefined():
    assert tuple(tuebingen.MEASURES) == PAPER_ORDER
    saliency, truth, context = random_case()
    for name in ('AUC-Borji', 'EMD'):
        with pytest.raises(MetricUndefined, match='not part of the Tübingen protocol'):
            score(name, saliency, truth, context)


def test_perfect_map_scores_by_hand():
    shape = (10, 20)
    points = np.array([[1, 2], [5, 5], [7, 19], [0, 0]])
    perfect = np.zeros(shape)
    perfect[points[:, 0], points[:, 1]] = 1.0
    others = np.array([[2, 2], [3, 3], [9, 9]])
    truth = GroundTruth(points, shape, perfect.copy())
    context = Context(other_fixations=others)
    fraction = len(points) / perfect.size
    # the fixated pixels are among the negatives and tie with the positives
    assert score('AUC-Judd', perfect, truth) == pytest.approx(1 - fraction / 2, abs=1e-15)
    assert score('sAUC', perfect, truth, context) == 1.0
    assert score('NSS', perfect, truth) == pytest.approx(np.sqrt((1 - fraction) / fraction))
    assert score('CC', perfect, truth) == pytest.approx(1.0)
    assert score('SIM', perfect, truth) == pytest.approx(1.0)
    assert score('KLD', perfect, truth) == pytest.approx(0.0, abs=1e-12)


def test_uniform_map_auc_is_one_half_exactly():
    saliency, truth, context = random_case()
    flat = np.full(truth.shape, 0.3)
    assert score('AUC-Judd', flat, truth, context) == 0.5
    assert score('sAUC', flat, truth, context) == 0.5
    assert score('NSS', flat, truth, context) == 0.0
    assert score('CC', flat, truth, context) == 0.0


def test_inverted_map_auc_is_one_minus_auc():
    saliency, truth, context = random_case()
    for name in ('AUC-Judd', 'sAUC'):
        assert score(name, -saliency, truth, context) == \
            pytest.approx(1 - score(name, saliency, truth, context), abs=1e-12)


def test_auc_nss_cc_are_invariant_to_positive_affine_maps_sim_kld_ig_are_not():
    saliency, truth, context = random_case()
    affine = 2.5 * saliency + 0.7
    for name in ('AUC-Judd', 'sAUC', 'NSS', 'CC'):
        assert score(name, affine, truth, context) == \
            pytest.approx(score(name, saliency, truth, context), abs=1e-12), name
    for name in ('SIM', 'KLD', 'IG'):
        assert abs(score(name, saliency + 0.7, truth, context) -
                   score(name, saliency, truth, context)) > 1e-3, name
        assert score(name, 2.5 * saliency, truth, context) == \
            pytest.approx(score(name, saliency, truth, context), abs=1e-12), name


def test_sim_kld_shift_a_negative_map_to_zero_so_negative_offsets_do_not_count():
    saliency, truth, _ = random_case()
    shifted = saliency - saliency.min()
    for name in ('SIM', 'KLD'):
        assert score(name, shifted - 5.0, truth) == \
            pytest.approx(score(name, shifted, truth), abs=1e-12)


def test_cc_and_sim_are_symmetric_and_kld_is_not():
    saliency, truth, _ = random_case()
    density = truth.density
    assert tuebingen.cc(saliency, density) == pytest.approx(tuebingen.cc(density, saliency),
                                                            abs=1e-15)
    assert tuebingen.sim(saliency, density) == pytest.approx(tuebingen.sim(density, saliency),
                                                             abs=1e-15)
    assert abs(tuebingen.kld(saliency, density) - tuebingen.kld(density, saliency)) > 1e-3


def test_information_gain_of_the_baseline_over_itself_is_zero():
    _, truth, context = random_case()
    points, _ = truth.inside()
    assert tuebingen.information_gain_bits(context.baseline, context.baseline, points,
                                           eps=0.0) == pytest.approx(0.0, abs=1e-12)


def test_map_of_another_size_is_undefined_naming_both_sizes():
    saliency, truth, context = random_case()
    for name in ('AUC-Judd', 'sAUC', 'NSS', 'CC', 'SIM', 'KLD', 'IG'):
        with pytest.raises(MetricUndefined, match='map size 24x31 is not the stimulus size '
                                                  '24x32'):
            score(name, saliency[:, :31], truth, context)


def test_nan_map_is_undefined():
    saliency, truth, context = random_case()
    saliency[3, 4] = np.nan
    for name in ('AUC-Judd', 'NSS', 'CC', 'IG'):
        with pytest.raises(MetricUndefined, match='NaN'):
            score(name, saliency, truth, context)


def test_fixations_outside_the_image_are_dropped():
    saliency, truth, context = random_case()
    points = np.vstack([truth.fixations, [[-1, 3], [24, 0], [5, 32]]])
    outside = GroundTruth(points, truth.shape, truth.density)
    assert tuebingen.fixation_weight(outside) == len(truth.fixations)
    others = Context(other_fixations=np.vstack([context.other_fixations, [[99, 99]]]),
                     baseline=context.baseline)
    for name in ('AUC-Judd', 'sAUC', 'NSS', 'IG'):
        assert score(name, saliency, outside, others) == score(name, saliency, truth, context)


def test_missing_inputs_are_undefined_with_their_reason():
    saliency, truth, context = random_case()
    empty = GroundTruth(np.zeros((0, 2)), truth.shape, truth.density)
    for name in FIXATION_MEASURES:
        with pytest.raises(MetricUndefined, match='no fixations'):
            score(name, saliency, empty, context)
    with pytest.raises(MetricUndefined, match='other images'):
        score('sAUC', saliency, truth, Context())
    with pytest.raises(MetricUndefined, match='no baseline'):
        score('IG', saliency, truth, Context())
    with pytest.raises(MetricUndefined, match='baseline size'):
        score('IG', saliency, truth, Context(baseline=np.full((2, 2), 0.25)))
    no_density = GroundTruth(truth.fixations, truth.shape)
    for name in IMAGE_MEASURES:
        with pytest.raises(MetricUndefined, match='density'):
            score(name, saliency, no_density, context)


def test_constant_density_cc_is_undefined_and_zero_map_is_a_uniform_density():
    saliency, truth, context = random_case()
    flat = GroundTruth(truth.fixations, truth.shape, np.ones(truth.shape))
    with pytest.raises(MetricUndefined, match='constant'):
        score('CC', saliency, flat)
    zeros = np.zeros(truth.shape)
    uniform = np.full(truth.shape, 4.0)
    for name in ('SIM', 'KLD', 'IG'):
        assert score(name, zeros, truth, context) == \
            pytest.approx(score(name, uniform, truth, context), abs=1e-15)
