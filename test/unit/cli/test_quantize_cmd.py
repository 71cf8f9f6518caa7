"""``msinet quantize``: an INT8 ONNX that ``msinet predict`` and ``evaluate --compare`` run."""

from contextlib import redirect_stderr, redirect_stdout
import io
import json

import cv2
from msinet_ros.cli.main import main
from msinet_ros.model import onnx_export
import numpy as np
import pytest

SIZE = '48x64'  # calibration keeps every intermediate tensor of an image: keep it small


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('images')
    rng = np.random.default_rng(1)
    for name, shape in (('wide', (60, 100)), ('tall', (90, 60))):
        noise = cv2.GaussianBlur(rng.uniform(0, 255, (*shape, 3)), (0, 0), 4)
        cv2.imwrite(str(folder / f'{name}.png'), np.clip(noise, 0, 255).astype(np.uint8))
    return folder


@pytest.fixture(scope='module')
def quantized(tmp_path_factory, model, images):
    """Quantize the random weights file at SIZE for TensorRT; return paths and the output."""
    folder = tmp_path_factory.mktemp('q')
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(['quantize', str(model), '--size', SIZE, '--calibration', str(images),
                     '--target', 'tensorrt', '-o', str(folder / 'int8.onnx')])
    return {'code': code, 'out': out.getvalue(), 'err': err.getvalue(), 'model': model,
            'int8': folder / 'int8.onnx'}


def test_quantize_writes_the_int8_onnx_and_says_what_stayed_float_and_why(quantized):
    assert quantized['code'] == 0
    out = quantized['out']
    assert f'quantized random.safetensors ({SIZE}) for tensorrt on 2 calibration images' in out
    assert 'zero points 0' in out and 'kept in float:' in out
    assert 'decoder/conv4: the last convolution' in out
    assert 'output/min, output/shifted, output/max, output/denominator, saliency: the ' \
           'min-max normalisation' in out
    # a weights file is run at the quantized size when compared
    assert f'msinet evaluate IMAGES --compare {quantized["model"]} {quantized["int8"]} ' \
           f'--size {SIZE}' in out
    assert f'trtexec --onnx={quantized["int8"]} --int8' in out
    assert 'RANDOM weights' in quantized['err'] and 'calibrated on 2/2 images' in \
        quantized['err']
    metadata = onnx_export.read_metadata(quantized['int8'])
    assert metadata['quantization_target'] == 'tensorrt'
    assert metadata['export_input_size'] == SIZE and metadata['export_batch'] == 'dynamic'
    assert metadata['weights_file_sha256'] and metadata['random'] == 'true'


def test_predict_runs_the_int8_model_like_any_onnx(tmp_path, quantized, images):
    assert main(['predict', str(images / 'wide.png'), '-m', str(quantized['int8']),
                 '-o', str(tmp_path)]) == 0
    saliency = cv2.imread(str(tmp_path / 'wide_saliency.png'), cv2.IMREAD_UNCHANGED)
    assert saliency.shape == (60, 100) and saliency.dtype == np.uint16 and saliency.max() > 0


def test_evaluate_compares_the_int8_model_with_the_weights_as_the_tool_advises(
        tmp_path, quantized, images, capsys):
    advice = next(line for line in quantized['out'].splitlines() if 'msinet evaluate' in line)
    command = advice.split('msinet ', 1)[1].replace('IMAGES', str(images)).split()
    assert command[-2:] == ['-o', 'agreement/']
    assert main([*command[:-2], '--no-plot', '--cache-dir', str(tmp_path / 'cache'),
                 '-o', str(tmp_path / 'agreement')]) == 0
    record = json.loads((tmp_path / 'agreement' / 'agreement.json').read_text())
    # measured 0.99 here; see test/unit/model/test_quantize.py for the threshold
    assert record['images'] == 2 and record['agreement']['CC']['worst'] > 0.98
    assert 'int8.onnx against random.safetensors on 2 images' in capsys.readouterr().out


@pytest.mark.parametrize('arguments, message', [
    (['--calibration', '{empty}'], 'no calibration images in'),
    (['--calibration', '{images}', '--size', '64x64'], 'was exported for 48x64, not 64x64'),
    (['--calibration', '{images}'], 'is already quantized; quantize the fp32 ONNX'),
])
def test_errors_exit_1_with_one_line_and_write_nothing(tmp_path, quantized, images, capsys,
                                                       arguments, message):
    (tmp_path / 'empty').mkdir()
    out = tmp_path / 'out.onnx'
    filled = [a.format(empty=tmp_path / 'empty', images=images) for a in arguments]
    assert main(['quantize', str(quantized['int8']), *filled, '-o', str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith('msinet quantize: error: ') and message in err
    assert err.count('\n') == 1 and not out.exists()


def test_calibration_images_are_required(capsys):
    with pytest.raises(SystemExit) as info:
        main(['quantize', 'm.onnx', '-o', 'x.onnx'])
    assert info.value.code == 2 and '--calibration' in capsys.readouterr().err
