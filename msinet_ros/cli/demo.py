"""
``msinet demo``: the whole pipeline on sample photographs, no camera and no ROS install needed.

Starts ``image_player`` (publishing a folder of photographs), ``saliency_node`` and
``saliency_recorder`` as separate processes over DDS on this machine only, waits until the
recorder has saved the requested number of overlays, then stops everything.
"""

import argparse
import os
from pathlib import Path
import random
import signal
import subprocess
import sys
import time

from .. import __version__
from ..errors import MsinetError
from ..model import onnx_export, weights
from ..model.source import ModelSource
from ..paths import cache_dir, fastdds_profile_env, share_dir


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


def run(args: argparse.Namespace) -> int:
    """Start the three processes, wait for the recorder, stop the others."""
    model, size = (args.model, args.size) if args.model else _default_model(args.size)
    images = args.images or share_dir() / 'demo' / 'images'
    env = dict(os.environ, ROS_AUTOMATIC_DISCOVERY_RANGE='LOCALHOST',
               **fastdds_profile_env(share_dir() / 'config' / 'fastdds_large_images.xml'))
    env.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 101)))
    commands = {
        'saliency_node': ['-p', f'model:={model}', '-p', f'size:={size}'],
        'saliency_recorder': ['-p', f'output:={args.output}', '-p', f'frames:={args.frames}'],
        'image_player': ['-p', f'folder:={images}', '-p', f'rate:={args.rate}'],
    }
    processes = {name: subprocess.Popen([_executable(name), '--ros-args', *ros_args], env=env)
                 for name, ros_args in commands.items()}
    deadline = time.monotonic() + args.timeout
    try:
        while processes['saliency_recorder'].poll() is None and time.monotonic() < deadline:
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
    if processes['saliency_recorder'].returncode != 0:
        raise MsinetError(f'no {args.frames} overlays within {args.timeout:.0f} s')
    print(f'saved {args.frames} overlays and fixations.jsonl to {args.output}'
          + (' — RANDOM weights: meaningless maps' if ModelSource.of(model).is_random else ''))
    return 0
