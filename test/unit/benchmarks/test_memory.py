"""benchmarks/memory.py: reading a process's memory, and its section when nothing was measured."""

import os
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import memory  # noqa: E402, I100


def test_memory_of_a_process_grows_with_what_it_holds():
    before = memory.memory_of(os.getpid())
    held = bytearray(b'x' * (64 << 20))  # written: resident and private
    after = memory.memory_of()
    assert 0 < before['uss'] <= before['rss'] and before['pss'] <= before['rss']
    assert after['uss'] - before['uss'] >= 60 and after['anonymous'] - before['anonymous'] >= 60
    assert len(held) == 64 << 20


def test_no_record_renders_as_not_measured():
    assert 'Not measured' in memory.render(None)
