"""Backends: parity of onnxruntime and torch, device checks, CUDA paths where a GPU exists."""

from msinet_ros.errors import MissingDependencyError, ParameterError
from msinet_ros.inference.backends import BackendOptions, create, TorchOptions
from msinet_ros.model import onnx_export, weights
import numpy as np
import pytest


@pytest.fixture(scope='module')
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp('backends')
    tensors = weights.random_weights(9)
    weights.save(folder / 'w.safetensors', tensors, weights.random_metadata(9))
    onnx_export.save(onnx_export.build(tensors, 240, 320, batch=None), folder / 'm.onnx')
    return folder


def batch(n=2):
    return np.random.default_rng(1).uniform(0, 255, (n, 3, 240, 320)).astype(np.float32)


def test_onnxruntime_and_torch_agree_at_model_resolution(files):
    pytest.importorskip('torch')
    ort_out = create('onnxruntime', files / 'm.onnx', BackendOptions()).infer(batch())
    torch_out = create('torch', files / 'w.safetensors', BackendOptions()).infer(batch())
    assert ort_out.shape == torch_out.shape == (2, 1, 240, 320)
    assert np.abs(ort_out - torch_out).max() <= 1e-4


def test_onnxruntime_reports_its_fixed_size_and_honours_threads(files):
    backend = create('onnxruntime', files / 'm.onnx', BackendOptions(threads=1))
    assert backend.input_size == (240, 320)


def test_cuda_without_a_gpu_is_an_error_not_a_fallback(files):
    import onnxruntime
    if 'CUDAExecutionProvider' in onnxruntime.get_available_providers():
        pytest.skip('this onnxruntime has CUDA')
    with pytest.raises(MissingDependencyError, match='onnxruntime-gpu'):
        create('onnxruntime', files / 'm.onnx', BackendOptions(device='cuda'))


def test_torch_refuses_what_it_cannot_do(files):
    torch = pytest.importorskip('torch')
    with pytest.raises(ParameterError, match='fp16 with the torch backend needs device cuda'):
        create('torch', files / 'w.safetensors', BackendOptions(precision='fp16'))
    with pytest.raises(ParameterError, match='needs a .safetensors'):
        create('torch', files / 'm.onnx', BackendOptions())
    if not torch.cuda.is_available():
        with pytest.raises(ParameterError, match='no CUDA GPU'):
            create('torch', files / 'w.safetensors', BackendOptions(device='cuda'))


@pytest.mark.gpu
def test_torch_cuda_fp16_and_cuda_graph_match_fp32(files):
    torch = pytest.importorskip('torch')
    if not torch.cuda.is_available():
        pytest.skip('no CUDA GPU')
    reference = create('onnxruntime', files / 'm.onnx', BackendOptions()).infer(batch())
    fp32 = create('torch', files / 'w.safetensors', BackendOptions(device='cuda'))
    torch.backends.cudnn.allow_tf32 = False
    assert np.abs(fp32.infer(batch()) - reference).max() <= 1e-4
    fp16 = create('torch', files / 'w.safetensors',
                  BackendOptions(device='cuda', precision='fp16'), TorchOptions(cuda_graph=True))
    first = fp16.infer(batch())
    assert np.abs(first - reference).max() <= 1e-2
    assert np.array_equal(fp16.infer(batch()), first)  # graph replay gives the same result
