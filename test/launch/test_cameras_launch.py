"""
cameras.launch.py through launch (launch_pytest): one saliency_node per camera namespace.

The launched test starts two installed saliency_nodes (``cameras:=[front, left]``) with a
seeded random 64x64 ONNX model and feeds each camera frames of its own size and frame_id: each
camera's results must appear under its own namespace only. The description tests run what the
launch file's OpaqueFunction returns with a stand-in executable that records its command line,
so the per-camera wiring is checked without starting the node.
"""

import importlib.util
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
from msinet_ros.imaging import byte_array  # noqa: E402
import numpy as np  # noqa: E402
from sensor_msgs.msg import Image, PointCloud2  # noqa: E402

# camera namespace -> (height, width) of the frames it publishes: a result's geometry and
# frame_id say which camera it came from
CAMERAS = {'front': (48, 64), 'left': (32, 64)}


def cameras_launch_file() -> Path:
    return share_dir() / 'launch' / 'cameras.launch.py'


def launch_module():
    """Return the installed cameras.launch.py as a module (its pure functions)."""
    spec = importlib.util.spec_from_file_location('cameras_launch', cameras_launch_file())
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@launch_pytest.fixture
def two_cameras(small_model):
    """Launch cameras.launch.py for ``[front, left]`` with the small model."""
    return launch.LaunchDescription([
        IncludeLaunchDescription(
            PythonLaunchDescriptionSource(str(cameras_launch_file())),
            launch_arguments={'cameras': '[front, left]', 'model': str(small_model),
                              'size': '64x64', 'log_level': 'warn'}.items()),
        ReadyToTest()])


def frame(namespace: str, probe) -> Image:
    """Return an rgb8 frame of ``namespace``'s size, stamped now in its own optical frame."""
    height, width = CAMERAS[namespace]
    rng = np.random.default_rng(len(namespace))
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    image = Image(height=height, width=width, encoding='rgb8', step=width * 3,
                  data=byte_array(pixels))
    image.header.frame_id = f'{namespace}_optical_frame'
    image.header.stamp = probe.node.get_clock().now().to_msg()
    return image


@pytest.mark.launch(fixture=two_cameras)
def test_each_camera_has_its_node_and_its_results_in_its_namespace(probe, small_model):
    # the nodes subscribe their camera once one of their outputs has a subscriber
    received = {(namespace, kind): [] for namespace in CAMERAS for kind in (Image, PointCloud2)}
    for (namespace, kind), got in received.items():
        topic = 'saliency/image' if kind is Image else 'fixations'
        probe.node.create_subscription(kind, f'/{namespace}/{topic}', got.append, 10)
    for namespace in CAMERAS:
        node, camera = f'/{namespace}/saliency_node', f'/{namespace}/image_raw'
        assert probe.spin_until(lambda: node in probe.subscribers(camera), 30.0), \
            f'{node} did not subscribe {camera} (subscribers: {probe.subscribers(camera)})'
    # each node reads its own camera only
    assert sorted(probe.subscribers('/front/image_raw')) == ['/front/saliency_node']
    assert sorted(probe.subscribers('/left/image_raw')) == ['/left/saliency_node']
    assert get_parameters(probe, '/left/saliency_node', ['model', 'size']) == {
        'model': str(small_model), 'size': '64x64'}

    publishers = {namespace: probe.node.create_publisher(Image, f'/{namespace}/image_raw', 10)
                  for namespace in CAMERAS}

    def publish():
        for namespace, publisher in publishers.items():
            publisher.publish(frame(namespace, probe))

    assert probe.spin_until(lambda: all(len(got) >= 2 for got in received.values()), 30.0,
                            every=publish), \
        f'no results on {[key for key, got in received.items() if len(got) < 2]}'
    for (namespace, kind), got in received.items():
        # every result under this namespace came from this camera's frames
        assert {message.header.frame_id for message in got} == {f'{namespace}_optical_frame'}
        if kind is Image:
            assert {(m.height, m.width) for m in got} == {CAMERAS[namespace]}


# --- the description: what the OpaqueFunction returns, run with a stand-in executable ---

RECORDER = '''#!{python}
"""Stand-in for saliency_node: record the command line and the parameters files, then exit."""
import json, os, pathlib, sys
args = sys.argv[1:]
files = [pathlib.Path(b).read_text() for a, b in zip(args, args[1:]) if a == '--params-file']
out = pathlib.Path(os.environ['MSINET_LAUNCH_RECORD']) / f'{{os.getpid()}}.json'
out.write_text(json.dumps({{'args': args, 'params_files': files}}))
'''


def describe(arguments: dict) -> list:
    """Return the actions cameras.launch.py's OpaqueFunction returns for ``arguments``."""
    context = launch.LaunchContext()
    context.launch_configurations.update(arguments)
    actions = []
    for entity in get_launch_description_from_python_launch_file(
            str(cameras_launch_file())).entities:
        if isinstance(entity, (DeclareLaunchArgument, OpaqueFunction)):
            actions += entity.visit(context) or []
    return actions


