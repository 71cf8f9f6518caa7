"""``image_player``: publish the images of a folder as a camera would (``sensor_msgs/Image``)."""

from pathlib import Path

from rclpy.node import Node
from sensor_msgs.msg import Image
from std_msgs.msg import Header

from . import messages
from .ros_parameters import declare_all
from .runner import main_for
from ..errors import ParameterError
from ..imaging import list_images, read_rgb
from ..parameters import IMAGE_PLAYER


class ImagePlayer(Node):
    """Publish ``image`` (rgb8) from a folder at a fixed rate, optionally looping."""

    def __init__(self):
        super().__init__('image_player')
        params = declare_all(self, IMAGE_PLAYER)
        if not params['folder']:
            raise ParameterError(
                "parameter 'folder' is empty: pass --ros-args -p folder:=/path/to/images")
        self._files = list_images(Path(params['folder']).expanduser())
        self._max_width = params['max_width']
        self._loop = params['loop']
        self._frame_id = params['frame_id']
        self._index = 0
        self._pub = self.create_publisher(Image, 'image', 5)
        self._rate = params['rate']
        self._timer = self.create_timer(1.0 / self._rate, self._tick)
        self.get_logger().info(
            f'publishing {len(self._files)} images from {params["folder"]} at '
            f'{params["rate"]} Hz on {self._pub.topic_name}')

    def _tick(self) -> None:
        rate = self.get_parameter('rate').value  # may change at run time
        if rate != self._rate:
            self._rate = rate
            self._timer.timer_period_ns = int(1e9 / rate)
        if self._index >= len(self._files):
            if not self._loop:
                self._timer.cancel()
                self.get_logger().info('all images published; not looping')
                return
            self._index = 0
        path = self._files[self._index]
        self._index += 1
        header = Header(stamp=self.get_clock().now().to_msg(), frame_id=self._frame_id)
        self._pub.publish(messages.image_msg(read_rgb(path, self._max_width), 'rgb8', header))


main = main_for('image_player', ImagePlayer)
