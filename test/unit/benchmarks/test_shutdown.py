"""benchmarks/shutdown.py: what counts as a clean run, the tally and its section."""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import shutdown  # noqa: E402

# signal, exit code, exit (s), start-up (s), during inference, worker left, traceback,
# error lines, rosout failures, orphans, load, left graph
CLEAN = ['SIGINT', 0, 0.4, 9.0, True, False, False, 0, 2, 0, 4.0, 0.1]


def test_a_run_is_clean_only_with_exit_0_within_2_s_and_nothing_left_or_said():
    assert shutdown.is_clean(CLEAN)
    for column, bad in (('exit code', -11), ('exit (s)', 2.0), ('exit (s)', None),
                        ('traceback', True), ('error lines', 1), ('orphans', 1)):
        row = list(CLEAN)
        row[shutdown.COLUMNS.index(column)] = bad
        assert not shutdown.is_clean(row), column


def test_during_inference_compares_the_signal_time_with_the_debug_log():
    log = ('[DEBUG] [10.0] [n]: inference started: stamp 1\n'
           '[DEBUG] [10.5] [n]: inference done: stamp 1\n'
           '[DEBUG] [10.6] [n]: inference started: stamp 2\n')
    assert shutdown.during_inference(log, 10.2)
    assert not shutdown.during_inference(log, 10.55)  # between two frames
    assert shutdown.during_inference(log, 11.0)  # frame 2 never finished
    assert not shutdown.during_inference(log, 9.0)
    assert not shutdown.during_inference('[INFO] [1.0] [n]: active\n', 2.0)


def test_tally_and_render_count_each_outcome():
    hung = ['SIGINT', -9, None, 9.0, True, False, False, 0, 0, 0, 5.0, 0.2]
    slow = ['SIGINT', 0, 2.5, 11.0, True, True, False, 0, 1, 0, 6.5, 18.0]
    tally = shutdown.tally([CLEAN, hung, slow])
    assert tally['runs'] == 3 and tally['clean'] == 1
    assert tally['exit_codes'] == {'0': 2, '-9': 1}
    assert tally['hung_or_no_start'] == 1 and tally['over_contract'] == 1
    assert tally['worker_left_running'] == 1 and tally['during_inference'] == 3
    assert tally['rosout_failures'] == 3 and tally['runs_with_rosout_failures'] == 2
    record = {'command': 'c', 'machine': {}, 'date': 'd', 'results': {
        'settings': {'runs_per_signal': 3, 'camera': 'cam', 'max_delay_s': 1.0},
        'by_signal': {'SIGINT': tally}, 'columns': shutdown.COLUMNS,
        'runs': [CLEAN, hung, slow]}}
    text = shutdown.render(record)
    row = '| SIGINT | 3 | 1 | -9: 1, 0: 2 | 1.45 / 2.40 / 2.50 s | 1 | 3 | 1 | 0 | 0 | 2 | 0 | 1 |'
    assert row in text
    assert 'at the signals: 4.0–6.5.' in text
    assert 'SIGINT: 0.20 s p50, 18.00 s max (18.00 s max after the runs whose worker' in text
