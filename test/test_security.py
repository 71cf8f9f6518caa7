"""
The security rules of docs/security.md kept by the sources.

No pickle anywhere; TensorFlow only where a SavedModel or checkpoint is imported. The pickle
scan parses every Python file of the package, the launch files, the tests and the benchmarks
(so text in strings and comments never counts), resolves names through each file's own
imports (``import numpy as np``, ``from torch import load``) and reports ``file:line`` for:

* importing a module that unpickles or unmarshals: ``pickle``, ``_pickle``, ``cPickle``,
  ``cloudpickle``, ``dill``, ``joblib``, ``jsonpickle``, ``marshal``, ``shelve`` (also by
  name through ``importlib.import_module``, ``__import__`` or the package's ``require``);
* ``numpy.load`` without ``allow_pickle=False``;
* ``torch.load`` without ``weights_only=True``, and ``torch.jit.load`` (a TorchScript archive);
* ``pandas.read_pickle`` (any ``*.read_pickle``);
* ``yaml.load`` / ``yaml.load_all`` without ``Loader=`` ``SafeLoader``, ``CSafeLoader`` or
  ``BaseLoader``, and ``yaml.unsafe_load``, ``yaml.full_load`` and their ``_all`` forms;
* the builtins ``eval`` and ``exec`` (nothing here needs them: no code is built from data);
* a data file whose name says it is a pickle (``.pkl``, ``.pickle``, ``.joblib``, ``.pt``,
  ``.pth``).
"""

import ast
import functools
import importlib.util
from pathlib import Path
import sys
from typing import Dict, Iterator, List, Optional, Tuple

from msinet_ros.errors import MissingDependencyError
from msinet_ros.model import importers, weights
import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCANNED = ('msinet_ros', 'launch', 'test', 'benchmarks', 'setup.py')
PICKLING_MODULES = frozenset({'pickle', '_pickle', 'cPickle', 'cloudpickle', 'dill', 'joblib',
                              'jsonpickle', 'marshal', 'shelve'})
PICKLE_SUFFIXES = ('.pkl', '.pickle', '.joblib', '.pt', '.pth')
SAFE_YAML_LOADERS = frozenset({'SafeLoader', 'CSafeLoader', 'BaseLoader'})
UNSAFE_YAML = frozenset({'yaml.unsafe_load', 'yaml.unsafe_load_all', 'yaml.full_load',
                         'yaml.full_load_all'})
IMPORTERS_BY_NAME = ('import_module', '__import__', 'require')
# The only functions of the package that import TensorFlow: they run the file's graphs.
TENSORFLOW_USERS = {('msinet_ros/model/importers.py', '_saved_model'),
                    ('msinet_ros/model/importers.py', '_checkpoint')}


def python_files(root: Path = ROOT) -> Iterator[Path]:
    """Yield the scanned Python sources (bytecode caches and virtual environments aside)."""
    for name in SCANNED:
        path = root / name
        files = [path] if path.is_file() else sorted(path.rglob('*.py'))
        yield from (f for f in files if '__pycache__' not in f.parts)


@functools.lru_cache(maxsize=None)
def _nodes(path: Path) -> Dict[str, List[ast.AST]]:
    """Return a file's imports, calls and functions (each file is parsed and walked once)."""
    nodes: Dict[str, List[ast.AST]] = {'imports': [], 'calls': [], 'functions': []}
    kinds = ((ast.Import, 'imports'), (ast.ImportFrom, 'imports'), (ast.Call, 'calls'),
             (ast.FunctionDef, 'functions'), (ast.AsyncFunctionDef, 'functions'))
    tree = ast.parse(path.read_text(encoding='utf-8'), filename=str(path))
    for node in ast.walk(tree):
        for kind, key in kinds:
            if isinstance(node, kind):
                nodes[key].append(node)
    return nodes


def _aliases(imports: List[ast.AST]) -> Dict[str, str]:
    """Return what each imported name of a module stands for (``np`` -> ``numpy``)."""
    aliases: Dict[str, str] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                bound = alias.asname or alias.name.split('.')[0]
                aliases[bound] = alias.name if alias.asname else bound
        elif node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f'{node.module}.{alias.name}'
    return aliases


