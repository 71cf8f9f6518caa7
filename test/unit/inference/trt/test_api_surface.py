"""
Static check: every TensorRT name the package uses exists in every supported version's bindings.

The manifests in ``test/data/tensorrt`` list what each binding wheel really binds (8.6.1 for
JetPack 6.0, 10.3.0 for JetPack 6.1/6.2 and x86, 11.0 for x86). The scan reads the modules that
touch TensorRT objects: every attribute read on something other than ``self`` and every keyword
argument name that the union of manifests knows is a TensorRT name. A name missing from some
version must be one of the names :func:`bindings.capabilities` guards with ``hasattr``, and the
guard must exist in exactly the versions where the name does. The fake-driven tests then run
every path against each version, where an absent name raises AttributeError. Names the package
defines itself (methods, fields, ``self.x``) are its own objects' and are left out.
"""

import ast
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

from msinet_ros.inference.tensorrt import bindings
import pytest
from support import manifests

PACKAGE = Path(bindings.__file__).resolve().parents[2]
MODULES = [PACKAGE / 'inference' / 'tensorrt' / name for name in
           ('bindings.py', 'builder.py', 'timing_cache.py', 'runtime.py')] + \
    [PACKAGE / 'inference' / 'backends' / 'tensorrt_backend.py']
VERSIONS = manifests.versions()
# Version-dependent names → the Capabilities field that guards their use (bindings.py).
GUARDED = {
    'STRONGLY_TYPED': 'strongly_typed',
    'FP16': 'fp16_flag', 'OBEY_PRECISION_CONSTRAINTS': 'fp16_flag', 'precision': 'fp16_flag',
    'set_output_type': 'fp16_flag',
    'EXPLICIT_BATCH': 'explicit_batch_flag',
    'IProgressMonitor': 'progress_monitor', 'progress_monitor': 'progress_monitor',
    'TF32': 'tf32_flag',
    'INT8': 'int8_flag',
}


def used_names() -> Iterator[Tuple[str, str, int]]:
    """Yield (name, file, line) for attribute reads (not on self) and keyword names."""
    for path in MODULES:
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and not (
                    isinstance(node.value, ast.Name) and node.value.id in ('self', 'cls')):
                yield node.attr, path.name, node.lineno
            elif isinstance(node, ast.keyword) and node.arg:
                yield node.arg, path.name, node.lineno


def own_names() -> Set[str]:
    """Return the names the package itself defines: functions, methods, fields, self.x."""
    names = set()
    for path in PACKAGE.rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
    return names


def enum_uses() -> Iterator[Tuple[str, str, str, int]]:
    """Yield (enum, member, file, line) for ``trt.Enum.MEMBER``."""
    for path in MODULES:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and \
                    isinstance(node.value.value, ast.Name) and node.value.value.id == 'trt':
                yield node.value.attr, node.attr, path.name, node.lineno


def guard_names() -> Dict[str, str]:
    """Return Capabilities field → the name its ``hasattr`` tests, read from bindings.py."""
    tree = ast.parse(Path(bindings.__file__).read_text())
    guards = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg:
            for call in ast.walk(node.value):
                if isinstance(call, ast.Call) and getattr(call.func, 'id', '') == 'hasattr':
                    guards[node.arg] = call.args[1].value
    return guards


def available(name: str) -> Set[str]:
    """Return the versions whose bindings have ``name``."""
    return {v for v in VERSIONS if name in manifests.names(v)}


def test_there_are_manifests_of_the_three_supported_lines():
    assert [v.split('.')[0] for v in VERSIONS] == ['8', '10', '11']


def unguarded(uses, guarded) -> list:
    """Return the uses of TensorRT names that some version lacks and no guard covers."""
    union = set().union(*(manifests.names(v) for v in VERSIONS)) - own_names()
    return [f'{file}:{line}: {name} exists only in {sorted(available(name))}'
            for name, file, line in uses
            if name in union and available(name) != set(VERSIONS) and name not in guarded]


def test_every_tensorrt_name_used_exists_everywhere_or_is_guarded():
    problems = unguarded(used_names(), GUARDED)
    assert not problems, '\n'.join(problems)


@pytest.mark.parametrize('name, field', sorted(GUARDED.items()))
def test_each_guard_holds_in_exactly_the_versions_that_have_the_name(name, field):
    guard = guard_names()[field]
    assert available(guard) == available(name), (
        f'{name} is used where Capabilities.{field} (hasattr {guard!r}) holds, but exists in '
        f'{sorted(available(name))} while the guard holds in {sorted(available(guard))}')


def test_enum_members_used_are_members_in_every_version_or_guarded():
    problems = []
    for enum, member, file, line in enum_uses():
        for version in VERSIONS:
            members = manifests.enum_members(version, enum)
            if members is not None and member not in members and member not in GUARDED:
                problems.append(f'{file}:{line}: {enum}.{member} is not in {version}')
    assert not problems, '\n'.join(problems)


def test_the_check_catches_a_name_missing_from_a_version():
    """Without its guard, the package's use of STRONGLY_TYPED (absent in 8.6) is reported."""
    assert available('STRONGLY_TYPED') == {v for v in VERSIONS if not v.startswith('8.')}
    without = {k: v for k, v in GUARDED.items() if k != 'STRONGLY_TYPED'}
    assert any('STRONGLY_TYPED exists only in' in p for p in unguarded(used_names(), without))


def test_no_test_folder_can_pass_for_the_real_bindings():
    """
    A folder named tensorrt or pycuda beside a test or conftest would import as a namespace.

    pytest puts each test's folder (and each conftest's) on sys.path, so such a folder would
    make ``import tensorrt`` succeed in the tests and hide a missing dependency.
    """
    test_root = Path(__file__).resolve().parents[3]
    on_path = {p.parent for p in test_root.rglob('*.py')
               if p.name == 'conftest.py' or p.name.startswith('test_')}
    shadows = [folder / name for folder in on_path for name in ('tensorrt', 'pycuda')
               if (folder / name).is_dir()]
    assert not shadows
