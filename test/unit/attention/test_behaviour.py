"""CDP4's behavioural measures on synthetic runs whose saccades and fixations are known."""

import json
import math
from pathlib import Path

from msinet_ros.attention import behaviour
from msinet_ros.attention.behaviour import (analyse, BehaviourSettings, NOT_COMPARABLE,
                                            read_run, report, run_from_records,
                                            RunFormatError)
import numpy as np
import pytest

URDF = Path(__file__).resolve().parents[3] / 'urdf' / 'pan_tilt_head.urdf'
LIMITS = {'pan_joint': [-1.5708, 1.5708], 'tilt_joint': [-0.7854, 0.7854]}
# (time, azimuth deg, elevation deg) corners of a piecewise-linear gaze path: saccades of
# 0.1 s between fixations; the head holds still in between.
PATH = [(0.0, 0, 0), (0.5, 0, 0), (0.6, 20, 0), (1.2, 20, 0), (1.3, -20, 0), (2.0, -20, 0),
        (2.1, 0, 10), (2.6, 0, 10), (2.7, 20, 0), (3.0, 20, 0)]


def joint_states(path=PATH, rate=100.0):
    """Return joint_state records sampling the path (pan = azimuth, tilt = -elevation)."""
    corners = np.array(path, np.float64)
    times = np.round(np.arange(0.0, corners[-1, 0] + 0.5 / rate, 1.0 / rate), 9)
    az = np.interp(times, corners[:, 0], corners[:, 1])
    el = np.interp(times, corners[:, 0], corners[:, 2])
    return [{'type': 'joint_state', 't': t + 0.001, 'stamp': t,
             'names': ['pan_joint', 'tilt_joint'],
             'positions': [math.radians(a), -math.radians(e)], 'velocities': [0.0, 0.0]}
            for t, a, e in zip(times, az, el)]


def records(**meta):
    images = [{'type': 'image', 't': 0.2 + 0.1 * i + 0.01, 'stamp': 0.2 + 0.1 * i}
              for i in range(28)]
    return [{'type': 'meta', 't': 0.0, 'joint_limits': LIMITS, **meta}] + images + \
        joint_states()


def sphere_angle(a, b):
    """Angle (deg) between two (azimuth, elevation) directions in degrees."""
    (a1, e1), (a2, e2) = np.radians(a), np.radians(b)
    return math.degrees(math.acos(math.sin(e1) * math.sin(e2) +
                                  math.cos(e1) * math.cos(e2) * math.cos(a1 - a2)))


def test_saccades_fixations_rate_and_first_saccade_of_a_known_path():
    result = analyse(run_from_records(records()))
    assert [(s.onset, s.offset) for s in result.saccades] == pytest.approx(
        [(0.5, 0.6), (1.2, 1.3), (2.0, 2.1), (2.6, 2.7)])
    assert [s.amplitude_deg for s in result.saccades] == pytest.approx(
        [20.0, 40.0, sphere_angle((-20, 0), (0, 10)), sphere_angle((0, 10), (20, 0))])
    assert result.saccades[1].peak_speed_deg_s == pytest.approx(400.0)
    assert result.time_to_first_saccade_s == pytest.approx(0.5 - 0.2)  # first image at 0.2
    assert [f.azimuth_deg for f in result.fixations] == pytest.approx([0, 20, -20, 0, 20])
    elevations = [f.elevation_deg for f in result.fixations]
    assert elevations == pytest.approx([0, 0, 0, 10, 0], abs=1e-9)
    assert [f.complete for f in result.fixations] == [False, True, True, True, False]
    data = report(run_from_records(records()))
    assert data['saccades']['count'] == 4
    assert data['saccades']['rate_per_s'] == pytest.approx(4 / (3.0 - 0.2))
    assert data['fixations']['duration_s']['count'] == 3
    assert data['fixations']['duration_s']['mean'] == pytest.approx((0.6 + 0.7 + 0.5) / 3)
    assert data['fixations']['duration_s']['median'] == pytest.approx(0.6)
    assert data['saccades']['amplitude_deg']['max'] == pytest.approx(40.0)
    assert data['gaze_source'] == behaviour.GAZE_FROM_ANGLES
    json.dumps(data, allow_nan=False)  # JSON-ready


