"""``msinet`` itself: subcommand dispatch and usage errors."""

from msinet_ros.cli.main import main
import pytest


def test_unknown_subcommand_exits_non_zero():
    with pytest.raises(SystemExit) as info:
        main(['no-such-command'])
    assert info.value.code == 2
