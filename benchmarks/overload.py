#!/usr/bin/env python3
"""
Overload: a 30 Hz camera into the installed saliency_node, whose inference is far slower.

Are results still fresh? Each result is judged with the node's own definition
(:mod:`msinet_ros.freshness`: age = publish - receipt, bound = processing + input period +
10 ms), observed from outside: the frame's receipt is its send time here, the node's pick is
its ``inference started: stamp N`` debug log line (system clock, as the stamps) and the publish
is the result's arrival here. So age - bound = wait in the slot - period - margin, with the
image's way through DDS counted as waiting: an upper estimate of the node's own figure, which
the node's ``frames late`` counter (its verdict on every result) gives beside it. A stale
(queued) frame would exceed its bound by about one inference. The node's memory (RSS) is
sampled every ``--interval`` seconds. Only the map (``saliency/image``) is subscribed. Writes
docs/records/overload.json::

    source /tmp/ws/install/setup.bash
    .venv/bin/python benchmarks/overload.py --duration 180
"""

import argparse
import os
from pathlib import Path
import sys
import time
from typing import Any, Dict, Optional

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load_stats import (counted, excess_ms, judge_from_outside, log_times,  # noqa: E402
                        rounded, summary)

NAME = 'overload'
TOPIC = 'saliency/image'
SCRATCH = Path('/tmp/msinet_load')  # where --no-record writes
COLUMNS = ['t (s)', 'RSS (MB)', 'CPU (%)', 'output (Hz)', 'age - bound max (ms)',
           'load (1 min)']


def parse_args(argv=None) -> argparse.Namespace:
    """Return the command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--duration', type=float, default=180.0,
                        help='seconds measured after the first map (default 180)')
    parser.add_argument('--interval', type=float, default=5.0, help='seconds between samples')
    parser.add_argument('--rate', type=float, default=30.0, help='camera rate (Hz)')
    parser.add_argument('--threads', type=int, default=0,
                        help="the node's inference threads (0: all cores, its default)")
    parser.add_argument('--model', type=Path, default=None,
                        help='ONNX model (default: the seeded random 240x320 export)')
    parser.add_argument('--log', type=Path, default=SCRATCH / 'overload_node.log')
    parser.add_argument('--no-record', action='store_true',
                        help=f'write the record to {SCRATCH} instead of docs/records')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the overload, print its section and write the record; 1 if the node failed."""
    args = parse_args(argv)
    import node_process as rig_module  # rclpy: imported only to run, not to render
    import records
    environment = rig_module.set_up_environment()
    model = args.model or rig_module.ensure_model(rig_module.DEFAULT_MODEL)
    args.log.parent.mkdir(parents=True, exist_ok=True)
    rig = rig_module.Rig(NAME, (TOPIC,), args.rate)
    rig.wait_until_unpublished(TOPIC)
    node = rig_module.NodeProcess(model, NAME, args.log, {'threads': str(args.threads)},
                                  debug=True)
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
    results.update(judge(results.pop('_observed'), output))
    results['exit'] = {'code': code, 'traceback': 'Traceback' in output}
    results['settings'].update(model=str(model), environment=environment)
    folder = SCRATCH if args.no_record else records.RECORDS
    path = records.write(NAME, results, folder=folder)
    print(render(records.read(NAME, folder=folder)))
    print(f'wrote {path}')
    return 0


def run(rig, node, args, rig_module) -> Optional[Dict[str, Any]]:
    """Sample until the duration is over; return the results (None if the node died)."""
    rig.start_camera()
    if rig.wait_for(TOPIC, 0.0, 300.0, alive=node.proc) is None:
        return None
    t0 = time.time()
    at_first_map = dict(rig.diagnostics)  # counters since start-up, to subtract
    startup_s = time.monotonic() - node.started
    rows = []
    previous = rig_module.sample(node.pid)
    before = t0
    while True:
        due = t0 + (len(rows) + 1) * args.interval
        time.sleep(max(0.0, due - time.time()))
        if node.proc.poll() is not None:
            return None
        now = time.time()
        current = rig_module.sample(node.pid)
        window = [t for t in list(rig.received[TOPIC].values()) if before < t <= now]
        rows.append([now - t0, current.rss_mb, 100 * (current.cpu_s - previous.cpu_s) /
                     (now - before), len(window) / (now - before), None, os.getloadavg()[0]])
        previous, before = current, now
        if now - t0 >= args.duration:
            break
    # read while the camera still runs: every result measured had a newer frame behind it
    diagnostics = dict(rig.diagnostics)
    observed = {'sent': dict(rig.sent), 'received': dict(rig.received[TOPIC]), 't0': t0,
                'end': time.time(), 'rows': rows, 'interval': args.interval}
    return {
        'settings': {'duration_s': args.duration, 'interval_s': args.interval,
                     'camera': f'640x480 rgb8 at {args.rate} Hz, best effort, camera_info of '
                     'the same stamp', 'outputs': [TOPIC], 'threads': args.threads,
                     'node': ' '.join(node.args[1:])},
        'startup_s': round(startup_s, 1),
        'camera_behind': rig.behind,
        'counted': counted(at_first_map, diagnostics),
        'diagnostics': {k: v for k, v in diagnostics.items() if k.startswith('frames ') or
                        k in ('inference p50 (ms)', 'inference p95 (ms)', 'message')},
        '_observed': observed,
    }