def test_revisit_counts_a_return_to_an_earlier_not_the_previous_fixation():
    data = report(run_from_records(records()))
    # fixations 0:(0,0) 1:(20,0) 2:(-20,0) 3:(0,10) 4:(20,0) -> only 4 returns (to 1)
    assert data['revisits'] == {'threshold_deg': 5.0, 'count': 1, 'candidates': 3,
                                'rate': pytest.approx(1 / 3)}
    wide = report(run_from_records(records()), settings=BehaviourSettings(revisit_deg=12.0))
    assert wide['revisits']['count'] == 2  # (0,10) is now within 12 deg of (0,0)
    # a return to the fixation just before is not a revisit: A B A B -> 2 of 2
    back = [(0.0, 0, 0), (0.5, 0, 0), (0.6, 20, 0), (1.0, 20, 0), (1.1, 0, 0), (1.5, 0, 0),
            (1.6, 20, 0), (2.0, 20, 0)]
    fixations = analyse(run_from_records(joint_states(back))).fixations
    assert behaviour.revisits(fixations, 5.0) == (2, 2)
    assert behaviour.revisits(fixations[:3], 5.0) == (1, 1)
    assert behaviour.revisits(fixations[:2], 5.0) == (0, 0)


def test_slow_pursuit_and_tiny_jumps_are_not_saccades():
    pursuit = [(0.0, 0, 0), (0.5, 0, 0), (1.5, 25, 0), (2.0, 25, 0)]  # 25 deg/s < 30
    assert analyse(run_from_records(joint_states(pursuit))).saccades == []
    jitter = [(0.0, 0, 0), (0.5, 0, 0), (0.51, 0.4, 0), (1.0, 0.4, 0)]  # 40 deg/s, 0.4 deg
    assert analyse(run_from_records(joint_states(jitter))).saccades == []
    result = analyse(run_from_records(joint_states(pursuit)))
    assert result.time_to_first_saccade_s is None and len(result.fixations) == 1
    data = report(run_from_records(joint_states(pursuit)))
    assert data['revisits']['rate'] is None and data['fixations']['duration_s']['mean'] is None


def test_forward_kinematics_of_the_recorded_urdf_gives_the_same_directions():
    urdf = {'type': 'robot_description', 't': 0.0, 'urdf': URDF.read_text()}
    run = run_from_records([r for r in records() if r['type'] != 'meta'] + [urdf])
    result = analyse(run)
    assert result.gaze_source == behaviour.GAZE_FROM_URDF
    reference = analyse(run_from_records(records()))
    assert [s.amplitude_deg for s in result.saccades] == pytest.approx(
        [s.amplitude_deg for s in reference.saccades], abs=1e-4)  # the URDF's rpy: 1.5708
    assert result.limits == {'pan_joint': (-1.5708, 1.5708), 'tilt_joint': (-0.7854, 0.7854)}


def test_a_recorded_gaze_field_is_used_first():
    states = joint_states()
    for state in states:  # the axis 90 deg to the left of what the angles say
        pan, tilt = state['positions']
        state['gaze'] = [-math.sin(pan) * math.cos(tilt), math.cos(pan) * math.cos(tilt),
                         -math.sin(tilt)]
    result = analyse(run_from_records(states))
    assert result.gaze_source == behaviour.GAZE_FROM_RECORD
    assert result.fixations[1].azimuth_deg == pytest.approx(110.0)


@pytest.mark.parametrize('status', ['gaze_controller: gaze', '/robot/gaze_controller: gaze'])
def test_clipping_counts_diagnostics_commands_and_saccades_on_limits(status):
    path = [(0.0, 0, 0), (0.5, 0, 0), (1.0, 90.0, 0), (1.5, 90.0, 0)]  # ends on pan's limit
    diag = [{'type': 'diagnostic', 't': t, 'name': status, 'level': 0,
             'message': 'ok', 'values': {'targets': n, 'targets clipped': c}}
            for t, n, c in ((0.5, '10', '3'), (1.0, '12', '4'))]
    commands = [{'type': 'command', 't': 0.6, 'names': ['pan_joint', 'tilt_joint'],
                 'positions': [0.3, 0.1], 'kind': 'trajectory'},
                {'type': 'command', 't': 0.7, 'names': [], 'positions': [1.5708, 0.0],
                 'kind': 'position'},
                {'type': 'command', 't': 0.8, 'names': ['tilt_joint', 'pan_joint'],
                 'positions': [-0.9, 0.0], 'kind': 'trajectory'}]
    run = run_from_records([{'type': 'meta', 't': 0, 'joint_limits': {
        'pan_joint': [-math.pi / 2, math.pi / 2], 'tilt_joint': [-0.7854, 0.7854]}}] +
        joint_states(path) + diag + commands)
    limits = report(run)['joint_limits']
    assert limits['targets'] == 12 and limits['targets_clipped'] == 4
    assert limits['targets_clipped_fraction'] == pytest.approx(1 / 3)
    assert (limits['commands'], limits['commands_on_limit'],
            limits['commands_beyond_limit']) == (3, 1, 1)
    assert limits['saccades_ending_on_limit'] == 1
    assert limits['limits']['pan_joint'] == pytest.approx([-math.pi / 2, math.pi / 2])


