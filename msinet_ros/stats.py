"""Rates and latency percentiles over a sliding time window (for diagnostics)."""

from collections import deque
import threading
import time
from typing import Deque, Optional, Tuple

import numpy as np


class Window:
    """Timestamped values of the last ``seconds`` seconds (thread-safe)."""

    def __init__(self, seconds: float = 5.0, clock=time.monotonic):
        self.seconds = seconds
        self._clock = clock
        self._items: Deque[Tuple[float, float]] = deque()
        self._lock = threading.Lock()

    def add(self, value: float = 0.0, now: Optional[float] = None) -> None:
        """Record a value (or just an event) at ``now``."""
        now = self._clock() if now is None else now
        with self._lock:
            self._items.append((now, value))
            self._trim(now)

    def _trim(self, now: float) -> None:
        while self._items and self._items[0][0] < now - self.seconds:
            self._items.popleft()

    def rate(self, now: Optional[float] = None) -> float:
        """Return events per second over the window (0 with fewer than two events)."""
        now = self._clock() if now is None else now
        with self._lock:
            self._trim(now)
            if len(self._items) < 2:
                return 0.0
            span = self._items[-1][0] - self._items[0][0]
            return (len(self._items) - 1) / span if span > 0 else 0.0

    def count(self, now: Optional[float] = None) -> int:
        """Return how many values (events) the window holds."""
        now = self._clock() if now is None else now
        with self._lock:
            self._trim(now)
            return len(self._items)

    def percentile(self, q: float, now: Optional[float] = None) -> float:
        """Return the q-th percentile of the values (0 when empty)."""
        now = self._clock() if now is None else now
        with self._lock:
            self._trim(now)
            values = [value for _, value in self._items]
        return float(np.percentile(values, q)) if values else 0.0

    def maximum(self, now: Optional[float] = None) -> float:
        """Return the largest value in the window (0 when empty)."""
        return self.percentile(100, now)
