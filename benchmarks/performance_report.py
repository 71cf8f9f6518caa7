"""
Render docs/performance.md from the benchmark records in docs/records/ (never edit it by hand).

Section order (record file name: what it shows); a section without its record says that it
was not measured, and records not listed here follow at the end:

1. ``node_latency``: end to end through the node at 640x480 against inference (overhead, CPU,
   memory; map only, then the overlay as well)
2. ``backends``: backends and precisions side by side, INT8, ratios against PyTorch eager
3. paper: the paper's speed and memory beside ours (from ``backends`` and ``gpu``)
4. ``memory``: resident memory per configuration and its breakdown
5. ``cameras``: several cameras (N nodes, batching)
6. ``overload``: a camera faster than inference
7. ``soak``: hours of running, growth
8. ``shutdown``: clean shutdown under load, repeated
9. ``gpu``: ``msinet benchmark`` on a lent GPU machine (rendered by benchmarks/backends.py)

Each record (``benchmarks/records.py``) holds ``benchmark`` (which ``benchmarks/<name>.py``
renders it with its ``render(record) -> str``), ``command``, ``machine`` (with the load
average), ``date`` and ``results``; the report adds machine, load, date and command to every
section. Run: ``.venv/bin/python benchmarks/performance_report.py``.
"""

import argparse
import importlib.util
import json
from pathlib import Path
import sys
from typing import Callable, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RECORDS = ROOT / 'docs' / 'records'
OUTPUT = ROOT / 'docs' / 'performance.md'
LOAD_KEY = 'load average (1, 5, 15 min)'
REQUIRED = ('benchmark', 'command', 'machine', 'date', 'results')
PAPER = 'paper'
# (record file name, title, what to say when it is missing)
SECTIONS: Tuple[Tuple[str, str, str], ...] = (
    ('node_latency', 'End to end through the node (640×480, CPU default)', ''),
    ('backends', 'Backends and precisions, INT8 (ratios against PyTorch eager fp32)', ''),
    (PAPER, 'Against the paper', ''),
    ('memory', 'Memory', ''),
    ('cameras', 'Several cameras', ''),
    ('overload', 'Overload: a camera faster than inference', ''),
    ('soak', 'Soak', ''),
    ('shutdown', 'Clean shutdown under load', ''),
    ('gpu', 'GPU', 'no GPU machine was lent to the sessions that made these records'),
)
# Kroner et al. 2020, on a TITAN Xp with TensorFlow 1.14 (memory: the GPU's)
PAPER_FIGURES = {'240x320': (58, 173), '360x360': (43, 194)}


class RecordError(ValueError):
    """A record lacks what every record must hold."""


def check(name: str, record: Dict) -> Dict:
    """Return ``record`` if it has the shape of a benchmark record, else raise RecordError."""
    if not isinstance(record, dict):
        raise RecordError(f'{name}.json: a record is a JSON object')
    missing = [key for key in REQUIRED if key not in record]
    if missing:
        raise RecordError(f'{name}.json lacks {", ".join(missing)}')
    machine = record['machine']
    if not isinstance(machine, dict) or 'cpu' not in machine or LOAD_KEY not in machine:
        raise RecordError(f"{name}.json: 'machine' needs 'cpu' and {LOAD_KEY!r}")
    if not isinstance(record['benchmark'], str) or not record['benchmark'].isidentifier():
        raise RecordError(f"{name}.json: 'benchmark' must name a script in benchmarks/")
    return record


def load_records(folder: Path) -> Dict[str, Dict]:
    """Return every record in ``folder`` by file name, checked."""
    found = {}
    for path in sorted(folder.glob('*.json')):
        try:
            record = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise RecordError(f'{path.name} is not JSON: {exc}') from None
        found[path.stem] = check(path.stem, record)
    return found


