"""
The transport floor under saliency_node: a process that answers each image with a map, at once.

It subscribes ``image`` as the node does (best effort, depth 1), spins on the node's own executor
(``NodeExecutor``, 4 threads) and answers every frame, in the callback, with a 32FC1 map of the
frame's size built as the node builds its map (:func:`msinet_ros.nodes.messages.image_msg`),
published on ``saliency/image`` with the node's output QoS. The round trip camera → this →
camera is what the node's end-to-end time would be with inference and processing taking no
time: the two DDS trips (image in, map out, with their serialisation) and both executors'
wake-ups. benchmarks/node_latency.py starts it beside the node and measures it in the same
rounds. Run by hand::

    .venv/bin/python benchmarks/dds_echo.py --ros-args -r __ns:=/echo
"""

from pathlib import Path
import sys
from typing import List, Optional

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the checkout


def main(argv: Optional[List[str]] = None) -> int:
    """Answer frames until SIGINT/SIGTERM (the nodes' own runner: start, spin, clean stop)."""
    from msinet_ros.nodes.executors import NodeExecutor
    from msinet_ros.nodes.runner import run
    return run('dds_echo', make_echo, args=argv, make_executor=lambda: NodeExecutor(num_threads=4))


def make_echo():
    """Return the node that answers each ``image`` with a map on ``saliency/image``."""
    from rclpy.node import Node
    from sensor_msgs.msg import Image

    from msinet_ros.nodes import messages
    from msinet_ros.nodes.saliency_node import output_qos, sensor_qos

    node = Node('dds_echo')
    publisher = node.create_publisher(Image, 'saliency/image', output_qos())
    maps = {}

    def answer(msg: Image) -> None:
        shape = (msg.height, msg.width)
        if shape not in maps:
            maps[shape] = np.zeros(shape, np.float32)
        publisher.publish(messages.image_msg(maps[shape], '32FC1', msg.header))

    node.create_subscription(Image, 'image', answer, sensor_qos())
    return node


if __name__ == '__main__':
    sys.exit(main())
