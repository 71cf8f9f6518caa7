"""
Behavioural measures of a recorded closed-loop run: CDP4's, for a pan-tilt head.

HBPNeurorobotics/CDP4_experiment ``scripts/analyze.py`` measured an attention loop from a
rosbag: time to first saccade (against a human 0.317 s), saccade rate, fixation durations,
saccade amplitudes, and the saccades the head manager dropped at joint limits
(HBPNeurorobotics/embodied_attention ``scripts/head_manager.py``). CDP4 read them off the
*commands* (``/saccade_target`` times, ``/pan`` and ``/tilt`` values); here they are measured
from the head's *motion* (joint states), so what is measured is what the robot did. Each
measure's docstring below gives its definition and the CDP4 line it follows (line numbers of
CDP4_experiment at commit 552d53d, embodied_attention at da7f4cf).

The run is a JSON-lines file that ``attention_recorder`` writes: one JSON object per line,
each with ``type`` and ``t`` (receipt time, seconds on the recorder's ROS clock: simulated
time under ``use_sim_time``); ``stamp`` is a message's ``header.stamp`` in seconds:

- ``{"type": "meta", "t", ...}``: free fields. Read here: ``weights`` (``"official"`` enables
  the human comparison), ``targets`` (scene targets: ``[{"name", "point": [x, y, z]}]`` in the
  body frame, or ``"azimuth_deg"``/``"elevation_deg"``), ``eye`` ([x, y, z], where target
  directions start; default the camera origin at zero joint angles), ``body_frame``,
  ``camera_frame``, ``pan_joint``, ``tilt_joint``, ``joint_limits`` ({name: [lower, upper]}).
  Several meta lines are merged, later keys winning (a test may append one after the run).
- ``{"type": "image", "t", "stamp"}``: a camera image was taken (camera_info stamps).
- ``{"type": "joint_state", "t", "stamp", "names", "positions", "velocities"}`` and
  optionally ``"gaze": [x, y, z]`` (unit optical axis in the body frame).
- ``{"type": "gaze_target", "t", "stamp", "frame", "point": [x, y, z]}``.
- ``{"type": "command", "t", "names", "positions", "kind": "trajectory" | "position"}``
  (a trajectory's last point; ``names`` is empty for ``position``: the URDF's actuated
  joint order, pan then tilt); a trajectory also has ``stamp`` and ``duration``.
- ``{"type": "diagnostic", "t", "name", "level", "message", "values": {key: str}}``.
- ``{"type": "robot_description", "t", "urdf": "<robot ...>"}`` (once, if published).

Lines of other types are ignored; an unparsable last line (a recorder killed mid-write) is
dropped; any other bad line is an error.
"""

from dataclasses import asdict, dataclass, field
import json
import math
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from .directions import angle_deg
from ..errors import MsinetError, require

HUMAN_FIRST_SACCADE_S = 0.317
NOT_COMPARABLE = 'not comparable: random/test-double weights'
GAZE_FROM_RECORD = 'recorded gaze field'
GAZE_FROM_URDF = 'forward kinematics of the recorded robot_description'
GAZE_FROM_ANGLES = ('pan/tilt angles: azimuth = pan, elevation = -tilt (exact for a pan-tilt '
                    'head whose axes are z then y with no rotation offsets, as the shipped URDF)')


class RunFormatError(MsinetError):
    """A recorded run cannot be read or has nothing to measure."""


@dataclass(frozen=True)
class BehaviourSettings:
    """How saccades, revisits and limit contacts are recognised."""

    saccade_speed_deg_s: float = 30.0  # gaze angular speed at and above which it is a saccade
    min_saccade_s: float = 0.01  # shorter above-threshold runs are not saccades
    min_amplitude_deg: float = 0.5  # smaller ones neither
    revisit_deg: float = 5.0  # a fixation this close to an earlier one is a revisit
    limit_tolerance_rad: float = 1e-3  # a joint this close to a limit is on it
    pan_joint: str = 'pan_joint'
    tilt_joint: str = 'tilt_joint'


