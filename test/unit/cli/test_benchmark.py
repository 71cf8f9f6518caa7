"""``msinet benchmark``: the record and table it writes, and a failing case."""

import json

from msinet_ros.cli.main import main


def test_benchmark_writes_a_record_and_a_table(tmp_path, capsys):
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--sizes', '64x64', '--backends', 'onnxruntime', '--frames', '3',
                 '--warmup', '1', '-o', str(out)]) == 0
    record = json.loads(out.read_text())
    (result,) = record['results']
    assert result['frames'] == 3 and result['fps'] > 0 and result['peak_rss_mb'] > 0
    assert set(result['stages_ms']) == {'preprocess', 'inference', 'postprocess', 'total'}
    assert record['machine']['cores'] and 'benchmark' in record['command']
    assert '| 64x64 | onnxruntime cpu fp32 |' in out.with_suffix('.md').read_text()


def test_benchmark_reports_a_failing_case_and_exits_1(tmp_path):
    out = tmp_path / 'bench.json'
    assert main(['benchmark', '--sizes', '64x64', '--backends', 'onnxruntime:cuda',
                 '--frames', '1', '--warmup', '0', '-o', str(out)]) == 1
    (result,) = json.loads(out.read_text())['results']
    assert 'onnxruntime-gpu' in result['error']
