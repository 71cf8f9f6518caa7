"""
Node parameters declared once: name, type, default, range, description, mutability.

These plain descriptions are the single source of truth. The nodes turn them into rclpy
``ParameterDescriptor`` declarations (:mod:`msinet_ros.nodes.ros_parameters`), the shipped
YAML files carry their defaults, and the README's parameter tables are generated from them
(``msinet params --markdown``) and checked against them by a test.
"""

from dataclasses import dataclass, make_dataclass
from typing import Dict, Optional, Sequence, Tuple, Type, Union

from .attention.peaks import FixationSettings
from .attention.settings import AttentionSettings
from .errors import ParameterError
from .inference.backends import NAMES as BACKEND_NAMES, TensorRTOptions
from .inference.tensorrt.bindings import LOG_LEVELS
from .visualization import COLORMAPS

_FIXATIONS = FixationSettings()
_ATTENTION = AttentionSettings()
_TENSORRT = TensorRTOptions()

Value = Union[bool, int, float, str]


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of a node."""

    name: str
    default: Value
    description: str
    limits: Optional[Tuple[float, float]] = None  # inclusive numeric range
    choices: Optional[Sequence[str]] = None  # allowed string values
    read_only: bool = True  # False: may change while the node runs

    @property
    def type_name(self) -> str:
        """Return the parameter's type as ROS 2 names it in YAML and docs."""
        return {bool: 'bool', int: 'integer', float: 'double', str: 'string'}[type(self.default)]

    def check(self, value: Value) -> Value:
        """Return ``value`` if it is valid for this parameter, else raise ParameterError."""
        expected = type(self.default)
        if type(value) is not expected:
            raise ParameterError(
                f'parameter {self.name!r} must be a {self.type_name}, got {value!r}')
        if self.limits is not None and not self.limits[0] <= value <= self.limits[1]:
            raise ParameterError(
                f'parameter {self.name!r} = {value!r} is outside '
                f'[{self.limits[0]}, {self.limits[1]}]')
        if self.choices is not None and value not in self.choices:
            raise ParameterError(
                f'parameter {self.name!r} = {value!r} is not one of {", ".join(self.choices)}')
        return value


IMAGE_PLAYER: Tuple[ParamSpec, ...] = (
    ParamSpec('folder', '', 'Folder of images (png, jpg, bmp, tif) to publish in name order.'),
    ParamSpec('rate', 2.0, 'Frames published per second.', limits=(0.1, 120.0),
              read_only=False),
    ParamSpec('loop', True, 'Start again after the last image; otherwise stop publishing.'),
    ParamSpec('frame_id', 'camera_optical_frame', 'frame_id of the published images.'),
    ParamSpec('max_width', 1280, 'Images wider than this are shrunk (keeping aspect) before '
              'publishing; 0 keeps the original size.', limits=(0, 8192)),
)

