"""The newest-frame slot between the image callback and the inference worker."""

import sys
import threading
import time

from msinet_ros.frame_slot import LatestSlot
import pytest


def _wait_until_waiting(slot: LatestSlot, consumers: int, deadline_s: float = 5.0) -> None:
    """
    Return once ``consumers`` threads are blocked inside ``slot.take()``.

    A thread is in the condition's waiter queue only between entering ``Condition.wait`` and
    being notified, so a put or close after this returns must be the one that wakes it.
    """
    deadline = time.monotonic() + deadline_s
    while True:
        with slot._condition:
            waiting = len(slot._condition._waiters)
        if waiting >= consumers:
            return
        assert time.monotonic() < deadline, f'{waiting} of {consumers} consumers waiting'
        time.sleep(0.001)


def _consumer(slot: LatestSlot, got: list) -> threading.Thread:
    """Start a daemon thread that takes once with no timeout (only a put or close ends it)."""
    thread = threading.Thread(target=lambda: got.append(slot.take()), daemon=True)
    thread.start()
    return thread


def test_slot_keeps_only_the_newest_and_reports_drops():
    slot = LatestSlot()
    assert slot.put(1) is False
    assert slot.put(2) is True  # 1 was still waiting: dropped
    assert slot.take(timeout=0) == 2
    assert slot.take(timeout=0.01) is None


def test_put_wakes_a_consumer_waiting_in_take():
    slot = LatestSlot()
    got = []
    consumer = _consumer(slot, got)
    _wait_until_waiting(slot, 1)
    assert got == []
    assert slot.put('frame') is False
    consumer.join(5)
    assert not consumer.is_alive() and got == ['frame']


def test_close_wakes_every_waiting_consumer_and_later_takes_return_none():
    slot = LatestSlot()
    got = []
    consumers = [_consumer(slot, got) for _ in range(3)]
    _wait_until_waiting(slot, 3)
    slot.close()
    for consumer in consumers:
        consumer.join(5)
    assert not any(consumer.is_alive() for consumer in consumers)
    assert got == [None, None, None]
    slot.put('late')
    assert slot.take(timeout=0) is None  # closed: even a waiting item is not handed out


@pytest.fixture
def frequent_thread_switches():
    """Make the interpreter switch threads every microsecond, so put and take interleave."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(previous)


def test_contended_put_and_take_hand_out_ever_newer_items_and_count_every_drop(
        frequent_thread_switches):
    slot = LatestSlot()
    count = 20000
    dropped = []
    taken = []

    def produce():
        dropped.extend(slot.put(i) for i in range(count))

    def consume():
        while not taken or taken[-1] != count - 1:
            item = slot.take(timeout=5)
            if item is None:
                return  # timed out: the assertions below report it
            taken.append(item)

    consumer = threading.Thread(target=consume, daemon=True)
    producer = threading.Thread(target=produce, daemon=True)
    consumer.start()
    producer.start()
    producer.join(30)
    consumer.join(30)
    assert not producer.is_alive() and not consumer.is_alive()
    assert taken[-1] == count - 1  # the last item is never dropped: nothing replaces it
    assert all(a < b for a, b in zip(taken, taken[1:])), 'an item older than one taken before'
    assert sum(dropped) + len(taken) == count  # each item is either taken or reported dropped
    assert slot.take(timeout=0) is None
