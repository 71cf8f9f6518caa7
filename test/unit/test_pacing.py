"""Rate pacing: wait for the next slot, then take the newest frame."""

from msinet_ros.pacing import RatePacer
import pytest


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now=0.0):
        self.now = now

    def __call__(self):
        return self.now


def test_no_limit_and_no_previous_result_mean_no_wait():
    pacer = RatePacer(FakeClock())
    assert pacer.delay(2.0) == 0.0  # nothing started yet
    pacer.started()
    assert pacer.delay(0.0) == 0.0 and pacer.delay(-1.0) == 0.0


def test_delay_counts_down_to_the_next_slot_from_the_injected_clock():
    clock = FakeClock(10.0)
    pacer = RatePacer(clock)
    pacer.started()
    assert pacer.delay(4.0) == pytest.approx(0.25)
    clock.now = 10.1
    assert pacer.delay(4.0) == pytest.approx(0.15)
    assert pacer.delay(4.0, now=10.2) == pytest.approx(0.05)
    clock.now = 11.0
    assert pacer.delay(4.0) == 0.0  # overdue: start at once
    pacer.started(now=11.0)
    assert pacer.delay(2.0, now=11.0) == pytest.approx(0.5)
    pacer.reset()
    assert pacer.delay(2.0, now=11.0) == 0.0


def simulate(camera_hz, inference_s, max_rate, duration, pace):
    """
    Run a worker against a camera on a fake clock; return the times results were delivered.

    ``pace`` True: wait for the pacer's slot, then take the newest frame. False: the old way,
    take each frame as it comes and drop it if it is too soon after the last result.
    """
    clock = FakeClock()
    pacer = RatePacer(clock)
    period = 1.0 / camera_hz
    taken = -1  # index of the last frame taken
    last_output = float('-inf')
    results = []
    while clock.now < duration:
        if pace:
            clock.now += pacer.delay(max_rate)
        newest = int(clock.now / period + 1e-9)  # frames arrive at 0, period, 2 period, ...
        if newest <= taken:  # nothing new in the slot: wait for the next frame
            newest = taken + 1
            clock.now = newest * period
        taken = newest
        if not pace and clock.now - last_output < 1.0 / max_rate:
            continue  # the old node dropped it
        pacer.started()
        clock.now += inference_s
        last_output = clock.now
        results.append(clock.now)
    return results


def test_a_2hz_camera_with_0_4s_inference_and_max_rate_1_5_delivers_1_5hz():
    results = simulate(camera_hz=2.0, inference_s=0.4, max_rate=1.5, duration=60.0, pace=True)
    rate = (len(results) - 1) / (results[-1] - results[0])
    assert rate == pytest.approx(1.5, rel=0.02)
    gaps = [b - a for a, b in zip(results, results[1:])]
    assert min(gaps) >= 1 / 1.5 - 1e-9  # never faster than max_rate
    # dropping frames that come too soon instead gave a third of the camera's rate
    dropping = simulate(camera_hz=2.0, inference_s=0.4, max_rate=1.5, duration=60.0,
                        pace=False)
    assert (len(dropping) - 1) / (dropping[-1] - dropping[0]) == pytest.approx(2 / 3, rel=0.02)


def test_pacing_never_exceeds_what_camera_and_inference_allow():
    # max_rate above the camera: every frame is used, at the camera's 2 Hz
    results = simulate(camera_hz=2.0, inference_s=0.1, max_rate=5.0, duration=30.0, pace=True)
    assert (len(results) - 1) / (results[-1] - results[0]) == pytest.approx(2.0, rel=0.02)
    # inference slower than max_rate: back to back at 1 / inference
    results = simulate(camera_hz=30.0, inference_s=0.5, max_rate=5.0, duration=30.0,
                       pace=True)
    assert (len(results) - 1) / (results[-1] - results[0]) == pytest.approx(2.0, rel=0.05)
