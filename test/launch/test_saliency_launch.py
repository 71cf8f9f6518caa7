"""
saliency.launch.py under launch_pytest: images in, saliency and fixations out.

Runs where launch, launch_ros and launch_pytest are installed (a ROS 2 install); they are not
on PyPI, so this skips elsewhere.
"""

from pathlib import Path
import tempfile
import time

import pytest

launch_pytest = pytest.importorskip('launch_pytest', reason='launch_pytest is not installed')
launch = pytest.importorskip('launch')
pytest.importorskip('launch_ros')

# These follow the skips above on purpose.
from ament_index_python.packages import get_package_share_directory  # noqa: E402, I100
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
from msinet_ros.model import onnx_export, weights  # noqa: E402
import numpy as np  # noqa: E402
import rclpy  # noqa: E402
from sensor_msgs.msg import Image, PointCloud2  # noqa: E402

FOLDER = Path(tempfile.mkdtemp())


@launch_pytest.fixture
def saliency_launch():
    """Include the package's launch file with a small random model and a test topic."""
    model, params = FOLDER / 'small.onnx', FOLDER / 'params.yaml'
    onnx_export.save(onnx_export.build(weights.random_weights(0), 64, 64,
                                       metadata=weights.random_metadata(0)), model)
    params.write_text(f'/**:\n  ros__parameters:\n    model: "{model}"\n    size: "64x64"\n')
    path = Path(get_package_share_directory('msinet_ros')) / 'launch' / 'saliency.launch.py'
    return launch.LaunchDescription([
        launch.actions.IncludeLaunchDescription(
            PythonLaunchDescriptionSource(str(path)),
            launch_arguments={'params_file': str(params), 'image': '/launch_test/image',
                              'namespace': 'launch_test'}.items()),
        launch_pytest.actions.ReadyToTest(),
    ])


@pytest.mark.launch(fixture=saliency_launch)
def test_images_in_saliency_and_fixations_out():
    context = rclpy.context.Context()
    rclpy.init(context=context)
    try:
        node = rclpy.create_node('launch_probe', context=context)
        received = {'saliency': [], 'fixations': []}
        node.create_subscription(Image, '/launch_test/saliency', received['saliency'].append,
                                 10)
        node.create_subscription(PointCloud2, '/launch_test/fixations',
                                 received['fixations'].append, 10)
        publisher = node.create_publisher(Image, '/launch_test/image', 10)
        executor = rclpy.executors.SingleThreadedExecutor(context=context)
        executor.add_node(node)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(received.values()):
            msg = Image(height=48, width=64, encoding='rgb8', step=64 * 3)
            pixels = np.random.default_rng(0).integers(0, 256, 48 * 64 * 3, dtype=np.uint8)
            msg.data = pixels.tobytes()
            msg.header.stamp = node.get_clock().now().to_msg()
            publisher.publish(msg)
            executor.spin_once(timeout_sec=0.5)
        assert received['saliency'] and received['fixations']
        assert (received['saliency'][0].height, received['saliency'][0].width) == (48, 64)
    finally:
        rclpy.try_shutdown(context=context)
