"""
Several cameras: the cost of N saliency_nodes, and whether batching cameras would pay.

Two measurements, written to ``docs/records/cameras.json`` (``render`` gives the Markdown section
of docs/performance.md):

1. **N nodes** (N = 1, 2, 4 by default), one per camera as ``launch/cameras.launch.py`` starts
   them: the installed ``saliency_node`` with a seeded random fp32 240x320 ONNX model (ONNX
   Runtime, CPU, the shipped config otherwise), each fed 640x480 rgb8 frames at 30 Hz by this
   script (one timer per camera) with the Fast DDS large-image profile. After every camera has
   answered and a warm-up, over a window: each node's RSS and PSS (``/proc``), the CPU time of
   every node (and of this script, the cameras), each camera's output rate and result age from
   outside (result receipt minus the frame's stamp, one clock), and the node's own freshness
   figures from ``/diagnostics`` (``msinet_ros/freshness.py``'s definition: result age, frames
   late); each node's status is told apart by its fully qualified name.
2. **Batching** (no ROS): one predictor on a dynamic-batch model, N 640x480 frames predicted
   one by one (``predict`` N times) against one ``predict_batch`` of N, the two interleaved in
   rounds (order alternating), per N = 2, 4; the gain is the median per-round ratio of the two
   times. A batching node is worth building only above :data:`WORTH` (15 % more throughput).

Run from the repository root with an install sourced (your own, not the shared ``.ws``)::

    source /tmp/ws-NAME/install/setup.bash
    ROS_DISTRO=kilted ROS_DOMAIN_ID=62 .venv/bin/python benchmarks/cameras.py
"""

import argparse
import math
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
import records  # noqa: E402, I100 (puts the repository root on sys.path)

WORTH = 0.15  # the throughput gain that would justify a batching node
NAME = 'cameras'
SIZE = (240, 320)
FRAME = (480, 640)
RATE_HZ = 30.0
DIAGNOSTIC_KEYS = ('output rate (Hz)', 'inference p50 (ms)', 'result age p50 (ms)',
                   'result age max (ms)', 'processing max (ms)', 'frames received',
                   'frames dropped', 'frames published', 'frames late')
COUNTERS = ('frames received', 'frames dropped', 'frames published', 'frames late')


def make_model(folder: Path, batch: Optional[int]) -> Path:
    """Write (once) the seeded random fp32 240x320 model; ``batch`` None: dynamic batch."""
    from msinet_ros.model import onnx_export, weights

    path = folder / f'random-240x320-batch{batch or "dynamic"}.onnx'
    if not path.is_file():
        onnx_export.save(onnx_export.build(weights.random_weights(0), *SIZE, batch=batch,
                                           metadata=weights.random_metadata(0)), path)
    return path


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    """Return the q-th percentile of ``values`` (None when empty)."""
    return float(np.percentile(values, q)) if len(values) else None


# --- 1. N nodes ---------------------------------------------------------------------------

def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU time a process has used so far."""
    fields = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf('SC_CLK_TCK')


def memory_mb(pid: int) -> Dict[str, float]:
    """Return a process's RSS and PSS in MB (PSS shares the common libraries out)."""
    values = {}
    for line in Path(f'/proc/{pid}/smaps_rollup').read_text().splitlines():
        key, _, rest = line.partition(':')
        if key in ('Rss', 'Pss'):
            values[key.lower()] = int(rest.split()[0]) / 1024
    return values


