"""``msinet behaviour``: CDP4's behavioural measures of a recorded closed-loop run."""

import argparse
import json
from pathlib import Path

from ..attention.behaviour import analyse, BehaviourSettings, plot, read_run, report

_DEFAULTS = BehaviourSettings()


def register(subparsers) -> None:
    """Add the ``behaviour`` subcommand."""
    parser = subparsers.add_parser(
        'behaviour', help='measure a run recorded by attention_recorder: time to first '
        'saccade, saccade rate, fixation durations, amplitudes, revisits, joint limits, '
        'latency (JSON and a plot)')
    parser.add_argument('run_file', metavar='RUN.jsonl', type=Path,
                        help='the JSON-lines file attention_recorder wrote')
    parser.add_argument('--output', '-o', type=Path, default=Path('.'),
                        help='folder for behaviour.json and behaviour.png (default: here)')
    parser.add_argument('--saccade-speed', type=float, default=_DEFAULTS.saccade_speed_deg_s,
                        help='gaze speed (deg/s) from which a movement is a saccade '
                        '(default: %(default)s)')
    parser.add_argument('--revisit-deg', type=float, default=_DEFAULTS.revisit_deg,
                        help='a fixation this close (deg) to an earlier one is a revisit '
                        '(default: %(default)s)')
    parser.add_argument('--no-plot', action='store_true', help='write the JSON only')
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Read the run, write the report (and plot) and print the headline numbers."""
    settings = BehaviourSettings(saccade_speed_deg_s=args.saccade_speed,
                                 revisit_deg=args.revisit_deg)
    recorded = read_run(args.run_file)
    measured = analyse(recorded, settings)
    data = report(recorded, measured)
    args.output.mkdir(parents=True, exist_ok=True)
    (args.output / 'behaviour.json').write_text(json.dumps(data, indent=2) + '\n')
    if not args.no_plot:
        plot(recorded, measured, args.output / 'behaviour.png')
    first = data['time_to_first_saccade_s']
    rate = data['saccades']['rate_per_s']
    human = data['human_comparison']
    if not isinstance(human, str):
        difference = human['difference_s']
        human = 'no saccade' if difference is None else f'{difference:+.3f} s'
    rate = '-' if rate is None else f'{rate:.2f}'
    first = '-' if first is None else f'{first:.3f}'
    print(f"{data['saccades']['count']} saccades in {data['observed_s']:.2f} s ({rate}/s), "
          f'first after {first} s, '
          f"{data['fixations']['complete']} complete fixations; human 0.317 s: "
          f'{human}')
    print(f"wrote {args.output / 'behaviour.json'}")
    return 0
