r"""
Memory of ``saliency_node``: RSS, PSS and USS per configuration, and where it goes.

Starts the installed node (``--install``; ``--before-install`` adds an install of older code,
measured in alternation with it) for each model kind, reads ``/proc/<pid>/smaps_rollup`` once
the node is active (start-up) and again after it served ``--frames`` camera frames, then
breaks the cost down in child processes of this Python: imports, one ONNX Runtime session
under several options, its arena after the first runs, the copies a weights export holds, and
the speed of the chosen session options against the previous ones (interleaved rounds, median
of the per-round ratios). Writes ``docs/records/memory.json``; :func:`render` turns the record
into the section of docs/performance.md.

    source /tmp/ws-memory/install/setup.bash
    ROS_DOMAIN_ID=57 .venv/bin/python benchmarks/memory.py --install /tmp/ws-memory/install \
        --before-install /tmp/ws-memory-before/install
"""

import argparse
import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import tempfile
import time
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / 'benchmarks'))
sys.path.insert(0, str(ROOT))

import records  # noqa: E402

MB = 1024.0 * 1024.0
PYTHON = sys.executable
FIELDS = {'Rss': 'rss', 'Pss': 'pss', 'Private_Clean': 'uss', 'Private_Dirty': 'uss',
          'Anonymous': 'anonymous'}


def memory_of(pid='self') -> Dict[str, float]:
    """Return RSS, PSS, USS (private pages) and anonymous memory of a process in MB."""
    values = {'rss': 0.0, 'pss': 0.0, 'uss': 0.0, 'anonymous': 0.0}
    for line in Path(f'/proc/{pid}/smaps_rollup').read_text().splitlines()[1:]:
        key, value = line.split()[:2]
        if key.rstrip(':') in FIELDS:
            values[FIELDS[key.rstrip(':')]] += int(value) / 1024.0
    return {k: round(v, 1) for k, v in values.items()}


# ---------------------------------------------------------------- child probes (own processes)

CHILD_PRELUDE = f"""
import ctypes, json, sys, time
sys.path.insert(0, {str(ROOT)!r})
def memory_of():
    values = {{'rss': 0.0}}
    for line in open('/proc/self/smaps_rollup').read().splitlines()[1:]:
        if line.startswith('Rss:'):
            values['rss'] = round(int(line.split()[1]) / 1024.0, 1)
    return values
def trim():
    ctypes.CDLL(None).malloc_trim(0)
"""

IMPORT_CHAIN = ('numpy', 'cv2', 'scipy.ndimage', 'scipy.sparse', 'rclpy', 'sensor_msgs.msg',
                'msinet_ros.nodes.saliency_node', 'onnxruntime', 'onnx')

IMPORTS = CHILD_PRELUDE + """
import importlib
steps = [('interpreter', memory_of()['rss'])]
for name in sys.argv[1].split(','):
    importlib.import_module(name)
    steps.append((name, memory_of()['rss']))
print(json.dumps({'steps': steps, 'scipy_loaded': 'scipy' in sys.modules}))
"""

SESSION = CHILD_PRELUDE + """
import numpy as np, onnxruntime as ort
path, variant, runs = sys.argv[1], sys.argv[2].split('+'), int(sys.argv[3])
options = ort.SessionOptions()
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
options.add_session_config_entry('session.intra_op.allow_spinning', '0')
options.log_severity_level = 3
options.enable_mem_pattern = 'pattern' in variant
options.enable_cpu_mem_arena = 'noarena' not in variant
if 'noprepack' in variant:
    options.add_session_config_entry('session.disable_prepacking', '1')
out = {'imported': memory_of()}
session = ort.InferenceSession(path, options, providers=['CPUExecutionProvider'])
out['created'] = memory_of()
if 'trim' in variant:
    trim()
    out['created, trimmed'] = memory_of()
inp = session.get_inputs()[0]
x = np.full([1] + list(inp.shape[1:]), 126.0, np.float32)
for run in range(1, runs + 1):
    session.run(None, {inp.name: x})
    if run in (1, runs):
        out[f'after run {run}'] = memory_of()
print(json.dumps(out))
"""

