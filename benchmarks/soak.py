#!/usr/bin/env python3
"""
Soak: the installed saliency_node under a 30 Hz camera for a set time; what grows.

Starts ``saliency_node`` (ONNX Runtime on the CPU, the seeded random 240x320 network unless
``--model`` says otherwise) and a 640x480 rgb8 camera with camera_info at ``--rate`` Hz, waits
for the first map, then every ``--interval`` seconds samples the node's resident memory, file
descriptors, threads and CPU, and the output rate and end-to-end latency (image published →
``saliency/image`` received here) of the results that arrived in the interval. It ends by
itself after ``--duration`` seconds, stops the node with SIGINT and reports growth after
``--warmup`` seconds: RSS (target: under 5 MB), descriptors and threads (target: none).
Writes docs/records/soak.json (``--no-record``: print only)::

    source /tmp/ws/install/setup.bash
    .venv/bin/python benchmarks/soak.py --duration 600
"""

import argparse
import os
from pathlib import Path
import sys
import time
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load_stats import counted, growth, percentile, rounded, summary  # noqa: E402

NAME = 'soak'
OUTPUTS = ('saliency/image', 'fixations', 'saliency_overlay/image')
TARGET_RSS_MB = 5.0
SCRATCH = Path('/tmp/msinet_load')  # where --no-record writes
COLUMNS = ['t (s)', 'RSS (MB)', 'anon (MB)', 'file (MB)', 'shmem (MB)', 'fds', 'threads',
           'CPU (%)', 'input (Hz)', 'output (Hz)', 'latency p50 (ms)', 'latency max (ms)',
           'load (1 min)']


def parse_args(argv=None) -> argparse.Namespace:
    """Return the command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--duration', type=float, default=600.0,
                        help='seconds measured after the first map (default 600)')
    parser.add_argument('--interval', type=float, default=5.0, help='seconds between samples')
    parser.add_argument('--warmup', type=float, default=60.0,
                        help='seconds after the first map left out of the growth')
    parser.add_argument('--rate', type=float, default=30.0, help='camera rate (Hz)')
    parser.add_argument('--threads', type=int, default=0,
                        help="the node's inference threads (0: all cores, its default)")
    parser.add_argument('--model', type=Path, default=None,
                        help='ONNX model (default: the seeded random 240x320 export)')
    parser.add_argument('--log', type=Path, default=Path('/tmp/msinet_load/soak_node.log'))
    parser.add_argument('--no-record', action='store_true',
                        help=f'write the record to {SCRATCH} instead of docs/records')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the soak, print its section and write the record; 1 if the node failed."""
    args = parse_args(argv)
    import node_process as rig_module  # rclpy: imported only to run, not to render
    import records
    environment = rig_module.set_up_environment()
    model = args.model or rig_module.ensure_model(rig_module.DEFAULT_MODEL)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    rig = rig_module.Rig(NAME, OUTPUTS, args.rate)
    rig.wait_until_unpublished('saliency/image')
    node = rig_module.NodeProcess(model, NAME, args.log, {'threads': str(args.threads)})
    try:
        results = run(rig, node, args, rig_module)
    finally:
        rig.stop_camera()
        code = node.stop()
        rig.close()
    if results is None:
        print(f'the node failed (exit code {code}); its log: {args.log}', file=sys.stderr)
        return 1
    output = args.log.read_text(errors='replace')
    results['exit'] = {'code': code, 'traceback': 'Traceback' in output}
    results['settings'].update(model=str(model), environment=environment)
    folder = SCRATCH if args.no_record else records.RECORDS
    path = records.write(NAME, results, folder=folder)
    print(render(records.read(NAME, folder=folder)))
    print(f'wrote {path}')
    return 0


