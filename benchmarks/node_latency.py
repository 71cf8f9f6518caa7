"""
End-to-end latency of the installed ``saliency_node`` against inference of the same model.

A camera in this process publishes a 640x480 rgb8 frame every ``--period`` seconds (slower
than inference: the node is idle when a frame arrives) to the node started with its CPU
defaults (ONNX Runtime, ``size: auto``) and only ``saliency/image`` subscribed (condition
``map``), then with ``saliency_overlay/image`` subscribed as well (``map+overlay``); every
process uses the shipped Fast DDS profile (config/fastdds_large_images.xml). Each round
publishes one frame and waits for its results (matched by header.stamp). The node runs with
its debug log on, whose line ``inference done: stamp N (…)`` gives that frame's stage timings:
the per-frame ratio "end to end / the node's inference of the frame" is the node's overhead,
reported as the median over frames (both from the same seconds). Then, while the node is
idle, the same model runs once in this process with the node's own output computation
(:func:`msinet_ros.inference.outputs.compute_outputs`), after the frame's results in even
rounds and before the frame in odd ones: the ratio against that run is reported too, with the
ratio of the node's inference to it (does the node infer slower?), by order.
The node's CPU time and resident memory come from /proc. In the same rounds a frame also
goes to benchmarks/dds_echo.py, which answers at once with a map of the node's kind: the
transport floor (two DDS trips and both executors), what the end to end would be if the node
took no time. Writes ``docs/records/node_latency.json``.

Run after building an install of the package (never the shared one)::

    source /tmp/ws-perf/install/setup.bash
    .venv/bin/python benchmarks/node_latency.py --frames 20
"""

import argparse
from dataclasses import dataclass, field
import os
from pathlib import Path
import statistics
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_stats import LOG_FORMAT, log_stage_ms  # noqa: E402, I100
import records  # noqa: E402, I100  (puts the checkout on sys.path)
from msinet_ros.paths import fastdds_profile_env, share_dir  # noqa: E402, I100

NAME = 'node_latency'
TARGET_OVERHEAD = 0.05  # issue 12: under 5 % beyond inference on the CPU default
EARLIER = 'earlier measurement: 452 ms end to end against 399 ms inference, +13 %'
CONDITIONS = {'map': ('map',), 'map+overlay': ('map', 'overlay')}
FRAME_SHAPE = (480, 640, 3)
POLL_S = 0.5  # the camera side's longest blocking spin: no busy waiting beside the node
NODE_NAME = 'saliency_node'
DIAGNOSTIC_KEYS = ('runs', 'inference p50 (ms)', 'inference p95 (ms)', 'result age p50 (ms)',
                   'processing max (ms)', 'frames received', 'frames dropped',
                   'frames published')


def proc_cpu_s(pid: int) -> float:
    """Return the user + system CPU seconds a process has used (all its threads)."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def proc_memory_mb(pid: int) -> Dict[str, float]:
    """Return a process's resident memory now (VmRSS) and its peak (VmHWM), in MB."""
    values = {}
    for line in Path(f'/proc/{pid}/status').read_text().splitlines():
        key, _, rest = line.partition(':')
        if key in ('VmRSS', 'VmHWM'):
            values[key] = int(rest.split()[0]) / 1024
    return {'rss_mb': values['VmRSS'], 'peak_rss_mb': values['VmHWM']}


def summary(values: Sequence[float]) -> Dict[str, float]:
    """Return p50, p95 and max of ``values``."""
    return {'p50': float(np.percentile(values, 50)), 'p95': float(np.percentile(values, 95)),
            'max': float(max(values))}


def overhead(end_to_end: Sequence[float], inference: Sequence[float]) -> Dict[str, float]:
    """Return the median and range over rounds of end to end / inference - 1."""
    ratios = [e / i - 1.0 for e, i in zip(end_to_end, inference)]
    return {'median': statistics.median(ratios), 'min': min(ratios), 'max': max(ratios)}


@dataclass
class Round:
    """One published frame: when it left, when each output arrived, the direct run."""

    stamp: int
    published: float
    received: Dict[str, float] = field(default_factory=dict)
    direct_ms: Dict[str, float] = field(default_factory=dict)
    direct_cpu_s: float = 0.0
    echo_ms: Optional[float] = None  # the same frame's round trip through dds_echo
    here_first: bool = False  # the direct run came before the frame was published


