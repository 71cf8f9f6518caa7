"""
Every requirements file resolves on PyPI for the machines it is meant for (pip dry runs).

Each case asks pip what it would install (``pip install --dry-run --ignore-installed
--only-binary=:all:`` with ``--python-version``, ``--platform`` and ``--implementation cp``)
on another Python and platform than this one, so a pin that does not exist for, say, Python 3.10
on aarch64 (JetPack 6) fails here, not on a robot.

How pip is run, and why:

* Against PyPI alone, as on a user's machine: ``--index-url https://pypi.org/simple``,
  ``PIP_CONFIG_FILE=/dev/null`` (pip then reads no configuration file at all) and no ``PIP_*``
  variable but those of the connection (certificate, proxy, timeout, retries). ``--isolated``
  is not enough: it still reads the global configuration (on the development machines
  ``/etc/xdg/pip/pip.conf``, whose ``constraint`` file, extra local indexes and find-links would
  otherwise take part), so a wheel that exists only on that disk or a constraint no user has
  could decide the result.
* pip evaluates environment markers for the Python that runs it, not for ``--python-version``
  and ``--platform``. So the requirements files' markers are evaluated here for the target
  (``packaging``) and pip gets plain lines; a dependency that pip left out because its marker
  is false here but true on the target is found in the report (``--report``) and the
  resolution runs again with it.
* Older pips (23.2) allow ``--platform`` only with ``--target``, so one is given (a dry run
  writes nothing there).
* ``--platform`` takes exact tags: every manylinux tag the target's glibc accepts is passed.
* ``--use-feature=fast-deps``: where an index serves no separate metadata files (PEP 658), pip
  reads each wheel's metadata with HTTP range requests instead of downloading it (torch and
  the CUDA wheels are gigabytes). With the pip that requirements/test.txt pins (26.3).
* Wheels only: the two pure-Python packages published as sdists only (SDIST_ONLY) are built
  into wheels once, as pip would when installing them, and offered with ``--find-links``.
* In a ROS workspace the venv sees apt's packages (``--system-site-packages``): Ubuntu 24.04's
  numpy 1.26.4 is given as a constraint there, so the ranges must accept it.

The resolutions need PyPI. Where it cannot be reached the cases skip, except in CI (``CI`` set
to true, as ``.ci/run`` does), where they fail saying so: CI must not pass without them. The
16 resolutions run in parallel threads: about 60 s on two cores against an index without
PEP 658 metadata; a dependency without a wheel for a target makes pip backtrack for a long
time, so each resolution is cut off after RESOLVE_TIMEOUT seconds with a message saying so.
"""

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import ssl
import subprocess
import sys
import tempfile
from typing import Dict, List, Tuple
import urllib.request

from packaging.requirements import Requirement  # pytest's own dependency
from packaging.utils import canonicalize_name
from packaging.version import Version
import pytest

REQUIREMENTS = Path(__file__).resolve().parent.parent / 'requirements'
PYPI = 'https://pypi.org/simple'
# The only PIP_* variables passed on: how to reach PyPI, not what to install.
PIP_CONNECTION = ('PIP_CERT', 'PIP_CLIENT_CERT', 'PIP_PROXY', 'PIP_TIMEOUT',
                  'PIP_DEFAULT_TIMEOUT', 'PIP_RETRIES')
IN_CI = os.environ.get('CI', '').lower() in ('1', 'true', 'yes')
# Pure-Python packages published as source distributions only (ROS 2's empy, flake8-quotes).
# A resolution for another platform takes wheels only (--only-binary=:all:), so pip builds
# their wheels here once, from PyPI's sdists (the pinned version, else the newest), as a
# user's pip does when installing, and every resolution finds them there (--find-links).
SDIST_ONLY = ('empy', 'flake8-quotes')
RESOLVE_TIMEOUT = 300


