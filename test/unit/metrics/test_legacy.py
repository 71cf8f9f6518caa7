"""
Legacy (MIT benchmark) measures against cvzoya's MATLAB code in Octave, by hand, by property.

Reference tolerance: 1e-12 relative and absolute. Both sides are float64 and differ only in
summation order (observed <= 4e-15 on values <= 30); the smallest definitional difference a
test must catch is far larger (one negative counted differently at one threshold moves a
fixed-step AUC by >= 1 / (Nfix * Nneg * splits) ~ 1e-6 here; one fixation's tie in AUC-Judd
by ~1 / (Nfix * Npixels) ~ 4e-5).

EMD: FastEMD (the MATLAB solver) rounds masses to 1e-6 of the larger total and distances to
1e-6 of the largest before an exact integer min-cost flow. Redoing that rounding here and
solving with POT reproduces the stored values to 1e-9, which shows what they are; our EMD
solves the unrounded problem, which may differ by at most max(D) * (2 N * 0.5e-6 + 0.5e-6)
(each of the 2N masses moved by half a unit, each unit of flow's cost by half a unit).
"""

import json
import os
import pathlib
import subprocess
import sys

from msinet_ros.metrics import legacy, matlab
from msinet_ros.metrics.common import Context, GroundTruth, MetricUndefined, PAPER_ORDER
import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parents[2] / 'data' / 'metrics'
ROOT = pathlib.Path(__file__).resolve().parents[3]
RTOL = ATOL = 1e-12


@pytest.fixture(scope='module')
def reference():
    """Return the Octave reference values and their inputs (float maps as float64)."""
    with open(DATA / 'legacy_reference.json', encoding='utf-8') as stream:
        values = json.load(stream)
    with np.load(DATA / 'legacy_reference.npz', allow_pickle=False) as data:
        arrays = {key: (data[key].astype(np.float64) if data[key].dtype == np.float32
                        else data[key]) for key in data.files}
    return values, arrays


def reference_score(measure, case, settings, arrays):
    """Return our value of one stored case, computed with its stored draws."""
    def get(key):
        return arrays[f'{case}/{key}']
    saliency, fixated, density = get('saliency'), get('fixation_map'), get('density')
    splits = settings['splits']
    calls = {
        'AUC-Judd': lambda: legacy.auc_judd(saliency, fixated, jitter_draws=get('jitter')),
        'AUC-Borji': lambda: legacy.auc_borji(saliency, fixated, splits=splits,
                                              draws=get('borji_draws').astype(np.int64)),
        'sAUC': lambda: legacy.auc_shuffled(
            saliency, fixated, get('other_map'), splits=splits,
            permutations=get('shuffle_permutations').astype(np.int64)),
        'NSS': lambda: legacy.nss(saliency, fixated),
        'CC': lambda: legacy.cc(saliency, density),
        'SIM': lambda: legacy.similarity(saliency, density),
        'KLD': lambda: legacy.kldiv(saliency, density),
        'IG': lambda: legacy.info_gain(saliency, fixated, arrays['baseline']),
        'EMD': lambda: legacy.emd(get('emd_saliency'), get('emd_density'),
                                  downsize=settings['emd_downsize']),
    }
    return calls[measure]()


def test_cases_match_cvzoya_matlab_code_in_octave(reference):
    values, arrays = reference
    checked = undefined = 0
    for case, settings in values['cases'].items():
        for measure, expected in settings['values'].items():
            if measure == 'EMD':
                continue
            if expected is None:  # MATLAB: NaN
                with pytest.raises(MetricUndefined):
                    reference_score(measure, case, settings, arrays)
                undefined += 1
            else:
                assert reference_score(measure, case, settings, arrays) == pytest.approx(
                    expected, rel=RTOL, abs=ATOL), (case, measure)
                checked += 1
    assert checked >= 50 and undefined >= 15


def fastemd_inputs(case, settings, arrays):
    """Return EMD.m's P, Q (unit sum) and D for a stored case."""
    downsize = settings['emd_downsize']
    reduced = matlab.imresize(arrays[f'{case}/emd_density'], 1.0 / downsize)
    other = matlab.imresize(arrays[f'{case}/emd_saliency'], reduced.shape)
    rows, cols = np.indices(reduced.shape)
    centres = np.stack((rows.ravel(), cols.ravel()), axis=1).astype(np.float64)
    ground = np.sqrt(((centres[:, None] - centres[None]) ** 2).sum(axis=2))
    return (reduced / reduced.sum()).ravel(), (other / other.sum()).ravel(), ground


