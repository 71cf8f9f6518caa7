"""
Result freshness: the one definition used by the node, the documentation and the benchmarks.

Two checks judge each published result.

Receipt-based (steady clock, seconds). The result's age is publish time minus the time its
frame was received; its bound is the node's processing of the frame (publish minus pick: all it
did with this frame, inference included) plus the input period plus a margin. Why: the node
keeps only the newest frame in a one-place slot, so a frame can only have waited for the worker
as long as a newer frame took to arrive (a newer one would have replaced it). A result whose
frame waited longer than one input period (plus the margin) was stale: age > bound is exactly
wait > period + margin. The input period is the median of the last ``window`` inter-arrival gaps
(robust to a single hiccup) when the frame was picked, the end of its wait: a camera that changes
rate during a long inference (a 1 Hz start-up stream becoming 30 Hz) does not judge the earlier
wait by the later rate. Until two frames have arrived it is unknown (``math.inf``) and the check
passes, saying so. The margin covers thread switching (Python switches threads every
5 ms).

Stamp age (the node's clock, seconds): publish time minus ``header.stamp``, meaningful with
synchronised clocks or simulated time, against a configured ``max_stamp_age`` (0 turns it off).
As diagnostic_updater's ``TimeStampStatus`` does, a zero stamp (unset) and a stamp too far in the
future (beyond the same bound: the clocks disagree) are flagged too.
"""

from collections import deque
from dataclasses import dataclass
import math
import statistics
import threading
from typing import Deque, Optional

from .errors import ParameterError

MARGIN_S = 0.010  # thread switching: Python's switch interval is 5 ms
WINDOW = 30  # inter-arrival gaps the input period is the median of


def bound_s(processing_s: float, period_s: float, margin_s: float = MARGIN_S) -> float:
    """Return the largest fresh age: processing + input period + margin (inf if unknown)."""
    return processing_s + period_s + margin_s


def stamp_age_s(now_ns: int, stamp_ns: int) -> Optional[float]:
    """Return now minus a header stamp in seconds, or None for a zero (unset) stamp."""
    return None if stamp_ns == 0 else (now_ns - stamp_ns) * 1e-9


@dataclass(frozen=True)
class Verdict:
    """How fresh one result was, and why."""

    age_s: float  # publish - receipt (steady clock)
    bound_s: float  # processing + period + margin
    wait_s: float  # pick - receipt: time in the slot
    processing_s: float  # publish - pick
    period_s: float  # input period (median gap), inf while unknown
    late: bool  # age above bound
    stamp_age_s: Optional[float] = None  # publish - header.stamp; None: zero stamp
    stamp_late: bool = False  # stamp older than max_stamp_age, or zero (check on only)
    stamp_future: bool = False  # stamp ahead of the clock by more than max_stamp_age
    max_stamp_age_s: float = 0.0  # the stamp bound used (0: stamp check off)

    @property
    def fresh(self) -> bool:
        """Return whether both checks passed."""
        return not (self.late or self.stamp_late or self.stamp_future)

    def describe(self) -> str:
        """Return a one-line explanation (for a throttled warning)."""
        parts = [f'result age {self.age_s * 1e3:.0f} ms ' + (
            f'above its bound {self.bound_s * 1e3:.0f} ms' if self.late else
            f'within its bound {self.bound_s * 1e3:.0f} ms') +
            f': waited {self.wait_s * 1e3:.0f} ms in the slot, processing '
            f'{self.processing_s * 1e3:.0f} ms, input period ' +
            (f'{self.period_s * 1e3:.0f} ms' if math.isfinite(self.period_s) else
             'unknown yet (fewer than two frames)')]
        if self.max_stamp_age_s > 0:
            if self.stamp_age_s is None:
                parts.append('header stamp is zero (unset)')
            else:
                verdict = ('above' if self.stamp_late else 'in the future beyond'
                           if self.stamp_future else 'within')
                parts.append(f'stamp age {self.stamp_age_s * 1e3:.0f} ms {verdict} '
                             f'{self.max_stamp_age_s * 1e3:.0f} ms')
        return '; '.join(parts)


class Freshness:
    """Estimate the input period from arrivals and judge results (thread-safe)."""

    def __init__(self, margin_s: float = MARGIN_S, max_stamp_age_s: float = 0.0,
                 window: int = WINDOW):
        if margin_s < 0 or max_stamp_age_s < 0 or window < 1:
            raise ParameterError('margin and max_stamp_age must be >= 0 and window >= 1')
        self.margin_s = margin_s
        self.max_stamp_age_s = max_stamp_age_s
        self._gaps: Deque[float] = deque(maxlen=window)
        self._last: Optional[float] = None
        self._lock = threading.Lock()

    def arrived(self, t: float) -> None:
        """Record a frame's receipt time (steady clock, seconds)."""
        with self._lock:
            if self._last is not None and t >= self._last:
                self._gaps.append(t - self._last)
            if self._last is None or t >= self._last:
                self._last = t

    @property
    def period_s(self) -> float:
        """Return the median of the recent inter-arrival gaps, or inf before two frames."""
        with self._lock:
            return statistics.median(self._gaps) if self._gaps else math.inf

    def reset(self) -> None:
        """Forget the arrivals (e.g. when the camera is unsubscribed and later resubscribed)."""
        with self._lock:
            self._gaps.clear()
            self._last = None

    def judge(self, received: float, picked: float, published: float,
              stamp_age_s: Optional[float], period_s: Optional[float] = None) -> Verdict:
        """
        Judge one result from its frame's receipt, pick and publish times (steady clock).

        ``stamp_age_s`` is publish time minus header stamp on the node's clock (see
        :func:`stamp_age_s`; None for a zero stamp). It is only checked when
        ``max_stamp_age_s`` > 0. ``period_s`` is :attr:`period_s` read when the frame was
        picked (now, when not given).
        """
        period = self.period_s if period_s is None else period_s
        processing = published - picked
        bound = bound_s(processing, period, self.margin_s)
        age = published - received
        limit = self.max_stamp_age_s
        stamp_late = stamp_future = False
        if limit > 0:
            stamp_late = stamp_age_s is None or stamp_age_s > limit
            stamp_future = stamp_age_s is not None and stamp_age_s < -limit
        return Verdict(age_s=age, bound_s=bound, wait_s=picked - received,
                       processing_s=processing, period_s=period, late=age > bound,
                       stamp_age_s=stamp_age_s, stamp_late=stamp_late,
                       stamp_future=stamp_future, max_stamp_age_s=limit)
