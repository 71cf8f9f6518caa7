"""
``msinet demo``: the whole pipeline on sample photographs, no camera and no ROS install needed.

Starts ``image_player`` (publishing a folder of photographs), ``saliency_node`` and
``saliency_recorder`` as separate processes over DDS on this machine only, waits until the
recorder has saved the requested number of overlays, then stops everything.

``msinet demo --robot``: the closed attention loop instead, on the simulated pan-tilt head
(``virtual_robot`` -> ``saliency_node`` -> ``attention_node`` -> ``gaze_controller``, on
simulated time) for ``--duration`` simulated seconds, with ``attention_recorder`` and
``saliency_recorder`` listening; then writes ``robot.gif`` (the camera view with the saliency
overlay and its fixations, as the head moves) and the behavioural report (``behaviour.json``,
``behaviour.png`` with the scanpath) into ``--output``. Needs requirements/sim.txt (pybullet,
matplotlib, imageio).
"""

import argparse
import json
import os
from pathlib import Path
import random
import signal
import subprocess
import sys
import time
from typing import Dict, List

from .. import __version__
from ..errors import MsinetError, require
from ..model import onnx_export, weights
from ..model.source import ModelSource, WEIGHTS
from ..paths import cache_dir, fastdds_profile_env, share_dir


ROBOT_FOV_DEG = 90.0


def _executable(name: str) -> str:
    for folder in (Path(sys.argv[0]).resolve().parent, Path(sys.executable).parent):
        if (folder / name).is_file():
            return str(folder / name)
    raise MsinetError(f'{name} is not installed next to msinet: build the package with colcon '
                      '(make demo does) and run the installed msinet')


def register(subparsers) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser('demo', help='run player → saliency_node → recorder on '
                                                'sample photographs and save the overlays')
    parser.add_argument('--images', type=Path,
                        help='folder of photographs (default: the sample photographs)')
    parser.add_argument('-m', '--model', type=Path,
                        help='weights, ONNX or engine (default: engines/salicon.safetensors '
                             'if imported, else seeded random weights)')
    parser.add_argument('--size', default='auto')
    parser.add_argument('--frames', type=int, default=8, help='overlays to save')
    parser.add_argument('--rate', type=float, default=1.0, help='images per second')
    parser.add_argument('-o', '--output', type=Path, default=Path('demo_out'))
    parser.add_argument('--timeout', type=float, default=180.0, help='give up after (s)')
    parser.add_argument('--robot', action='store_true',
                        help='run the closed attention loop on the simulated pan-tilt head and '
                             'write robot.gif and the behavioural report instead')
    parser.add_argument('--duration', type=float, default=60.0,
                        help='with --robot: simulated seconds to run (default: %(default)s)')
    parser.set_defaults(run=run)


def _default_model(size: str):
    imported = cache_dir() / 'salicon.safetensors'
    if imported.is_file():
        return imported, size
    print(f'\nWARNING: {weights.RANDOM_WARNING}\n', file=sys.stderr)
    path = cache_dir() / f'random-seed0-240x320-{__version__}.onnx'  # new code, new file
    if not path.is_file():
        onnx_export.save(onnx_export.build(weights.random_weights(0), 240, 320,
                                           metadata=weights.random_metadata(0)), path)
    return path, '240x320'


def _run_until(commands: Dict[str, List[str]], done: str, timeout: float) -> int:
    """
    Start the executables with their ROS arguments; stop all once ``done`` has exited.

    Return ``done``'s exit code (-1 when it did not end within ``timeout`` s). Raise
    MsinetError if saliency_node stops first.
    """
    env = dict(os.environ, ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST',
               **fastdds_profile_env(share_dir() / 'config' / 'fastdds_large_images.xml'))
    env.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 101)))
    processes = {name: subprocess.Popen([_executable(name), '--ros-args', *ros_args], env=env)
                 for name, ros_args in commands.items()}
    deadline = time.monotonic() + timeout
    try:
        while processes[done].poll() is None and time.monotonic() < deadline:
            if processes['saliency_node'].poll() is not None:
                raise MsinetError('saliency_node stopped (see its message above)')
            time.sleep(0.2)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
    code = processes[done].returncode
    return -1 if code is None else code