def fastemd_rounded(first, second, ground):
    """Return emd_hat_gd_metric_mex(P, Q, D, 0) as FastEMD computes it for doubles."""
    ot = legacy.import_pot()
    mass_unit = 1e6 / max(first.sum(), second.sum())
    cost_unit = 1e6 / ground.max()
    lower = first < second  # flow on the diagonal first (gd_metric), then rounding
    first, second = np.where(lower, 0.0, first - second), np.where(lower, second - first, 0.0)
    supply = np.floor(first * mass_unit + 0.5)
    demand = np.floor(second * mass_unit + 0.5)
    surplus = supply.sum() - demand.sum()  # extra mass goes free (penalty 0)
    size = len(supply)
    costs = np.zeros((size + 1, size + 1))
    costs[:size, :size] = np.floor(ground * cost_unit + 0.5)
    cost = ot.emd2(np.append(supply, max(-surplus, 0.0)), np.append(demand, max(surplus, 0.0)),
                   costs, numItermax=10_000_000)
    return cost / mass_unit / cost_unit


def test_emd_cases_match_fastemd_in_octave(reference):
    values, arrays = reference
    checked = 0
    for case, settings in values['cases'].items():
        expected = settings['values'].get('EMD')
        if expected is None:
            continue
        first, second, ground = fastemd_inputs(case, settings, arrays)
        assert fastemd_rounded(first, second, ground) == pytest.approx(expected, abs=1e-9), case
        bound = ground.max() * (len(first) * 1e-6 + 0.5e-6)
        ours = reference_score('EMD', case, settings, arrays)
        assert abs(ours - expected) <= bound, (case, ours, expected, bound)
        checked += 1
    assert checked >= 5


def test_measures_are_in_the_paper_order():
    assert tuple(legacy.MEASURES) == PAPER_ORDER


def smooth_case(seed=0, shape=(24, 32), fixations=25):
    """Return a smooth positive map, its ground truth (with density) and a context."""
    rng = np.random.default_rng(seed)
    rows, cols = np.indices(shape, dtype=np.float64)
    saliency = np.exp(-((rows - 10) ** 2 + (cols - 12) ** 2) / 60.0) + 0.1 * rng.random(shape)
    weights = saliency.ravel() ** 4
    flat = rng.choice(saliency.size, fixations, replace=False, p=weights / weights.sum())
    points = np.stack(np.unravel_index(flat, shape), axis=1)
    density = np.exp(-((rows - 12) ** 2 + (cols - 14) ** 2) / 40.0) + 0.01
    baseline = np.exp(-((rows - 11.5) ** 2 + (cols - 15.5) ** 2) / 100.0)
    context = Context(rng=np.random.default_rng(seed),
                      other_fixations=np.argwhere(rng.random(shape) > 0.9),
                      baseline=baseline / baseline.sum())
    return saliency, GroundTruth(points, shape, density), context


def test_measures_table_scores_a_case_with_every_measure():
    saliency, truth, context = smooth_case()
    scores = {name: measure(saliency, truth, context)
              for name, measure in legacy.MEASURES.items()}
    assert all(np.isfinite(value) for value in scores.values())
    assert 0.5 < scores['AUC-Judd'] < 1 and 0 < scores['SIM'] < 1
    assert scores['EMD'] == 0.0  # 24x32 reduced by 32 is one pixel


def test_randomised_measures_follow_the_context_rng():
    saliency, truth, context = smooth_case()
    saliency = np.round(saliency * 4) / 4  # ties: AUC-Judd's jitter decides them
    for name in ('AUC-Judd', 'AUC-Borji', 'sAUC'):
        first = legacy.MEASURES[name](saliency, truth, Context(
            rng=np.random.default_rng(5), other_fixations=context.other_fixations))
        again = legacy.MEASURES[name](saliency, truth, Context(
            rng=np.random.default_rng(5), other_fixations=context.other_fixations))
        other = legacy.MEASURES[name](saliency, truth, Context(
            rng=np.random.default_rng(6), other_fixations=context.other_fixations))
        assert first == again and first != other, name


