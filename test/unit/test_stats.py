"""The sliding-window statistics behind the node's diagnostics."""

from msinet_ros.stats import Window


def test_window_rate_and_percentiles_forget_old_values():
    window = Window(seconds=2.0, clock=lambda: 0.0)
    for i in range(11):
        window.add(float(i), now=i * 0.1)  # 10 Hz for one second
    assert abs(window.rate(now=1.0) - 10.0) < 1e-9
    assert window.percentile(50, now=1.0) == 5.0 and window.maximum(now=1.0) == 10.0
    assert window.rate(now=10.0) == 0.0 and window.percentile(50, now=10.0) == 0.0


def test_window_keeps_values_exactly_window_old_and_drops_older_ones():
    window = Window(seconds=2.0)
    window.add(7.0, now=0.0)
    window.add(1.0, now=1.0)
    assert window.maximum(now=2.0) == 7.0  # 2 s old: still inside
    assert window.maximum(now=2.001) == 1.0


def test_window_reads_its_clock_when_no_time_is_given():
    now = [0.0]
    window = Window(seconds=1.0, clock=lambda: now[0])
    for t in (0.0, 0.25, 0.5):
        now[0] = t
        window.add(3.0)
    assert window.rate() == 4.0
    now[0] = 10.0
    assert window.rate() == 0.0 and window.maximum() == 0.0


def test_rate_is_zero_below_two_events_or_without_a_time_span():
    window = Window(seconds=5.0)
    assert window.rate(now=0.0) == 0.0
    window.add(now=1.0)
    assert window.rate(now=1.0) == 0.0
    window.add(now=1.0)
    assert window.rate(now=1.0) == 0.0


def test_count_holds_the_events_of_the_window_only():
    window = Window(seconds=1.0)
    assert window.count(now=0.0) == 0
    for t in (0.0, 0.5, 1.0):
        window.add(now=t)
    assert window.count(now=1.0) == 3
    assert window.count(now=1.6) == 1 and window.count(now=2.1) == 0