def _dotted(node: ast.AST, aliases: Dict[str, str]) -> Optional[str]:
    """Return the full dotted name of ``a.b.c`` (its first part resolved), else None."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id, node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return None if base is None else f'{base}.{node.attr}'
    return None


def _keyword(call: ast.Call, name: str) -> Optional[ast.AST]:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _is_constant(node: Optional[ast.AST], value: bool) -> bool:
    return isinstance(node, ast.Constant) and node.value is value


def _pickling(module: str) -> bool:
    return module.split('.')[0] in PICKLING_MODULES


def _call_problem(call: ast.Call, name: str) -> Optional[str]:
    """Return what is wrong with one call (None if nothing)."""
    if name in ('numpy.load', 'np.load') and not _is_constant(
            _keyword(call, 'allow_pickle'), False):
        return 'numpy.load without allow_pickle=False'
    if name == 'torch.load' and not _is_constant(_keyword(call, 'weights_only'), True):
        return 'torch.load without weights_only=True'
    if name == 'torch.jit.load':
        return 'torch.jit.load (a TorchScript archive runs code)'
    if name.endswith('.read_pickle') or name == 'read_pickle':
        return f'{name} (unpickles)'
    if name in ('yaml.load', 'yaml.load_all'):
        loader = _keyword(call, 'Loader') or (call.args[1] if len(call.args) > 1 else None)
        loader_name = _dotted(loader, {}) if loader is not None else None
        if loader_name is None or loader_name.split('.')[-1] not in SAFE_YAML_LOADERS:
            return f'{name} without Loader=yaml.SafeLoader (use yaml.safe_load)'
    if name in UNSAFE_YAML:
        return f'{name} (constructs Python objects; use yaml.safe_load)'
    if name in ('eval', 'exec'):
        return f'{name}() (no code is built from data here)'
    if name.split('.')[-1] in IMPORTERS_BY_NAME and call.args and isinstance(
            call.args[0], ast.Constant) and isinstance(call.args[0].value, str) and \
            _pickling(call.args[0].value):
        return f'{name}({call.args[0].value!r}) imports a pickling module'
    return None


def pickle_problems(path: Path, root: Path = ROOT) -> List[str]:
    """Return ``file:line: problem`` for each use of pickle-like loading in one source file."""
    nodes = _nodes(path)
    aliases = _aliases(nodes['imports'])
    where = path.relative_to(root) if path.is_relative_to(root) else path
    found: List[Tuple[int, str]] = []
    for node in nodes['imports']:
        if isinstance(node, ast.Import):
            found += [(node.lineno, f'import {a.name}') for a in node.names if _pickling(a.name)]
        elif node.module and _pickling(node.module):
            found.append((node.lineno, f'from {node.module} import …'))
    for node in nodes['calls']:
        name = _dotted(node.func, aliases)
        problem = _call_problem(node, name) if name is not None else None
        if problem is not None:
            found.append((node.lineno, problem))
    return [f'{where}:{line}: {problem}' for line, problem in sorted(found)]


def pickle_files(root: Path = ROOT) -> List[str]:
    """Return the data files under the scanned folders whose names say they are pickles."""
    return sorted(str(path.relative_to(root)) for name in SCANNED
                  for path in (root / name).rglob('*') if path.suffix in PICKLE_SUFFIXES)


def test_no_pickle_anywhere():
    problems = [p for path in python_files() for p in pickle_problems(path)] + \
        [f'{name}: a pickle file' for name in pickle_files()]
    assert problems == [], "pickle-like loading (this file's docstring has the rules):\n" + \
        '\n'.join(problems)


PLANTED = """\
import pickle as p
from joblib import load
import numpy as np
from torch import load as tload
import yaml
import importlib

