#!/usr/bin/env python3
"""
Write the API manifest of one rclpy branch (names and signatures only, no source).

The manifest lets ``test/test_humble_api.py`` prove statically that this package only uses
rclpy APIs that exist in ROS 2 Humble. It is generated from a checkout of
https://github.com/ros2/rclpy (``humble`` branch) by parsing ``rclpy/rclpy/**/*.py`` with
:mod:`ast`; nothing is imported or executed.

Usage (a checkout, or a bare mirror plus the branch to read from it)::

    python3 test/tools/make_rclpy_manifest.py ~/src/rclpy
    python3 test/tools/make_rclpy_manifest.py /path/to/rclpy.git --ref humble

The output (``test/data/rclpy_humble.json`` unless ``-o``) maps each module to its top-level
names; classes carry bases (resolved to dotted names), their rclpy MRO and members; functions
and methods carry parameter names. Names backed by the C extension are marked opaque.
"""

import argparse
import ast
import builtins
import json
import pathlib
import re
import subprocess
import sys
import tarfile
import tempfile
from typing import Dict, Iterator, List, Optional

FORMAT = 1
DEFAULT_OUT = pathlib.Path(__file__).resolve().parent.parent / 'data' / 'rclpy_humble.json'
# The C extension: rclpy's Python code reaches it through implementation_singleton.
EXTENSION_MODULES = ['rclpy._rclpy_pybind11', 'rclpy.impl.implementation_singleton']
EXTENSION_ROOTS = ('rclpy._rclpy_pybind11', 'rclpy.impl.implementation_singleton.')


