"""The installed image_player runs as its own process on real DDS (the ROS plumbing smoke test)."""

import signal

import cv2
import numpy as np
import pytest
from rclpy.qos import qos_profile_sensor_data
from ros_helpers import share_dir
from sensor_msgs.msg import Image


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


def test_shipped_config_is_installed():
    assert (share_dir() / 'config' / 'fastdds_large_images.xml').is_file()
    assert (share_dir() / 'package.xml').is_file()


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


def test_player_exits_cleanly_on_sigterm(start_node, probe, image_folder):
    folder, _ = image_folder
    player = start_node('image_player', '-p', f'folder:={folder}')
    assert probe.spin_until(
        lambda: ('image_player', '/') in probe.node.get_node_names_and_namespaces())
    assert player.stop(signal.SIGTERM) == 0, player.output()
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
