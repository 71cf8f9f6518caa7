#!/usr/bin/env python3
"""
Run the property-based fuzz tests for longer than CI does, and say how long they took.

The properties are the ``test_fuzzed_*`` tests of image conversion and compressed decoding
(test/unit/test_imaging.py), preprocessing (test/unit/inference/test_preprocess.py) and
fixation selection (test/unit/attention/test_peaks.py). Hypothesis draws their examples;
test/unit/conftest.py registers the profiles: 'ci' (the default, 500 examples per property)
and 'thorough' (20,000). This script runs them with 'thorough', ``--repeat`` times with fresh
random seeds; the same as the one-line

    HYPOTHESIS_PROFILE=thorough .venv/bin/python -m pytest -q -p no:cacheprovider -k fuzzed \
        test/unit/test_imaging.py test/unit/inference/test_preprocess.py \
        test/unit/attention/test_peaks.py

Arguments after ``--`` go to pytest (e.g. ``-- -x -k damaged``). A failure prints the
smallest example hypothesis found and a ``@reproduce_failure`` blob; a payload that crashes
OpenCV is saved under the test's pytest tmp_path, which the failure message names.
"""

import argparse
import os
from pathlib import Path
import subprocess
import sys
import time

ROOT = Path(__file__).resolve().parent.parent
FILES = ('test/unit/test_imaging.py', 'test/unit/inference/test_preprocess.py',
         'test/unit/attention/test_peaks.py')


def main() -> int:
    """Run the fuzz tests; return pytest's exit status (the first failing run's)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--profile', default='thorough', choices=('ci', 'thorough'),
                        help='hypothesis profile of test/unit/conftest.py (default: thorough)')
    parser.add_argument('--repeat', type=int, default=1,
                        help='runs, each with fresh random examples (default: 1)')
    parser.add_argument('pytest_args', nargs='*', help='after --: more pytest arguments')
    args = parser.parse_args()
    env = dict(os.environ, HYPOTHESIS_PROFILE=args.profile)
    command = [sys.executable, '-m', 'pytest', '-q', '-p', 'no:cacheprovider', '-k', 'fuzzed',
               '--hypothesis-show-statistics', *FILES, *args.pytest_args]
    total = time.perf_counter()
    for run in range(1, args.repeat + 1):
        start = time.perf_counter()
        status = subprocess.call(command, cwd=ROOT, env=env)
        print(f'run {run}/{args.repeat} ({args.profile}): exit status {status}, '
              f'{time.perf_counter() - start:.0f} s', flush=True)
        if status:
            return status
    print(f'all {args.repeat} run(s) passed in {time.perf_counter() - total:.0f} s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
