"""
msinet_ros: MSI-Net visual saliency for ROS 2.

The package root holds the ROS-free core; ``msinet_ros.nodes`` holds the rclpy adapters and
``msinet_ros.cli`` the ``msinet`` command-line tool.

The version is written once, in ``package.xml`` (where ROS tools read it): ``setup.py`` reads it
from there, and so does this module in a source checkout (or a symlink install); an installed
package reports the version it was installed with.
"""

from importlib import metadata
from pathlib import Path
import re


def _version() -> str:
    package_xml = Path(__file__).resolve().parent.parent / 'package.xml'
    if package_xml.is_file():
        found = re.search(r'<version>([^<]+)</version>', package_xml.read_text())
        if found:
            return found.group(1).strip()
    return metadata.version('msinet_ros')


__version__ = _version()
