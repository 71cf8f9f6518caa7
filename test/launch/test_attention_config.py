"""
Names agree across the robot's files, the nodes' parameters and the attention launch files.

Static checks only: urdf/pan_tilt_head.urdf (joints, optical frame, ros2_control joints and
interfaces, the Gazebo camera's topics and frame), config/head_controllers.yaml,
config/gz_bridge.yaml, config/attention.rviz, the parameters of gaze_controller, attention_node
and virtual_robot (msinet_ros.parameters) and what launch/attention_demo.launch.py and
launch/gazebo_attention.launch.py start, with which remappings and parameters. Gazebo cannot be
installed here, so the URDF's Gazebo parts and worlds/attention.sdf are checked for XML
well-formedness and names only: nothing here shows that Gazebo loads them.

The launch files' node plans (their ``nodes()``) are read without launching; where launch
imports, the launch descriptions are also expanded against the source tree posing as the
installed share/msinet_ros (no executable is started).
"""

import importlib.util
import math
from pathlib import Path
from types import ModuleType
from typing import Dict, List, Tuple
import xml.etree.ElementTree as ElementTree

from launch_helpers import require_launch
from msinet_ros.parameters import ATTENTION_NODE, GAZE_CONTROLLER, SALIENCY_NODE, VIRTUAL_ROBOT
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
URDF = ROOT / 'urdf' / 'pan_tilt_head.urdf'
WORLD = ROOT / 'worlds' / 'attention.sdf'
CONTROLLERS = ROOT / 'config' / 'head_controllers.yaml'
BRIDGE = ROOT / 'config' / 'gz_bridge.yaml'
RVIZ = ROOT / 'config' / 'attention.rviz'
DEMO, GAZEBO = 'attention_demo.launch.py', 'gazebo_attention.launch.py'
# the controllers' own topics (relative to the controller's node name)
CONTROLLER_TOPICS = {'joint_trajectory_controller/JointTrajectoryController': 'joint_trajectory',
                     'position_controllers/JointGroupPositionController': 'commands'}
# gaze_controller's output topic by command_type, as its parameter description documents
GAZE_OUTPUTS = {'trajectory': 'head_controller/joint_trajectory',
                'position': 'head_controller/commands'}


def spec(specs: tuple, name: str):
    return next(s for s in specs if s.name == name)


@pytest.fixture(scope='module')
def urdf() -> ElementTree.Element:
    return ElementTree.parse(URDF).getroot()


@pytest.fixture(scope='module')
def controllers() -> dict:
    return yaml.safe_load(CONTROLLERS.read_text())


@pytest.fixture(scope='module')
def bridge() -> Dict[str, dict]:
    return {entry['ros_type_name']: entry for entry in yaml.safe_load(BRIDGE.read_text())}


def movable_joints(urdf: ElementTree.Element) -> List[str]:
    return [joint.get('name') for joint in urdf.findall('joint')
            if joint.get('type') in ('revolute', 'continuous', 'prismatic')]


def camera_sensor(urdf: ElementTree.Element) -> Tuple[str, ElementTree.Element]:
    """Return the link the Gazebo camera is attached to, and its <sensor>."""
    found = [(gazebo.get('reference'), sensor) for gazebo in urdf.iter('gazebo')
             for sensor in gazebo.iter('sensor') if sensor.get('type') == 'camera']
    assert len(found) == 1, 'the URDF should have exactly one Gazebo camera sensor'
    return found[0]


def ros2_control(urdf: ElementTree.Element) -> Dict[str, Dict[str, List[str]]]:
    """Return {joint: {'command': [...], 'state': [...]}} of the URDF's ros2_control tag."""
    (system,) = urdf.iter('ros2_control')
    return {joint.get('name'): {
        kind: [i.get('name') for i in joint.iter(f'{kind}_interface')]
        for kind in ('command', 'state')} for joint in system.iter('joint')}


def resolve(topic: str) -> str:
    """Return ``topic`` resolved at the root namespace (ROS and gz-transport alike)."""
    return topic if topic.startswith('/') else f'/{topic}'


# --- XML well-formedness and names (not Gazebo loading) ---

