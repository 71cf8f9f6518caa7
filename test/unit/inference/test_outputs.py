"""Only the requested outputs are computed, each from the one prediction of the frame."""

from msinet_ros.attention.peaks import find_fixations, FixationSettings
from msinet_ros.errors import ImageError, ParameterError
from msinet_ros.inference import outputs as outputs_module
from msinet_ros.inference.backends import BackendOptions
from msinet_ros.inference.outputs import compute_outputs, OutputRequest
from msinet_ros.inference.predictor import SaliencyPredictor
from msinet_ros.visualization import draw_fixations, heatmap_overlay
import numpy as np
import pytest

SETTINGS = FixationSettings(top_k=3, min_distance=10.0, threshold_abs=0.0, threshold_rel=0.0)


@pytest.fixture(scope='module')
def predictor(onnx_models, tmp_path_factory):
    """Return a real predictor of a seeded random 64x64 MSI-Net (ONNX Runtime)."""
    options = BackendOptions(cache_dir=str(tmp_path_factory.mktemp('cache')),
                             log=lambda message: None)
    with SaliencyPredictor(onnx_models['fp32'], options=options) as real:
        yield real


@pytest.fixture
def frame():
    """Return a 48x96 RGB frame: letterboxed into 64x64 as 32x64 with 16 rows on top."""
    return np.random.default_rng(0).integers(0, 256, (48, 96, 3), dtype=np.uint8)


class SpyPredictor:
    """Record what the predictor is asked for and pass the call on."""

    def __init__(self, real):
        self.real = real
        self.calls = []

    def predict(self, frame, frame_resolution=True):
        self.calls.append(frame_resolution)
        return self.real.predict(frame, frame_resolution)


@pytest.fixture
def spies(monkeypatch):
    """Count the calls of the fixation search and the overlay inside compute_outputs."""
    counts = {'find_fixations': 0, 'heatmap_overlay': 0}

    def spy(name, function):
        def counted(*args, **kwargs):
            counts[name] += 1
            return function(*args, **kwargs)
        monkeypatch.setattr(outputs_module, name, counted)

    spy('find_fixations', find_fixations)
    spy('heatmap_overlay', heatmap_overlay)
    return counts


def test_model_resolution_map_is_the_unpadded_model_map_and_nothing_else_runs(
        predictor, frame, spies):
    spy = SpyPredictor(predictor)
    out = compute_outputs(spy, frame, OutputRequest(saliency_map=True, resolution='model'))
    assert spy.calls == [False]  # no frame-resolution map was made
    assert spies == {'find_fixations': 0, 'heatmap_overlay': 0}
    reference = predictor.predict(frame, frame_resolution=False).model_saliency
    assert out.saliency_map.shape == (32, 64) and out.saliency_map.dtype == np.float32
    np.testing.assert_array_equal(out.saliency_map, reference[16:48, 0:64])
    assert not np.shares_memory(out.saliency_map, reference)
    # map pixel m is input pixel a * m + b: area-shrink steps (47 / 31, 95 / 63) of TF's resize
    (ay, by), (ax, bx) = out.map_axes
    assert (ay, by) == pytest.approx((47 / 31, 0.5 * 47 / 31 - 0.5))
    assert (ax, bx) == pytest.approx((95 / 63, 0.5 * 95 / 63 - 0.5))
    assert out.fixations == [] and out.overlay is None
    assert {'preprocess', 'inference', 'postprocess', 'total', 'outputs'} <= set(out.timings)


def test_input_resolution_map_has_the_frame_shape(predictor, frame, spies):
    spy = SpyPredictor(predictor)
    out = compute_outputs(spy, frame, OutputRequest(saliency_map=True))
    assert spy.calls == [True]
    assert spies == {'find_fixations': 0, 'heatmap_overlay': 0}
    assert out.saliency_map.shape == (48, 96) and out.saliency_map.dtype == np.float32
    assert 0.0 <= out.saliency_map.min() and out.saliency_map.max() <= 1.0
    np.testing.assert_array_equal(out.saliency_map, predictor.predict(frame).saliency)
    assert out.map_axes is None and out.fixations == [] and out.overlay is None