def started_nodes(arguments: dict, tmp_path: Path, monkeypatch) -> dict:
    """Run the launch file with a stand-in saliency_node; return each start by namespace."""
    actions = describe(arguments)  # before the stand-in prefix: the real config is found
    record, prefix = tmp_path / 'record', tmp_path / 'prefix'
    record.mkdir()
    index = prefix / 'share' / 'ament_index' / 'resource_index' / 'packages'
    index.mkdir(parents=True)
    (index / 'msinet_ros').touch()
    (prefix / 'share' / 'msinet_ros').mkdir()
    executable = prefix / 'lib' / 'msinet_ros' / 'saliency_node'
    executable.parent.mkdir(parents=True)
    executable.write_text(RECORDER.format(python=sys.executable))
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv('AMENT_PREFIX_PATH', str(prefix))
    monkeypatch.setenv('MSINET_LAUNCH_RECORD', str(record))
    service = launch.LaunchService(argv=[])
    service.include_launch_description(launch.LaunchDescription(actions))
    assert service.run() == 0
    started = {}
    for path in record.glob('*.json'):
        start = json.loads(path.read_text())
        start['parameters'] = {key: value for text in start['params_files']
                               for values in yaml.safe_load(text).values()
                               for key, value in values['ros__parameters'].items()}
        namespace = next(a for a in start['args'] if a.startswith('__ns:='))[len('__ns:='):]
        assert namespace not in started, f'two nodes in {namespace}'
        started[namespace] = start
    return started


def test_one_node_per_camera_in_its_namespace_with_the_shared_parameters(
        tmp_path, monkeypatch, small_model):
    started = started_nodes({'cameras': 'front, left,rear', 'image': 'color/image_raw',
                             'model': str(small_model), 'size': '480x640', 'autostart': '0',
                             'use_sim_time': 'True'}, tmp_path, monkeypatch)
    assert sorted(started) == ['/front', '/left', '/rear']
    for start in started.values():
        for rule in ('__node:=saliency_node', 'image:=color/image_raw',
                     'camera_info:=color/camera_info',
                     'image/compressed:=color/image_raw/compressed'):
            assert rule in start['args'], f'{rule} not in {start["args"]}'
        parameters = start['parameters']
        assert (parameters['model'], parameters['size']) == (str(small_model), '480x640')
        assert parameters['autostart'] is False and parameters['use_sim_time'] is True
        assert parameters['backend'] == 'onnxruntime'  # from the shipped config/saliency.yaml


def test_a_given_camera_info_and_parameters_file_reach_every_node(tmp_path, monkeypatch):
    params = tmp_path / 'cameras.yaml'
    params.write_text('/**:\n  ros__parameters:\n    top_k: 2\n')
    started = started_nodes({'cameras': "['front', 'robot/back']", 'camera_info': 'info',
                             'params_file': str(params)}, tmp_path, monkeypatch)
    assert sorted(started) == ['/front', '/robot/back']
    for start in started.values():
        assert 'camera_info:=info' in start['args'] and 'image:=image_raw' in start['args']
        assert start['parameters']['top_k'] == 2
        assert 'backend' not in start['parameters']  # the shipped file is not read then


@pytest.mark.parametrize('text, names', [
    ('[front, left]', ['front', 'left']), ('front,left', ['front', 'left']),
    ('front left', ['front', 'left']), ("['front', \"left\"]", ['front', 'left']),
    ('[/robot/front]', ['/robot/front']), ('cam_0', ['cam_0'])])
def test_cameras_argument_forms(text, names):
    assert launch_module().camera_namespaces(text) == names


@pytest.mark.parametrize('text, error', [
    ('[]', 'at least one'), ('', 'at least one'), ('front, /front', 'more than once'),
    ('0front', 'not a namespace'), ('front/', 'not a namespace'), ('fr-ont', 'not a namespace')])
def test_cameras_argument_refuses(text, error):
    with pytest.raises(ValueError, match=error):
        launch_module().camera_namespaces(text)


@pytest.mark.parametrize('name', ['image', 'camera_info'])
def test_absolute_topics_are_refused(name):
    # one absolute topic would feed every camera's node the same images
    with pytest.raises(ValueError, match='relative'):
        describe({'cameras': '[front, left]', name: '/camera/image_raw'})


def test_cameras_is_required():
    with pytest.raises(Exception, match='cameras'):
        describe({})


def test_launch_file_is_installed_and_documented():
    assert cameras_launch_file().is_file()
    from test_launch_docs import documented, markdown_table
    assert documented('cameras.launch.py') == markdown_table(launch_module().ARGUMENTS), \
        'docs/launch.md is out of date: python test/launch/test_launch_docs.py cameras.launch.py'
