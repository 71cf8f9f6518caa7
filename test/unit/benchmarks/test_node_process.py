"""benchmarks/node_process.py's /proc readings, on this test's own process and a child."""

import os
from pathlib import Path
import subprocess
import sys
import threading

import pytest

pytest.importorskip('rclpy', reason='the rig needs rclpy')
sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import node_process  # noqa: E402, I100 (after the rclpy check)


def test_sample_counts_descriptors_and_threads_as_they_come_and_go(tmp_path):
    before = node_process.sample(os.getpid())
    files = [open(tmp_path / f'{i}.txt', 'w') for i in range(5)]
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        during = node_process.sample(os.getpid())
    finally:
        release.set()
        thread.join()
        for handle in files:
            handle.close()
    assert during.fds == before.fds + 5 and during.threads == before.threads + 1
    assert node_process.sample(os.getpid()).fds == before.fds
    assert 0 < during.anon_mb <= during.rss_mb and during.cpu_s > 0


def test_session_members_finds_what_a_process_left_in_its_session():
    # the child starts a grandchild in its session and exits: an orphan of that session
    child = subprocess.Popen([sys.executable, '-c', 'import subprocess, sys; '
                              'p = subprocess.Popen(["sleep", "30"], stdout=subprocess.DEVNULL); '
                              'print(p.pid)'],
                             stdout=subprocess.PIPE, text=True, start_new_session=True)
    orphan = int(child.communicate(timeout=30)[0])
    try:
        assert node_process.session_members(child.pid) == [orphan]
    finally:
        os.kill(orphan, 9)
