"""Load-or-build of engine files: cached, missing, mismatched, failed, concurrent."""

import threading

from msinet_ros.inference.tensorrt.cache import load_or_build
from msinet_ros.inference.tensorrt.planning import EngineMismatchError
import pytest


class Recorder:
    """A fake load/build pair: 'good' engines load, anything else does not."""

    def __init__(self):
        self.built = 0
        self.log = []

    def load(self, data):
        if data != b'good':
            raise EngineMismatchError('built by another TensorRT')
        return 'runner'

    def build(self):
        self.built += 1
        return b'good'


def test_a_cached_engine_is_loaded_without_building(tmp_path):
    path = tmp_path / 'e.engine'
    path.write_bytes(b'good')
    fake = Recorder()
    assert load_or_build(path, fake.load, fake.build, True, fake.log.append) == 'runner'
    assert fake.built == 0


def test_a_missing_engine_is_built_and_cached_atomically(tmp_path):
    fake = Recorder()
    path = tmp_path / 'e.engine'
    assert load_or_build(path, fake.load, fake.build, True, fake.log.append) == 'runner'
    assert fake.built == 1 and path.read_bytes() == b'good'
    assert sorted(p.name for p in tmp_path.iterdir()) == ['e.engine', 'e.engine.lock']
    assert 'building TensorRT engine' in fake.log[0]


def test_a_mismatched_engine_is_rebuilt_when_allowed(tmp_path):
    path = tmp_path / 'e.engine'
    path.write_bytes(b'stale')
    fake = Recorder()
    assert load_or_build(path, fake.load, fake.build, True, fake.log.append) == 'runner'
    assert fake.built == 1 and path.read_bytes() == b'good' and 'rebuilding' in fake.log[0]


def test_a_mismatched_engine_without_onnx_or_permission_says_how_to_rebuild(tmp_path):
    path = tmp_path / 'e.engine'
    path.write_bytes(b'stale')
    fake = Recorder()
    with pytest.raises(EngineMismatchError, match='msinet build-engine'):
        load_or_build(path, fake.load, None, True)
    with pytest.raises(EngineMismatchError, match='or allow rebuilding'):
        load_or_build(path, fake.load, fake.build, False)
    assert fake.built == 0 and path.read_bytes() == b'stale'


def test_a_failed_build_leaves_no_engine_behind(tmp_path):
    def broken():
        raise RuntimeError('out of memory')

    with pytest.raises(RuntimeError):
        load_or_build(tmp_path / 'e.engine', Recorder().load, broken, True)
    assert [p.name for p in tmp_path.iterdir()] == ['e.engine.lock']


def test_a_missing_engine_file_given_by_the_user(tmp_path):
    with pytest.raises(EngineMismatchError, match='does not exist'):
        load_or_build(tmp_path / 'absent.engine', Recorder().load, None, True)


def test_concurrent_builders_take_turns_and_the_second_loads_the_first_ones_engine(tmp_path):
    path = tmp_path / 'e.engine'
    first_building, release = threading.Event(), threading.Event()
    first, second = Recorder(), Recorder()

    def slow_build():
        first_building.set()
        release.wait(10)
        return first.build()

    thread = threading.Thread(target=load_or_build, args=(path, first.load, slow_build, True))
    thread.start()
    assert first_building.wait(10)
    waited = []
    result = []
    other = threading.Thread(target=lambda: result.append(load_or_build(
        path, second.load, second.build, True, waited.append)))
    other.start()
    other.join(0.5)
    assert other.is_alive() and any('waiting for another process' in m for m in waited)
    release.set()
    thread.join(10)
    other.join(10)
    assert result == ['runner'] and first.built == 1 and second.built == 0


def test_waiting_for_another_build_can_be_cancelled(tmp_path):
    path = tmp_path / 'e.engine'
    building, release = threading.Event(), threading.Event()

    def slow_build():
        building.set()
        release.wait(10)
        return b'good'

    thread = threading.Thread(target=load_or_build,
                              args=(path, Recorder().load, slow_build, True))
    thread.start()
    assert building.wait(10)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedError):
        load_or_build(path, Recorder().load, Recorder().build, True, cancel=cancel)
    release.set()
    thread.join(10)
