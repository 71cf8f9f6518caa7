"""benchmarks/node_latency.py: its arithmetic, /proc readings, the node's request, the section."""

import os
from pathlib import Path
import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import node_latency  # noqa: E402, I100

from msinet_ros.parameters import SALIENCY_NODE  # noqa: E402, I100


def test_overhead_is_the_median_of_per_round_ratios():
    result = node_latency.overhead([110.0, 300.0, 104.0], [100.0, 100.0, 100.0])
    assert result['median'] == pytest.approx(0.1)
    assert (result['min'], result['max']) == (pytest.approx(0.04), pytest.approx(2.0))


def test_summary_gives_p50_p95_and_max():
    assert node_latency.summary([1.0, 2.0, 3.0, 4.0, 100.0]) == {
        'p50': 3.0, 'p95': pytest.approx(80.8), 'max': 100.0}


def test_proc_readings_of_this_process():
    assert node_latency.proc_cpu_s(os.getpid()) > 0
    memory = node_latency.proc_memory_mb(os.getpid())
    assert 0 < memory['rss_mb'] <= memory['peak_rss_mb']


def test_the_request_is_the_nodes_for_what_is_subscribed():
    values = {spec.name: spec.default for spec in SALIENCY_NODE}
    only_map = node_latency.output_request(('map',), values)
    assert only_map.saliency_map and not only_map.overlay and not only_map.fixations
    assert only_map.resolution == values['output_resolution']
    both = node_latency.output_request(('map', 'overlay'), values)
    assert both.saliency_map and both.overlay
    assert both.overlay_colormap == values['overlay_colormap']


def stages(ms):
    return {s: {'p50': ms, 'p95': ms + 1, 'max': ms + 2}
            for s in ('preprocess', 'inference', 'postprocess', 'outputs', 'total')}


def condition(outputs, e2e, overhead):
    return {'outputs': list(outputs), 'frames': 20, 'lost': 1,
            'end_to_end_ms': {k: {'p50': e2e, 'p95': e2e + 5, 'max': e2e + 9} for k in outputs},
            'direct_ms': stages(100.0),
            'overhead_vs_inference': {k: {'median': 0.07, 'min': 0.01, 'max': 0.2}
                                      for k in outputs},
            'overhead_vs_direct_total': {k: {'median': 0.02, 'min': 0, 'max': 0.1}
                                         for k in outputs},
            'beyond_direct_total_ms': {k: {'p50': 4.0, 'p95': 6, 'max': 7} for k in outputs},
            'node_ms': {**stages(98.0), 'preprocess': {'p50': 3.0, 'p95': 4.0, 'max': 5.0},
                        'postprocess': {'p50': 1.0, 'p95': 2.0, 'max': 2.0},
                        'outputs': {'p50': 0.5, 'p95': 1.0, 'max': 1.0}},
            'overhead_vs_node_inference': {k: {'median': overhead, 'min': 0.02, 'max': 0.09}
                                           for k in outputs},
            'beyond_node_inference_ms': {k: {'p50': 8.0, 'p95': 9, 'max': 10} for k in outputs},
            'node_vs_direct_inference': {'median': -0.02, 'min': -0.3, 'max': 0.4},
            'node_vs_direct_inference_by_order': {
                'node first': {'median': 0.044, 'min': -0.1, 'max': 0.4},
                'here first': {'median': -0.032, 'min': -0.3, 'max': 0.2}},
            'node_cpu_s_per_frame': 0.21, 'direct_cpu_s_per_frame': 0.2,
            'node_cpu_cores': 0.3, 'node_memory': {'rss_mb': 600.4, 'peak_rss_mb': 700.2},
            'node_diagnostics': {'inference p50 (ms)': '99.0', 'inference p95 (ms)': '120.0',
                                 'result age p50 (ms)': '130.0', 'frames received': '24',
                                 'frames published': '24', 'frames dropped': '0'}}


def record(overhead):
    return {'results': {
        'frame': [480, 640, 3], 'encoding': 'rgb8', 'camera_period_s': 1.5,
        'model': 'seeded random weights (seed 0)', 'runs': '240x320: onnxruntime',
        'node_parameters': 'defaults', 'rmw': 'rmw_fastrtps_cpp', 'ros_distro': 'kilted',
        'fastdds_profile': {'FASTDDS_DEFAULT_PROFILES_FILE': 'fastdds_large_images.xml'},
        'conditions': {'map': condition(('map',), 106.0, overhead),
                       'map+overlay': condition(('map', 'overlay'), 120.0, 0.2)}}}


def test_render_shows_each_received_output_and_judges_the_target_on_the_map_alone():
    text = node_latency.render(record(0.06))
    assert 'every 1.5 s' in text and 'FASTDDS_DEFAULT_PROFILES_FILE=fastdds_large_images' in text
    rows = [line for line in text.splitlines() if line.startswith('| map')]
    assert rows[0].startswith('| map | map | 20 (1) | 106.0 / 111.0 ms | 98.0 ms | '
                              '**+6.0 %** (+2.0 % … +9.0 %) | 8.0 ms | 100.0 ms | +7.0 % '
                              '(+1.0 % … +20.0 %) | -2.0 % (-30.0 % … +40.0 %) | 0.21 (0.20) '
                              '| 0.30 | 600 (700) MB |')
    assert rows[2].startswith('| map+overlay | overlay | 20 (1) | 120.0 / 125.0 ms')
    assert "under 5% beyond the node's inference" in text and '**not met** (+6.0 %' in text
    assert ': met (+4.0 %; against the run here +7.0 %' in node_latency.render(record(0.04))


def test_render_lists_the_nodes_stages_beside_the_benchmark_process():
    text = node_latency.render(record(0.06))
    assert '| map | node | 3.0 / 4.0 ms | 98.0 / 99.0 ms | 1.0 / 2.0 ms | 0.5 / 1.0 ms' in text
    assert '| map | here | 100.0 / 101.0 ms |' in text
    assert "the node's other stages took 4 ms (preprocess 3.0, postprocess 1.0" in text
    assert ('ran first after the idle gap (map): node first +4.4 % (-10.0 % … +40.0 %); '
            'here first -3.2 % (-30.0 % … +20.0 %).') in text


def test_render_states_the_transport_floor_when_the_echo_was_measured():
    measured = record(0.06)
    floor = {'p50': 2.0, 'p95': 30.0, 'max': 41.0}
    measured['results']['conditions']['map']['dds_floor_ms'] = floor
    text = node_latency.render(measured)
    assert 'took 2 ms per round trip (p95 30 ms)' in text and '2.0% of the inference' in text
    assert "What is left, 2 ms, is the node's own" in text  # 8 - 4.5 - 2
    assert 'dds_echo' not in node_latency.render(record(0.06))  # no echo measured: no floor
    floor['p50'] = 4.9  # 8 - 4.5 - 4.9: nothing left to the node's own work
    assert 'The two account for all of it (-1 ms left' in node_latency.render(measured)
