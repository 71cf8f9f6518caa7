"""benchmarks/performance_report.py: docs/performance.md from records, refusing malformed ones."""

import json
from pathlib import Path
import sys

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import performance_report as report  # noqa: E402, I100

LOAD = 'load average (1, 5, 15 min)'


def record(benchmark='fake', **results):
    return {'benchmark': benchmark, 'command': f'.venv/bin/python benchmarks/{benchmark}.py',
            'machine': {'cpu': 'Some CPU', 'cores': '2', 'system': 'Linux', 'python': '3.11',
                        LOAD: [3.0, 2.5, 2.0]},
            'date': '2026-11-28 08:00 UTC', 'results': results}


@pytest.fixture
def renderers(tmp_path):
    folder = tmp_path / 'renderers'
    folder.mkdir()
    (folder / 'fake.py').write_text(
        'def render(record):\n    return "FAKE " + str(record["results"]["value"])\n')
    (folder / 'silent.py').write_text('VALUE = 1\n')  # no render()
    return folder


def case(label, size, fps, rss):
    return {'case': {'size': size}, 'label': label, 'fps': fps, 'peak_rss_mb': rss}


def test_sections_follow_the_order_with_provenance_and_say_what_was_not_measured(renderers):
    text = report.report({'node_latency': record(value=1), 'zzz_extra': record(value=2)},
                         renderers)
    titles = [line[3:] for line in text.splitlines() if line.startswith('## ')]
    assert titles == [title for _, title, _ in report.SECTIONS] + ['Other: zzz_extra']
    node = text.split('## ')[1]
    assert 'Machine: Some CPU, 2 cores, Linux, 3.11 (Python); load average (1, 5, 15 min) ' \
           'at the end: 3.00, 2.50, 2.00. 2026-11-28 08:00 UTC.' in node
    assert 'Command: `.venv/bin/python benchmarks/fake.py`' in node and 'FAKE 1' in node
    assert 'Not measured (no `docs/records/soak.json`).' in text
    assert 'Not measured (no `docs/records/gpu.json`): no GPU machine was lent' in text
    assert 'FAKE 2' in text.split('## Other: zzz_extra')[1]


def test_a_record_without_a_renderer_says_so_and_keeps_its_provenance(renderers):
    text = report.report({'soak': record('silent'), 'memory': record('absent')}, renderers)
    assert 'Not rendered: `benchmarks/silent.py` has no `render(record)`.' in text
    assert 'Not rendered: `benchmarks/absent.py`' in text
    assert text.count('Command: `.venv/bin/python benchmarks/') == 2


def test_the_paper_is_compared_with_each_case_at_its_sizes():
    backends = record('backends', cases=[
        case('onnxruntime cpu fp32', '240x320', 2.5, 850),
        case('onnxruntime cpu int8', '360x360', 3.0, 400),
        {'case': {'size': '240x320'}, 'label': 'torch cuda fp32', 'error': 'no GPU'}])
    text = report.paper_comparison({'backends': backends})
    lines = text.splitlines()
    assert '| 240x320 | paper, TITAN Xp | 58 | 173 MB (GPU) |' in lines
    assert '| 240x320 | onnxruntime cpu fp32, Some CPU | 2.50 | 850 MB (RSS) |' in lines
    assert lines.index('| 360x360 | paper, TITAN Xp | 43 | 194 MB (GPU) |') < \
        lines.index('| 360x360 | onnxruntime cpu int8, Some CPU | 3.00 | 400 MB (RSS) |')
    assert 'torch cuda' not in text
    assert report.paper_comparison({}).startswith('Not measured')


@pytest.mark.parametrize('damage, message', [
    (lambda r: r.pop('command'), 'lacks command'),
    (lambda r: r.pop('results'), 'lacks results'),
    (lambda r: r['machine'].pop(LOAD), 'needs'),
    (lambda r: r.update(machine='a string'), 'needs'),
    (lambda r: r.update(benchmark='../evil'), 'must name a script'),
])
def test_malformed_records_are_refused(damage, message):
    broken = record(value=1)
    damage(broken)
    with pytest.raises(report.RecordError, match=message):
        report.check('broken', broken)


def test_main_fails_on_a_malformed_record_and_writes_nothing(tmp_path, capsys):
    folder, out = tmp_path / 'records', tmp_path / 'performance.md'
    folder.mkdir()
    (folder / 'good.json').write_text(json.dumps(record(value=1)))
    (folder / 'bad.json').write_text('{"benchmark": "fake"}')
    assert report.main(['--records', str(folder), '-o', str(out)]) == 1
    assert 'bad.json lacks command' in capsys.readouterr().err and not out.exists()
    (folder / 'bad.json').write_text('not json')
    assert report.main(['--records', str(folder), '-o', str(out)]) == 1
    assert 'bad.json is not JSON' in capsys.readouterr().err


def test_main_writes_the_report_from_a_folder_of_records(tmp_path):
    folder, out = tmp_path / 'records', tmp_path / 'performance.md'
    folder.mkdir()
    (folder / 'soak.json').write_text(json.dumps(record('nothing_renders_this')))
    assert report.main(['--records', str(folder), '-o', str(out)]) == 0
    text = out.read_text()
    assert text.startswith('# Performance\n') and '## Soak' in text
    assert 'Not rendered: `benchmarks/nothing_renders_this.py`' in text