class Cameras:
    """This script's ROS side: one 30 Hz 640x480 camera per namespace, results and diagnostics."""

    def __init__(self, namespaces: List[str]):
        import rclpy
        from rclpy.context import Context
        from rclpy.executors import SingleThreadedExecutor
        from rclpy.qos import qos_profile_sensor_data
        from diagnostic_msgs.msg import DiagnosticArray
        from sensor_msgs.msg import Image
        from std_msgs.msg import Header

        from msinet_ros.nodes.messages import image_msg

        self.context = Context()
        rclpy.init(context=self.context)
        self.node = rclpy.create_node('cameras_benchmark', context=self.context)
        self.executor = SingleThreadedExecutor(context=self.context)
        self.executor.add_node(self.node)
        pixels = np.random.default_rng(0).integers(0, 256, (*FRAME, 3), dtype=np.uint8)
        self.namespaces = namespaces
        self.sent = dict.fromkeys(namespaces, 0)
        self.ages: Dict[str, List[float]] = {ns: [] for ns in namespaces}
        self.diagnostics: Dict[str, dict] = {}
        self.ages_max: Dict[str, List[float]] = {ns: [] for ns in namespaces}
        self.frames = {}
        for ns in namespaces:
            frame = image_msg(pixels, 'rgb8', Header(frame_id=f'{ns}_optical_frame'))
            self.frames[ns] = frame
            publisher = self.node.create_publisher(Image, f'/{ns}/image_raw',
                                                   qos_profile_sensor_data)
            self.node.create_timer(1.0 / RATE_HZ, self._publisher(ns, publisher))
            self.node.create_subscription(Image, f'/{ns}/saliency/image', self._receiver(ns), 1)
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self._diagnostics, 50)

    def _publisher(self, ns, publisher):
        def publish():
            self.frames[ns].header.stamp = self.node.get_clock().now().to_msg()
            publisher.publish(self.frames[ns])
            self.sent[ns] += 1
        return publish

    def _receiver(self, ns):
        def receive(message):
            now = self.node.get_clock().now().nanoseconds
            stamp = message.header.stamp.sec * 10**9 + message.header.stamp.nanosec
            self.ages[ns].append((now - stamp) * 1e-9)
        return receive

    def _diagnostics(self, message) -> None:
        for status in message.status:
            self.diagnostics[status.name] = {v.key: v.value for v in status.values}
        for ns in self.namespaces:  # the node's own largest result age of each 5 s window
            age = self.diagnostic(ns, 'result age max (ms)')
            if age:
                self.ages_max[ns].append(age)

    def diagnostic(self, ns: str, key: str) -> Optional[float]:
        """Return the latest diagnostics value of camera ``ns``'s node (a number)."""
        value = self.diagnostics.get(f'/{ns}/saliency_node: saliency', {}).get(key)
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    def spin_for(self, seconds: float, until=None) -> bool:
        """Spin for ``seconds`` or until ``until()`` holds; return whether it did."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.executor.spin_once(timeout_sec=0.05)
            if until is not None and until():
                return True
        return until is None

    def close(self) -> None:
        """Destroy the node and shut the context down."""
        self.executor.shutdown()
        self.node.destroy_node()
        self.context.try_shutdown()


def start_nodes(namespaces: List[str], model: Path, logs: Path) -> List[subprocess.Popen]:
    """Start one installed saliency_node per camera namespace."""
    from ament_index_python.packages import get_package_prefix

    executable = Path(get_package_prefix('msinet_ros')) / 'lib' / 'msinet_ros' / 'saliency_node'
    share = Path(get_package_prefix('msinet_ros')) / 'share' / 'msinet_ros'
    processes = []
    for ns in namespaces:
        log = open(logs / f'{ns}.log', 'w')
        processes.append(subprocess.Popen(
            [str(executable), '--ros-args',
             '--params-file', str(share / 'config' / 'saliency.yaml'),
             '-r', f'__ns:=/{ns}', '-r', 'image:=image_raw',
             '-r', 'camera_info:=camera_info', '-p', f'model:={model}', '-p', 'size:=240x320'],
            stdout=log, stderr=subprocess.STDOUT))
    return processes


def stop(processes: List[subprocess.Popen]) -> None:
    """SIGINT every node and wait for it (kill one that hangs)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(2)
    for process in processes:
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for_load(max_load: float, wait: float) -> List[float]:
    """Wait up to ``wait`` s for the 1-min load average to fall below ``max_load``; return it."""
    deadline = time.monotonic() + wait
    while os.getloadavg()[0] > max_load and time.monotonic() < deadline:
        time.sleep(5)
    return list(os.getloadavg())


