"""File helpers: atomic writes, content hashes and the lock shared across processes."""

import errno
import fcntl
import hashlib
import os
from pathlib import Path
import subprocess
import sys
import threading

from msinet_ros.errors import StorageError
from msinet_ros.files import atomic_path, file_lock, file_sha256
import pytest

HOLDER = """
import sys
from msinet_ros.files import file_lock
with file_lock(sys.argv[1]):
    print('locked', flush=True)
    sys.stdin.readline()
print('released', flush=True)
"""


def _leftovers(folder: Path) -> list:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith('.tmp'))


def test_atomic_path_replaces_the_target_only_when_the_write_succeeds(tmp_path):
    target = tmp_path / 'deep' / 'model.onnx'  # the folder does not exist yet
    with atomic_path(target) as tmp:
        assert tmp.parent == target.parent  # same file system: the rename is atomic
        tmp.write_bytes(b'half')
        assert not target.exists()  # nothing at the target while writing
        tmp.write_bytes(b'whole')
    assert target.read_bytes() == b'whole'
    with atomic_path(target) as tmp:
        tmp.write_bytes(b'newer')
    assert target.read_bytes() == b'newer'
    assert _leftovers(target.parent) == []


@pytest.mark.parametrize('error', [RuntimeError('write failed'), KeyboardInterrupt()])
def test_atomic_path_leaves_no_partial_file_and_the_old_target_on_an_exception(tmp_path, error):
    target = tmp_path / 'engine.plan'
    target.write_bytes(b'old engine')
    with pytest.raises(type(error)):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b'partial')
            raise error
    assert target.read_bytes() == b'old engine'
    assert _leftovers(tmp_path) == []
    with pytest.raises(type(error)):
        with atomic_path(tmp_path / 'new.plan') as tmp:
            tmp.write_bytes(b'partial')
            raise error
    assert not (tmp_path / 'new.plan').exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize('size', [0, 1, (1 << 20) - 1, (1 << 20) * 2 + 12345])
def test_file_sha256_matches_hashlib_across_chunk_boundaries(tmp_path, size):
    content = os.urandom(size)
    path = tmp_path / 'blob'
    path.write_bytes(content)
    assert file_sha256(path) == hashlib.sha256(content).hexdigest()


def _lock_is_free(target: Path, operation: int = fcntl.LOCK_EX) -> bool:
    """Try to lock ``file_lock``'s lock file of ``target`` through an open file of our own."""
    with open(str(target) + '.lock', 'a') as handle:
        try:
            fcntl.flock(handle, operation | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle, fcntl.LOCK_UN)
        return True


def test_file_lock_is_held_inside_the_block_and_released_after_it_even_on_an_error(tmp_path):
    target = tmp_path / 'cache' / 'model.plan'
    with file_lock(target):
        assert (tmp_path / 'cache' / 'model.plan.lock').is_file()
        assert not _lock_is_free(target, fcntl.LOCK_SH)  # exclusive: not even shared
    assert _lock_is_free(target)
    with pytest.raises(RuntimeError):
        with file_lock(target):
            raise RuntimeError('build failed')
    assert _lock_is_free(target)


