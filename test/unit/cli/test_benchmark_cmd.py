"""``msinet benchmark``: the record it writes (cases in child processes), int8, failing cases."""

import json
from pathlib import Path

from msinet_ros.cli.main import main
from msinet_ros.inference.benchmark import LOAD_KEY
import pytest

DEMO = Path(__file__).resolve().parents[3] / 'demo' / 'images'


def test_benchmark_writes_a_record_in_the_shape_of_docs_records(tmp_path, capsys):
    out = tmp_path / 'records' / 'backends.json'
    assert main(['benchmark', '--sizes', '64x64', '--backends', 'onnxruntime', '--rounds', '2',
                 '--frames', '2', '--warmup', '1', '-o', str(out)]) == 0
    record = json.loads(out.read_text())
    assert record['benchmark'] == 'backends' and record['command'].startswith('msinet bench')
    assert record['machine']['cores'] and len(record['machine'][LOAD_KEY]) == 3
    (result,) = record['results']['cases']
    assert result['frames'] == 4 and result['rounds'] == 2 and len(result['round_total_ms']) == 2
    assert result['fps'] > 0 and result['peak_rss_mb'] > 0
    assert set(result['stages_ms']) == {'preprocess', 'inference', 'postprocess', 'total'}
    assert result['case']['model'] == 'seeded random weights (seed 0)'
    assert 'vs_reference' not in result  # torch cpu fp32 was not among the cases
    assert 'onnxruntime' in record['results']['versions']
    assert '| 64x64 | onnxruntime cpu fp32 |' in capsys.readouterr().out


def test_benchmark_compares_with_the_reference_and_quantizes_the_int8_case(tmp_path):
    pytest.importorskip('torch')
    pytest.importorskip('onnxruntime.quantization')
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--sizes', '64x64', '--backends', 'torch', 'onnxruntime:cpu:int8',
                 '--rounds', '2', '--frames', '1', '--warmup', '0',
                 '--calibration', str(DEMO / 'coffee.jpg'), '-o', str(out)]) == 0
    results = json.loads(out.read_text())['results']
    torch, int8 = results['cases']
    assert torch['vs_reference']['rounds'] == [1.0, 1.0]
    assert len(int8['vs_reference']['rounds']) == 2 and int8['vs_reference']['median'] > 0
    assert int8['case']['precision'] == 'int8' and 'quantized' in int8['case']['model']
    assert results['int8']['64x64']['calibration_images'] == 1


def test_int8_is_refused_for_other_backends(capsys):
    assert main(['benchmark', '--backends', 'torch:cpu:int8']) != 0
    assert 'int8 is measured for onnxruntime:cpu only' in capsys.readouterr().err


def test_benchmark_reports_a_failing_case_and_exits_1(tmp_path):
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--sizes', '64x64', '--backends', 'onnxruntime:cuda',
                 '--rounds', '1', '--frames', '1', '--warmup', '0', '-o', str(out)]) == 1
    (result,) = json.loads(out.read_text())['results']['cases']
    assert 'onnxruntime-gpu' in result['error']
