"""
ROS 2 Humble: the package and its tests use only rclpy APIs that Humble's rclpy has.

Humble's rclpy (3.3, Python 3.10) cannot run here, so the check is static. Every Python file
of the package, ``launch/`` and ``test/`` is parsed with :mod:`ast` and its uses of rclpy are
compared with ``test/data/rclpy_humble.json``: modules, top-level names, class members and
parameter names of rclpy's ``humble`` branch, written by ``test/tools/make_rclpy_manifest.py``.

Checked: ``import rclpy.X`` and ``from rclpy.X import Y``; attribute chains on rclpy modules,
classes and enums (``rclpy.qos.ReliabilityPolicy.BEST_EFFORT``); submodules reached as
attributes (``rclpy.lifecycle.X``) must be loaded by the file's rclpy imports in Humble; keyword
arguments and the number of positional arguments of calls the scan can attribute; ``with`` on
rclpy objects that are no context managers in Humble.

Attribution (simple, flow-insensitive, per file): a name is an rclpy object when it is bound by
an rclpy import; a local variable or ``self.X`` when assigned the result of calling an rclpy
class or an rclpy function with an rclpy return annotation (``rclpy.create_node`` -> Node,
``create_publisher`` -> Publisher); a parameter when annotated with an rclpy class; ``self`` and
``super()`` in a class deriving from an rclpy class (names the class defines itself are its
own, not checked). Fallback: in a file that imports rclpy, ``anything.m(...)`` whose receiver
is unknown and where ``m`` is a method of ``rclpy.node.Node`` named ``create_*``, ``declare_*``,
``undeclare_*``, ``destroy_*``, ``add_on_*`` or ``remove_on_*`` is checked against ``Node.m``
(``probe.node.create_subscription(...)`` in a test). Names backed by the C extension are opaque,
except the members of its enums, which the manifest lists.

Guards: a use is allowed inside ``try:`` whose handlers catch ImportError, ModuleNotFoundError,
AttributeError, TypeError, Exception or everything; inside either branch of an ``if`` (or a
conditional expression, or after it in an ``and`` chain) whose test calls ``hasattr``/``getattr``
or mentions ``ROS_DISTRO``, a distro or ``version``/``__version__``; and on a line with the
comment ``humble-api: ok``.
"""

import ast
import builtins
import dataclasses
import json
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple

import pytest

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = ROOT / 'test' / 'data' / 'rclpy_humble.json'
EXCLUDED = (ROOT / 'test' / 'tools', ROOT / 'test' / 'data')
PRAGMA = 'humble-api: ok'
GUARD_EXCEPTIONS = {'ImportError', 'ModuleNotFoundError', 'AttributeError', 'TypeError',
                    'Exception', 'BaseException'}
GUARD_WORDS = ('ros_distro', 'distro', 'humble', 'version')
PLAIN_BASES = {'builtins.object', 'typing.Generic', 'abc.ABC'}
ENUM_BASES = {'enum.Enum', 'enum.IntEnum', 'enum.Flag', 'enum.IntFlag'}
FALLBACK_PREFIXES = ('create_', 'declare_', 'undeclare_', 'destroy_', 'add_on_', 'remove_on_')
ENUM_ATTRS = set(dir(int)) | {'name', 'value', '_name_', '_value_', '__members__'}


@dataclasses.dataclass(eq=False)
class Sym:
    """What the scan knows about a value: an rclpy module, class, instance, function..."""

    kind: str  # module | class | instance | function | enum | opaque | user
    name: str  # dotted rclpy name (the class, for instances)
    entry: Optional[dict] = None
    bound: bool = False  # a method reached through an instance (drop ``self``)
    own: Optional[Set[str]] = None  # ``self`` of a user class: names it defines itself
    attrs: Dict[str, 'Sym'] = dataclasses.field(default_factory=dict)  # ``self.X`` types


