"""``msinet import``: weight files in, the canonical safetensors file out, and its errors."""

from msinet_ros.cli.main import main
from msinet_ros.model import weights
import numpy as np
import pytest


def test_import_of_safetensors_round_trips(tmp_path, weights_file):
    out = tmp_path / 'copy.safetensors'
    assert main(['import', str(weights_file), '-o', str(out)]) == 0
    a, _ = weights.load(weights_file)
    b, meta = weights.load(out)
    assert all(np.array_equal(a[k], b[k]) for k in a) and meta['dataset'] == 'salicon'


@pytest.mark.parametrize('source, message', [
    ('MISSING', 'does not exist'),
    ('GARBAGE', 'not a TensorFlow GraphDef'),
    ('FOLDER', 'without saved_model.pb'),
])
def test_bad_input_exits_1_with_a_message_and_writes_nothing(tmp_path, capsys, source, message):
    (tmp_path / 'GARBAGE').write_bytes(b'\x00\x01garbage' * 50)
    (tmp_path / 'FOLDER').mkdir()
    out = tmp_path / 'out.file'
    assert main(['import', str(tmp_path / source), '-o', str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count('\n') == 1 and 'Traceback' not in err
    assert not out.exists()