def test_fixations_alone_need_no_frame_resolution_map_and_no_overlay(predictor, frame, spies):
    spy = SpyPredictor(predictor)
    out = compute_outputs(spy, frame, OutputRequest(fixations=True, fixation_settings=SETTINGS))
    assert spy.calls == [False]
    assert spies == {'find_fixations': 1, 'heatmap_overlay': 0}
    reference = predictor.predict(frame, frame_resolution=False)
    assert out.fixations == find_fixations(reference.model_saliency, reference.letterbox,
                                           SETTINGS)
    assert len(out.fixations) == 3
    assert all(0 <= f.x <= 95 and 0 <= f.y <= 47 for f in out.fixations)  # input pixels
    assert out.saliency_map is None and out.overlay is None


def test_overlay_draws_the_fixations_on_the_heat_map(predictor, frame, spies):
    spy = SpyPredictor(predictor)
    request = OutputRequest(overlay=True, fixation_settings=SETTINGS, overlay_colormap='turbo',
                            overlay_opacity=0.3)
    original = frame.copy()
    out = compute_outputs(spy, frame, request)
    assert spy.calls == [True]
    assert spies == {'find_fixations': 1, 'heatmap_overlay': 1}
    reference = predictor.predict(frame)
    fixations = find_fixations(reference.model_saliency, reference.letterbox, SETTINGS)
    expected = draw_fixations(heatmap_overlay(frame, reference.saliency, 'turbo', 0.3),
                              fixations)
    assert out.overlay.shape == (48, 96, 3) and out.overlay.dtype == np.uint8
    np.testing.assert_array_equal(out.overlay, expected)
    np.testing.assert_array_equal(frame, original)  # the input frame is not drawn on
    assert out.saliency_map is None and out.map_axes is None


def test_everything_at_once_runs_the_predictor_once(predictor, frame, spies):
    spy = SpyPredictor(predictor)
    out = compute_outputs(spy, frame, OutputRequest(True, True, True, 'model', SETTINGS))
    assert spy.calls == [True]
    assert spies == {'find_fixations': 1, 'heatmap_overlay': 1}
    assert out.saliency_map.shape == (32, 64) and out.overlay.shape == (48, 96, 3)
    assert len(out.fixations) == 3


def test_nothing_requested_runs_nothing(predictor, frame, spies):
    spy = SpyPredictor(predictor)
    request = OutputRequest()
    assert not request.anything and OutputRequest(overlay=True).anything
    out = compute_outputs(spy, frame, request)
    assert spy.calls == [] and spies == {'find_fixations': 0, 'heatmap_overlay': 0}
    assert out.saliency_map is None and out.fixations == [] and out.overlay is None


def test_a_grey_frame_gets_an_rgb_overlay(predictor):
    grey = np.random.default_rng(1).integers(0, 256, (64, 64), dtype=np.uint8)
    out = compute_outputs(predictor, grey, OutputRequest(overlay=True))
    assert out.overlay.shape == (64, 64, 3) and out.overlay.dtype == np.uint8


def test_errors_of_the_predictor_propagate(predictor):
    with pytest.raises(ImageError):
        compute_outputs(predictor, np.zeros((3, 3, 3), np.uint8),
                        OutputRequest(saliency_map=True))


@pytest.mark.parametrize('changes, message', [
    ({'resolution': 'native'}, 'resolution'), ({'overlay_colormap': 'rainbow'}, 'colormap'),
    ({'overlay_opacity': 1.5}, 'opacity')])
def test_bad_requests_are_refused_when_made(changes, message):
    with pytest.raises(ParameterError, match=message):
        OutputRequest(overlay=True, **changes)
