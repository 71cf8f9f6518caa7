"""Interleaved measurement: rounds, per-round ratios, records and the table (fake runners)."""

from typing import List

from msinet_ros.inference.benchmark import (Case, LOAD_KEY, markdown, measure_interleaved,
                                            record, round_ratios)
import numpy as np
import pytest


class FakeRunner:
    """A case whose frames take a fixed time per round, logging the order it ran in."""

    def __init__(self, case: Case, log: List[str], times: List[float], error: str = ''):
        self.case, self.log, self.times, self.error = case, log, list(times), error
        self.closed, self.warm = False, False

    def run(self, frames: int):
        self.log.append(f'{self.case.label} x{frames}')
        ms = self.times.pop(0) if self.warm else 999.0  # the first call is the warm-up
        self.warm = True
        return [{'preprocess': 1.0, 'inference': ms - 2.0, 'postprocess': 1.0, 'total': ms}
                for _ in range(frames)]

    def peak_rss_mb(self):
        return 123.0

    def close(self):
        self.closed = True


def cases():
    return [Case('torch', 'cpu', 'fp32', '64x64', 'm'),
            Case('onnxruntime', 'cpu', 'fp32', '64x64', 'm'),
            Case('onnxruntime', 'cpu', 'int8', '64x64', 'q')]


def run(times, errors=None, rounds=3, warmup=0):
    log, made = [], {}

    def runner(case):
        made[case.label] = FakeRunner(case, log, times[case.label],
                                      (errors or {}).get(case.label, ''))
        return made[case.label]
    records = measure_interleaved(cases(), np.zeros((4, 4, 3), np.uint8), rounds, 2, warmup,
                                  '', 'torch cpu fp32', runner)
    return records, log, made


def test_round_ratios_are_reference_over_case_per_round():
    result = round_ratios([100.0, 200.0, 300.0], [50.0, 200.0, 100.0])
    assert result['rounds'] == [2.0, 1.0, 3.0]
    assert (result['median'], result['min'], result['max']) == (2.0, 1.0, 3.0)


def test_round_ratios_refuse_rounds_that_do_not_pair():
    with pytest.raises(ValueError):
        round_ratios([1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        round_ratios([], [])


def test_cases_run_interleaved_in_rotated_rounds_after_warmup():
    times = {'torch cpu fp32': [100] * 3, 'onnxruntime cpu fp32': [80] * 3,
             'onnxruntime cpu int8': [40] * 3}
    _, log, made = run(times, rounds=3, warmup=1)
    t, o, i = 'torch cpu fp32 x', 'onnxruntime cpu fp32 x', 'onnxruntime cpu int8 x'
    assert log == [t + '1', o + '1', i + '1',  # warm-up, then three rotated rounds
                   t + '2', o + '2', i + '2',
                   o + '2', i + '2', t + '2',
                   i + '2', t + '2', o + '2']
    assert all(runner.closed for runner in made.values())


def test_ratio_is_the_median_of_rounds_not_of_pooled_times():
    # a load spike in round 2 slows both cases: pooled medians would mix rounds
    times = {'torch cpu fp32': [100, 400, 110], 'onnxruntime cpu fp32': [50, 390, 100],
             'onnxruntime cpu int8': [25, 200, 55]}
    records, _, _ = run(times)
    torch, ort, int8 = records
    assert torch['vs_reference']['median'] == 1.0
    assert ort['vs_reference']['rounds'] == pytest.approx([2.0, 400 / 390, 1.1])
    assert ort['vs_reference']['median'] == pytest.approx(1.1)
    assert int8['vs_reference']['median'] == pytest.approx(2.0)
    assert ort['round_total_ms'] == [50, 390, 100]
    assert ort['frames'] == 6 and ort['peak_rss_mb'] == 123.0
    assert ort['stages_ms']['total']['p50'] == 100
    assert ort['fps'] == pytest.approx(10.0)


def test_a_case_that_fails_to_start_is_reported_and_left_out_of_the_rounds():
    times = {'torch cpu fp32': [100] * 2, 'onnxruntime cpu fp32': [80] * 2,
             'onnxruntime cpu int8': [40] * 2}
    records, log, made = run(times, {'onnxruntime cpu int8': 'ModelFormatError: bad'}, rounds=2)
    assert records[2] == {'case': records[2]['case'], 'label': 'onnxruntime cpu int8',
                          'error': 'ModelFormatError: bad'}
    assert not any('int8' in line for line in log)
    assert made['onnxruntime cpu int8'].closed
    assert records[1]['vs_reference']['median'] == pytest.approx(1.25)


def test_without_the_reference_no_ratio_is_given():
    times = {'torch cpu fp32': [100] * 2, 'onnxruntime cpu fp32': [80] * 2,
             'onnxruntime cpu int8': [40] * 2}
    records, _, _ = run(times, {'torch cpu fp32': 'torch is not installed'}, rounds=2)
    assert all('vs_reference' not in r for r in records)
    assert 'no reference' in markdown(records)


def test_markdown_shows_stages_ratio_with_its_range_and_errors():
    times = {'torch cpu fp32': [100, 120], 'onnxruntime cpu fp32': [50, 80],
             'onnxruntime cpu int8': [40, 40]}
    records, _, _ = run(times, {'onnxruntime cpu int8': 'boom'}, rounds=2)
    table = markdown(records).splitlines()
    assert table[2] == ('| 64x64 | torch cpu fp32 | 1.0 ms | 108.0 / 118.0 ms | 1.0 ms | '
                        '110.0 / 120.0 ms | 9.09 | 1.00× | 123 MB |')
    assert '| 1.75× (1.50–2.00) | 123 MB |' in table[3]
    assert table[4] == '| 64x64 | onnxruntime cpu int8 | boom | | | | | | |'


def test_record_has_the_shape_of_docs_records():
    made = record('backends', 'msinet benchmark', {'cases': []})
    assert set(made) == {'benchmark', 'command', 'machine', 'date', 'results'}
    assert made['benchmark'] == 'backends' and made['date'].endswith('UTC')
    assert made['machine']['cpu'] and len(made['machine'][LOAD_KEY]) == 3


def test_a_case_process_reports_its_own_peak_memory_not_its_parents():
    from msinet_ros.inference.benchmark import CaseProcess, peak_rss_mb
    from msinet_ros.model import onnx_export, weights
    import tempfile
    ballast = np.ones(400 * 2 ** 20, np.uint8)  # the parent's peak grows by 400 MB
    with tempfile.TemporaryDirectory() as tmp:
        model = f'{tmp}/small.onnx'
        onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64,
                                           metadata=weights.random_metadata(0)), model)
        runner = CaseProcess(Case('onnxruntime', 'cpu', 'fp32', '64x64', model),
                             np.zeros((48, 64, 3), np.uint8), tmp)
        try:
            assert runner.error == '' and len(runner.run(2)) == 2
            child = runner.peak_rss_mb()
        finally:
            runner.close()
    assert 0 < child < peak_rss_mb() - 300 and ballast.sum() > 0
