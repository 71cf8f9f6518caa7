"""
Stand-in for ``pycuda`` in processes the tests start: the strict fake (one Orin-like GPU).

Put ``test/support/fake_site`` first on ``PYTHONPATH``; ``import pycuda.driver`` then gives
``support.fake_pycuda.make_pycuda()``'s driver. Only for tests.
"""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # test/, for `support`

from support.fake_pycuda import make_pycuda  # noqa: E402

sys.modules['pycuda'], sys.modules['pycuda.driver'] = make_pycuda()