def test_missing_density_baseline_or_other_fixations_are_undefined():
    saliency, truth, context = smooth_case()
    bare = GroundTruth(truth.fixations, truth.shape)
    for name in ('SIM', 'EMD', 'CC', 'KLD'):
        with pytest.raises(MetricUndefined, match='density'):
            legacy.MEASURES[name](saliency, bare, context)
    with pytest.raises(MetricUndefined, match='baseline'):
        legacy.MEASURES['IG'](saliency, truth, Context())
    with pytest.raises(MetricUndefined, match='other images'):
        legacy.MEASURES['sAUC'](saliency, truth, Context())


def test_fixations_outside_and_repeated_count_once_on_the_binary_map():
    saliency, truth, context = smooth_case()
    inside, _ = truth.inside()
    messy = GroundTruth(np.concatenate([inside, inside[:3], [[-1, 4], [30, 2], [3, 40]]]),
                        truth.shape, truth.density)
    for name in ('NSS', 'IG', 'AUC-Judd'):
        clean = legacy.MEASURES[name](saliency, truth, Context(
            rng=np.random.default_rng(1), baseline=context.baseline))
        assert legacy.MEASURES[name](saliency, messy, Context(
            rng=np.random.default_rng(1), baseline=context.baseline)) == clean, name


def test_no_fixations_are_undefined():
    saliency, truth, context = smooth_case()
    empty = GroundTruth(np.zeros((0, 2), dtype=np.int64), truth.shape, truth.density)
    for name in ('AUC-Judd', 'AUC-Borji', 'sAUC', 'NSS', 'IG'):
        with pytest.raises(MetricUndefined, match='fix'):
            legacy.MEASURES[name](saliency, empty, context)


def test_nan_in_the_map_is_undefined_for_every_measure():
    saliency, truth, context = smooth_case()
    saliency[3, 4] = np.nan
    for name, measure in legacy.MEASURES.items():
        with pytest.raises(MetricUndefined, match='NaN'):
            measure(saliency, truth, context)


def test_a_map_of_another_size_is_resized_with_matlab_imresize():
    saliency, truth, context = smooth_case()
    small = saliency[::2, ::2]
    enlarged = matlab.imresize(small, truth.shape)
    fixated = truth.fixation_map()
    assert legacy.nss(small, fixated) == legacy.nss(enlarged, fixated)
    assert legacy.cc(small, truth.density) == legacy.cc(enlarged, truth.density)
    assert legacy.info_gain(small, fixated, context.baseline) == \
        legacy.info_gain(enlarged, fixated, context.baseline)


# Hand-computed cases


def test_auc_judd_by_hand():
    # normalised map [0, 0.375, 0.25, 1]; fixated 0.375 and 0: at 0.375 two pixels are
    # above (tp 1/2, fp 1/2), at 0 all four (tp 1, fp 1): area 1/2 * 1/4 + 1/2 * 3/4 = 1/2
    saliency = np.array([[0.1, 0.4, 0.3, 0.9]])
    assert legacy.auc_judd(saliency, np.array([[1, 1, 0, 0]]), jitter=False) == 0.5
    assert legacy.auc_judd(saliency, np.array([[0, 1, 0, 1]]), jitter=False) == 1.0


def test_auc_judd_of_the_inverted_perfect_map_is_one_over_twice_the_fixations():
    # every fixated pixel below every other: the curve goes to (1, 1/N) first
    fixated = np.zeros((6, 8), dtype=bool)
    fixated[[1, 2, 4], [3, 5, 6]] = True
    draws = np.random.default_rng(3).random(fixated.shape)
    assert legacy.auc_judd(1.0 - fixated, fixated, jitter_draws=draws) == \
        pytest.approx(1 / 6, abs=1e-15)
    assert legacy.auc_judd(fixated * 1.0, fixated, jitter_draws=draws) == 1.0


