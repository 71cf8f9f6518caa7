"""Joint state history: interpolation at a stamp, tolerance, arrival order, speed, memory."""

import math

from msinet_ros.attention.joint_history import JointStateHistory
from msinet_ros.errors import ParameterError
import numpy as np
import pytest

NAMES = ['pan', 'tilt']


def history_of(samples, velocities=None, horizon_s=5.0):
    history = JointStateHistory(horizon_s)
    for index, (stamp, positions) in enumerate(samples):
        history.add(stamp, NAMES, positions, None if velocities is None else velocities[index])
    return history


def test_positions_between_two_samples_are_linearly_interpolated():
    history = history_of([(1.0, [0.0, 1.0]), (2.0, [1.0, -1.0])])
    np.testing.assert_allclose(history.positions_at(1.25, NAMES, 0.0), [0.25, 0.5])
    np.testing.assert_allclose(history.positions_at(2.0, ['tilt'], 0.0), [-1.0])
    assert history.positions_at(1.5, NAMES, 0.0).dtype == np.float64


def test_within_tolerance_beyond_the_ends_the_end_value_is_held():
    history = history_of([(1.0, [0.0, 1.0]), (2.0, [1.0, -1.0])])
    np.testing.assert_allclose(history.positions_at(2.05, NAMES, 0.1), [1.0, -1.0])
    np.testing.assert_allclose(history.positions_at(0.95, NAMES, 0.1), [0.0, 1.0])


def test_beyond_the_tolerance_or_for_an_unknown_joint_there_is_no_answer():
    history = history_of([(1.0, [0.0, 1.0]), (2.0, [1.0, -1.0])])
    assert history.positions_at(2.2, NAMES, 0.1) is None
    assert history.positions_at(0.8, NAMES, 0.1) is None
    assert history.positions_at(1.5, ['pan', 'elbow'], 0.1) is None
    assert JointStateHistory().positions_at(0.0, NAMES, 1.0) is None
    assert history.speed_at(2.2, NAMES, 0.1) is None


def test_out_of_order_samples_are_sorted_and_duplicate_stamps_replace():
    history = history_of([(2.0, [2.0, 0.0]), (1.0, [1.0, 0.0]), (3.0, [3.0, 0.0]),
                          (2.0, [5.0, 0.0])])
    np.testing.assert_allclose(history.positions_at(1.5, ['pan'], 0.0), [3.0])
    np.testing.assert_allclose(history.positions_at(2.0, ['pan'], 0.0), [5.0])
    np.testing.assert_allclose(history.positions_at(2.5, ['pan'], 0.0), [4.0])


def test_joints_published_in_separate_messages_are_interpolated_each_on_its_own():
    history = JointStateHistory()
    history.add(0.00, ['pan'], [0.0])
    history.add(0.05, ['tilt'], [1.0])
    history.add(0.10, ['pan'], [0.2])
    history.add(0.15, ['tilt'], [0.0])
    np.testing.assert_allclose(history.positions_at(0.1, ['pan', 'tilt'], 0.0), [0.2, 0.5])
    assert sorted(history.names) == ['pan', 'tilt']


def test_speed_interpolates_reported_velocities():
    history = history_of([(1.0, [0.0, 0.0]), (2.0, [0.0, 0.0])],
                         velocities=[[1.0, -3.0], [2.0, 1.0]])
    assert history.speed_at(1.25, NAMES, 0.0) == pytest.approx(2.0)  # |-3 + 0.25 * 4|
    assert history.speed_at(1.75, NAMES, 0.0) == pytest.approx(1.75)  # max(1.75, 0)
    assert history.speed_at(2.05, NAMES, 0.1) == pytest.approx(2.0)  # the last one, held


def test_speed_without_velocities_is_the_position_difference_over_time():
    history = history_of([(1.0, [0.0, 0.0]), (1.1, [0.05, -0.3]), (1.2, [0.05, -0.3])])
    assert history.speed_at(1.05, NAMES, 0.0) == pytest.approx(3.0)
    assert history.speed_at(1.15, NAMES, 0.0) == pytest.approx(0.0)
    assert history.speed_at(1.25, NAMES, 0.1) == pytest.approx(0.0)
    assert history.speed_at(0.95, NAMES, 0.1) == pytest.approx(3.0)
    empty_velocities = history_of([(0.0, [0.0, 0.0]), (0.5, [1.0, 0.0])], [[], []])
    assert empty_velocities.speed_at(0.25, NAMES, 0.0) == pytest.approx(2.0)


def test_speed_of_a_single_sample_is_its_velocity_or_unknown():
    assert history_of([(1.0, [0.0, 0.0])], [[0.5, -0.7]]).speed_at(1.0, NAMES, 0.1) == \
        pytest.approx(0.7)
    assert history_of([(1.0, [0.0, 0.0])]).speed_at(1.0, NAMES, 0.1) is None


def test_samples_older_than_the_horizon_behind_the_newest_are_dropped():
    history = JointStateHistory(horizon_s=1.0)
    for step in range(1000):
        history.add(step * 0.01, NAMES, [step, -step])
    assert history.positions_at(8.0, NAMES, 0.0) is None
    np.testing.assert_allclose(history.positions_at(9.5, NAMES, 0.0), [950.0, -950.0])
    assert len(history._series['pan'].stamps) <= 101
    assert history.newest_stamp == pytest.approx(9.99)


def test_a_clock_jumping_back_beyond_the_horizon_restarts_the_history():
    history = history_of([(100.0, [1.0, 1.0]), (101.0, [2.0, 2.0])], horizon_s=5.0)
    history.add(0.5, NAMES, [7.0, 7.0])  # e.g. a simulation reset
    assert history.positions_at(100.5, NAMES, 0.1) is None
    np.testing.assert_allclose(history.positions_at(0.5, NAMES, 0.0), [7.0, 7.0])


def test_clear_forgets_everything():
    history = history_of([(1.0, [0.0, 0.0])])
    history.clear()
    assert history.positions_at(1.0, NAMES, 1.0) is None and history.newest_stamp is None


def test_empty_or_nan_positions_are_skipped_and_mismatched_arrays_refused():
    history = JointStateHistory()
    history.add(1.0, NAMES, [])  # a JointState carrying only efforts
    assert history.names == []
    history.add(1.0, NAMES, [0.3, math.nan])
    assert history.names == ['pan']
    with pytest.raises(ValueError, match='2 names, 1 positions'):
        history.add(2.0, NAMES, [0.0])
    with pytest.raises(ValueError, match='3 velocities'):
        history.add(2.0, NAMES, [0.0, 0.0], [0.0, 0.0, 0.0])
    with pytest.raises(ParameterError, match='horizon'):
        JointStateHistory(0.0)
