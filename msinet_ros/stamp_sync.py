"""
Pair messages by exact stamp, as image_transport's CameraSubscriber pairs image and camera_info.

A :class:`StampedBuffer` keeps the last few items of one stream (e.g. camera_info) keyed by
their header stamp in integer nanoseconds; the other stream (the image) asks for the item of its
own stamp, waiting a little for it if the two arrive in either order.
"""

import threading
from typing import Dict, Generic, Optional, TypeVar

from .errors import ParameterError

T = TypeVar('T')


class StampedBuffer(Generic[T]):
    """Thread-safe store of the ``keep`` items with the newest stamps (int nanoseconds)."""

    def __init__(self, keep: int = 10):
        if keep < 1:
            raise ParameterError(f'keep must be at least 1, not {keep}')
        self._keep = keep
        self._items: Dict[int, T] = {}
        self._condition = threading.Condition()

    def put(self, stamp_ns: int, item: T) -> None:
        """Store ``item`` under its stamp (replacing one of the same stamp); drop the oldest."""
        with self._condition:
            self._items[int(stamp_ns)] = item
            while len(self._items) > self._keep:
                del self._items[min(self._items)]
            self._condition.notify_all()

    def match(self, stamp_ns: int, timeout: float = 0.0) -> Optional[T]:
        """Return the item of exactly this stamp, waiting up to ``timeout`` s; else None."""
        stamp_ns = int(stamp_ns)
        with self._condition:
            if timeout > 0:
                self._condition.wait_for(lambda: stamp_ns in self._items, timeout)
            return self._items.get(stamp_ns)

    def latest(self) -> Optional[T]:
        """Return the item with the newest stamp, or None when empty."""
        with self._condition:
            return self._items[max(self._items)] if self._items else None

    def clear(self) -> None:
        """Forget every item."""
        with self._condition:
            self._items.clear()

    def __len__(self) -> int:
        """Return the number of items held."""
        with self._condition:
            return len(self._items)
