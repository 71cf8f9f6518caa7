"""``msinet export``: ONNX files out, their metadata, exit codes and messages."""

import subprocess
import sys

from msinet_ros.cli.main import main
from msinet_ros.model import onnx_export
import onnx
import pytest


def test_export_writes_onnx_with_metadata(tmp_path, weights_file, capsys):
    out = tmp_path / 'm.onnx'
    assert main(['export', str(weights_file), '--size', '64x96', '--batch', 'dynamic',
                 '-o', str(out)]) == 0
    assert 'exported 64x96 fp32 batch dynamic' in capsys.readouterr().out
    meta = onnx_export.read_metadata(out)
    assert meta['dataset'] == 'salicon' and meta['export_input_size'] == '64x96'
    assert meta['random'] == 'false'


def test_random_export_warns_loudly_and_is_marked(tmp_path, capsys):
    out = tmp_path / 'r.onnx'
    assert main(['export', '--random-seed', '1', '--size', '64x64', '--fp16', '-o',
                 str(out)]) == 0
    assert 'RANDOM weights' in capsys.readouterr().err
    assert onnx_export.read_metadata(out)['random'] == 'true'
    assert onnx.load(str(out)).graph.initializer[1].data_type == onnx.TensorProto.FLOAT16


def test_bad_size_exits_1_with_a_message_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / 'out.file'
    assert main(['export', '--random-seed', '1', '--size', '100x100', '-o', str(out)]) == 1
    err = capsys.readouterr().err
    assert 'multiples of 8' in err and err.count('\n') == 1 and 'Traceback' not in err
    assert not out.exists()


def test_bad_batch_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(['export', '--random-seed', '1', '--size', '64x64', '--batch', '0', '-o', 'x'])
    assert info.value.code == 2


def test_export_and_frozen_graph_import_need_neither_torch_nor_tensorflow(tmp_path):
    script = (
        'import sys\n'
        'sys.modules["torch"] = sys.modules["tensorflow"] = None  # importing them now fails\n'
        'from msinet_ros.cli.main import main\n'
        'from msinet_ros.model.tf_graphdef import parse_graphdef\n'
        f'assert main(["export", "--random-seed", "2", "--size", "64x64", "-o", '
        f'"{tmp_path}/m.onnx"]) == 0\n'
        'assert parse_graphdef(b"\\x0a\\x08\\x0a\\x01a\\x12\\x03Opx").node[0].op == "Opx"\n'
    )
    result = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