def git(*args: str) -> str:
    """Run git and return its stripped standard output."""
    return subprocess.run(['git', *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def module_name(path: pathlib.Path, package_root: pathlib.Path) -> str:
    """Return the dotted module name of ``path`` below the folder holding ``rclpy/``."""
    parts = list(path.relative_to(package_root).with_suffix('').parts)
    if parts[-1] == '__init__':
        parts.pop()
    return '.'.join(parts)


def absolute(module: str, is_package: bool, level: int, target: Optional[str]) -> str:
    """Resolve a (possibly relative) ``from ... import`` target to an absolute module."""
    if level == 0:
        return target or ''
    base = module.split('.')
    base = base if is_package else base[:-1]
    base = base[:len(base) - level + 1]
    return '.'.join(base + ([target] if target else []))


def is_type_checking(test: ast.expr) -> bool:
    """Tell whether an ``if`` test is ``TYPE_CHECKING`` (names bound there are not runtime)."""
    return ((isinstance(test, ast.Name) and test.id == 'TYPE_CHECKING')
            or (isinstance(test, ast.Attribute) and test.attr == 'TYPE_CHECKING'))


def runtime_statements(body: List[ast.stmt], type_checking: bool = False
                       ) -> Iterator[tuple]:
    """Yield ``(statement, type_checking)`` for top-level statements, entering if/try."""
    for node in body:
        if isinstance(node, ast.If):
            inside = type_checking or is_type_checking(node.test)
            yield from runtime_statements(node.body, inside)
            yield from runtime_statements(node.orelse, type_checking)
        elif isinstance(node, ast.Try):
            for block in [node.body, node.orelse, node.finalbody,
                          *[h.body for h in node.handlers]]:
                yield from runtime_statements(block, type_checking)
        else:
            yield node, type_checking


def dotted(node: ast.expr) -> Optional[str]:
    """Return ``a.b.c`` for a Name/Attribute chain, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f'{head}.{node.attr}' if head else None
    return None


def annotation_text(node: Optional[ast.expr]) -> Optional[str]:
    """Return a return annotation as a dotted name (string annotations unquoted)."""
    if node is None:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if re.fullmatch(r'[\w.]+', node.value) else None
    return dotted(node)


class ModuleScanner:
    """Collect one module's names, classes and signatures."""

    def __init__(self, name: str, is_package: bool, tree: ast.Module):
        """Prepare to scan the module ``name`` (``is_package``: an ``__init__.py``)."""
        self.name = name
        self.is_package = is_package
        self.tree = tree
        self.aliases: Dict[str, str] = {}  # local name -> dotted target (incl. TYPE_CHECKING)
        self.names: Dict[str, dict] = {}
        self.requires: List[str] = []
        self.stars: List[str] = []

    def scan(self) -> dict:
        """Return the module's manifest entry."""
        for node, type_checking in runtime_statements(self.tree.body):
            self.visit(node, type_checking)
        for entry in self.names.values():
            self.resolve_entry(entry)
        out = {'names': self.names}
        if self.requires:
            out['requires'] = sorted(set(self.requires))
        if self.stars:
            out['star_imports'] = self.stars
        lazy = set(self.function_level_imports()) - set(self.requires)
        if lazy:
            out['lazy'] = sorted(lazy)
        return out

    def function_level_imports(self) -> Iterator[str]:
        """Yield the rclpy modules imported inside functions (loaded when those run)."""
        for func in ast.walk(self.tree):
            if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Import):
                    yield from (a.name for a in node.names if a.name.startswith('rclpy'))
                elif isinstance(node, ast.ImportFrom):
                    module = absolute(self.name, self.is_package, node.level, node.module)
                    if module.startswith('rclpy'):
                        yield module

    def visit(self, node: ast.stmt, type_checking: bool) -> None:
        """Record the names one top-level statement binds."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.visit_import(node, type_checking)
        elif type_checking:
            return
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.names[node.name] = {'kind': 'function', **signature(node)}
        elif isinstance(node, ast.ClassDef):
            self.names[node.name] = self.class_entry(node)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            self.visit_assign(node)

    def visit_import(self, node: ast.stmt, type_checking: bool) -> None:
        """Record import aliases (always) and runtime-bound imported names."""
        for alias in node.names:
            if isinstance(node, ast.Import):
                local = alias.asname or alias.name.split('.')[0]
                target = alias.name if alias.asname else local
                module = alias.name
            else:
                module = absolute(self.name, self.is_package, node.level, node.module)
                if alias.name == '*':
                    self.stars.append(module)
                    continue
                local = alias.asname or alias.name
                target = f'{module}.{alias.name}'
            self.aliases[local] = target
            if module.startswith('rclpy') and not type_checking:
                self.requires.append(module)
            if not type_checking:
                self.names[local] = {'kind': 'import', 'target': target}

    def visit_assign(self, node: ast.stmt) -> None:
        """Record assigned names; values taken from the C extension are marked opaque."""
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        source = dotted(node.value) if node.value is not None else None
        for target in targets:
            for name in assigned_names(target):
                entry = {'kind': 'assign'}
                if source:
                    entry['value'] = source
                self.names[name] = entry

    def resolve(self, text: Optional[str]) -> Optional[str]:
        """Resolve a dotted name used in this module to a fully qualified one."""
        if not text:
            return None
        head, _, rest = text.partition('.')
        if head in self.aliases:
            full = self.aliases[head]
        elif head in self.names and self.names[head]['kind'] in ('class', 'function'):
            full = f'{self.name}.{head}'
        elif hasattr(builtins, head):
            full = f'builtins.{head}'
        else:
            full = f'{self.name}.{head}'
        return f'{full}.{rest}' if rest else full

    def resolve_entry(self, entry: dict) -> None:
        """Fill in resolved bases/returns and mark extension-backed values opaque."""
        if entry['kind'] == 'assign' and 'value' in entry:
            value = self.resolve(entry.pop('value'))
            if value.startswith(EXTENSION_ROOTS):
                entry['opaque'] = True
                entry['extension'] = value.rpartition('.')[2]
            elif value.startswith('rclpy.') or value.startswith('builtins.'):
                entry['alias_of'] = value
        if entry['kind'] == 'import' and entry['target'].startswith(EXTENSION_ROOTS):
            entry['opaque'] = True
        if 'returns' in entry:
            returns = self.resolve(entry.pop('returns'))
            if returns and returns.startswith('rclpy.'):
                entry['returns'] = returns  # kept for rclpy types only
        if entry['kind'] == 'class':
            entry['bases'] = [self.resolve(b) or '?' for b in entry['bases']]
            for member in entry['members'].values():
                self.resolve_entry(member)

    def class_entry(self, node: ast.ClassDef) -> dict:
        """Return a class's bases and members (methods, properties, attributes)."""
        members: Dict[str, dict] = {}
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                add_function_member(members, item)
            elif isinstance(item, ast.ClassDef):
                members[item.name] = self.class_entry(item)
            elif isinstance(item, (ast.Assign, ast.AnnAssign)):
                targets = item.targets if isinstance(item, ast.Assign) else [item.target]
                for target in targets:
                    for name in assigned_names(target):
                        members[name] = {'kind': 'attr'}
        for name in instance_attributes(node):
            members.setdefault(name, {'kind': 'attr'})
        bases = [b.value if isinstance(b, ast.Subscript) else b for b in node.bases]
        entry = {'kind': 'class', 'bases': [dotted(b) or '?' for b in bases],
                 'members': members}
        if any(k.arg == 'metaclass' for k in node.keywords):
            entry['metaclass'] = True
        return entry


def assigned_names(target: ast.expr) -> List[str]:
    """Return the plain names an assignment target binds."""
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, (ast.Tuple, ast.List)):
        return [n for elt in target.elts for n in assigned_names(elt)]
    return []


