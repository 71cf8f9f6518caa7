"""Load a cached engine, or build (and cache) it when it is missing or does not fit."""

from pathlib import Path
import threading
from typing import Callable, Optional, Tuple, TypeVar

from .planning import EngineMismatchError
from ...files import atomic_path, file_lock

T = TypeVar('T')


def load_or_build(engine_path: Path, load: Callable[[bytes], T],
                  build: Optional[Callable[[], bytes]], allow_rebuild: bool,
                  log: Callable[[str], None] = lambda message: None,
                  cancel: Optional[threading.Event] = None,
                  rebuild_hint: str = '`msinet build-engine MODEL.onnx -o ENGINE`') -> T:
    """
    Return ``load(engine bytes)``, building the engine first if needed.

    ``build`` is None when no ONNX is known (the user gave an engine file). An engine that
    does not load (another TensorRT or GPU) is rebuilt when ``build`` exists and
    ``allow_rebuild`` is set; otherwise the error says how to rebuild it. Builds of one file
    take turns across processes: whoever waits finds the engine the other one built.
    """
    engine_path = Path(engine_path)
    if build is None:
        if not engine_path.is_file():
            raise EngineMismatchError(f'engine {engine_path} does not exist: build one with '
                                      f'{rebuild_hint}')
        return _load(engine_path, load, None, allow_rebuild, rebuild_hint)
    # An engine is only ever replaced whole (atomic rename), so one that exists loads without
    # the lock: a read-only cache directory with engines built beforehand works.
    tried = _identity(engine_path)
    if tried is not None:
        result = _try_load(engine_path, load, build, allow_rebuild, rebuild_hint, log)
        if result is not None:
            return result[0]
    with file_lock(engine_path, lambda: log(f'waiting for another process building '
                                            f'{engine_path.name}'), cancel):
        now = _identity(engine_path)
        if now is not None and now != tried:  # another process built it meanwhile
            result = _try_load(engine_path, load, build, allow_rebuild, rebuild_hint, log)
            if result is not None:
                return result[0]
        if now is None:
            log(f'building TensorRT engine {engine_path.name} (minutes on a Jetson)')
        data = build()
        with atomic_path(engine_path) as tmp:
            tmp.write_bytes(data)
    return load(data)


def _identity(path: Path) -> Optional[Tuple[int, int, int]]:
    """Return (inode, size, mtime) of a non-empty file, None when there is none."""
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_size, stat.st_mtime_ns) if stat.st_size > 0 else None


def _try_load(engine_path: Path, load: Callable[[bytes], T], build, allow_rebuild: bool,
              rebuild_hint: str, log: Callable[[str], None]) -> Optional[Tuple[T]]:
    """Return (loaded,), or None when the engine does not fit and may be rebuilt."""
    try:
        return (_load(engine_path, load, build, allow_rebuild, rebuild_hint),)
    except EngineMismatchError as exc:
        if not allow_rebuild:
            raise
        log(f'{engine_path} does not load here ({exc}); rebuilding it')
        return None


def _load(engine_path: Path, load: Callable[[bytes], T], build, allow_rebuild: bool,
          rebuild_hint: str) -> T:
    try:
        return load(engine_path.read_bytes())
    except EngineMismatchError as exc:
        if build is not None and allow_rebuild:
            raise
        raise EngineMismatchError(
            f'{engine_path}: {exc}. Rebuild it on this machine with {rebuild_hint}' +
            ('' if build is None else ' or allow rebuilding (allow_engine_rebuild)')) from exc
