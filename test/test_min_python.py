"""The package's code needs nothing newer than Python 3.10 (ROS 2 Humble, JetPack 6)."""

from pathlib import Path
import shutil
import subprocess
import sys

import pytest

ROOT = Path(__file__).resolve().parent.parent
VERMIN = shutil.which('vermin', path=str(Path(sys.executable).parent)) or shutil.which('vermin')
pytestmark = pytest.mark.skipif(VERMIN is None,
                                reason='vermin is not installed (requirements/test.txt)')


def vermin(*paths: Path) -> subprocess.CompletedProcess:
    cmd = [VERMIN, '--no-tips', '--violations', '--eval-annotations', '--target=3.10-',
           '--backport', 'typing', *map(str, paths)]
    return subprocess.run(cmd, capture_output=True, text=True)


def test_package_code_runs_on_python_3_10():
    result = vermin(ROOT / 'msinet_ros', ROOT / 'launch', ROOT / 'setup.py')
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_check_catches_python_3_11_code(tmp_path):
    newer = tmp_path / 'newer.py'
    newer.write_text('import tomllib\n')
    assert vermin(newer).returncode != 0
