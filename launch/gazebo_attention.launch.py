"""
The attention loop in Gazebo: ``ros2 launch msinet_ros gazebo_attention.launch.py``.

An example for users with Gazebo Harmonic and ROS 2 Jazzy (ros_gz, gz_ros2_control,
ros2_controllers, robot_state_publisher). It has NOT been run here: Gazebo cannot be installed
on the machines this package is developed and tested on. test/launch/test_attention_config.py
checks that the names agree across urdf/pan_tilt_head.urdf, config/head_controllers.yaml,
config/gz_bridge.yaml, gaze_controller's parameters and this file, and that the URDF and
worlds/attention.sdf are well-formed XML; nothing more.

What starts:

1. gz sim with ``worlds/attention.sdf`` (ros_gz_sim's gz_sim.launch.py, ``-r``: running);
2. robot_state_publisher with urdf/pan_tilt_head.urdf, whose ``@HEAD_CONTROLLERS_YAML@`` is
   replaced by the installed config/head_controllers.yaml (gz_ros2_control's plugin reads the
   description from this node and loads that file into its controller_manager);
3. ros_gz_sim ``create`` spawns the robot from the ``robot_description`` topic; once it has,
   the spawner starts joint_state_broadcaster, then ``head_controller``
   (joint_trajectory_controller) or, with ``command_type:=position``,
   ``head_position_controller`` (position_controllers/JointGroupPositionController);
4. ros_gz_bridge's parameter_bridge with config/gz_bridge.yaml: ``/clock``,
   ``/camera/image_raw`` and ``/camera/camera_info`` (stamped ``camera_optical_frame``);
5. saliency_node (``image:=camera/image_raw``, ``camera_info:=camera/camera_info``) ->
   attention_node -> gaze_controller (``command_type``; for ``position`` its
   ``head_controller/commands`` is remapped to ``head_position_controller/commands``);
6. optionally attention_recorder (``record:=run.jsonl``; with the same remapping) and rviz2
   (``config/attention.rviz``).

Every node runs on simulation time (``use_sim_time``), the bridge's ``/clock``.

Humble/Fortress: the URDF's hardware plugin is ``ign_ros2_control/IgnitionSystem`` and its
Gazebo plugin ``ign_ros2_control-system`` / ``ign_ros2_control::IgnitionROS2ControlPlugin``; the
camera's ``<gz_frame_id>`` is ``<ignition_frame_id>``; the world's systems are
``ignition-gazebo-*-system`` / ``ignition::gazebo::systems::*``; ros_gz_sim's gz_sim.launch.py
starts ``ign gazebo`` (``gz_version`` 6) and older ros_gz_bridge releases want
``ignition.msgs.*`` type names (the packages were ros_ign_gazebo / ros_ign_bridge before).
"""

from pathlib import Path
from typing import Dict, List, Mapping

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import IncludeLaunchDescription, OpaqueFunction
from launch.actions import RegisterEventHandler
from launch.event_handlers import OnProcessExit
from launch.launch_description_sources import PythonLaunchDescriptionSource
from launch.substitutions import LaunchConfiguration, PathJoinSubstitution
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from launch_ros.substitutions import FindPackageShare
from msinet_ros.launch_support import attention_chain, declare, flag, FLAGS, node

PLACEHOLDER = '@HEAD_CONTROLLERS_YAML@'
ROBOT_NAME = 'msinet_pan_tilt_head'
# command_type -> the controller spawned and gaze_controller's remappings
CONTROLLERS = {'trajectory': ('head_controller', ()),
               'position': ('head_position_controller',
                            (('head_controller/commands', 'head_position_controller/commands'),))}
# (name, default, description, choices or None): the one list docs/launch.md is checked against.
ARGUMENTS = (
    ('world', '', 'SDF world; empty: the shipped `worlds/attention.sdf`.', None),
    ('headless', 'false', 'Run the Gazebo server only (`-s --headless-rendering`): no GUI.',
     FLAGS),
    ('model', '', "saliency_node's weights, ONNX file or TensorRT engine; empty: "
     '`config/saliency.yaml` decides.', None),
    ('backend', '', "saliency_node's inference backend; empty: `config/saliency.yaml` decides.",
     ('', 'onnxruntime', 'tensorrt', 'torch')),
    ('command_type', 'trajectory', 'trajectory: `head_controller` '
     '(joint_trajectory_controller); position: `head_position_controller` '
     '(JointGroupPositionController).', tuple(CONTROLLERS)),
    ('record', '', 'JSONL file attention_recorder writes the run to; empty: no recorder.', None),
    ('rviz', 'false', 'Start rviz2 with `config/attention.rviz`.', FLAGS),
)


