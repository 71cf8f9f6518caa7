"""Message plumbing for the saliency node: arrays and fixations to ROS messages and back."""

from typing import Sequence

import numpy as np
from sensor_msgs.msg import CameraInfo, Image, PointCloud2, PointField

from ..camera import resampled_projection
from ..imaging import array_fields, ImageFields
from ..inference.fixations import Fixation

FIXATION_FIELDS = [PointField(name=name, offset=4 * i, datatype=PointField.FLOAT32, count=1)
                   for i, name in enumerate(('u', 'v', 'saliency'))]


def image_msg(array: np.ndarray, encoding: str, header) -> Image:
    """Build an Image (data assigned as bytes: rclpy's fast path, no per-element checks)."""
    fields: ImageFields = array_fields(array, encoding)
    msg = Image(header=header, height=fields.height, width=fields.width,
                encoding=fields.encoding, is_bigendian=fields.is_bigendian, step=fields.step)
    msg.data = fields.data
    return msg


def fixations_msg(fixations: Sequence[Fixation], header) -> PointCloud2:
    """
    Pack fixations as an ordered cloud of (u, v, saliency) in input-image pixels.

    The fields are deliberately not x/y/z: no tool (rviz, tf2) can mistake a pixel position
    for metres in the camera frame, while the header still names the image they belong to.
    """
    points = np.array([(f.x, f.y, f.saliency) for f in fixations], np.float32).reshape(-1, 3)
    msg = PointCloud2(header=header, height=1, width=len(points), fields=FIXATION_FIELDS,
                      is_bigendian=False, point_step=12, row_step=12 * len(points),
                      is_dense=True)
    msg.data = points.tobytes()
    return msg


def read_fixations(msg: PointCloud2) -> np.ndarray:
    """Return the (N, 3) array of (u, v, saliency) of a fixations message."""
    return np.frombuffer(bytes(msg.data), np.float32).reshape(-1, 3)


def camera_info_for(source, header, height: int, width: int, axis_y=None,
                    axis_x=None) -> CameraInfo:
    """
    Describe the published saliency map: the camera's info resampled to its geometry.

    Without a calibrated source only the size is known. ``axis_y``/``axis_x`` give the
    resampling (see :func:`msinet_ros.camera.resampled_projection`); None means none.
    """
    info = CameraInfo(header=header, height=height, width=width)
    if source is None:
        return info
    info.distortion_model = source.distortion_model
    info.d = list(source.d)
    info.r = list(source.r)
    if axis_y is None:
        info.k, info.p = list(source.k), list(source.p)
    else:
        info.k = list(resampled_projection(source.k, 3, axis_y, axis_x))
        info.p = list(resampled_projection(source.p, 4, axis_y, axis_x))
    return info
