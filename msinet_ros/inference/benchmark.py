"""
Latency measurement of the whole predictor per backend and size (used by ``msinet benchmark``).

Each case runs in a fresh process so that its peak memory is its own; frames are timed after
warm-up, per stage (preprocess, inference, postprocess) with the predictor's own timings.
"""

from dataclasses import asdict, dataclass
import multiprocessing
import os
import platform
import resource
from typing import Dict, List, Optional

import numpy as np

from .backends import BackendOptions, TorchOptions


@dataclass(frozen=True)
class Case:
    """One benchmark configuration."""

    backend: str
    device: str
    precision: str
    size: str
    model: str
    threads: int = 0
    cuda_graph: bool = False

    @property
    def label(self) -> str:
        """Return a short name for tables."""
        graph = ' + CUDA graph' if self.cuda_graph else ''
        return f'{self.backend} {self.device} {self.precision}{graph}'


def _percentiles(values: List[float]) -> Dict[str, float]:
    return {'p50': float(np.percentile(values, 50)), 'p95': float(np.percentile(values, 95))}


def measure(case: Case, frame: np.ndarray, frames: int, warmup: int, cache_dir: str) -> Dict:
    """Run one case in this process and return its record."""
    from .predictor import SaliencyPredictor

    options = BackendOptions(device=case.device, precision=case.precision,
                             threads=case.threads, cache_dir=cache_dir, log=lambda message: None)
    own = TorchOptions(cuda_graph=case.cuda_graph) if case.backend == 'torch' else None
    stages: Dict[str, List[float]] = {}
    with SaliencyPredictor(case.model, case.backend, case.size, options, own) as predictor:
        for _ in range(warmup):
            predictor.predict(frame)
        for _ in range(frames):
            for stage, ms in predictor.predict(frame).timings.items():
                stages.setdefault(stage, []).append(ms)
    record = {'case': asdict(case), 'label': case.label, 'frames': frames,
              'stages_ms': {stage: _percentiles(v) for stage, v in stages.items()}}
    record['fps'] = 1e3 / record['stages_ms']['total']['p50']
    record['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return record


def _child(queue, *args) -> None:
    try:
        queue.put(measure(*args))
    except Exception as exc:  # reported as the case's result, not a crash of the tool
        queue.put({'error': f'{type(exc).__name__}: {exc}'})


def measure_isolated(case: Case, frame: np.ndarray, frames: int, warmup: int,
                     cache_dir: str) -> Dict:
    """Run one case in a fresh process and return its record (or one holding an error)."""
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    process = context.Process(target=_child, args=(queue, case, frame, frames, warmup,
                                                   cache_dir))
    process.start()
    record = queue.get()
    process.join()
    if 'error' in record:
        record.update(case=asdict(case), label=case.label)
    return record


def machine() -> Dict[str, str]:
    """Describe the computer this runs on (for the record)."""
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as handle:
            cpu = next(line.split(':', 1)[1].strip() for line in handle
                       if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return {'cpu': cpu, 'cores': str(os.cpu_count()), 'system': platform.platform(),
            'python': platform.python_version()}


def markdown(records: List[Dict], reference_label: Optional[str]) -> str:
    """Render records as a Markdown table, with speed-up relative to the reference case."""
    lines = ['| size | backend | preprocess p50 | inference p50 / p95 | postprocess p50 | '
             'total p50 / p95 | FPS | vs reference | peak RSS |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for record in records:
        size = record['case']['size']
        if 'error' in record:
            lines.append(f'| {size} | {record["label"]} | {record["error"]} | | | | | | |')
            continue
        st = record['stages_ms']
        ref = next((r for r in records if r['label'] == reference_label and
                    r['case']['size'] == size and 'error' not in r), None)
        ratio = f'{ref["stages_ms"]["total"]["p50"] / st["total"]["p50"]:.2f}x' if ref else ''
        lines.append(
            f'| {size} | {record["label"]} | {st["preprocess"]["p50"]:.1f} ms | '
            f'{st["inference"]["p50"]:.1f} / {st["inference"]["p95"]:.1f} ms | '
            f'{st["postprocess"]["p50"]:.1f} ms | {st["total"]["p50"]:.1f} / '
            f'{st["total"]["p95"]:.1f} ms | {record["fps"]:.1f} | {ratio} | '
            f'{record["peak_rss_mb"]:.0f} MB |')
    return '\n'.join(lines)