class Api:
    """The Humble rclpy manifest, with lookups by dotted name."""

    def __init__(self, manifest: dict):
        """Index the manifest; note the Node methods the name-based fallback checks."""
        self.manifest = manifest
        self.modules: Dict[str, dict] = manifest['modules']
        self.commit: str = manifest['source']['commit']
        node = self.modules['rclpy.node']['names']['Node']['members']
        self.node_methods = {name for name, entry in node.items()
                             if name.startswith(FALLBACK_PREFIXES) and entry['kind'] == 'method'}

    def name_entry(self, module: str, name: str) -> Optional[dict]:
        """Return a module's top-level entry for ``name`` (star imports followed)."""
        data = self.modules.get(module, {})
        if name in data.get('names', {}):
            return data['names'][name]
        for star in data.get('star_imports', []):
            entry = self.name_entry(star, name)
            if entry:
                return entry
        return None

    def resolve(self, dotted: str) -> Optional[Sym]:
        """Return the symbol for a fully qualified rclpy name (None: unknown or missing)."""
        if dotted in self.modules:
            return Sym('opaque' if self.modules[dotted].get('opaque') else 'module', dotted)
        module, _, name = dotted.rpartition('.')
        if module not in self.modules:
            owner = self.resolve(module) if module.startswith('rclpy') else None
            return self.attr(owner, name)[0] if owner else None
        entry = self.name_entry(module, name)
        return self.entry_sym(f'{module}.{name}', entry) if entry else None

    def entry_sym(self, dotted: str, entry: dict) -> Optional[Sym]:
        """Return the symbol a manifest entry stands for."""
        kind = entry['kind']
        if entry.get('enum_members'):
            return Sym('enum', dotted, entry)
        if entry.get('opaque'):
            return Sym('opaque', dotted)
        if kind == 'import':
            target = entry['target']
            return self.resolve(target) if target.startswith('rclpy') else None
        if kind in ('class', 'function'):
            return Sym(kind, dotted, entry)
        alias = entry.get('alias_of', '')
        return self.resolve(alias) if alias.startswith('rclpy.') else None

    def class_entry(self, dotted: str) -> Optional[dict]:
        """Return the manifest entry of an rclpy class by its canonical name."""
        module, _, name = dotted.rpartition('.')
        entry = self.modules.get(module, {}).get('names', {}).get(name)
        return entry if entry and entry['kind'] == 'class' else None

    def find_member(self, cls: Sym, name: str) -> Tuple[Optional[dict], str]:
        """Look ``name`` up along the class's rclpy MRO; return (entry, owner class)."""
        for owner in cls.entry.get('mro') or [cls.name]:
            entry = self.class_entry(owner) or (cls.entry if owner == cls.name else None)
            if entry and name in entry['members']:
                return entry['members'][name], owner
        return None, cls.name

    def inherited_extras(self, cls: Sym) -> Optional[Set[str]]:
        """Return attributes non-rclpy bases add, or None when a base is not understood."""
        extras: Set[str] = set()
        for owner in cls.entry.get('mro') or [cls.name]:
            entry = self.class_entry(owner) or (cls.entry if owner == cls.name else None)
            if entry is None:
                continue  # a non-rclpy base: judged below, as a base of an rclpy class
            if entry.get('metaclass'):
                return None
            for base in entry['bases']:
                if self.class_entry(base) or base in PLAIN_BASES:
                    continue
                if base in ENUM_BASES:
                    extras |= ENUM_ATTRS
                elif base.startswith('builtins.') and isinstance(
                        getattr(builtins, base[9:], None), type):
                    extras |= set(dir(getattr(builtins, base[9:])))
                else:
                    return None
        return extras | set(dir(object))

    def attr(self, sym: Sym, name: str) -> Tuple[Optional[Sym], Optional[str]]:
        """Return (symbol of ``sym.name``, problem) for an attribute access."""
        if sym.kind == 'module':
            return self.module_attr(sym, name)
        if sym.kind in ('class', 'instance'):
            return self.class_attr(sym, name)
        if sym.kind == 'enum':
            if name in sym.entry['enum_members']:
                return Sym('opaque', f'{sym.name}.{name}'), None
            if name in ENUM_ATTRS or name.startswith('__'):
                return None, None
            return None, f'{sym.name}.{name}'
        if sym.kind == 'user':
            return sym.attrs.get(name), None
        return None, None

    def module_attr(self, sym: Sym, name: str) -> Tuple[Optional[Sym], Optional[str]]:
        """Look a name up in an rclpy module (a submodule, or a top-level name)."""
        dotted = f'{sym.name}.{name}'
        if dotted in self.modules:
            return self.resolve(dotted), None
        entry = self.name_entry(sym.name, name)
        if entry is None:
            return None, dotted
        return self.entry_sym(dotted, entry), None

    def class_attr(self, sym: Sym, name: str) -> Tuple[Optional[Sym], Optional[str]]:
        """Look a member up on an rclpy class or instance (``self`` of a subclass too)."""
        if name in sym.attrs:
            return sym.attrs[name], None
        if sym.own is not None and ('*' in sym.own or name in sym.own):
            return None, None
        member, owner = self.find_member(sym, name)
        if member is None:
            extras = self.inherited_extras(sym)
            if extras is None or name in extras:
                return None, None
            return None, f'{sym.name}.{name}'
        kind = member['kind']
        qualified = f'{owner}.{name}'
        if kind in ('method', 'classmethod', 'staticmethod'):
            bound = kind == 'classmethod' or (kind == 'method' and sym.kind == 'instance')
            return Sym('function', qualified, member, bound=bound), None
        if kind == 'class':
            return Sym('class', qualified, member), None
        if kind == 'property' and member.get('returns'):
            return self.instance_of(member['returns']), None
        return None, None

    def instance_of(self, dotted: str) -> Optional[Sym]:
        """Return an instance symbol of the rclpy class ``dotted`` (None if no such class)."""
        cls = self.resolve(dotted)
        return Sym('instance', cls.name, cls.entry) if cls and cls.kind == 'class' else None

    def call(self, sym: Sym, call: ast.Call) -> Tuple[Optional[Sym], List[str]]:
        """Check a call's arguments; return (symbol of the result, problems)."""
        if sym.kind == 'function':
            problems = arguments_problems(sym.name, sym.entry, sym.bound, call)
            returns = sym.entry.get('returns')
            return (self.instance_of(returns) if returns else None), problems
        if sym.kind == 'class':
            init, owner = self.find_member(sym, '__init__')
            problems = []
            if init and init['kind'] == 'method':
                problems = arguments_problems(f'{owner}.__init__', init, True, call)
            return Sym('instance', sym.name, sym.entry), problems
        return None, []

    def loaded(self, imported: Iterable[str]) -> Set[str]:
        """Return the rclpy modules loaded once ``imported`` are (imports, lazy ones too)."""
        seen: Set[str] = set()
        todo = ['rclpy', *imported]
        while todo:
            module = todo.pop()
            parts = module.split('.')
            for i in range(1, len(parts) + 1):
                parent = '.'.join(parts[:i])
                if parent in self.modules and parent not in seen:
                    seen.add(parent)
                    data = self.modules[parent]
                    todo.extend(data.get('requires', []) + data.get('lazy', []))
        return seen


