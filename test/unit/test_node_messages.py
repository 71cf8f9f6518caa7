"""Message plumbing of the saliency node (needs the ROS message packages, not a running graph)."""

import pytest

pytest.importorskip('sensor_msgs.msg', reason='ROS 2 message packages are not installed')

from msinet_ros.inference.fixations import Fixation  # noqa: E402, I100
from msinet_ros.nodes.messages import (camera_info_for, fixations_msg, image_msg,  # noqa: E402
                                       read_fixations)
import numpy as np  # noqa: E402
from sensor_msgs.msg import CameraInfo  # noqa: E402
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


def test_camera_info_for_a_resampled_map():
    source = CameraInfo(distortion_model='plumb_bob', d=[0.1, 0, 0, 0, 0])
    source.k = [500.0, 0, 320, 0, 500.0, 240, 0, 0, 1]
    source.p = [500.0, 0, 320, 0, 0, 500.0, 240, 0, 0, 0, 1, 0]
    same = camera_info_for(source, Header(), 480, 640)
    assert list(same.k) == list(source.k) and (same.height, same.width) == (480, 640)
    half = camera_info_for(source, Header(), 240, 320, (2.0, 0.5), (2.0, 0.5))
    assert np.isclose(half.k[0], 250.0) and np.isclose(half.k[2], (320 - 0.5) / 2)
    assert list(half.d) == list(source.d)
    bare = camera_info_for(None, Header(), 10, 20)
    assert (bare.height, bare.width) == (10, 20) and not any(bare.k)
