"""``msinet doctor``: report what this machine can run (backends, ROS 2, cache directory)."""

import argparse
from importlib import metadata, util
import platform
import sys

from ..inference.tensorrt.bindings import TRT_HOW
from ..inference.tensorrt.cuda_memory import PYCUDA_HOW
from ..paths import cache_dir

# (module, distribution, what it enables, how to get it); probed without importing them,
# so that the report is quick and heavy frameworks stay unloaded.
COMPONENTS = (
    ('numpy', 'numpy', 'core', 'pip install -r requirements/runtime.txt'),
    ('cv2', 'opencv-python-headless', 'image conversion, pre/post-processing',
     'pip install opencv-python-headless'),
    ('onnx', 'onnx', 'ONNX export', 'pip install onnx'),
    ('onnxruntime', 'onnxruntime', 'onnxruntime backend (default)', 'pip install onnxruntime'),
    ('safetensors', 'safetensors', 'weights files', 'pip install safetensors'),
    ('google.protobuf', 'protobuf', 'import of official TF1 .pb graphs', 'pip install protobuf'),
    ('rclpy', 'ros-rclpy', 'ROS 2 nodes',
     'a ROS 2 install, or pip install -r requirements/ros.txt'),
    ('tensorrt', 'tensorrt', 'tensorrt backend', TRT_HOW),
    ('pycuda', 'pycuda', 'tensorrt backend buffers', PYCUDA_HOW),
    ('torch', 'torch', 'optional torch backend', 'pip install torch'),
    ('tensorflow', 'tensorflow-cpu', 'import of SavedModel / checkpoints',
     'pip install tensorflow-cpu'),
)


def register(subparsers) -> None:
    """Add the ``doctor`` subcommand."""
    parser = subparsers.add_parser('doctor', help='report which components are available')
    parser.add_argument('--require', nargs='*', default=[], metavar='MODULE',
                        help='exit 1 unless these modules import (e.g. rclpy onnxruntime)')
    parser.set_defaults(run=run)


def _probe(module: str, distribution: str = '') -> str:
    try:
        found = util.find_spec(module) is not None
    except ImportError:  # a missing parent package
        found = False
    if not found:
        return 'missing'
    try:
        return f'ok {metadata.version(distribution)}'
    except (metadata.PackageNotFoundError, ValueError):
        return 'ok'  # e.g. installed by the system or a ROS distribution, not by pip


def run(args: argparse.Namespace) -> int:
    """Print one line per component; fail if a required one is missing."""
    print(f'python {sys.version.split()[0]} on {platform.machine()} ({platform.system()})')
    print(f'cache directory: {cache_dir()}')
    missing = []
    for module, distribution, purpose, how in COMPONENTS:
        state = _probe(module, distribution)
        hint = '' if state.startswith('ok') else f'  -> {how}'
        print(f'{module:16} {state:24} {purpose}{hint}')
        if module in args.require and not state.startswith('ok'):
            missing.append(module)
    unknown = set(args.require) - {component[0] for component in COMPONENTS}
    for module in sorted(unknown):
        state = _probe(module)
        print(f'{module:16} {state}')
        if not state.startswith('ok'):
            missing.append(module)
    if missing:
        print(f'required but missing: {", ".join(missing)}', file=sys.stderr)
        return 1
    return 0