def arguments_problems(name: str, sig: dict, bound: bool, call: ast.Call) -> List[str]:
    """Return keyword arguments Humble's signature lacks, and surplus positional arguments."""
    skip = 1 if bound and sig['kind'] != 'staticmethod' else 0
    params = sig.get('params', [])[skip:]
    posonly = max(0, sig.get('posonly', 0) - skip)
    keywords = set(params[posonly:]) | set(sig.get('kwonly', []))
    problems = [f'{name}({kw.arg}=...)' for kw in call.keywords
                if kw.arg and kw.arg not in keywords and not sig.get('varkw')]
    starred = any(isinstance(arg, ast.Starred) for arg in call.args)
    if not sig.get('varargs') and not starred and len(call.args) > len(params):
        problems.append(f'{name}() with {len(call.args)} positional arguments '
                        f'(Humble takes {len(params)})')
    return problems


def is_guard_test(test: ast.expr) -> bool:
    """Tell whether an ``if`` test checks for a feature or a version (hasattr, ROS_DISTRO)."""
    for node in ast.walk(test):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in ('hasattr', 'getattr')):
            return True
        words = [node.id if isinstance(node, ast.Name) else
                 node.attr if isinstance(node, ast.Attribute) else
                 node.value if isinstance(node, ast.Constant) and isinstance(node.value, str)
                 else '']
        if any(word in words[0].lower() for word in GUARD_WORDS):
            return True
    return False


def catches_missing_api(node: ast.Try) -> bool:
    """Tell whether a ``try`` statement's handlers catch what a missing API raises."""
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        names = {t.id if isinstance(t, ast.Name) else getattr(t, 'attr', '') for t in types}
        if names & GUARD_EXCEPTIONS:
            return True
    return False


def defined_names(node: ast.ClassDef) -> Set[str]:
    """Return names a class defines itself: methods, class attributes, ``self.X``."""
    names: Set[str] = set()
    for item in node.body:
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(item.name)
        elif isinstance(item, (ast.Assign, ast.AnnAssign)):
            targets = item.targets if isinstance(item, ast.Assign) else [item.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    for target, _ in self_assignments(node):
        names.add(target)
    return names


def self_assignments(node: ast.ClassDef) -> List[Tuple[str, ast.expr]]:
    """Return ``(X, value)`` for each ``self.X = value`` in the class's methods."""
    found = []
    for item in node.body:
        if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) or not item.args.args:
            continue
        me = item.args.args[0].arg
        for sub in ast.walk(item):
            if isinstance(sub, (ast.Assign, ast.AnnAssign)) and sub.value is not None:
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                found += [(t.attr, sub.value) for t in targets
                          if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name)
                          and t.value.id == me]
    return found


