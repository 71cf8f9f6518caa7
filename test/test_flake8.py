"""Style: the package passes ament_flake8 (ROS 2's flake8 configuration)."""

import json
import subprocess
import sys

import pytest

pytest.importorskip('ament_flake8.main')

# In a process of its own: flake8 checks files in a multiprocessing pool of forked processes,
# and a fork of a process with threads (a pytest-xdist worker: execnet's, ONNX Runtime's) can
# deadlock; one such `make test` hung in the pool until killed.
FLAKE8 = """
import json, sys
from ament_flake8.main import main_with_errors
rc, errors = main_with_errors(argv=[])
sys.stdout.flush()
print('\\n' + json.dumps([rc, errors]))
"""


@pytest.mark.flake8
@pytest.mark.linter
def test_flake8():
    run = subprocess.run([sys.executable, '-c', FLAKE8], capture_output=True, text=True,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    rc, errors = json.loads(run.stdout.strip().splitlines()[-1])
    assert rc == 0, f'Found {len(errors)} code style errors / warnings:\n' + '\n'.join(errors)
