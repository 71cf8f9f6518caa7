"""Inhibition of return: Gaussian in angle, exponential decay, product over entries, pruning."""

import math

from msinet_ros.attention.inhibition import InhibitionOfReturn
from msinet_ros.errors import ParameterError
import numpy as np
import pytest


def direction(azimuth_deg, elevation_deg=0.0):
    """Return a unit vector of the optical-frame convention: z ahead, x right, y down."""
    a, e = math.radians(azimuth_deg), math.radians(elevation_deg)
    return np.array([math.sin(a) * math.cos(e), -math.sin(e), math.cos(a) * math.cos(e)])


def test_an_attended_direction_is_inhibited_by_the_strength_and_a_gaussian_around_it():
    ior = InhibitionOfReturn(sigma_deg=5.0, strength=0.8, decay_s=2.0)
    ior.add(direction(0), 10.0)
    factor = ior.factor([direction(0), direction(5), direction(0, 10), direction(90)], 10.0)
    assert factor == pytest.approx([0.2, 1 - 0.8 * math.exp(-0.5), 1 - 0.8 * math.exp(-2), 1.0])


def test_inhibition_decays_with_time_and_is_forgotten_below_one_percent():
    ior = InhibitionOfReturn(sigma_deg=5.0, strength=0.9, decay_s=2.0)
    ior.add(direction(0), 0.0)
    assert ior.factor([direction(0)], 0.0)[0] == pytest.approx(0.1)  # strong at t0
    assert ior.factor([direction(0)], 2.0)[0] == pytest.approx(1 - 0.9 * math.exp(-1))
    assert ior.factor([direction(0)], 8.0)[0] == pytest.approx(1 - 0.9 * math.exp(-4))
    assert ior.factor([direction(0)], 8.0)[0] > 0.98  # weak after several decay times
    assert len(ior) == 1
    assert ior.factor([direction(0)], 10.0)[0] == 1.0  # 0.9 e^-5 < 1 %: pruned
    assert len(ior) == 0 and ior.entries(10.0) == []


def test_an_image_older_than_an_entry_sees_it_at_full_strength():
    ior = InhibitionOfReturn(sigma_deg=5.0, strength=0.9, decay_s=2.0)
    ior.add(direction(0), 5.0)
    assert ior.factor([direction(0)], 4.9)[0] == pytest.approx(0.1)


def test_entries_multiply_and_report_their_current_strength():
    ior = InhibitionOfReturn(sigma_deg=5.0, strength=0.5, decay_s=1.0)
    ior.add(direction(0), 0.0)
    ior.add(direction(0.0001), 1.0)
    assert ior.factor([direction(0)], 1.0)[0] == pytest.approx(
        (1 - 0.5 * math.exp(-1)) * 0.5, rel=1e-6)
    entries = ior.entries(1.0)
    assert [s for _, s in entries] == pytest.approx([0.5 * math.exp(-1), 0.5])
    assert np.allclose(entries[0][0], direction(0))
    ior.clear()
    assert len(ior) == 0 and ior.factor([direction(0)], 1.0)[0] == 1.0


def test_directions_are_normalised_and_zero_strength_remembers_nothing():
    ior = InhibitionOfReturn(sigma_deg=5.0, strength=1.0, decay_s=1.0)
    ior.add([0.0, 0.0, 3.0], 0.0)
    assert ior.factor([[0.0, 0.0, 1.0]], 0.0)[0] == pytest.approx(0.0)
    off = InhibitionOfReturn(sigma_deg=5.0, strength=0.0, decay_s=1.0)
    off.add([0.0, 0.0, 1.0], 0.0)
    assert len(off) == 0


def test_nonsense_is_refused():
    with pytest.raises(ParameterError, match='sigma'):
        InhibitionOfReturn(sigma_deg=0.0, strength=0.5, decay_s=1.0)
    with pytest.raises(ParameterError, match='direction'):
        InhibitionOfReturn(5.0, 0.5, 1.0).add([0.0, 0.0, 0.0], 0.0)


def test_renewing_the_newest_entry_moves_it_and_restarts_its_decay():
    ior = InhibitionOfReturn(sigma_deg=5.0, strength=1.0, decay_s=1.0)
    ior.add([1.0, 0.0, 0.0], 0.0)
    ior.add([0.0, 1.0, 0.0], 0.0)
    ior.renew_last([0.0, 0.0, 2.0], 3.0)
    (first, s1), (last, s2) = ior.entries(3.0)
    assert np.allclose(first, [1, 0, 0]) and s1 == pytest.approx(math.exp(-3.0))
    assert np.allclose(last, [0, 0, 1]) and s2 == pytest.approx(1.0)
