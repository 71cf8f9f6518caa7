"""
One saliency_node per camera: ``ros2 launch msinet_ros cameras.launch.py cameras:=[front,left]``.

Each camera gets its own process, ``saliency.launch.py`` included once in the camera's
namespace: ``/front/saliency_node`` reads ``/front/<image>`` (and the ``camera_info`` beside
it) and publishes ``/front/saliency/image``, ``/front/fixations``, ... — the node's topic
scheme under each namespace. Model, backend, size, parameters file and the other node
parameters are the same for every camera and reach the nodes exactly as saliency.launch.py
passes them (typed, overriding the parameters file only when given).

One node per camera rather than one node batching all cameras: on the CPU a batch of N frames
through ONNX Runtime is no faster than N single frames (docs/launch.md, "Several cameras", and
``benchmarks/cameras.py`` hold the measurement).
"""

import importlib.util
from pathlib import Path
import re
from typing import List

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import GroupAction, IncludeLaunchDescription, OpaqueFunction
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration
from msinet_ros.launch_support import declare

HERE = Path(__file__).resolve().parent
SALIENCY_LAUNCH = HERE / 'saliency.launch.py'


def _saliency_arguments() -> dict:
    """Return saliency.launch.py's ARGUMENTS rows by name (the one list this file forwards)."""
    spec = importlib.util.spec_from_file_location('msinet_saliency_launch', SALIENCY_LAUNCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {row[0]: row for row in module.ARGUMENTS}


_SALIENCY = _saliency_arguments()
# saliency.launch.py's arguments passed to every camera's node unchanged
FORWARDED = ('params_file', 'model', 'backend', 'size', 'transport', 'autostart', 'rectified',
             'log_level', 'use_sim_time')
# (name, default, description, choices or None): the one list docs/launch.md is checked against.
ARGUMENTS = (
    ('cameras', None, "The cameras' namespaces, one saliency_node each: `[front, left]`, "
     '`front,left` or `front left`.', None),
    ('image', 'image_raw', "Camera image topic, relative: it resolves in each camera's "
     'namespace (`image_raw`: `/front/image_raw`, ...).', None),
    ('camera_info', '', 'Camera info topic, relative; empty: the `camera_info` beside `image`.',
     None),
) + tuple(_SALIENCY[name] if name != 'use_sim_time' else _SALIENCY[name][:2] + (
    'Use /clock (e.g. with `ros2 bag play --clock`) in every node.',) + _SALIENCY[name][3:]
    for name in FORWARDED)

_SEGMENT = re.compile(r'[A-Za-z_][A-Za-z0-9_]*')


def camera_namespaces(text: str) -> List[str]:
    """
    Return the namespaces a ``cameras`` argument lists, in order.

    Accepts a YAML-style list (``[front, left]``, quoted or not) or names separated by commas or
    spaces. Each is a ROS namespace (``front``, ``robot/front``, ``/front``); none may repeat.
    """
    body = text.strip()
    if body.startswith('[') and body.endswith(']'):
        body = body[1:-1]
    names = [name.strip().strip('\'"') for name in re.split(r'[,\s]+', body) if name.strip()]
    if not names:
        raise ValueError('cameras: give at least one camera namespace, e.g. cameras:=[front]')
    for name in names:
        if not all(_SEGMENT.fullmatch(part) for part in name.lstrip('/').split('/')):
            raise ValueError(f'cameras: {name!r} is not a namespace (letters, digits and '
                             "underscores, segments separated by '/', not starting with a digit)")
    normalised = [name.lstrip('/') for name in names]
    repeated = sorted({name for name in normalised if normalised.count(name) > 1})
    if repeated:
        raise ValueError(f'cameras: {", ".join(repeated)} listed more than once')
    return names


def _relative(name: str, argument: str) -> str:
    """Return ``name``, refusing one that would not resolve in each camera's namespace."""
    if name.startswith(('/', '~')):
        raise ValueError(f'{argument}: {name!r} would be the same topic for every camera; give '
                         "a relative name, which resolves in each camera's namespace")
    return name


def _launch_setup(context) -> list:
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    image = _relative(arg('image'), 'image')
    camera_info = _relative(arg('camera_info'), 'camera_info') if arg('camera_info') else ''
    params_file = arg('params_file') or str(
        Path(get_package_share_directory('msinet_ros')) / 'config' / 'saliency.yaml')
    shared = {name: arg(name) for name in FORWARDED}
    shared.update(params_file=params_file, image=image, camera_info=camera_info, rviz='false')
    return [GroupAction([IncludeLaunchDescription(
        PythonLaunchDescriptionSource(str(SALIENCY_LAUNCH)),
        launch_arguments={**shared, 'namespace': namespace}.items())])
        for namespace in camera_namespaces(arg('cameras'))]


def generate_launch_description():
    """Declare the arguments; include saliency.launch.py once per camera namespace."""
    return LaunchDescription(declare(ARGUMENTS) + [OpaqueFunction(function=_launch_setup)])
