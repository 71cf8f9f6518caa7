"""
Benchmark records: one JSON file per measurement under ``docs/records/``.

Every script in ``benchmarks/`` that measures something for docs/performance.md ends with
:func:`write`; ``benchmarks/performance_report.py`` renders docs/performance.md from the
records alone, so the document is regenerated, never edited by hand. A record says what was
run (the exact command), where (the machine, the CPU model first: machines here differ) and
when, beside the results, which each benchmark shapes as it needs.
"""

import json
from pathlib import Path
import shlex
import sys
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from msinet_ros.inference.benchmark import record  # noqa: E402

RECORDS = ROOT / 'docs' / 'records'


def command_line(argv: Optional[List[str]] = None) -> str:
    """Return the command that ran this script, relative to the repository root."""
    argv = sys.argv if argv is None else argv
    script = Path(argv[0]).resolve()
    try:
        script = script.relative_to(ROOT)
    except ValueError:
        pass
    return ' '.join(['.venv/bin/python', str(script)] + [shlex.quote(a) for a in argv[1:]])


def write(name: str, results: Dict[str, Any], argv: Optional[List[str]] = None,
          folder: Path = RECORDS) -> Path:
    """Write ``folder/<name>.json`` with the command, machine, UTC time and ``results``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f'{name}.json'
    path.write_text(json.dumps(record(name, command_line(argv), results), indent=1) + '\n')
    return path


def read(name: str, folder: Path = RECORDS) -> Optional[Dict[str, Any]]:
    """Return the record ``name``, or None if it was never measured."""
    path = folder / f'{name}.json'
    return json.loads(path.read_text()) if path.exists() else None