def measure_nodes(count: int, model: Path, warmup: float, duration: float, logs: Path,
                  max_load: float = math.inf, load_wait: float = 0.0) -> Dict:
    """Run ``count`` nodes with a 30 Hz camera each; return their cost over ``duration`` s."""
    namespaces = [f'cam{i}' for i in range(count)]
    cameras = Cameras(namespaces)
    load_before = wait_for_load(max_load, load_wait)
    processes = start_nodes(namespaces, model, logs)
    try:
        started = time.monotonic()
        if not cameras.spin_for(300, lambda: all(cameras.ages.values()) and all(
                cameras.diagnostic(ns, 'frames published') for ns in namespaces)):
            raise RuntimeError(f'not every camera answered within 300 s; logs in {logs}')
        first_results_s = time.monotonic() - started
        cameras.spin_for(warmup)
        before = {ns: {key: cameras.diagnostic(ns, key) for key in COUNTERS}
                  for ns in namespaces}
        for ages in (*cameras.ages.values(), *cameras.ages_max.values()):
            ages.clear()
        sent = dict(cameras.sent)
        cpu = [cpu_seconds(p.pid) for p in processes]
        own_cpu, t0 = time.process_time(), time.monotonic()
        cameras.spin_for(duration)
        elapsed = time.monotonic() - t0
        cpu = [cpu_seconds(p.pid) - c for p, c in zip(processes, cpu)]
        own_cpu = time.process_time() - own_cpu
        cameras.spin_for(1.5)  # one more diagnostics message for the counters
        dead = [ns for ns, p in zip(namespaces, processes) if p.poll() is not None]
        if dead:
            raise RuntimeError(f'node(s) {dead} exited; logs in {logs}')
        per_camera = []
        for ns, process, seconds in zip(namespaces, processes, cpu):
            ages = cameras.ages[ns]
            after = {key: cameras.diagnostic(ns, key) for key in COUNTERS}
            counted = {key: (after[key] - before[ns][key]) if None not in (
                after[key], before[ns][key]) else None for key in COUNTERS}
            per_camera.append({
                'camera': ns, **memory_mb(process.pid),
                'cpu_percent_of_one_core': 100 * seconds / elapsed,
                'frames_sent_hz': (cameras.sent[ns] - sent[ns]) / elapsed,
                'output_rate_hz': len(ages) / elapsed,
                'age_outside_ms': {'p50': percentile(ages, 50) * 1e3 if ages else None,
                                   'p95': percentile(ages, 95) * 1e3 if ages else None,
                                   'max': max(ages) * 1e3 if ages else None},
                'node_age_max_ms': max(cameras.ages_max[ns], default=None),
                'diagnostics': {key: cameras.diagnostic(ns, key) for key in DIAGNOSTIC_KEYS},
                'counted_in_window': counted})
        return {'nodes': count, 'window_s': elapsed, 'load_average_before': load_before,
                'first_results_after_s': first_results_s,
                'cpu_percent_of_one_core_all_nodes': 100 * sum(cpu) / elapsed,
                'cpu_percent_of_one_core_cameras_script': 100 * own_cpu / elapsed,
                'rss_mb_all_nodes': sum(c['rss'] for c in per_camera),
                'pss_mb_all_nodes': sum(c['pss'] for c in per_camera),
                'load_average_after': list(os.getloadavg()), 'cameras': per_camera}
    finally:
        stop(processes)
        cameras.close()


# --- 2. batching ----------------------------------------------------------------------------

