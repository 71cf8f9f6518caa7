"""The newest-frame slot and the sliding-window statistics behind the node's diagnostics."""

import threading

from msinet_ros.frame_slot import LatestSlot
from msinet_ros.stats import Window


def test_slot_keeps_only_the_newest_and_reports_drops():
    slot = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True  # 1 was still waiting: dropped
    assert slot.take(timeout=0) == 2
    assert slot.take(timeout=0.01) is None


def test_slot_wakes_a_waiting_consumer_and_closes():
    slot = LatestSlot()
    got = []
    consumer = threading.Thread(target=lambda: got.append(slot.take(timeout=5)))
    consumer.start()
    slot.put('frame')
    consumer.join(5)
    assert got == ['frame']
    waiter = threading.Thread(target=lambda: got.append(slot.take(timeout=5)))
    waiter.start()
    slot.close()
    waiter.join(5)
    assert got == ['frame', None] and not waiter.is_alive()


def test_window_rate_and_percentiles_forget_old_values():
    window = Window(seconds=2.0, clock=lambda: 0.0)
    for i in range(11):
        window.add(float(i), now=i * 0.1)  # 10 Hz for one second
    assert abs(window.rate(now=1.0) - 10.0) < 1e-9
    assert window.percentile(50, now=1.0) == 5.0 and window.maximum(now=1.0) == 10.0
    assert window.rate(now=10.0) == 0.0 and window.percentile(50, now=10.0) == 0.0