@dataclass
class Run:
    """A recorded run, as arrays (times in seconds; joint positions in radians)."""

    meta: Dict[str, Any]
    image_stamps: np.ndarray
    image_times: np.ndarray  # receipt times of the same images (recorder's clock)
    joint_times: np.ndarray  # header stamps (receipt times where a stamp is zero)
    joint_names: Tuple[str, ...]
    positions: np.ndarray  # (N, len(joint_names))
    gaze: Optional[np.ndarray]  # (N, 3) recorded unit vectors, or None
    targets: List[dict] = field(default_factory=list)  # gaze_target records
    commands: List[dict] = field(default_factory=list)
    diagnostics: List[dict] = field(default_factory=list)
    urdf: Optional[str] = None
    _head: Any = field(default=False, init=False, repr=False, compare=False)  # False: not built


@dataclass(frozen=True)
class Saccade:
    """A gaze shift: onset and offset times (s), amplitude and peak speed of the optical axis."""

    onset: float
    offset: float
    amplitude_deg: float
    peak_speed_deg_s: float


@dataclass(frozen=True)
class Fixation:
    """The gaze between two saccades (or the run's start or end), mean direction in degrees."""

    start: float
    end: float
    azimuth_deg: float
    elevation_deg: float
    complete: bool  # bounded by saccades on both sides

    @property
    def duration(self) -> float:
        """Return how long the fixation lasted (s)."""
        return self.end - self.start


@dataclass
class Behaviour:
    """Everything measured on a run (see :func:`report` for the JSON form)."""

    settings: BehaviourSettings
    gaze_source: str
    start: float
    end: float
    saccades: List[Saccade]
    fixations: List[Fixation]
    time_to_first_saccade_s: Optional[float]
    time_to_first_target_s: Optional[float]
    revisits: int
    revisit_candidates: int
    limits: Dict[str, Tuple[float, float]]
    clipping: Dict[str, Any]
    target_latency_s: List[float]
    command_latency_s: List[float]
    gaze_samples: np.ndarray  # (N, 2) azimuth, elevation (deg), for plots
    scene_targets: List[Tuple[str, float, float]]  # name, azimuth, elevation (deg)
    target_directions: np.ndarray  # (M, 2) recorded gaze targets (deg)


# ---------------------------------------------------------------------------------- reading

def read_run(path: Union[str, Path]) -> Run:
    """Read a JSONL run; raise :class:`RunFormatError` saying what is wrong."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFormatError(f'cannot read {path}: {exc}') from exc
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            if number == len(lines):
                break  # the recorder was killed while writing it
            raise RunFormatError(f'{path}:{number}: not JSON ({exc})') from exc
        if not isinstance(record, dict) or 'type' not in record:
            raise RunFormatError(f'{path}:{number}: not a record (a JSON object with "type")')
        records.append(record)
    try:
        return run_from_records(records)
    except (KeyError, TypeError, ValueError) as exc:
        raise RunFormatError(f'{path}: malformed record ({type(exc).__name__}: {exc})') from exc


def run_from_records(records: Iterable[dict]) -> Run:
    """Build a :class:`Run` from records (dicts of the module's schema)."""
    meta: Dict[str, Any] = {}
    images, states, targets, commands, diagnostics = [], [], [], [], []
    urdf = None
    for record in records:
        kind = record['type']
        if kind == 'meta':
            meta.update({k: v for k, v in record.items() if k not in ('type', 't')})
        elif kind == 'image':
            images.append((float(record.get('stamp') or record['t']), float(record['t'])))
        elif kind == 'joint_state':
            states.append(record)
        elif kind == 'gaze_target':
            targets.append(record)
        elif kind == 'command':
            commands.append(record)
        elif kind == 'diagnostic':
            diagnostics.append(record)
        elif kind == 'robot_description':
            urdf = record['urdf']
    if not states:
        raise RunFormatError('the run has no joint_state records: nothing to measure')
    names = _joint_names(states)
    times, rows, gaze = [], [], []
    for state in states:
        by_name = dict(zip(state['names'], state['positions']))
        if not all(name in by_name for name in names):
            continue  # a message of other joints
        times.append(float(state.get('stamp') or state['t']))
        rows.append([float(by_name[name]) for name in names])
        gaze.append(state.get('gaze'))
    order = np.argsort(times, kind='stable')
    have_gaze = all(g is not None for g in gaze)
    images = np.asarray(sorted(images), np.float64).reshape(-1, 2)
    return Run(meta=meta, image_stamps=images[:, 0], image_times=np.sort(images[:, 1]),
               joint_times=np.asarray(times, np.float64)[order], joint_names=names,
               positions=np.asarray(rows, np.float64).reshape(len(rows), len(names))[order],
               gaze=np.asarray(gaze, np.float64)[order] if have_gaze else None,
               targets=sorted(targets, key=lambda r: r['t']),
               commands=sorted(commands, key=lambda r: r['t']),
               diagnostics=sorted(diagnostics, key=lambda r: r['t']), urdf=urdf)


def _joint_names(states: Sequence[dict]) -> Tuple[str, ...]:
    """Return the joints named in the first joint_state (the head's)."""
    names = tuple(states[0]['names'])
    if not names:
        raise RunFormatError('the first joint_state record names no joints')
    return names


# ---------------------------------------------------------------------------------- gaze

def _unit(az_deg: np.ndarray, el_deg: np.ndarray) -> np.ndarray:
    az, el = np.radians(az_deg), np.radians(el_deg)
    return np.stack([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)], axis=-1)


