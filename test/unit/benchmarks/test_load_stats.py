"""The load scripts' arithmetic (benchmarks/load_stats.py): percentiles, growth, log times."""

import math
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import load_stats  # noqa: E402
from msinet_ros.freshness import MARGIN_S  # noqa: E402
import pytest  # noqa: E402


def test_percentile_interpolates_like_numpy_and_is_nan_when_empty():
    values = [4.0, 1.0, 3.0, 2.0]
    assert load_stats.percentile(values, 0) == 1.0
    assert load_stats.percentile(values, 50) == 2.5
    assert load_stats.percentile(values, 95) == pytest.approx(3.85)
    assert load_stats.percentile(values, 100) == 4.0
    assert math.isnan(load_stats.percentile([], 50))
    with pytest.raises(ValueError):
        load_stats.percentile(values, 101)


def test_growth_ignores_the_warm_up_and_single_outliers_at_the_ends():
    times = [0, 5, 10, 15, 20, 25, 30, 35, 40]
    # a warm-up climb, then flat at 100 with one spike at each end of the kept samples
    values = [50, 80, 100, 130, 100, 100, 100, 100, 140]
    g = load_stats.growth(times, values, warmup_s=10, ends=3)
    assert g['start'] == 100 and g['end'] == 100 and g['growth'] == 0
    assert g['min'] == 100 and g['max'] == 140 and g['samples'] == 7 and g['span_s'] == 30


def test_growth_reports_a_steady_leak_as_growth_and_slope():
    times = [float(t) for t in range(0, 601, 10)]
    values = [500.0 + 0.01 * t for t in times]  # 0.01 MB/s = 36 MB/h
    g = load_stats.growth(times, values, warmup_s=60)
    assert g['slope_per_hour'] == pytest.approx(36.0)
    assert g['growth'] == pytest.approx(0.01 * (590 - 70))


def test_growth_refuses_too_few_samples_after_the_warm_up():
    with pytest.raises(ValueError, match='run longer'):
        load_stats.growth([0, 5, 10, 15], [1, 2, 3, 4], warmup_s=10)


def test_log_times_reads_the_first_line_of_each_stamp_in_the_console_format():
    log = '\n'.join([
        '[INFO] [1795851200.000000001] [soak.soak]: active',
        '[DEBUG] [1795851201.250000000] [soak.soak]: inference started: stamp 17',
        '[DEBUG] [1795851202.500000000] [soak.soak]: inference done: stamp 17 (preprocess 4.0 '
        'ms, inference 450.1 ms)',
        '[DEBUG] [1795851202.600000000] [soak.soak]: inference done: stamp 170',
        '[DEBUG] [1795851203.000000000] [soak.soak]: inference started: stamp 18',
        '[DEBUG] [1795851209.000000000] [soak.soak]: inference started: stamp 18',
        'inference started: stamp 19',  # not a log line
    ])
    assert load_stats.log_times(log, 'inference started') == {17: 1795851201.25,
                                                              18: 1795851203.0}
    assert load_stats.log_times(log, 'inference done') == {17: 1795851202.5, 170: 1795851202.6}


def test_log_stage_ms_reads_each_frames_stage_timings_from_its_done_line():
    log = '\n'.join([
        '[DEBUG] [1795851201.2] [n]: inference started: stamp 17',
        '[DEBUG] [1795851202.5] [n]: inference done: stamp 17 (preprocess 4.0 ms, inference '
        '450.1 ms, postprocess 1.2 ms, total 455.3 ms, outputs 0.0 ms)',
        '[DEBUG] [1795851203.5] [n]: inference done: stamp 18',  # an older node: no timings
        '[DEBUG] [1795851204.5] [n]: inference done: stamp 17 (inference 9.0 ms)',
    ])
    assert load_stats.log_stage_ms(log) == {17: {
        'preprocess': 4.0, 'inference': 450.1, 'postprocess': 1.2, 'total': 455.3,
        'outputs': 0.0}}


def test_judge_from_outside_follows_the_nodes_definition():
    period = 1 / 30
    sent = {i: i * period for i in range(40)}  # a 30 Hz camera
    # frame 31 is picked 5 ms after it was sent: fresh; frame 20 was picked after 3 periods
    # behind an earlier inference: stale by 2 periods - margin
    picked = {31: sent[31] + 0.005, 20: sent[20] + 3 * period}
    received = {20: sent[20] + 3 * period + 0.4, 31: sent[31] + 0.405}
    judged = load_stats.judge_from_outside(sent, picked, received)
    assert [stamp for stamp, _ in judged] == [20, 31]
    stale, fresh = (verdict for _, verdict in judged)
    assert stale.late and not fresh.late
    assert stale.period_s == pytest.approx(period)
    excess = load_stats.excess_ms([stale, fresh])
    assert excess[0] == pytest.approx((2 * period - MARGIN_S) * 1e3)
    assert excess[1] == pytest.approx((0.005 - period - MARGIN_S) * 1e3)


def test_judge_from_outside_reads_the_period_when_the_frame_was_picked():
    sent = {i: float(i) for i in range(5)}  # 1 Hz ...
    sent.update({100 + i: 4.31 + i / 30 for i in range(40)})  # ... then 30 Hz from 4.31 s
    picked = {4: 4.3}  # frame 4 waited 0.3 s: under its 1 s period
    judged = load_stats.judge_from_outside(sent, picked, {4: 5.3})
    assert judged[0][1].period_s == pytest.approx(1.0) and not judged[0][1].late


def test_judge_from_outside_skips_results_without_a_pick_and_unknown_periods():
    judged = load_stats.judge_from_outside({1: 0.0, 2: 0.1}, {1: 0.01}, {1: 0.05, 2: 0.5})
    assert [stamp for stamp, _ in judged] == [1]  # 2 was never picked (no log line)
    # only one frame had arrived when result 1 came: the period is unknown, not judged
    assert load_stats.excess_ms([v for _, v in judged]) == []


def test_counted_subtracts_the_counters_at_the_start():
    before = {'frames received': '10', 'frames late': '1', 'state': 'active'}
    after = {'frames received': '70', 'frames late': '1', 'frames dropped': '5'}
    assert load_stats.counted(before, after) == {'received': 60, 'late': 0, 'dropped': 5}


def test_rounded_keeps_integers_and_turns_nan_into_none():
    assert load_stats.rounded([1.234, 7, math.nan, None], 1) == [1.2, 7, None, None]
