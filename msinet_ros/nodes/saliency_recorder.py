"""``saliency_recorder``: write the overlays and fixations a saliency node publishes to files."""

import json
from pathlib import Path

import cv2
from rclpy.node import Node
from rclpy.qos import QoSProfile
from sensor_msgs.msg import Image, PointCloud2

from .messages import read_fixations
from .ros_parameters import declare_all
from .runner import main_for
from ..errors import ImageError
from ..imaging import image_to_rgb
from ..parameters import SALIENCY_RECORDER


class SaliencyRecorder(Node):
    """Save ``saliency_overlay/image`` images and ``fixations`` (JSON lines) until enough came."""

    def __init__(self):
        super().__init__('saliency_recorder')
        params = declare_all(self, SALIENCY_RECORDER)
        self._out = Path(params['output']).expanduser()
        self._out.mkdir(parents=True, exist_ok=True)
        self._frames = params['frames']
        self._count = 0
        self.exit_code = None  # set when enough frames are recorded (read by the runner)
        self._fixations = open(self._out / 'fixations.jsonl', 'w')
        qos = QoSProfile(depth=5)
        self.create_subscription(Image, 'saliency_overlay/image', self._on_overlay, qos)
        self.create_subscription(PointCloud2, 'fixations', self._on_fixations, qos)

    def _on_overlay(self, msg: Image) -> None:
        if self.exit_code is not None:
            return
        try:
            rgb = image_to_rgb(msg.height, msg.width, msg.encoding, msg.step,
                               msg.is_bigendian, msg.data)
        except ImageError as exc:
            self.get_logger().warning(f'skipped an overlay: {exc}', throttle_duration_sec=5.0)
            return
        name = f'{self._count:04d}_overlay.jpg'
        cv2.imwrite(str(self._out / name), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
        self._count += 1
        self.get_logger().info(f'saved {self._out / name}')
        if self._frames and self._count >= self._frames:
            self._fixations.close()
            self.exit_code = 0

    def _on_fixations(self, msg: PointCloud2) -> None:
        if self._fixations.closed:
            return
        stamp = msg.header.stamp.sec + msg.header.stamp.nanosec * 1e-9
        points = [{'u': round(float(u), 2), 'v': round(float(v), 2),
                   'saliency': round(float(s), 3)} for u, v, s in read_fixations(msg)]
        self._fixations.write(json.dumps({'stamp': stamp, 'fixations': points}) + '\n')
        self._fixations.flush()

    def destroy_node(self) -> None:
        """Close the fixations file (what was written is flushed line by line)."""
        self._fixations.close()
        super().destroy_node()


main = main_for('saliency_recorder', SaliencyRecorder)
