"""
Start saliency_node (and optionally rviz): ``ros2 launch msinet_ros saliency.launch.py``.

Every argument a user changes per robot is a launch argument; ``model`` and ``backend``
override the parameters file only when given.
"""

import os

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument, OpaqueFunction
from launch.conditions import IfCondition
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node

SHARE = get_package_share_directory('msinet_ros')
ARGUMENTS = [
    ('image', '/camera/image_raw', 'camera image topic'),
    ('camera_info', '/camera/camera_info', 'camera info topic'),
    ('params_file', os.path.join(SHARE, 'config', 'saliency.yaml'), 'parameters file'),
    ('model', '', 'weights, ONNX or engine (overrides the parameters file when set)'),
    ('backend', '', 'onnxruntime, tensorrt or torch (overrides the parameters file when set)'),
    ('namespace', '', 'namespace of the node and its topics'),
    ('log_level', 'info', 'logging level'),
    ('use_sim_time', 'false', 'use /clock'),
    ('rviz', 'false', 'start rviz with config/saliency.rviz'),
]


def _saliency_node(context):
    overrides = {name: LaunchConfiguration(name).perform(context)
                 for name in ('model', 'backend')}
    parameters = [LaunchConfiguration('params_file'),
                  {'use_sim_time': LaunchConfiguration('use_sim_time').perform(context) ==
                   'true'},
                  {name: value for name, value in overrides.items() if value}]
    return [Node(package='msinet_ros', executable='saliency_node', name='saliency_node',
                 namespace=LaunchConfiguration('namespace'), output='screen',
                 parameters=parameters,
                 remappings=[('image', LaunchConfiguration('image')),
                             ('image/compressed',
                              [LaunchConfiguration('image'), '/compressed']),
                             ('camera_info', LaunchConfiguration('camera_info'))],
                 arguments=['--ros-args', '--log-level', LaunchConfiguration('log_level')])]


def generate_launch_description():
    """Declare the arguments, the node and the optional rviz."""
    return LaunchDescription(
        [DeclareLaunchArgument(name, default_value=default, description=description)
         for name, default, description in ARGUMENTS] +
        [OpaqueFunction(function=_saliency_node),
         Node(package='rviz2', executable='rviz2', name='rviz2',
              arguments=['-d', os.path.join(SHARE, 'config', 'saliency.rviz')],
              condition=IfCondition(LaunchConfiguration('rviz')))])
