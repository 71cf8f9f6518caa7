"""
Publish a folder of images as a camera: ``ros2 launch msinet_ros image_player.launch.py``.

Values are typed here, not YAML-guessed by launch: ``rate:=10`` is a double (launch would make
it an int, which the node rejects), ``folder:=2024`` a path, and flags take ``true``/``false``,
``True``/``False`` or ``1``/``0`` on every distribution (Humble's launch rejects ``1`` for a
bool ``ParameterValue``).
"""

from launch import LaunchDescription
from launch.actions import OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from msinet_ros.launch_support import declare, flag, FLAGS

# (name, default or None when required, description, choices or None): docs/launch.md's table.
ARGUMENTS = (
    ('folder', None, 'Folder of images (png, jpg, bmp, tif) published in name order.', None),
    ('rate', '2.0', 'Frames per second (0.1 to 120).', None),
    ('loop', 'true', 'Start again after the last image; false: stop publishing.', FLAGS),
    ('frame_id', 'camera_optical_frame', '`frame_id` of the published images.', None),
    ('image', 'image', 'Output topic (sensor_msgs/Image, rgb8).', None),
    ('namespace', '', 'Namespace of the node and its topic.', None),
    ('use_sim_time', 'false', 'Stamp the images with /clock time.', FLAGS),
)


def _launch_setup(context):
    def arg(name):
        return LaunchConfiguration(name).perform(context)

    try:
        rate = float(arg('rate'))
    except ValueError:
        raise ValueError(f"launch argument 'rate' must be a number, got {arg('rate')!r}")
    return [Node(package='msinet_ros', executable='image_player', name='image_player',
                 namespace=arg('namespace'), output='screen',
                 parameters=[{'folder': ParameterValue(arg('folder'), value_type=str),
                              'rate': rate, 'loop': flag(arg('loop')),
                              'frame_id': ParameterValue(arg('frame_id'), value_type=str),
                              'use_sim_time': flag(arg('use_sim_time'))}],
                 remappings=[('image', arg('image'))])]


def generate_launch_description():
    """Declare the arguments; start image_player with typed parameters."""
    return LaunchDescription(
        declare(ARGUMENTS) + [OpaqueFunction(function=_launch_setup)])
