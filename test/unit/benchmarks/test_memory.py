"""benchmarks/memory.py: reading a process's memory, and its section when nothing was measured."""

import json
from pathlib import Path
import subprocess
import sys

BENCHMARKS = Path(__file__).resolve().parents[3] / 'benchmarks'
sys.path.insert(0, str(BENCHMARKS))

import memory  # noqa: E402, I100


# In a process of its own: a test worker that ran other tests may hold freed pages that a new
# block reuses without growing (seen under pytest-xdist).
GROWS = f"""
import json, os, sys
sys.path.insert(0, {str(BENCHMARKS)!r})
from memory import memory_of
before = memory_of(os.getpid())
held = bytearray(b'x' * (64 << 20))  # written: resident and private
after = memory_of()
print(json.dumps([before, after, len(held)]))
"""


def test_memory_of_a_process_grows_with_what_it_holds():
    before, after, size = json.loads(subprocess.run(
        [sys.executable, '-c', GROWS], capture_output=True, text=True, check=True).stdout)
    assert 0 < before['uss'] <= before['rss'] and before['pss'] <= before['rss']
    assert after['uss'] - before['uss'] >= 60 and after['anonymous'] - before['anonymous'] >= 60
    assert size == 64 << 20


def test_no_record_renders_as_not_measured():
    assert 'Not measured' in memory.render(None)