class Camera:
    """The publishing, receiving and diagnostics-reading side, in its own rclpy context."""

    def __init__(self):
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from sensor_msgs.msg import Image

        from msinet_ros.nodes import messages
        from msinet_ros.nodes.saliency_node import output_qos, sensor_qos
        from diagnostic_msgs.msg import DiagnosticArray

        self._messages = messages
        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node('node_latency_camera', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        self.publisher = self.node.create_publisher(Image, 'image', sensor_qos())
        self.echo_publisher = self.node.create_publisher(Image, '/echo/image', sensor_qos())
        self.node.create_subscription(Image, '/echo/saliency/image',
                                      lambda msg: self._arrived('echo', msg), output_qos())
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self._on_diagnostics, 10)
        self.diagnostics: Dict[str, str] = {}
        self.arrivals: Dict[int, Dict[str, float]] = {}
        self._subscriptions = []

    def _on_diagnostics(self, msg) -> None:
        for status in msg.status:
            if status.name.startswith(f'/{NODE_NAME}: '):  # the node's full name
                self.diagnostics = {kv.key: kv.value for kv in status.values}

    def subscribe(self, outputs: Sequence[str]) -> None:
        """Subscribe exactly ``outputs`` (keys of the node's OUTPUTS), dropping the others."""
        from msinet_ros.nodes.saliency_node import OUTPUTS, output_qos
        for subscription in self._subscriptions:
            self.node.destroy_subscription(subscription)
        self._subscriptions = []
        for key in outputs:
            topic, kind = OUTPUTS[key]
            self._subscriptions.append(self.node.create_subscription(
                kind, topic, lambda msg, key=key: self._arrived(key, msg), output_qos()))

    def _arrived(self, key: str, msg) -> None:
        now = time.monotonic()
        self.arrivals.setdefault(self._messages.stamp_ns(msg.header.stamp), {})[key] = now

    def spin_until(self, condition, timeout: float, poll: float = POLL_S) -> bool:
        """
        Spin until ``condition()`` holds or ``timeout`` seconds pass; return the result.

        Each spin blocks until a message comes (arrival times are taken in the callbacks) or
        ``poll`` seconds pass. A short poll is a busy wait: this process then takes CPU from
        the node while it infers (on two cores, 5 ms polls made the node's inference slower).
        """
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return True
            self.executor.spin_once(timeout_sec=max(0.0, min(poll, deadline - time.monotonic())))
        return condition()

    def publish(self, frame: np.ndarray, echo: bool = False) -> tuple:
        """Publish ``frame`` stamped now (to dds_echo if ``echo``); return (stamp ns, time)."""
        from std_msgs.msg import Header
        header = Header(stamp=self.node.get_clock().now().to_msg(),
                        frame_id='camera_optical_frame')
        msg = self._messages.image_msg(frame, 'rgb8', header)
        sent = time.monotonic()
        (self.echo_publisher if echo else self.publisher).publish(msg)
        return self._messages.stamp_ns(header.stamp), sent

    def echo_round(self, frame: np.ndarray, timeout: float) -> Optional[float]:
        """Return dds_echo's round trip for ``frame`` in ms (None if no answer in time)."""
        stamp, sent = self.publish(frame, echo=True)
        if not self.spin_until(lambda: 'echo' in self.arrivals.get(stamp, {}), timeout):
            return None
        return (self.arrivals.pop(stamp)['echo'] - sent) * 1e3

    def close(self) -> None:
        """Destroy the node and shut its context down."""
        import rclpy
        self.executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self.context)


def start_node(model: str, cache: str, log: Path) -> subprocess.Popen:
    """Start the installed saliency_node with its defaults but the model and cache."""
    from ament_index_python.packages import get_package_prefix
    executable = Path(get_package_prefix('msinet_ros')) / 'lib' / 'msinet_ros' / NODE_NAME
    return _spawn([str(executable), '--ros-args', '-p', f'model:={model}',
                   '-p', f'cache_dir:={cache}', '--log-level', f'{NODE_NAME}:=debug'], log)


def start_echo(log: Path) -> subprocess.Popen:
    """Start benchmarks/dds_echo.py in namespace /echo (the transport floor)."""
    return _spawn([sys.executable, str(Path(__file__).with_name('dds_echo.py')),
                   '--ros-args', '-r', '__ns:=/echo'], log)


