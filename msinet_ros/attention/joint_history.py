"""
A short history of joint states, without ROS: joint positions and speed at a past timestamp.

Saliency maps arrive hundreds of milliseconds after their image was taken, so the head pose
and speed are wanted at the image's stamp, not now. Each joint keeps its own series of samples
(a robot may publish its joints in several ``JointState`` messages), sorted by stamp whatever
the arrival order, and only ``horizon_s`` seconds behind the newest sample.
"""

from bisect import bisect_left, bisect_right
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from ..errors import ParameterError


class _Series:
    """The samples of one joint, sorted by stamp; velocity NaN where none was reported."""

    __slots__ = ('stamps', 'positions', 'velocities')

    def __init__(self):
        self.stamps: List[float] = []
        self.positions: List[float] = []
        self.velocities: List[float] = []

    def insert(self, stamp: float, position: float, velocity: float):
        """Insert a sample in stamp order; a sample with the same stamp replaces the old one."""
        index = bisect_left(self.stamps, stamp)
        if index < len(self.stamps) and self.stamps[index] == stamp:
            self.positions[index], self.velocities[index] = position, velocity
        else:
            self.stamps.insert(index, stamp)
            self.positions.insert(index, position)
            self.velocities.insert(index, velocity)

    def drop_before(self, stamp: float):
        """Forget the samples older than a stamp."""
        count = bisect_left(self.stamps, stamp)
        if count:
            del self.stamps[:count], self.positions[:count], self.velocities[:count]

    def covers(self, stamp: float, tolerance: float) -> bool:
        """Return whether a stamp lies within the samples' span widened by the tolerance."""
        return bool(self.stamps) and \
            self.stamps[0] - tolerance <= stamp <= self.stamps[-1] + tolerance

    def segment(self, stamp: float):
        """Return the two sample indices around a stamp and the weight of the second."""
        last = len(self.stamps) - 1
        if stamp <= self.stamps[0] or last == 0:
            return 0, min(1, last), 0.0
        if stamp >= self.stamps[-1]:
            return last - 1, last, 1.0
        after = bisect_right(self.stamps, stamp)
        before = after - 1
        span = self.stamps[after] - self.stamps[before]
        return before, after, (stamp - self.stamps[before]) / span

    def position(self, stamp: float) -> float:
        """Interpolate the position linearly (end values held)."""
        before, after, weight = self.segment(stamp)
        return (1.0 - weight) * self.positions[before] + weight * self.positions[after]

    def speed(self, stamp: float) -> Optional[float]:
        """Return |velocity|: interpolated reported velocities, else a position difference."""
        before, after, weight = self.segment(stamp)
        v0, v1 = self.velocities[before], self.velocities[after]
        if weight == 0.0 and not math.isnan(v0):
            return abs(v0)
        if weight == 1.0 and not math.isnan(v1):
            return abs(v1)
        if not (math.isnan(v0) or math.isnan(v1)):
            return abs((1.0 - weight) * v0 + weight * v1)
        if before == after:
            return None  # one sample without a velocity: the speed is unknown
        span = self.stamps[after] - self.stamps[before]
        return abs(self.positions[after] - self.positions[before]) / span


class JointStateHistory:
    """
    Joint positions and velocities over the last ``horizon_s`` seconds, per joint.

    A sample more than ``horizon_s`` older than the newest one means that the clock jumped
    back (a simulation reset, a looping bag): the history restarts from it.
    """

    def __init__(self, horizon_s: float = 5.0):
        """Keep samples up to ``horizon_s`` seconds behind the newest one."""
        if not horizon_s > 0.0 or not math.isfinite(horizon_s):
            raise ParameterError(f'the joint state horizon must be > 0 s, not {horizon_s}')
        self.horizon_s = float(horizon_s)
        self._series: Dict[str, _Series] = {}
        self._newest = -math.inf

    @property
    def names(self) -> List[str]:
        """Return the names of the joints seen so far."""
        return list(self._series)

    @property
    def newest_stamp(self) -> Optional[float]:
        """Return the newest sample's stamp, or None before the first sample."""
        return None if self._newest == -math.inf else self._newest

    def clear(self):
        """Forget every sample (e.g. when the clock jumps back)."""
        self._series.clear()
        self._newest = -math.inf

    def add(self, stamp_s: float, names: Sequence[str], positions: Sequence[float],
            velocities: Optional[Sequence[float]] = None):
        """
        Add the joints of one ``JointState`` message (empty or NaN positions are skipped).

        Raises ValueError if the arrays do not match the names, as JointState requires.
        """
        names = list(names)
        positions = [] if positions is None else list(positions)
        velocities = [] if velocities is None else list(velocities)
        if not positions:
            return
        if len(positions) != len(names) or velocities and len(velocities) != len(names):
            raise ValueError(f'joint state with {len(names)} names, {len(positions)} positions '
                             f'and {len(velocities)} velocities: they must match')
        stamp = float(stamp_s)
        if not math.isfinite(stamp):
            return
        if stamp < self._newest - self.horizon_s:
            self.clear()
        for index, name in enumerate(names):
            position = float(positions[index])
            if not math.isfinite(position):
                continue
            velocity = float(velocities[index]) if velocities else math.nan
            if math.isinf(velocity):
                velocity = math.nan
            self._series.setdefault(name, _Series()).insert(stamp, position, velocity)
        if stamp > self._newest:
            self._newest = stamp
            for series in self._series.values():
                series.drop_before(stamp - self.horizon_s)
            for name in [name for name, series in self._series.items() if not series.stamps]:
                del self._series[name]

    def _covering(self, stamp_s: float, names: Sequence[str],
                  tolerance_s: float) -> Optional[List[_Series]]:
        """Return the series of the joints if all of them cover the stamp, else None."""
        series = [self._series.get(name) for name in names]
        if any(s is None or not s.covers(stamp_s, tolerance_s) for s in series):
            return None
        return series

    def positions_at(self, stamp_s: float, names: Sequence[str],
                     tolerance_s: float) -> Optional[np.ndarray]:
        """
        Return the joints' positions at a stamp, linearly interpolated, or None.

        None when a joint is unknown or the stamp is more than ``tolerance_s`` outside its
        samples; within the tolerance beyond the first or last sample, that sample is held.
        """
        series = self._covering(stamp_s, names, tolerance_s)
        if series is None:
            return None
        return np.array([s.position(stamp_s) for s in series], np.float64)

    def speed_at(self, stamp_s: float, names: Sequence[str],
                 tolerance_s: float) -> Optional[float]:
        """
        Return the largest |joint velocity| (rad/s or m/s) at a stamp, or None.

        Reported velocities are interpolated where both neighbouring samples have one; otherwise
        the speed is the position difference over the samples around the stamp. None as for
        :meth:`positions_at`, or when a joint has a single sample without a velocity.
        """
        series = self._covering(stamp_s, names, tolerance_s)
        if series is None:
            return None
        speeds = [s.speed(stamp_s) for s in series]
        if any(speed is None for speed in speeds):
            return None
        return max(speeds, default=0.0)
