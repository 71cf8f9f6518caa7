"""Fixtures shared by the unit tests: the strict TensorRT/pycuda fakes of each version."""

import os
import sys

from hypothesis import settings
import pytest
from support import manifests
from support.fake_pycuda import install_pycuda
from support.fake_tensorrt import make_tensorrt

# 8.6.1, 10.3.0, 11.0.0.114; MSINET_TEST_TENSORRT=10.3.0 keeps one (make test-oldest: the
# code against each version's fake is tested under kilted, the rest of the stack is rechecked)
TENSORRT_VERSIONS = tuple(version for version in manifests.versions()
                          if version in os.environ.get('MSINET_TEST_TENSORRT', version).split(','))

# Property-based tests (hypothesis): examples per property, 'ci' by default,
# HYPOTHESIS_PROFILE=thorough for a long run (benchmarks/fuzz.py), 'recheck' where the same
# properties run again on another stack (make test-oldest: the search is the main stack's).
settings.register_profile('ci', max_examples=500, deadline=None, print_blob=True)
settings.register_profile('recheck', max_examples=100, deadline=None, print_blob=True)
settings.register_profile('thorough', max_examples=20000, deadline=None, print_blob=True)
settings.load_profile(os.environ.get('HYPOTHESIS_PROFILE', 'ci'))


@pytest.fixture(params=TENSORRT_VERSIONS)
def trt(request, monkeypatch):
    """Install a fake pycuda and the fake tensorrt of one version as the real modules."""
    install_pycuda(monkeypatch)
    fake = make_tensorrt(request.param)
    monkeypatch.setitem(sys.modules, 'tensorrt', fake)
    return fake
