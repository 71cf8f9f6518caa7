"""
Give the heap memory a model load freed back to the operating system (glibc's ``malloc_trim``).

Preparing a model allocates and frees several times its size: the weights read for an export,
the ONNX protobuf built and serialised, ONNX Runtime's parse and graph optimisation. glibc keeps
what was freed in its heaps (blocks this large fall below its mmap threshold once earlier large
blocks were freed: the threshold grows to 32 MiB), so without a trim the process stays one to
two model sizes larger than what it holds. :func:`release_free_memory` is called once after a
model is prepared, never per frame.
"""

import ctypes
from functools import lru_cache
from typing import Callable, Optional


@lru_cache(maxsize=1)
def _malloc_trim() -> Optional[Callable[[int], int]]:
    """Return glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process already runs on
    except (AttributeError, OSError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release_free_memory() -> bool:
    """Return the heaps' free pages to the OS; return False where the C library cannot."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