SALIENCY_NODE: Tuple[ParamSpec, ...] = (
    ParamSpec('model', '', 'Weights (.safetensors), ONNX file or TensorRT engine to run.'),
    ParamSpec('backend', 'onnxruntime', 'Inference backend.', choices=BACKEND_NAMES),
    ParamSpec('device', 'cpu', 'Device for onnxruntime/torch (tensorrt always uses the GPU).',
              choices=('cpu', 'cuda')),
    ParamSpec('device_index', 0, 'Which GPU (CUDA device index) runs tensorrt, or onnxruntime/'
              'torch with device cuda.', limits=(0, 63)),
    ParamSpec('precision', 'fp32', 'Network precision (fp16 on GPUs).', choices=('fp32', 'fp16')),
    ParamSpec('size', 'auto', 'Model input HxW (multiples of 8), or auto: a weights file runs '
              '240x320, 320x240 or 320x320 by the image shape, an ONNX file or engine its own '
              'size.'),
    ParamSpec('threads', 0, 'CPU threads for inference; 0 uses all cores.', limits=(0, 256)),
    ParamSpec('cache_dir', '', 'Where exports and engines are cached; empty: engines/ in a '
              'source checkout, else $ROS_HOME/msinet_ros.'),
    ParamSpec('allow_engine_rebuild', _TENSORRT.allow_rebuild, 'Rebuild a TensorRT engine that '
              'does not load on this GPU/TensorRT (when its ONNX is known).'),
    ParamSpec('tensorrt_workspace_mib', _TENSORRT.workspace_mib, 'TensorRT builder workspace '
              'limit (MiB); part of the engine key.', limits=(16, 65536)),
    ParamSpec('tensorrt_log_level', _TENSORRT.log_level, 'TensorRT messages up to this severity '
              "go to the node's log.", choices=LOG_LEVELS),
    ParamSpec('autostart', True, 'Configure and activate at start-up, as a plain node would; '
              'false: wait unconfigured for lifecycle transitions.'),
    ParamSpec('camera_info_wait', 2.0, 'With a weights file and size auto, how long configure '
              'waits for a camera_info to choose the input size by its aspect (s); without one '
              'it prepares 240x320.', limits=(0.0, 60.0)),
    ParamSpec('transport', 'raw', 'Subscribe to image (raw) or image/compressed.',
              choices=('raw', 'compressed')),
    ParamSpec('rectified', False, 'The input is rectified (image_rect: rays use P, no '
              'distortion); false: raw pixels, rectified with K, D, R and P first.'),
    ParamSpec('output_resolution', 'input', 'Resolution of saliency/image and image_mono: the '
              'input image, or the model map without padding.', choices=('input', 'model'),
              read_only=False),
    ParamSpec('overlay_colormap', 'jet', 'Colormap of saliency_overlay/image.',
              choices=tuple(COLORMAPS), read_only=False),
    ParamSpec('overlay_opacity', 0.5, 'Opacity of the heat map in saliency_overlay/image.',
              limits=(0.0, 1.0), read_only=False),
    ParamSpec('top_k', _FIXATIONS.top_k, 'Number of fixation points published.', limits=(0, 50),
              read_only=False),
    ParamSpec('min_distance', _FIXATIONS.min_distance, 'Minimum distance between fixations, in '
              'input pixels.', limits=(0.0, 10000.0), read_only=False),
    ParamSpec('threshold_abs', _FIXATIONS.threshold_abs, 'Minimum saliency of a fixation.',
              limits=(0.0, 1.0), read_only=False),
    ParamSpec('threshold_rel', _FIXATIONS.threshold_rel, 'Minimum saliency of a fixation '
              'relative to the peak.', limits=(0.0, 1.0), read_only=False),
    ParamSpec('max_rate', 0.0, 'Most results per second; 0 is as fast as inference allows.',
              limits=(0.0, 1000.0), read_only=False),
    ParamSpec('min_output_rate', 0.0, 'Diagnostics warn when results come slower than this '
              '(Hz) while an output has a subscriber; 0 turns the check off.',
              limits=(0.0, 1000.0), read_only=False),
    ParamSpec('max_stamp_age', 1.0, 'Diagnostics warn when a result is published longer than '
              "this after its image's header.stamp (node clock, s); 0 turns the check off.",
              limits=(0.0, 3600.0), read_only=False),
    ParamSpec('ray_length', 1.0, 'Length in metres of the fixation rays in '
              'fixations/markers.', limits=(0.01, 100.0), read_only=False),
)

SALIENCY_RECORDER: Tuple[ParamSpec, ...] = (
    ParamSpec('output', 'saliency_out', 'Folder the overlays and fixations.jsonl are written to.'),
    ParamSpec('frames', 0, 'Exit after this many overlays; 0 records until stopped.',
              limits=(0, 1000000)),
)

