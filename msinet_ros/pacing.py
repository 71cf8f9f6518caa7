"""
Output-rate pacing for ``max_rate``: wait for the next slot, then take the newest frame.

Dropping every frame that arrives too soon after the last result delivers far less than
``max_rate``: with a 2 Hz camera, 0.4 s inference and ``max_rate`` 1.5, the frame after a result
always comes too soon and only every third one is used (0.67 Hz). Instead the worker asks
:meth:`RatePacer.delay` how long to wait before starting the next result, waits that long (the
slot keeps replacing its frame meanwhile), takes the newest frame and calls
:meth:`RatePacer.started`. Starts are then at least 1 / ``max_rate`` apart, and results come at
``max_rate`` whenever the camera and the inference are fast enough.
"""

import time
from typing import Callable, Optional


class RatePacer:
    """Space result starts at least 1 / max_rate apart (used from the worker thread only)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        self._last: Optional[float] = None

    def delay(self, max_rate: float, now: Optional[float] = None) -> float:
        """Return seconds until the next result may start (0 if max_rate <= 0 or none yet)."""
        if max_rate <= 0 or self._last is None:
            return 0.0
        now = self._clock() if now is None else now
        return max(0.0, self._last + 1.0 / max_rate - now)

    def started(self, now: Optional[float] = None) -> None:
        """Record that a result started now (when its frame was taken)."""
        self._last = self._clock() if now is None else now

    def reset(self) -> None:
        """Forget the last start (the next result may start at once)."""
        self._last = None
