"""
Renderer of the ``backends`` record (and ``gpu``, the same benchmark on a lent GPU machine).

The record is written by the package's own tool, not by a script here::

    msinet benchmark --sizes 240x320 360x360 --rounds 12 --frames 3 -o docs/records/backends.json

(each size's cases interleaved in rounds, each in a child process of its own; see
:mod:`msinet_ros.inference.benchmark`).
"""

from pathlib import Path
import sys
from typing import Dict

sys.path.insert(0, str(Path(__file__).resolve().parent))
import records  # noqa: E402, F401, I100  (puts the checkout on sys.path)
from msinet_ros.inference.benchmark import markdown  # noqa: E402, I100

EARLIER = ('Earlier, outside these records: the CPU default ran 1.27× PyTorch eager at '
           '240×320 on an AMD EPYC (2 cores; each case in its own process, one after the '
           'other, not interleaved) and 1.31–1.42× on another 2-core machine.')


def render(record: Dict) -> str:
    """Render a ``msinet benchmark`` record as Markdown."""
    r = record['results']
    versions = ', '.join(f'{name} {version}' for name, version in r['versions'].items())
    lines = [f'Frame: {r["image"]} ({r["frame"][1]}×{r["frame"][0]}); model: {r["model"]}; '
             f'{versions}. Reference: {r["reference"]}. "vs reference" is the median over '
             'rounds of (reference total / case total) within the same round, with the '
             'range over rounds; p50/p95 are over every timed frame; peak RSS is each '
             "case's own process.", '', markdown(r['cases'])]
    for size, made in r.get('int8', {}).items():
        lines += ['', f'INT8 at {size}: `msinet quantize` (onnxruntime target: '
                      f'{made["scheme"]}) calibrated on {made["calibration_images"]} images '
                      f'in {made["seconds"]} s; kept in float: '
                      f'{", ".join(made["float_nodes"])}. Agreement with fp32: '
                      '[docs/quantization.md](quantization.md).']
    lines += ['', EARLIER]
    return '\n'.join(lines)
