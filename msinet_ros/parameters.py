"""
Node parameters declared once: name, type, default, range, description, mutability.

These plain descriptions are the single source of truth. The nodes turn them into rclpy
``ParameterDescriptor`` declarations (:mod:`msinet_ros.nodes.ros_parameters`), the shipped
YAML files carry their defaults, and the README's parameter tables are generated from them
(``msinet params --markdown``) and checked against them by a test.
"""

from dataclasses import dataclass
from typing import Dict, Optional, Sequence, Tuple, Union

from .errors import ParameterError

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

NODES: Dict[str, Tuple[ParamSpec, ...]] = {
    'image_player': IMAGE_PLAYER,
}


def markdown_table(specs: Sequence[ParamSpec]) -> str:
    """Render parameter specs as the Markdown table the README carries."""
    lines = ['| name | type | default | range / choices | runtime change | description |',
             '| --- | --- | --- | --- | --- | --- |']
    for spec in specs:
        allowed = (f'{spec.limits[0]} … {spec.limits[1]}' if spec.limits is not None
                   else ', '.join(spec.choices) if spec.choices else '')
        default = f'`{spec.default!r}`' if spec.default != '' else '`""`'
        lines.append(f'| `{spec.name}` | {spec.type_name} | {default} | {allowed} | '
                     f'{"no" if spec.read_only else "yes"} | {spec.description} |')
    return '\n'.join(lines)