def _angles(vectors: np.ndarray) -> np.ndarray:
    """Return (N, 2) azimuth, elevation (deg) of body-frame vectors (x forward, z up)."""
    v = np.asarray(vectors, np.float64).reshape(-1, 3)
    return np.degrees(np.stack([np.arctan2(v[:, 1], v[:, 0]),
                                np.arctan2(v[:, 2], np.hypot(v[:, 0], v[:, 1]))], axis=-1))


def _chain(run: Run):
    """Return the head chain of the recorded URDF, or None (no URDF, or not a usable one)."""
    if run._head is False:
        run._head = _build_chain(run)
    return run._head


def _build_chain(run: Run):
    if not run.urdf:
        return None
    try:
        from .kinematics import KinematicChain
        chain = KinematicChain.from_urdf(run.urdf, run.meta.get('body_frame', 'base_link'),
                                         run.meta.get('camera_frame', 'camera_optical_frame'))
    except (ImportError, MsinetError):
        return None
    return chain if set(chain.joint_names) <= set(run.joint_names) else None


def gaze_directions(run: Run, settings: BehaviourSettings) -> Tuple[np.ndarray, str]:
    """
    Return the optical axis (N, 3 unit vectors in the body frame) at each joint state.

    In order of preference: the records' ``gaze`` field; the z axis of the camera frame by
    forward kinematics of the recorded robot_description; else the pan/tilt approximation
    (azimuth = pan, elevation = -tilt), which is exact for the direction (not the position)
    of a head whose pan axis is z and tilt axis y with no fixed rotations between them and
    the camera (the shipped URDF): offsets between the axes move the camera, not its axis.
    """
    if run.gaze is not None:
        g = run.gaze / np.linalg.norm(run.gaze, axis=1, keepdims=True)
        return g, GAZE_FROM_RECORD
    chain = _chain(run)
    if chain is not None:
        columns = [run.joint_names.index(name) for name in chain.joint_names]
        g = np.array([chain.pose(row[columns])[:3, 2] for row in run.positions])
        return g, GAZE_FROM_URDF
    pan, tilt = _pan_tilt_columns(run, settings)
    return _unit(np.degrees(run.positions[:, pan]), -np.degrees(run.positions[:, tilt])), \
        GAZE_FROM_ANGLES


def _pan_tilt_columns(run: Run, settings: BehaviourSettings) -> Tuple[int, int]:
    names = run.joint_names
    pan = run.meta.get('pan_joint', settings.pan_joint)
    tilt = run.meta.get('tilt_joint', settings.tilt_joint)
    if pan in names and tilt in names:
        return names.index(pan), names.index(tilt)
    if len(names) == 2:
        return 0, 1
    raise RunFormatError(f'joint_states name {list(names)}: no {pan!r} and {tilt!r} (set '
                         "pan_joint/tilt_joint in the run's meta)")


# ---------------------------------------------------------------------------------- measures