def run(rig, node, args, rig_module) -> Dict[str, Any]:
    """Sample until the duration is over; return the results (None if the node died)."""
    rig.start_camera()
    first = rig.wait_for('saliency/image', 0.0, 300.0, alive=node.proc)
    if first is None:
        return None
    t0 = time.time()
    at_first_map = dict(rig.diagnostics)  # counters since start-up, to subtract
    startup_s = time.monotonic() - node.started
    rows: List[list] = []
    previous = rig_module.sample(node.pid)
    before = t0
    sent_before = len(rig.sent)
    start_sample = previous
    while True:
        due = t0 + (len(rows) + 1) * args.interval
        time.sleep(max(0.0, due - time.time()))
        if node.proc.poll() is not None:
            return None
        now = time.time()
        current = rig_module.sample(node.pid)
        sent = dict(rig.sent)
        maps = dict(rig.received['saliency/image'])
        window = [stamp for stamp, t in maps.items() if before < t <= now]
        latencies = [(maps[stamp] - sent[stamp]) * 1e3 for stamp in window if stamp in sent]
        span = now - before
        rows.append(rounded([
            now - t0, current.rss_mb, current.anon_mb, current.file_mb, current.shmem_mb,
            current.fds, current.threads,
            100 * (current.cpu_s - previous.cpu_s) / span, (len(sent) - sent_before) / span,
            len(window) / span, percentile(latencies, 50), percentile(latencies, 100),
            os.getloadavg()[0]]))
        previous, before, sent_before = current, now, len(sent)
        if now - t0 >= args.duration:
            break
    diagnostics = dict(rig.diagnostics)
    sent = dict(rig.sent)
    maps = dict(rig.received['saliency/image'])
    latencies = [(t - sent[stamp]) * 1e3 for stamp, t in maps.items()
                 if stamp in sent and t >= t0]
    times = [row[0] for row in rows]
    column = {name: [row[i] for row in rows] for i, name in enumerate(COLUMNS)}
    return {
        'settings': {'duration_s': args.duration, 'interval_s': args.interval,
                     'warmup_s': args.warmup, 'camera': f'640x480 rgb8 at {args.rate} Hz, '
                     'best effort, camera_info of the same stamp', 'outputs': list(OUTPUTS),
                     'node': ' '.join(node.args[1:]), 'threads': args.threads},
        'startup_s': round(startup_s, 1),
        'at_first_map': {'rss_mb': round(start_sample.rss_mb, 1), 'fds': start_sample.fds,
                         'threads': start_sample.threads},
        'growth': {key: {k: round(v, 2)
                         for k, v in growth(times, column[key], args.warmup).items()}
                   for key in ('RSS (MB)', 'anon (MB)', 'file (MB)', 'shmem (MB)', 'fds',
                               'threads')},
        'latency_ms': summary(latencies),
        'output_hz': round(len([t for t in maps.values() if t >= t0]) / (rows[-1][0] or 1), 3),
        'camera_behind': rig.behind,
        'counted': counted(at_first_map, diagnostics),
        'diagnostics': {k: v for k, v in diagnostics.items()
                        if k.startswith('frames ') or k in ('inference p50 (ms)', 'message')},
        'columns': COLUMNS, 'samples': rows,
    }


def render(record: Dict[str, Any]) -> str:
    """Return the Markdown section of docs/performance.md for a soak record."""
    r = record['results']
    g = r['growth']
    s = r['settings']
    rss, fds, threads = g['RSS (MB)'], g['fds'], g['threads']
    verdict = ('met' if rss['growth'] < TARGET_RSS_MB and fds['max'] <= fds['start'] and
               threads['max'] <= threads['start'] else 'NOT met')
    lat = r['latency_ms']
    lines = [
        f"{s['duration_s'] / 60:.1f} minutes of a {s['camera']} into `saliency_node` "
        f"(outputs subscribed: {', '.join('`' + o + '`' for o in s['outputs'])}), sampled "
        f"every {s['interval_s']:.0f} s; growth is measured after a {s['warmup_s']:.0f} s "
        'warm-up from the first map (start and end: medians of the first and last three '
        'samples; slope: least squares).', '',
        '| quantity | at first map | after warm-up | end | growth | slope per hour | range |',
        '| --- | --- | --- | --- | --- | --- | --- |']
    first = r['at_first_map']
    for key, label, start in (('RSS (MB)', 'RSS (MB)', first['rss_mb']),
                              ('anon (MB)', 'of which anonymous (heap) (MB)', ''),
                              ('file (MB)', 'of which mapped files (MB)', ''),
                              ('shmem (MB)', 'of which shared memory (MB)', ''),
                              ('fds', 'file descriptors', first['fds']),
                              ('threads', 'threads', first['threads'])):
        if key not in g:
            continue
        q = g[key]
        lines.append(f"| {label} | {start} | {q['start']:g} | {q['end']:g} | "
                     f"{q['growth']:+g} | {q['slope_per_hour']:+.2f} | "
                     f"{q['min']:g}–{q['max']:g} |")
    c = r['counted']
    parts = [f"{g[key]['growth']:+.1f} MB {label}" for key, label in (
        ('anon (MB)', 'anonymous (heap)'), ('file (MB)', 'mapped files'),
        ('shmem (MB)', 'shared memory')) if key in g]
    lines += [
        '', f"Of the RSS growth: {', '.join(parts)}." if parts else '',
        '', f'Target (RSS growth under {TARGET_RSS_MB:g} MB after warm-up, no growth in '
        f"descriptors or threads): **{verdict}**. Output {r['output_hz']:.2f} Hz; end-to-end "
        f"latency (image published → `saliency/image` received) p50 {lat['p50']:.0f} ms, "
        f"p95 {lat['p95']:.0f} ms, max {lat['max']:.0f} ms over {lat['n']} maps. In the measured "
        f"time the node counted {c['received']} frames received, {c['dropped']} dropped "
        f"(replaced by a newer frame), {c['published']} published, {c['late']} late, "
        f"{c['info_unmatched']} without the camera_info of their stamp. "
        f"Start-up to first map {r['startup_s']:.0f} s. SIGINT at the end: exit code "
        f"{r['exit']['code']}" + (', with a traceback' if r['exit']['traceback'] else
                                  ', no traceback') + '.', '',
        f'Load average (1 min) on this shared machine during the run: {_load_range(r)}.', '']
    return '\n'.join(lines)


def _load_range(results: Dict[str, Any]) -> str:
    column = results['columns'].index('load (1 min)')
    loads = [row[column] for row in results['samples'] if row[column] is not None]
    return f'{min(loads):.1f}–{max(loads):.1f}' if loads else 'not sampled'


if __name__ == '__main__':
    sys.exit(main())
