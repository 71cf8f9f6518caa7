"""Options of the model-running tools: built and checked from the node's parameter specs."""

from msinet_ros.cli.main import main
import pytest


def test_options_come_from_the_node_parameters_and_are_checked(tmp_path, model, capsys):
    with pytest.raises(SystemExit):
        main(['predict', str(tmp_path), '-m', str(model), '--top-k', '99', '-o', str(tmp_path)])
    assert 'outside [0, 50]' in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(['predict', str(tmp_path), '-m', str(model), '--backend', 'nope', '-o', 'x'])
    assert "'nope' is not one of onnxruntime, tensorrt, torch" in capsys.readouterr().err
