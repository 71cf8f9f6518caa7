"""The cache-directory rule."""

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
