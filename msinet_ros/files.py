"""
File helpers: atomic writes (temporary file, then rename), locks and content hashes.

A write that the file system refuses (a full disk, a quota, a file size limit, a read-only or
unwritable folder, a file where the folder should be) raises :class:`StorageError` naming the
file and what to do, and leaves nothing half-written where a reader would find it.
"""

from contextlib import contextmanager
import errno
import fcntl
import hashlib
import os
from pathlib import Path
import tempfile
import threading
import time
from typing import Callable, Iterator, Optional

from .errors import StorageError

# errno values of a write the file system refuses for lack of space (disk, quota, RLIMIT_FSIZE)
NO_SPACE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
# ... and of a folder that cannot take the file at all
NOT_WRITABLE = frozenset({errno.EROFS, errno.EACCES, errno.EPERM, errno.ENOTDIR, errno.EEXIST})
WHERE_HINT = ('choose a writable folder (the cache_dir parameter, --cache-dir, or -o for the '
              'tools)')


def storage_error(path: Path, exc: OSError, what: str = 'write') -> StorageError:
    """Return the one-line error for an OSError met while writing ``path``."""
    name = errno.errorcode.get(exc.errno or 0, 'error')
    hint = 'free disk space or ' + WHERE_HINT if exc.errno in NO_SPACE else WHERE_HINT
    return StorageError(f'cannot {what} {path}: {exc.strerror or exc} ({name}); {hint}')


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """
    Yield a temporary path to write; on success it replaces ``target`` in one rename.

    On any exception the temporary file is removed and ``target`` is left as it was, so a
    crash, Ctrl-C or a full disk never leaves half a model or engine behind. A folder that
    cannot be created or written, and a write refused for lack of space, raise
    :class:`StorageError`.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f'.{target.name}.', suffix='.tmp', dir=target.parent)
    except OSError as exc:
        raise storage_error(target, exc) from exc
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException as exc:
        if os.path.exists(tmp):
            os.unlink(tmp)
        if isinstance(exc, OSError) and exc.errno in NO_SPACE | NOT_WRITABLE:
            raise storage_error(target, exc) from exc
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
    :class:`InterruptedError`. A lock file that cannot be created raises
    :class:`StorageError`.
    """
    lock_path = Path(target).with_name(Path(target).name + '.lock')
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock_path, 'a')
    except OSError as exc:
        raise storage_error(lock_path, exc, 'create the lock file') from exc
    with handle:
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
