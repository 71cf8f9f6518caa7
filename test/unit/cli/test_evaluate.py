"""
``msinet evaluate`` end to end on a synthetic dataset in MIT1003's official layout.

The dataset's fixations are drawn from known densities (test/support/synthetic_dataset.py), so
the true density must beat a wrong map on every measure, whatever the protocol; a random-weights
model runs through the predictor; ``--compare`` measures an fp32 and an fp16 export of the same
random weights against each other.
"""

import csv
import json

import cv2
from msinet_ros.cli.main import main
from msinet_ros.metrics.common import SCORE_DIRECTION
from msinet_ros.model import onnx_export, weights
import numpy as np
import pytest
from support.synthetic_dataset import known_density, make_dataset

SIZE = (96, 128)


@pytest.fixture(scope='module')
def dataset(tmp_path_factory):
    return make_dataset(tmp_path_factory.mktemp('data'), 'mit1003', count=8, size=SIZE, seed=3)


def _write_maps(folder, dataset, transform):
    folder.mkdir()
    for path in sorted((dataset / 'known_density').glob('*.npy')):
        values = transform(known_density(dataset, path.stem))
        cv2.imwrite(str(folder / f'{path.stem}.png'),
                    np.round(255 * values / values.max()).astype(np.uint8))
    return folder


def _summary(out):
    return json.loads((out / 'summary.json').read_text())


@pytest.mark.parametrize('protocol', ['legacy', 'tuebingen'])
def test_the_true_density_beats_a_mirrored_map_on_every_measure(tmp_path, dataset, protocol,
                                                                capsys):
    truth = _write_maps(tmp_path / 'truth', dataset, lambda d: d)
    mirrored = _write_maps(tmp_path / 'mirrored', dataset, lambda d: d[::-1, ::-1])
    scores = {}
    for name, maps in (('truth', truth), ('mirrored', mirrored)):
        assert main(['evaluate', str(dataset), '--maps', str(maps), '--protocol', protocol,
                     '--no-plot', '-o', str(tmp_path / name)]) == 0
        scores[name] = _summary(tmp_path / name)['summary']
    compared = 0
    for measure, direction in SCORE_DIRECTION.items():
        best, worst = scores['truth'][measure]['mean'], scores['mirrored'][measure]['mean']
        if best is None:  # not part of this protocol: n/a with the reason, never a number
            assert protocol == 'tuebingen' and measure in ('EMD', 'AUC-Borji')
            assert scores['truth'][measure]['n/a'] == {'not part of the Tübingen protocol': 8}
            continue
        assert direction * (best - worst) > 0, (measure, best, worst)
        compared += 1
    assert compared == (10 if protocol == 'legacy' else 8)
    assert '| AUC-Judd |' in capsys.readouterr().out


@pytest.fixture(scope='module')
def exports(tmp_path_factory):
    folder = tmp_path_factory.mktemp('onnx')
    tensors, metadata = weights.random_weights(7), weights.random_metadata(7)
    for name, fp16 in (('fp32.onnx', False), ('fp16.onnx', True)):
        onnx_export.save(onnx_export.build(tensors, *SIZE, fp16=fp16, metadata=metadata),
                         folder / name)
    return folder / 'fp32.onnx', folder / 'fp16.onnx'


def test_a_model_is_run_over_the_dataset_and_the_table_csv_json_and_plot_are_written(
        tmp_path, dataset, exports, capsys):
    out = tmp_path / 'out'
    assert main(['evaluate', str(dataset), '-m', str(exports[0]), '--limit', '3',
                 '-o', str(out)]) == 0
    captured = capsys.readouterr()
    assert 'RANDOM weights' in captured.err
    record = _summary(out)
    assert record['command'].startswith('msinet evaluate ')
    assert record['machine']['cpu'] and record['dataset']['images'] == 3
    assert record['maps']['random_weights'] is True and record['maps']['map_depth'] == '8'
    assert 'in-sample' in record['centre_bias_fitted_on']
    assert set(record['summary']) == set(SCORE_DIRECTION)
    with open(out / 'scores.csv') as handle:
        rows = list(csv.DictReader(handle))
    assert [row['image'] for row in rows] == sorted(row['image'] for row in rows)
    assert len(rows) == 3 and all(float(row['AUC-Judd']) > 0 for row in rows)
    assert cv2.imread(str(out / 'scores.png')) is not None
    for measure in SCORE_DIRECTION:
        assert f'| {measure} |' in captured.out