def detect_saccades(times: np.ndarray, gaze: np.ndarray,
                    settings: BehaviourSettings) -> List[Saccade]:
    """
    Return the saccades: runs of samples whose gaze angular speed reaches the threshold.

    The speed between consecutive joint states i, i+1 is the angle between their optical
    axes over their stamp difference. A saccade is a maximal run of consecutive intervals at
    or above ``saccade_speed_deg_s`` (30 deg/s by default, above the gaze controller's smooth
    pursuit and below its saccades); onset is the start of its first interval, offset the end
    of its last, amplitude the angle between the axes at onset and offset. Runs shorter than
    ``min_saccade_s`` or smaller than ``min_amplitude_deg`` are dropped. CDP4 had no detector:
    a saccade was a ``/saccade_target`` message (CDP4_experiment scripts/analyze.py:76-79).
    """
    if len(times) < 2:
        return []
    dt = np.diff(times)
    step = angle_deg(gaze[:-1], gaze[1:])
    with np.errstate(divide='ignore', invalid='ignore'):
        speed = np.where(dt > 0, step / np.where(dt > 0, dt, 1.0), 0.0)
    fast = speed >= settings.saccade_speed_deg_s
    saccades = []
    index = 0
    while index < len(fast):
        if not fast[index]:
            index += 1
            continue
        last = index
        while last + 1 < len(fast) and fast[last + 1]:
            last += 1
        onset, offset = float(times[index]), float(times[last + 1])
        amplitude = float(angle_deg(gaze[index], gaze[last + 1]))
        if offset - onset >= settings.min_saccade_s and \
                amplitude >= settings.min_amplitude_deg:
            saccades.append(Saccade(onset, offset, amplitude,
                                    float(np.max(speed[index:last + 1]))))
        index = last + 1
    return saccades


def fixations_between(times: np.ndarray, gaze: np.ndarray,
                      saccades: Sequence[Saccade]) -> List[Fixation]:
    """
    Return the fixations around the saccades, each at the mean gaze direction sampled in it.

    They run from the run's start to the first saccade, between saccades, and after the last
    one; the direction is the normalised mean of the optical axes sampled in each.

    Only fixations bounded by two saccades are ``complete``; the first one's duration is the
    time to the first saccade and the last one is cut off by the end of the recording.
    """
    bounds = [(float(times[0]), None)]
    for saccade in saccades:
        bounds[-1] = (bounds[-1][0], saccade.onset)
        bounds.append((saccade.offset, None))
    bounds[-1] = (bounds[-1][0], float(times[-1]))
    result = []
    for index, (start, end) in enumerate(bounds):
        inside = (times >= start) & (times <= end)
        if not inside.any():
            inside = np.abs(times - start) == np.min(np.abs(times - start))
        mean = gaze[inside].mean(axis=0)
        az, el = _angles(mean)[0]
        complete = 0 < index < len(bounds) - 1
        result.append(Fixation(start, end, float(az), float(el), complete))
    return result


def revisits(fixations: Sequence[Fixation], threshold_deg: float) -> Tuple[int, int]:
    """
    Return (revisits, candidates): fixations that return to an earlier, non-adjacent one.

    A revisit is a fixation within ``threshold_deg`` of an earlier fixation other than the one
    just before it; candidates are the fixations that have such an earlier one (the third
    onwards). Not a CDP4 measure: it shows inhibition of return wearing off.
    """
    directions = _unit(np.array([f.azimuth_deg for f in fixations]),
                       np.array([f.elevation_deg for f in fixations]))
    count = 0
    for index in range(2, len(fixations)):
        angles = angle_deg(directions[:index - 1], directions[index][None, :])
        count += int(np.min(angles) <= threshold_deg)
    return count, max(0, len(fixations) - 2)


def joint_limits(run: Run) -> Dict[str, Tuple[float, float]]:
    """Return {joint: (lower, upper)} from the recorded URDF, else from the meta's limits."""
    chain = _chain(run)
    if chain is not None:
        return {n: (float(lo), float(hi)) for n, lo, hi in
                zip(chain.joint_names, chain.lower, chain.upper) if math.isfinite(lo)}
    return {str(k): (float(v[0]), float(v[1]))
            for k, v in run.meta.get('joint_limits', {}).items()}


