"""The launch files' shared helpers: flags as launch passes them."""

from msinet_ros.launch_support import flag, FLAGS
import pytest


def test_flags_read_as_launch_writes_them_and_anything_else_is_refused():
    assert [flag(value) for value in FLAGS] == [True, False, True, False, True, False]
    with pytest.raises(ValueError, match='expected one of'):
        flag('yes')