class FileChecker:
    """Walk one file's statements, attribute rclpy uses and record violations."""

    def __init__(self, api: Api, source: str, filename: str = '<snippet>'):
        """Parse the source and work out which rclpy modules its imports load."""
        self.api = api
        self.tree = ast.parse(source, filename)
        self.pragma_lines = {i for i, line in enumerate(source.splitlines(), 1)
                             if PRAGMA in line}
        self.violations: List[Tuple[int, str]] = []
        self.quiet = False
        imported = list(self.rclpy_imports())
        self.uses_rclpy = bool(imported)
        self.loaded = api.loaded(imported)

    def rclpy_imports(self) -> Iterable[str]:
        """Yield every rclpy module the file imports, anywhere in it."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                yield from (a.name for a in node.names if a.name.split('.')[0] == 'rclpy')
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                if node.module.split('.')[0] == 'rclpy':
                    yield node.module
                    yield from (f'{node.module}.{a.name}' for a in node.names)

    def run(self) -> List[Tuple[int, str]]:
        """Check the whole file; return (line, what) for each violation."""
        self.block(self.tree.body, {}, False)
        return sorted(set(self.violations))

    def report(self, node: ast.AST, what: str, guarded: bool) -> None:
        """Record a violation unless guarded, quiet or marked with the pragma."""
        if not (guarded or self.quiet or node.lineno in self.pragma_lines):
            self.violations.append((node.lineno, what))

    # ---- statements ----------------------------------------------------------------------
    def block(self, body: List[ast.stmt], scope: dict, guarded: bool) -> None:
        """Check a list of statements in order."""
        for node in body:
            self.statement(node, scope, guarded)

    def statement(self, node: ast.stmt, scope: dict, guarded: bool) -> None:
        """Check one statement, by its type."""
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            self.imports(node, scope, guarded)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.function(node, scope, guarded, None)
        elif isinstance(node, ast.ClassDef):
            self.klass(node, scope, guarded)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            self.assign(node, scope, guarded)
        elif isinstance(node, ast.If):
            self.expr(node.test, scope, guarded)
            inside = guarded or is_guard_test(node.test)
            self.block(node.body, scope, inside)
            self.block(node.orelse, scope, inside)
        elif isinstance(node, ast.Try):
            self.block(node.body, scope, guarded or catches_missing_api(node))
            for handler in node.handlers:
                self.block(handler.body, scope, guarded)
            self.block(node.orelse + node.finalbody, scope, guarded)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            self.with_statement(node, scope, guarded)
        else:
            self.generic(node, scope, guarded)

    def generic(self, node: ast.AST, scope: dict, guarded: bool) -> None:
        """Check every expression and nested statement list of a statement."""
        for value in ast.iter_fields(node):
            items = value[1] if isinstance(value[1], list) else [value[1]]
            for item in items:
                if isinstance(item, ast.stmt):
                    self.statement(item, scope, guarded)
                elif isinstance(item, ast.AST):
                    self.expr(item, scope, guarded)

    def imports(self, node: ast.stmt, scope: dict, guarded: bool) -> None:
        """Check ``import rclpy.X`` / ``from rclpy.X import Y``; bind the imported names."""
        if isinstance(node, ast.Import):
            for alias in node.names:
                self.import_module(node, alias, scope, guarded)
            return
        module = node.module or ''
        if node.level or module.split('.')[0] != 'rclpy':
            for alias in node.names:
                scope.pop(alias.asname or alias.name, None)
            return
        if module not in self.api.modules:
            self.report(node, f'{module} (module)', guarded)
        for alias in node.names:
            sym, problem = (None, None)
            if module in self.api.modules and alias.name != '*':
                sym, problem = self.api.module_attr(Sym('module', module), alias.name)
            if problem:
                self.report(node, f'from {module} import {alias.name}', guarded)
            self.bind(scope, alias.asname or alias.name, sym)

    def import_module(self, node: ast.Import, alias: ast.alias, scope: dict,
                      guarded: bool) -> None:
        """Check and bind one ``import X[.Y] [as Z]``."""
        top = alias.name.split('.')[0]
        if top != 'rclpy':
            scope.pop(alias.asname or top, None)
            return
        if alias.name not in self.api.modules:
            self.report(node, f'{alias.name} (module)', guarded)
            self.bind(scope, alias.asname or top, None if alias.asname else Sym('module', top))
            return
        self.bind(scope, alias.asname or top,
                  self.api.resolve(alias.name if alias.asname else top))

    @staticmethod
    def bind(scope: dict, name: str, sym: Optional[Sym]) -> None:
        """Bind a name to a symbol (or forget it when unknown)."""
        if sym is None:
            scope.pop(name, None)
        else:
            scope[name] = sym

    def function(self, node: ast.FunctionDef, scope: dict, guarded: bool,
                 me: Optional[Sym]) -> None:
        """Check a function: decorators, defaults, annotated parameters, body."""
        for item in node.decorator_list + node.args.defaults + node.args.kw_defaults:
            if item is not None:
                self.expr(item, scope, guarded)
        local = dict(scope)
        params = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
        for arg in params:
            sym = self.expr(arg.annotation, scope, guarded) if arg.annotation else None
            self.bind(local, arg.arg, self.as_instance(sym))
        plain = not any(getattr(d, 'id', '') in ('staticmethod', 'classmethod')
                        for d in node.decorator_list)
        if me is not None and params and plain:
            local[params[0].arg] = me
            if me.kind == 'instance':
                local['__super__'] = Sym('instance', me.name, me.entry)
        self.block(node.body, local, guarded)

    @staticmethod
    def as_instance(sym: Optional[Sym]) -> Optional[Sym]:
        """Return an instance of an annotated rclpy class (None for other annotations)."""
        return Sym('instance', sym.name, sym.entry) if sym and sym.kind == 'class' else None

    def klass(self, node: ast.ClassDef, scope: dict, guarded: bool) -> None:
        """Check a class; ``self`` in its methods knows its rclpy base and ``self.X`` types."""
        for item in node.decorator_list + [k.value for k in node.keywords]:
            self.expr(item, scope, guarded)
        bases = [self.expr(base, scope, guarded) for base in node.bases]
        rclpy_bases = [b for b in bases if b and b.kind == 'class']
        own = defined_names(node)
        if rclpy_bases:
            if len(rclpy_bases) != len(node.bases):
                own.add('*')  # other bases may define anything
            me = Sym('instance', *self.combined_base(node.name, rclpy_bases), own=own)
        else:
            me = Sym('user', node.name, own=own)
        me.attrs = self.attribute_types(node, scope, me)
        body_scope = dict(scope)
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.function(item, scope, guarded, me)
            else:
                self.statement(item, body_scope, guarded)
        self.bind(scope, node.name, None)

    @staticmethod
    def combined_base(name: str, bases: List[Sym]) -> Tuple[str, dict]:
        """
        Return (name, entry) of what ``self`` is in a class with these rclpy bases.

        One base: that class. Several (e.g. ``LifecycleNodeMixin, Node``): a class whose MRO
        is theirs in order, as Python's is.
        """
        if len(bases) == 1:
            return bases[0].name, bases[0].entry
        mro: List[str] = []
        for base in bases:
            mro += [owner for owner in base.entry.get('mro') or [base.name] if owner not in mro]
        return name, {'kind': 'class', 'bases': [b.name for b in bases], 'members': {},
                      'mro': mro}

    def attribute_types(self, node: ast.ClassDef, scope: dict, me: Sym) -> Dict[str, Sym]:
        """Type ``self.X`` from its assignments (quietly; the walk reports problems later)."""
        types: Dict[str, Sym] = {}
        self.quiet = True
        try:
            local = dict(scope)
            local['self'] = me
            for name, value in self_assignments(node):
                sym = self.expr(value, local, True)
                if sym is not None and name not in types:
                    types[name] = sym
        finally:
            self.quiet = False
        return types

    def assign(self, node: ast.stmt, scope: dict, guarded: bool) -> None:
        """Check an assignment; a plain name takes the value's symbol."""
        sym = self.expr(node.value, scope, guarded) if node.value is not None else None
        if isinstance(node, ast.AnnAssign):
            annotated = self.as_instance(self.expr(node.annotation, scope, guarded))
            sym = sym or annotated
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            if isinstance(target, ast.Name):
                self.bind(scope, target.id, sym)
            else:
                self.expr(target, scope, guarded)

    def with_statement(self, node: ast.With, scope: dict, guarded: bool) -> None:
        """Check ``with`` items: rclpy objects must be context managers in Humble."""
        for item in node.items:
            sym = self.expr(item.context_expr, scope, guarded)
            if sym and sym.kind == 'instance' and sym.own is None:
                if self.api.find_member(sym, '__enter__')[0] is None \
                        and self.api.inherited_extras(sym) is not None:
                    self.report(node, f'with {sym.name}(...) (no __enter__)', guarded)
            if isinstance(item.optional_vars, ast.Name):
                self.bind(scope, item.optional_vars.id, sym)
        self.block(node.body, scope, guarded)

    # ---- expressions ---------------------------------------------------------------------
    def expr(self, node: ast.AST, scope: dict, guarded: bool) -> Optional[Sym]:
        """Check an expression and return its symbol when it is an rclpy object."""
        if isinstance(node, ast.Name):
            return scope.get(node.id)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, scope, guarded)
        if isinstance(node, ast.Call):
            return self.call(node, scope, guarded)
        if isinstance(node, ast.IfExp):
            self.expr(node.test, scope, guarded)
            inside = guarded or is_guard_test(node.test)
            self.expr(node.body, scope, inside)
            self.expr(node.orelse, scope, inside)
            return None
        if isinstance(node, ast.BoolOp):
            for value in node.values:
                self.expr(value, scope, guarded)
                guarded = guarded or (isinstance(node.op, ast.And) and is_guard_test(value))
            return None
        for child in ast.iter_child_nodes(node):
            self.expr(child, scope, guarded)
        return None

    def attribute(self, node: ast.Attribute, scope: dict, guarded: bool) -> Optional[Sym]:
        """Check ``value.attr`` on an rclpy object."""
        base = self.expr(node.value, scope, guarded)
        if base is None:
            return None
        sym, problem = self.api.attr(base, node.attr)
        if problem:
            self.report(node, problem, guarded)
        elif sym and sym.kind in ('module', 'opaque') and base.kind == 'module' \
                and sym.name in self.api.modules and sym.name not in self.loaded:
            self.report(node, f'{sym.name} used as an attribute but never imported '
                        f'(nothing this file imports loads it)', guarded)
        return sym

    def call(self, node: ast.Call, scope: dict, guarded: bool) -> Optional[Sym]:
        """Check a call's arguments against the Humble signature of what it calls."""
        func = node.func
        if isinstance(func, ast.Name) and func.id == 'super' and not node.args:
            sym = scope.get('__super__')
        else:
            sym = self.expr(func, scope, guarded)
        for arg in node.args + [k.value for k in node.keywords]:
            self.expr(arg, scope, guarded)
        if sym is None and self.uses_rclpy and isinstance(func, ast.Attribute) \
                and func.attr in self.api.node_methods:
            node_cls = self.api.resolve('rclpy.node.Node')
            sym, _ = self.api.attr(Sym('instance', node_cls.name, node_cls.entry), func.attr)
        if sym is None:
            return None
        result, problems = self.api.call(sym, node)
        for problem in problems:
            self.report(node, problem, guarded)
        return result