def _actuated_order(run: Run, settings: BehaviourSettings) -> List[str]:
    """Return the joint order of a Float64MultiArray command (the URDF's: pan, tilt)."""
    chain = _chain(run)
    if chain is not None:
        return list(chain.joint_names)
    return [run.meta.get('pan_joint', settings.pan_joint),
            run.meta.get('tilt_joint', settings.tilt_joint)]


def clipping(run: Run, saccades: Sequence[Saccade], limits: Dict[str, Tuple[float, float]],
             settings: BehaviourSettings) -> Dict[str, Any]:
    """
    Return how often the joint limits cut gaze shifts short.

    CDP4 counted the saccades embodied_attention's head manager dropped because a target lay
    beyond the joint limits (``/status`` "dropping": embodied_attention
    scripts/head_manager.py:159-209, counted by CDP4_experiment scripts/analyze.py:33-40),
    trimming head joints to their limits (head_manager.py:165-179). gaze_controller clips
    instead of dropping: ``targets_clipped`` and ``targets`` are its diagnostics counters
    (the last values recorded; they count since the controller started);
    ``commands_on_limit`` counts commands with a joint within ``limit_tolerance_rad`` of a
    limit, ``commands_beyond_limit`` those further out than that (a bug), and
    ``saccades_ending_on_limit`` the saccades whose end pose has a joint on a limit.
    """
    counters: Dict[str, Optional[int]] = {'targets': None, 'targets_clipped': None}
    for status in run.diagnostics:
        # 'gaze_controller: gaze', or under its full name '/ns/gaze_controller: gaze'
        if status['name'].split(': ', 1)[0].rsplit('/', 1)[-1] == 'gaze_controller':
            for key, name in (('targets', 'targets'), ('targets clipped', 'targets_clipped')):
                value = _as_int(status.get('values', {}).get(key))
                if value is not None:
                    counters[name] = value
    tol = settings.limit_tolerance_rad
    on, beyond = 0, 0
    default_order = _actuated_order(run, settings)
    for command in run.commands:
        names = command.get('names') or default_order
        state = _limit_state(dict(zip(names, command['positions'])), limits, tol)
        on += state == 'on'
        beyond += state == 'beyond'
    ending = 0
    for saccade in saccades:
        row = int(np.argmin(np.abs(run.joint_times - saccade.offset)))
        ending += _limit_state(dict(zip(run.joint_names, run.positions[row])), limits,
                               tol) == 'on'
    fraction = None
    if counters['targets'] and counters['targets_clipped'] is not None:
        fraction = counters['targets_clipped'] / counters['targets']
    return {**counters, 'targets_clipped_fraction': fraction, 'commands': len(run.commands),
            'commands_on_limit': on, 'commands_beyond_limit': beyond,
            'saccades_ending_on_limit': ending, 'limit_tolerance_rad': tol}


def _limit_state(positions: Dict[str, float], limits: Dict[str, Tuple[float, float]],
                 tol: float) -> str:
    state = 'inside'
    for name, value in positions.items():
        if name not in limits:
            continue
        lower, upper = limits[name]
        if value < lower - tol or value > upper + tol:
            return 'beyond'
        if value <= lower + tol or value >= upper - tol:
            state = 'on'
    return state


def _as_int(value) -> Optional[int]:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def latencies(run: Run) -> Tuple[List[float], List[float]]:
    """
    Return the latency the pipeline adds (s): per gaze target and per command.

    A gaze target's latency is its receipt time minus its header stamp (the image's stamp:
    saliency, attention and two DDS hops). A command's is its receipt time minus the stamp of
    the latest gaze target received before it, for the first command after each target only
    (gaze_controller sends no command for targets inside its deadband). Records without a
    stamp (zero) are left out. Not in CDP4, whose bags kept no image stamps with targets.
    """
    target_latency = [r['t'] - r['stamp'] for r in run.targets if r.get('stamp')]
    command_latency = []
    index, last_used = 0, None
    latest = None
    for command in run.commands:
        while index < len(run.targets) and run.targets[index]['t'] <= command['t']:
            latest = run.targets[index]
            index += 1
        if latest is not None and latest is not last_used and latest.get('stamp'):
            command_latency.append(command['t'] - latest['stamp'])
            last_used = latest
    return target_latency, command_latency