def test_latency_of_gaze_targets_and_of_the_first_command_after_each():
    targets = [{'type': 'gaze_target', 't': t, 'stamp': s, 'frame': 'base_link',
                'point': [2.0, 0.0, 0.5]} for t, s in ((1.0, 0.8), (2.0, 1.7))]
    commands = [{'type': 'command', 't': t, 'names': ['pan_joint', 'tilt_joint'],
                 'positions': [0.0, 0.0], 'kind': 'trajectory'} for t in (0.9, 1.05, 1.1, 2.02)]
    data = report(run_from_records(records() + targets + commands))
    assert data['latency_s']['gaze_target']['count'] == 2
    assert data['latency_s']['gaze_target']['median'] == pytest.approx(0.25)
    assert data['latency_s']['command']['count'] == 2  # 0.9: no target yet; 1.1: same target
    assert data['latency_s']['command']['min'] == pytest.approx(0.25)
    assert data['latency_s']['command']['max'] == pytest.approx(0.32)
    assert data['time_to_first_target_s'] == pytest.approx(1.0 - 0.21)  # receipt times
    assert data['warnings'] == []
    wall = [{**target, 't': target['t'] + 1.7e9} for target in targets]  # recorder off sim time
    assert 'different clocks' in report(run_from_records(records() + wall))['warnings'][0]


def test_the_human_reference_is_compared_only_with_official_weights():
    assert report(run_from_records(records()))['human_comparison'] == NOT_COMPARABLE
    assert report(run_from_records(records(weights='random')))['human_comparison'] == \
        NOT_COMPARABLE
    official = report(run_from_records(records(weights='official')))['human_comparison']
    assert official['human_s'] == 0.317
    assert official['difference_s'] == pytest.approx(0.3 - 0.317)
    flagged = records(weights='official') + [{
        'type': 'diagnostic', 't': 1.0, 'name': 'saliency_node: inference', 'level': 1,
        'message': 'seeded random weights: maps are meaningless', 'values': {}}]
    assert report(run_from_records(flagged))['human_comparison'] == NOT_COMPARABLE


def test_scene_targets_become_directions_from_the_eye():
    targets = [{'name': 'red', 'point': [2.0, 2.0, 0.5]},
               {'name': 'up', 'azimuth_deg': 0, 'elevation_deg': 30}]
    run = run_from_records(records(eye=[0.0, 0.0, 0.5], targets=targets))
    assert analyse(run).scene_targets == [('red', pytest.approx(45.0), pytest.approx(0.0)),
                                          ('up', 0.0, 30.0)]


def test_reading_a_file_tolerates_a_cut_last_line_and_refuses_bad_ones(tmp_path):
    path = tmp_path / 'run.jsonl'
    lines = [json.dumps(r) for r in records()]
    path.write_text('\n'.join(lines) + '\n{"type": "joint_st')
    assert len(read_run(path).joint_times) == 301
    path.write_text('\n'.join(lines[:5] + ['not json'] + lines[5:]) + '\n')
    with pytest.raises(RunFormatError, match=r'run.jsonl:6: not JSON'):
        read_run(path)
    path.write_text('[1, 2]\n' + '\n'.join(lines))
    with pytest.raises(RunFormatError, match='not a record'):
        read_run(path)
    path.write_text(json.dumps({'type': 'meta', 't': 0}) + '\n')
    with pytest.raises(RunFormatError, match='no joint_state records'):
        read_run(path)
    path.write_text(json.dumps({'type': 'joint_state', 't': 0}) + '\n')
    with pytest.raises(RunFormatError, match='malformed record'):
        read_run(path)
    with pytest.raises(RunFormatError, match='cannot read'):
        read_run(tmp_path / 'missing.jsonl')
