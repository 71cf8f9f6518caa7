"""
Latency of the whole predictor per backend, precision and size (used by ``msinet benchmark``).

Each case runs in a long-lived child process of its own, so that its peak memory is its own,
and the children are driven round by round (A B C, B C A, …): every round times a few frames
of each case, one case after another, so that the load of a shared machine weighs on all
cases alike. Speed is compared only within a round (reference time / case time) and reported
as the median of those per-round ratios; stage latencies (the predictor's own timings:
preprocess, inference, postprocess, total) as p50/p95 over every timed frame.
"""

from dataclasses import asdict, dataclass
import datetime
import multiprocessing
import os
import platform
import resource
import statistics
from typing import Any, Callable, Dict, List, Optional, Protocol, Sequence

import numpy as np

from .backends import BackendOptions, TorchOptions

Timings = Dict[str, float]  # milliseconds per stage of one frame
INT8 = 'int8'  # a precision held by the model file (a quantized ONNX), not a backend option
STAGES = ('preprocess', 'inference', 'postprocess', 'total')
LOAD_KEY = 'load average (1, 5, 15 min)'


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

    @property
    def backend_precision(self) -> str:
        """Return the precision the backend is asked for (an INT8 model runs as it is)."""
        return 'fp32' if self.precision == INT8 else self.precision


class Runner(Protocol):
    """Something that times frames of one case (a child process, or a fake in tests)."""

    error: str

    def run(self, frames: int) -> List[Timings]:
        """Predict ``frames`` frames; return each frame's timings."""

    def peak_rss_mb(self) -> float:
        """Return the peak resident memory of the case so far."""

    def close(self) -> None:
        """Stop the case."""


def peak_rss_mb() -> float:
    """
    Return this process's peak resident memory (MB) since it started its program.

    VmHWM, not ``getrusage``: Linux keeps ``ru_maxrss`` across exec, so a spawned child
    would report at least its parent's peak at the time it was started.
    """
    try:
        with open('/proc/self/status') as handle:
            return next(int(line.split()[1]) / 1024 for line in handle
                        if line.startswith('VmHWM:'))
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _serve(conn, case: Case, frame: np.ndarray, cache_dir: str) -> None:
    """Child process: hold one predictor and answer ``run``/``rss``/``stop`` requests."""
    from .predictor import SaliencyPredictor

    options = BackendOptions(device=case.device, precision=case.backend_precision,
                             threads=case.threads, cache_dir=cache_dir, log=lambda message: None)
    own = TorchOptions(cuda_graph=case.cuda_graph) if case.backend == 'torch' else None
    try:
        predictor = SaliencyPredictor(case.model, case.backend, case.size, options, own)
        predictor.prepare()
    except Exception as exc:  # reported as the case's result, not a crash of the tool
        conn.send({'error': f'{type(exc).__name__}: {exc}'})
        return
    conn.send({'ready': predictor.describe()})
    with predictor:
        while True:
            command, argument = conn.recv()
            if command == 'run':
                conn.send([predictor.predict(frame).timings for _ in range(argument)])
            elif command == 'rss':
                conn.send(peak_rss_mb())
            else:
                return


class CaseProcess:
    """One case in a child process of its own, driven by requests over a pipe."""

    def __init__(self, case: Case, frame: np.ndarray, cache_dir: str):
        context = multiprocessing.get_context('spawn')
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, case, frame, cache_dir),
                                        daemon=True)
        self._process.start()
        child.close()
        self.error = ''
        self.describe = ''
        try:
            first = self._conn.recv()
        except EOFError:
            first = {'error': f'the child process died (exit code {self._process.exitcode})'}
        self.error = first.get('error', '')
        self.describe = first.get('ready', '')

    def _ask(self, command: str, argument: Any = None) -> Any:
        self._conn.send((command, argument))
        return self._conn.recv()

    def run(self, frames: int) -> List[Timings]:
        """Predict ``frames`` frames in the child; return each frame's timings."""
        return self._ask('run', frames)

    def peak_rss_mb(self) -> float:
        """Return the child's peak resident memory (MB)."""
        return self._ask('rss')

    def close(self) -> None:
        """Stop the child (it releases its predictor) and wait for it."""
        if self._process.is_alive():
            try:
                self._conn.send(('stop', None))
            except (BrokenPipeError, OSError):
                pass
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._conn.close()


def percentiles(values: Sequence[float]) -> Dict[str, float]:
    """Return the p50 and p95 of ``values``."""
    return {'p50': float(np.percentile(values, 50)), 'p95': float(np.percentile(values, 95))}