def _scene(run: Run) -> Tuple[List[Tuple[str, float, float]], np.ndarray, np.ndarray]:
    """Return the scene targets and recorded gaze targets as directions, and the eye point."""
    eye = run.meta.get('eye')
    if eye is None:
        chain = _chain(run)
        eye = chain.pose(np.zeros(len(chain.joint_names)))[:3, 3] if chain is not None \
            else np.zeros(3)
    eye = np.asarray(eye, np.float64)
    scene = []
    for index, target in enumerate(run.meta.get('targets') or []):
        name = str(target.get('name', index))
        if 'point' in target:
            az, el = _angles(np.asarray(target['point'], np.float64) - eye)[0]
        else:
            az, el = target['azimuth_deg'], target['elevation_deg']
        scene.append((name, float(az), float(el)))
    points = [r['point'] for r in run.targets]
    directions = _angles(np.asarray(points, np.float64) - eye) if points else np.zeros((0, 2))
    return scene, directions, eye


def analyse(run: Run, settings: BehaviourSettings = BehaviourSettings()) -> Behaviour:
    """
    Measure a run.

    ``time_to_first_saccade_s`` is the first saccade's onset minus the stamp of the run's
    first camera image (the first joint state's if none was recorded): the robot's saccade
    latency from its first view of the scene, as the human 0.317 s is from stimulus onset.
    CDP4 took the first ``/saccade_target`` time minus the bag's start
    (CDP4_experiment scripts/analyze.py:76-79 and 117; human reference at analyze.py:82,
    and embodied_attention attention/examples/fit_first_saccade_time.py:46, where it is the
    model's decision time from the first saliency map). ``time_to_first_target_s`` is that
    decision analogue here: the first gaze target's receipt time minus the first image's
    (both on the recorder's clock, which need not be the one that stamps).
    """
    gaze, source = gaze_directions(run, settings)
    times = run.joint_times
    saccades = detect_saccades(times, gaze, settings)
    fixations = fixations_between(times, gaze, saccades)
    start = float(run.image_stamps[0]) if len(run.image_stamps) else float(times[0])
    end = float(max(times[-1], run.image_stamps[-1] if len(run.image_stamps) else times[-1]))
    first_target = run.targets[0]['t'] - run.image_times[0] \
        if run.targets and len(run.image_times) else None
    count, candidates = revisits(fixations, settings.revisit_deg)
    limits = joint_limits(run)
    target_latency, command_latency = latencies(run)
    scene, directions, _ = _scene(run)
    return Behaviour(
        settings=settings, gaze_source=source, start=start, end=end, saccades=saccades,
        fixations=fixations,
        time_to_first_saccade_s=saccades[0].onset - start if saccades else None,
        time_to_first_target_s=first_target, revisits=count, revisit_candidates=candidates,
        limits=limits, clipping=clipping(run, saccades, limits, settings),
        target_latency_s=target_latency, command_latency_s=command_latency,
        gaze_samples=_angles(gaze), scene_targets=scene, target_directions=directions)


# ---------------------------------------------------------------------------------- report

def summary(values: Sequence[float]) -> Dict[str, Optional[float]]:
    """Return count, mean, standard deviation, min, median, 90th/95th percentile and max."""
    v = np.asarray(values, np.float64)
    if v.size == 0:
        return {'count': 0, 'mean': None, 'std': None, 'min': None, 'median': None,
                'p90': None, 'p95': None, 'max': None}
    return {'count': int(v.size), 'mean': float(v.mean()), 'std': float(v.std()),
            'min': float(v.min()), 'median': float(np.median(v)),
            'p90': float(np.percentile(v, 90)), 'p95': float(np.percentile(v, 95)),
            'max': float(v.max())}


def _random_weights(run: Run) -> bool:
    """Return whether saliency_node's diagnostics flagged seeded random weights."""
    return any(s['name'].startswith('saliency_node') and
               'random weights' in str(s.get('message', '')) for s in run.diagnostics)


