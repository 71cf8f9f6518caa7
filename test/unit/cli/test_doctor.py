"""``msinet doctor``: the components it reports and its exit code."""

from msinet_ros.cli.main import main


def test_doctor_reports_components_and_fails_on_a_missing_requirement(capsys):
    assert main(['doctor', '--require', 'numpy']) == 0
    assert 'onnxruntime' in capsys.readouterr().out
    assert main(['doctor', '--require', 'no_such_module_xyz']) == 1
    assert 'required but missing: no_such_module_xyz' in capsys.readouterr().err
