"""The installed saliency_recorder: records what it is sent, ends by itself, stops on signals."""

import json
import signal
import time

from msinet_ros.attention.peaks import Fixation
from msinet_ros.nodes.messages import fixations_msg
from sensor_msgs.msg import Image, PointCloud2
from support.ros_helpers import image_msg, photo, wait_for_exit


def test_records_overlays_and_fixations_then_ends_by_itself(probe, start_node, tmp_path):
    out = tmp_path / 'recorded'
    node = start_node('saliency_recorder', '-p', f'output:={out}', '-p', 'frames:=2',
                      '-r', '__ns:=/rec')
    overlays = probe.node.create_publisher(Image, '/rec/saliency_overlay/image', 10)
    fixations = probe.node.create_publisher(PointCloud2, '/rec/fixations', 10)
    assert probe.spin_until(lambda: overlays.get_subscription_count() == 1 and
                            fixations.get_subscription_count() == 1, 15), node.output()
    for _ in range(2):
        msg = image_msg(probe, photo(48, 64))
        fixations.publish(fixations_msg([Fixation(3.0, 4.0, 0.5)], msg.header))
        probe.spin_until(lambda: False, timeout=0.2)
        overlays.publish(msg)
        probe.spin_until(lambda: False, timeout=0.2)
    assert wait_for_exit(node.proc, 10) == 0, node.output()
    assert sorted(p.name for p in out.glob('*.jpg')) == ['0000_overlay.jpg', '0001_overlay.jpg']
    rows = [json.loads(line) for line in (out / 'fixations.jsonl').read_text().splitlines()]
    assert len(rows) == 2 and rows[0]['fixations'] == [{'u': 3.0, 'v': 4.0, 'saliency': 0.5}]


def test_sigterm_ends_an_idle_recorder_within_2_s(probe, start_node, tmp_path):
    """Nothing arrives and no timer runs: rclpy's own SIGTERM handling must still wake it."""
    node = start_node('saliency_recorder', '-p', f'output:={tmp_path}', '-r', '__ns:=/idle')
    assert probe.spin_until(
        lambda: ('saliency_recorder', '/idle') in probe.node.get_node_names_and_namespaces(),
        15), node.output()
    started = time.monotonic()
    node.proc.send_signal(signal.SIGTERM)
    assert wait_for_exit(node.proc, 10) == 0, node.output()
    assert time.monotonic() - started < 2.0