def human_comparison(run: Run, behaviour: Behaviour) -> Union[str, Dict[str, Any]]:
    """
    Compare the time to first saccade with the human 0.317 s, for runs with real weights.

    Only a run whose meta says ``"weights": "official"`` (and whose saliency_node did not
    report random weights) is compared; any other run's saliency maps say nothing about
    human attention, so the answer is :data:`NOT_COMPARABLE`.
    """
    if run.meta.get('weights') != 'official' or _random_weights(run):
        return NOT_COMPARABLE
    robot = behaviour.time_to_first_saccade_s
    return {'human_s': HUMAN_FIRST_SACCADE_S, 'robot_s': robot,
            'difference_s': None if robot is None else robot - HUMAN_FIRST_SACCADE_S,
            'source': 'CDP4_experiment scripts/analyze.py:82 (human_reference=0.317)'}


def report(run: Run, behaviour: Optional[Behaviour] = None,
           settings: BehaviourSettings = BehaviourSettings()) -> Dict[str, Any]:
    """Return the measures as a JSON-ready dict (plain floats, ints, strings and None)."""
    b = analyse(run, settings) if behaviour is None else behaviour
    duration = b.end - b.start
    complete = [f.duration for f in b.fixations if f.complete]
    amplitudes = [s.amplitude_deg for s in b.saccades]
    return {
        'weights': run.meta.get('weights'),
        'gaze_source': b.gaze_source,
        'settings': asdict(b.settings),
        'records': {'images': int(len(run.image_stamps)),
                    'joint_states': int(len(run.joint_times)),
                    'gaze_targets': len(run.targets), 'commands': len(run.commands),
                    'diagnostics': len(run.diagnostics)},
        'observed_s': duration,
        'time_to_first_saccade_s': b.time_to_first_saccade_s,
        'time_to_first_target_s': b.time_to_first_target_s,
        'human_comparison': human_comparison(run, b),
        'saccades': {'count': len(b.saccades),
                     'rate_per_s': len(b.saccades) / duration if duration > 0 else None,
                     'amplitude_deg': summary(amplitudes),
                     'list': [asdict(s) for s in b.saccades]},
        'fixations': {'count': len(b.fixations), 'complete': len(complete),
                      'duration_s': summary(complete),
                      'list': [{**asdict(f), 'duration': f.duration} for f in b.fixations]},
        'revisits': {'threshold_deg': b.settings.revisit_deg, 'count': b.revisits,
                     'candidates': b.revisit_candidates,
                     'rate': b.revisits / b.revisit_candidates if b.revisit_candidates
                     else None},
        'joint_limits': {'limits': {k: list(v) for k, v in b.limits.items()}, **b.clipping},
        'latency_s': {'gaze_target': summary(b.target_latency_s),
                      'command': summary(b.command_latency_s)},
        'warnings': _clock_warnings(b),
        'definitions': DEFINITIONS,
    }


def _clock_warnings(b: Behaviour) -> List[str]:
    """Return warnings about latencies that mix clocks (use_sim_time on some nodes only)."""
    values = b.target_latency_s + b.command_latency_s
    if values and (min(values) < 0 or max(values) > 3600):
        return ['latencies below 0 or above an hour: receipt times and header stamps come '
                'from different clocks (set use_sim_time on every node, recorder included)']
    return []


DEFINITIONS = {
    'time_to_first_saccade_s': 'first saccade onset minus the first camera image stamp '
                               '(CDP4_experiment scripts/analyze.py:117)',
    'time_to_first_target_s': 'first gaze target receipt minus the first camera image '
                              'receipt (CDP4: first /saccade_target, analyze.py:76-79)',
    'saccades': 'runs of gaze angular speed >= saccade_speed_deg_s from joint states; '
                'amplitude: angle between the optical axes at onset and offset (CDP4: '
                'sqrt(dpan^2 + dtilt^2) of successive commands, analyze.py:148-157)',
    'rate_per_s': 'saccades / (last record stamp - first image stamp) (CDP4: cumulative '
                  '(i+1)/t_i, analyze.py:51-56)',
    'fixations.duration_s': 'saccade offset to next saccade onset, fixations bounded by two '
                            'saccades only (CDP4: intervals between /saccade_target '
                            'messages, analyze.py:76-79)',
    'revisits': 'fixations within threshold_deg of an earlier, not immediately preceding '
                'fixation, over fixations from the third on (not in CDP4)',
    'joint_limits': 'gaze_controller counters and commands/saccade ends on a limit (CDP4: '
                    '/status "dropping", analyze.py:33-40; embodied_attention '
                    'scripts/head_manager.py:159-209)',
    'latency_s': 'gaze target receipt - its stamp (the image stamp); command receipt - stamp '
                 'of the latest target before it (first command per target)',
}


