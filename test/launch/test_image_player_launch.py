"""image_player.launch.py through launch: typed arguments (``rate:=10``, a numeric folder)."""

from pathlib import Path
import shutil

from launch_helpers import get_parameters, require_launch, share_dir
import pytest

require_launch()

# These follow the gate above on purpose.
import launch  # noqa: E402, I100
from launch.actions import IncludeLaunchDescription  # noqa: E402
from launch.launch_description_sources import PythonLaunchDescriptionSource  # noqa: E402
import launch_pytest  # noqa: E402
from launch_pytest.actions import ReadyToTest  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402

TOPIC = '/launch_test_player/image'


@pytest.fixture
def numeric_folder(tmp_path, monkeypatch) -> str:
    """Return '2024', a relative folder (of one shipped photograph) that YAML reads as an int."""
    folder = tmp_path / '2024'
    folder.mkdir()
    shutil.copy(Path(share_dir()) / 'demo' / 'images' / 'chelsea.jpg', folder)
    monkeypatch.chdir(tmp_path)  # image_player starts in the launching process's directory
    return folder.name


@launch_pytest.fixture
def player(numeric_folder):
    """Launch image_player with ``rate:=10`` and ``folder:=2024``."""
    path = share_dir() / 'launch' / 'image_player.launch.py'
    return launch.LaunchDescription([
        IncludeLaunchDescription(PythonLaunchDescriptionSource(str(path)), launch_arguments={
            'folder': numeric_folder, 'rate': '10', 'image': TOPIC, 'loop': 'True',
            'frame_id': 'test_optical_frame'}.items()),
        ReadyToTest()])


@pytest.mark.launch(fixture=player)
def test_integer_rate_and_numeric_folder_start_and_publish(probe):
    received = []
    probe.node.create_subscription(Image, TOPIC, received.append, 10)
    assert probe.spin_until(lambda: len(received) >= 2, 20.0), 'image_player published nothing'
    assert received[0].header.frame_id == 'test_optical_frame'
    assert received[0].encoding == 'rgb8'
    assert get_parameters(probe, '/image_player', ['rate', 'folder', 'loop']) == {
        'rate': 10.0, 'folder': '2024', 'loop': True}