COPIES = CHILD_PRELUDE + """
from msinet_ros.model import onnx_export, weights
import onnx
out = {'imported': memory_of()}
tensors, metadata = weights.load(sys.argv[1])
out['weights dict loaded'] = memory_of()
model = onnx_export.build(tensors, 240, 320, batch=None, metadata=metadata)
out['+ ModelProto built'] = memory_of()
data = model.SerializeToString()
out['+ serialised bytes'] = memory_of()
del tensors, model, data
out['all freed'] = memory_of()
trim()
out['freed and trimmed'] = memory_of()
describe = onnx_export.describe(sys.argv[2])
out['ONNX file described (ModelSource.of)'] = memory_of()
trim()
out['described and trimmed'] = memory_of()
print(json.dumps(out))
"""

SPEED = CHILD_PRELUDE + """
import statistics
import numpy as np, onnxruntime as ort
def session(pattern):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry('session.intra_op.allow_spinning', '0')
    options.log_severity_level = 3
    options.enable_mem_pattern = pattern
    return ort.InferenceSession(sys.argv[1], options, providers=['CPUExecutionProvider'])
before, after = session(True), session(False)
inp = before.get_inputs()[0]
x = np.random.default_rng(0).uniform(0, 255, [1] + list(inp.shape[1:])).astype(np.float32)
for s in (before, after, before, after):
    s.run(None, {inp.name: x})
times = {'before': [], 'after': []}
for r in range(int(sys.argv[2])):
    order = (('before', before), ('after', after)) if r % 2 == 0 else \\
        (('after', after), ('before', before))
    for name, s in order:
        t = time.perf_counter(); s.run(None, {inp.name: x})
        times[name].append((time.perf_counter() - t) * 1e3)
ratios = [a / b for a, b in zip(times['after'], times['before'])]
trims = []
for _ in range(5):
    t = time.perf_counter(); trim(); trims.append((time.perf_counter() - t) * 1e3)
print(json.dumps({'rounds': len(ratios), 'median ratio after/before': statistics.median(ratios),
                  'ratios': ratios, 'median ms before': statistics.median(times['before']),
                  'median ms after': statistics.median(times['after']),
                  'malloc_trim ms (median of 5)': statistics.median(trims)}))
"""


def child(code: str, *args: str, timeout: float = 900) -> Dict:
    """Run a probe in a fresh process of this Python and return its JSON answer."""
    done = subprocess.run([PYTHON, '-c', code, *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f'probe failed: {done.stderr[-2000:]}')
    return json.loads(done.stdout.strip().splitlines()[-1])


def import_times() -> Dict[str, float]:
    """Return ``-X importtime`` cumulative ms of the node module's heaviest top-level imports."""
    done = subprocess.run([PYTHON, '-X', 'importtime', '-c',
                           'import msinet_ros.nodes.saliency_node'],
                          capture_output=True, text=True, cwd=ROOT, check=True)
    totals: Dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = line.split('|')
        if len(parts) != 3 or not parts[1].strip().isdigit():
            continue
        name = parts[2].rstrip()
        if name.startswith(' ') and not name.startswith('  '):  # a top-level import
            totals[name.strip()] = round(int(parts[1]) / 1e3, 1)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1])[:10])


# ---------------------------------------------------------------- the node

def install_env(install: Path, domain: str) -> Dict[str, str]:
    """Return the environment with ``install/setup.bash`` sourced."""
    dump = subprocess.run(['bash', '-c', f'source {install}/setup.bash && env -0'],
                          capture_output=True, check=True).stdout.decode()
    env = dict(item.split('=', 1) for item in dump.split('\0') if '=' in item)
    env.update(ROS_DOMAIN_ID=domain, ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST',
               PYTHONUNBUFFERED='1')
    from msinet_ros.paths import fastdds_profile_env
    env.update(fastdds_profile_env(ROOT / 'config' / 'fastdds_large_images.xml',
                                   env.get('ROS_DISTRO')))
    return env