@pytest.mark.parametrize('path', [URDF, WORLD], ids=lambda path: path.name)
def test_xml_is_well_formed_only_not_loaded_by_gazebo(path):
    """Well-formedness only: Gazebo is not installed here, so no file is loaded by it."""
    ElementTree.parse(path)


def test_world_has_the_systems_the_camera_and_spawning_need():
    """Names only (Harmonic's plugin names), not that gz sim loads them."""
    world = ElementTree.parse(WORLD).getroot().find('world')
    plugins = {plugin.get('name'): plugin for plugin in world.findall('plugin')}
    assert set(plugins) >= {'gz::sim::systems::Physics', 'gz::sim::systems::Sensors',
                            'gz::sim::systems::SceneBroadcaster',
                            'gz::sim::systems::UserCommands'}
    assert plugins['gz::sim::systems::Sensors'].findtext('render_engine') == 'ogre2'
    assert world.find('light') is not None


def test_world_targets_are_the_pybullet_scenes():
    """The spheres of worlds/attention.sdf are virtual_robot's (simulation/scene.py TARGETS)."""
    from msinet_ros.simulation.scene import TARGETS
    world = ElementTree.parse(WORLD).getroot().find('world')
    spheres = {}
    for model in world.findall('model'):
        radius = model.findtext('link/visual/geometry/sphere/radius')
        if radius is not None:
            diffuse = model.findtext('link/visual/material/diffuse').split()[:3]
            spheres[model.get('name')] = ([float(v) for v in model.findtext('pose').split()[:3]],
                                          float(radius), [float(v) for v in diffuse])
    assert set(spheres) == {f'target_{target.name}' for target in TARGETS}
    for target in TARGETS:
        position, radius, diffuse = spheres[f'target_{target.name}']
        assert position == pytest.approx(target.position, abs=0.01), target.name
        assert radius == pytest.approx(target.radius), target.name
        # the same dominant colour channels (Gazebo's shading differs from pybullet's)
        assert [v > 0.5 for v in diffuse] == [c > 127 for c in target.rgb], target.name
    assert sorted(round(target.azimuth_deg) for target in TARGETS) == [-40, -10, 25, 50]


def test_urdf_chain_and_optical_frame(urdf):
    joints = {joint.get('name'): joint for joint in urdf.findall('joint')}
    assert movable_joints(urdf) == ['pan_joint', 'tilt_joint']
    assert joints['pan_joint'].find('parent').get('link') == \
        spec(GAZE_CONTROLLER, 'body_frame').default == spec(ATTENTION_NODE, 'body_frame').default
    optical = joints['camera_optical_joint']
    assert optical.find('child').get('link') == spec(GAZE_CONTROLLER, 'camera_frame').default \
        == spec(VIRTUAL_ROBOT, 'camera_frame').default == 'camera_optical_frame'
    roll, pitch, yaw = (float(v) for v in optical.find('origin').get('rpy').split())
    assert (roll, pitch, yaw) == pytest.approx((-math.pi / 2, 0, -math.pi / 2), abs=1e-4)


def test_urdf_camera_sensor_matches_virtual_robot_and_the_optical_frame(urdf):
    link, sensor = camera_sensor(urdf)
    joints = {joint.get('name'): joint for joint in urdf.findall('joint')}
    assert joints['camera_optical_joint'].find('parent').get('link') == link
    assert sensor.findtext('gz_frame_id') == spec(GAZE_CONTROLLER, 'camera_frame').default
    camera = sensor.find('camera')
    assert int(camera.findtext('image/width')) == spec(VIRTUAL_ROBOT, 'width').default
    assert int(camera.findtext('image/height')) == spec(VIRTUAL_ROBOT, 'height').default
    assert math.degrees(float(camera.findtext('horizontal_fov'))) == pytest.approx(
        spec(VIRTUAL_ROBOT, 'horizontal_fov_deg').default, abs=0.01)


