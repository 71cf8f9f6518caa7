"""`msinet demo` as a new user runs it: player, node and recorder end to end, then exit 0."""

import json
import subprocess

from support.ros_helpers import installed_executable


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
