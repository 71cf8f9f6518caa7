#!/usr/bin/env python3
"""
Write the manifests of the TensorRT and pycuda Python API surfaces the test fakes are held to.

Usage (from the repository root)::

    python3 test/tools/make_binding_manifests.py [--cache DIR] [--only tensorrt|pycuda]

Sources, downloaded with pip from the package index (nothing is imported or executed):

* TensorRT: the binding wheels ``tensorrt-bindings==8.6.1``, ``tensorrt-cu12-bindings==10.3.0``
  and ``tensorrt-cu12-bindings==11.0.0.114`` (CPython 3.11, manylinux x86_64).  Each holds
  ``tensorrt_bindings/tensorrt.so`` (the pybind11 module) and ``tensorrt_bindings/__init__.py``
  (the Python wrapper that ``import tensorrt`` ends up running: it does
  ``from .tensorrt import *`` and defines ``__version__``, ``nptype``, ``volume``,
  ``Logger.Severity``/``Logger.WARNING``..., ``DataType.itemsize``).  The wheel's package is
  ``tensorrt_bindings``; the ``tensorrt`` name comes from the ``tensorrt``/``tensorrt-cu12``
  meta package, so the wrapper's names are recorded as ``wrapper``.
* pycuda: the newest sdist (pycuda has no binary wheel): ``src/wrapper/wrap_cudadrv.cpp``
  (Boost.Python bindings of ``pycuda._driver``) and ``pycuda/driver.py``.

How the TensorRT names are recovered from the ``.so``:

1. The ELF section headers are read with ``struct`` (no pyelftools needed).
2. Every RIP-relative ``lea`` (``48/4c 8d modrm`` with ``modrm & 0xc7 == 0x05``) in ``.text``
   whose target is an identifier-shaped, NUL-terminated string in ``.rodata`` is a name the
   bindings pass to pybind11 (``py::class_``/``py::enum_`` names, ``.def``/``def_property``
   names, ``.value`` enum member names, ``py::arg`` keyword names, ``m.attr`` names).  This
   matters because the linker merges string tails: ``INT8`` is stored inside ``UINT8``, so
   ``strings`` alone misses it; the ``lea`` targets find it.
3. Code order gives structure.  pybind11 calls are emitted in source order, so the sequence
   of referenced names reads ``BuilderFlag FP16 BF16 INT8 ... MemoryPoolType WORKSPACE ...``.
   In the 11.0 build the ``py::enum_``/``py::class_`` constructors are out-of-line
   (``.constprop`` clones holding the type's name); a ``call`` whose target begins with a
   ``lea`` of a CamelCase name followed by ``_pybind11_conduit_v1_`` is read as that type's
   opening.  A *scope* is a CamelCase name followed by the names referenced until the next
   CamelCase name.  Scopes are therefore approximate: keyword names and module-level
   functions defined between two classes land in the preceding scope, and a scope cannot
   tell methods from keyword names.  They are recorded as ``scopes`` and used only where
   the flat set cannot decide.
4. ``enums``: for the enums the fakes model, the members are the run of UPPER_CASE names
   that follows the enum's opening in code order (each ``.value`` call references its own
   name even when the string is shared with another enum, so ``BuilderFlag.INT8`` is absent
   from 11.0 even though ``DataType.INT8`` keeps the string ``INT8`` in the binary).
5. ``names``: the referenced names plus the identifier-shaped strings of ``.rodata``
   (without C++ mangled names, ELF/CPython symbols and code-byte noise).
6. ``docstrings``: pybind11 docstrings are plain strings in ``.rodata`` but carry no owner;
   each one the fakes model is found by its opening phrase (``DOC_ANCHORS``) and recorded
   under the qualified name.  A missing docstring is left out (the member is then usually
   absent from that version too).

The pycuda names are taken from the source with regular expressions (``py::class_``,
``py::enum_``, ``.def``, ``DEF_SIMPLE_METHOD``, ``.value``, ``add_property``,
``py::def``, ``DEF_SIMPLE_FUNCTION``, ``DECLARE_EXC``, ``py::arg(s)``) and with ``ast``
for ``driver.py`` (top-level definitions and ``Class.attr = ...`` assignments).

Output: ``test/data/tensorrt/tensorrt-<version>.json`` and
``test/data/pycuda/pycuda-<version>.json``.
Only names, short docstrings and hashes are written: no NVIDIA or pycuda code.
"""

import argparse
import ast
import hashlib
import json
import os
from pathlib import Path
import re
import struct
import subprocess
import sys
import tarfile
import tempfile
from typing import Dict, Iterable, List, Optional, Tuple
import zipfile

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / 'test' / 'data'