@dataclass(frozen=True)
class Target:
    """A machine the requirements are installed on."""

    what: str
    python: Tuple[int, int, int]  # the distribution's: Requires-Python may name a micro
    machine: str
    glibc: Tuple[int, int]
    # What apt puts in a --system-site-packages venv there (for the workspace case).
    system: Tuple[str, ...] = ()

    def platforms(self) -> List[str]:
        """Return every manylinux platform tag a wheel for this machine may carry."""
        tags = [f'manylinux_2_{minor}_{self.machine}' for minor in range(self.glibc[1], 4, -1)]
        legacy = {17: 'manylinux2014', 12: 'manylinux2010', 5: 'manylinux1'}
        tags += [f'{name}_{self.machine}' for minor, name in legacy.items()
                 if self.machine == 'x86_64' or minor >= 17]
        return tags

    def markers(self, extra: str = '') -> Dict[str, str]:
        """Return the environment-marker values of this machine's Python."""
        full = self.version()
        return {'implementation_name': 'cpython', 'implementation_version': full,
                'os_name': 'posix', 'platform_machine': self.machine,
                'platform_python_implementation': 'CPython', 'platform_release': '',
                'platform_system': 'Linux', 'platform_version': '',
                'python_full_version': full, 'python_version': full.rsplit('.', 1)[0],
                'sys_platform': 'linux', 'extra': extra}

    def version(self) -> str:
        """Return the Python version, e.g. ``3.10.12``."""
        return '.'.join(map(str, self.python))


TARGETS = {
    'humble-x86_64': Target('Ubuntu 22.04 (Humble)', (3, 10, 12), 'x86_64', (2, 35)),
    'jetpack6-aarch64': Target('JetPack 6, Ubuntu 22.04 (Humble)', (3, 10, 12), 'aarch64',
                               (2, 35)),
    'debian12-x86_64': Target('Debian 12 (CI)', (3, 11, 2), 'x86_64', (2, 36)),
    'noble-x86_64': Target('Ubuntu 24.04 (Jazzy, Kilted)', (3, 12, 3), 'x86_64', (2, 39),
                           ('numpy==1.26.4',)),
    'noble-aarch64': Target('Ubuntu 24.04 arm64 (Jazzy, Kilted)', (3, 12, 3), 'aarch64',
                            (2, 39), ('numpy==1.26.4',)),
}

ROS_WHEELS = ('the ROS 2 wheels on PyPI exist for x86_64 only: an arm64 machine (Jetson) uses '
              'its ROS 2 install and requirements/workspace.txt')


@dataclass(frozen=True)
class Case:
    """Requirements files installed together, and where that is meant to work."""

    files: Tuple[str, ...]
    where: Tuple[str, ...]
    not_there: Dict[str, str] = field(default_factory=dict)  # target: why not
    no_deps: bool = False
    system_site: bool = False  # a --system-site-packages venv in a ROS workspace

    @property
    def name(self) -> str:
        return '+'.join(self.files)


# The two-command path (make demo, make test) needs Python 3.11 or 3.12 on x86_64.
X86_64 = ('debian12-x86_64', 'noble-x86_64')
TWO_COMMANDS_NOT_THERE = {
    'humble-x86_64': 'the pinned sets of make demo / make test need Python >= 3.11 (numpy 2.4, '
                     'SciPy 1.17, flake8 7.5, scikit-image 0.26); a Humble machine (Python 3.10) '
                     'uses requirements/workspace.txt',
    'jetpack6-aarch64': ROS_WHEELS, 'noble-aarch64': ROS_WHEELS}
CASES = [
    # The ROS 2 workspace path (README): Humble/JetPack 6 and Jazzy/Kilted, x86_64 and arm64.
    Case(('workspace.txt',), ('humble-x86_64', 'jetpack6-aarch64', 'noble-x86_64',
                              'noble-aarch64'),
         {'debian12-x86_64': 'no ROS 2 distribution runs on Python 3.11 (Humble: 3.10, '
                             'Jazzy and Kilted: 3.12)'}, system_site=True),
    # The two-command path (make demo, make test), as the Makefile installs the sets.
    Case(('ros.txt', 'runtime.txt'), X86_64, TWO_COMMANDS_NOT_THERE),
    Case(('ros.txt', 'test.txt'), X86_64, TWO_COMMANDS_NOT_THERE),
    Case(('test-no-deps.txt',), X86_64, TWO_COMMANDS_NOT_THERE, no_deps=True),
    Case(('ros-jazzy.txt', 'integration.txt'), X86_64, TWO_COMMANDS_NOT_THERE),
    # The oldest stack stands for a Humble / JetPack 6 machine with pip extras.
    Case(('oldest.txt',), ('humble-x86_64', 'jetpack6-aarch64', *X86_64),
         {'noble-aarch64': 'make test needs the x86_64 ROS 2 wheels; the oldest set stands '
                           'for Humble / JetPack 6, whose arm64 case is jetpack6-aarch64'}),
]


