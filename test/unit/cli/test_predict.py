"""``msinet predict``: saliency maps, overlays and fixation files; its errors."""

import csv
import json

import cv2
from msinet_ros.cli.main import main
import numpy as np
import pytest


@pytest.fixture(scope='module')
def inputs(tmp_path_factory):
    folder = tmp_path_factory.mktemp('in')
    rng = np.random.default_rng(0)
    for name, shape in (('wide', (90, 160, 3)), ('tall', (120, 80, 3))):
        cv2.imwrite(str(folder / f'{name}.png'), rng.integers(0, 256, shape, dtype=np.uint8))
    video = folder / 'clip.avi'
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*'MJPG'), 5, (64, 48))
    for _ in range(3):
        writer.write(rng.integers(0, 256, (48, 64, 3), dtype=np.uint8))
    writer.release()
    return folder, video


def test_predict_writes_maps_overlays_and_fixations(tmp_path, model, inputs, capsys):
    folder, video = inputs
    out = tmp_path / 'out'
    assert main(['predict', str(folder / 'wide.png'), str(folder / 'tall.png'), str(video),
                 '-m', str(model), '--size', '64x64', '--cache-dir', str(tmp_path / 'c'),
                 '--top-k', '2', '--min-distance', '5', '-o', str(out)]) == 0
    captured = capsys.readouterr()
    assert 'RANDOM weights' in captured.err and '5/5 frames' in captured.err
    saliency = cv2.imread(str(out / 'wide_saliency.png'), cv2.IMREAD_UNCHANGED)
    assert saliency.shape == (90, 160) and saliency.dtype == np.uint16
    assert cv2.imread(str(out / 'tall_overlay.jpg')).shape == (120, 80, 3)
    assert (out / 'clip_00002_saliency.png').is_file()
    rows = json.loads((out / 'fixations.json').read_text())
    assert {r['source'] for r in rows} == {'wide', 'tall', 'clip'}
    assert all(r['rank'] in (1, 2) and 0 <= r['saliency'] <= 1 for r in rows)
    wide = [r for r in rows if r['source'] == 'wide']
    assert all(0 <= r['x'] < 160 and 0 <= r['y'] < 90 for r in wide)


def test_predict_8_bit_and_csv(tmp_path, model, inputs):
    folder, _ = inputs
    out = tmp_path / 'out'
    assert main(['predict', str(folder / 'wide.png'), '-m', str(model), '--size', '64x64',
                 '--cache-dir', str(tmp_path / 'c'), '--bits', '8', '--no-overlay',
                 '--fixations', 'csv', '-o', str(out)]) == 0
    assert cv2.imread(str(out / 'wide_saliency.png'), cv2.IMREAD_UNCHANGED).dtype == np.uint8
    assert not (out / 'wide_overlay.jpg').exists()
    header = next(csv.reader(open(out / 'fixations.csv')))
    assert header == ['source', 'frame', 'rank', 'x', 'y', 'saliency']


def test_predict_errors_are_one_line(tmp_path, model, capsys):
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert main(['predict', str(empty), '-m', str(model), '--size', '64x64',
                 '-o', str(tmp_path / 'o')]) == 1
    assert 'no images found' in capsys.readouterr().err
    assert main(['predict', str(empty), '-m', str(tmp_path / 'nope.safetensors'),
                 '-o', str(tmp_path / 'o')]) == 1
    assert 'msinet import' in capsys.readouterr().err


def test_predict_with_an_exported_onnx_needs_no_size(tmp_path, inputs):
    folder, _ = inputs
    onnx_path = tmp_path / 'm.onnx'
    assert main(['export', '--random-seed', '2', '--size', '64x96', '-o', str(onnx_path)]) == 0
    out = tmp_path / 'out'
    assert main(['predict', str(folder / 'wide.png'), '-m', str(onnx_path), '-o', str(out)]) == 0
    saliency = cv2.imread(str(out / 'wide_saliency.png'), cv2.IMREAD_UNCHANGED)
    assert saliency.shape == (90, 160)


def test_predict_scanpath_is_drawn_on_the_overlay_and_listed_in_json(tmp_path, model, inputs,
                                                                     capsys):
    folder, video = inputs
    common = [str(folder / 'wide.png'), str(video), '-m', str(model), '--size', '64x64',
              '--cache-dir', str(tmp_path / 'c'), '--overlay-opacity', '0']
    assert main(['predict', *common, '-o', str(tmp_path / 'plain')]) == 0
    assert not (tmp_path / 'plain' / 'scanpath.json').exists()
    out = tmp_path / 'out'
    assert main(['predict', *common, '--scanpath', '3', '--scanpath-fov', '50',
                 '-o', str(out)]) == 0
    assert 'scanpath fixations' in capsys.readouterr().out
    rows = json.loads((out / 'scanpath.json').read_text())
    assert {r['source'] for r in rows} == {'wide', 'clip'}
    wide = [r for r in rows if r['source'] == 'wide']
    assert [r['order'] for r in wide] == list(range(1, len(wide) + 1)) and 1 <= len(wide) <= 3
    assert all(0 <= r['x'] < 160 and 0 <= r['y'] < 90 and 0 <= r['saliency'] <= 1
               for r in wide)
    # at zero opacity the overlay is the frame plus the drawing: the scanpath differs
    plain = cv2.imread(str(tmp_path / 'plain' / 'wide_overlay.jpg')).astype(int)
    drawn = cv2.imread(str(out / 'wide_overlay.jpg')).astype(int)
    assert drawn.shape == plain.shape and np.abs(drawn - plain).max() > 100


def test_predict_refuses_a_negative_scanpath(tmp_path, model, inputs, capsys):
    folder, _ = inputs
    with pytest.raises(SystemExit) as info:
        main(['predict', str(folder / 'wide.png'), '-m', str(model), '--scanpath', '-1',
              '-o', str(tmp_path / 'o')])
    assert info.value.code == 2 and 'negative' in capsys.readouterr().err