TENSORRT_WHEELS = (
    ('8.6.1', 'tensorrt-bindings==8.6.1'),
    ('10.3.0', 'tensorrt-cu12-bindings==10.3.0'),
    ('11.0.0.114', 'tensorrt-cu12-bindings==11.0.0.114'),
)
PLATFORMS = ('manylinux_2_17_x86_64', 'manylinux_2_28_x86_64', 'manylinux2014_x86_64')
PYCUDA_SPEC = 'pycuda'

MODELLED_ENUMS = (
    'BuilderFlag', 'NetworkDefinitionCreationFlag', 'DataType', 'LayerType', 'TensorIOMode',
    'MemoryPoolType', 'Severity', 'ProfilingVerbosity', 'OnnxParserFlag',
)

# Qualified member -> opening phrases of its docstring (first match wins).
DOC_ANCHORS: Dict[str, Tuple[str, ...]] = {
    'ILogger': ('\nAbstract base Logger class',),
    'Logger': ('\nLogger for the :class:`Builder`',),
    'Severity': ('\n    Indicates the severity of a message.',),
    'Builder.create_network': ('\n    Create a :class:`INetworkDefinition` object.',),
    'Builder.build_serialized_network': (
        '\n    Builds and serializes a network for the given :class:`INetworkDefinition` and '
        ':class:`IBuilderConfig` .\n',),
    'IBuilderConfig.set_timing_cache': ('\n    Attach a timing cache to IBuilderConfig',),
    'IBuilderConfig.get_timing_cache': ('\n    Get the timing cache from current IBuilderConfig',),
    'IBuilderConfig.create_timing_cache': ('\n    Create timing cache',),
    'IBuilderConfig.add_optimization_profile': ('\n    Add an optimization profile.',),
    'ITimingCache.combine': ('\n        Combine input timing cache into local instance.',),
    'ITimingCache.serialize': ('\n        Serialize a timing cache',),
    'IOptimizationProfile.set_shape': (
        '\n    Set the minimum/optimum/maximum dimensions for a dynamic input tensor.',),
    'Runtime.deserialize_cuda_engine': (
        '\n    Deserialize an :class:`ICudaEngine` from host memory.',
        '\n    Deserialize an :class:`ICudaEngine` from a stream.'),
    'ICudaEngine.create_execution_context': (
        '\n    Create an :class:`IExecutionContext` and specify the device memory',
        '\n    Create an :class:`IExecutionContext` .'),
    'IExecutionContext.set_input_shape': ('\n    Set shape for the given input tensor.',),
    'IExecutionContext.set_tensor_address': (
        '\n    Set memory address for the given input or output tensor.',),
    'IExecutionContext.execute_async_v3': ('\n    Asynchronously execute inference.\n',),
    'OnnxParser.parse': ('\n    Parse a serialized ONNX model into the TensorRT network.\n',),
    'BuilderFlag.FP16': ('Enable FP16 layer selection',),
    'BuilderFlag.TF32': ('Allow (but not require) computations on tensors of type',),
    'BuilderFlag.OBEY_PRECISION_CONSTRAINTS': ('Require that layers execute in specified',),
    'NetworkDefinitionCreationFlag': ('List of immutable network properties expressed',),
    'IProgressMonitor': ('\n    Application-implemented progress reporting interface',),
    'IProgressMonitor.phase_start': ('\n    Signal that a phase of the optimizer has started.',),
    'IProgressMonitor.step_complete': ('\n    Signal that a step of an optimizer phase',),
    'IProgressMonitor.phase_finish': ('\n    Signal that a phase of the optimizer has finished.',),
}
DOC_MAX_CHARS = 1500

IDENT = re.compile(rb'[A-Za-z_][A-Za-z0-9_]*\0')
LEA = re.compile(rb'[\x48\x4c]\x8d[\x05\x0d\x15\x1d\x25\x2d\x35\x3d]', re.S)
CALL = re.compile(rb'\xe8', re.S)
# C++ mangled names and CPython/ELF symbols; applied to every name.
MANGLED = re.compile(r'^(_Z|_GLOBAL_|_ITM_|__cxa_|__gxx_|_Py|Py[A-Z]|N\d|St\d|P?F\w*E$|pybind11_)')
# Short mixed-case strings that are code bytes; applied to unreferenced strings only.
CODE_BYTES = re.compile(r'^[A-Za-z][A-Za-z0-9]{0,5}$')
GENERIC = {'_pybind11_conduit_v1_', 'value', 'state', 'self', 'other', 'name', '__members__',
           '__entries', '__doc__'}