def _spawn(command: List[str], log: Path) -> subprocess.Popen:
    """
    Start ``command`` with this environment (the Fast DDS profile), its output to ``log``.

    Log lines in :data:`load_stats.LOG_FORMAT`, unbuffered: the node's debug line ``inference
    done: stamp N (…)`` gives each frame's stage timings (:func:`load_stats.log_stage_ms`).
    """
    env = dict(os.environ, RCUTILS_CONSOLE_OUTPUT_FORMAT=LOG_FORMAT,
               RCUTILS_LOGGING_BUFFERED_STREAM='0')
    return subprocess.Popen(command, stdout=log.open('w'), stderr=subprocess.STDOUT, env=env)


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 30 s, said on stderr (the measurements are still written)."""
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        print(f'{" ".join(process.args[:2])} ignored SIGTERM for 30 s: killed', file=sys.stderr)
        process.kill()
        process.wait()


def direct_predictor(model: str, cache: str):
    """Return the predictor the node's defaults make for ``model`` (prepared for 640x480)."""
    from msinet_ros.inference.settings import make_predictor
    from msinet_ros.parameters import SALIENCY_NODE
    values = {spec.name: spec.default for spec in SALIENCY_NODE}
    values.update(model=model, cache_dir=cache)
    predictor = make_predictor(values, log=lambda message: None)
    predictor.prepare(predictor.size_for(FRAME_SHAPE[:2]))
    return predictor, values


def output_request(outputs: Sequence[str], values: Dict):
    """Return the request the node makes when ``outputs`` are subscribed (its defaults)."""
    from msinet_ros.attention.peaks import FixationSettings
    from msinet_ros.inference.outputs import OutputRequest
    return OutputRequest(
        saliency_map='map' in outputs, fixations=False, overlay='overlay' in outputs,
        resolution=values['output_resolution'],
        fixation_settings=FixationSettings(values['top_k'], values['min_distance'],
                                           values['threshold_abs'], values['threshold_rel']),
        overlay_colormap=values['overlay_colormap'], overlay_opacity=values['overlay_opacity'])


