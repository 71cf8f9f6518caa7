"""
Read the API manifests of the TensorRT binding wheels and of pycuda (see test/data/).

The manifests are written by ``test/tools/make_binding_manifests.py``.  A version may be
given in full (``'11.0.0.114'``) or as a prefix (``'11.0'``, ``'10.3'``).
"""

import functools
import json
from pathlib import Path
from typing import FrozenSet, List, Optional

DATA = Path(__file__).resolve().parents[1] / 'data'


def versions(package: str = 'tensorrt') -> List[str]:
    """Return the versions that have a manifest, oldest first."""
    found = [p.stem.split('-', 1)[1] for p in (DATA / package).glob(f'{package}-*.json')]
    return sorted(found, key=lambda v: [int(x) if x.isdigit() else x for x in v.split('.')])


def resolve(version: str, package: str = 'tensorrt') -> str:
    """Return the manifest version that version names (exactly, or as a dotted prefix)."""
    available = versions(package)
    if version in available:
        return version
    matches = [v for v in available if v.startswith(version + '.')]
    if len(matches) != 1:
        raise KeyError(f'no single {package} manifest for {version!r}: {available}')
    return matches[0]


@functools.lru_cache(maxsize=None)
def load(version: str, package: str = 'tensorrt') -> dict:
    """Return the manifest of a version as a dict."""
    full = resolve(version, package)
    return json.loads((DATA / package / f'{package}-{full}.json').read_text())


def names(version: str, package: str = 'tensorrt') -> FrozenSet[str]:
    """Return every name bound by that version (binary module plus the Python wrapper)."""
    manifest = load(version, package)
    result = set(manifest['names'])
    wrapper = manifest.get('wrapper') or {}
    result.update(wrapper.get('names', ()))
    result.update(a.split('.', 1)[1] for a in wrapper.get('class_attributes', ()))
    result.update(wrapper.get('nptype_keys', ()))
    result.update(wrapper.get('parameters', ()))
    return frozenset(result)


def enum_members(version: str, enum: str) -> Optional[List[str]]:
    """Return the members of a modelled TensorRT enum, or None when it is not recorded."""
    return load(version)['enums'].get(enum)


def docstring(version: str, qualified: str) -> Optional[str]:
    """Return the docstring recorded for a qualified member, e.g. 'Runtime.set_flag'."""
    return load(version)['docstrings'].get(qualified)


def wheel_version_string(version: str) -> str:
    """Return the ``__version__`` the wheel's wrapper sets."""
    return load(version)['wrapper']['version_string']
