#!/usr/bin/env python3
"""
Clean shutdown under load: SIGINT and SIGTERM sent to a busy saliency_node, many times.

The node issue's contract (docs/node.md, "Signals and exit"): exit code 0 within 2 s in every
state, no traceback. Each run starts the installed ``saliency_node`` (the seeded random
240x320 network on ONNX Runtime, CPU) under a 30 Hz 640x480 camera, waits for its first map,
waits a random 0..``--max-delay`` s more (so the signal lands anywhere in an inference) and
sends the signal; SIGINT and SIGTERM alternate. Counted per signal: exit codes, time from the
signal to the process's end, tracebacks, ERROR/FATAL lines, runs whose signal came during an
inference (between an ``inference started`` debug line and its ``inference done``), runs that
left through the worker-stuck path (``exiting without waiting``), hangs (not ended after
``--timeout`` s: killed), orphans (processes left in the node's session) and how long the
node's publisher stayed in the ROS graph after the process ended. Logs of runs
are kept in /tmp/msinet_load/shutdown_logs. Writes docs/records/shutdown.json::

    source /tmp/ws/install/setup.bash
    .venv/bin/python benchmarks/shutdown.py --runs 50
"""

import argparse
import os
from pathlib import Path
import random
import signal
import sys
import time
from typing import Any, Dict, List

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from load_stats import log_times, summary  # noqa: E402

NAME = 'shutdown'
TOPIC = 'saliency/image'
SCRATCH = Path('/tmp/msinet_load')  # logs, and the record with --no-record
CONTRACT_S = 2.0  # docs/node.md: exit 0 within 2 s
COLUMNS = ['signal', 'exit code', 'exit (s)', 'start-up (s)', 'during inference',
           'worker left running', 'traceback', 'error lines', 'rosout failures', 'orphans',
           'load (1 min)', 'left graph (s)']
ROSOUT_FAILURE = 'Failed to publish log message to rosout'
SIGNALS = (signal.SIGINT, signal.SIGTERM)


def parse_args(argv=None) -> argparse.Namespace:
    """Return the command line's options."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[1])
    parser.add_argument('--runs', type=int, default=50, help='runs per signal (default 50)')
    parser.add_argument('--rate', type=float, default=30.0, help='camera rate (Hz)')
    parser.add_argument('--max-delay', type=float, default=1.0,
                        help='largest random wait after the first map (s)')
    parser.add_argument('--timeout', type=float, default=10.0,
                        help='seconds after the signal before a run counts as hung')
    parser.add_argument('--threads', type=int, default=0,
                        help="the node's inference threads (0: all cores, its default)")
    parser.add_argument('--seed', type=int, default=0, help='seed of the random delays')
    parser.add_argument('--model', type=Path, default=None,
                        help='ONNX model (default: the seeded random 240x320 export)')
    parser.add_argument('--no-record', action='store_true',
                        help=f'write the record to {SCRATCH} instead of docs/records')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    """Run the signals, print the section and write the record; 1 if any run failed."""
    args = parse_args(argv)
    import node_process as rig_module  # rclpy: imported only to run, not to render
    import records
    environment = rig_module.set_up_environment()
    model = args.model or rig_module.ensure_model(rig_module.DEFAULT_MODEL)
    logs = SCRATCH / 'shutdown_logs'
    logs.mkdir(parents=True, exist_ok=True)
    rig = rig_module.Rig(NAME, (TOPIC,), args.rate)
    rig.start_camera()
    delays = random.Random(args.seed)
    rows: List[list] = []
    try:
        for i in range(2 * args.runs):
            sig = SIGNALS[i % 2]
            rows.append(one_run(rig, rig_module, model, logs / f'run_{i:03d}.log', sig,
                                delays.uniform(0.0, args.max_delay), args))
            print(f'{i + 1}/{2 * args.runs}: {dict(zip(COLUMNS, rows[-1]))}', flush=True)
    finally:
        rig.close()
    results = {
        'settings': {'runs_per_signal': args.runs, 'max_delay_s': args.max_delay,
                     'timeout_s': args.timeout, 'threads': args.threads, 'seed': args.seed,
                     'camera': f'640x480 rgb8 at {args.rate} Hz, best effort, camera_info of '
                     'the same stamp', 'outputs': [TOPIC], 'model': str(model),
                     'environment': environment},
        'by_signal': {signal.Signals(sig).name: tally([r for r in rows if r[0] ==
                                                       signal.Signals(sig).name])
                      for sig in SIGNALS},
        'columns': COLUMNS, 'runs': rows}
    folder = SCRATCH if args.no_record else records.RECORDS
    path = records.write(NAME, results, folder=folder)
    print(render(records.read(NAME, folder=folder)))
    print(f'wrote {path}')
    return 0 if all(t['clean'] == t['runs'] for t in results['by_signal'].values()) else 1


def one_run(rig, rig_module, model: Path, log: Path, sig: int, delay: float, args) -> list:
    """Start a node, wait for its first map and ``delay`` s, signal it; return the run's row."""
    began = time.time()
    node = rig_module.NodeProcess(model, NAME, log, {'threads': str(args.threads)},
                                  debug=True)
    first = rig.wait_for(TOPIC, began, 300.0, alive=node.proc)
    startup = None if first is None else round(first - began, 2)
    seconds = None
    signalled = None
    if first is not None:
        time.sleep(delay)
        signalled = time.time()
        seconds = node.signal_and_wait(sig, args.timeout)
    orphans = [pid for pid in rig_module.session_members(node.pid) if pid != node.pid]
    if seconds is None:
        node.kill()  # hung (or never started): the process and its session go
    node.stop()
    output = log.read_text(errors='replace')
    row = [signal.Signals(sig).name, node.proc.returncode,
           None if seconds is None else round(seconds, 3), startup,
           signalled is not None and during_inference(output, signalled),
           'exiting without waiting' in output, 'Traceback' in output,
           sum(1 for line in output.splitlines() if line.startswith(('[ERROR]', '[FATAL]'))),
           output.count(ROSOUT_FAILURE), len(orphans), round(os.getloadavg()[0], 1),
           round(rig.wait_until_unpublished(TOPIC), 2)]  # and the next run starts clean
    return row


