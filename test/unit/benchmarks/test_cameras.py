"""benchmarks/cameras.py: its /proc readings, the batching measurement and decision, render."""

import os
from pathlib import Path
import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import cameras  # noqa: E402, I100


def by_batch(*ratios):
    return {str(n): {'rounds': 3, 'one_by_one_ms_p50': 100.0 * n,
                     'batched_ms_p50': 100.0 * n / ratio, 'throughput_gain_median_ratio': ratio,
                     'ratio_min': ratio - 0.1, 'ratio_max': ratio + 0.1}
            for n, ratio in zip((2, 4), ratios)}


@pytest.mark.parametrize('ratios, build', [((1.01, 1.05), False), ((1.02, 1.149), False),
                                           ((1.0, 1.15), True), ((1.3, 1.1), True)])
def test_a_batching_node_only_above_the_bar(ratios, build):
    verdict = cameras.decision(by_batch(*ratios))
    assert verdict['build_batching_node'] is build
    assert verdict['best_median_ratio'] == max(ratios)


def test_proc_readings_of_this_process():
    memory = cameras.memory_mb(os.getpid())
    assert 10 < memory['rss'] < 100_000 and 0 < memory['pss'] <= memory['rss'] + 1
    before = cameras.cpu_seconds(os.getpid())
    sum(i * i for i in range(300_000))  # burn a little CPU
    assert cameras.cpu_seconds(os.getpid()) >= before


def test_batching_measurement_on_a_small_model(tmp_path, monkeypatch):
    from msinet_ros.model import onnx_export, weights
    model = tmp_path / 'small.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64, batch=None,
                                       metadata=weights.random_metadata(0)), model)
    monkeypatch.setattr(cameras, 'FRAME', (48, 64))
    result = cameras.measure_batching(model, [2], rounds=2)
    row = result['by_batch']['2']
    assert row['rounds'] == 2 and row['ratio_min'] <= row['throughput_gain_median_ratio'] \
        <= row['ratio_max']
    assert row['one_by_one_ms_p50'] > 0 and row['batched_ms_p50'] > 0
    assert result['same_maps'] is True
    assert result['build_batching_node'] is (row['throughput_gain_median_ratio'] >= 1.15)


def node_run(count, sent_hz=30.0):
    return {'nodes': count, 'window_s': 45.0, 'load_average_before': [5.0, 4.0, 3.0],
            'load_average_after': [7.0, 5.0, 4.0], 'pss_mb_all_nodes': 300.0 * count,
            'cpu_percent_of_one_core_all_nodes': 70.0,
            'cameras': [{'camera': f'cam{i}', 'rss': 367.0, 'pss': 300.0,
                         'frames_sent_hz': sent_hz, 'output_rate_hz': 0.5 / count,
                         'age_outside_ms': {'p50': 1800.0 * count, 'p95': 2400.0, 'max': 3300.0},
                         'node_age_max_ms': 3280.0,
                         'counted_in_window': {'frames late': 0.0, 'frames published': 26.0}}
                        for i in range(count)]}


def test_render_shows_every_run_and_the_decision():
    record = {'results': {'nodes': [node_run(1), node_run(2)],
                          'batching': {'by_batch': by_batch(1.01, 1.05), 'same_maps': True,
                                       'load_average_before': [9.0], 'load_average_after': [8.0],
                                       **cameras.decision(by_batch(1.01, 1.05))}}}
    text = cameras.render(record)
    rows = [line for line in text.splitlines() if line.startswith('| ')]
    assert rows[2].startswith('| 1 | 367 | 300 | 70 | 30 | 0.50 | 1800/2400/3300 | 3280 | 0/26 |')
    assert rows[3].startswith('| 2 | 367, 367 | 600 |')
    assert '| 4 | 400 | 381 | 1.05× | 0.95–1.15 |' in text
    assert 'not worth a batching node' in text and '1.05× against the 1.15× bar' in text
    assert 'fell to' not in text  # the cameras kept their rate
    assert not text.startswith('#')  # performance_report adds the title


def test_render_says_when_the_cameras_fell_behind():
    text = cameras.render({'results': {'nodes': [node_run(4, sent_hz=12.0)]}})
    assert 'fell to 12 Hz' in text and 'Batching' not in text
