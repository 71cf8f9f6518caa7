"""Returning freed heap memory to the operating system (glibc's malloc_trim)."""

import ctypes
import json
from pathlib import Path
import subprocess
import sys

from msinet_ros.inference import heap
import pytest

ROOT = Path(__file__).resolve().parents[3]

# In a fresh interpreter (a test run's own heap state is not the point): 100 kB blocks, below
# glibc's mmap threshold so served from the heap as a model load's are, each followed by a small
# block that stays allocated, so free() cannot give their pages back (they are not at the top).
CHILD = """
import ctypes, json
from msinet_ros.inference import heap
def rss():
    with open('/proc/self/status') as status:
        return next(int(l.split()[1]) for l in status if l.startswith('VmRSS')) / 1024
libc = ctypes.CDLL(None)
libc.malloc.restype = ctypes.c_void_p
libc.malloc.argtypes = [ctypes.c_size_t]
libc.free.argtypes = [ctypes.c_void_p]
blocks, keepers = [], []
for _ in range(800):
    blocks.append(libc.malloc(100_000))
    ctypes.memset(blocks[-1], 1, 100_000)
    keepers.append(libc.malloc(1000))
for block in blocks:
    libc.free(block)
held = rss()
done = heap.release_free_memory()
print(json.dumps({'done': done, 'held': held, 'after': rss()}))
"""


@pytest.mark.skipif(not hasattr(ctypes.CDLL(None), 'malloc_trim'),
                    reason='malloc_trim is glibc-only')
def test_freed_blocks_held_by_the_heap_are_returned():
    out = subprocess.run([sys.executable, '-c', CHILD], capture_output=True, text=True,
                         cwd=ROOT, check=True)
    result = json.loads(out.stdout)
    assert result['done'] is True
    released = result['held'] - result['after']
    assert released > 60, f'only {released:.1f} MB of the 80 MB freed came back: {result}'


def test_without_glibc_it_says_so(monkeypatch):
    monkeypatch.setattr(heap, '_malloc_trim', lambda: None)
    assert heap.release_free_memory() is False
