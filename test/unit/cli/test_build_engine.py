"""``msinet build-engine``: what it says where TensorRT is missing."""

from msinet_ros.cli.main import main
import pytest


def test_build_engine_without_tensorrt_says_what_to_install(tmp_path, capsys):
    pytest.importorskip('onnx')
    try:
        import tensorrt  # noqa: F401
        pytest.skip('TensorRT is installed here')
    except ImportError:
        pass
    onnx_path = tmp_path / 'm.onnx'
    assert main(['export', '--random-seed', '1', '--size', '64x64', '-o', str(onnx_path)]) == 0
    assert main(['build-engine', str(onnx_path)]) == 1
    assert 'JetPack' in capsys.readouterr().err