def flatten(path: Path, target: Target) -> List[str]:
    """Return the requirements of ``path`` (and files it includes) that apply on ``target``."""
    lines = []
    for raw in path.read_text().splitlines():
        line = raw.split(' #')[0].strip()
        if not line or line.startswith('#'):
            continue
        if line.startswith('-r '):
            lines += flatten(path.parent / line[3:].strip(), target)
            continue
        assert not line.startswith('-'), f'{path.name}: this test does not know {line!r}'
        requirement = Requirement(line)
        if requirement.marker is None or requirement.marker.evaluate(target.markers()):
            requirement.marker = None
            lines.append(str(requirement))
    return lines


def left_out(report: dict, target: Target) -> List[str]:
    """Return dependencies the target needs that pip, judging markers for itself, left out."""
    found = {canonicalize_name(item['metadata']['name']): Version(item['metadata']['version'])
             for item in report['install']}
    missing = []
    for item in report['install']:
        extras = ['', *item.get('requested_extras', [])]
        for text in item['metadata'].get('requires_dist', []):
            dependency = Requirement(text)
            marker = dependency.marker
            if marker is not None and not any(marker.evaluate(target.markers(extra))
                                              for extra in extras):
                continue
            name = canonicalize_name(dependency.name)
            if name not in found:
                dependency.marker = None
                missing.append(str(dependency))
            else:
                assert dependency.specifier.contains(found[name], prereleases=True), \
                    f'{item["metadata"]["name"]} needs {text}, pip chose {found[name]}'
    return sorted(set(missing))


def ssl_context() -> ssl.SSLContext:
    """Return the TLS context pip would use here (its certificate bundle, if one is set)."""
    return ssl.create_default_context(cafile=os.environ.get('PIP_CERT') or None)


