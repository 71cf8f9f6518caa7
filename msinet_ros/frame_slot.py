"""A one-place mailbox: the newest item waits for a consumer; older waiting items are dropped."""

import threading
from typing import Generic, Optional, TypeVar

T = TypeVar('T')


class LatestSlot(Generic[T]):
    """Hold at most one waiting item; ``put`` replaces it, ``take`` waits for one."""

    def __init__(self):
        self._item: Optional[T] = None
        self._condition = threading.Condition()
        self._closed = False

    def put(self, item: T) -> bool:
        """Store ``item``; return True if it replaced (dropped) one that was still waiting."""
        with self._condition:
            dropped = self._item is not None
            self._item = item
            self._condition.notify()
            return dropped

    def take(self, timeout: Optional[float] = None) -> Optional[T]:
        """Return the waiting item (emptying the slot), or None on timeout or once closed."""
        with self._condition:
            self._condition.wait_for(lambda: self._item is not None or self._closed, timeout)
            item, self._item = self._item, None
            return None if self._closed else item

    def close(self) -> None:
        """Wake every waiting consumer; later takes return None."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()
