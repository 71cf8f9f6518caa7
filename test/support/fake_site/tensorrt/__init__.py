"""
Stand-in for ``tensorrt`` in processes the tests start: the strict fake of one version.

Put ``test/support/fake_site`` first on ``PYTHONPATH`` and name the version in
``MSINET_FAKE_TENSORRT`` (e.g. ``8.6.1``); importing ``tensorrt`` then gives
``support.fake_tensorrt.make_tensorrt(version)``. Only for tests.

``MSINET_FAKE_TENSORRT_BUILD`` sets how a build behaves: ``block:SECONDS`` blocks that long and
cannot be cancelled (as an 8.6 build), ``endless`` reports progress until a progress monitor
cancels it (10.x and later).
"""

import os
from pathlib import Path
import sys
import threading

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # test/, for `support`

from support.fake_tensorrt import make_tensorrt  # noqa: E402

_module = make_tensorrt(os.environ['MSINET_FAKE_TENSORRT'])
_build = os.environ.get('MSINET_FAKE_TENSORRT_BUILD', '')
if _build.startswith('block:'):
    _module.build_block_seconds = float(_build.split(':', 1)[1])
elif _build == 'endless':
    _module.build_gate = threading.Event()  # never set
    _module.build_step_seconds = 0.01
sys.modules[__name__] = _module
