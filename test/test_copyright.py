"""Licence headers: ament_copyright, where it is installed (not on PyPI)."""

import pytest

ament_copyright = pytest.importorskip(
    'ament_copyright.main', reason='ament_copyright is not installed (not on PyPI)')


@pytest.mark.copyright
@pytest.mark.linter
def test_copyright():
    rc = ament_copyright.main(argv=['.', 'test'])
    assert rc == 0, 'Found errors'
