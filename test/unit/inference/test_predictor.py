"""The predictor: model kinds, cache keys, sizes, batching, real photographs, bad input."""

from pathlib import Path

from msinet_ros.errors import BuildCancelled, ImageError, ModelFormatError, ParameterError
from msinet_ros.inference.backends import BackendOptions
from msinet_ros.inference.predictor import SaliencyPredictor
from msinet_ros.model import onnx_export, weights
import numpy as np
import pytest

skimage_data = pytest.importorskip('skimage.data',
                                   reason='sample photographs need scikit-image')


@pytest.fixture(scope='module')
def weights_path(tmp_path_factory):
    path = tmp_path_factory.mktemp('model') / 'random.safetensors'
    weights.save(path, weights.random_weights(3), weights.random_metadata(3))
    return path


@pytest.fixture
def options(tmp_path):
    return BackendOptions(cache_dir=str(tmp_path / 'cache'), log=lambda message: None)


def portrait():
    return np.ascontiguousarray(skimage_data.coffee().transpose(1, 0, 2))


def photographs():
    return {'astronaut': skimage_data.astronaut(), 'coffee': skimage_data.coffee(),
            'chelsea': skimage_data.chelsea(), 'coffee (portrait)': portrait(),
            'camera (grey)': skimage_data.camera()}


@pytest.fixture(scope='module')
def small_predictor(tmp_path_factory, weights_path):
    cache = tmp_path_factory.mktemp('cache')
    return SaliencyPredictor(weights_path, size='64x64',
                             options=BackendOptions(cache_dir=str(cache), log=lambda m: None))


@pytest.mark.parametrize('name', list(photographs()))
def test_real_photographs_give_maps_of_frame_size_and_range(small_predictor, name):
    frame = photographs()[name]
    result = small_predictor.predict(frame)
    assert result.saliency.shape == frame.shape[:2] and result.saliency.dtype == np.float32
    assert 0 <= result.saliency.min() and result.saliency.max() <= 1
    assert result.saliency.max() > 0.5 and result.saliency.std() > 0.01
    assert result.model_saliency.shape == (64, 64)
    assert set(result.timings) == {'preprocess', 'inference', 'postprocess', 'total'}


def test_auto_size_picks_per_frame_and_exports_each_size_once(weights_path, options):
    predictor = SaliencyPredictor(weights_path, options=options)
    landscape = predictor.predict(skimage_data.coffee(), frame_resolution=False)
    upright = predictor.predict(portrait(), frame_resolution=False)
    assert landscape.letterbox.model == (240, 320) and upright.letterbox.model == (320, 240)
    assert landscape.saliency is None
    exports = sorted(p.name for p in Path(options.cache_dir).iterdir())
    assert len(exports) == 2 and all(name.endswith('-fp32.onnx') for name in exports)
    predictor.predict(skimage_data.chelsea(), frame_resolution=False)
    assert len(list(Path(options.cache_dir).iterdir())) == 2


def test_changed_weights_are_never_served_stale(tmp_path, options):
    path = tmp_path / 'w.safetensors'
    frame = skimage_data.coffee()
    weights.save(path, weights.random_weights(1), weights.random_metadata(1))
    first = SaliencyPredictor(path, size='64x64', options=options).predict(frame)
    weights.save(path, weights.random_weights(2), weights.random_metadata(2))
    second = SaliencyPredictor(path, size='64x64', options=options).predict(frame)
    assert np.abs(first.model_saliency - second.model_saliency).max() > 0.05


def test_batch_equals_single_frames(weights_path, tmp_path):
    opts = BackendOptions(cache_dir=str(tmp_path), max_batch=4, log=lambda m: None)
    predictor = SaliencyPredictor(weights_path, size='64x64', options=opts)
    frames = [skimage_data.coffee(), skimage_data.astronaut(), skimage_data.chelsea()]
    together = predictor.predict_batch(frames)
    for frame, result in zip(frames, together):
        alone = predictor.predict(frame)
        assert np.abs(alone.saliency - result.saliency).max() < 1e-5


def test_a_fixed_size_onnx_runs_its_own_size_with_size_auto(tmp_path, options):
    path = tmp_path / 'm.onnx'
    onnx_export.save(onnx_export.build(weights.random_weights(1), 64, 96), path)
    with SaliencyPredictor(path, options=options) as predictor:  # size 'auto', the default
        assert predictor.sizes == ((64, 96),) and predictor.default_size == (64, 96)
        assert predictor.predict(skimage_data.coffee()).model_saliency.shape == (64, 96)
    with pytest.raises(ParameterError, match='exported for 64x96, not 64x64'):
        SaliencyPredictor(path, size='64x64', options=options)
    with SaliencyPredictor(path, size='64x96', options=options) as predictor:
        assert predictor.predict(skimage_data.coffee()).model_saliency.shape == (64, 96)


