"""
saliency.launch.py through launch (launch_pytest): arguments in, the node's topics out.

The launched tests start the installed saliency_node with a seeded random 64x64 ONNX model:
images in on a remapped camera topic, saliency and fixations out under a namespace (with the
model/backend/size overrides read back over get_parameters), and the managed path
(``autostart:=false``) driven over ``change_state``. The description test runs what the
launch file's OpaqueFunction returns with stand-in executables that record their command
lines, so the rviz wiring is checked without rviz2 (or the node) being there.
"""

import json
from pathlib import Path
import stat
import sys

from launch_helpers import get_parameters, require_launch, share_dir
import pytest
import yaml

require_launch()

# These follow the gate above on purpose.
import launch  # noqa: E402, I100
from launch.actions import DeclareLaunchArgument, IncludeLaunchDescription  # noqa: E402
from launch.actions import OpaqueFunction  # noqa: E402
from launch.launch_description_sources import (  # noqa: E402
    get_launch_description_from_python_launch_file, PythonLaunchDescriptionSource)
import launch_pytest  # noqa: E402
from launch_pytest.actions import ReadyToTest  # noqa: E402
from launch_ros.actions import Node  # noqa: E402
from lifecycle_msgs.msg import State, Transition  # noqa: E402
from lifecycle_msgs.srv import ChangeState, GetState  # noqa: E402
from msinet_ros.imaging import byte_array  # noqa: E402
import numpy as np  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, PointCloud2  # noqa: E402

NS = 'launch_test'
CAMERA = '/launch_test_camera/image_raw'  # outside the namespace: a remapped camera
NODE = f'/{NS}/saliency_node'
OUTPUTS = {f'/{NS}/saliency/image': Image, f'/{NS}/fixations': PointCloud2}


def saliency_launch_file() -> Path:
    return share_dir() / 'launch' / 'saliency.launch.py'


@pytest.fixture
def params_file(tmp_path) -> Path:
    """Return a parameters file whose model, backend and size the launch arguments override."""
    path = tmp_path / 'params.yaml'
    path.write_text('/**:\n  ros__parameters:\n    model: "/nonexistent/from_params_file.onnx"\n'
                    '    backend: "torch"\n    size: "320x320"\n    top_k: 3\n')
    return path


def include_saliency(**arguments: str) -> launch.LaunchDescription:
    """Return a description that includes saliency.launch.py with ``arguments``."""
    return launch.LaunchDescription([
        IncludeLaunchDescription(PythonLaunchDescriptionSource(str(saliency_launch_file())),
                                 launch_arguments=arguments.items()),
        ReadyToTest()])


@launch_pytest.fixture
def overridden(params_file, small_model):
    """Launch with a namespace, a remapped camera and model/backend/size overrides."""
    return include_saliency(params_file=str(params_file), model=str(small_model),
                            backend='onnxruntime', size='64x64', namespace=NS, image=CAMERA,
                            log_level='warn')


@launch_pytest.fixture
def unconfigured(small_model):
    """Launch with ``autostart:=false``: the node waits for lifecycle transitions."""
    return include_saliency(model=str(small_model), size='64x64', namespace=NS, image=CAMERA,
                            autostart='false')


