"""
The attention loop on the simulated robot: ``ros2 launch msinet_ros attention_demo.launch.py``.

virtual_robot (pybullet, headless on a CPU) renders the pan-tilt head's camera and publishes
``/camera/image_raw``, ``/camera/camera_info``, ``/joint_states``, ``/robot_description`` and
``/clock``; saliency_node (``image:=camera/image_raw``, ``camera_info:=camera/camera_info``)
-> attention_node (``gaze_target``, ``attention/markers``) -> gaze_controller, whose
``head_controller/joint_trajectory`` (``command_type:=trajectory``) or
``head_controller/commands`` (``command_type:=position``) virtual_robot follows: no remapping.

virtual_robot is the clock; every other node runs on its simulation time (``use_sim_time``).
``record:=run.jsonl`` adds attention_recorder; ``rviz:=true`` rviz2 with
``config/attention.rviz`` (Fixed Frame ``base_link``). virtual_robot publishes no TF, so
robot_state_publisher (``robot_state_publisher:=true``, the default; it is not on PyPI) turns
``/joint_states`` into the TF that rviz's robot model and markers need. Its own
``robot_description`` output goes to ``robot_state_publisher/robot_description``, so that
virtual_robot stays the one publisher of ``/robot_description``. The Gazebo counterpart is
gazebo_attention.launch.py.
"""

from pathlib import Path
from typing import Dict, List, Mapping

from ament_index_python.packages import get_package_share_directory
from launch import LaunchDescription
from launch.actions import OpaqueFunction
from launch.substitutions import LaunchConfiguration
from launch_ros.actions import Node
from launch_ros.parameter_descriptions import ParameterValue
from msinet_ros.launch_support import attention_chain, declare, flag, FLAGS, node

# (name, default, description, choices or None): the one list docs/launch.md is checked against.
ARGUMENTS = (
    ('model', '', "saliency_node's weights, ONNX file or TensorRT engine; empty: "
     '`config/saliency.yaml` decides.', None),
    ('backend', '', "saliency_node's inference backend; empty: `config/saliency.yaml` decides.",
     ('', 'onnxruntime', 'tensorrt', 'torch')),
    ('command_type', 'trajectory', "gaze_controller's output: trajectory_msgs/JointTrajectory "
     'on `head_controller/joint_trajectory` or std_msgs/Float64MultiArray on '
     '`head_controller/commands` (virtual_robot follows both).', ('trajectory', 'position')),
    ('record', '', 'JSONL file attention_recorder writes the run to; empty: no recorder.', None),
    ('rviz', 'false', 'Start rviz2 with `config/attention.rviz`.', FLAGS),
    ('robot_state_publisher', 'true', 'Start robot_state_publisher for the TF that rviz needs '
     '(needs a ROS 2 install: it is not on PyPI).', FLAGS),
)


def nodes(args: Mapping[str, str], share: Path) -> Dict[str, dict]:
    """Return every node to start, as launch_ros ``Node`` keyword arguments, by name."""
    sim_time = {'use_sim_time': True}
    found = {'virtual_robot': node(package='msinet_ros', executable='virtual_robot',
                                   name='virtual_robot', parameters=[{'use_sim_time': False}]),
             **attention_chain(args, share)}
    if flag(args['robot_state_publisher']):
        urdf = (share / 'urdf' / 'pan_tilt_head.urdf').read_text()
        found['robot_state_publisher'] = node(
            package='robot_state_publisher', executable='robot_state_publisher',
            name='robot_state_publisher',
            parameters=[{'robot_description': ParameterValue(urdf, value_type=str),
                         **sim_time}],
            remappings=[('robot_description', 'robot_state_publisher/robot_description')])
    if flag(args['rviz']):
        found['rviz2'] = node(package='rviz2', executable='rviz2', name='rviz2',
                              arguments=['-d', str(share / 'config' / 'attention.rviz')],
                              parameters=[sim_time])
    return found


def _launch_setup(context) -> List[Node]:
    args = {name: LaunchConfiguration(name).perform(context) for name, *_ in ARGUMENTS}
    share = Path(get_package_share_directory('msinet_ros'))
    return [Node(output='screen', **kwargs) for kwargs in nodes(args, share).values()]


def generate_launch_description():
    """Declare the arguments; start virtual_robot and the attention chain."""
    return LaunchDescription(
        declare(ARGUMENTS) + [OpaqueFunction(function=_launch_setup)])
