"""
Start saliency_node (and optionally rviz): ``ros2 launch msinet_ros saliency.launch.py``.

Every argument a user changes per robot is a launch argument (docs/launch.md has the table and
worked examples for common cameras). The node's own parameters (``model``, ``backend``,
``size``, ``transport``, ``autostart``, ``rectified``) override the parameters file only when
given; left empty, the file's value (or the node's default) holds.

Flags take ``true``/``false``, ``True``/``False`` or ``1``/``0``. They are converted here rather
than by ``ParameterValue(..., value_type=bool)``: Humble's launch YAML-parses ``1`` into an int
and rejects it for a bool (Jazzy accepts it), so the same call would fail on one distribution.

With ``rviz:=true``, rviz2 starts in the same namespace with the same ``use_sim_time`` and a
config written from ``config/saliency.rviz`` whose displays show the fully resolved topics that
these arguments chose (rviz's Fixed Frame is ``fixed_frame``). The config goes to
``$ROS_HOME/msinet_ros/rviz/`` (``ROS_HOME`` defaults to ``~/.ros``), named by its content.
"""

import hashlib
import os
from pathlib import Path

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from msinet_ros.launch_support import declare, flag, FLAGS
import yaml

LOG_LEVELS = ('debug', 'info', 'warn', 'error', 'fatal')
FROM_FILE = ' (empty: the parameters file decides)'
# (name, default, description, choices or None): the one list docs/launch.md is checked against.
ARGUMENTS = (
    ('image', '/camera/image_raw', 'Camera image topic (relative names resolve in `namespace`).',
     None),
    ('camera_info', '', 'Camera info topic; empty: the `camera_info` beside `image` '
     '(`/camera/image_raw` pairs with `/camera/camera_info`).', None),
    ('params_file', '', "saliency_node's parameters file; empty: the shipped "
     '`config/saliency.yaml`.', None),
    ('model', '', 'Weights (.safetensors), ONNX file or TensorRT engine' + FROM_FILE + '.',
     None),
    ('backend', '', 'Inference backend' + FROM_FILE + '.',
     ('', 'onnxruntime', 'tensorrt', 'torch')),
    ('size', '', 'Model input `HxW` or `auto`' + FROM_FILE + '.', None),
    ('transport', '', 'Subscribe to `image` (raw) or `<image>/compressed`' + FROM_FILE + '.',
     ('', 'raw', 'compressed')),
    ('autostart', '', 'Configure and activate at start; false: wait unconfigured for lifecycle '
     'transitions' + FROM_FILE + '.', ('',) + FLAGS),
    ('rectified', '', 'The image is rectified (camera_info P is used) rather than raw (K, D)'
     + FROM_FILE + '.', ('',) + FLAGS),
    ('namespace', '', 'Namespace of the node, its topics and rviz.', None),
    ('log_level', 'info', "saliency_node's logging level.", LOG_LEVELS),
    ('use_sim_time', 'false', 'Use /clock (e.g. with `ros2 bag play --clock`), for the node and '
     'rviz.', FLAGS),
    ('rviz', 'false', 'Start rviz2 showing the camera, the overlay and the fixation rays.',
     FLAGS),
    ('fixed_frame', 'camera_optical_frame', "rviz's Fixed Frame: the camera's optical frame "
     '(image_player stamps `camera_optical_frame`).', None),
)
# config/saliency.rviz display name -> the node-relative topic it shows ('' = the camera image)
RVIZ_DISPLAYS = {'Camera': '', 'Saliency overlay': 'saliency_overlay/image',
                 'Fixation rays': 'fixations/markers'}


def resolve(name: str, namespace: str) -> str:
    """Return ``name`` fully resolved in ``namespace``, as the node resolves a remap target."""
    if not name or name.startswith('~'):
        raise ValueError(f'topic {name!r}: give an absolute or relative topic name')
    if name.startswith('/'):
        return name
    namespace = namespace.strip('/')
    return f'/{namespace}/{name}' if namespace else f'/{name}'


def camera_info_beside(image: str) -> str:
    """Return the ``camera_info`` topic that pairs with ``image`` (image_transport's rule)."""
    parent, _, _ = image.rstrip('/').rpartition('/')
    return f'{parent}/camera_info' if parent or image.startswith('/') else 'camera_info'


def rviz_config(template: Path, topics: dict, fixed_frame: str, folder: Path) -> Path:
    """Write ``template`` with the displays' topics and the fixed frame set; return its path."""
    config = yaml.safe_load(template.read_text())
    manager = config['Visualization Manager']
    displays = {display.get('Name'): display for display in manager['Displays']}
    missing = sorted(set(topics) - set(displays))
    if missing:
        raise ValueError(f'{template} has no display named {", ".join(missing)}')
    for name, topic in topics.items():
        displays[name]['Topic']['Value'] = topic
    manager['Global Options']['Fixed Frame'] = fixed_frame
    manager['Views']['Current']['Target Frame'] = fixed_frame
    text = yaml.safe_dump(config, sort_keys=False)
    path = folder / f'saliency-{hashlib.sha256(text.encode()).hexdigest()[:16]}.rviz'
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f'.{path.name}.{os.getpid()}')
        partial.write_text(text)
        os.replace(partial, path)
    return path


def _launch_setup(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    share = Path(get_package_share_directory('msinet_ros'))
    namespace, image = arg('namespace'), arg('image')
    camera_info = arg('camera_info') or camera_info_beside(image)
    use_sim_time = flag(arg('use_sim_time'))
    overrides = {name: ParameterValue(arg(name), value_type=str)
                 for name in ('model', 'backend', 'size', 'transport') if arg(name)}
    overrides.update({name: flag(arg(name)) for name in ('autostart', 'rectified') if arg(name)})
    parameters = [arg('params_file') or str(share / 'config' / 'saliency.yaml'),
                  {'use_sim_time': use_sim_time}]
    actions = [Node(package='msinet_ros', executable='saliency_node', name='saliency_node',
                    namespace=namespace, output='screen',
                    parameters=parameters + ([overrides] if overrides else []),
                    remappings=[('image', image), ('image/compressed', f'{image}/compressed'),
                                ('camera_info', camera_info)],
                    ros_arguments=['--log-level', arg('log_level')])]
    if flag(arg('rviz')):
        # where the node ends up: inside a namespace pushed by an including launch file too
        pushed = context.launch_configurations.get('ros_namespace', '')
        node_namespace = namespace if namespace.startswith('/') else \
            f'{pushed.rstrip("/")}/{namespace}'
        topics = {display: resolve(topic or image, node_namespace)
                  for display, topic in RVIZ_DISPLAYS.items()}
        home = Path(os.environ.get('ROS_HOME') or Path.home() / '.ros')
        config = rviz_config(share / 'config' / 'saliency.rviz', topics, arg('fixed_frame'),
                             home / 'msinet_ros' / 'rviz')
        actions.append(Node(package='rviz2', executable='rviz2', name='rviz2',
                            namespace=namespace, arguments=['-d', str(config)],
                            parameters=[{'use_sim_time': use_sim_time}]))
    return actions


def generate_launch_description():
    """Declare the arguments; start the node and, with ``rviz:=true``, rviz."""
    return LaunchDescription(
        declare(ARGUMENTS) + [OpaqueFunction(function=_launch_setup)])