def test_auc_judd_jitter_breaks_ties_with_the_given_draws():
    fixated = np.zeros((4, 5), dtype=bool)
    fixated[[0, 2, 3], [1, 4, 0]] = True
    ramp = np.arange(20.0).reshape(4, 5) / 20
    jittered = legacy.auc_judd(np.full((4, 5), 2.0), fixated, jitter_draws=ramp)
    assert jittered == legacy.auc_judd(ramp, fixated, jitter=False)  # same order: same AUC
    with pytest.raises(MetricUndefined, match='constant'):
        legacy.auc_judd(np.full((4, 5), 2.0), fixated, jitter=False)
    with pytest.raises(MetricUndefined, match='every pixel'):
        legacy.auc_judd(ramp, np.ones((4, 5)), jitter=False)


def test_auc_borji_by_hand_with_column_major_draws():
    # map normalised already; column-major flat [0, 0.5, 1, 0.25]; fixated 1 and 0.25;
    # draws index 1 twice -> negatives 0.5, 0.5 (row-major would give 1, 1: area 0.25).
    # Thresholds 1, 0.9, ..., 0: tp 1/2 down to 0.3, then 1; fp 0 above 0.5, then 1.
    # Points (0, 0), (0, 1/2), (1, 1/2), (1, 1): area 1/2.
    saliency = np.array([[0.0, 1.0], [0.5, 0.25]])
    fixated = np.array([[0, 1], [0, 1]])
    assert legacy.auc_borji(saliency, fixated, splits=1, draws=np.array([[1], [1]])) == 0.5
    # two splits average: second split draws pixel 0 (value 0) twice: area 1
    assert legacy.auc_borji(saliency, fixated, splits=2,
                            draws=np.array([[1, 0], [1, 0]])) == 0.75


def test_auc_borji_needs_two_fixated_pixels_and_draws_of_the_right_shape():
    saliency = np.arange(12.0).reshape(3, 4)
    one = np.zeros((3, 4))
    one[1, 1] = 1
    with pytest.raises(MetricUndefined, match='2 fixated'):
        legacy.auc_borji(saliency, one, rng=np.random.default_rng(0))
    one[2, 3] = 1
    with pytest.raises(ValueError):
        legacy.auc_borji(saliency, one, splits=3, draws=np.zeros((2, 2), dtype=np.int64))
    with pytest.raises(ValueError):
        legacy.auc_borji(saliency, one, splits=1, draws=np.array([[0], [12]]))


def test_shuffled_auc_with_as_many_other_fixations_equals_borji_on_those_pixels():
    rng = np.random.default_rng(2)
    saliency = rng.random((5, 6))
    fixated = np.zeros((5, 6), dtype=bool)
    fixated[[0, 1, 3, 4], [2, 5, 0, 3]] = True
    other = np.zeros((5, 6), dtype=bool)
    other[[1, 2, 2, 4], [1, 0, 4, 5]] = True
    locations = np.flatnonzero(other.ravel(order='F'))  # column-major, as MATLAB's find
    permutations = np.stack([rng.permutation(4) for _ in range(7)])
    shuffled = legacy.auc_shuffled(saliency, fixated, other, splits=7,
                                   permutations=permutations)
    borji = legacy.auc_borji(saliency, fixated, splits=7, draws=locations[permutations].T)
    assert shuffled == pytest.approx(borji, abs=1e-15)
    with pytest.raises(MetricUndefined, match='other images'):
        legacy.auc_shuffled(saliency, fixated, np.zeros((5, 6)), rng=rng)
    with pytest.raises(ValueError):
        legacy.auc_shuffled(saliency, fixated, other, splits=7, permutations=permutations * 0)


def test_nss_uses_the_n_minus_one_std_by_hand():
    # mean 1, deviations -1, -1, -1, 3: std sqrt(12 / 3) = 2 (N - 1), so (4 - 1) / 2 = 1.5
    assert legacy.nss(np.array([[0.0, 0.0], [0.0, 4.0]]), np.array([[0, 0], [0, 1]])) == 1.5
    with pytest.raises(MetricUndefined, match='constant'):
        legacy.nss(np.ones((2, 2)), np.array([[0, 0], [0, 1]]))