def measure_batching(model: Path, counts: Sequence[int], rounds: int) -> Dict:
    """Time N single predictions against one batch of N, interleaved; return per-N ratios."""
    from msinet_ros.inference.backends import BackendOptions
    from msinet_ros.inference.predictor import SaliencyPredictor

    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, (*FRAME, 3), dtype=np.uint8) for _ in range(max(counts))]
    options = BackendOptions(max_batch=max(counts), log=lambda _: None)
    results = {}
    with SaliencyPredictor(model, 'onnxruntime', 'auto', options) as predictor:
        predictor.prepare()

        def one_by_one(n):
            t = time.perf_counter()
            for frame in frames[:n]:
                predictor.predict(frame)
            return time.perf_counter() - t

        def batched(n):
            t = time.perf_counter()
            maps = predictor.predict_batch(frames[:n])
            assert len(maps) == n
            return time.perf_counter() - t

        for n in counts:  # warm-up: ONNX Runtime plans each batch shape on its first run
            one_by_one(n), batched(n)
        times = {n: {'one_by_one': [], 'batched': []} for n in counts}
        for index in range(rounds):
            for n in counts:
                order = ('one_by_one', 'batched') if index % 2 == 0 else ('batched', 'one_by_one')
                for case in order:
                    times[n][case].append((one_by_one if case == 'one_by_one' else batched)(n))
        same = all(np.allclose(single.model_saliency, batch.model_saliency, atol=1e-4)
                   for single, batch in zip([predictor.predict(f) for f in frames],
                                            predictor.predict_batch(frames)))
    for n in counts:
        ratios = [a / b for a, b in zip(times[n]['one_by_one'], times[n]['batched'])]
        results[str(n)] = {
            'rounds': rounds,
            'one_by_one_ms_p50': statistics.median(times[n]['one_by_one']) * 1e3,
            'batched_ms_p50': statistics.median(times[n]['batched']) * 1e3,
            'throughput_gain_median_ratio': statistics.median(ratios),
            'ratio_min': min(ratios), 'ratio_max': max(ratios)}
    return {'by_batch': results, 'same_maps': same, **decision(results)}


def decision(by_batch: Dict[str, Dict]) -> Dict:
    """Return whether the best median gain clears the bar for building a batching node."""
    best = max(row['throughput_gain_median_ratio'] for row in by_batch.values())
    return {'worth_threshold': 1 + WORTH, 'best_median_ratio': best,
            'build_batching_node': best >= 1 + WORTH}


# --- the record and its Markdown -------------------------------------------------------------

def _ms(value: Optional[float]) -> str:
    return '–' if value is None or not math.isfinite(value) else f'{value:.0f}'


def _load(average: Optional[Sequence[float]]) -> str:
    return '–' if not average else f'{average[0]:.1f}'