def test_auto_size_with_weights_exports_nothing_until_a_size_is_prepared(
        weights_path, options):
    cache = Path(options.cache_dir)
    with SaliencyPredictor(weights_path, options=options) as predictor:
        assert not cache.exists() or not list(cache.iterdir())
        assert predictor.prepare() == (240, 320)  # the default: landscape
        assert len(list(cache.iterdir())) == 1  # exactly one export
        assert predictor.prepare((320, 240)) == (320, 240)
        assert len(list(cache.iterdir())) == 2
        with pytest.raises(ParameterError, match='not 64x64'):
            predictor.prepare((64, 64))


def test_cancel_stops_later_preparation_and_close_is_idempotent(weights_path, options):
    predictor = SaliencyPredictor(weights_path, size='64x64', options=options)
    predictor.cancel()
    with pytest.raises(BuildCancelled):
        predictor.prepare()
    predictor.close()
    predictor.close()


def test_random_weights_are_reported(weights_path, options):
    assert SaliencyPredictor(weights_path, size='64x64', options=options).is_random


@pytest.mark.parametrize('name, message', [('missing.safetensors', 'does not exist'),
                                           ('model.bin', 'is not a .safetensors')])
def test_bad_model_paths_say_what_to_do(tmp_path, options, name, message):
    if name == 'model.bin':
        (tmp_path / name).write_bytes(b'x')
    with pytest.raises(ModelFormatError, match=message):
        SaliencyPredictor(tmp_path / name, options=options)


def test_wrong_backend_for_the_model_kind(tmp_path, weights_path, options):
    engine = tmp_path / 'm.engine'
    engine.write_bytes(b'x')
    with pytest.raises(ParameterError, match='use backend tensorrt'):
        SaliencyPredictor(engine, options=options)
    with pytest.raises(ParameterError, match='which backend torch does not run'):
        SaliencyPredictor(tmp_path / 'm.engine', backend='torch', options=options)
    with pytest.raises(ParameterError, match='unknown backend'):
        SaliencyPredictor(weights_path, backend='nope', size='64x64',
                          options=options).predict(skimage_data.coffee())


def test_bad_frames_raise_image_errors_and_the_predictor_keeps_working(small_predictor):
    with pytest.raises(ImageError):
        small_predictor.predict(np.zeros((0, 5, 3), np.uint8))
    with pytest.raises(ImageError):
        small_predictor.predict(np.full((20, 20, 3), np.inf))
    assert small_predictor.predict(skimage_data.coffee()).saliency is not None


def reachable():
    """
    Return every live object the collector can see, with the untracked ones they refer to.

    Arrays, and dicts and tuples holding only such objects, are not tracked by the collector:
    they are found through the objects referring to them.
    """
    import gc
    gc.collect()
    found = {id(o): o for o in gc.get_objects()}
    frontier = list(found.values())
    while frontier:
        referents = [r for r in gc.get_referents(*frontier) if id(r) not in found]
        frontier = [r for r in referents if not gc.is_tracked(r)]
        found.update((id(r), r) for r in referents)
    return list(found.values())


def is_large(o, model_type) -> bool:
    return (isinstance(o, np.ndarray) and o.nbytes >= 1 << 20) or isinstance(o, model_type) \
        or (isinstance(o, bytes) and len(o) >= 1 << 20)


def test_nothing_of_the_export_stays_alive_once_the_session_exists(weights_path, options):
    from onnx import ModelProto
    with SaliencyPredictor(weights_path, size='64x64', options=options) as predictor:
        predictor.prepare()
        # the weights (24.9 M parameters) are only in the session now: no weights dict, no
        # ndarray of a layer's size, no ModelProto and no serialised model in Python
        assert [o for o in reachable() if is_large(o, ModelProto)] == []
        assert predictor.predict(portrait()).saliency.shape == portrait().shape[:2]


def test_freed_heap_memory_is_returned_once_per_new_backend(weights_path, options, monkeypatch):
    from msinet_ros.inference import predictor as predictor_module
    calls = []
    monkeypatch.setattr(predictor_module, 'release_free_memory', lambda: calls.append(1))
    with SaliencyPredictor(weights_path, size='64x64', options=options) as predictor:
        predictor.prepare()
        assert len(calls) == 1
        predictor.predict(portrait())
        predictor.prepare()
        assert len(calls) == 1  # not per frame, nor for a size already prepared
