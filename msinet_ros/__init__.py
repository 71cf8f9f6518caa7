"""
msinet_ros: MSI-Net visual saliency for ROS 2.

The package root holds the ROS-free core; ``msinet_ros.nodes`` holds the rclpy adapters and
``msinet_ros.cli`` the ``msinet`` command-line tool.
"""

__version__ = '0.1.0'