def during_inference(output: str, at: float) -> bool:
    """
    Return whether an inference was running at time ``at`` (system clock), from the debug log.

    A frame started at or before ``at`` whose ``inference done`` line is missing or later.
    """
    started = log_times(output, 'inference started')
    done = log_times(output, 'inference done')
    return any(t <= at and done.get(stamp, float('inf')) > at for stamp, t in started.items())


def is_clean(row: list) -> bool:
    """Return whether a run met the contract: exit 0 within 2 s, nothing left, nothing said."""
    values = dict(zip(COLUMNS, row))
    return (values['exit code'] == 0 and values['exit (s)'] is not None and
            values['exit (s)'] < CONTRACT_S and not values['traceback'] and
            values['error lines'] == 0 and values['orphans'] == 0)


def tally(rows: List[list]) -> Dict[str, Any]:
    """Count one signal's runs."""
    values = [dict(zip(COLUMNS, row)) for row in rows]
    exits = [v['exit (s)'] for v in values if v['exit (s)'] is not None]
    codes: Dict[str, int] = {}
    for v in values:
        codes[str(v['exit code'])] = codes.get(str(v['exit code']), 0) + 1
    return {'runs': len(rows), 'clean': sum(1 for row in rows if is_clean(row)),
            'exit_codes': codes, 'exit_s': summary(exits, 3),
            'over_contract': sum(1 for e in exits if e >= CONTRACT_S),
            'hung_or_no_start': sum(1 for v in values if v['exit (s)'] is None),
            'during_inference': sum(1 for v in values if v['during inference']),
            'worker_left_running': sum(1 for v in values if v['worker left running']),
            'tracebacks': sum(1 for v in values if v['traceback']),
            'error_lines': sum(v['error lines'] for v in values),
            'rosout_failures': sum(v['rosout failures'] for v in values),
            'runs_with_rosout_failures': sum(1 for v in values if v['rosout failures']),
            'orphans': sum(v['orphans'] for v in values),
            'startup_s': summary([v['start-up (s)'] for v in values
                                  if v['start-up (s)'] is not None]),
            'left_graph_s': summary([v['left graph (s)'] for v in values], 2),
            'left_graph_after_worker_left_s': summary(
                [v['left graph (s)'] for v in values if v['worker left running']], 2)}


def render(record: Dict[str, Any]) -> str:
    """Return the Markdown section of docs/performance.md for a shutdown record."""
    r = record['results']
    s = r['settings']
    column = r['columns'].index('load (1 min)') if 'load (1 min)' in r['columns'] else None
    loads = [row[column] for row in r['runs']] if column is not None else []
    lines = [
        f"`saliency_node` started {s['runs_per_signal']} times per signal under a "
        f"{s['camera']}, signalled 0–{s['max_delay_s']:g} s (random) after its first map, "
        'SIGINT and SIGTERM alternating. Contract (docs/node.md): exit code 0 within '
        f'{CONTRACT_S:g} s, no traceback.', '',
        '| signal | runs | clean | exit codes | exit time p50 / p95 / max | ≥ 2 s | '
        'during inference | worker left running | tracebacks | ERROR lines | '
        'runs with rosout failures | orphans | hung |',
        '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |']
    for name, t in r['by_signal'].items():
        e = t['exit_s']
        codes = ', '.join(f'{code}: {n}' for code, n in sorted(t['exit_codes'].items()))
        lines.append(
            f"| {name} | {t['runs']} | {t['clean']} | {codes} | {e['p50']:.2f} / "
            f"{e['p95']:.2f} / {e['max']:.2f} s | {t['over_contract']} | "
            f"{t['during_inference']} | {t['worker_left_running']} | {t['tracebacks']} | "
            f"{t['error_lines']} | {t['runs_with_rosout_failures']} | {t['orphans']} | "
            f"{t['hung_or_no_start']} |")
    startup = [t['startup_s']['p50'] for t in r['by_signal'].values()]
    graph = ' '.join(
        f"{name}: {t['left_graph_s']['p50']:.2f} s p50, {t['left_graph_s']['max']:.2f} s max "
        + (f"({t['left_graph_after_worker_left_s']['max']:.2f} s max after the runs whose "
           'worker was left running);' if t['left_graph_after_worker_left_s']['n'] else
           '(no run left its worker running);') for name, t in r['by_signal'].items())
    lines += [
        '', '"During inference": the signal came between an `inference started` and its '
        "`inference done` line (the node's debug log, system clock). \"Worker left running\": "
        'the node left through the documented path for a worker still inside a native call '
        '1.5 s after the signal. "Rosout '
        f'failures": `{ROSOUT_FAILURE}` on stderr (a log call after the signal shut the '
        'context down; not part of the contract, counted as seen). Start-up to '
        f'first map p50 {max(startup):.1f} s.', '',
        "How long the node's `saliency/image` publisher stayed in the ROS graph after the "
        f"process ended (seen from the camera's process): {graph} a process that leaves "
        'through `os._exit` does not destroy its DDS participant, which then stays until its '
        'lease expires.', '',
        'Load average (1 min) on this shared machine at the signals: '
        f'{min(loads):.1f}–{max(loads):.1f}.' if loads else '', '']
    return '\n'.join(lines)


if __name__ == '__main__':
    sys.exit(main())
