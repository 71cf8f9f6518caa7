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
from typing import Dict, Optional

from .errors import StorageError

SOURCE_ROOT = Path(__file__).resolve().parent.parent
SOURCE_ENGINES_DIR = SOURCE_ROOT / 'engines'
# Distributions whose rmw_fastrtps uses Fast DDS 2, which reads its XML profile from
# FASTRTPS_DEFAULT_PROFILES_FILE only; Fast DDS 3 (Kilted on) reads FASTDDS_DEFAULT_PROFILES_FILE
# and warns that the other one is deprecated.
FASTDDS_2_DISTROS = ('humble', 'iron', 'jazzy')


def fastdds_profile_env(profile: Path, distro: Optional[str] = None) -> Dict[str, str]:
    """
    Return the variable that makes Fast DDS read ``profile`` on this ROS 2 distribution.

    ``distro`` defaults to ``$ROS_DISTRO``; when that is unknown, both variables are returned.
    """
    distro = os.environ.get('ROS_DISTRO', '') if distro is None else distro
    fastdds_2 = {'FASTRTPS_DEFAULT_PROFILES_FILE': str(profile)}
    fastdds_3 = {'FASTDDS_DEFAULT_PROFILES_FILE': str(profile)}
    if distro in FASTDDS_2_DISTROS:
        return fastdds_2
    return fastdds_3 if distro else {**fastdds_2, **fastdds_3}


def share_dir() -> Path:
    """Return the installed share/msinet_ros, or the source checkout when not installed."""
    try:
        from ament_index_python.packages import get_package_share_directory
        return Path(get_package_share_directory('msinet_ros'))
    except (ImportError, LookupError, OSError):  # OSError: AMENT_PREFIX_PATH is not set
        return SOURCE_ROOT


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
    """
    Return the explicit directory if given (non-empty), else the default; create it.

    A directory that cannot be created (a file in its place or above it, no permission, a
    read-only file system) raises :class:`StorageError`. An existing read-only directory is
    returned: engines built into it beforehand still load; writing a new artefact there
    raises :class:`StorageError` when it happens (:func:`msinet_ros.files.atomic_path`).
    """
    path = Path(explicit).expanduser() if explicit else default_cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(f'cannot create the cache directory {path}: {exc.strerror or exc}; '
                           'set the cache_dir parameter (--cache-dir for the tools) to a '
                           'writable folder') from exc
    return path