class Feeder:
    """Publishes camera frames and counts the maps the node answers with."""

    def __init__(self):
        import rclpy
        from rclpy.qos import qos_profile_sensor_data
        from sensor_msgs.msg import Image
        from std_msgs.msg import Header
        import cv2
        from msinet_ros.nodes.messages import image_msg
        self.rclpy, self.Header, self.image_msg = rclpy, Header, image_msg
        rclpy.init()
        self.node = rclpy.create_node('memory_benchmark_feeder')
        self.maps = 0
        self.node.create_subscription(Image, 'saliency/image', self._on_map, 10)
        self.pub = self.node.create_publisher(Image, 'image', qos_profile_sensor_data)
        bgr = cv2.resize(cv2.imread(str(ROOT / 'demo' / 'images' / 'coffee.jpg')), (640, 480))
        self.rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)

    def _on_map(self, msg) -> None:
        self.maps += 1

    def feed(self, frames: int, timeout: float) -> int:
        """Publish a frame each half second until ``frames`` maps came back; return the count."""
        start, deadline, last = self.maps, time.monotonic() + timeout, 0.0
        while self.maps - start < frames and time.monotonic() < deadline:
            if time.monotonic() - last > 0.5:
                header = self.Header(stamp=self.node.get_clock().now().to_msg())
                self.pub.publish(self.image_msg(self.rgb, 'rgb8', header))
                last = time.monotonic()
            self.rclpy.spin_once(self.node, timeout_sec=0.05)
        return self.maps - start

    def close(self) -> None:
        self.node.destroy_node()
        self.rclpy.try_shutdown()


def node_memory(env: Dict[str, str], install: Path, params: Dict[str, str], feeder: Feeder,
                frames: int, log: Path) -> Dict:
    """Start the node, measure it once active and after ``frames`` maps; stop it."""
    exe = install / 'msinet_ros' / 'lib' / 'msinet_ros' / 'saliency_node'
    args = [str(exe), '--ros-args'] + [a for k, v in params.items() for a in ('-p', f'{k}:={v}')]
    t0 = time.monotonic()
    with open(log, 'w') as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        while 'active: input' not in log.read_text():
            if proc.poll() is not None or time.monotonic() - t0 > 600:
                raise RuntimeError(f'node did not become active: {log.read_text()[-2000:]}')
            time.sleep(0.2)
        result = {'start-up s': round(time.monotonic() - t0, 1)}
        time.sleep(2.0)  # let the executor settle
        result['after start-up'] = memory_of(proc.pid)
        if frames:
            served = feeder.feed(frames, timeout=30 + 15 * frames)
            time.sleep(1.0)
            result[f'after {served} maps (640x480 frames)'] = memory_of(proc.pid)
        return result
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def make_models(folder: Path) -> Dict[str, Path]:
    """Write (or reuse) the seeded-random weights, its fp32 ONNX and its INT8 ONNX."""
    from msinet_ros.model import weights
    paths = {'weights': folder / 'random.safetensors', 'fp32': folder / 'fp32-240x320.onnx',
             'int8': folder / 'int8-240x320.onnx'}
    msinet = [PYTHON, '-m', 'msinet_ros.cli.main']
    if not paths['weights'].is_file():
        weights.save(paths['weights'], weights.random_weights(0), weights.random_metadata(0))
    if not paths['fp32'].is_file():
        subprocess.run(msinet + ['export', str(paths['weights']), '--size', '240x320',
                                 '-o', str(paths['fp32'])], check=True, cwd=ROOT)
    if not paths['int8'].is_file():
        subprocess.run(msinet + ['quantize', str(paths['fp32']), '--calibration',
                                 str(ROOT / 'demo' / 'images'), '-o', str(paths['int8'])],
                       check=True, cwd=ROOT)
    return paths


