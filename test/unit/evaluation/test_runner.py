"""Scoring a set: other images' fixations for sAUC, the baseline for IG, seeded draws."""

from msinet_ros.evaluation.runner import evaluate, fixations_of, Item, other_fixations, scaled
from msinet_ros.metrics.common import GroundTruth
import numpy as np


class _Uniform:
    def density(self, shape):
        return np.full(shape, 1.0 / (shape[0] * shape[1]))


def test_scaling_keeps_a_pixel_s_relative_position_and_stays_inside():
    points = np.array([[0, 0], [9, 19], [5, 10]])
    moved = scaled(points, (10, 20), (20, 40))
    assert moved.tolist() == [[1, 1], [19, 39], [11, 21]]
    assert scaled(points, (10, 20), (5, 10)).tolist() == [[0, 0], [4, 9], [2, 5]]


def test_other_fixations_are_every_other_image_s_at_this_image_s_size():
    everyone = [(np.array([[1, 1]]), (4, 4)), (np.array([[3, 3], [0, 0]]), (8, 8)),
                (np.array([[2, 2]]), (4, 4))]
    others = other_fixations(everyone, 0, (4, 4))
    assert sorted(map(tuple, others.tolist())) == [(0, 0), (1, 1), (2, 2)]


def _items(count):
    truths = [GroundTruth(np.array([[1, 2], [3, 0]]), (4, 5)) for _ in range(count)]
    return [Item(f'i{n}', lambda: np.zeros((4, 5, 3), np.uint8), lambda t=t: t)
            for n, t in enumerate(truths)]


def test_each_image_draws_from_its_own_seeded_generator_so_runs_repeat():
    def draw(saliency, truth, context):
        return float(context.rng.random())

    def run(seed):
        rows = evaluate(_items(3), lambda stem, path: np.ones((4, 5)), {'R': draw},
                        _Uniform(), seed)
        return [row.values['R'] for row in rows]

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert len(set(run(1))) == 3  # images do not share draws


def test_each_measure_gets_the_baseline_and_other_fixations_at_the_image_size():
    seen = []

    def inspect(saliency, truth, context):
        seen.append((context.baseline.shape, len(context.other_fixations)))
        return 0.0

    evaluate(_items(3), lambda stem, path: np.ones((4, 5)), {'M': inspect}, _Uniform())
    assert seen == [((4, 5), 4)] * 3


def test_fixations_of_keeps_only_those_inside():
    truth = GroundTruth(np.array([[1, 1], [7, 7]]), (4, 4))
    ((points, shape),) = fixations_of([truth])
    assert points.tolist() == [[1, 1]] and shape == (4, 4)
