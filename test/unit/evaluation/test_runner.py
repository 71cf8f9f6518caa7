"""Scoring a set: other images' fixations for sAUC, the baseline for IG, seeded draws."""

import json
from pathlib import Path

from msinet_ros.evaluation.runner import evaluate, fixations_of, Item, other_fixations, scaled, \
    Setting
from msinet_ros.metrics import tuebingen
from msinet_ros.metrics.common import Context, GroundTruth
import numpy as np
import pytest

DATA = Path(__file__).resolve().parents[2] / 'data' / 'metrics'


class _Uniform:
    def density(self, shape):
        return np.full(shape, 1.0 / (shape[0] * shape[1]))


def test_scaling_moves_pixels_as_pysaliency_does_and_stays_inside():
    points = np.array([[0, 0], [9, 19], [5, 10], [3, 7]])
    # pysaliency: int(x * W / W_other)
    assert scaled(points, (10, 20), (20, 40)).tolist() == [[0, 0], [18, 38], [10, 20], [6, 14]]
    assert scaled(points, (10, 20), (5, 10)).tolist() == [[0, 0], [4, 9], [2, 5], [1, 3]]
    assert scaled(points, (10, 20), (7, 13)).tolist() == [[0, 0], [6, 12], [3, 6], [2, 4]]


def test_sauc_from_the_runner_s_other_fixations_matches_pysaliency_on_a_mixed_size_set():
    values = json.loads((DATA / 'tuebingen_reference.json').read_text())
    with np.load(DATA / 'tuebingen_reference.npz', allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    count = values['set']['count']
    truths = [GroundTruth(arrays[f'set/{n}/fixations'], arrays[f'set/{n}/map'].shape,
                          arrays[f'set/{n}/density']) for n in range(count)]
    assert len({truth.shape for truth in truths}) > 1  # the sizes differ: scaling matters
    everyone = fixations_of(truths)
    checked = 0
    for n, truth in enumerate(truths):
        expected = values['set']['per_image']['sAUC'][n]
        if expected is None:
            continue
        context = Context(other_fixations=other_fixations(everyone, n, truth.shape))
        assert tuebingen.MEASURES['sAUC'](arrays[f'set/{n}/map'], truth, context) == \
            pytest.approx(expected, abs=1e-9), n
        checked += 1
    assert checked == 4


def test_other_fixations_are_every_other_image_s_at_this_image_s_size():
    everyone = [(np.array([[1, 1]]), (4, 4)), (np.array([[3, 3], [0, 0]]), (8, 8)),
                (np.array([[2, 2]]), (4, 4))]
    others = other_fixations(everyone, 0, (4, 4))
    assert sorted(map(tuple, others.tolist())) == [(0, 0), (1, 1), (2, 2)]


def test_other_fixations_of_m_images_are_m_distinct_other_images_drawn_by_the_generator():
    everyone = [(np.array([[n, n]]), (20, 20)) for n in range(20)]
    drawn = other_fixations(everyone, 3, (20, 20), images=10, rng=np.random.default_rng(5))
    rows = sorted(drawn[:, 0].tolist())
    assert len(rows) == len(set(rows)) == 10 and 3 not in rows
    again = other_fixations(everyone, 3, (20, 20), images=10, rng=np.random.default_rng(5))
    assert np.array_equal(drawn, again)
    assert len(other_fixations(everyone, 3, (20, 20), images=50)) == 19  # fewer than asked


def _items(count):
    truths = [GroundTruth(np.array([[1, 2], [3, 0]]), (4, 5)) for _ in range(count)]
    return [Item(f'i{n}', lambda: np.zeros((4, 5, 3), np.uint8), lambda t=t: t)
            for n, t in enumerate(truths)]


def test_each_image_draws_from_its_own_seeded_generator_so_runs_repeat():
    def draw(saliency, truth, context):
        return float(context.rng.random())

    def run(seed):
        rows = evaluate(_items(3), lambda stem, image: np.ones((4, 5)), {'R': draw},
                        Setting(_Uniform(), seed))
        return [row.values['R'] for row in rows]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert len(set(run(1))) == 3  # images do not share draws


def test_each_measure_gets_the_baseline_and_other_fixations_at_the_image_size():
    seen = []

    def inspect(saliency, truth, context):
        seen.append((context.baseline.shape, len(context.other_fixations)))
        return 0.0

    evaluate(_items(3), lambda stem, image: np.ones((4, 5)), {'M': inspect},
             Setting(_Uniform()))
    assert seen == [((4, 5), 4)] * 3


def test_without_a_centre_bias_the_baseline_is_none_so_ig_is_n_a():
    rows = evaluate(_items(2), lambda stem, image: np.ones((4, 5)),
                    {'IG': tuebingen.MEASURES['IG']}, Setting(None))
    assert rows[0].values['IG'] == 'n/a (no baseline)'


def test_fixations_of_keeps_only_those_inside():
    truth = GroundTruth(np.array([[1, 1], [7, 7]]), (4, 4))
    ((points, shape),) = fixations_of([truth])
    assert points.tolist() == [[1, 1]] and shape == (4, 4)