def judge(observed: Dict[str, Any], log: str) -> Dict[str, Any]:
    """Judge the results measured (from the first map to the end) from outside."""
    sent, received, t0, end = (observed[k] for k in ('sent', 'received', 't0', 'end'))
    picked = log_times(log, 'inference started')
    measured = {stamp: t for stamp, t in received.items() if t0 <= t <= end}
    judged = judge_from_outside(sent, picked, measured)
    verdicts = [verdict for _, verdict in judged]
    excess = excess_ms(verdicts)
    rows, interval = observed['rows'], observed['interval']
    for row in rows:  # the largest age - bound of the results that arrived in each interval
        in_row = [(v.age_s - v.bound_s) * 1e3 for stamp, v in judged
                  if t0 + row[0] - interval < measured[stamp] <= t0 + row[0]]
        row[4] = max(in_row) if in_row else None
    rss = [row[1] for row in rows]
    return {
        'results_judged': len(verdicts),
        'results_without_log_line': len([s for s in measured if s not in picked]),
        'age_minus_bound_ms': summary(excess),
        'late_from_outside': sum(1 for e in excess if e > 0),
        'age_ms': summary([v.age_s * 1e3 for v in verdicts]),
        'wait_ms': summary([v.wait_s * 1e3 for v in verdicts]),
        'processing_ms': summary([v.processing_s * 1e3 for v in verdicts]),
        'input_period_ms': summary([v.period_s * 1e3 for v in verdicts]),
        'frames_sent': len([t for t in sent.values() if t0 <= t <= end]),
        'rss_mb': {'first': round(rss[0], 1), 'last': round(rss[-1], 1),
                   'max': round(max(rss), 1), 'min': round(min(rss), 1)},
        'columns': COLUMNS, 'samples': [rounded(row) for row in rows],
    }


def render(record: Dict[str, Any]) -> str:
    """Return the Markdown section of docs/performance.md for an overload record."""
    r = record['results']
    s = r['settings']
    ex, age, wait, proc = (r[k] for k in ('age_minus_bound_ms', 'age_ms', 'wait_ms',
                                          'processing_ms'))
    c = r['counted']
    loads = [row[-1] for row in r['samples'] if row[-1] is not None]
    lines = [
        f"{s['duration_s']:.0f} s of a {s['camera']} into `saliency_node` "
        f"(only `{s['outputs'][0]}` subscribed), inference far slower than the camera: "
        f"processing p50 {proc['p50']:.0f} ms against a {r['input_period_ms']['p50']:.0f} ms "
        'input period. Freshness as the node defines it (`msinet_ros/freshness.py`: age = '
        'publish − receipt, bound = processing + input period + 10 ms), observed from outside '
        "(receipt = sent here, pick = the node's `inference started` log line, publish = "
        "received here): the image's way through DDS counts as waiting, so these are upper "
        "estimates of the node's own figures. A queued (stale) frame would exceed its bound "
        'by about one processing time.', '',
        '| results | age − bound p50 / p95 / max | late (outside) | late (node) | '
        'wait in slot p50 / max | age p50 / max | RSS first / max / last |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        f"| {r['results_judged']} | {ex['p50']:.0f} / {ex['p95']:.0f} / {ex['max']:.0f} ms | "
        f"{r['late_from_outside']} | {c['late']} of {c['published']} | "
        f"{wait['p50']:.0f} / {wait['max']:.0f} ms | "
        f"{age['p50']:.0f} / {age['max']:.0f} ms | {r['rss_mb']['first']:.0f} / "
        f"{r['rss_mb']['max']:.0f} / {r['rss_mb']['last']:.0f} MB |", '',
        f"In the measured time the camera sent {r['frames_sent']} frames; the node counted "
        f"{c['received']} received (the rest never reached its image callback: lost on the "
        'way, or replaced in the depth-1 best-effort queue before its executor took them), '
        f"{c['dropped']} dropped (replaced in the slot by a newer frame) and {c['published']} "
        "published (the node's counters, from its diagnostics at the first map and at the "
        'end, 1 s apart). SIGINT at the end: exit code '
        f"{r['exit']['code']}" + (', with a traceback' if r['exit']['traceback'] else
                                  ', no traceback') + '.', '',
        'Load average (1 min) on this shared machine during the run: '
        f'{min(loads):.1f}–{max(loads):.1f}.' if loads else '', '']
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main())