def run(args: argparse.Namespace) -> int:
    """Start the processes, wait for the recorder, stop the others."""
    model, size = (args.model, args.size) if args.model else _default_model(args.size)
    if args.robot:
        return _run_robot(args, model, size)
    images = args.images or share_dir() / 'demo' / 'images'
    commands = {
        'saliency_node': ['-p', f'model:={model}', '-p', f'size:={size}'],
        'saliency_recorder': ['-p', f'output:={args.output}', '-p', f'frames:={args.frames}'],
        'image_player': ['-p', f'folder:={images}', '-p', f'rate:={args.rate}'],
    }
    if _run_until(commands, 'saliency_recorder', args.timeout) != 0:
        raise MsinetError(f'no {args.frames} overlays within {args.timeout:.0f} s')
    print(f'saved {args.frames} overlays and fixations.jsonl to {args.output}'
          + (' — RANDOM weights: meaningless maps' if ModelSource.of(model).is_random else ''))
    return 0


def _run_robot(args: argparse.Namespace, model: Path, size: str) -> int:
    """Run the closed loop on the simulated head; write robot.gif and the report."""
    imageio = require('imageio.v2', 'msinet demo --robot writes a GIF with imageio: pip '
                      'install -r requirements/sim.txt')
    from ..attention.behaviour import analyse, plot, read_run, report

    out = args.output.expanduser()
    frames = out / 'frames'
    frames.mkdir(parents=True, exist_ok=True)
    run_file = out / 'run.jsonl'
    sim = ['-p', 'use_sim_time:=true']
    # the behavioural report compares with humans only for the official weights (a weights
    # file is either imported from them by `msinet import` or marked random)
    source = ModelSource.of(model)
    weights_name = ('random' if source.is_random else
                    'official' if source.kind == WEIGHTS else Path(model).name)
    commands = {
        # a wide view: from each object another is in sight, so the head explores the room
        'virtual_robot': ['-p', f'horizontal_fov_deg:={ROBOT_FOV_DEG}'],
        'saliency_node': [*sim, '-p', f'model:={model}', '-p', f'size:={size}',
                          '-r', 'image:=camera/image_raw',
                          '-r', 'camera_info:=camera/camera_info'],
        'attention_node': sim,
        'gaze_controller': sim,
        'saliency_recorder': [*sim, '-p', f'output:={frames}'],
        'attention_recorder': [*sim, '-p', f'output:={run_file}',
                               '-p', f'duration:={args.duration}',
                               '-p', f"metadata:='{json.dumps({'weights': weights_name})}'"],
    }
    if _run_until(commands, 'attention_recorder', args.timeout) != 0:
        raise MsinetError(f'the loop did not run {args.duration:.0f} simulated seconds within '
                          f'{args.timeout:.0f} s (--timeout)')
    overlays = sorted(frames.glob('*_overlay.jpg'))
    if not overlays:
        raise MsinetError('saliency_node published no overlay (see its messages above)')
    images = [imageio.imread(path) for path in overlays]
    imageio.mimsave(out / 'robot.gif', images, duration=1000 * args.duration / len(images),
                    loop=0)
    recorded = read_run(run_file)
    measured = analyse(recorded)
    (out / 'behaviour.json').write_text(json.dumps(report(recorded, measured), indent=2) + '\n')
    plot(recorded, measured, out / 'behaviour.png')
    print(f'wrote {out / "robot.gif"} ({len(images)} frames), {run_file}, '
          f'{out / "behaviour.json"} and behaviour.png ({len(measured.saccades)} saccades)'
          + (' — RANDOM weights: meaningless maps' if ModelSource.of(model).is_random else ''))
    return 0
