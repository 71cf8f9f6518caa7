"""benchmarks/soak.py's section of docs/performance.md, from a record."""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import soak  # noqa: E402


def record(rss_growth, fds_max=26):
    def quantity(start, growth, maximum):
        return {'start': start, 'end': start + growth, 'growth': growth,
                'slope_per_hour': growth * 6, 'min': start, 'max': maximum,
                'samples': 108, 'span_s': 535}
    return {'benchmark': 'soak', 'command': '.venv/bin/python benchmarks/soak.py',
            'machine': {'cpu': 'Some CPU', 'cores': '2',
                        'load average (1, 5, 15 min)': [5.0, 4.5, 4.0]},
            'date': '2026-11-28 08:00 UTC',
            'results': {
                'settings': {'duration_s': 600, 'interval_s': 5, 'warmup_s': 60,
                             'camera': '640x480 rgb8 at 30.0 Hz', 'outputs': ['fixations']},
                'startup_s': 9.5, 'at_first_map': {'rss_mb': 570.1, 'fds': 26, 'threads': 28},
                'growth': {'RSS (MB)': quantity(578.0, rss_growth, 578.0 + rss_growth),
                           'anon (MB)': quantity(470.0, rss_growth, 470.0 + rss_growth),
                           'shmem (MB)': quantity(10.0, 0.0, 10.0),
                           'fds': quantity(26, 0, fds_max), 'threads': quantity(28, 0, 28)},
                'latency_ms': {'n': 300, 'p50': 1500.0, 'p95': 2100.0, 'max': 2500.0},
                'output_hz': 0.5, 'exit': {'code': 0, 'traceback': False},
                'columns': soak.COLUMNS,
                'samples': [[5.0] + [1.0] * 11 + [3.5], [10.0] + [1.0] * 11 + [6.0]],
                'counted': {'received': 15000, 'dropped': 14700, 'published': 300, 'late': 0,
                            'info_unmatched': 0}}}


def test_render_shows_the_growth_and_says_the_target_was_met():
    text = soak.render(record(1.5))
    assert '| RSS (MB) | 570.1 | 578 | 579.5 | +1.5 | +9.00 | 578–579.5 |' in text
    assert '**met**' in text and 'p50 1500 ms' in text
    assert 'Of the RSS growth: +1.5 MB anonymous (heap), +0.0 MB shared memory.' in text
    assert 'during the run: 3.5–6.0.' in text


def test_render_says_not_met_for_rss_or_descriptor_growth():
    assert '**NOT met**' in soak.render(record(6.0))
    assert '**NOT met**' in soak.render(record(0.0, fds_max=27))
