"""The cache-directory rule and the Fast DDS profile variable per distribution."""

from msinet_ros import paths
from msinet_ros.errors import StorageError
import pytest


def test_explicit_directory_wins_and_is_created(tmp_path):
    target = tmp_path / 'a' / 'b'
    assert paths.cache_dir(str(target)) == target and target.is_dir()


def test_installed_package_uses_ros_home(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, 'SOURCE_ROOT', tmp_path)  # no package.xml there
    monkeypatch.setattr(paths, 'SOURCE_ENGINES_DIR', tmp_path / 'engines')
    monkeypatch.setenv('ROS_HOME', str(tmp_path / 'roshome'))
    assert paths.default_cache_dir() == tmp_path / 'roshome' / 'msinet_ros'


def test_source_checkout_uses_its_engines_folder(tmp_path, monkeypatch):
    (tmp_path / 'package.xml').write_text('<package/>')
    (tmp_path / 'engines').mkdir()
    monkeypatch.setattr(paths, 'SOURCE_ROOT', tmp_path)
    monkeypatch.setattr(paths, 'SOURCE_ENGINES_DIR', tmp_path / 'engines')
    assert paths.default_cache_dir() == tmp_path / 'engines'


def test_the_fast_dds_profile_variable_follows_the_distribution(tmp_path):
    profile = tmp_path / 'p.xml'
    assert paths.fastdds_profile_env(profile, 'jazzy') == {
        'FASTRTPS_DEFAULT_PROFILES_FILE': str(profile)}  # Fast DDS 2 reads only this one
    assert paths.fastdds_profile_env(profile, 'kilted') == {
        'FASTDDS_DEFAULT_PROFILES_FILE': str(profile)}
    assert set(paths.fastdds_profile_env(profile, '')) == {
        'FASTRTPS_DEFAULT_PROFILES_FILE', 'FASTDDS_DEFAULT_PROFILES_FILE'}


def test_a_cache_directory_that_cannot_be_created_is_a_storage_error(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    for explicit in (blocker, blocker / 'engines'):
        with pytest.raises(StorageError, match=f'cannot create the cache directory {explicit}: '
                           '.*set the cache_dir parameter'):
            paths.cache_dir(str(explicit))


def test_an_existing_read_only_cache_directory_is_returned_for_its_engines(tmp_path):
    """Reading prebuilt engines needs no write access; a write there fails when it happens."""
    folder = tmp_path / 'engines'
    folder.mkdir(mode=0o555)
    assert paths.cache_dir(str(folder)) == folder


def test_share_dir_outside_any_ros_environment_is_the_checkout(monkeypatch):
    """ament_index raises OSError when AMENT_PREFIX_PATH is unset (a plain venv)."""
    pytest.importorskip('ament_index_python')
    monkeypatch.delenv('AMENT_PREFIX_PATH', raising=False)
    assert paths.share_dir() == paths.SOURCE_ROOT