def render(record: Dict) -> str:
    """Return the cameras section of docs/performance.md (the report adds title and machine)."""
    results = record['results']
    lines = []
    nodes = results.get('nodes')
    if nodes:
        lines += ['One `saliency_node` per camera (`launch/cameras.launch.py`), ONNX Runtime on '
                  f'the CPU, seeded random fp32 {SIZE[0]}×{SIZE[1]} ONNX; each camera 640×480 '
                  f'rgb8 at {RATE_HZ:.0f} Hz; {nodes[0]["window_s"]:.0f} s window after '
                  'warm-up. CPU in % of one core; age from outside = result received − frame '
                  "stamp; node age max and late = the node's own freshness (diagnostics, "
                  '`msinet_ros/freshness.py`): its largest result age and the results that '
                  "broke its bound. Camera Hz = the frames this script's timers managed to send.",
                  '', '| nodes | RSS per node (MB) | PSS all nodes (MB) | CPU all nodes (%) | '
                  'camera Hz | results/s per camera | age outside p50 / p95 / max (ms) | '
                  'node age max (ms) | late / published | load before, after |',
                  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
        for run in nodes:
            cams = run['cameras']
            rates = ', '.join(f"{c['output_rate_hz']:.2f}" for c in cams)
            outside = '; '.join('/'.join(_ms(c['age_outside_ms'][k])
                                         for k in ('p50', 'p95', 'max')) for c in cams)
            inside = ', '.join(_ms(c.get('node_age_max_ms')) for c in cams)
            sent = ', '.join(f"{c['frames_sent_hz']:.0f}" for c in cams)
            late = '; '.join(f"{_ms(c['counted_in_window']['frames late'])}/"
                             f"{_ms(c['counted_in_window']['frames published'])}" for c in cams)
            rss = ', '.join(f"{c['rss']:.0f}" for c in cams)
            lines.append(f"| {run['nodes']} | {rss} | {run['pss_mb_all_nodes']:.0f} | "
                         f"{run['cpu_percent_of_one_core_all_nodes']:.0f} | {sent} | {rates} | "
                         f'{outside} | {inside} | {late} | '
                         f"{_load(run.get('load_average_before'))}, "
                         f"{run['load_average_after'][0]:.1f} |")
        slowest = min(c['frames_sent_hz'] for run in nodes for c in run['cameras'])
        if slowest < 0.9 * RATE_HZ:
            lines += ['', f'The cameras (this script) fell to {slowest:.0f} Hz at worst: CPU '
                      "contention. The node's input period (the median gap) then understates "
                      'the irregular gaps, and a frame that waited longer than it counts as late.']
        lines.append('')
    batching = results.get('batching')
    if batching:
        rounds = next(iter(batching['by_batch'].values()))['rounds']
        loads = ', '.join(_load(batching.get(key))
                          for key in ('load_average_before', 'load_average_after'))
        lines += ['Batching the cameras in one node: the same predictor (ONNX Runtime, CPU, '
                  'dynamic-batch model), N 640×480 frames one by one against one `predict_batch` '
                  f'of N, interleaved in {rounds} rounds (load average before, after: {loads}); '
                  'gain = median per-round ratio (one by one ÷ batched).', '',
                  '| N | one by one p50 (ms) | batch of N p50 (ms) | gain (median ratio) | '
                  'min–max |', '| --- | --- | --- | --- | --- |']
        for n, row in batching['by_batch'].items():
            lines.append(f"| {n} | {row['one_by_one_ms_p50']:.0f} | {row['batched_ms_p50']:.0f} "
                         f"| {row['throughput_gain_median_ratio']:.2f}× | "
                         f"{row['ratio_min']:.2f}–{row['ratio_max']:.2f} |")
        verdict = ('worth a batching node' if batching['build_batching_node'] else
                   'not worth a batching node: one node per camera stays')
        lines += ['', f"Decision: best gain {batching['best_median_ratio']:.2f}× against the "
                  f"{batching['worth_threshold']:.2f}× bar, {verdict}. Batched maps equal the "
                  f"single ones: {'yes' if batching['same_maps'] else 'NO'}.", '']
    return '\n'.join(lines)


def main(argv: Optional[List[str]] = None) -> int:
    """Measure, write docs/records/cameras.json and print the Markdown."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--nodes', type=int, nargs='*', default=[1, 2, 4],
                        help='numbers of cameras (nodes) to run; none: skip')
    parser.add_argument('--batches', type=int, nargs='*', default=[2, 4],
                        help='batch sizes to compare with one-by-one; none: skip')
    parser.add_argument('--warmup', type=float, default=15.0, help='seconds after first results')
    parser.add_argument('--duration', type=float, default=60.0, help='measured window (s)')
    parser.add_argument('--rounds', type=int, default=10, help='interleaved batching rounds')
    parser.add_argument('--work', type=Path, default=Path(tempfile.gettempdir()) / 'cameras',
                        help='models and node logs')
    parser.add_argument('--max-load', type=float, default=math.inf,
                        help='before each node run, wait for the 1-min load average below this')
    parser.add_argument('--load-wait', type=float, default=600.0,
                        help='longest wait for --max-load (s); then measure anyway')
    parser.add_argument('--no-record', action='store_true', help='print only')
    args = parser.parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault('ROS_AUTOMATIC_DISCOVERY_RANGE', 'LOCALHOST')
    results = {'model': f'seeded random fp32 {SIZE[0]}x{SIZE[1]} ONNX', 'frame': '640x480 rgb8'}
    if args.batches:
        model = make_model(args.work, None)
        load_before = wait_for_load(args.max_load, args.load_wait)
        results['batching'] = {**measure_batching(model, args.batches, args.rounds),
                               'load_average_before': load_before,
                               'load_average_after': list(os.getloadavg())}
    if args.nodes:
        from msinet_ros.paths import fastdds_profile_env, share_dir
        os.environ.update(fastdds_profile_env(share_dir() / 'config' /
                                              'fastdds_large_images.xml'))
        model = make_model(args.work, 1)
        results['nodes'] = [measure_nodes(n, model, args.warmup, args.duration, args.work,
                                          args.max_load, args.load_wait)
                            for n in args.nodes]
    record = records.record(NAME, records.command_line(argv and [sys.argv[0], *argv]), results)
    if not args.no_record:
        path = records.write(NAME, results)
        record = records.read(NAME)
        print(f'wrote {path}')
    print(render(record))
    return 0


if __name__ == '__main__':
    sys.exit(main())
