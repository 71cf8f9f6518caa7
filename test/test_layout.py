"""The test tree's own rules: pytest imports test modules by basename (no __init__.py files)."""

from collections import Counter
from pathlib import Path

TEST_ROOT = Path(__file__).resolve().parent


def test_test_module_basenames_are_unique():
    """Two test_x.py in different folders break collection ('import file mismatch')."""
    names = Counter(path.name for path in TEST_ROOT.rglob('test_*.py'))
    assert [name for name, count in names.items() if count > 1] == []
