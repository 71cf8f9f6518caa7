"""
The builder's timing cache: one file per TensorRT version and GPU, never a reason to fail.

TensorRT refuses a cache made by another version or GPU (``set_timing_cache`` returns False),
``create_timing_cache`` may return None for a damaged blob, and ``get_timing_cache`` returns
None when none is set. Any of these falls back to an empty cache (or none) with a log line; the
file is updated under a lock, merged with what another process may have written meanwhile, and
replaced atomically (Polygraphy's ``EngineBytesFromNetwork`` does the same).
"""

from pathlib import Path
from typing import Callable

from ...errors import StorageError
from ...files import atomic_path, file_lock


def attach(config, path: Path, log: Callable[[str], None]) -> None:
    """Give the builder config the cache stored at ``path``, or an empty one."""
    # no lock needed to read: the file is only ever replaced whole (atomic rename)
    data = path.read_bytes() if path.is_file() else b''
    cache = config.create_timing_cache(data) if data else None
    if cache is not None and config.set_timing_cache(cache, ignore_mismatch=False):
        return
    if data:
        log(f'timing cache {path.name} does not fit this TensorRT/GPU; starting an empty one')
    empty = config.create_timing_cache(b'')
    if empty is None or not config.set_timing_cache(empty, ignore_mismatch=False):
        log('TensorRT refused an empty timing cache; building without one')


def store(config, path: Path, log: Callable[[str], None]) -> None:
    """
    Merge the config's cache into the file at ``path`` (atomically, under a lock).

    A cache that cannot be written (full disk, unwritable folder) is logged and dropped: the
    engine just built is worth more than its timings.
    """
    cache = config.get_timing_cache()
    if cache is None:
        log('no timing cache to save after the build')
        return
    try:
        _merge_and_write(config, cache, path)
    except StorageError as exc:
        log(f'timing cache not saved ({exc})')


def _merge_and_write(config, cache, path: Path) -> None:
    with file_lock(path):
        if path.is_file():
            previous = config.create_timing_cache(path.read_bytes())
            if previous is not None and previous.combine(cache, ignore_mismatch=False):
                cache = previous
        with atomic_path(path) as tmp:
            tmp.write_bytes(bytes(cache.serialize()))