def load_api() -> Api:
    """Load the Humble manifest."""
    return Api(json.loads(MANIFEST.read_text(encoding='utf-8')))


def checked_files() -> List[Path]:
    """Return the package's, the launch files' and the tests' Python files."""
    files = sorted((ROOT / 'msinet_ros').rglob('*.py')) + sorted((ROOT / 'launch').glob('*.py'))
    files += [p for p in sorted((ROOT / 'test').rglob('*.py'))
              if not any(p.is_relative_to(folder) for folder in EXCLUDED)]
    return files


def violations_in(api: Api, source: str, filename: str = '<snippet>') -> List[str]:
    """Return ``file:line: what — not in Humble rclpy (manifest commit X)`` lines."""
    found = FileChecker(api, source, filename).run()
    return [f'{filename}:{line}: {what} — not in Humble rclpy (manifest commit '
            f'{api.commit[:12]})' for line, what in found]


@pytest.fixture(scope='module')
def api() -> Api:
    """Provide the Humble manifest."""
    return load_api()


def test_the_manifest_is_humble_rclpy(api):
    """The manifest comes from Humble's rclpy and has what the check relies on."""
    manifest = api.manifest
    assert len(api.commit) == 40
    assert manifest['source']['version'].startswith('3.3.')  # rclpy 3.3.x is Humble's
    subscription = api.modules['rclpy.node']['names']['Node']['members']['create_subscription']
    assert 'qos_overriding_options' in subscription['kwonly']
    assert 'autostart' not in api.modules['rclpy.node']['names']['Node']['members'][
        'create_timer']['params']
    assert 'rclpy.qos_event' in api.modules and 'rclpy.lifecycle' in api.modules
    assert 'rclpy.parameter_client' not in api.modules
    assert 'rclpy.event_handler' not in api.modules
    assert api.manifest['opaque_modules']


