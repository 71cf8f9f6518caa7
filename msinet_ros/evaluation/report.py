"""Writing an evaluation down: the printed table, CSV, JSON (command, machine) and a plot."""

import csv
from datetime import datetime, timezone
import json
from pathlib import Path
import sys
from typing import Dict, List, Mapping, Sequence

import numpy as np

from . import paper
from .compare import Agreement, COLUMNS
from .scores import ImageScores, Summary
from .. import __version__
from ..errors import require
from ..files import atomic_path
from ..inference.benchmark import machine


def record(argv: Sequence[str], **fields) -> Dict[str, object]:
    """Return the common part of every JSON record: command, machine, version, time."""
    return {'command': 'msinet ' + ' '.join(argv), 'machine': machine(),
            'msinet_ros': __version__,
            'written': datetime.now(timezone.utc).isoformat(timespec='seconds'), **fields}


def _cell(value) -> str:
    return value if isinstance(value, str) else f'{value:.6g}'


def table(columns: Mapping[str, Sequence[Summary]]) -> str:
    """Return a Markdown table: one row per measure, one column per model."""
    names = list(columns)
    lines = ['| measure | ' + ' | '.join(names) + ' |', '|---' * (len(names) + 1) + '|']
    for row, summary in enumerate(next(iter(columns.values()))):
        cells = [columns[name][row].cell() for name in names]
        lines.append(f'| {summary.measure} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def paper_comparison(dataset: str, summaries: Sequence[Summary]) -> Dict[str, Dict]:
    """Return each measure's mean beside Table 6's µ ± σ and whether it is within ±3σ."""
    result = {}
    for summary in summaries:
        entry = paper.TABLE6.get(dataset, {}).get(summary.measure)
        if entry is not None and summary.mean is not None:
            result[summary.measure] = {
                'ours': summary.mean, 'paper_mean': entry[0], 'paper_std': entry[1],
                'within_3_sigma': paper.within(dataset, summary.measure, summary.mean)}
    return result


def paper_table(comparison: Mapping[str, Mapping]) -> str:
    """Return the comparison with Table 6 as Markdown."""
    lines = ['| measure | this model | Table 6 µ ± σ (10 networks) | within ±3σ |',
             '|---|---|---|---|']
    for measure, row in comparison.items():
        lines.append(f'| {measure} | {row["ours"]:.3f} | {row["paper_mean"]:.3f} ± '
                     f'{row["paper_std"]:.3f} | {"yes" if row["within_3_sigma"] else "no"} |')
    return '\n'.join(lines)


def summary_json(summaries: Sequence[Summary]) -> Dict[str, object]:
    """Return the summaries keyed by measure."""
    return {s.measure: {'mean': s.mean, 'std': s.std, 'images': s.count, 'n/a': s.missing}
            for s in summaries}


def write_scores_csv(path: Path, rows: Sequence[ImageScores], measures: Sequence[str]) -> None:
    """Write one line per image: name, fixations, each measure's value or n/a reason."""
    with open(path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(['image', 'fixations', *measures])
        for row in rows:
            writer.writerow([row.name, row.fixations,
                             *(_cell(row.values.get(m, 'n/a (not computed)')) for m in measures)])


def write_agreement_csv(path: Path, rows: Sequence[Agreement]) -> None:
    """Write one line per image with the agreement columns."""
    with open(path, 'w', newline='') as handle:
        writer = csv.writer(handle)
        writer.writerow(['image', *COLUMNS])
        for row in rows:
            writer.writerow([row.name, *(_cell(row.values[c]) for c in COLUMNS)])


def agreement_table(summary: Mapping[str, Mapping]) -> str:
    """Return the agreement summary (mean, median, worst, n/a per column) as Markdown."""
    lines = ['| | mean | median | worst | n/a |', '|---|---|---|---|---|']
    for column, values in summary.items():
        cells = ['n/a' if values[key] is None else f'{values[key]:.4g}'
                 for key in ('mean', 'median', 'worst')]
        lines.append(f'| {column} | ' + ' | '.join(cells) + f' | {values["n/a"]} |')
    return '\n'.join(lines)


def write_json(path: Path, data: Mapping) -> None:
    """Write a record atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, allow_nan=False) + '\n')


def check_plotting() -> None:
    """Fail before any work if the plot was asked for and matplotlib is missing."""
    require('matplotlib', 'install it (`pip install matplotlib`, apt: python3-matplotlib) '
                          'or pass --no-plot')


def _figure(columns: int, title: str):
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, PNG through Agg

    figure = Figure(figsize=(2.6 * columns, 3.4), layout='constrained')
    figure.suptitle(title, fontsize=10)
    return figure, [figure.add_subplot(1, columns, index + 1) for index in range(columns)]


def plot_scores(path: Path, runs: Mapping[str, Sequence[ImageScores]],
                measures: Sequence[str], title: str) -> None:
    """Plot per-image scores: one panel per measure, one box (with the points) per model."""
    figure, axes = _figure(len(measures), title)
    for axis, measure in zip(axes, measures):
        data = [[row.values[measure] for row in rows
                 if not isinstance(row.values.get(measure, ''), str)] for rows in runs.values()]
        _boxes(axis, data, list(runs), measure)
    figure.savefig(path, dpi=110)


def plot_agreement(path: Path, rows: Sequence[Agreement], title: str) -> None:
    """Plot the per-image agreement of two models: one panel per column."""
    figure, axes = _figure(len(COLUMNS), title)
    for axis, column in zip(axes, COLUMNS):
        data = [row.values[column] for row in rows if not isinstance(row.values[column], str)]
        _boxes(axis, [data], [''], column)
    figure.savefig(path, dpi=110)


def _boxes(axis, data: List[List[float]], labels: List[str], title: str) -> None:
    axis.set_title(title, fontsize=9)
    shown = [values if values else [np.nan] for values in data]
    axis.boxplot(shown, showfliers=False)
    axis.set_xticks(range(1, len(labels) + 1), labels, fontsize=7, rotation=15)
    jitter = np.random.default_rng(0)
    for index, values in enumerate(data, start=1):
        axis.plot(index + jitter.uniform(-0.15, 0.15, len(values)), values, '.', alpha=0.5,
                  markersize=3)
    axis.tick_params(labelsize=7)


def say(message: str) -> None:
    """Print a progress line on stderr."""
    print(message, file=sys.stderr)