def test_urdf_ros2_control_drives_the_movable_joints(urdf):
    interfaces = ros2_control(urdf)
    assert list(interfaces) == movable_joints(urdf)
    for joint, kinds in interfaces.items():
        assert kinds == {'command': ['position'], 'state': ['position', 'velocity']}, joint
    (hardware,) = urdf.iter('hardware')
    assert hardware.findtext('plugin') == 'gz_ros2_control/GazeboSimSystem'
    plugins = [p for gazebo in urdf.iter('gazebo') for p in gazebo.findall('plugin')]
    assert [p.get('filename') for p in plugins] == ['gz_ros2_control-system']
    assert plugins[0].findtext('parameters') == '@HEAD_CONTROLLERS_YAML@'


# --- controllers YAML ---

def test_controllers_yaml_names_the_urdf_joints_and_interfaces(urdf, controllers):
    interfaces = ros2_control(urdf)
    manager = controllers['controller_manager']['ros__parameters']
    assert manager['use_sim_time'] is True and manager['update_rate'] > 0
    types = {name: value['type'] for name, value in manager.items() if isinstance(value, dict)}
    assert types == {'joint_state_broadcaster': 'joint_state_broadcaster/JointStateBroadcaster',
                     'head_controller': 'joint_trajectory_controller/JointTrajectoryController',
                     'head_position_controller':
                         'position_controllers/JointGroupPositionController'}
    for name in ('head_controller', 'head_position_controller'):
        params = controllers[name]['ros__parameters']
        assert params['joints'] == movable_joints(urdf), name
        assert params['use_sim_time'] is True
    jtc = controllers['head_controller']['ros__parameters']
    assert jtc['command_interfaces'] == ['position']
    for joint in jtc['joints']:
        assert set(jtc['command_interfaces']) <= set(interfaces[joint]['command'])
        assert set(jtc['state_interfaces']) <= set(interfaces[joint]['state'])
    assert jtc['state_interfaces'] == ['position', 'velocity']


# --- bridge YAML ---

def test_bridge_carries_the_urdf_camera_topics_and_the_clock(urdf, bridge):
    _, sensor = camera_sensor(urdf)
    assert set(bridge) == {'rosgraph_msgs/msg/Clock', 'sensor_msgs/msg/Image',
                           'sensor_msgs/msg/CameraInfo'}
    assert all(entry['direction'] == 'GZ_TO_ROS' for entry in bridge.values())
    expected = {'rosgraph_msgs/msg/Clock': ('gz.msgs.Clock', '/clock', '/clock'),
                'sensor_msgs/msg/Image': ('gz.msgs.Image', sensor.findtext('topic'),
                                          'camera/image_raw'),
                'sensor_msgs/msg/CameraInfo': ('gz.msgs.CameraInfo',
                                               sensor.findtext('camera/camera_info_topic'),
                                               'camera/camera_info')}
    for ros_type, (gz_type, gz_topic, ros_topic) in expected.items():
        entry = bridge[ros_type]
        assert (entry['gz_type_name'], entry['gz_topic_name'], entry['ros_topic_name']) == \
            (gz_type, gz_topic, ros_topic), ros_type


# --- node parameters ---

def test_gaze_controller_outputs_are_the_documented_controller_topics(controllers):
    command_type = spec(GAZE_CONTROLLER, 'command_type')
    assert tuple(command_type.choices) == tuple(GAZE_OUTPUTS)
    for topic in GAZE_OUTPUTS.values():
        assert topic in command_type.description
    manager = controllers['controller_manager']['ros__parameters']
    # the default command_type's topic is head_controller's (a joint_trajectory_controller)
    assert GAZE_OUTPUTS['trajectory'] == \
        f'head_controller/{CONTROLLER_TOPICS[manager["head_controller"]["type"]]}'


# --- launch files ---

def launch_module(name: str) -> ModuleType:
    """Import launch/NAME from the source tree (launch, launch_ros must import)."""
    spec_ = importlib.util.spec_from_file_location(name.replace('.', '_'), ROOT / 'launch' / name)
    module = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def modules() -> Dict[str, ModuleType]:
    require_launch()
    return {name: launch_module(name) for name in (DEMO, GAZEBO)}