def test_package_and_tests_use_only_humble_rclpy(api):
    """Every rclpy use the scan can attribute exists in Humble (or is guarded)."""
    report = []
    for path in checked_files():
        report += violations_in(api, path.read_text(encoding='utf-8'),
                                str(path.relative_to(ROOT)))
    assert not report, '\n' + '\n'.join(report)


TRAPS = {
    'parameter client module': (
        'from rclpy.parameter_client import AsyncParameterClient\n',
        'rclpy.parameter_client (module)'),
    'event_handler module': (
        'import rclpy.event_handler\n', 'rclpy.event_handler (module)'),
    'publisher matched callback': (
        'from rclpy.qos_event import PublisherEventCallbacks\n'
        'callbacks = PublisherEventCallbacks(matched=print)\n',
        'PublisherEventCallbacks.__init__(matched=...)'),
    'publisher matched event type': (
        'from rclpy.qos_event import QoSPublisherEventType\n'
        'kind = QoSPublisherEventType.RCL_PUBLISHER_MATCHED\n',
        'QoSPublisherEventType.RCL_PUBLISHER_MATCHED'),
    'timer autostart on self': (
        'from rclpy.node import Node\n'
        'class N(Node):\n'
        '    def __init__(self):\n'
        '        super().__init__("n")\n'
        '        self.create_timer(1.0, self.tick, autostart=False)\n'
        '    def tick(self):\n'
        '        pass\n',
        'rclpy.node.Node.create_timer(autostart=...)'),
    'timer autostart positional': (
        'import rclpy\n'
        'node = rclpy.create_node("n")\n'
        'node.create_timer(1.0, print, None, None, False)\n',
        'create_timer() with 5 positional arguments'),
    'timer autostart on an annotated node': (
        'from rclpy.node import Node\n'
        'def wire(node: Node):\n'
        '    node.create_timer(1.0, print, autostart=False)\n',
        'rclpy.node.Node.create_timer(autostart=...)'),
    'timer autostart on an unknown receiver': (
        'import rclpy\n'
        'probe.node.create_timer(1.0, print, autostart=False)\n',
        'rclpy.node.Node.create_timer(autostart=...)'),
    'best-available QoS': (
        'from rclpy.qos import qos_profile_best_available\n', 'qos_profile_best_available'),
    'best-available policy': (
        'import rclpy.qos\n'
        'policy = rclpy.qos.ReliabilityPolicy.BEST_AVAILABLE\n',
        'ReliabilityPolicy.BEST_AVAILABLE'),
    'executor as context manager': (
        'from rclpy.executors import SingleThreadedExecutor\n'
        'with SingleThreadedExecutor() as executor:\n'
        '    pass\n', 'with rclpy.executors.SingleThreadedExecutor(...)'),
    'node keyword': (
        'from rclpy.node import Node\nNode("n", enable_logger_service=True)\n',
        'Node.__init__(enable_logger_service=...)'),
    'pre-set parameter callback': (
        'from rclpy.node import Node\n'
        'class N(Node):\n'
        '    def start(self):\n'
        '        self.add_pre_set_parameters_callback(print)\n',
        'rclpy.node.Node.add_pre_set_parameters_callback'),
    'client call timeout': (
        'from rclpy.node import Node\n'
        'def ask(node: Node):\n'
        '    client = node.create_client(int, "s")\n'
        '    client.call(1, timeout_sec=2.0)\n', 'Client.call(timeout_sec=...)'),
    'subscription publisher count': (
        'import rclpy\n'
        'node = rclpy.create_node("n")\n'
        'sub = node.create_subscription(int, "t", print, 10)\n'
        'sub.get_publisher_count()\n', 'Subscription.get_publisher_count'),
    'clock_type module': (
        'from rclpy.clock_type import ClockType\n', 'rclpy.clock_type (module)'),
    'parameter yaml helper': (
        'from rclpy.parameter import parameter_dict_from_yaml_file\n',
        'from rclpy.parameter import parameter_dict_from_yaml_file'),
    'logging attribute chain': (
        'import rclpy\nimport rclpy.logging\nrclpy.logging.get_logger_level("n")\n',
        'rclpy.logging.get_logger_level'),
    'subscription matched callback': (
        'import rclpy.qos_event\n'
        'rclpy.qos_event.SubscriptionEventCallbacks(matched=print, incompatible_type=print)\n',
        'SubscriptionEventCallbacks.__init__(matched=...)'),
    'matched info type': (
        'from rclpy.qos_event import QoSPublisherMatchedInfo\n',
        'from rclpy.qos_event import QoSPublisherMatchedInfo'),
    'context as context manager': (
        'import rclpy\n'
        'with rclpy.context.Context() as context:\n'
        '    rclpy.init(context=context)\n',
        'with rclpy.context.Context(...)'),
    'wait for node': (
        'from rclpy.node import Node\n'
        'class N(Node):\n'
        '    def ready(self):\n'
        '        return self.wait_for_node("/other", 1.0)\n',
        'rclpy.node.Node.wait_for_node'),
    'unimported submodule': (
        'import rclpy\nrclpy.lifecycle.LifecycleNode("n")\n',
        'rclpy.lifecycle used as an attribute but never imported'),
}