def renderer(benchmark: str, folder: Path = HERE) -> Optional[Callable[[Dict], str]]:
    """Return ``render`` of ``folder/<benchmark>.py``, or None if there is none."""
    path = folder / f'{benchmark}.py'
    if not path.is_file():
        return None
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))  # the scripts import records.py beside them
    spec = importlib.util.spec_from_file_location(f'_benchmark_{benchmark}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, 'render', None)


def provenance(record: Dict) -> str:
    """Return the machine, load, date and command lines of a record."""
    m = record['machine']
    load = ', '.join(f'{value:.2f}' for value in m[LOAD_KEY])
    where = ', '.join([m['cpu']] + [f'{m[k]}{unit}' for k, unit in (
        ('cores', ' cores'), ('system', ''), ('python', ' (Python)')) if k in m])
    return (f'Machine: {where}; load average (1, 5, 15 min) at the end: {load}. '
            f'{record["date"]}.\n\nCommand: `{record["command"]}`')


def section(name: str, record: Optional[Dict], missing: str, folder: Path) -> str:
    """Return one section's body: the record rendered with its provenance, or why not."""
    if record is None:
        why = f': {missing}' if missing else ''
        return f'Not measured (no `docs/records/{name}.json`){why}.'
    render = renderer(record['benchmark'], folder)
    if render is None:
        return (f'Not rendered: `benchmarks/{record["benchmark"]}.py` has no '
                f'`render(record)`.\n\n{provenance(record)}')
    return f'{provenance(record)}\n\n{render(record)}'


def paper_comparison(records: Dict[str, Dict]) -> str:
    """Return the paper's FPS and memory beside every case measured at the same sizes."""
    lines = ['The paper (Kroner et al. 2020): TITAN Xp, TensorFlow 1.14; memory is GPU memory. '
             'Here: FPS = 1000 / total p50 of the predictor (preprocess + inference + '
             'postprocess, one 640×480 frame); memory is the peak resident memory of the whole '
             'process (Python, libraries, model), a different quantity.', '',
             '| size | where | FPS | memory |', '| --- | --- | --- | --- |']
    rows = 0
    for size, (fps, memory) in PAPER_FIGURES.items():
        lines.append(f'| {size} | paper, TITAN Xp | {fps} | {memory} MB (GPU) |')
        for name in ('backends', 'gpu'):
            record = records.get(name)
            if record is None:
                continue
            for case in record['results'].get('cases', []):
                if case['case']['size'] == size and 'error' not in case:
                    rows += 1
                    lines.append(f'| {size} | {case["label"]}, {record["machine"]["cpu"]} | '
                                 f'{case["fps"]:.2f} | {case["peak_rss_mb"]:.0f} MB (RSS) |')
    if not rows:
        return 'Not measured (no `docs/records/backends.json` or `gpu.json` with these sizes).'
    return '\n'.join(lines)


def report(records: Dict[str, Dict], folder: Path = HERE) -> str:
    """Return docs/performance.md for ``records`` (by file name)."""
    parts = ['# Performance', '',
             'Generated by `.venv/bin/python benchmarks/performance_report.py` from the records '
             'in `docs/records/` (do not edit by hand: re-run the benchmark named in a '
             "section's command, then this script). Machines here are shared: absolute times "
             'follow the load (given per section); speed ratios are only taken within '
             'interleaved rounds (A B A B …), as the median of per-round ratios.']
    listed = [name for name, _, _ in SECTIONS]
    extra = [(name, f'Other: {name}', '') for name in records if name not in listed]
    for name, title, missing in SECTIONS + tuple(extra):
        body = paper_comparison(records) if name == PAPER else \
            section(name, records.get(name), missing, folder)
        parts += ['', f'## {title}', '', body]
    return '\n'.join(parts) + '\n'


def main(argv: Optional[List[str]] = None) -> int:
    """Write docs/performance.md (or ``-o``) from the records."""
    parser = argparse.ArgumentParser(description='render docs/performance.md from records')
    parser.add_argument('--records', type=Path, default=RECORDS)
    parser.add_argument('-o', '--output', type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    try:
        text = report(load_records(args.records))
    except RecordError as exc:
        print(f'performance_report: {exc}', file=sys.stderr)
        return 1
    args.output.write_text(text)
    print(args.output)
    return 0


if __name__ == '__main__':
    sys.exit(main())
