"""Publish a folder of images as a camera: ``ros2 launch … image_player.launch.py folder:=…``."""

from launch import LaunchDescription
from launch.actions import DeclareLaunchArgument
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node


def generate_launch_description():
    """Start image_player with its folder, rate and output topic taken from launch arguments."""
    return LaunchDescription([
        DeclareLaunchArgument('folder', description='folder of images to publish'),
        DeclareLaunchArgument('rate', default_value='2.0', description='frames per second'),
        DeclareLaunchArgument('image', default_value='image', description='output topic'),
        Node(package='msinet_ros', executable='image_player', name='image_player',
             parameters=[{'folder': LaunchConfiguration('folder'),
                          'rate': LaunchConfiguration('rate')}],
             remappings=[('image', LaunchConfiguration('image'))]),
    ])