def plan(module: ModuleType, **given: str) -> Dict[str, dict]:
    """Return ``module.nodes()`` for its default arguments updated with ``given``."""
    args = {name: default for name, default, _, _ in module.ARGUMENTS}
    unknown = set(given) - set(args)
    assert not unknown, f'no such launch argument: {unknown}'
    return module.nodes({**args, **given}, ROOT)


def parameters(kwargs: dict) -> dict:
    """Return a Node's parameters merged in order (files are read as ``/**`` files)."""
    merged = {}
    for entry in kwargs.get('parameters', []):
        if isinstance(entry, str):
            for values in yaml.safe_load(Path(entry).read_text()).values():
                merged.update(values['ros__parameters'])
        else:
            merged.update({key: getattr(value, 'value', value) for key, value in entry.items()})
    return merged


def published(node: dict, topic: str) -> str:
    """Return where ``topic`` of ``node`` goes after its remappings, resolved at the root."""
    return resolve(dict(node.get('remappings', [])).get(topic, topic))


@pytest.mark.parametrize('name', [DEMO, GAZEBO])
def test_launch_arguments_choices_are_the_nodes(modules, name):
    arguments = {row[0]: row for row in modules[name].ARGUMENTS}
    assert [c for c in arguments['backend'][3] if c] == list(spec(SALIENCY_NODE,
                                                                  'backend').choices)
    assert tuple(arguments['command_type'][3]) == tuple(spec(GAZE_CONTROLLER,
                                                             'command_type').choices)
    assert arguments['command_type'][1] == spec(GAZE_CONTROLLER, 'command_type').default


@pytest.mark.parametrize('name', [DEMO, GAZEBO])
@pytest.mark.parametrize('command_type', ['trajectory', 'position'])
def test_the_chain_is_wired_camera_to_head(modules, bridge, controllers, name, command_type):
    started = plan(modules[name], command_type=command_type)
    assert {'saliency_node', 'attention_node', 'gaze_controller'} <= set(started)
    saliency = started['saliency_node']
    # the camera saliency_node reads is the one the bridge (Gazebo) or virtual_robot publishes
    assert published(saliency, 'image') == resolve(
        bridge['sensor_msgs/msg/Image']['ros_topic_name']) == '/camera/image_raw'
    assert published(saliency, 'camera_info') == resolve(
        bridge['sensor_msgs/msg/CameraInfo']['ros_topic_name']) == '/camera/camera_info'
    for role in ('attention_node',):  # its topics are the defaults: nothing to remap
        assert not started[role].get('remappings')
    gaze = started['gaze_controller']
    assert parameters(gaze)['command_type'] == command_type
    output = published(gaze, GAZE_OUTPUTS[command_type])
    recorder = plan(modules[name], command_type=command_type, record='run.jsonl')
    assert published(recorder['attention_recorder'], GAZE_OUTPUTS[command_type]) == output
    if name == DEMO:  # virtual_robot subscribes head_controller/... itself
        assert output == resolve(GAZE_OUTPUTS[command_type])
    else:  # the controller spawned: its type's topic under its name
        spawner = started['spawner_head']['arguments']
        controller = spawner[0]
        kind = controllers['controller_manager']['ros__parameters'][controller]['type']
        assert output == f'/{controller}/{CONTROLLER_TOPICS[kind]}'
        assert spawner[1:] == ['--param-file', str(CONTROLLERS)]
        assert started['spawner_broadcaster']['arguments'][0] == 'joint_state_broadcaster'


@pytest.mark.parametrize('name', [DEMO, GAZEBO])
def test_every_node_runs_on_simulation_time_but_the_clock(modules, name):
    started = plan(modules[name], rviz='true', record='/tmp/run.jsonl')
    for role, kwargs in started.items():
        assert parameters(kwargs)['use_sim_time'] is (role != 'virtual_robot'), role
    assert parameters(started['saliency_node'])['backend'] == 'onnxruntime'  # the shipped file
    assert parameters(started['attention_recorder'])['output'] == '/tmp/run.jsonl'
    assert started['rviz2']['arguments'] == ['-d', str(RVIZ)]


