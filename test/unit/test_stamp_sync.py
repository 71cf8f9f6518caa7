"""Exact-stamp pairing: waiting matches, eviction of old stamps, out-of-order arrival."""

import threading
import time

from msinet_ros.errors import ParameterError
from msinet_ros.stamp_sync import StampedBuffer
import pytest


def test_exact_stamp_matches_and_others_do_not():
    buffer = StampedBuffer()
    buffer.put(1_000_000_000, 'a')
    buffer.put(1_033_000_000, 'b')
    assert buffer.match(1_000_000_000) == 'a' and buffer.match(1_033_000_000) == 'b'
    assert buffer.match(1_000_000_001) is None  # one nanosecond off is another frame
    assert buffer.match(1_000_000_000) == 'a'  # matching does not consume
    assert len(buffer) == 2


def test_a_waiting_match_is_released_by_a_put_from_another_thread():
    buffer = StampedBuffer()
    started = threading.Event()
    result = {}

    def wait():
        started.set()
        result['item'] = buffer.match(42, timeout=10.0)
        result['done'] = time.monotonic()

    waiter = threading.Thread(target=wait)
    waiter.start()
    started.wait()
    # the waiter is inside match() once it holds the condition's wait; let it get there
    deadline = time.monotonic() + 5.0
    while waiter.is_alive() and not buffer._condition._waiters and time.monotonic() < deadline:
        time.sleep(0.001)
    assert buffer._condition._waiters, 'the waiter never waited'
    buffer.put(41, 'other')  # a wrong stamp does not release it
    time.sleep(0.05)
    assert 'item' not in result
    put_at = time.monotonic()
    buffer.put(42, 'info')
    waiter.join(5.0)
    assert result['item'] == 'info'
    assert result['done'] - put_at < 1.0  # released by the put, not by the 10 s timeout


def test_a_match_that_never_arrives_times_out():
    buffer = StampedBuffer()
    start = time.monotonic()
    assert buffer.match(7, timeout=0.05) is None
    assert 0.04 <= time.monotonic() - start < 1.0
    start = time.monotonic()
    assert buffer.match(7) is None and time.monotonic() - start < 0.04  # no timeout: no wait


def test_old_stamps_are_evicted_and_latest_is_the_newest_stamp():
    buffer = StampedBuffer(keep=3)
    for stamp in (10, 20, 30, 40):
        buffer.put(stamp, f'item {stamp}')
    assert len(buffer) == 3
    assert buffer.match(10) is None and buffer.match(20) == 'item 20'
    assert buffer.latest() == 'item 40'


def test_out_of_order_puts_keep_the_newest_stamps():
    buffer = StampedBuffer(keep=3)
    for stamp in (30, 10, 40, 20):
        buffer.put(stamp, stamp)
    assert sorted(stamp for stamp in (10, 20, 30, 40) if buffer.match(stamp)) == [20, 30, 40]
    assert buffer.latest() == 40  # the newest stamp, not the last put
    buffer.put(5, 5)  # older than everything kept: evicted at once
    assert buffer.match(5) is None and len(buffer) == 3


def test_same_stamp_replaces_and_clear_empties():
    buffer = StampedBuffer(keep=2)
    buffer.put(1, 'old')
    buffer.put(1, 'new')
    assert buffer.match(1) == 'new' and len(buffer) == 1
    buffer.clear()
    assert len(buffer) == 0 and buffer.latest() is None


def test_keep_must_be_positive():
    with pytest.raises(ParameterError, match='keep'):
        StampedBuffer(keep=0)
