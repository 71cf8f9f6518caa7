"""The cache-directory rule and the Fast DDS profile variable per distribution."""

from msinet_ros import paths


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
