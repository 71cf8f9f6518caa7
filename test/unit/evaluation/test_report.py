"""Writing an evaluation down: tables, CSV with n/a reasons, JSON without NaN, plots."""

import csv
import json

import cv2
from msinet_ros.evaluation.compare import agreement
from msinet_ros.evaluation.report import paper_comparison, paper_table, plot_agreement, \
    plot_scores, record, table, write_json, write_scores_csv
from msinet_ros.evaluation.scores import ImageScores, summarise
import numpy as np
import pytest

ROWS = [ImageScores('a', 3, {'NSS': 2.5, 'KLD': 'n/a (no density map)'}),
        ImageScores('b', 1, {'NSS': 2.7, 'KLD': 0.5})]


def test_the_table_has_one_row_per_measure_and_one_column_per_model():
    measures = ['NSS', 'KLD']
    text = table({'m1': summarise(ROWS, measures), 'm2': summarise(ROWS[1:], measures)})
    lines = text.splitlines()
    assert lines[0] == '| measure | m1 | m2 |'
    assert lines[2] == '| NSS | 2.600 ± 0.100 | 2.700 ± 0.000 |'
    assert lines[3] == '| KLD | 0.500 ± 0.000 (n/a: 1) | 0.500 ± 0.000 |'


def test_the_csv_keeps_each_n_a_reason_and_the_fixation_count(tmp_path):
    write_scores_csv(tmp_path / 's.csv', ROWS, ['NSS', 'KLD'])
    with open(tmp_path / 's.csv') as handle:
        rows = list(csv.DictReader(handle))
    assert rows[0] == {'image': 'a', 'fixations': '3', 'NSS': '2.5',
                       'KLD': 'n/a (no density map)'}


def test_a_record_states_the_command_and_the_machine_and_refuses_nan(tmp_path):
    data = record(['evaluate', 'x'], extra=1)
    assert data['command'] == 'msinet evaluate x' and data['machine']['cpu']
    write_json(tmp_path / 'r.json', data)
    assert json.loads((tmp_path / 'r.json').read_text())['extra'] == 1
    with pytest.raises(ValueError):
        write_json(tmp_path / 'bad.json', {'mean': float('nan')})
    assert not (tmp_path / 'bad.json').exists()  # nothing half-written


def test_the_table6_comparison_says_within_or_not_per_measure():
    summaries = summarise([ImageScores('a', 1, {'AUC-Judd': 0.899, 'KLD': 2.0, 'IG': 1.0})],
                          ['AUC-Judd', 'KLD', 'IG'])
    comparison = paper_comparison('mit1003', summaries)
    assert set(comparison) == {'AUC-Judd', 'KLD'}  # IG is not in Table 6
    assert comparison['AUC-Judd']['within_3_sigma'] and \
        not comparison['KLD']['within_3_sigma']
    assert '| KLD | 2.000 | 0.818 ± 0.051 | no |' in paper_table(comparison)


def test_the_plots_are_pngs(tmp_path):
    pytest.importorskip('matplotlib')
    plot_scores(tmp_path / 's.png', {'m': ROWS}, ['NSS', 'KLD'], 'title')
    blob = np.exp(-((np.mgrid[:20, :30] - 10.0) ** 2).sum(0) / 20)
    plot_agreement(tmp_path / 'a.png', [agreement('x', blob, blob)], 'title')
    assert cv2.imread(str(tmp_path / 's.png')).shape[2] == 3
    assert cv2.imread(str(tmp_path / 'a.png')) is not None
