"""Load a cached engine, or build (and cache) it when it is missing or does not fit."""

from pathlib import Path
from typing import Callable, Optional, TypeVar

from .planning import EngineMismatchError
from ...files import atomic_path

T = TypeVar('T')


def load_or_build(engine_path: Path, load: Callable[[bytes], T],
                  build: Optional[Callable[[], bytes]], allow_rebuild: bool,
                  log: Callable[[str], None] = lambda message: None) -> T:
    """
    Return ``load(engine bytes)``, building the engine first if needed.

    ``build`` is None when no ONNX is known (the user gave an engine file). An engine that
    does not load (another TensorRT or GPU) is rebuilt when ``build`` exists and
    ``allow_rebuild`` is set; otherwise the error says how to rebuild it.
    """
    engine_path = Path(engine_path)
    if engine_path.is_file() and engine_path.stat().st_size > 0:
        try:
            return load(engine_path.read_bytes())
        except EngineMismatchError as exc:
            if build is None or not allow_rebuild:
                raise EngineMismatchError(
                    f'{engine_path}: {exc}. Rebuild it on this machine with `msinet '
                    'build-engine MODEL.onnx`' + ('' if build is None else
                                                  ' or allow rebuilding')) from exc
            log(f'{engine_path} does not load here ({exc}); rebuilding it')
    elif build is None:
        raise EngineMismatchError(f'engine {engine_path} does not exist: build one with '
                                  '`msinet build-engine MODEL.onnx`')
    else:
        log(f'building TensorRT engine {engine_path.name} (minutes on a Jetson)')
    data = build()
    with atomic_path(engine_path) as tmp:
        tmp.write_bytes(data)
    return load(data)
