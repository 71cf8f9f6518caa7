"""
MATLAB semantics of the legacy measures: imresize, colon, std, eps.

imresize is checked against weights computed by hand here (Keys' cubic, a = -0.5:
k(0.25) = 0.8671875, k(0.75) = 0.2265625, k(1.25) = -0.0703125, k(1.75) = -0.0234375) and
against GNU Octave's image package 2.14 (stored in the legacy fixture) for the factors where
that package equals MATLAB (enlarging, shrinking by an integer factor; it does not normalise
the weights, which only matters for other factors). Tolerance 1e-12: both sides are float64
and differ in summation order only (observed <= 9e-15 on values <= 8).
"""

import json
import pathlib

from msinet_ros.metrics import matlab
import numpy as np
import pytest

DATA = pathlib.Path(__file__).resolve().parents[2] / 'data' / 'metrics'
K025, K075, K125, K175 = 0.8671875, 0.2265625, -0.0703125, -0.0234375


def test_eps_is_matlab_eps():
    assert matlab.EPS == 2.220446049250313e-16 == 2.0 ** -52


def test_std_is_normalised_by_n_minus_one_and_zero_for_one_value():
    # mean 7/3, squared deviations 16/9 + 1/9 + 25/9 = 42/9, / (3 - 1) = 7/3
    assert matlab.std(np.array([[1.0, 2.0], [4.0, 7.0 / 3.0]])) == pytest.approx(
        np.sqrt((42.0 / 9.0) / 3.0), rel=1e-15)
    assert matlab.std(np.array([1.0, 2.0, 4.0])) == pytest.approx(np.sqrt(7.0 / 3.0),
                                                                  rel=1e-15)
    assert matlab.std(np.array([[5.0]])) == 0.0


def test_enlarging_2x_weights_match_hand_computed_cubic_taps():
    # output pixel 1 sits at u = 1 / 2 + 0.25 = 0.75: taps 0 (mirrored to 1) and 1 at
    # distances 0.75 and -0.25, tap -1 (mirrored to 2) and 2 at 1.75 and -1.25
    weights = matlab.resize_weights(4, 8, 2.0)
    assert weights[0] == pytest.approx([K075 + K025, K175 + K125, 0.0, 0.0], abs=1e-15)
    # output pixel 2 at u = 1.25: taps 0..3 at distances 1.25, 0.25, -0.75, -1.75
    assert weights[1] == pytest.approx([K025 + K125, K075, K175, 0.0], abs=1e-15)
    assert weights.sum(axis=1) == pytest.approx(np.ones(8), abs=1e-15)


def test_shrinking_2x_matches_hand_computed_antialiased_weights():
    # scale 1/2: kernel k(x / 2) / 2, 8 wide; output 1 at u = 1.5 reaches taps -2..5 (the
    # ones below 1 mirrored: 0 -> 1, -1 -> 2, -2 -> 3); output 2 at u = 3.5 taps 0..7
    first = np.array([K075 + K025, K125 + K025, K175 + K075, K125, K175, 0, 0, 0]) / 2
    second = np.array([K175 + K125, K075, K025, K025, K075, K125, K175, 0]) / 2
    hand = np.stack([first, second, second[::-1], first[::-1]])
    assert hand.sum(axis=1) == pytest.approx(np.ones(4), abs=1e-15)
    assert matlab.resize_weights(8, 4, 0.5) == pytest.approx(hand, abs=1e-15)
    signal = np.array([[3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0, 6.0]])
    assert matlab.imresize(signal, (1, 4)) == pytest.approx(signal @ hand.T, abs=1e-14)
    assert matlab.imresize(signal, 0.5).shape == (1, 4)


@pytest.mark.parametrize('argument', [0.37, 2.6, (3, 5), (20, 4), 1.0 / 32])
def test_constant_image_stays_constant(argument):
    resized = matlab.imresize(np.full((7, 11), 0.3), argument)
    assert resized == pytest.approx(np.full(resized.shape, 0.3), abs=1e-15)