@pytest.mark.parametrize('shape', [(24, 32), (768, 1024)])
@pytest.mark.parametrize('level', [0.3, 77 / 255, 5 / 255])
def test_a_constant_map_whose_mean_rounds_is_n_a_for_nss_and_cc_not_a_number(shape, level):
    # std of such a map is ~1e-17, not 0: dividing by it used to score rounding noise
    fixated = np.zeros(shape, dtype=bool)
    fixated[[1, 5, 9], [2, 7, 3]] = True
    constant = np.full(shape, level)
    assert np.std(constant) != 0  # the trap this test is about
    with pytest.raises(MetricUndefined, match='constant saliency map'):
        legacy.nss(constant, fixated)
    with pytest.raises(MetricUndefined, match='constant saliency map'):
        legacy.cc(constant, fixated * 1.0)
    with pytest.raises(MetricUndefined, match='constant density map'):
        legacy.cc(fixated * 1.0, constant)


def test_sim_by_hand_and_zero_map():
    # [0, 1, 1] -> [0, 1/2, 1/2]; [1, 1, 0] -> [1/2, 1/2, 0]: intersection 1/2
    assert legacy.similarity(np.array([[0.0, 1.0, 1.0]]), np.array([[1.0, 1.0, 0.0]])) == 0.5
    assert legacy.similarity(np.zeros((1, 3)), np.array([[1.0, 1.0, 0.0]])) == 0.0
    with pytest.raises(MetricUndefined, match='constant'):
        legacy.similarity(np.full((1, 3), 2.0), np.array([[1.0, 1.0, 0.0]]))


def test_kld_by_hand():
    # uniform map against two pixels of 1/2: 2 * 1/2 * log(eps + (1/2) / (1/4 + eps))
    uniform = np.ones((2, 2))
    density = np.array([[1.0, 1.0], [0.0, 0.0]])
    assert legacy.kldiv(uniform, density) == pytest.approx(np.log(2), abs=1e-14)
    # an all-zero map is left at zero: each half costs log(eps + (1/2) / eps)
    eps = matlab.EPS
    assert legacy.kldiv(np.zeros((2, 2)), density) == pytest.approx(np.log(eps + 0.5 / eps),
                                                                    rel=1e-14)
    with pytest.raises(MetricUndefined, match='negative'):
        legacy.kldiv(uniform - 2, density)


def test_emd_by_hand():
    # all mass moves 2 pixels; on a 2x2 grid from one corner to the opposite: sqrt(2)
    assert legacy.emd(np.array([[0.0, 0.0, 3.0]]), np.array([[1.0, 0.0, 0.0]]),
                      downsize=1) == pytest.approx(2.0, abs=1e-12)
    assert legacy.emd(np.array([[0.0, 0.0], [0.0, 1.0]]), np.array([[2.0, 0.0], [0.0, 0.0]]),
                      downsize=1) == pytest.approx(np.sqrt(2), abs=1e-12)
    # half the mass moves one pixel
    assert legacy.emd(np.array([[1.0, 1.0]]), np.array([[1.0, 0.0]]),
                      downsize=1) == pytest.approx(0.5, abs=1e-12)


def test_emd_reduces_by_the_downsize_factor_first():
    saliency, truth, _ = smooth_case(shape=(64, 96))
    assert legacy.emd(saliency, truth.density) == pytest.approx(legacy.emd(
        matlab.imresize(saliency, (2, 3)), matlab.imresize(truth.density, 1 / 32),
        downsize=1), abs=1e-12)
    # 24x32 / 32 is a single pixel: nothing to move
    assert legacy.emd(np.random.default_rng(0).random((24, 32)), np.ones((24, 32))) == 0.0


def test_emd_degenerate_maps():
    density = np.ones((4, 4))
    with pytest.raises(MetricUndefined, match='sums to 0'):
        legacy.emd(np.zeros((4, 4)), density, downsize=1)
    with pytest.raises(MetricUndefined, match='negative'):
        legacy.emd(-np.ones((4, 4)), density, downsize=1)
    # a sharp spot: the bicubic reduction overshoots below 0 around it; set to 0, scored
    spot = np.zeros((64, 64))
    spot[30:34, 30:34] = 1.0
    assert matlab.imresize(spot, 1 / 16).min() < 0
    assert np.isfinite(legacy.emd(spot, np.ones((64, 64)) + spot, downsize=16))