ATTENTION_NODE: Tuple[ParamSpec, ...] = (
    ParamSpec('body_frame', 'base_link', 'Frame the gaze target and the inhibition of return '
              "are expressed in (fixed to the robot's body)."),
    ParamSpec('pose_source', 'urdf', "Camera pose at each image's stamp: urdf (forward "
              'kinematics of robot_description from joint_states; assumes a fixed base) or tf '
              '(tf2, needs a ROS 2 install; untested here).', choices=('urdf', 'tf')),
    ParamSpec('world_frame', '', 'With pose_source tf: a fixed frame (e.g. odom) to keep '
              'inhibition in when the base moves; empty uses body_frame.'),
    ParamSpec('robot_description', '', 'URDF of the robot; empty: read the robot_description '
              'topic (transient local, as robot_state_publisher publishes it).'),
    ParamSpec('rectified', False, 'The saliency map is of a rectified image (rays use P); '
              'false: raw pixels, rectified with K, D, R and P.'),
    ParamSpec('target_distance', 2.0, 'Distance (m) along the viewing ray at which the gaze '
              'target is placed when no depth is known.', limits=(0.05, 1000.0),
              read_only=False),
    ParamSpec('use_depth', False, 'Place the target at the depth of depth/image (aligned with '
              'the saliency map, 32FC1 metres or 16UC1 millimetres) where it is valid.'),
    ParamSpec('joint_state_tolerance', 0.2, 'How far (s) an image stamp may lie outside the '
              'buffered joint states; frames further off are skipped and counted.',
              limits=(0.0, 10.0), read_only=False),
    ParamSpec('ior_sigma_deg', _ATTENTION.ior_sigma_deg, 'Angular width (degrees, standard '
              'deviation) of the inhibition around an attended direction.',
              limits=(0.1, 90.0), read_only=False),
    ParamSpec('ior_strength', _ATTENTION.ior_strength, 'Inhibition right after a direction is '
              'attended (1 removes it).', limits=(0.0, 1.0), read_only=False),
    ParamSpec('ior_decay_s', _ATTENTION.ior_decay_s, 'Time constant (s) of the exponential '
              'decay of inhibition.', limits=(0.01, 3600.0), read_only=False),
    ParamSpec('switch_margin', _ATTENTION.switch_margin, 'A new target must beat the current '
              "one's (inhibited) saliency by this much.", limits=(0.0, 1.0), read_only=False),
    ParamSpec('min_fixation_s', _ATTENTION.min_fixation_s, 'Minimum time (s) between two '
              'target changes.', limits=(0.0, 60.0), read_only=False),
    ParamSpec('threshold', _ATTENTION.threshold, 'Minimum (inhibited) saliency of a target.',
              limits=(0.0, 1.0), read_only=False),
    ParamSpec('suppression_speed_deg_s', _ATTENTION.suppression_speed_deg_s, 'Saccadic '
              'suppression: maps of images taken while a joint moves faster than this (deg/s) '
              'are ignored; 0 turns it off.', limits=(0.0, 10000.0), read_only=False),
    ParamSpec('smoothing', _ATTENTION.smoothing, 'Weight of the previous map in an exponential '
              'average of maps (reset when the head moves); 0 turns it off.',
              limits=(0.0, 0.95), read_only=False),
    ParamSpec('map_width', _ATTENTION.map_width, 'The map is shrunk to at most this width '
              '(pixels) before targets are selected.', limits=(8, 4096)),
)

GAZE_CONTROLLER: Tuple[ParamSpec, ...] = (
    ParamSpec('robot_description', '', 'URDF of the robot; empty: read the robot_description '
              'topic (transient local).'),
    ParamSpec('body_frame', 'base_link', 'Frame the gaze targets must be in (the URDF link the '
              'head is mounted on).'),
    ParamSpec('camera_frame', 'camera_optical_frame', "The camera's REP-103 optical frame in "
              'the URDF: its z axis is aimed at the target.'),
    ParamSpec('command_type', 'trajectory', 'trajectory: trajectory_msgs/JointTrajectory on '
              'head_controller/joint_trajectory (joint_trajectory_controller); position: '
              'std_msgs/Float64MultiArray on head_controller/commands '
              '(forward_command_controller).', choices=('trajectory', 'position')),
    ParamSpec('max_velocity', 0.0, "Joint speed (rad/s) of saccades; 0 uses the URDF's "
              'velocity limits.', limits=(0.0, 100.0), read_only=False),
    ParamSpec('saccade_threshold_deg', 3.0, 'Gaze shifts larger than this (degrees) are '
              'saccades at max_velocity; smaller ones smooth pursuit at pursuit_velocity.',
              limits=(0.0, 180.0), read_only=False),
    ParamSpec('pursuit_velocity', 0.5, 'Joint speed (rad/s) of smooth pursuit.',
              limits=(0.01, 100.0), read_only=False),
    ParamSpec('deadband_deg', 0.2, 'Targets closer than this (degrees) to the commanded gaze '
              'send no new command.', limits=(0.0, 45.0), read_only=False),
    ParamSpec('limit_margin', 0.0, 'Commands stay this far (rad) inside the joint limits.',
              limits=(0.0, 1.0), read_only=False),
)

