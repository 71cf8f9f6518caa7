"""
Arithmetic for the load scripts (soak, overload, shutdown): ROS-free, unit-tested.

Percentiles, growth of a sampled quantity after a warm-up, the node's debug log lines as
timestamps, and the freshness of results observed from outside, judged with the node's own
definition (:mod:`msinet_ros.freshness`).
"""

import math
from pathlib import Path
import re
import statistics
import sys
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from msinet_ros.freshness import Freshness, MARGIN_S, Verdict  # noqa: E402

# rcutils' default console format, which the scripts set explicitly for the node they start
LOG_FORMAT = '[{severity}] [{time}] [{name}]: {message}'
_LOG_LINE = re.compile(r'^\[(?P<severity>[A-Z]+)\] \[(?P<time>\d+\.\d+)\] '
                       r'\[(?P<name>[^\]]*)\]: (?P<message>.*)$')


def percentile(values: Sequence[float], q: float) -> float:
    """Return the ``q``-th percentile, q in 0..100, linearly interpolated; NaN when empty."""
    if not values:
        return math.nan
    if not 0 <= q <= 100:
        raise ValueError(f'percentile {q} is outside 0..100')
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float], digits: int = 1) -> Dict[str, float]:
    """Return n, p50, p95 and max of ``values``, rounded (NaN percentiles when empty)."""
    return {'n': len(values), 'p50': round(percentile(values, 50), digits),
            'p95': round(percentile(values, 95), digits),
            'max': round(percentile(values, 100), digits)}


def slope(times: Sequence[float], values: Sequence[float]) -> float:
    """Return the least-squares slope of ``values`` over ``times`` (0 with < 2 distinct times)."""
    if len(times) != len(values):
        raise ValueError('times and values differ in length')
    if len(times) < 2:
        return 0.0
    mean_t = statistics.fmean(times)
    mean_v = statistics.fmean(values)
    spread = sum((t - mean_t) ** 2 for t in times)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values)) / spread


def growth(times: Sequence[float], values: Sequence[float], warmup_s: float,
           ends: int = 3) -> Dict[str, float]:
    """
    Describe how a sampled quantity grew after the first ``warmup_s`` seconds.

    ``start`` and ``end`` are the medians of the first and last ``ends`` samples after the
    warm-up (one outlier at either end does not decide), ``growth`` is end - start, ``slope``
    the least-squares trend per hour over all samples after the warm-up, and ``min``/``max``
    their range. Raises ValueError when fewer than ``2 * ends`` samples follow the warm-up.
    """
    kept = [(t, v) for t, v in zip(times, values) if t >= times[0] + warmup_s] if times else []
    if len(kept) < 2 * ends:
        raise ValueError(f'{len(kept)} samples after a {warmup_s} s warm-up; '
                         f'{2 * ends} needed: run longer or sample more often')
    kept_t = [t for t, _ in kept]
    kept_v = [v for _, v in kept]
    start = statistics.median(kept_v[:ends])
    end = statistics.median(kept_v[-ends:])
    return {'start': start, 'end': end, 'growth': end - start,
            'slope_per_hour': slope(kept_t, kept_v) * 3600.0,
            'min': min(kept_v), 'max': max(kept_v),
            'samples': len(kept), 'span_s': kept_t[-1] - kept_t[0]}


def log_times(text: str, message: str) -> Dict[int, float]:
    """
    Return {stamp: log time (s)} for the node's log lines ``<message>: stamp <ns>[ (…)]``.

    Lines are in :data:`LOG_FORMAT`; ``{time}`` is the system clock in seconds. The first line
    of each stamp counts.
    """
    pattern = re.compile(re.escape(message) + r': stamp (\d+)(?:$| \()')  # "( stage timings)"
    found: Dict[int, float] = {}
    for parsed, match in _log_matches(text, pattern):
        found.setdefault(int(match.group(1)), float(parsed['time']))
    return found


def log_stage_ms(text: str, message: str = 'inference done') -> Dict[int, Dict[str, float]]:
    """
    Return {stamp: {stage: ms}} from the node's ``<message>: stamp <ns> (<stage> <ms> ms, …)``.

    The worker's ``inference done`` line carries that frame's stage timings (the predictor's
    preprocess, inference, postprocess and total, and outputs). The first line of a stamp counts.
    """
    pattern = re.compile(re.escape(message) + r': stamp (\d+) \((.*)\)$')
    found: Dict[int, Dict[str, float]] = {}
    for _, match in _log_matches(text, pattern):
        stages = re.findall(r'(\w+) ([\d.]+) ms', match.group(2))
        found.setdefault(int(match.group(1)), {k: float(v) for k, v in stages})
    return found


def _log_matches(text: str, pattern: 're.Pattern') -> Iterator[Tuple['re.Match', 're.Match']]:
    """Yield (log line, ``pattern``'s match in its message) for each matching line."""
    for line in text.splitlines():
        parsed = _LOG_LINE.match(line.strip())
        match = pattern.search(parsed['message']) if parsed else None
        if match is not None:
            yield parsed, match


def judge_from_outside(sent: Mapping[int, float], picked: Mapping[int, float],
                       received: Mapping[int, float],
                       margin_s: float = MARGIN_S) -> List[Tuple[int, Verdict]]:
    """
    Judge each result with :class:`msinet_ros.freshness.Freshness`, from outside.

    ``sent``: {stamp: the camera's publish time}; ``picked``: {stamp: when the node started the
    frame (its ``inference started`` log line)}; ``received``: {stamp: when its result arrived
    here}; all on one clock (seconds). Frames arrive at their send times and each result is
    judged when it is received, as the node judges at publish: so the age includes the image's
    and the result's way through DDS, and the wait (age - bound + period + margin) includes the
    image's way in, against the node's own figures. Returns (stamp, verdict) in the order of
    receipt, for the results whose frame was sent and picked.
    """
    judged = [stamp for stamp in received if stamp in sent and stamp in picked]
    events = [(t, 0, stamp) for stamp, t in sent.items()]
    events += [(picked[stamp], 1, stamp) for stamp in judged]  # the period is read at pick
    events += [(received[stamp], 2, stamp) for stamp in judged]
    freshness = Freshness(margin_s=margin_s)
    period_at_pick: Dict[int, float] = {}
    verdicts = []
    for t, kind, stamp in sorted(events):
        if kind == 0:
            freshness.arrived(t)
        elif kind == 1:
            period_at_pick[stamp] = freshness.period_s
        else:
            verdicts.append((stamp, freshness.judge(sent[stamp], picked[stamp], t, None,
                                                    period_at_pick[stamp])))
    return verdicts


def excess_ms(verdicts: Iterable[Verdict]) -> List[float]:
    """Return age - bound in ms of each verdict whose input period was known."""
    return [(v.age_s - v.bound_s) * 1e3 for v in verdicts if math.isfinite(v.period_s)]


def counted(before: Mapping[str, str], after: Mapping[str, str]) -> Dict[str, int]:
    """Return how much each ``frames <name>`` diagnostics counter grew from before to after."""
    return {key[len('frames '):]: int(value) - int(before.get(key, 0))
            for key, value in after.items() if key.startswith('frames ')}


def rounded(row: Sequence[Optional[float]], digits: int = 1) -> List[Optional[float]]:
    """Round a sample row for a compact record (None and NaN stay None)."""
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else
            round(v, digits) if isinstance(v, float) else v for v in row]
