"""benchmarks/overload.py: judging observed results and its section of docs/performance.md."""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import overload  # noqa: E402

PERIOD = 1 / 30


def observed():
    """Return 4 s of a 30 Hz camera; the node picks frames 60 and 90 (fresh) and 100 (stale)."""
    sent = {10**9 + i: i * PERIOD for i in range(120)}
    picks = {10**9 + 60: 60 * PERIOD + 0.004, 10**9 + 90: 90 * PERIOD + 0.006,
             10**9 + 100: 103 * PERIOD}
    received = {stamp: t + 0.5 for stamp, t in picks.items()}
    log = ''.join(f'[DEBUG] [{t:.9f}] [overload.overload]: inference started: stamp {s}\n'
                  for s, t in picks.items())
    rows = [[1.0, 560.0, 90.0, 1.0, None, 4.0], [2.0, 562.0, 95.0, 1.0, None, 4.2],
            [3.0, 561.0, 95.0, 1.0, None, 4.1]]
    return {'sent': sent, 'received': received, 't0': 0.95, 'end': 4.0, 'rows': rows,
            'interval': 1.0}, log


def test_judge_measures_age_minus_bound_per_result_and_per_interval():
    data, log = observed()
    judged = overload.judge(data, log)
    assert judged['results_judged'] == 3 and judged['late_from_outside'] == 1
    excess = judged['age_minus_bound_ms']
    assert excess['max'] == round((2 * PERIOD - 0.010) * 1e3, 1)  # the stale frame
    assert judged['samples'][0][4] is None  # nothing arrived in the first interval
    assert judged['samples'][2][4] == round((2 * PERIOD - 0.010) * 1e3, 1)
    assert judged['rss_mb'] == {'first': 560.0, 'last': 561.0, 'max': 562.0, 'min': 560.0}
    assert judged['frames_sent'] == 91  # frames 29 to 119 were sent from t0 to the end


def test_render_reports_outside_and_node_verdicts():
    data, log = observed()
    results = overload.judge(data, log)
    results.update(settings={'duration_s': 180, 'camera': 'cam', 'outputs': ['saliency/image']},
                   counted={'late': 0, 'published': 3, 'received': 80, 'dropped': 77},
                   exit={'code': 0, 'traceback': False})
    text = overload.render({'command': 'c', 'machine': {'cpu': 'CPU'}, 'date': 'd',
                            'results': results})
    assert '| 3 | ' in text and ' | 1 | 0 of 3 | ' in text and '560 / 562 / 561 MB' in text
    assert 'during the run: 4.0–4.2.' in text
