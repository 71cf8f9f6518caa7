"""Receipt checks on a camera stream: stamps going back, size and encoding changes."""

from msinet_ros.input_checks import (CHANGE_COUNTERS, ENCODING_CHANGED, SIZE_CHANGED,
                                     STAMP_BACKWARDS, StreamMonitor)


def test_first_frame_changes_nothing():
    assert StreamMonitor().observe(5, 'rgb8', (48, 64)) == []


def test_stamp_going_back_is_reported_once_per_jump_then_followed_again():
    monitor = StreamMonitor()
    monitor.observe(10_000_000_000, 'rgb8', (48, 64))
    (change,) = monitor.observe(7_500_000_000, 'rgb8', (48, 64))
    assert change.counter == STAMP_BACKWARDS
    assert 'went back 2.500 s' in change.text and 'bag loop' in change.text
    # a looped bag continues from its start: each later frame is newer than the one before
    assert monitor.observe(7_600_000_000, 'rgb8', (48, 64)) == []
    assert monitor.observe(7_600_000_000, 'rgb8', (48, 64)) == []  # a repeat is not a jump


def test_size_and_encoding_changes_are_reported_against_the_previous_frame():
    monitor = StreamMonitor()
    monitor.observe(1, 'rgb8', (48, 64))
    changes = monitor.observe(2, 'bgr8', (100, 100))
    assert [c.counter for c in changes] == [SIZE_CHANGED, ENCODING_CHANGED]
    assert '48x64 to 100x100' in changes[0].text and "'rgb8' to 'bgr8'" in changes[1].text
    assert [c.counter for c in monitor.observe(3, 'bgr8', (48, 64))] == [SIZE_CHANGED]
    assert monitor.observe(4, 'bgr8', (48, 64)) == []


def test_compressed_frames_without_a_size_keep_the_last_known_one():
    monitor = StreamMonitor()
    monitor.observe(1, 'jpeg', None)
    assert [c.counter for c in monitor.observe(2, 'png', None)] == [ENCODING_CHANGED]
    monitor.observe(3, 'rgb8', (48, 64))
    assert monitor.observe(4, 'rgb8', None) == []
    assert [c.counter for c in monitor.observe(5, 'rgb8', (10, 10))] == [SIZE_CHANGED]


def test_all_three_at_once_and_reset_forgets():
    monitor = StreamMonitor()
    monitor.observe(9, 'rgb8', (48, 64))
    assert [c.counter for c in monitor.observe(1, 'mono8', (4, 4))] == list(CHANGE_COUNTERS)
    monitor.reset()
    assert monitor.observe(0, 'bgr8', (8, 8)) == []