def configurations(models: Dict[str, Path]) -> Dict[str, Dict[str, str]]:
    """Return the node parameters of each measured configuration (cache_dir set per run)."""
    return {
        'weights file, first start (exports 240x320 fp32)': {'model': str(models['weights']),
                                                             'size': '240x320'},
        'weights file, export cached (240x320 fp32)': {'model': str(models['weights']),
                                                       'size': '240x320'},
        'weights file, size auto': {'model': str(models['weights']), 'size': 'auto',
                                    'camera_info_wait': '0.5'},
        'fp32 ONNX 240x320': {'model': str(models['fp32'])},
        'INT8 ONNX 240x320 (msinet quantize)': {'model': str(models['int8'])},
    }


def measure_nodes(installs: Dict[str, Path], models: Dict[str, Path], frames: int,
                  domain: str, work: Path) -> Dict:
    """Measure every configuration with every install, alternating the installs."""
    envs = {name: install_env(path, domain) for name, path in installs.items()}
    for key in ('ROS_DOMAIN_ID', 'ROS_AUTOMATIC_DISCOVERY_RANGE', 'FASTDDS_DEFAULT_PROFILES_FILE',
                'FASTRTPS_DEFAULT_PROFILES_FILE'):  # this process's feeder talks to the node
        if key in envs['now']:
            os.environ[key] = envs['now'][key]
    feeder = Feeder()
    results: Dict[str, Dict] = {}
    try:
        for config, params in configurations(models).items():
            results[config] = {}
            for name, install in installs.items():
                cache = work / f'cache-{name}'
                if config.startswith('weights file, first start'):
                    cache = work / f'cache-{name}-{time.monotonic_ns()}'  # empty: exports
                cache.mkdir(parents=True, exist_ok=True)
                print(f'{config} [{name}]', file=sys.stderr, flush=True)
                results[config][name] = node_memory(
                    envs[name], install, {**params, 'cache_dir': str(cache)}, feeder, frames,
                    work / f'{name}.log')
    finally:
        feeder.close()
    return results


def breakdown(models: Dict[str, Path], rounds: int) -> Dict:
    """Return the imports, session, arena, copies and speed probes."""
    steps = child(IMPORTS, ','.join(IMPORT_CHAIN))['steps']
    imports = {'RSS after each import, MB': dict(steps),
               'RSS added by each import, MB': {
                   name: round(rss - steps[i][1], 1) for i, (name, rss) in enumerate(steps[1:])},
               '-X importtime, cumulative ms (top 10)': import_times()}
    variants = {
        'previous (memory pattern on, arena on)': 'pattern',
        'previous + malloc_trim after creation': 'pattern+trim',
        'now (memory pattern off, arena on) + malloc_trim': 'trim',
        'arena off, memory pattern off + malloc_trim': 'noarena+trim',
        'prepacking off (memory pattern on) + malloc_trim': 'pattern+noprepack+trim',
    }
    sessions = {}
    for kind in ('fp32', 'int8'):
        sessions[kind] = {label: child(SESSION, str(models[kind]), variant, '5')
                          for label, variant in variants.items()}
    return {'imports': imports, 'ONNX Runtime session (240x320)': sessions,
            'copies while exporting (weights file, 240x320 fp32)':
                child(COPIES, str(models['weights']), str(models['fp32'])),
            'speed: memory pattern off (after) vs on (before), fp32 240x320':
                child(SPEED, str(models['fp32']), str(rounds))}