def round_ratios(reference: Sequence[float], case: Sequence[float]) -> Dict[str, Any]:
    """
    Return speed relative to the reference from per-round times (ms) of the same rounds.

    Each round's ratio is reference time / case time (above 1: the case is faster); the
    result holds their median, min, max and the ratios themselves.
    """
    if len(reference) != len(case) or not case:
        raise ValueError('round_ratios needs the same number (at least one) of rounds for both')
    ratios = [r / c for r, c in zip(reference, case)]
    return {'median': statistics.median(ratios), 'min': min(ratios), 'max': max(ratios),
            'rounds': ratios}


def measure_interleaved(cases: Sequence[Case], frame: np.ndarray, rounds: int,
                        frames_per_round: int, warmup: int, cache_dir: str,
                        reference: Optional[str] = None,
                        runner: Optional[Callable[[Case], Runner]] = None,
                        progress: Callable[[str], None] = lambda line: None) -> List[Dict]:
    """
    Measure ``cases`` (all of one size) interleaved, round by round; return one record each.

    ``reference`` is the label of the case the others are compared with (its record gets
    ratio 1); ``runner`` makes the runner of a case (default: :class:`CaseProcess`). A case
    that fails to start gets a record holding its ``error`` and takes no part in the rounds.
    """
    runner = runner or (lambda case: CaseProcess(case, frame, cache_dir))
    runners: Dict[int, Runner] = {}
    records: List[Dict] = []
    try:
        for index, case in enumerate(cases):
            progress(f'{case.size} {case.label}: starting')
            runners[index] = runner(case)
            records.append({'case': asdict(case), 'label': case.label})
            if runners[index].error:
                records[index]['error'] = runners[index].error
                runners.pop(index).close()
        live = list(runners)
        for index in live:
            runners[index].run(warmup)
        timings: Dict[int, List[Timings]] = {index: [] for index in live}
        per_round: Dict[int, List[float]] = {index: [] for index in live}
        for number in range(rounds):
            shift = number % max(1, len(live))
            for index in live[shift:] + live[:shift]:  # a rotated order each round
                frames = runners[index].run(frames_per_round)
                timings[index] += frames
                per_round[index].append(statistics.median(t['total'] for t in frames))
            progress(f'round {number + 1}/{rounds}: ' + ', '.join(
                f'{cases[i].label} {per_round[i][-1]:.0f} ms' for i in live))
        for index in live:
            stages = {stage: percentiles([t[stage] for t in timings[index]])
                      for stage in STAGES}
            records[index].update(
                frames=len(timings[index]), rounds=rounds, frames_per_round=frames_per_round,
                warmup=warmup, stages_ms=stages, fps=1e3 / stages['total']['p50'],
                round_total_ms=per_round[index],
                peak_rss_mb=runners[index].peak_rss_mb())
        ref = next((i for i in live if cases[i].label == reference), None)
        for index in live:
            if ref is not None:
                records[index]['vs_reference'] = round_ratios(per_round[ref], per_round[index])
    finally:
        for r in runners.values():
            r.close()
    return records


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


def record(benchmark: str, command: str, results: Any) -> Dict[str, Any]:
    """
    Return a benchmark record: what ran, where (with the load average), when, and results.

    The shape every record under ``docs/records/`` has (``benchmarks/records.py``).
    """
    return {'benchmark': benchmark, 'command': command,
            'machine': {**machine(), LOAD_KEY: list(os.getloadavg())},
            'date': datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC'),
            'results': results}


def _ratio_text(result: Dict) -> str:
    ratio = result.get('vs_reference')
    if ratio is None:
        return 'no reference'
    if ratio['min'] == ratio['max']:
        return f'{ratio["median"]:.2f}×'
    return f'{ratio["median"]:.2f}× ({ratio["min"]:.2f}–{ratio["max"]:.2f})'


def markdown(results: List[Dict]) -> str:
    """
    Render case records as a Markdown table.

    "vs reference": the median of per-round ratios (reference time / case time; above 1 is
    faster) with their range in brackets.
    """
    lines = ['| size | backend | preprocess p50 | inference p50 / p95 | postprocess p50 | '
             'total p50 / p95 | FPS | vs reference (median of rounds) | peak RSS |',
             '| --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for result in results:
        size = result['case']['size']
        if 'error' in result:
            lines.append(f'| {size} | {result["label"]} | {result["error"]} | | | | | | |')
            continue
        st = result['stages_ms']
        lines.append(
            f'| {size} | {result["label"]} | {st["preprocess"]["p50"]:.1f} ms | '
            f'{st["inference"]["p50"]:.1f} / {st["inference"]["p95"]:.1f} ms | '
            f'{st["postprocess"]["p50"]:.1f} ms | {st["total"]["p50"]:.1f} / '
            f'{st["total"]["p95"]:.1f} ms | {result["fps"]:.2f} | {_ratio_text(result)} | '
            f'{result["peak_rss_mb"]:.0f} MB |')
    return '\n'.join(lines)