def robot_description(share: Path) -> str:
    """Return the shipped URDF with the controllers file's installed path filled in."""
    text = (share / 'urdf' / 'pan_tilt_head.urdf').read_text()
    if PLACEHOLDER not in text:
        raise ValueError(f'urdf/pan_tilt_head.urdf has no {PLACEHOLDER} to fill in')
    return text.replace(PLACEHOLDER, str(share / 'config' / 'head_controllers.yaml'))


def nodes(args: Mapping[str, str], share: Path) -> Dict[str, dict]:
    """Return every node to start, as launch_ros ``Node`` keyword arguments, by role."""
    sim_time = {'use_sim_time': True}
    controllers = str(share / 'config' / 'head_controllers.yaml')
    controller, remappings = CONTROLLERS[args['command_type']]
    found = {
        'robot_state_publisher': node(
            package='robot_state_publisher', executable='robot_state_publisher',
            name='robot_state_publisher',  # gz_ros2_control reads the description from it
            parameters=[{'robot_description': ParameterValue(robot_description(share),
                                                             value_type=str), **sim_time}]),
        'create': node(package='ros_gz_sim', executable='create', name='create_head',
                       arguments=['-topic', 'robot_description', '-name', ROBOT_NAME],
                       parameters=[sim_time]),
        'spawner_broadcaster': node(
            package='controller_manager', executable='spawner',
            name='spawner_joint_state_broadcaster',
            arguments=['joint_state_broadcaster', '--param-file', controllers],
            parameters=[sim_time]),
        'spawner_head': node(
            package='controller_manager', executable='spawner', name=f'spawner_{controller}',
            arguments=[controller, '--param-file', controllers], parameters=[sim_time]),
        'bridge': node(package='ros_gz_bridge', executable='parameter_bridge', name='gz_bridge',
                       parameters=[{'config_file': str(share / 'config' / 'gz_bridge.yaml'),
                                    **sim_time}]),
        **attention_chain(args, share, remappings),
    }
    if flag(args['rviz']):
        found['rviz2'] = node(package='rviz2', executable='rviz2', name='rviz2',
                              arguments=['-d', str(share / 'config' / 'attention.rviz')],
                              parameters=[sim_time])
    return found


def gz_args(args: Mapping[str, str], share: Path) -> str:
    """Return the ``gz sim`` command line arguments: running, the world, headless or not."""
    world = args['world'] or str(share / 'worlds' / 'attention.sdf')
    return ' '.join(['-r', '-v', '1'] + (['-s', '--headless-rendering']
                                         if flag(args['headless']) else []) + [world])


def _launch_setup(context) -> List:
    args = {name: LaunchConfiguration(name).perform(context) for name, *_ in ARGUMENTS}
    share = Path(get_package_share_directory('msinet_ros'))
    started = {role: Node(output='screen', **kwargs)
               for role, kwargs in nodes(args, share).items()}
    gz_sim = IncludeLaunchDescription(
        PythonLaunchDescriptionSource(PathJoinSubstitution(
            [FindPackageShare('ros_gz_sim'), 'launch', 'gz_sim.launch.py'])),
        launch_arguments={'gz_args': gz_args(args, share), 'on_exit_shutdown': 'true'}.items())
    # controllers once the robot (and so its controller_manager) is there, one after the other
    in_order = [
        RegisterEventHandler(OnProcessExit(target_action=started[before],
                                           on_exit=[started[after]]))
        for before, after in (('create', 'spawner_broadcaster'),
                              ('spawner_broadcaster', 'spawner_head'))]
    waiting = ('spawner_broadcaster', 'spawner_head')
    return [gz_sim] + in_order + [action for role, action in started.items()
                                  if role not in waiting]


def generate_launch_description():
    """Declare the arguments; start Gazebo, the robot, its controllers and the attention chain."""
    return LaunchDescription(
        declare(ARGUMENTS) + [OpaqueFunction(function=_launch_setup)])