UPPER = re.compile(r'^[A-Z][A-Z0-9_]*$')
CAMEL = re.compile(r'^[A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*$')


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def pip_download(spec: str, dest: Path, binary: bool) -> Path:
    """Download one distribution with pip into dest and return its path."""
    before = set(dest.iterdir())
    base = [sys.executable, '-m', 'pip', 'download', '--no-deps', '-d', str(dest)]
    if not binary:
        name = spec.split('=')[0]
        cmds = [base + ['--no-binary', name, spec]]
    else:
        cmds = [base + ['--only-binary=:all:', '--python-version', '3.11',
                        '--platform', plat, spec] for plat in PLATFORMS]
    name, _, version = spec.partition('==')
    pattern = re.compile(re.escape(name.replace('-', '_')) + '-' + (re.escape(version) or '.+')
                         + (r'-.*\.whl$' if binary else r'\.tar\.gz$'), re.I)
    for cmd in cmds:
        if subprocess.run(cmd, capture_output=True, text=True).returncode == 0:
            new = set(dest.iterdir()) - before
            found = [p for p in (new or dest.iterdir()) if pattern.match(p.name)]
            if found:
                return sorted(found)[-1]
    raise RuntimeError(f'pip could not download {spec}')


class Elf:
    """The few parts of an x86-64 ELF shared object the extraction needs."""

    def __init__(self, data: bytes) -> None:
        """Index the section headers of data."""
        self.data = data
        shoff, = struct.unpack_from('<Q', data, 0x28)
        entsize, count, strndx = struct.unpack_from('<HHH', data, 0x3A)
        raw = [struct.unpack_from('<IIQQQQ', data, shoff + i * entsize) for i in range(count)]
        names_off = raw[strndx][4]
        self.sections = {}
        for name, _, _, addr, off, size in raw:
            end = data.index(b'\0', names_off + name)
            self.sections[data[names_off + name:end].decode()] = (addr, off, size)

    def section(self, name: str) -> Tuple[int, bytes]:
        """Return (virtual address, bytes) of a section."""
        addr, off, size = self.sections[name]
        return addr, self.data[off:off + size]


def rodata_strings(elf: Elf) -> List[str]:
    """Return the NUL-separated printable strings of .rodata."""
    _, ro = elf.section('.rodata')
    out = []
    for chunk in ro.split(b'\0'):
        try:
            text = chunk.decode('utf-8')
        except UnicodeDecodeError:
            continue
        if len(text) >= 2 and (text.isprintable() or '\n' in text):
            out.append(text)
    return out


def _string_at(ro_addr: int, ro: bytes, target: int) -> Optional[str]:
    offset = target - ro_addr
    if not 0 <= offset < len(ro):
        return None
    match = IDENT.match(ro, offset)
    return ro[offset:match.end() - 1].decode() if match else None


def referenced_tokens(elf: Elf) -> List[Tuple[int, str]]:
    """
    Return (code offset, name) for every lea of an identifier, in code order.

    Calls to out-of-line type constructors (11.0) are replaced by the type name they hold.
    """
    text_addr, text = elf.section('.text')
    ro_addr, ro = elf.section('.rodata')
    leas = []
    for match in LEA.finditer(text):
        pos = match.start()
        disp, = struct.unpack_from('<i', text, pos + 3)
        name = _string_at(ro_addr, ro, text_addr + pos + 7 + disp)
        if name:
            leas.append((pos, name))
    positions = [p for p, _ in leas]
    openers = {}
    for i, (pos, name) in enumerate(leas):
        following = [n for _, n in leas[i + 1:i + 3]]
        if CAMEL.match(name) and '_pybind11_conduit_v1_' in following:
            openers[pos] = name
    calls = []
    for match in CALL.finditer(text):
        pos = match.start()
        rel, = struct.unpack_from('<i', text, pos + 1) if pos + 5 <= len(text) else (0,)
        target = pos + 5 + rel
        name = _opener_near(openers, positions, target)
        if name:
            calls.append((pos, name))
    return sorted(leas + calls)


def _opener_near(openers: Dict[int, str], positions: List[int], target: int) -> Optional[str]:
    import bisect
    i = bisect.bisect_left(positions, target)
    if i < len(positions) and positions[i] - target < 0x40:
        return openers.get(positions[i])
    return None


