"""Result freshness: the receipt-based bound and the header stamp age."""

import math
import threading

from msinet_ros.errors import ParameterError
from msinet_ros.freshness import bound_s, Freshness, MARGIN_S, stamp_age_s
import pytest


def camera(freshness, period, count, start=100.0):
    """Feed ``count`` arrivals ``period`` apart; return the last arrival time."""
    for i in range(count):
        freshness.arrived(start + i * period)
    return start + (count - 1) * period


def test_the_bound_is_processing_plus_period_plus_margin():
    assert bound_s(0.040, 0.100, 0.010) == pytest.approx(0.150)
    assert bound_s(0.040, 0.100) == pytest.approx(0.140 + MARGIN_S)
    assert MARGIN_S == 0.010
    assert bound_s(0.040, math.inf) == math.inf


def test_a_frame_that_waited_longer_than_one_period_is_late():
    freshness = Freshness()
    last = camera(freshness, 0.100, 10)  # a 10 Hz camera
    # waited 0.150 s in the slot (> 0.100 + 0.010), then 0.050 s of work
    verdict = freshness.judge(received=last, picked=last + 0.150, published=last + 0.200,
                              stamp_age_s=None)
    assert verdict.late and not verdict.fresh
    assert verdict.age_s == pytest.approx(0.200)
    assert verdict.wait_s == pytest.approx(0.150)
    assert verdict.processing_s == pytest.approx(0.050)
    assert verdict.period_s == pytest.approx(0.100)
    assert verdict.bound_s == pytest.approx(0.050 + 0.100 + 0.010)
    assert 'above its bound 160 ms' in verdict.describe()
    assert 'waited 150 ms' in verdict.describe() and 'input period 100 ms' in verdict.describe()


def test_a_frame_that_waited_less_than_one_period_is_not_late_however_slow_the_work():
    freshness = Freshness()
    last = camera(freshness, 0.100, 10)
    verdict = freshness.judge(received=last, picked=last + 0.090, published=last + 2.0,
                              stamp_age_s=None)
    assert not verdict.late and verdict.fresh
    assert verdict.age_s == pytest.approx(2.0) and verdict.bound_s == pytest.approx(2.02)
    assert 'within its bound' in verdict.describe()


def test_a_wait_is_judged_by_the_period_when_the_frame_was_picked_not_a_later_rate():
    freshness = Freshness()
    last = camera(freshness, 1.0, 10)  # a 1 Hz stream while the node starts ...
    picked = last + 0.300  # this frame waited 0.3 s for the worker: under one 1 s period
    at_pick = freshness.period_s
    camera(freshness, 1 / 30, 60, start=picked + 0.010)  # ... then 30 Hz during its inference
    published = picked + 1.0
    assert freshness.judge(last, picked, published, None, period_s=at_pick).fresh
    assert at_pick == pytest.approx(1.0)
    # judged by the rate at publish time the same wait would be late: the rule matters
    assert freshness.judge(last, picked, published, None).late


def test_the_margin_is_the_tolerance_beyond_one_period():
    freshness = Freshness(margin_s=0.020)
    last = camera(freshness, 0.100, 3)
    assert not freshness.judge(last, last + 0.115, last + 0.130, None).late
    assert freshness.judge(last, last + 0.125, last + 0.130, None).late


def test_the_period_is_the_median_gap_robust_to_one_outlier():
    freshness = Freshness()
    for t in (0.0, 0.1, 0.2, 0.3, 1.3, 1.4, 1.5):  # one 1 s gap among 0.1 s gaps
        freshness.arrived(t)
    assert freshness.period_s == pytest.approx(0.1)  # the mean would be 0.25


def test_the_period_uses_the_last_window_gaps_only():
    freshness = Freshness(window=3)
    for t in (0.0, 1.0, 2.0, 3.0, 3.1, 3.2, 3.3):
        freshness.arrived(t)
    assert freshness.period_s == pytest.approx(0.1)
    freshness.reset()
    assert freshness.period_s == math.inf


def test_an_unknown_period_passes_and_says_so():
    freshness = Freshness()
    assert freshness.period_s == math.inf
    freshness.arrived(5.0)  # one frame: still no gap
    assert freshness.period_s == math.inf
    verdict = freshness.judge(5.0, 9.0, 9.5, None)
    assert not verdict.late and verdict.bound_s == math.inf
    assert 'unknown' in verdict.describe()


def test_an_arrival_earlier_than_the_last_adds_no_negative_gap():
    freshness = Freshness()
    for t in (1.0, 1.2, 1.1, 1.4):
        freshness.arrived(t)
    assert freshness.period_s == pytest.approx(0.2)


def test_stamp_age_is_checked_only_when_a_bound_is_set():
    off = Freshness()
    verdict = off.judge(0.0, 0.0, 0.01, stamp_age_s=100.0)
    assert not verdict.stamp_late and verdict.stamp_age_s == 100.0 and verdict.fresh
    assert 'stamp' not in verdict.describe()
    assert not off.judge(0.0, 0.0, 0.01, stamp_age_s=None).stamp_late  # zero stamp, check off

    on = Freshness(max_stamp_age_s=0.5)
    assert not on.judge(0.0, 0.0, 0.01, stamp_age_s=0.4).stamp_late
    late = on.judge(0.0, 0.0, 0.01, stamp_age_s=0.6)
    assert late.stamp_late and not late.late and not late.fresh
    assert 'stamp age 600 ms above 500 ms' in late.describe()


def test_zero_and_future_stamps_are_flagged_as_time_stamp_status_does():
    on = Freshness(max_stamp_age_s=0.5)
    zero = on.judge(0.0, 0.0, 0.01, stamp_age_s=None)
    assert zero.stamp_late and 'zero' in zero.describe()
    ahead = on.judge(0.0, 0.0, 0.01, stamp_age_s=-0.7)
    assert ahead.stamp_future and not ahead.stamp_late and not ahead.fresh
    assert 'future' in ahead.describe()
    assert not on.judge(0.0, 0.0, 0.01, stamp_age_s=-0.3).stamp_future


def test_stamp_age_from_nanoseconds():
    assert stamp_age_s(2_500_000_000, 2_000_000_000) == pytest.approx(0.5)
    assert stamp_age_s(2_000_000_000, 2_100_000_000) == pytest.approx(-0.1)
    assert stamp_age_s(2_000_000_000, 0) is None


def test_arrivals_and_judgements_from_two_threads():
    freshness = Freshness(window=1000)

    def arrivals():
        for i in range(1000):
            freshness.arrived(i * 0.05)

    thread = threading.Thread(target=arrivals)
    thread.start()
    for _ in range(200):
        assert freshness.judge(0.0, 0.0, 0.0, None).period_s in (math.inf, pytest.approx(0.05))
    thread.join()
    assert freshness.period_s == pytest.approx(0.05)


@pytest.mark.parametrize('kwargs', [{'margin_s': -0.001}, {'max_stamp_age_s': -1.0},
                                    {'window': 0}])
def test_bad_settings_are_refused(kwargs):
    with pytest.raises(ParameterError):
        Freshness(**kwargs)