@pytest.fixture
def held_by_another_process(tmp_path):
    """Hold ``file_lock`` on a target in a child process; yield (target, release function)."""
    target = tmp_path / 'model.plan'
    child = subprocess.Popen([sys.executable, '-c', HOLDER, str(target)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline() == 'locked\n'

    def release():
        child.stdin.write('\n')
        child.stdin.flush()
        assert child.stdout.readline() == 'released\n'

    yield target, release
    child.kill()
    child.wait(10)


def test_file_lock_waits_for_another_process_and_says_so_once(held_by_another_process):
    target, release = held_by_another_process
    told = []
    acquired = threading.Event()
    told_once = threading.Event()

    def waiting():
        told.append(1)
        told_once.set()

    def lock():
        with file_lock(target, waiting=waiting, poll_s=0.01):
            acquired.set()

    thread = threading.Thread(target=lock, daemon=True)
    thread.start()
    assert told_once.wait(5)
    assert not acquired.wait(0.2)  # several polls later: still waiting
    release()
    assert acquired.wait(5)
    thread.join(5)
    assert told == [1]


def test_file_lock_stops_waiting_when_cancelled(held_by_another_process):
    target, _ = held_by_another_process
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(InterruptedError, match='stopped waiting for .*model.plan.lock'):
        with file_lock(target, cancel=cancel, poll_s=0.01):
            pytest.fail('entered a lock another process holds')


def test_a_free_lock_is_taken_at_once_even_with_cancel_set(tmp_path):
    cancel = threading.Event()
    cancel.set()
    told = []
    with file_lock(tmp_path / 'model.plan', waiting=lambda: told.append(1), cancel=cancel):
        pass
    assert told == []


FULL_DISK = """
import resource, signal, sys
from msinet_ros.files import atomic_path
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # past the limit a write fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
with atomic_path(sys.argv[1]) as tmp:
    tmp.write_bytes(b'x' * 5000)
"""


@pytest.mark.parametrize('before', [None, b'the old engine'])
def test_a_write_past_the_file_size_limit_is_a_storage_error_and_serves_nothing_half_written(
        tmp_path, before):
    """A child process under RLIMIT_FSIZE: the write fails as on a full disk (EFBIG)."""
    target = tmp_path / 'model.engine'
    if before is not None:
        target.write_bytes(before)
    repo = Path(__file__).resolve().parents[2]
    child = subprocess.run([sys.executable, '-c', FULL_DISK, str(target)], cwd=repo,
                           env={**os.environ, 'PYTHONPATH': str(repo)}, capture_output=True,
                           text=True, timeout=60)
    assert child.returncode == 1
    assert child.stderr.splitlines()[-1] == (
        f'msinet_ros.errors.StorageError: cannot write {target}: File too large (EFBIG); free '
        'disk space or choose a writable folder (the cache_dir parameter, --cache-dir, or -o '
        'for the tools)')
    assert (target.read_bytes() if target.exists() else None) == before
    assert _leftovers(tmp_path) == []


@pytest.mark.parametrize('code', [errno.ENOSPC, errno.EDQUOT, errno.EROFS])
def test_an_injected_no_space_error_while_writing_is_a_storage_error(tmp_path, code):
    target = tmp_path / 'export.onnx'
    target.write_bytes(b'old export')
    with pytest.raises(StorageError, match=f'cannot write {target}: .*{errno.errorcode[code]}'):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b'half an ')
            raise OSError(code, os.strerror(code))
    assert target.read_bytes() == b'old export' and _leftovers(tmp_path) == []


def test_other_os_errors_inside_the_block_stay_themselves(tmp_path):
    with pytest.raises(FileNotFoundError):
        with atomic_path(tmp_path / 'out.onnx'):
            open(tmp_path / 'missing-input')
    assert _leftovers(tmp_path) == []


def test_a_folder_that_cannot_be_made_or_written_is_a_storage_error(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    with pytest.raises(StorageError, match='Not a directory.*choose a writable folder'):
        with atomic_path(blocker / 'sub' / 'model.onnx'):
            pass
    with pytest.raises(StorageError, match='cannot create the lock file'):
        with file_lock(blocker / 'model.engine'):
            pass
    read_only = tmp_path / 'read_only'
    read_only.mkdir(mode=0o555)
    # as root, permissions do not stop a write: then the write must succeed (os.access agrees)
    if os.access(read_only, os.W_OK):
        with atomic_path(read_only / 'model.onnx') as tmp:
            tmp.write_bytes(b'ok')
        assert (read_only / 'model.onnx').read_bytes() == b'ok'
    else:
        with pytest.raises(StorageError, match='Permission denied'):
            with atomic_path(read_only / 'model.onnx'):
                pass