@pytest.mark.parametrize('snippet,expected', TRAPS.values(), ids=list(TRAPS))
def test_the_check_catches_jazzy_only_apis(api, snippet, expected):
    """Each known trap (an API newer than Humble) is reported."""
    found = violations_in(api, snippet)
    assert any(expected in line for line in found), found


ALLOWED = {
    'humble node': (
        'import rclpy\n'
        'from rclpy.executors import ExternalShutdownException\n'
        'from rclpy.node import Node\n'
        'from rclpy.qos import qos_profile_sensor_data, QoSProfile, ReliabilityPolicy\n'
        'from rclpy.qos_overriding_options import QoSOverridingOptions\n'
        'from rclpy.signals import SignalHandlerOptions\n'
        'class N(Node):\n'
        '    def __init__(self):\n'
        '        super().__init__("n", automatically_declare_parameters_from_overrides=True)\n'
        '        self.helper = 3\n'
        '        self.timer = self.create_timer(1.0, self.tick)\n'
        '        self.timer.cancel()\n'
        '        self.create_subscription(int, "t", print, qos_profile_sensor_data,\n'
        '            qos_overriding_options=QoSOverridingOptions.with_default_policies())\n'
        '        self.create_publisher(int, "t", QoSProfile(depth=1,\n'
        '            reliability=ReliabilityPolicy.BEST_EFFORT))\n'
        '        self.get_logger().info("x", throttle_duration_sec=1.0)\n'
        '        self.helper.whatever(autostart=True)\n'
        '    def tick(self):\n'
        '        pass\n'
        'rclpy.init(args=None, signal_handler_options=SignalHandlerOptions.NO)\n'
        'rclpy.logging.get_logger("n").info("x")\n'
        'rclpy.try_shutdown()\n'),
    'hasattr guard': (
        'import rclpy\n'
        'node = rclpy.create_node("n")\n'
        'if hasattr(node, "add_pre_set_parameters_callback"):\n'
        '    node.add_pre_set_parameters_callback(print)\n'),
    'import guard': (
        'try:\n'
        '    from rclpy.parameter_client import AsyncParameterClient\n'
        'except ImportError:\n'
        '    AsyncParameterClient = None\n'),
    'distro guard': (
        'import os\n'
        'from rclpy.node import Node\n'
        'def timer(node: Node):\n'
        '    if os.environ.get("ROS_DISTRO") != "humble":\n'
        '        return node.create_timer(1.0, print, autostart=False)\n'
        '    return node.create_timer(1.0, print)\n'),
    'and-chain guard': (
        'from rclpy.node import Node\n'
        'def count(node: Node):\n'
        '    return hasattr(node, "count_services") and node.count_services("/s")\n'),
    'pragma': (
        'from rclpy.event_handler import QoSPublisherMatchedInfo  # humble-api: ok\n'),
    'other libraries': (
        'import launch_ros.actions\n'
        'launch_ros.actions.Node(package="p", executable="e", autostart=True)\n'),
}


@pytest.mark.parametrize('snippet', ALLOWED.values(), ids=list(ALLOWED))
def test_the_check_allows_humble_code_and_guarded_code(api, snippet):
    """Humble APIs, guarded uses and other libraries are not reported."""
    assert violations_in(api, snippet) == []
