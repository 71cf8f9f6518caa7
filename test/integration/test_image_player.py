"""The installed image_player runs as its own process on real DDS (the ROS plumbing smoke test)."""

from pathlib import Path
import signal
import time

import cv2
import numpy as np
import pytest
from rclpy.qos import qos_profile_sensor_data
from sensor_msgs.msg import Image
from support.ros_helpers import wait_for_exit


@pytest.fixture
def image_folder(tmp_path):
    """Three distinct 1280x720 photographs-to-be (noise, so any corruption shows)."""
    folder = tmp_path / 'images'
    folder.mkdir()
    rng = np.random.default_rng(0)
    frames = []
    for i in range(3):
        rgb = rng.integers(0, 256, size=(720, 1280, 3), dtype=np.uint8)
        cv2.imwrite(str(folder / f'{i:02d}.png'), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        frames.append(rgb)
    return folder, frames


def test_shipped_files_are_installed_where_ros_finds_them():
    """The share folder ament_index resolves (not the source tree) holds the shipped files."""
    from ament_index_python.packages import get_package_share_directory
    share = Path(get_package_share_directory('msinet_ros'))
    source = Path(__file__).resolve().parents[2]
    assert share.resolve() != source  # installed, not the source checkout
    for path in ('config/fastdds_large_images.xml', 'config/saliency.yaml',
                 'config/saliency.rviz', 'launch/saliency.launch.py',
                 'launch/image_player.launch.py', 'demo/images/coffee.jpg', 'package.xml'):
        assert (share / path).is_file(), path


def test_player_joins_the_graph_and_large_frames_arrive_intact(
        start_node, probe, image_folder):
    folder, frames = image_folder
    player = start_node('image_player', '-p', f'folder:={folder}', '-p', 'rate:=10.0',
                        '-p', 'frame_id:=cam')
    received = []
    probe.node.create_subscription(Image, 'image', received.append, qos_profile_sensor_data)

    def on_graph():
        return ('image_player', '/') in probe.node.get_node_names_and_namespaces()

    assert probe.spin_until(on_graph), player.output()
    assert probe.spin_until(lambda: len(received) >= 6, timeout=15.0), player.output()
    expected = {frame.tobytes() for frame in frames}
    for msg in received:
        assert (msg.height, msg.width, msg.encoding, msg.step) == (720, 1280, 'rgb8', 3840)
        assert msg.header.frame_id == 'cam'
        assert bytes(msg.data) in expected
    assert player.stop(signal.SIGINT) == 0, player.output()
    assert 'Traceback' not in player.output()


@pytest.mark.parametrize('loop', ['true', 'false'])
def test_player_exits_on_sigterm_within_2_s(start_node, probe, image_folder, loop):
    """With loop false the player idles after its last image: no timer wakes it."""
    folder, _ = image_folder
    player = start_node('image_player', '-p', f'folder:={folder}', '-p', 'rate:=20.0',
                        '-p', f'loop:={loop}')
    assert probe.spin_until(
        lambda: ('image_player', '/') in probe.node.get_node_names_and_namespaces())
    if loop == 'false':
        deadline = time.monotonic() + 15
        while 'not looping' not in player.output() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert 'not looping' in player.output()
    started = time.monotonic()
    player.proc.send_signal(signal.SIGTERM)
    assert wait_for_exit(player.proc, 10) == 0, player.output()
    assert time.monotonic() - started < 2.0
    assert 'Traceback' not in player.output()


@pytest.mark.parametrize('args, message', [
    ((), "parameter 'folder' is empty"),
    (('-p', 'folder:=/nonexistent', ), 'does not exist'),
    (('-p', 'folder:=/tmp', '-p', 'rate:=500.0'), 'rate'),
])
def test_bad_parameters_stop_start_up_with_one_message(start_node, args, message):
    player = start_node('image_player', *args)
    assert player.proc.wait(timeout=20) == 1
    output = player.output()
    assert message in output, output
    assert 'Traceback' not in output