text = "import pickle; np.load(x)"  # pickle in a string or comment is no violation
np.load('a.npy')
np.load('a.npy', allow_pickle=True)
tload('m.pt')
yaml.load(text)
yaml.load(text, Loader=yaml.Loader)
yaml.full_load(text)
eval(text)
importlib.import_module('dill')
np.load('a.npz', allow_pickle=False)
yaml.load(text, Loader=yaml.SafeLoader)
yaml.safe_load(text)
tload('m.pt', weights_only=True)
"""


def test_the_scan_reports_each_planted_violation_with_its_line(tmp_path):
    planted = tmp_path / 'planted.py'
    planted.write_text(PLANTED)
    problems = pickle_problems(planted, tmp_path)
    assert [p.split(':')[1] for p in problems] == [
        '1', '2', '9', '10', '11', '12', '13', '14', '15', '16']
    assert problems[0] == 'planted.py:1: import pickle'
    assert 'torch.load without weights_only=True' in problems[4]
    (tmp_path / 'test' / 'data').mkdir(parents=True)
    (tmp_path / 'test' / 'data' / 'weights.pkl').write_bytes(b'')
    assert pickle_files(tmp_path) == ['test/data/weights.pkl']
    assert pickle_problems(Path(__file__)) == []  # the rules in strings here are not uses


def test_the_scan_covers_the_package_launch_files_tests_and_benchmarks():
    scanned = {path.relative_to(ROOT).parts[0] for path in python_files()}
    assert scanned == set(SCANNED)
    assert Path(__file__) in set(python_files())


def _tensorflow_users(path: Path) -> Iterator[str]:
    """Yield the function (or ``<module>``) of each place a file imports tensorflow."""
    nodes = _nodes(path)
    scopes = [(node, node.name) for node in nodes['functions']]

    def scope_of(target: ast.AST) -> str:
        inner = [(node.end_lineno - node.lineno, name) for node, name in scopes
                 if node.lineno <= target.lineno <= node.end_lineno]
        return min(inner)[1] if inner else '<module>'

    for node in nodes['imports'] + nodes['calls']:
        names: List[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module] if node.module and not node.level else []
        elif node.args and isinstance(node.args[0], ast.Constant) and \
                isinstance(node.args[0].value, str):
            name = _dotted(node.func, {})
            if name is not None and name.split('.')[-1] in IMPORTERS_BY_NAME:
                names = [node.args[0].value]
        if any(name.split('.')[0] == 'tensorflow' for name in names):
            yield scope_of(node)


def test_only_the_savedmodel_and_checkpoint_importers_import_tensorflow():
    users = {(str(path.relative_to(ROOT)), scope)
             for path in (ROOT / 'msinet_ros').rglob('*.py') for scope in _tensorflow_users(path)}
    assert users == TENSORFLOW_USERS


def _synthetic_graph():
    """Return test_tf_graphdef's synthetic frozen MSI-Net builder (loaded from its file)."""
    path = ROOT / 'test' / 'unit' / 'model' / 'test_tf_graphdef.py'
    spec = importlib.util.spec_from_file_location('tf_graphdef_cases', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic_graph


def test_a_frozen_graph_imports_with_tensorflow_unimportable(tmp_path, monkeypatch):
    """The .pb path parses protobuf only; the TF-running formats then say what they need."""
    monkeypatch.setitem(sys.modules, 'tensorflow', None)  # any `import tensorflow` fails
    tensors = weights.random_weights(3)
    frozen = tmp_path / 'model_salicon_cpu.pb'
    frozen.write_bytes(_synthetic_graph()(tensors).SerializeToString())
    imported, metadata = importers.import_weights(frozen)
    assert all(np.array_equal(imported[name], tensors[name]) for name in tensors)
    assert metadata['source'] == 'model_salicon_cpu.pb (frozen_graph)'
    (tmp_path / 'saved' / 'variables').mkdir(parents=True)
    (tmp_path / 'saved' / 'saved_model.pb').write_bytes(b'')
    (tmp_path / 'model.ckpt.index').write_bytes(b'')
    for path in (tmp_path / 'saved', tmp_path / 'model.ckpt'):
        with pytest.raises(MissingDependencyError, match='tensorflow'):
            importers.import_weights(path)