def test_compare_measures_an_fp16_export_against_the_fp32_one_and_scores_both(
        tmp_path, dataset, exports, capsys):
    out = tmp_path / 'cmp'
    assert main(['evaluate', str(dataset), '--compare', *map(str, exports), '--limit', '4',
                 '-o', str(out)]) == 0
    record = json.loads((out / 'agreement.json').read_text())
    agreement = record['agreement']
    assert agreement['CC']['images'] == 4 and agreement['CC']['worst'] > 0.99
    assert agreement['KLD']['worst'] < 0.01
    assert agreement['top distance (px)']['worst'] < 3.0
    assert record['a']['model'].endswith('fp32.onnx') and record['b']['model'].endswith(
        'fp16.onnx')
    assert set(record['scores']) == {'fp32.onnx', 'fp16.onnx'}
    for name in ('agreement.csv', 'scores_A.csv', 'scores_B.csv'):
        assert (out / name).is_file()
    assert cv2.imread(str(out / 'agreement.png')) is not None
    assert 'fp16.onnx against fp32.onnx on 4 images' in capsys.readouterr().out


def test_compare_needs_no_ground_truth_a_folder_of_images_is_enough(tmp_path, dataset):
    same = _write_maps(tmp_path / 'a', dataset, lambda d: d)
    again = _write_maps(tmp_path / 'b', dataset, lambda d: d)
    mirrored = _write_maps(tmp_path / 'c', dataset, lambda d: d[::-1, ::-1])
    for candidate, name in ((again, 'same'), (mirrored, 'mirrored')):
        assert main(['evaluate', str(dataset / 'stimuli'), '--compare', str(same),
                     str(candidate), '--no-plot', '-o', str(tmp_path / name)]) == 0
    same, mirrored = (json.loads((tmp_path / name / 'agreement.json').read_text())
                      for name in ('same', 'mirrored'))
    assert same['images'] == mirrored['images'] == 8 and same['scores'] == {}
    assert same['agreement']['CC']['mean'] == pytest.approx(1.0)
    assert same['agreement']['top distance (px)']['worst'] == pytest.approx(0.0)
    assert mirrored['agreement']['CC']['mean'] < 0.5
    assert mirrored['agreement']['top distance (px)']['mean'] > 10


def test_without_a_model_or_maps_it_says_what_to_give(tmp_path, dataset, capsys):
    assert main(['evaluate', str(dataset), '-o', str(tmp_path)]) == 1
    assert 'give a model (-m MODEL), a map folder (--maps) or --compare A B' in \
        capsys.readouterr().err


def test_a_folder_that_is_not_a_dataset_is_one_clear_error(tmp_path, capsys):
    (tmp_path / 'photos').mkdir()
    assert main(['evaluate', str(tmp_path / 'photos'), '--maps', str(tmp_path),
                 '-o', str(tmp_path / 'o')]) == 1
    assert 'msinet evaluate: error:' in capsys.readouterr().err


def test_the_official_split_on_a_partial_dataset_says_how_many_images_it_needs(
        tmp_path, dataset, capsys):
    assert main(['evaluate', str(dataset), '--maps', str(tmp_path), '--split', 'official-val',
                 '-o', str(tmp_path / 'o')]) == 1
    assert '1003' in capsys.readouterr().err


def test_compare_size_runs_b_at_another_input_size_of_the_same_weights(tmp_path, dataset,
                                                                       capsys):
    path = tmp_path / 'w.safetensors'
    weights.save(path, weights.random_weights(7), weights.random_metadata(7))
    out = tmp_path / 'cmp'
    assert main(['evaluate', str(dataset / 'stimuli'), '--compare', str(path), str(path),
                 '--size', '96x128', '--compare-size', '48x64', '--limit', '2', '--no-plot',
                 '--cache-dir', str(tmp_path / 'cache'), '-o', str(out)]) == 0
    record = json.loads((out / 'agreement.json').read_text())
    assert (record['a']['input_size'], record['b']['input_size']) == ('96x128', '48x64')
    assert 0.0 < record['agreement']['CC']['worst'] < 1.0  # the maps differ, a little
    assert 'w.safetensors at 48x64 against w.safetensors at 96x128' in capsys.readouterr().out