def measure(camera: Camera, pid: int, predictor, values: Dict, outputs: Sequence[str],
            frame: np.ndarray, frames: int, warmup: int, period: float,
            timeout: float, node_log: Path) -> Dict:
    """Run one condition: warm-up, then ``frames`` rounds; return its results."""
    from msinet_ros.inference.outputs import compute_outputs
    camera.subscribe(outputs)
    if not camera.spin_until(lambda: camera.publisher.get_subscription_count() > 0, timeout):
        raise RuntimeError('saliency_node did not subscribe to image')
    request = output_request(outputs, values)

    def run_here():  # the node's work in this process: (its stage timings, CPU seconds)
        start_cpu = time.process_time()
        timings = compute_outputs(predictor, frame, request).timings
        return timings, time.process_time() - start_cpu

    rounds: List[Round] = []
    lost, late_starts = 0, 0
    cpu0 = wall0 = 0.0
    next_due = time.monotonic()
    for number in range(warmup + frames):
        if number == warmup:
            cpu0, wall0 = proc_cpu_s(pid), time.monotonic()
            next_due = wall0
        camera.spin_until(lambda: time.monotonic() >= next_due,
                          max(0.0, next_due - time.monotonic()))
        if time.monotonic() > next_due + 0.05:
            late_starts += number >= warmup
        next_due = max(next_due, time.monotonic()) + period
        # the direct run comes after the frame's results in even rounds, before the frame in odd
        # ones, so that running first after the idle gap favours neither side (one check here,
        # 20 + 20 frames: node / here inference 1.044 with the node first, 0.968 with the run
        # here first; the next 40-frame record: +0.0 % and -0.2 %)
        here_first = number % 2 == 1
        if here_first:
            timings, cpu_s = run_here()
        stamp, sent = camera.publish(frame)
        got = camera.spin_until(lambda: set(outputs) <= set(camera.arrivals.get(stamp, {})),
                                timeout)
        if not got:
            lost += number >= warmup
            continue
        if not here_first:
            timings, cpu_s = run_here()
        direct = Round(stamp, sent, camera.arrivals.pop(stamp), timings, cpu_s,
                       camera.echo_round(frame, timeout), here_first)
        if number >= warmup:
            rounds.append(direct)
    wall, cpu = time.monotonic() - wall0, proc_cpu_s(pid) - cpu0
    if not rounds:
        raise RuntimeError(f'no result of {frames} frames arrived within {timeout} s each')
    e2e = {key: [(r.received[key] - r.published) * 1e3 for r in rounds] for key in outputs}
    direct_stages = {stage: summary([r.direct_ms[stage] for r in rounds])
                     for stage in rounds[0].direct_ms}
    inference = [r.direct_ms['inference'] for r in rounds]
    direct_total = [r.direct_ms['total'] + r.direct_ms['outputs'] for r in rounds]
    echo = [r.echo_ms for r in rounds if r.echo_ms is not None]
    node_stages = log_stage_ms(node_log.read_text(errors='replace'))
    timed = [r for r in rounds if r.stamp in node_stages]  # the node's timings of each frame
    if not timed:
        raise RuntimeError('saliency_node logged no stage timings (its debug line "inference '
                           'done: stamp N (...)")')
    node_inference = [node_stages[r.stamp]['inference'] for r in timed]
    e2e_timed = {k: [(r.received[k] - r.published) * 1e3 for r in timed] for k in outputs}
    return {
        'node_ms': {stage: summary([node_stages[r.stamp][stage] for r in timed])
                    for stage in node_stages[timed[0].stamp]},
        'node_timed_frames': len(timed),
        'overhead_vs_node_inference': {k: overhead(v, node_inference)
                                       for k, v in e2e_timed.items()},
        'beyond_node_inference_ms': {k: summary([e - i for e, i in zip(v, node_inference)])
                                     for k, v in e2e_timed.items()},
        'node_vs_direct_inference': overhead(node_inference,
                                             [r.direct_ms['inference'] for r in timed]),
        'node_vs_direct_inference_by_order': {
            order: overhead(*zip(*[(n, r.direct_ms['inference'])
                                   for n, r in zip(node_inference, timed)
                                   if r.here_first == first]))
            for order, first in (('node first', False), ('here first', True))
            if any(r.here_first == first for r in timed)},
        'dds_floor_ms': summary(echo) if echo else None, 'dds_floor_lost': len(rounds) - len(echo),
        'outputs': list(outputs), 'frames': len(rounds), 'lost': lost,
        'late_camera_frames': late_starts,
        'end_to_end_ms': {k: summary(v) for k, v in e2e.items()},
        'direct_ms': direct_stages,
        'overhead_vs_inference': {k: overhead(v, inference) for k, v in e2e.items()},
        'overhead_vs_direct_total': {k: overhead(v, direct_total) for k, v in e2e.items()},
        'beyond_direct_total_ms': {k: summary([e - d for e, d in zip(v, direct_total)])
                                   for k, v in e2e.items()},
        'rounds_ms': {'end_to_end': e2e, 'inference': inference, 'direct_total': direct_total,
                      'dds_floor': echo, 'node_inference': node_inference},
        'node_cpu_s_per_frame': cpu / len(rounds),
        'direct_cpu_s_per_frame': statistics.median(r.direct_cpu_s for r in rounds),
        'node_cpu_cores': cpu / wall, 'wall_s': wall,
        'node_memory': proc_memory_mb(pid),
        'node_diagnostics': {k: camera.diagnostics.get(k, '') for k in DIAGNOSTIC_KEYS},
    }