def test_enlarging_a_linear_ramp_is_exact_away_from_the_edges():
    # cubic convolution reproduces linear functions where all taps lie inside the image;
    # output x sits at u = x / 3 + 1 / 3 (1-based), the ramp there is 2 (u_row - 1) + ...
    image = np.add.outer(2.0 * np.arange(10), 3.0 * np.arange(12))
    resized = matlab.imresize(image, 3.0)
    assert resized.shape == (30, 36)
    u_rows = np.arange(1, 31) / 3 + 1 / 3
    u_cols = np.arange(1, 37) / 3 + 1 / 3
    inside_rows = (u_rows >= 3) & (u_rows <= 10 - 2)
    inside_cols = (u_cols >= 3) & (u_cols <= 12 - 2)
    expected = np.add.outer(2.0 * (u_rows - 1), 3.0 * (u_cols - 1))
    assert inside_rows.sum() > 10 and inside_cols.sum() > 10
    assert resized[np.ix_(inside_rows, inside_cols)] == pytest.approx(
        expected[np.ix_(inside_rows, inside_cols)], abs=1e-12)
    # at the edges symmetric padding bends it (so the check above is not vacuous)
    assert abs(resized[0, 0] - expected[0, 0]) > 1e-3


def test_same_size_returns_the_image_unchanged():
    image = np.random.default_rng(0).random((5, 9))
    assert np.array_equal(matlab.imresize(image, image.shape), image)
    assert np.array_equal(matlab.imresize(image, 1.0), image)


def test_scalar_scale_gives_ceil_of_scaled_size():
    assert matlab.output_size((24, 32), 1 / 32) == (1, 1)
    assert matlab.output_size((480, 640), 1 / 32) == (15, 20)
    assert matlab.imresize(np.ones((33, 65)), 1 / 32).shape == (2, 3)


def test_imresize_rejects_bad_arguments():
    with pytest.raises(ValueError):
        matlab.imresize(np.ones((2, 2, 3)), 0.5)
    with pytest.raises(ValueError):
        matlab.imresize(np.ones((2, 2)), 0.0)
    with pytest.raises(ValueError):
        matlab.imresize(np.ones((2, 2)), (0, 3))


def test_imresize_matches_octave_image_package_where_it_equals_matlab():
    with open(DATA / 'legacy_reference.json', encoding='utf-8') as stream:
        cases = json.load(stream)['imresize']
    with np.load(DATA / 'legacy_reference.npz', allow_pickle=False) as data:
        for name, case in cases.items():
            argument = case['argument']
            argument = argument if np.ndim(argument) == 0 else tuple(argument)
            ours = matlab.imresize(data[f'imresize/{name}/input'].astype(np.float64), argument)
            expected = data[f'imresize/{name}/output']
            assert ours.shape == expected.shape, name
            assert ours == pytest.approx(expected, rel=1e-12, abs=1e-12), name
    assert len(cases) >= 5


def test_colon_builds_from_both_ends_as_matlab():
    # n = 10 intervals: first half 0.1 * k, second half 1 - 0.1 * k, middle (0 + 1) / 2
    values = matlab.colon(0.0, 0.1, 1.0)
    expected = [0.0, 0.1, 0.1 * 2, 0.1 * 3, 0.1 * 4, 0.5,
                1 - 0.1 * 4, 1 - 0.1 * 3, 1 - 0.1 * 2, 1 - 0.1, 1.0]
    assert values.tolist() == expected
    assert 0.3 not in values.tolist()  # MATLAB's FAQ: 0.1 * 3 is not 0.3
    assert 0.7 in values.tolist() and 0.1 * 7 not in values.tolist()  # Octave has 0.1 * 7


def test_colon_end_point_and_special_cases():
    # 0:0.1:0.75: round(7.5) = 8 overshoots, so n = 7 and the end point is 0.1 * 7
    values = matlab.colon(0.0, 0.1, 0.75)
    assert len(values) == 8
    assert values[-1] == 0.1 * 7 and values[3] == 0.1 * 3 and values[4] == 0.1 * 7 - 0.1 * 3
    assert matlab.colon(0.0, 0.1, 0.0).tolist() == [0.0]
    assert matlab.colon(1.0, 1.0, 4.5).tolist() == [1.0, 2.0, 3.0, 4.0]
    assert matlab.colon(1.0, 0.1, 0.0).size == 0
    # within 2 eps of a step the end point snaps to the limit
    assert matlab.colon(0.0, 0.1, 0.9 + 1e-16)[-1] == 0.9 + 1e-16
