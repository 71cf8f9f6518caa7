"""Saliency maps as densities, the centre-bias baseline and information gain in bits."""

import math

from msinet_ros.metrics.common import MetricUndefined
from msinet_ros.metrics.density import as_density, CentreBias, information_gain, uniform
import numpy as np
import pytest

MEAN = np.array([0.5, 0.45])  # the known centre bias, in image heights and widths
SPREAD = np.array([0.15, 0.2])
SHAPES = ((240, 320), (300, 400), (480, 360))  # finer than the 64-cell lattice


def test_as_density_is_the_map_over_its_sum_mixed_with_eps_uniform():
    rng = np.random.default_rng(1)
    saliency = rng.random((6, 9))
    plain = as_density(saliency, eps=0.0)
    np.testing.assert_allclose(plain, saliency / saliency.sum(), rtol=1e-15)
    weight = 0.25 / 1.25
    np.testing.assert_allclose(as_density(saliency, eps=0.25),
                               (1 - weight) * plain + weight / saliency.size, rtol=1e-13)
    dense = as_density(saliency)
    assert dense.sum() == pytest.approx(1.0) and dense.min() > 0


def test_as_density_ignores_scale_shifts_negative_maps_and_makes_zero_maps_uniform():
    rng = np.random.default_rng(2)
    saliency = rng.random((5, 7))
    np.testing.assert_allclose(as_density(255 * saliency), as_density(saliency), rtol=1e-13)
    np.testing.assert_allclose(as_density(saliency - 3.0), as_density(saliency - saliency.min()),
                               rtol=1e-12)
    assert not np.allclose(as_density(saliency + 3.0), as_density(saliency))
    np.testing.assert_array_equal(as_density(np.zeros((5, 7))), uniform((5, 7)))
    np.testing.assert_allclose(as_density(np.full((5, 7), -2.0)), uniform((5, 7)))


def test_as_density_rejects_bad_eps_and_non_finite_maps():
    with pytest.raises(ValueError):
        as_density(np.ones((2, 2)), eps=-1.0)
    with pytest.raises(ValueError):
        as_density(np.array([[1.0, np.nan]]))


def test_uniform_sums_to_one():
    assert uniform((3, 5)).sum() == pytest.approx(1.0)
    assert uniform((3, 5))[2, 4] == 1 / 15
    with pytest.raises(ValueError):
        uniform((0, 4))


def test_information_gain_by_hand_in_bits():
    density = np.array([[0.75, 0.25]])
    baseline = uniform((1, 2))
    fixations = np.array([[0, 0], [0, 0], [0, 1]])
    expected = (2 * math.log2(1.5) + math.log2(0.5)) / 3
    assert information_gain(density, baseline, fixations) == pytest.approx(expected, abs=1e-15)
    assert information_gain(baseline, density, fixations) == pytest.approx(-expected, abs=1e-15)


def test_information_gain_of_a_density_over_itself_is_zero():
    rng = np.random.default_rng(3)
    density = as_density(rng.random((8, 8)))
    points = rng.integers(0, 8, (20, 2))
    assert information_gain(density, density, points) == 0.0


def test_information_gain_undefined_for_zero_likelihood_or_no_fixations():
    density = np.array([[1.0, 0.0]])
    baseline = uniform((1, 2))
    with pytest.raises(MetricUndefined, match='density is 0'):
        information_gain(density, baseline, np.array([[0, 1]]))
    with pytest.raises(MetricUndefined, match='baseline density is 0'):
        information_gain(baseline, density, np.array([[0, 1]]))
    with pytest.raises(MetricUndefined, match='no fixations'):
        information_gain(baseline, baseline, np.zeros((0, 2)))


def test_information_gain_rejects_non_densities_other_sizes_and_outside_points():
    baseline = uniform((2, 2))
    with pytest.raises(ValueError, match='not a 2-D density'):
        information_gain(np.ones((2, 2)), baseline, np.array([[0, 0]]))
    with pytest.raises(ValueError, match='differ in size'):
        information_gain(uniform((2, 3)), baseline, np.array([[0, 0]]))
    with pytest.raises(ValueError, match='outside'):
        information_gain(baseline, baseline, np.array([[2, 0]]))