def add_function_member(members: Dict[str, dict], node: ast.FunctionDef) -> None:
    """Record a method, static/class method or property (setters mark it settable)."""
    decorators = [dotted(d) or '' for d in node.decorator_list]
    if 'property' in decorators:
        members[node.name] = {'kind': 'property', 'returns': annotation_text(node.returns)}
        return
    if any(d.endswith(('.setter', '.deleter')) for d in decorators):
        members.setdefault(node.name, {'kind': 'property'})['settable'] = True
        return
    kind = ('staticmethod' if 'staticmethod' in decorators
            else 'classmethod' if 'classmethod' in decorators else 'method')
    members[node.name] = {'kind': kind, **signature(node)}


def instance_attributes(node: ast.ClassDef) -> List[str]:
    """Return names assigned as ``self.NAME = ...`` in any method of the class."""
    names = []
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) or not item.args.args:
            continue
        me = item.args.args[0].arg
        for sub in ast.walk(item):
            targets = (sub.targets if isinstance(sub, ast.Assign)
                       else [sub.target] if isinstance(sub, (ast.AnnAssign, ast.AugAssign))
                       else [])
            for target in targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == me):
                    names.append(target.attr)
    return names


def signature(node: ast.FunctionDef) -> dict:
    """Return parameter names: positional, keyword-only and the *args/**kwargs flags."""
    args = node.args
    sig = {'params': [a.arg for a in args.posonlyargs + args.args]}
    if args.posonlyargs:
        sig['posonly'] = len(args.posonlyargs)
    if args.kwonlyargs:
        sig['kwonly'] = [a.arg for a in args.kwonlyargs]
    if args.vararg:
        sig['varargs'] = True
    if args.kwarg:
        sig['varkw'] = True
    returns = annotation_text(node.returns)
    if returns:
        sig['returns'] = returns
    return sig


def linearize(modules: Dict[str, dict]) -> None:
    """Give every class its rclpy MRO (depth-first, first occurrence kept)."""
    def lookup(qualified: str) -> Optional[dict]:
        module, _, name = qualified.rpartition('.')
        entry = modules.get(module, {}).get('names', {}).get(name)
        seen = 0
        while entry and entry['kind'] == 'import' and seen < 10:
            module, _, name = entry['target'].rpartition('.')
            entry = modules.get(module, {}).get('names', {}).get(name)
            seen += 1
        return entry if entry and entry['kind'] == 'class' else None

    def canonical(qualified: str) -> str:
        module, _, name = qualified.rpartition('.')
        entry = modules.get(module, {}).get('names', {}).get(name)
        while entry and entry['kind'] == 'import':
            qualified = entry['target']
            module, _, name = qualified.rpartition('.')
            entry = modules.get(module, {}).get('names', {}).get(name)
        return qualified

    def mro(qualified: str, depth: int = 0) -> List[str]:
        entry = lookup(qualified)
        if entry is None or depth > 20:
            return []
        order = [canonical(qualified)]
        for base in entry['bases']:
            for item in mro(base, depth + 1) or [canonical(base)]:
                if item not in order:
                    order.append(item)
        return order

    for module, data in modules.items():
        for name, entry in data['names'].items():
            if entry['kind'] == 'class':
                entry['bases'] = [canonical(b) for b in entry['bases']]
                entry['mro'] = mro(f'{module}.{name}')


def scan_tree(root: pathlib.Path) -> Dict[str, dict]:
    """Scan ``root/rclpy/**/*.py`` (root is the folder holding the ``rclpy`` package)."""
    modules = {}
    for path in sorted((root / 'rclpy').rglob('*.py')):
        name = module_name(path, root)
        tree = ast.parse(path.read_text(encoding='utf-8'), str(path))
        modules[name] = ModuleScanner(name, path.name == '__init__.py', tree).scan()
    for name in EXTENSION_MODULES:
        modules.setdefault(name, {'names': {}})['opaque'] = True
    linearize(modules)
    return modules


ENUM_RE = re.compile(r'py::enum_<[^>]+>\(\s*\w+,\s*"(\w+)"(.*?);', re.S)
VALUE_RE = re.compile(r'\.value\(\s*"(\w+)"')