def build_scopes(tokens: Iterable[Tuple[int, str]]) -> Dict[str, List[str]]:
    """Group names under the CamelCase type name that precedes them in code order."""
    scopes: Dict[str, List[str]] = {}
    current = None
    for _, name in tokens:
        if CAMEL.match(name):
            current = name
            scopes.setdefault(current, [])
        elif current and name not in GENERIC and not MANGLED.match(name) \
                and name not in scopes[current]:
            scopes[current].append(name)
    return {k: sorted(v) for k, v in scopes.items()}


def build_enums(tokens: List[Tuple[int, str]]) -> Dict[str, List[str]]:
    """Return the members of each modelled enum (run of UPPER_CASE names after its opening)."""
    enums: Dict[str, List[str]] = {}
    for i, (_, name) in enumerate(tokens):
        if name not in MODELLED_ENUMS:
            continue
        members = []
        for _, member in tokens[i + 1:]:
            if member in GENERIC or member.startswith('__'):
                continue
            if not UPPER.match(member):
                break
            if member not in members:
                members.append(member)
        if members and len(members) > len(enums.get(name, [])):
            enums[name] = members
    return dict(sorted(enums.items()))


def find_docstrings(strings: List[str]) -> Dict[str, str]:
    """Return the modelled members' docstrings, keyed by qualified name."""
    docs = {}
    for qualified, anchors in DOC_ANCHORS.items():
        for anchor in anchors:
            hits = [s for s in strings if s.startswith(anchor)]
            if hits:
                docs[qualified] = hits[0][:DOC_MAX_CHARS]
                break
    return docs


def wrapper_summary(source: str) -> dict:
    """Summarise the wheel's Python wrapper: top-level names, version, nptype mapping."""
    tree = ast.parse(source)
    names, attrs, version, nptype_keys = set(), set(), None, []
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node in tree.body:
            names.add(node.name)
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and node in tree.body:
                    names.add(target.id)
                    if target.id == '__version__' and isinstance(node.value, ast.Constant):
                        version = node.value.value
                elif isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                    attrs.add(f'{target.value.id}.{target.attr}')
        if isinstance(node, ast.FunctionDef) and node.name == 'nptype':
            for sub in ast.walk(node):
                if isinstance(sub, ast.Dict):
                    nptype_keys = [k.id for k in sub.keys if isinstance(k, ast.Name)]
    params = sorted({a.arg for node in tree.body if isinstance(node, ast.FunctionDef)
                     for a in node.args.args})
    return {'names': sorted(names), 'class_attributes': sorted(attrs), 'parameters': params,
            'version_string': version, 'nptype_keys': nptype_keys,
            'severity_copied_to_logger': 'setattr(Logger, attr, value)' in source}


def tensorrt_manifest(version: str, wheel: Path) -> dict:
    """Build the manifest of one TensorRT binding wheel."""
    with zipfile.ZipFile(wheel) as archive:
        so_name = next(n for n in archive.namelist() if re.search(r'/tensorrt[^/]*\.so$', n))
        init_name = next((n for n in archive.namelist() if n.endswith('bindings/__init__.py')),
                         None)
        elf = Elf(archive.read(so_name))
        init = archive.read(init_name).decode() if init_name else None
    tokens = referenced_tokens(elf)
    strings = rodata_strings(elf)
    referenced = {n for _, n in tokens}
    loose = {s for s in strings if re.fullmatch(r'[A-Za-z_][A-Za-z0-9_]*', s)
             and not CODE_BYTES.match(s)}
    names = sorted(n for n in referenced | loose if not MANGLED.match(n))
    return {
        'format': 1,
        'package': 'tensorrt',
        'version': version,
        'wheel': {'filename': wheel.name, 'version': version, 'sha256': sha256(wheel),
                  'module': so_name, 'wrapper': init_name},
        'extraction': 'lea-referenced .rodata identifiers in code order + .rodata identifiers',
        'wrapper': wrapper_summary(init) if init else None,
        'names': names,
        'enums': build_enums(tokens),
        'scopes': build_scopes(tokens),
        'docstrings': find_docstrings(strings),
    }


PYCUDA_SCOPE = re.compile(r'py::(?:class_|enum_)<[^;]*?>\s*(?:\w+\s*)?\(\s*"(\w+)"', re.S)
PYCUDA_MEMBER = re.compile(r'\.(?:def|add_property|staticmethod|def_readonly|def_readwrite|value)'
                           r'\s*\(\s*"(\w+)"|\.DEF_SIMPLE_(?:METHOD|METHOD_WITH_ARGS|RO_MEMBER|'
                           r'RW_MEMBER)\s*\(\s*(\w+)')
