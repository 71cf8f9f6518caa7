"""``msinet behaviour``: the report and plot it writes from a run, and a bad run file."""

import json
import math

from msinet_ros.cli.main import main
import pytest


def _run_file(path, weights='test-double'):
    """Write a run: the head saccades 20 deg left at 1.0 s and back at 2.0 s."""
    lines = [{'type': 'meta', 't': 0.0, 'weights': weights,
              'targets': [{'name': 'left', 'azimuth_deg': 20.0, 'elevation_deg': 0.0}]},
             {'type': 'image', 't': 0.55, 'stamp': 0.5}]
    for i in range(301):
        t = i / 100
        pan = 20.0 * min(1.0, max(0.0, (t - 1.0) / 0.1)) - \
            20.0 * min(1.0, max(0.0, (t - 2.0) / 0.1))
        lines.append({'type': 'joint_state', 't': t, 'stamp': t,
                      'names': ['pan_joint', 'tilt_joint'],
                      'positions': [math.radians(pan), 0.0], 'velocities': [0.0, 0.0]})
    lines.append({'type': 'gaze_target', 't': 0.9, 'stamp': 0.5, 'frame': 'base_link',
                  'point': [2.0, 0.73, 0.0]})
    path.write_text(''.join(json.dumps(line) + '\n' for line in lines))
    return path


def test_behaviour_writes_the_report_and_the_plot(tmp_path, capsys):
    pytest.importorskip('matplotlib', reason='the plot needs matplotlib (requirements/sim.txt)')
    out = tmp_path / 'out'
    assert main(['behaviour', str(_run_file(tmp_path / 'run.jsonl')), '--output',
                 str(out)]) == 0
    data = json.loads((out / 'behaviour.json').read_text())
    assert data['saccades']['count'] == 2
    assert abs(data['time_to_first_saccade_s'] - 0.5) < 1e-9
    assert data['human_comparison'] == 'not comparable: random/test-double weights'
    assert data['latency_s']['gaze_target']['median'] == 0.4
    assert (out / 'behaviour.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'
    assert '2 saccades' in capsys.readouterr().out


def test_official_weights_are_compared_with_the_human_time(tmp_path, capsys):
    run = _run_file(tmp_path / 'run.jsonl', weights='official')
    assert main(['behaviour', str(run), '-o', str(tmp_path), '--no-plot']) == 0
    comparison = json.loads((tmp_path / 'behaviour.json').read_text())['human_comparison']
    assert abs(comparison['difference_s'] - (0.5 - 0.317)) < 1e-9
    assert not (tmp_path / 'behaviour.png').exists()
    assert 'human 0.317 s: +0.183 s' in capsys.readouterr().out


def test_a_bad_run_file_exits_1_with_one_line(tmp_path, capsys):
    bad = tmp_path / 'bad.jsonl'
    bad.write_text('{"type": "meta", "t": 0}\nnot json\n{"type": "meta", "t": 1}\n')
    assert main(['behaviour', str(bad), '-o', str(tmp_path / 'out')]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith('msinet behaviour: error:') and 'bad.jsonl:2' in err
    assert len(err.splitlines()) == 1
    assert main(['behaviour', str(tmp_path / 'missing.jsonl')]) == 1
    assert 'cannot read' in capsys.readouterr().err
