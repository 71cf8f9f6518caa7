"""
Stand-in for ``tensorrt`` in processes the tests start: the strict fake of one version.

Put ``test/support/fake_site`` first on ``PYTHONPATH`` and name the version in
``MSINET_FAKE_TENSORRT`` (e.g. ``8.6.1``); importing ``tensorrt`` then gives
``support.fake_tensorrt.make_tensorrt(version)``. Only for tests.
"""

import os
from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # test/, for `support`

from support.fake_tensorrt import make_tensorrt  # noqa: E402

sys.modules[__name__] = make_tensorrt(os.environ['MSINET_FAKE_TENSORRT'])
