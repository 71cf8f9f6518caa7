"""``msinet import`` and ``msinet export``: files in and out, exit codes, messages."""

from msinet_ros.cli.main import main
from msinet_ros.model import onnx_export, weights
import numpy as np
import onnx
import pytest


@pytest.fixture(scope='module')
def weights_file(tmp_path_factory):
    path = tmp_path_factory.mktemp('w') / 'w.safetensors'
    weights.save(path, weights.random_weights(4), {'source': 'unit test', 'dataset': 'salicon',
                                                   'input_size': '240x320'})
    return path


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


def test_import_of_safetensors_round_trips(tmp_path, weights_file):
    out = tmp_path / 'copy.safetensors'
    assert main(['import', str(weights_file), '-o', str(out)]) == 0
    a, _ = weights.load(weights_file)
    b, meta = weights.load(out)
    assert all(np.array_equal(a[k], b[k]) for k in a) and meta['dataset'] == 'salicon'


@pytest.mark.parametrize('args, message', [
    (['export', '--random-seed', '1', '--size', '100x100'], 'multiples of 8'),
    (['import', 'MISSING'], 'does not exist'),
    (['import', 'GARBAGE'], 'not a TensorFlow GraphDef'),
    (['import', 'FOLDER'], 'without saved_model.pb'),
])
def test_bad_input_exits_1_with_a_message_and_writes_nothing(tmp_path, capsys, args, message):
    (tmp_path / 'GARBAGE').write_bytes(b'\x00\x01garbage' * 50)
    (tmp_path / 'FOLDER').mkdir()
    out = tmp_path / 'out.file'
    args = [str(tmp_path / a) if a in ('MISSING', 'GARBAGE', 'FOLDER') else a for a in args]
    assert main([*args, '-o', str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count('\n') == 1 and 'Traceback' not in err
    assert not out.exists()


def test_bad_batch_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        main(['export', '--random-seed', '1', '--size', '64x64', '--batch', '0', '-o', 'x'])
    assert info.value.code == 2


def test_export_and_frozen_graph_import_need_neither_torch_nor_tensorflow(tmp_path):
    import subprocess
    import sys
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
