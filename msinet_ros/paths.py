"""
Where built artefacts (ONNX exports, TensorRT engines, timing caches) are cached.

One rule decides the default: when the package is imported from a source checkout whose
``engines/`` folder is writable, artefacts go there; otherwise (an installed package, whose
``share/`` is not the user's to write) they go to ``$ROS_HOME/msinet_ros`` (``ROS_HOME``
defaults to ``~/.ros``). An explicit directory (the ``cache_dir`` parameter or ``--cache-dir``
option) always wins.
"""

import os
from pathlib import Path
from typing import Optional

SOURCE_ROOT = Path(__file__).resolve().parent.parent
SOURCE_ENGINES_DIR = SOURCE_ROOT / 'engines'
# The variables that name a Fast DDS XML profile: Fast DDS 3 (Kilted) reads the first, Fast DDS
# 2 (Humble, Jazzy) only the second; a process that should use the profile needs both.
FASTDDS_PROFILE_VARIABLES = ('FASTDDS_DEFAULT_PROFILES_FILE', 'FASTRTPS_DEFAULT_PROFILES_FILE')


def ros_home() -> Path:
    """Return ``$ROS_HOME``, or ``~/.ros`` as ROS 2 does when it is unset."""
    return Path(os.environ.get('ROS_HOME') or Path.home() / '.ros')


def default_cache_dir() -> Path:
    """Return the cache directory chosen by the rule in this module's docstring."""
    in_checkout = (SOURCE_ROOT / 'package.xml').is_file() and SOURCE_ENGINES_DIR.is_dir()
    if in_checkout and os.access(SOURCE_ENGINES_DIR, os.W_OK):
        return SOURCE_ENGINES_DIR
    return ros_home() / 'msinet_ros'


def cache_dir(explicit: Optional[str] = None) -> Path:
    """Return the explicit directory if given (non-empty), else the default; create it."""
    path = Path(explicit).expanduser() if explicit else default_cache_dir()
    path.mkdir(parents=True, exist_ok=True)
    return path