class Camera:
    """Publish small rgb8 frames and their camera_info on the remapped camera topics."""

    def __init__(self, probe):
        self.probe = probe
        self.image = probe.node.create_publisher(Image, CAMERA, 10)
        self.info = probe.node.create_publisher(CameraInfo, CAMERA.rsplit('/', 1)[0] +
                                                '/camera_info', 10)
        pixels = np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)
        self.frame = Image(height=48, width=64, encoding='rgb8', step=64 * 3,
                           data=byte_array(pixels))
        self.frame.header.frame_id = 'camera_optical_frame'

    def publish(self) -> None:
        stamp = self.probe.node.get_clock().now().to_msg()
        self.frame.header.stamp = stamp
        info = CameraInfo(height=48, width=64, distortion_model='plumb_bob',
                          d=[0.0] * 5, k=[50.0, 0.0, 32.0, 0.0, 50.0, 24.0, 0.0, 0.0, 1.0],
                          r=[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
                          p=[50.0, 0.0, 32.0, 0.0, 0.0, 50.0, 24.0, 0.0, 0.0, 0.0, 1.0, 0.0])
        info.header = self.frame.header
        self.image.publish(self.frame)
        self.info.publish(info)


def subscribe_outputs(probe) -> dict:
    received = {topic: [] for topic in OUTPUTS}
    for topic, kind in OUTPUTS.items():
        probe.node.create_subscription(kind, topic, received[topic].append, 10)
    return received


def expect_outputs(probe, received: dict, timeout: float = 30.0) -> None:
    """Wait for the node to subscribe the camera, feed it frames, expect every output."""
    assert probe.spin_until(lambda: NODE in probe.subscribers(CAMERA), timeout), \
        f'{NODE} did not subscribe {CAMERA} (subscribers: {probe.subscribers(CAMERA)})'
    camera = Camera(probe)
    assert probe.spin_until(lambda: all(received.values()), timeout, every=camera.publish), \
        f'no message on {[topic for topic, got in received.items() if not got]}'
    image = received[f'/{NS}/saliency/image'][0]
    assert (image.height, image.width, image.encoding) == (48, 64, '32FC1')


@pytest.mark.launch(fixture=overridden)
def test_namespaced_outputs_from_a_remapped_camera(probe):
    received = subscribe_outputs(probe)
    expect_outputs(probe, received)


@pytest.mark.launch(fixture=overridden)
def test_model_backend_size_arguments_override_the_parameters_file(probe, small_model):
    values = get_parameters(probe, NODE, ['model', 'backend', 'size', 'top_k', 'use_sim_time'])
    assert values == {'model': str(small_model), 'backend': 'onnxruntime', 'size': '64x64',
                      'top_k': 3, 'use_sim_time': False}


def lifecycle_state(probe) -> int:
    return probe.call(GetState, f'{NODE}/get_state', GetState.Request()).current_state.id


def transition(probe, transition_id: int) -> None:
    response = probe.call(ChangeState, f'{NODE}/change_state',
                          ChangeState.Request(transition=Transition(id=transition_id)))
    assert response.success, f'{NODE} refused lifecycle transition {transition_id}'


@pytest.mark.launch(fixture=unconfigured)
def test_autostart_false_waits_unconfigured_until_driven(probe):
    assert lifecycle_state(probe) == State.PRIMARY_STATE_UNCONFIGURED
    received = subscribe_outputs(probe)
    camera = Camera(probe)
    probe.spin_until(lambda: False, 1.5, every=camera.publish)
    assert not any(received.values()), 'an unconfigured node published'
    assert NODE not in probe.subscribers(CAMERA), 'an unconfigured node subscribed the camera'
    transition(probe, Transition.TRANSITION_CONFIGURE)
    assert lifecycle_state(probe) == State.PRIMARY_STATE_INACTIVE
    transition(probe, Transition.TRANSITION_ACTIVATE)
    assert lifecycle_state(probe) == State.PRIMARY_STATE_ACTIVE
    expect_outputs(probe, received)


# --- the description: what the OpaqueFunction returns, run with stand-in executables ---

RECORDER = '''#!{python}
"""Stand-in for {name}: record the command line and the parameters files, then exit."""
import json, os, pathlib, sys
args = sys.argv[1:]
files = [pathlib.Path(b).read_text() for a, b in zip(args, args[1:]) if a == '--params-file']
out = pathlib.Path(os.environ['MSINET_LAUNCH_RECORD']) / '{name}.json'
out.write_text(json.dumps({{'args': args, 'params_files': files}}))
'''


def stand_in_prefix(root: Path, packages: dict) -> Path:
    """Return an install prefix whose packages' executables record how they were started."""
    for package, executable in packages.items():
        (root / 'share' / 'ament_index' / 'resource_index' / 'packages').mkdir(
            parents=True, exist_ok=True)
        (root / 'share' / 'ament_index' / 'resource_index' / 'packages' / package).touch()
        path = root / 'lib' / package / executable
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(RECORDER.format(python=sys.executable, name=executable))
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return root


def describe(arguments: dict) -> list:
    """Return the actions saliency.launch.py's OpaqueFunction returns for ``arguments``."""
    context = launch.LaunchContext()
    context.launch_configurations.update(arguments)
    actions = []
    for entity in get_launch_description_from_python_launch_file(
            str(saliency_launch_file())).entities:
        if isinstance(entity, (DeclareLaunchArgument, OpaqueFunction)):
            actions += entity.visit(context) or []
    return actions


def run_recorded(actions: list, tmp_path: Path, monkeypatch) -> dict:
    """Run ``actions`` with stand-in executables; return each one's recorded start."""
    record = tmp_path / 'record'
    record.mkdir()
    prefix = stand_in_prefix(tmp_path / 'prefix', {'msinet_ros': 'saliency_node',
                                                   'rviz2': 'rviz2'})
    monkeypatch.setenv('AMENT_PREFIX_PATH', str(prefix))
    monkeypatch.setenv('MSINET_LAUNCH_RECORD', str(record))
    service = launch.LaunchService(argv=[])
    service.include_launch_description(launch.LaunchDescription(actions))
    assert service.run() == 0
    started = {}
    for path in record.glob('*.json'):
        started[path.stem] = json.loads(path.read_text())
        files = [{key: value for values in yaml.safe_load(text).values()
                  for key, value in values['ros__parameters'].items()}
                 for text in started[path.stem]['params_files']]
        started[path.stem]['files'] = files  # in the order given: later ones win
        started[path.stem]['parameters'] = {key: value for values in files
                                            for key, value in values.items()}
    return started


def test_description_wires_node_and_rviz_to_the_chosen_topics(tmp_path, monkeypatch,
                                                              small_model):
    monkeypatch.setenv('ROS_HOME', str(tmp_path / 'ros_home'))
    actions = describe({'namespace': 'robot1', 'image': 'usb_cam/image_raw', 'rviz': 'true',
                        'use_sim_time': '1', 'autostart': 'False', 'size': '480x640',
                        'model': str(small_model), 'transport': 'compressed',
                        'log_level': 'warn', 'fixed_frame': 'usb_cam_optical_frame'})
    assert sorted(action.node_executable for action in actions
                  if isinstance(action, Node)) == ['rviz2', 'saliency_node']
    started = run_recorded(actions, tmp_path, monkeypatch)

    node = started['saliency_node']
    for rule in ('__ns:=/robot1', 'image:=usb_cam/image_raw', 'camera_info:=usb_cam/camera_info',
                 'image/compressed:=usb_cam/image_raw/compressed', '__node:=saliency_node'):
        assert rule in node['args'], f'{rule} not in {node["args"]}'
    assert node['args'][node['args'].index('--log-level') + 1] == 'warn'
    # the shipped parameters file first, then the launch arguments: typed, not YAML-guessed
    assert node['parameters']['use_sim_time'] is True
    assert node['parameters']['autostart'] is False
    assert node['parameters']['size'] == '480x640'
    assert node['parameters']['model'] == str(small_model)
    assert node['parameters']['transport'] == 'compressed'
    assert node['parameters']['backend'] == 'onnxruntime'  # from config/saliency.yaml
    overrides = node['files'][-1]  # the launch arguments given, after the shipped file
    assert set(overrides) == {'autostart', 'size', 'model', 'transport'}

    rviz = started['rviz2']
    assert '__ns:=/robot1' in rviz['args']
    assert rviz['parameters']['use_sim_time'] is True
    config = yaml.safe_load(Path(rviz['args'][rviz['args'].index('-d') + 1]).read_text())
    manager = config['Visualization Manager']
    assert {display['Name']: display['Topic']['Value'] for display in manager['Displays']} == {
        'Camera': '/robot1/usb_cam/image_raw',
        'Saliency overlay': '/robot1/saliency_overlay/image',
        'Fixation rays': '/robot1/fixations/markers'}
    assert manager['Global Options']['Fixed Frame'] == 'usb_cam_optical_frame'
    assert Path(rviz['args'][rviz['args'].index('-d') + 1]).parent == \
        tmp_path / 'ros_home' / 'msinet_ros' / 'rviz'


def test_rviz_topics_follow_a_namespace_pushed_by_an_including_file(tmp_path, monkeypatch):
    monkeypatch.setenv('ROS_HOME', str(tmp_path))
    actions = describe({'ros_namespace': '/fleet', 'namespace': 'robot1', 'image': 'image_raw',
                        'rviz': 'True'})
    config = next(Path(tmp_path).glob('msinet_ros/rviz/*.rviz')).read_text()
    assert '/fleet/robot1/image_raw' in config and '/fleet/robot1/fixations/markers' in config
    assert len([action for action in actions if isinstance(action, Node)]) == 2


@pytest.mark.parametrize('flags', [{}, {'rviz': 'false'}, {'rviz': '0'}])
def test_no_rviz_node_unless_asked(flags):
    # rviz2 is not looked up then: no rviz2 install is needed (none is here)
    actions = describe({'image': '/camera/image_raw', **flags})
    assert [action.node_executable for action in actions
            if isinstance(action, Node)] == ['saliency_node']


@pytest.mark.parametrize('image, camera_info', [
    ('/camera/image_raw', '/camera/camera_info'),
    ('/camera/camera/color/image_raw', '/camera/camera/color/camera_info'),
    ('image_raw', 'camera_info'), ('usb_cam/image_raw', 'usb_cam/camera_info'),
    ('/image', '/camera_info')])
def test_camera_info_defaults_to_the_one_beside_the_image(tmp_path, monkeypatch, image,
                                                          camera_info):
    started = run_recorded(describe({'image': image}), tmp_path, monkeypatch)
    assert f'camera_info:={camera_info}' in started['saliency_node']['args']


@pytest.mark.parametrize('name, value', [('use_sim_time', 'yes'), ('backend', 'onnx'),
                                         ('transport', 'theora'), ('log_level', 'verbose')])
def test_closed_arguments_reject_other_values(name, value):
    with pytest.raises(Exception, match='choices|Valid'):
        describe({name: value})


def test_launch_files_are_installed():
    for name in ('saliency.launch.py', 'cameras.launch.py', 'image_player.launch.py'):
        assert (share_dir() / 'launch' / name).is_file()
    assert (share_dir() / 'config' / 'saliency.rviz').is_file()
