"""Message plumbing of the nodes (needs the ROS message packages, not a running graph)."""

import pytest

pytest.importorskip('sensor_msgs.msg', reason='ROS 2 message packages are not installed')

from msinet_ros.attention.camera import CameraGeometry  # noqa: E402, I100
from msinet_ros.attention.peaks import Fixation  # noqa: E402
from msinet_ros.imaging import array_fields, byte_array  # noqa: E402
from msinet_ros.nodes.messages import (camera_info_msg, fixation_markers,  # noqa: E402
                                       fixations_msg, image_msg, ray_msg, read_fixations,
                                       stamp_ns)
import numpy as np  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, PointCloud2  # noqa: E402
from std_msgs.msg import Header  # noqa: E402


def test_fixations_round_trip_in_order_without_xyz_fields():
    fixations = [Fixation(10.5, 20.25, 0.9), Fixation(3.0, 4.0, 0.5)]
    msg = fixations_msg(fixations, Header(frame_id='cam'))
    assert [f.name for f in msg.fields] == ['u', 'v', 'saliency']
    assert msg.width == 2 and msg.header.frame_id == 'cam'
    assert np.allclose(read_fixations(msg), [[10.5, 20.25, 0.9], [3.0, 4.0, 0.5]])
    assert read_fixations(fixations_msg([], Header())).shape == (0, 3)


def test_image_msg_fills_fields_for_float_maps():
    saliency = np.linspace(0, 1, 12, dtype=np.float32).reshape(3, 4)
    msg = image_msg(saliency, '32FC1', Header(frame_id='cam'))
    assert (msg.height, msg.width, msg.step, msg.encoding) == (3, 4, 16, '32FC1')
    assert np.array_equal(np.frombuffer(bytes(msg.data), np.float32).reshape(3, 4), saliency)


def _info():
    info = CameraInfo(height=960, width=1280, distortion_model='plumb_bob',
                      d=[0.1, 0.0, 0.0, 0.0, 0.0], binning_x=2, binning_y=2)
    info.k = [500.0, 0, 640, 0, 500.0, 480, 0, 0, 1]
    info.r = [1.0, 0, 0, 0, 1.0, 0, 0, 0, 1.0]
    info.p = [500.0, 0, 640, 0, 0, 500.0, 480, 0, 0, 0, 1, 0]
    info.roi.x_offset, info.roi.y_offset, info.roi.width, info.roi.height = 40, 20, 800, 600
    return info


@pytest.mark.parametrize('kind, data', [
    (Image, lambda: array_fields(np.zeros((4, 6), np.float32), '32FC1').data),
    (Image, lambda: array_fields(np.zeros((4, 6, 3), np.uint8), 'rgb8').data),
    (PointCloud2, lambda: byte_array(np.zeros((2, 3), np.float32))),  # as fixations_msg does
], ids=['map', 'rgb8', 'fixations'])
def test_pixel_data_is_stored_as_it_is_even_where_setters_check_every_element(kind, data):
    """
    The data the messages are filled with takes the setter's early return, not its checks.

    Humble checks every element of any other value, ``bytes`` too (``if __debug__``); Iron
    and later do so with ``check_fields``, which this turns on where the messages have it.
    The checked path stores a new ``array.array``, the early return the object itself.
    """
    value = data()
    checked = kind(check_fields=True) if '_check_fields' in kind.__slots__ else kind()
    checked.data = value
    assert checked.data is value


def test_camera_info_round_trips_every_field_image_geometry_reads():
    info = _info()
    geometry = CameraGeometry.from_camera_info(info)
    assert geometry.expected_size == (300, 400)  # ROI 600x800, binned by 2
    back = camera_info_msg(geometry, Header(frame_id='cam'), 300, 400)
    assert (back.height, back.width) == (300, 400)  # the published image's size
    for field in ('k', 'd', 'r', 'p'):
        assert list(getattr(back, field)) == list(getattr(info, field))
    assert (back.binning_x, back.binning_y, back.distortion_model) == (2, 2, 'plumb_bob')
    assert (back.roi.x_offset, back.roi.y_offset, back.roi.width, back.roi.height) == \
        (40, 20, 800, 600)


def test_camera_info_of_a_resampled_map_and_without_calibration():
    geometry = CameraGeometry.from_camera_info(_info()).effective().resampled(
        (2.0, 0.5), (2.0, 0.5), 150, 200)
    half = camera_info_msg(geometry, Header(), 150, 200)
    assert np.isclose(half.k[0], 125.0)  # 500 / binning 2 / resampling 2
    assert (half.binning_x, half.roi.width) == (0, 0)
    bare = camera_info_msg(None, Header(), 10, 20)
    assert (bare.height, bare.width) == (10, 20) and not any(bare.k)


def test_rays_markers_and_stamps():
    header = Header(frame_id='cam_optical_frame')
    header.stamp.sec, header.stamp.nanosec = 3, 250
    assert stamp_ns(header.stamp) == 3_000_000_250
    ray = ray_msg([0.0, 0.6, 0.8], header)
    assert (ray.vector.x, ray.vector.y, ray.vector.z) == (0.0, 0.6, 0.8)
    fixations = [Fixation(1, 2, 0.9), Fixation(3, 4, 0.4)]
    arrows = fixation_markers(fixations, np.array([[0, 0, 1.0], [0, 0.6, 0.8]]), header, 2.0)
    assert arrows.markers[0].action == arrows.markers[0].DELETEALL
    assert [m.points[1].z for m in arrows.markers[1:]] == [2.0, 1.6]
    assert len(fixation_markers(fixations, None, header, 2.0).markers) == 1
    assert isinstance(CameraGeometry.from_camera_info(CameraInfo()), CameraGeometry)