def test_information_gain_by_hand():
    # map [0, 1, 1, 2] -> [0, 1/4, 1/4, 1/2]; baseline [0, 1, 1, 0] -> [0, 1/2, 1/2, 0];
    # fixated pixels 2 and 4: log2(1/4) - log2(1/2) = -1 and log2(1/2) - log2(eps) = 51
    saliency = np.array([[0.0, 1.0], [1.0, 2.0]])
    baseline = np.array([[0.0, 1.0], [1.0, 0.0]])
    fixated = np.array([[0, 0], [1, 1]])
    assert legacy.info_gain(saliency, fixated, baseline) == pytest.approx(25.0, abs=1e-12)
    with pytest.raises(MetricUndefined, match='constant baseline'):
        legacy.info_gain(saliency, fixated, np.full((2, 2), 0.25))


# Properties


def test_perfect_prediction():
    saliency, truth, _ = smooth_case()
    density = truth.density
    fixated = truth.fixation_map()
    assert legacy.cc(density, density) == pytest.approx(1.0, abs=1e-14)
    assert legacy.similarity(density, density) == pytest.approx(1.0, abs=1e-14)
    assert legacy.kldiv(density, density) == pytest.approx(0.0, abs=1e-12)
    assert legacy.emd(density, density, downsize=4) == pytest.approx(0.0, abs=1e-12)
    assert legacy.auc_judd(fixated * 1.0, fixated, rng=np.random.default_rng(0)) == 1.0


def test_inverted_map_flips_cc_and_nss():
    saliency, truth, _ = smooth_case()
    fixated = truth.fixation_map()
    assert legacy.cc(-saliency, truth.density) == pytest.approx(
        -legacy.cc(saliency, truth.density), abs=1e-14)
    assert legacy.nss(-saliency, fixated) == pytest.approx(-legacy.nss(saliency, fixated),
                                                           abs=1e-14)


def test_affine_invariance_where_the_definition_normalises():
    saliency, truth, context = smooth_case()
    fixated = truth.fixation_map()
    scaled = 3.5 * saliency + 2.0
    draws = np.random.default_rng(1).integers(0, saliency.size, size=(fixated.sum(), 20))
    others = GroundTruth(context.other_fixations, truth.shape).fixation_map()
    permutations = np.stack([np.random.default_rng(i).permutation(others.sum())
                             for i in range(20)])
    for measure in (lambda s: legacy.auc_judd(s, fixated, jitter=False),
                    lambda s: legacy.auc_borji(s, fixated, splits=20, draws=draws),
                    lambda s: legacy.auc_shuffled(s, fixated, others, splits=20,
                                                  permutations=permutations),
                    lambda s: legacy.nss(s, fixated),
                    lambda s: legacy.cc(s, truth.density),
                    lambda s: legacy.similarity(s, truth.density),  # min-max: offsets too
                    lambda s: legacy.info_gain(s, fixated, context.baseline)):
        assert measure(scaled) == pytest.approx(measure(saliency), abs=1e-12)


def test_kld_and_emd_scale_invariant_but_not_offset_invariant():
    saliency, truth, _ = smooth_case()
    for measure in (lambda s: legacy.kldiv(s, truth.density),
                    lambda s: legacy.emd(s, truth.density, downsize=4)):
        assert measure(3.5 * saliency) == pytest.approx(measure(saliency), abs=1e-9)
        assert abs(measure(saliency + 1.0) - measure(saliency)) > 1e-3


def test_cc_sim_and_emd_are_symmetric():
    saliency, truth, _ = smooth_case()
    density = truth.density
    assert legacy.cc(saliency, density) == pytest.approx(legacy.cc(density, saliency),
                                                         abs=1e-14)
    assert legacy.similarity(saliency, density) == pytest.approx(
        legacy.similarity(density, saliency), abs=1e-14)
    assert legacy.emd(saliency, density, downsize=4) == pytest.approx(
        legacy.emd(density, saliency, downsize=4), abs=1e-9)


def test_pot_is_imported_lazily_and_without_torch_or_tensorflow():
    code = ('import sys; from msinet_ros.metrics import legacy; import numpy as np; '
            'assert "ot" not in sys.modules; '
            'legacy.emd(np.eye(3), np.ones((3, 3)), downsize=1); '
            'assert "ot" in sys.modules; '
            'print(sorted(m for m in ("torch", "tensorflow", "jax", "cupy") if m in sys.modules))')
    env = {key: value for key, value in os.environ.items()
           if not key.startswith('POT_BACKEND_DISABLE')}
    result = subprocess.run([sys.executable, '-c', code], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == '[]'