def main(argv: Optional[List[str]] = None) -> int:
    """Measure, write docs/records/memory.json and print the rendered section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('--install', type=Path, required=True, help='install to measure')
    parser.add_argument('--before-install', type=Path, help='an install of the previous code')
    parser.add_argument('--models', type=Path, help='folder for (reused) models')
    parser.add_argument('--frames', type=int, default=3, help='maps to wait for after start-up')
    parser.add_argument('--rounds', type=int, default=20, help='interleaved speed rounds')
    parser.add_argument('--domain', default=os.environ.get('ROS_DOMAIN_ID', '57'))
    parser.add_argument('--skip-nodes', action='store_true', help='breakdown only (no record)')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='msinet-memory-') as tmp:
        work = Path(tmp)
        models = make_models(args.models or work)
        sizes = {kind: round(path.stat().st_size / MB, 1) for kind, path in models.items()}
        results = {'model files, MB': sizes, 'breakdown': breakdown(models, args.rounds)}
        if args.skip_nodes:
            print(json.dumps(results, indent=1))
            return 0
        installs = {'now': args.install}
        if args.before_install:
            installs = {'before': args.before_install, 'now': args.install}
        results['node'] = measure_nodes(installs, models, args.frames, args.domain, work)
    path = records.write('memory', results, argv=[sys.argv[0]] + (argv or sys.argv[1:]))
    print(render(records.read('memory')))
    print(f'wrote {path}', file=sys.stderr)
    return 0


def render(record: Optional[Dict]) -> str:
    """Return the body of docs/performance.md's memory section (the report adds provenance)."""
    if record is None:
        return 'Not measured yet: run `benchmarks/memory.py`.\n'
    r = record['results']
    lines = ['RSS, PSS and USS (private pages) from `/proc/PID/smaps_rollup`, in MB; models with '
             'seeded random weights (files: '
             f'{", ".join(f"{k} {v} MB" for k, v in r["model files, MB"].items())}). '
             '"before": the code before this change, "now": with it, measured alternately.',
             '', '### The node, per configuration', '',
             '| configuration | code | start-up s | RSS after start-up | PSS | USS | '
             'RSS after maps |', '| --- | --- | --- | --- | --- | --- | --- |']
    for config, by_code in r.get('node', {}).items():
        for code, m in by_code.items():
            later = next((f'{v["rss"]:.0f} ({k.split(" (")[0]})' for k, v in m.items()
                          if k.startswith('after ') and k != 'after start-up'), '')
            s = m['after start-up']
            lines.append(f'| {config} | {code} | {m["start-up s"]} | {s["rss"]:.0f} | '
                         f'{s["pss"]:.0f} | {s["uss"]:.0f} | {later} |')
    b = r['breakdown']
    lines += ['', '### Imports', '', '| import (in this order) | RSS added, MB |', '| --- | --- |',
              f"| the interpreter (and the probe's own imports) | "
              f'{b["imports"]["RSS after each import, MB"]["interpreter"]} |']
    lines += [f'| `{k}` | {v} |' for k, v in b['imports']['RSS added by each import, MB'].items()]
    lines += ['', '### One ONNX Runtime session (240x320), RSS in MB', '']
    for kind, variants in b['ONNX Runtime session (240x320)'].items():
        stages = list(next(iter(variants.values())).keys())
        lines += [f'{kind}:', '', '| options | ' + ' | '.join(
            sorted({s for v in variants.values() for s in v}, key=_stage_order)) + ' |']
        stages = sorted({s for v in variants.values() for s in v}, key=_stage_order)
        lines.append('| --- ' * (len(stages) + 1) + '|')
        for label, values in variants.items():
            lines.append(f'| {label} | ' + ' | '.join(
                f'{values[s]["rss"]:.0f}' if s in values else '' for s in stages) + ' |')
        lines.append('')
    lines += ['### Copies while exporting a weights file, RSS in MB', '',
              '| after | RSS |', '| --- | --- |']
    lines += [f'| {k} | {v["rss"]:.0f} |'
              for k, v in b['copies while exporting (weights file, 240x320 fp32)'].items()]
    speed = b['speed: memory pattern off (after) vs on (before), fp32 240x320']
    lines += ['', '### Speed of the change', '',
              f'Memory pattern off against on, {speed["rounds"]} interleaved rounds in one '
              f'process: median per-round ratio {speed["median ratio after/before"]:.3f} '
              f'(median {speed["median ms after"]:.0f} ms against '
              f'{speed["median ms before"]:.0f} ms); one `malloc_trim` '
              f'{speed["malloc_trim ms (median of 5)"]:.1f} ms, once per prepared size.', '']
    lines += ['### What the memory is, and what was removed', '']
    lines += [f'- {note}' for note in narrative(r)]
    return '\n'.join(lines) + '\n'