VIRTUAL_ROBOT: Tuple[ParamSpec, ...] = (
    ParamSpec('urdf', '', 'URDF file of the robot; empty: the shipped pan-tilt head '
              '(urdf/pan_tilt_head.urdf).'),
    ParamSpec('camera_frame', 'camera_optical_frame', "The URDF link of the camera's REP-103 "
              'optical frame: images are rendered from it and stamped with it.'),
    ParamSpec('width', 320, 'Rendered image width (pixels).', limits=(16, 4096)),
    ParamSpec('height', 240, 'Rendered image height (pixels).', limits=(16, 4096)),
    ParamSpec('horizontal_fov_deg', 60.0, 'Horizontal field of view (degrees).',
              limits=(1.0, 170.0)),
    ParamSpec('principal_point_offset_x', 0.0, 'Principal point minus the image centre, x '
              '(pixels): a camera whose K is not centred.', limits=(-1000.0, 1000.0)),
    ParamSpec('principal_point_offset_y', 0.0, 'Principal point minus the image centre, y '
              '(pixels).', limits=(-1000.0, 1000.0)),
    ParamSpec('camera_rate', 10.0, 'Images per second of simulated time.',
              limits=(0.1, 120.0)),
    ParamSpec('joint_state_rate', 50.0, 'joint_states per second of simulated time.',
              limits=(1.0, 1000.0)),
    ParamSpec('real_time_factor', 1.0, 'Simulated seconds per wall-clock second.',
              limits=(0.01, 100.0)),
    ParamSpec('scene_images', '', 'Folder of photographs for the walls; empty: the shipped '
              'demo images.'),
)

ATTENTION_RECORDER: Tuple[ParamSpec, ...] = (
    ParamSpec('output', 'attention_run.jsonl', 'JSON-lines file the run is written to '
              '(joint states, gaze targets, commands, diagnostics).'),
    ParamSpec('duration', 0.0, 'Exit after this many seconds of ROS time (the node clock: '
              'simulated with use_sim_time); 0 records until stopped.',
              limits=(0.0, 86400.0)),
    ParamSpec('metadata', '', 'JSON object added to the run\'s meta line (e.g. {"weights": '
              '"official"}: the behavioural report compares with humans only then).'),
)

# Lifecycle nodes: their parameters marked read-only can be set while the node is unconfigured.
MANAGED = frozenset({'saliency_node'})

NODES: Dict[str, Tuple[ParamSpec, ...]] = {
    'attention_node': ATTENTION_NODE,
    'attention_recorder': ATTENTION_RECORDER,
    'gaze_controller': GAZE_CONTROLLER,
    'image_player': IMAGE_PLAYER,
    'saliency_node': SALIENCY_NODE,
    'saliency_recorder': SALIENCY_RECORDER,
    'virtual_robot': VIRTUAL_ROBOT,
}


def settings_type(name: str, specs: Sequence[ParamSpec]) -> Type:
    """Return a frozen dataclass with one typed field per spec (a parameter snapshot)."""
    return make_dataclass(name, [(spec.name, type(spec.default)) for spec in specs],
                          frozen=True)


def yaml_defaults(specs: Sequence[ParamSpec]) -> str:
    """Render the defaults as a ROS 2 parameter file keyed ``/**:`` (config/*.yaml)."""
    def literal(value: Value) -> str:
        if isinstance(value, bool):
            return str(value).lower()
        return f'"{value}"' if isinstance(value, str) else repr(value)

    lines = ['/**:', '  ros__parameters:']
    lines += [f'    {spec.name}: {literal(spec.default)}  # {spec.description}'
              for spec in specs]
    return '\n'.join(lines) + '\n'


def markdown_table(specs: Sequence[ParamSpec], managed: bool = False) -> str:
    """Render parameter specs as the Markdown table the README carries."""
    fixed = 'while unconfigured' if managed else 'no'
    lines = ['| name | type | default | range / choices | runtime change | description |',
             '| --- | --- | --- | --- | --- | --- |']
    for spec in specs:
        allowed = (f'{spec.limits[0]} … {spec.limits[1]}' if spec.limits is not None
                   else ', '.join(spec.choices) if spec.choices else '')
        default = f'`{spec.default!r}`' if spec.default != '' else '`""`'
        lines.append(f'| `{spec.name}` | {spec.type_name} | {default} | {allowed} | '
                     f'{fixed if spec.read_only else "yes"} | {spec.description} |')
    return '\n'.join(lines)
