"""File helpers: atomic writes (temporary file, then rename) and content hashes."""

from contextlib import contextmanager
import hashlib
import os
from pathlib import Path
import tempfile
from typing import Iterator


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