def pip_environment() -> Dict[str, str]:
    """Return this process's environment without pip settings but the connection's."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith('PIP_') or key in PIP_CONNECTION}
    env['PIP_CONFIG_FILE'] = os.devnull
    return env


def build_sdist_only(wheelhouse: Path) -> Tuple[bool, str]:
    """Build wheels of the SDIST_ONLY packages into ``wheelhouse``; return (built, output)."""
    pins = {canonicalize_name(Requirement(line).name): line
            for path in sorted(REQUIREMENTS.glob('*.txt'))
            for line in flatten(path, TARGETS['debian12-x86_64'])}
    wanted = [pins.get(canonicalize_name(name), name) for name in SDIST_ONLY]
    command = [sys.executable, '-m', 'pip', 'wheel', '--no-deps', '--no-binary=:all:',
               '--index-url', PYPI, '--disable-pip-version-check', '--no-color', '--quiet',
               '--wheel-dir', str(wheelhouse), *wanted]
    done = subprocess.run(command, capture_output=True, text=True, env=pip_environment(),
                          timeout=RESOLVE_TIMEOUT)
    return done.returncode == 0, done.stdout + done.stderr


def resolve(case: Case, target: Target, wheelhouse: Path) -> Tuple[bool, str, List[str]]:
    """Run pip's dry run; return (resolved, pip's output, the names and versions chosen)."""
    requirements = [line for name in case.files for line in flatten(REQUIREMENTS / name, target)]
    constraints = list(target.system) if case.system_site else []
    with tempfile.TemporaryDirectory(prefix='msinet-resolve-') as folder:
        for _ in range(3):
            Path(folder, 'requirements.txt').write_text('\n'.join(requirements) + '\n')
            Path(folder, 'constraints.txt').write_text('\n'.join(constraints) + '\n')
            command = [sys.executable, '-m', 'pip', 'install', '--dry-run', '--ignore-installed',
                       '--target', str(Path(folder, 'target')), '--only-binary=:all:',
                       '--implementation', 'cp',
                       '--python-version', target.version(), '--use-feature=fast-deps',
                       '--index-url', PYPI, '--find-links', str(wheelhouse),
                       '--disable-pip-version-check', '--no-color',
                       '--quiet', '--report', str(Path(folder, 'report.json')),
                       '-r', str(Path(folder, 'requirements.txt')),
                       '-c', str(Path(folder, 'constraints.txt'))]
            for tag in target.platforms():
                command += ['--platform', tag]
            if case.no_deps:
                command.append('--no-deps')
            try:
                done = subprocess.run(command, capture_output=True, text=True,
                                      env=pip_environment(), timeout=RESOLVE_TIMEOUT)
            except subprocess.TimeoutExpired as expired:
                return False, (f'pip did not finish within {RESOLVE_TIMEOUT} s: usually it is '
                               'backtracking because a dependency has no wheel for this target '
                               '(an sdist-only one belongs in SDIST_ONLY)\n'
                               f'{expired.stderr or ""}'), []
            if done.returncode != 0:
                return False, done.stdout + done.stderr, []
            report = json.loads(Path(folder, 'report.json').read_text())
            missing = [] if case.no_deps else left_out(report, target)
            if not missing:
                chosen = sorted(f'{item["metadata"]["name"]}=={item["metadata"]["version"]}'
                                for item in report['install'])
                return True, done.stdout + done.stderr, chosen
            requirements += missing
    return False, f'dependencies still left out after three rounds: {missing}', []


def pypi_problem() -> str:
    """Return why PyPI cannot be reached, or an empty string when it can."""
    try:
        with urllib.request.urlopen(f'{PYPI}/pip/', timeout=15, context=ssl_context()) as answer:
            answer.read(1)
    except OSError as error:
        return f'PyPI ({PYPI}) cannot be reached: {error}'
    return ''


PARAMS = []
for _case in CASES:
    for _key in TARGETS:
        if _key in _case.where:
            PARAMS.append(pytest.param(_case, _key, id=f'{_case.name}@{_key}'))
        else:
            reason = _case.not_there.get(_key)
            assert reason, f'{_case.name}: say why it is not resolved for {_key}'
            PARAMS.append(pytest.param(_case, _key, id=f'{_case.name}@{_key}',
                                       marks=pytest.mark.skip(reason=reason)))


@pytest.fixture(scope='module')
def resolutions():
    """Start every applicable resolution at once; each test waits for its own."""
    problem = pypi_problem()
    if problem:
        if IN_CI:
            pytest.fail(f'{problem}. The requirements files must be resolved in CI; '
                        'give the CI machine access to PyPI.', pytrace=False)
        pytest.skip(f'{problem} (this fails in CI)')
    with tempfile.TemporaryDirectory(prefix='msinet-wheelhouse-') as wheelhouse:
        built, output = build_sdist_only(Path(wheelhouse))
        assert built, f'building wheels of {SDIST_ONLY} from their sdists failed:\n{output}'
        pool = ThreadPoolExecutor(max_workers=8)
        futures: Dict[Tuple[str, str], Future] = {
            (case.name, key): pool.submit(resolve, case, TARGETS[key], Path(wheelhouse))
            for case in CASES for key in case.where}
        yield futures
        pool.shutdown(wait=True, cancel_futures=True)


@pytest.mark.parametrize('case, target', PARAMS)
def test_requirements_resolve_on_pypi(resolutions, case, target):
    ok, output, chosen = resolutions[(case.name, target)].result()
    assert ok, (f'{case.name} cannot be installed on {TARGETS[target].what} '
                f'(Python {TARGETS[target].python}, {TARGETS[target].machine}):\n{output}')
    assert chosen


def test_humble_gets_numpy_1_and_noble_keeps_apts(resolutions):
    humble = resolutions[('workspace.txt', 'jetpack6-aarch64')].result()[2]
    noble = resolutions[('workspace.txt', 'noble-x86_64')].result()[2]
    humble_numpy = [line for line in humble if line.startswith('numpy==')]
    assert humble_numpy and Version(humble_numpy[0].split('==')[1]).major == 1, humble
    assert 'numpy==1.26.4' in noble, noble


def test_every_test_environment_pins_the_same_pytest():
    pins = {name: [line for line in flatten(REQUIREMENTS / name, TARGETS['debian12-x86_64'])
                   if canonicalize_name(Requirement(line).name) == 'pytest']
            for name in ('test.txt', 'integration.txt', 'oldest.txt')}
    assert all(lines == ['pytest==8.3.5'] for lines in pins.values()), pins