def draw(rng, shape, count, mean=MEAN, spread=SPREAD):
    """Return ``count`` fixations (row, col) from a Gaussian in normalised coordinates."""
    points = rng.normal(mean, spread, (4 * count, 2))
    points = points[((points >= 0) & (points < 1)).all(axis=1)][:count]
    return np.floor(points * np.array(shape)).astype(np.int64)


def gaussian(shape, mean=MEAN, spread=SPREAD):
    """Return the known centre bias at a pixel grid, summing to 1."""
    rows = ((np.arange(shape[0]) + 0.5) / shape[0] - mean[0]) / spread[0]
    cols = ((np.arange(shape[1]) + 0.5) / shape[1] - mean[1]) / spread[1]
    values = np.exp(-0.5 * (rows[:, None] ** 2 + cols[None, :] ** 2))
    return values / values.sum()


def training_set(seed, images=40, count=50, **kwargs):
    """Return (fixations, shape) samples of images of mixed sizes."""
    rng = np.random.default_rng(seed)
    return [(draw(rng, SHAPES[i % 3], count, **kwargs), SHAPES[i % 3]) for i in range(images)]


def test_centre_bias_fit_recovers_a_known_gaussian_centre_density():
    bias = CentreBias.fit(training_set(7))
    shape = (60, 80)
    density, truth = bias.density(shape), gaussian(shape)
    assert density.sum() == pytest.approx(1.0) and density.min() > 0
    assert 0.5 * np.abs(density - truth).sum() < 0.1  # total variation
    rows, cols = np.indices(shape)
    assert (density * rows).sum() / shape[0] == pytest.approx(MEAN[0], abs=0.02)
    assert (density * cols).sum() / shape[1] == pytest.approx(MEAN[1], abs=0.02)
    test = draw(np.random.default_rng(8), shape, 2000)
    fitted = information_gain(density, uniform(shape), test)
    best = information_gain(truth, uniform(shape), test)
    assert fitted > 0.8 and fitted == pytest.approx(best, abs=0.05)


def test_centre_bias_width_follows_the_spread_of_the_data():
    narrow = CentreBias.fit(training_set(9, spread=np.array([0.03, 0.03]), count=200))
    broad = CentreBias.fit(training_set(9, spread=np.array([0.3, 0.3]), count=200))
    assert narrow.width < broad.width
    table = narrow.scores['log_likelihoods']
    assert table.shape == (len(CentreBias.WIDTHS), len(CentreBias.UNIFORM_WEIGHTS))
    assert table.max() == table[CentreBias.WIDTHS.index(narrow.width),
                                CentreBias.UNIFORM_WEIGHTS.index(narrow.uniform_weight)]


def test_centre_bias_ignores_outside_fixations_and_needs_two_images():
    samples = training_set(10, images=6)
    polluted = [(np.vstack([points, [[-1, 0], [shape[0], 0]]]), shape)
                for points, shape in samples] + [(np.zeros((0, 2), dtype=np.int64), (5, 5))]
    np.testing.assert_array_equal(CentreBias.fit(polluted).grid, CentreBias.fit(samples).grid)
    with pytest.raises(ValueError, match='two images'):
        CentreBias.fit(samples[:1])


def test_centre_bias_saves_and_loads_without_pickle(tmp_path):
    bias = CentreBias.fit(training_set(11, images=8), grid=16)
    path = tmp_path / 'centre_bias.npz'
    bias.save(path)
    loaded = CentreBias.load(path)
    np.testing.assert_array_equal(loaded.density((13, 21)), bias.density((13, 21)))
    assert (loaded.width, loaded.uniform_weight) == (bias.width, bias.uniform_weight)
    np.testing.assert_array_equal(loaded.scores['log_likelihoods'],
                                  bias.scores['log_likelihoods'])
    with np.load(path, allow_pickle=False) as data:
        assert all(data[key].dtype != object for key in data.files)
    other = tmp_path / 'other.npz'
    np.savez(other, grid=np.ones((2, 2)))
    with pytest.raises(ValueError, match='not a centre-bias file'):
        CentreBias.load(other)
