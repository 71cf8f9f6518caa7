"""Message plumbing for the nodes: arrays, camera geometry and fixations to ROS messages."""

from typing import Dict, Optional, Sequence

from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
from geometry_msgs.msg import Point, PointStamped, Vector3Stamped
import numpy as np
from sensor_msgs.msg import CameraInfo, Image, PointCloud2, PointField
from visualization_msgs.msg import Marker, MarkerArray

from ..attention.camera import CameraGeometry
from ..attention.peaks import Fixation
from ..imaging import array_fields, byte_array, ImageFields

FIXATION_FIELDS = [PointField(name=name, offset=4 * i, datatype=PointField.FLOAT32, count=1)
                   for i, name in enumerate(('u', 'v', 'saliency'))]


def image_msg(array: np.ndarray, encoding: str, header) -> Image:
    """Build an Image (data as ``array.array('B')``: no per-element checks, see byte_array)."""
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
    msg.data = byte_array(points)
    return msg


def read_fixations(msg: PointCloud2) -> np.ndarray:
    """Return the (N, 3) array of (u, v, saliency) of a fixations message."""
    return np.frombuffer(bytes(msg.data), np.float32).reshape(-1, 3)


def stamp_ns(stamp) -> int:
    """Return a ``builtin_interfaces/Time`` as integer nanoseconds."""
    return stamp.sec * 1_000_000_000 + stamp.nanosec


def camera_info_msg(geometry: Optional[CameraGeometry], header, height: int,
                    width: int) -> CameraInfo:
    """
    Describe an output image of ``height`` x ``width``: its geometry, or only its size.

    Without a (matching, calibrated) camera_info nothing but the size is known, and K stays
    zero, which consumers read as "uncalibrated".
    """
    info = CameraInfo(header=header, height=height, width=width)
    if geometry is None:
        return info
    info.distortion_model = geometry.distortion_model
    info.d = [float(v) for v in geometry.d]
    info.k = [float(v) for v in geometry.k]
    info.r = [float(v) for v in geometry.r]
    info.p = [float(v) for v in geometry.p]
    info.binning_x, info.binning_y = geometry.binning_x, geometry.binning_y
    info.roi.x_offset, info.roi.y_offset = geometry.roi_x_offset, geometry.roi_y_offset
    info.roi.height, info.roi.width = geometry.roi_height, geometry.roi_width
    return info


def ray_msg(ray: Sequence[float], header) -> Vector3Stamped:
    """Return a unit viewing ray in the image's optical frame."""
    msg = Vector3Stamped(header=header)
    msg.vector.x, msg.vector.y, msg.vector.z = (float(v) for v in ray)
    return msg


def fixation_markers(fixations: Sequence[Fixation], rays: Optional[np.ndarray], header,
                     length: float) -> MarkerArray:
    """
    Return rviz arrows along the fixations' viewing rays (``length`` metres).

    The first marker deletes the previous arrows; without rays (no calibrated camera_info)
    it is the only one.
    """
    markers = MarkerArray(markers=[Marker(header=header, ns='fixations',
                                          action=Marker.DELETEALL)])
    if rays is None:
        return markers
    for rank, (fix, ray) in enumerate(zip(fixations, rays)):
        marker = Marker(header=header, ns='fixations', id=rank, type=Marker.ARROW,
                        action=Marker.ADD)
        marker.points = [_point(0.0, 0.0, 0.0), _point(*(np.asarray(ray) * length))]
        marker.scale.x, marker.scale.y, marker.scale.z = 0.01, 0.03, 0.05
        marker.color.r, marker.color.g, marker.color.a = 1.0, float(fix.saliency), 1.0
        markers.markers.append(marker)
    return markers


def point_stamped(point: Sequence[float], header) -> PointStamped:
    """Return a point (metres) in ``header.frame_id``."""
    msg = PointStamped(header=header)
    msg.point = _point(*point)
    return msg


def diagnostics_msg(name: str, level: bytes, message: str, values: Dict[str, object],
                    stamp, hardware_id: str = '') -> DiagnosticArray:
    """Return one status as diagnostic_updater publishes it (``name``: ``/full/node: task``)."""
    status = DiagnosticStatus(name=name, level=level, message=message,
                              hardware_id=hardware_id)
    status.values = [KeyValue(key=key, value=str(value)) for key, value in values.items()]
    array = DiagnosticArray(status=[status])
    array.header.stamp = stamp
    return array


def sphere(header, ns: str, index: int, position: Sequence[float], diameter: float,
           rgba: Sequence[float]) -> Marker:
    """Return a sphere marker."""
    marker = Marker(header=header, ns=ns, id=index, type=Marker.SPHERE, action=Marker.ADD)
    marker.pose.position = _point(*position)
    marker.pose.orientation.w = 1.0
    marker.scale.x = marker.scale.y = marker.scale.z = float(diameter)
    marker.color.r, marker.color.g, marker.color.b, marker.color.a = (float(c) for c in rgba)
    return marker


def line_strip(header, ns: str, index: int, points: Sequence[Sequence[float]], width: float,
               rgba: Sequence[float]) -> Marker:
    """Return a line through ``points``."""
    marker = Marker(header=header, ns=ns, id=index, type=Marker.LINE_STRIP, action=Marker.ADD)
    marker.points = [_point(*p) for p in points]
    marker.pose.orientation.w = 1.0
    marker.scale.x = float(width)
    marker.color.r, marker.color.g, marker.color.b, marker.color.a = (float(c) for c in rgba)
    return marker


def _point(x: float, y: float, z: float) -> Point:
    return Point(x=float(x), y=float(y), z=float(z))