def extension_enums(src: pathlib.Path) -> Dict[str, List[str]]:
    """Return the members of the enums the C extension defines (``py::enum_`` in src/)."""
    enums: Dict[str, List[str]] = {}
    for path in sorted(src.rglob('*.cpp')):
        for match in ENUM_RE.finditer(path.read_text(encoding='utf-8', errors='replace')):
            enums[match.group(1)] = VALUE_RE.findall(match.group(2))
    return enums


def attach_enums(modules: Dict[str, dict], enums: Dict[str, List[str]]) -> None:
    """Give opaque names that are extension enums their members (so they can be checked)."""
    for data in modules.values():
        for entry in data['names'].values():
            name = entry.get('extension')
            if name in enums:
                entry['enum_members'] = enums[name]


def loaded_by(modules: Dict[str, dict], start: str) -> List[str]:
    """Return the rclpy modules that ``import start`` loads (module-level imports)."""
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        parts = module.split('.')
        for i in range(1, len(parts) + 1):
            parent = '.'.join(parts[:i])
            if parent in modules and parent not in seen:
                seen.add(parent)
                todo.extend(modules[parent].get('requires', []))
        while module not in modules and '.' in module:
            module = module.rpartition('.')[0]
    return sorted(seen)


def version_of(package_xml: pathlib.Path) -> Optional[str]:
    """Return the <version> of rclpy's package.xml, if present."""
    if not package_xml.is_file():
        return None
    match = re.search(r'<version>([^<]+)</version>', package_xml.read_text(encoding='utf-8'))
    return match.group(1) if match else None


def build(checkout: pathlib.Path, commit: str, ref: Optional[str]) -> dict:
    """Return the manifest of the rclpy checkout at ``checkout`` (the repository root)."""
    modules = scan_tree(checkout / 'rclpy')
    attach_enums(modules, extension_enums(checkout / 'rclpy' / 'src'))
    return {
        'format': FORMAT,
        'source': {'repository': 'https://github.com/ros2/rclpy', 'ref': ref,
                   'commit': commit, 'version': version_of(checkout / 'rclpy' / 'package.xml')},
        'generator': 'test/tools/make_rclpy_manifest.py',
        'opaque_modules': EXTENSION_MODULES,
        'loaded_by_import_rclpy': loaded_by(modules, 'rclpy'),
        'modules': modules,
    }


def extract(git_dir: str, ref: str, into: pathlib.Path) -> str:
    """Unpack ``ref`` of a (bare) repository into ``into``; return the commit hash."""
    commit = git('--git-dir', git_dir, 'rev-parse', f'{ref}^{{commit}}')
    archive = into / 'rclpy.tar'
    with open(archive, 'wb') as out:
        subprocess.run(['git', '--git-dir', git_dir, 'archive', commit, 'rclpy'],
                       check=True, stdout=out)
    safe = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
    with tarfile.open(archive) as tar:
        tar.extractall(into, **safe)
    return commit


def main(argv: Optional[List[str]] = None) -> int:
    """Parse arguments, scan the checkout and write the manifest."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument('source', help='rclpy checkout (repository root) or bare git dir')
    parser.add_argument('--ref', help='branch/commit to read from a bare git dir (e.g. humble)')
    parser.add_argument('--commit', help='commit to record for a checkout without .git')
    parser.add_argument('-o', '--output', type=pathlib.Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    source = pathlib.Path(args.source)
    if not source.is_dir():
        parser.error(f'{source} is not a folder')
    with tempfile.TemporaryDirectory() as tmp:
        if args.ref:
            commit = extract(str(source), args.ref, pathlib.Path(tmp))
            checkout = pathlib.Path(tmp)
        else:
            checkout = source
            commit = args.commit or git('-C', str(source), 'rev-parse', 'HEAD')
            if not args.commit:
                args.ref = git('-C', str(source), 'rev-parse', '--abbrev-ref', 'HEAD')
        if not (checkout / 'rclpy' / 'rclpy' / '__init__.py').is_file():
            parser.error(f'{checkout} has no rclpy/rclpy/__init__.py')
        manifest = build(checkout, args.commit or commit, args.ref)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    # One key a line: about 160 KB, and a regeneration reads as a diff of the API.
    args.output.write_text(json.dumps(manifest, sort_keys=True, indent=1) + '\n',
                           encoding='utf-8')
    print(f'{args.output}: {len(manifest["modules"])} modules, rclpy '
          f'{manifest["source"]["version"]} at {commit}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
