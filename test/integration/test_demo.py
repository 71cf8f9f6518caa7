"""`msinet demo` as a new user runs it: player, node and recorder end to end, then exit 0."""

import json
import subprocess

import pytest
from support.ros_helpers import installed_executable
from support.target_model import build as build_target_model


def test_demo_records_overlays_and_fixations_and_exits_0(tmp_path, models):
    out = tmp_path / 'demo_out'
    done = subprocess.run([str(installed_executable('msinet')), 'demo', '--output', str(out),
                           '--frames', '2', '--model', str(models / 'small.onnx'),
                           '--size', '64x64', '--timeout', '120'],
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'RANDOM weights' in done.stdout  # the seeded model is named as such
    assert len(list(out.glob('*_overlay.jpg'))) >= 2
    rows = [json.loads(line) for line in (out / 'fixations.jsonl').read_text().splitlines()]
    assert rows and all(0 <= f['saliency'] <= 1 for row in rows for f in row['fixations'])


def test_robot_demo_moves_the_head_and_writes_the_gif_and_the_report(tmp_path):
    """`msinet demo --robot` with the coloured-object test double: the head saccades."""
    pytest.importorskip('pybullet', reason='the robot demo needs requirements/sim.txt')
    pytest.importorskip('imageio', reason='the robot demo needs requirements/sim.txt')
    pil = pytest.importorskip('PIL.Image', reason='imageio brings pillow')
    model = build_target_model(tmp_path / 'coloured_targets.onnx')
    out = tmp_path / 'robot'
    done = subprocess.run([str(installed_executable('msinet')), 'demo', '--robot', '--output',
                           str(out), '--model', str(model), '--duration', '8',
                           '--timeout', '90'], capture_output=True, text=True, timeout=150)
    assert done.returncode == 0, done.stdout + done.stderr
    with pil.open(out / 'robot.gif') as gif:
        assert gif.n_frames >= 10
    report = json.loads((out / 'behaviour.json').read_text())
    assert report['saccades']['count'] >= 1, report
    assert (out / 'behaviour.png').stat().st_size > 0