def narrative(r: Dict) -> List[str]:
    """Return the breakdown's findings, each with the figures of this record."""
    b = r['breakdown']
    added = b['imports']['RSS added by each import, MB']
    after = b['imports']['RSS after each import, MB']
    fp32 = b['ONNX Runtime session (240x320)']['fp32']
    old = fp32['previous (memory pattern on, arena on)']
    trimmed = fp32['previous + malloc_trim after creation']
    now = fp32['now (memory pattern off, arena on) + malloc_trim']
    copies = b['copies while exporting (weights file, 240x320 fp32)']

    def grew(stages: Dict, later: str, earlier: str) -> float:
        return round(stages[later]['rss'] - stages[earlier]['rss'])

    scipy = added.get('scipy.ndimage', 0) + added.get('scipy.sparse', 0)
    return [
        f'Imports: {after["msinet_ros.nodes.saliency_node"]:.0f} MB after importing the node '
        f'module, {after["onnxruntime"]:.0f} MB with onnxruntime (numpy {added["numpy"]}, '
        f'OpenCV {added["cv2"]}, SciPy {scipy:.1f}, rclpy {added["rclpy"]}, onnxruntime '
        f'{added["onnxruntime"]}). SciPy comes in through `inference/preprocess.py` '
        '(scipy.sparse, the TF area filter) and `attention/peaks.py` '
        '(scipy.ndimage.maximum_filter): both would have to go to save it.',
        f'Session: creating it leaves {grew(old, "created", "imported")} MB above the imports '
        f'for a {r["model files, MB"]["fp32"]} MB model; after malloc_trim '
        f'{grew(trimmed, "created, trimmed", "imported")} MB: ONNX Runtime keeps one copy of '
        'the weights, the rest was parse and optimisation garbage that glibc kept. The '
        'predictor now trims once after each backend it creates.',
        'Arena: the previous options grew it by '
        f'{grew(trimmed, "after run 5", "created, trimmed")} MB over '
        "5 runs (the memory pattern's block on top of the arena); without the pattern by "
        f'{grew(now, "after run 5", "created, trimmed")} MB. Without the arena the '
        'intermediate tensors are allocated per run instead (the table above).',
        f'Copies in Python while exporting: the weights dict '
        f'{grew(copies, "weights dict loaded", "imported")} MB, the ModelProto '
        f'{grew(copies, "+ ModelProto built", "weights dict loaded")} MB, its bytes '
        f'{grew(copies, "+ serialised bytes", "+ ModelProto built")} MB; once freed the '
        f'process still holds {grew(copies, "all freed", "imported")} MB, '
        f'{grew(copies, "freed and trimmed", "imported")} MB after malloc_trim. The predictor '
        'keeps none of them (a unit test walks the live objects). Describing an ONNX file '
        '(ModelSource.of) parses all of it: '
        f'{grew(copies, "ONNX file described (ModelSource.of)", "freed and trimmed")} MB '
        'held until trimmed.',
        "Unused sizes: size auto prepares one size at start-up (the platform issue's lazy "
        'preparation) and another only when a frame of that aspect ratio arrives; each costs '
        'one session as above.',
        'INT8: the QDQ model keeps int8 weights (a quarter of the fp32 file) in the session.',
    ]


def _stage_order(stage: str) -> tuple:
    order = ['imported', 'created', 'created, trimmed']
    return (order.index(stage), 0) if stage in order else (len(order), stage)


if __name__ == '__main__':
    sys.exit(main())