# ---------------------------------------------------------------------------------- plot

def plot(run: Run, behaviour: Behaviour, path: Union[str, Path]) -> Path:
    """Draw the scanpath over the scene and histograms of fixation durations and amplitudes."""
    require('matplotlib', 'install it to plot (`pip install matplotlib`)')
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, PNG through Agg

    b = behaviour
    fig = Figure(figsize=(12, 4.5), layout='constrained')
    scan, durations, amplitudes = fig.subplots(1, 3, gridspec_kw={'width_ratios': (2, 1, 1)})
    scan.plot(b.gaze_samples[:, 0], b.gaze_samples[:, 1], '-', color='0.7', lw=0.8,
              label='gaze')
    if len(b.target_directions):
        scan.plot(b.target_directions[:, 0], b.target_directions[:, 1], 'x', color='tab:orange',
                  ms=4, label='gaze targets')
    for name, az, el in b.scene_targets:
        scan.plot(az, el, '*', color='tab:red', ms=12)
        scan.annotate(name, (az, el), xytext=(4, -10), textcoords='offset points',
                      color='tab:red')
    xs = [f.azimuth_deg for f in b.fixations]
    ys = [f.elevation_deg for f in b.fixations]
    scan.plot(xs, ys, 'o-', color='tab:blue', ms=6, lw=1.2, label='fixations')
    labels: List[Tuple[float, float, List[str]]] = []  # revisits share one label: "1,4"
    for index, (x, y) in enumerate(zip(xs, ys)):
        near = [label for label in labels if math.hypot(label[0] - x, label[1] - y) < 1.0]
        if near:
            near[0][2].append(str(index))
        else:
            labels.append((x, y, [str(index)]))
    for x, y, names in labels:
        scan.annotate(','.join(names), (x, y), xytext=(4, 4), textcoords='offset points')
    _limit_box(scan, run, b)
    scan.set(xlabel='azimuth (deg, left +)', ylabel='elevation (deg, up +)',
             title='scanpath (body frame)', aspect='equal')
    scan.invert_xaxis()  # left of the robot drawn on the left
    scan.grid(True, alpha=0.3)
    scan.legend(loc='best', fontsize='small')
    complete = [f.duration for f in b.fixations if f.complete]
    durations.hist(complete, bins='doane' if len(complete) > 2 else 5, color='tab:blue')
    durations.set(xlabel='fixation duration (s)', ylabel='fixations',
                  title=f'fixation durations (n={len(complete)})')
    amps = [s.amplitude_deg for s in b.saccades]
    amplitudes.hist(amps, bins='doane' if len(amps) > 2 else 5, color='tab:green')
    amplitudes.set(xlabel='saccade amplitude (deg)', ylabel='saccades',
                   title=f'saccade amplitudes (n={len(amps)})')
    first = '-' if b.time_to_first_saccade_s is None else f'{b.time_to_first_saccade_s:.3f}'
    weights = run.meta.get('weights', 'not recorded')
    fig.suptitle(f'{len(b.saccades)} saccades in {b.end - b.start:.1f} s; first after '
                 f'{first} s; weights: {weights}')
    path = Path(path)
    fig.savefig(path, dpi=100)
    return path


def _limit_box(axes, run: Run, behaviour: Behaviour) -> None:
    """Outline the pan/tilt joint limits (as azimuth/elevation) when both are known."""
    try:
        pan, tilt = (run.joint_names[i] for i in _pan_tilt_columns(run, behaviour.settings))
    except RunFormatError:
        return
    if pan in behaviour.limits and tilt in behaviour.limits:
        (p0, p1), (t0, t1) = behaviour.limits[pan], behaviour.limits[tilt]
        az = np.degrees([p0, p1, p1, p0, p0])
        el = -np.degrees([t0, t0, t1, t1, t0])
        axes.plot(az, el, '--', color='0.4', lw=0.8, label='joint limits')
