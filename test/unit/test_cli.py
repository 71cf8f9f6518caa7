"""The msinet tool's plumbing: subcommands, exit codes, messages."""

from msinet_ros.cli.main import main
import pytest


def test_doctor_reports_components_and_fails_on_a_missing_requirement(capsys):
    assert main(['doctor', '--require', 'numpy']) == 0
    assert 'onnxruntime' in capsys.readouterr().out
    assert main(['doctor', '--require', 'no_such_module_xyz']) == 1
    assert 'required but missing: no_such_module_xyz' in capsys.readouterr().err


def test_params_prints_markdown_tables(capsys):
    assert main(['params', 'image_player']) == 0
    assert '| `rate` | double |' in capsys.readouterr().out


def test_unknown_subcommand_exits_non_zero():
    with pytest.raises(SystemExit) as info:
        main(['no-such-command'])
    assert info.value.code == 2