PYCUDA_MODULE = re.compile(r'py::def\s*\(\s*"(\w+)"'
                           r'|DEF_SIMPLE_FUNCTION(?:_WITH_ARGS)?\s*\(\s*(\w+)'
                           r'|DECLARE_EXC\s*\(\s*(\w+)|py::scope\(\)\.attr\s*\(\s*"(\w+)"')
PYCUDA_ARGS = re.compile(r'py::args?\s*\(([^)]*)\)')


def pycuda_wrapper_names(source: str) -> Tuple[Dict[str, List[str]], List[str], List[str]]:
    """Return (scopes, module names, keyword names) bound in wrap_cudadrv.cpp."""
    events = []
    for regex, kind in ((PYCUDA_SCOPE, 'scope'), (PYCUDA_MEMBER, 'member'),
                        (PYCUDA_MODULE, 'module'), (PYCUDA_ARGS, 'args')):
        for m in regex.finditer(source):
            events.append((m.start(), kind, m))
    scopes: Dict[str, set] = {}
    module, kwargs, current = set(), set(), None
    for _, kind, m in sorted(events, key=lambda e: e[0]):
        if kind == 'scope':
            current = m.group(1)
            module.add(current)
            scopes.setdefault(current, set())
        elif kind == 'member' and current:
            scopes[current].add(m.group(1) or m.group(2))
        elif kind == 'module':
            module.add(next(g for g in m.groups() if g))
        elif kind == 'args':
            kwargs.update(re.findall(r'"(\w+)"', m.group(1)))
    return ({k: sorted(v) for k, v in sorted(scopes.items())}, sorted(module), sorted(kwargs))


def driver_py_names(source: str) -> Tuple[List[str], List[str]]:
    """Return (top-level names, Class.attr assignments) of pycuda/driver.py."""
    tree = ast.parse(source)
    top, attrs = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            top.add(node.name)
        elif isinstance(node, ast.Assign):
            top.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            top.update(a.asname or a.name for a in node.names if a.name != '*')
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Attribute) and isinstance(t.value, ast.Name):
                    attrs.add(f'{t.value.id}.{t.attr}')
    return sorted(top), sorted(attrs)


def pycuda_manifest(sdist: Path) -> dict:
    """Build the manifest of the pycuda sdist."""
    with tarfile.open(sdist) as tar:
        def read(suffix: str) -> str:
            member = next(m for m in tar.getmembers() if m.name.endswith(suffix))
            return tar.extractfile(member).read().decode()
        wrap = re.sub(r'(?m)^#define.*$', '', read('src/wrapper/wrap_cudadrv.cpp'))
        driver = read('pycuda/driver.py')
    version = re.match(r'pycuda-(.+)\.tar\.gz$', sdist.name).group(1)
    scopes, module, kwargs = pycuda_wrapper_names(wrap)
    top, attrs = driver_py_names(driver)
    names = set(module) | set(kwargs) | set(top) | {a.split('.')[1] for a in attrs}
    for members in scopes.values():
        names.update(members)
    return {
        'format': 1,
        'package': 'pycuda',
        'version': version,
        'sdist': {'filename': sdist.name, 'version': version, 'sha256': sha256(sdist)},
        'names': sorted(names),
        'driver_module': module,
        'scopes': scopes,
        'keywords': kwargs,
        'driver_py': {'names': top, 'class_attributes': attrs},
    }


def write(path: Path, manifest: dict) -> None:
    """Write a manifest as indented, sorted JSON."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True) + '\n')
    print(f'{path.relative_to(REPO)}: {path.stat().st_size // 1024} KiB, '
          f'{len(manifest["names"])} names')


def main(argv: Optional[List[str]] = None) -> int:
    """Download the distributions and write the manifests."""
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument('--cache', type=Path, help='download folder (default: a temporary one)')
    parser.add_argument('--only', choices=('tensorrt', 'pycuda'))
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cache = args.cache or Path(tmp)
        cache.mkdir(parents=True, exist_ok=True)
        if args.only in (None, 'tensorrt'):
            for version, spec in TENSORRT_WHEELS:
                wheel = pip_download(spec, cache, binary=True)
                write(DATA / 'tensorrt' / f'tensorrt-{version}.json',
                      tensorrt_manifest(version, wheel))
        if args.only in (None, 'pycuda'):
            sdist = pip_download(PYCUDA_SPEC, cache, binary=False)
            manifest = pycuda_manifest(sdist)
            write(DATA / 'pycuda' / f'pycuda-{manifest["version"]}.json', manifest)
    return 0


if __name__ == '__main__':
    os.chdir(REPO)
    sys.exit(main())
