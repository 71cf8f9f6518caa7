"""
What the launch files share: flag values, argument declarations, the attention chain's nodes.

Imported by ``launch/*.launch.py`` (the installed package is on their path). The launch
packages are imported inside the functions that need them, so this module imports anywhere.
"""

from pathlib import Path
from typing import Dict, List, Mapping, Sequence, Tuple

FLAGS = ('true', 'false', 'True', 'False', '1', '0')
# saliency_node's inputs on a camera that publishes camera/image_raw and camera/camera_info
CAMERA_REMAPPINGS = (('image', 'camera/image_raw'), ('camera_info', 'camera/camera_info'))
Remappings = Sequence[Tuple[str, str]]


def flag(value: str) -> bool:
    """Return the bool a launch flag stands for: ``true``, ``False``, ``1`` ..."""
    if value not in FLAGS:
        raise ValueError(f'expected one of {", ".join(FLAGS)}, got {value!r}')
    return value in ('true', 'True', '1')


def declare(arguments: Sequence[tuple]) -> List:
    """Return a ``DeclareLaunchArgument`` per (name, default, description, choices) row."""
    from launch.actions import DeclareLaunchArgument

    return [DeclareLaunchArgument(name, description=description,
                                  **({} if default is None else {'default_value': default}),
                                  **({'choices': list(choices)} if choices else {}))
            for name, default, description, choices in arguments]


def node(package: str, executable: str, name: str, **more) -> dict:
    """Return keyword arguments of a launch_ros ``Node``."""
    return {'package': package, 'executable': executable, 'name': name, **more}


def attention_chain(args: Mapping[str, str], share: Path,
                    command_remappings: Remappings = ()) -> Dict[str, dict]:
    """
    Return saliency_node -> attention_node -> gaze_controller (+ attention_recorder) on sim time.

    ``args`` holds the launch arguments ``model``, ``backend`` (empty: config/saliency.yaml
    decides), ``command_type`` and ``record`` (empty: no recorder); ``command_remappings``
    redirect gaze_controller's command topic (and so what the recorder records).
    """
    from launch_ros.parameter_descriptions import ParameterValue

    sim_time = {'use_sim_time': True}
    saliency = {name: ParameterValue(args[name], value_type=str)
                for name in ('model', 'backend') if args[name]}
    chain = {
        'saliency_node': node(
            package='msinet_ros', executable='saliency_node', name='saliency_node',
            parameters=[str(share / 'config' / 'saliency.yaml'), sim_time]
            + ([saliency] if saliency else []),
            remappings=list(CAMERA_REMAPPINGS)),
        'attention_node': node(package='msinet_ros', executable='attention_node',
                               name='attention_node', parameters=[sim_time]),
        'gaze_controller': node(
            package='msinet_ros', executable='gaze_controller', name='gaze_controller',
            parameters=[{'command_type': args['command_type'], **sim_time}],
            remappings=list(command_remappings)),
    }
    if args['record']:
        chain['attention_recorder'] = node(
            package='msinet_ros', executable='attention_recorder', name='attention_recorder',
            parameters=[{'output': ParameterValue(args['record'], value_type=str),
                         **sim_time}], remappings=list(command_remappings))
    return chain