@pytest.mark.parametrize('name', [DEMO, GAZEBO])
def test_optional_nodes_only_when_asked(modules, name):
    started = plan(modules[name], rviz='false', record='')
    assert not {'rviz2', 'attention_recorder'} & set(started)
    given = plan(modules[name], model='/m.onnx', backend='onnxruntime')
    assert {'model': '/m.onnx', 'backend': 'onnxruntime'}.items() <= \
        parameters(given['saliency_node']).items()


def test_demo_robot_state_publisher_is_optional_and_not_a_second_description(modules):
    started = plan(modules[DEMO])
    assert set(plan(modules[DEMO], robot_state_publisher='false')) == \
        set(started) - {'robot_state_publisher'}
    rsp = started['robot_state_publisher']
    assert parameters(rsp)['robot_description'] == URDF.read_text()
    assert published(rsp, 'robot_description') != '/robot_description'
    assert set(started) == {'virtual_robot', 'saliency_node', 'attention_node',
                            'gaze_controller', 'robot_state_publisher'}


def test_gazebo_fills_in_the_controllers_file_and_bridges_with_the_yaml(modules):
    started = plan(modules[GAZEBO])
    description = parameters(started['robot_state_publisher'])['robot_description']
    assert '@HEAD_CONTROLLERS_YAML@' not in description
    assert f'<parameters>{CONTROLLERS}</parameters>' in description
    ElementTree.fromstring(description)
    assert started['robot_state_publisher']['name'] == 'robot_state_publisher'
    assert parameters(started['bridge'])['config_file'] == str(BRIDGE)
    assert started['create']['arguments'][:2] == ['-topic', 'robot_description']
    gz_args = modules[GAZEBO].gz_args
    defaults = {name: default for name, default, _, _ in modules[GAZEBO].ARGUMENTS}
    assert gz_args(defaults, ROOT).split() == ['-r', '-v', '1', str(WORLD)]
    assert '-s' in gz_args({**defaults, 'headless': 'true', 'world': 'w.sdf'}, ROOT).split()


def test_rviz_config_shows_the_chains_topics_in_the_body_frame():
    manager = yaml.safe_load(RVIZ.read_text())['Visualization Manager']
    topics = {display['Name']: (display.get('Topic') or display.get('Description Topic')
                                or {}).get('Value') for display in manager['Displays']}
    assert topics['Camera'] == '/camera/image_raw'
    assert topics['Saliency overlay'] == '/saliency_overlay/image'
    assert topics['Attention markers'] == '/attention/markers'
    assert topics['Gaze target'] == '/gaze_target'
    assert topics['Robot model'] == '/robot_description'
    assert manager['Global Options']['Fixed Frame'] == spec(GAZE_CONTROLLER, 'body_frame').default


@pytest.fixture
def installed_share(tmp_path, monkeypatch) -> Path:
    """Pose the source tree as the installed share/msinet_ros (an ament prefix of its own)."""
    index = tmp_path / 'share' / 'ament_index' / 'resource_index' / 'packages'
    index.mkdir(parents=True)
    (index / 'msinet_ros').touch()
    (tmp_path / 'share' / 'msinet_ros').symlink_to(ROOT)
    monkeypatch.setenv('AMENT_PREFIX_PATH', str(tmp_path))
    return tmp_path / 'share' / 'msinet_ros'


@pytest.mark.parametrize('name, expected', [
    (DEMO, ['attention_node', 'gaze_controller', 'robot_state_publisher', 'saliency_node',
            'virtual_robot']),
    (GAZEBO, ['attention_node', 'create', 'gaze_controller', 'parameter_bridge',
              'robot_state_publisher', 'saliency_node'])])
def test_launch_descriptions_expand(modules, installed_share, name, expected):
    import launch
    from launch.actions import DeclareLaunchArgument, OpaqueFunction
    from launch_ros.actions import Node
    context = launch.LaunchContext()
    actions = []
    for entity in launch_module(name).generate_launch_description().entities:
        if isinstance(entity, (DeclareLaunchArgument, OpaqueFunction)):
            actions += entity.visit(context) or []
    assert sorted(action.node_executable for action in actions
                  if isinstance(action, Node)) == expected
