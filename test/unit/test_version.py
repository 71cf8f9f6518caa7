"""The version is written once, in package.xml; setup.py and the package read it from there."""

from pathlib import Path
import re

import msinet_ros

ROOT = Path(__file__).resolve().parents[2]


def test_package_xml_is_the_one_version_string():
    declared = re.search(r'<version>([^<]+)</version>', (ROOT / 'package.xml').read_text())
    assert msinet_ros.__version__ == declared.group(1)
    setup = (ROOT / 'setup.py').read_text()
    assert 'version=VERSION' in setup and "open('package.xml')" in setup
    assert not re.search(r"version\s*=\s*['\"]\d", setup)
    assert not re.search(r"__version__\s*=\s*['\"]\d", (ROOT / 'msinet_ros' / '__init__.py')
                         .read_text())