def main(argv: Optional[List[str]] = None) -> int:
    """Measure both conditions and write the record."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', help='weights or ONNX (default: seeded random weights)')
    parser.add_argument('--frames', type=int, default=20, help='timed rounds per condition')
    parser.add_argument('--warmup', type=int, default=3)
    parser.add_argument('--period', type=float, default=0.0,
                        help='camera period in s (default: 1.3 x the median end to end + direct '
                             'run of a probe; a frame is never sent before the previous '
                             "round's results and direct run, so the node is idle when it comes)")
    parser.add_argument('--conditions', nargs='+', choices=CONDITIONS, default=list(CONDITIONS))
    parser.add_argument('--timeout', type=float, default=60.0, help='per frame and start-up')
    parser.add_argument('--startup-timeout', type=float, default=300.0)
    parser.add_argument('--no-record', action='store_true', help='print, write no record')
    args = parser.parse_args(argv)
    profile = share_dir() / 'config' / 'fastdds_large_images.xml'
    os.environ.update(fastdds_profile_env(profile))
    os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    frame = np.random.default_rng(0).integers(0, 256, FRAME_SHAPE, dtype=np.uint8)
    with tempfile.TemporaryDirectory(prefix='node-latency-') as tmp:
        model = args.model
        if model is None:
            from msinet_ros.model import weights
            model = str(Path(tmp) / 'random.safetensors')
            weights.save(Path(model), weights.random_weights(0), weights.random_metadata(0))
        node_log = Path(tmp) / 'node.log'
        node = start_node(model, tmp, node_log)
        echo = start_echo(Path(tmp) / 'echo.log')
        camera = Camera()
        try:
            predictor, values = direct_predictor(model, tmp)
            active = camera.spin_until(lambda: camera.diagnostics.get('state') == 'active'
                                       if 'state' in camera.diagnostics else False,
                                       args.startup_timeout)
            if not active and not camera.diagnostics:
                raise RuntimeError('saliency_node published no diagnostics: '
                                   + (Path(tmp) / 'node.log').read_text()[-2000:])
            period = args.period
            if not period:  # a short probe of both sides decides the camera period
                probe = measure(camera, node.pid, predictor, values, ('map',), frame, 3, 1,
                                0.0, args.timeout, node_log)
                period = round(1.3 * (probe['end_to_end_ms']['map']['p50'] +
                                      probe['direct_ms']['total']['p50'] +
                                      probe['direct_ms']['outputs']['p50']) / 1e3, 1)
            print(f'camera period {period} s', file=sys.stderr)
            conditions = {}
            for name in args.conditions:
                print(f'{name} …', file=sys.stderr)
                conditions[name] = measure(camera, node.pid, predictor, values,
                                           CONDITIONS[name], frame, args.frames, args.warmup,
                                           period, args.timeout, node_log)
            describe = predictor.describe()
            predictor.close()
        finally:
            camera.close()
            for process in (node, echo):
                _stop(process)
    results = {'frame': list(FRAME_SHAPE), 'encoding': 'rgb8', 'camera_period_s': period,
               'model': args.model or 'seeded random weights (seed 0)', 'runs': describe,
               'node_parameters': 'defaults, model and cache_dir set',
               'fastdds_profile': {k: Path(v).name for k, v in
                                   fastdds_profile_env(profile).items()},
               'rmw': os.environ.get('RMW_IMPLEMENTATION', 'default (rmw_fastrtps_cpp)'),
               'ros_distro': os.environ.get('ROS_DISTRO', ''),
               'conditions': conditions}
    if args.no_record:
        import json
        print(json.dumps(results, indent=1))
    else:
        print(records.write(NAME, results, argv=[sys.argv[0]] + list(argv or sys.argv[1:])))
    return 0


def _percent(value: float) -> str:
    return f'{value * 100:+.1f} %'


def render(record: Dict) -> str:
    """Render the node_latency record as Markdown (for docs/performance.md)."""
    r = record['results']
    profile = ', '.join(f'{k}={v}' for k, v in r['fastdds_profile'].items())
    lines = [
        f'Camera: {r["frame"][1]}x{r["frame"][0]} {r["encoding"]} every '
        f'{r["camera_period_s"]} s (slower than inference); node: {r["node_parameters"]} '
        f'({r["runs"]}); Fast DDS profile {profile}; {r["ros_distro"]}, {r["rmw"]}; '
        f'model: {r["model"]}.', '',
        'Overhead = end to end / inference - 1 per frame, median (range) over frames. "The '
        "node's inference\" is that frame's, timed by the node itself (its debug line `inference "
        'done: stamp N (…)`): both sides of the ratio come from the same seconds. "Here" is the '
        "same model run in the benchmark process right after the frame's results arrived, "
        'with the output computation the node makes; on a shared machine it differs from the '
        "node's run of the same frame by as much as the range of \"node / here\" shows. The run "
        "here comes after the frame's results in even rounds and before the frame in odd ones.",
        '',
        '| subscribed | received | frames (lost) | end to end p50 / p95 | '
        "node's inference p50 | overhead vs the node's inference | beyond it p50 | "
        'inference here p50 | overhead vs inference here | node / here inference | '
        'node CPU s/frame (here) | node cores used | node RSS (peak) |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, c in r['conditions'].items():
        ratio = c['node_vs_direct_inference']
        for key in c['outputs']:
            e2e, ov, od = (c['end_to_end_ms'][key], c['overhead_vs_node_inference'][key],
                           c['overhead_vs_inference'][key])
            lines.append(
                f'| {name} | {key} | {c["frames"]} ({c["lost"]}) | {e2e["p50"]:.1f} / '
                f'{e2e["p95"]:.1f} ms | {c["node_ms"]["inference"]["p50"]:.1f} ms | '
                f'**{_percent(ov["median"])}** ({_percent(ov["min"])} … {_percent(ov["max"])}) '
                f'| {c["beyond_node_inference_ms"][key]["p50"]:.1f} ms | '
                f'{c["direct_ms"]["inference"]["p50"]:.1f} ms | {_percent(od["median"])} '
                f'({_percent(od["min"])} … {_percent(od["max"])}) | '
                f'{_percent(ratio["median"])} ({_percent(ratio["min"])} … '
                f'{_percent(ratio["max"])}) | '
                f'{c["node_cpu_s_per_frame"]:.2f} ({c["direct_cpu_s_per_frame"]:.2f}) | '
                f'{c["node_cpu_cores"]:.2f} | {c["node_memory"]["rss_mb"]:.0f} '
                f'({c["node_memory"]["peak_rss_mb"]:.0f}) MB |')
    for name, c in r['conditions'].items():
        by_order = c.get('node_vs_direct_inference_by_order', {})
        if by_order:
            lines += ['', f'Node / here inference by which ran first after the idle gap '
                          f'({name}): ' + '; '.join(
                              f'{order} {_percent(o["median"])} ({_percent(o["min"])} … '
                              f'{_percent(o["max"])})' for order, o in by_order.items()) + '.']
    lines += ['', 'Per-stage latency, p50 / p95: the node (its log, the frames above) and the '
                  'same model in the benchmark process:', '',
              '| subscribed | where | preprocess | inference | postprocess | outputs | total |',
              '| --- | --- | --- | --- | --- | --- | --- |']
    for name, c in r['conditions'].items():
        for where, d in (('node', c['node_ms']), ('here', c['direct_ms'])):
            lines.append(f'| {name} | {where} | ' + ' | '.join(
                f'{d[s]["p50"]:.1f} / {d[s]["p95"]:.1f} ms' for s in
                ('preprocess', 'inference', 'postprocess', 'outputs', 'total')) + ' |')
    lines += ['', "The node's own diagnostics at the end of each condition (its 5 s window):", '',
              '| subscribed | inference p50 / p95 | result age p50 | frames received / '
              'published / dropped |', '| --- | --- | --- | --- |']
    for name, c in r['conditions'].items():
        g = c['node_diagnostics']
        lines.append(f'| {name} | {g["inference p50 (ms)"]} / {g["inference p95 (ms)"]} ms | '
                     f'{g["result age p50 (ms)"]} ms | {g["frames received"]} / '
                     f'{g["frames published"]} / {g["frames dropped"]} |')
    if 'map' in r['conditions']:
        c = r['conditions']['map']
        measured = c['overhead_vs_node_inference']['map']['median']
        verdict = 'met' if measured < TARGET_OVERHEAD else '**not met**'
        lines += ['', f"Target: overhead under {TARGET_OVERHEAD:.0%} beyond the node's inference "
                      f'with only the map subscribed: {verdict} ({_percent(measured)}; against '
                      f'the run here {_percent(c["overhead_vs_inference"]["map"]["median"])}; '
                      f'{EARLIER}).']
        lines += ['', _where_it_goes(c)]
    return '\n'.join(lines)


def _where_it_goes(condition: Dict) -> str:
    """Split the end-to-end time beyond the node's inference of each frame."""
    beyond = condition['beyond_node_inference_ms']['map']['p50']
    node = condition['node_ms']
    stages = node['preprocess']['p50'] + node['postprocess']['p50'] + node['outputs']['p50']
    text = (f"Where the time beyond the node's inference goes (map only, p50s): end to end "
            f"exceeded the node's inference of the frame by {beyond:.0f} ms; the node's other "
            f'stages took {stages:.0f} ms (preprocess {node["preprocess"]["p50"]:.1f}, '
            f'postprocess {node["postprocess"]["p50"]:.1f}, outputs '
            f'{node["outputs"]["p50"]:.1f} ms).')
    floor = condition.get('dds_floor_ms')
    if floor:
        inference = node['inference']['p50']
        text += (f' A process that only answers each frame with a map of the same kind, on the '
                 f"node's executor (benchmarks/dds_echo.py), took {floor['p50']:.0f} ms per "
                 f"round trip (p95 {floor['p95']:.0f} ms) in the same rounds: the transport's "
                 f"floor, {floor['p50'] / inference:.1%} of the inference.")
        left = beyond - stages - floor['p50']
        text += (f" What is left, {left:.0f} ms, is the node's own: the slot, its threads, "
                 'building the messages.' if left >= 1 else
                 f' The two account for all of it ({left:+.0f} ms left; p50s do not add '
                 "exactly): the node's own work (the slot, its threads, building the messages) "
                 'is within the noise of that sum.')
    return text


if __name__ == '__main__':
    sys.exit(main())
