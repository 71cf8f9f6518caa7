"""File helpers: atomic writes (temporary file, then rename), locks and content hashes."""

from contextlib import contextmanager
import fcntl
import hashlib
import os
from pathlib import Path
import tempfile
import threading
import time
from typing import Callable, Iterator, Optional


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """
    Yield a temporary path to write; on success it replaces ``target`` in one rename.

    On any exception the temporary file is removed and ``target`` is left as it was, so a
    crash or Ctrl-C never leaves half a model or engine behind.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f'.{target.name}.', suffix='.tmp', dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def file_sha256(path: Path) -> str:
    """Return the SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, 'rb') as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b''):
            digest.update(chunk)
    return digest.hexdigest()


@contextmanager
def file_lock(target: Path, waiting: Optional[Callable[[], None]] = None,
              cancel: Optional[threading.Event] = None, poll_s: float = 0.2) -> Iterator[None]:
    """
    Hold an exclusive lock on ``target`` (through ``target.lock``) across processes.

    Two processes that build the same artefact (two nodes starting together, a node and
    ``msinet build-engine``) take turns: the second finds the first one's result. ``waiting``
    is called once if another process holds the lock; setting ``cancel`` stops waiting with
    :class:`InterruptedError`.
    """
    lock_path = Path(target).with_name(Path(target).name + '.lock')
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, 'a') as handle:
        told = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not told and waiting is not None:
                    waiting()
                told = True
                if cancel is not None and cancel.wait(poll_s):
                    raise InterruptedError(f'stopped waiting for {lock_path}') from None
                if cancel is None:
                    time.sleep(poll_s)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
