"""
Forward kinematics of one chain of a URDF, without ROS: ``T_base_tip`` from joint positions.

The URDF is read once with yourdfpy (no meshes, no scene graph); the chain's fixed transforms
(joint origins, fixed joints merged) and joint axes are kept as numpy arrays, so that
:meth:`KinematicChain.pose` is plain numpy (it is called for every frame and inside inverse
kinematics).
"""

import difflib
import io
import math
from typing import Mapping, Optional, Sequence, Tuple, Union
import xml.etree.ElementTree as ElementTree

import numpy as np

from ..errors import MsinetError, require

Positions = Union[Mapping[str, float], Sequence[float], np.ndarray]

_MOVABLE = ('revolute', 'continuous', 'prismatic')
_ROTATING = ('revolute', 'continuous')
_EYE3 = np.eye(3)


class HeadModelError(MsinetError):
    """The robot description does not give the head chain that was asked for."""


def _skew(axis: np.ndarray) -> np.ndarray:
    """Return the cross-product matrix of a 3-vector."""
    x, y, z = axis
    return np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])


def _parse(xml: Union[str, bytes]):
    """Return the yourdfpy robot model of a URDF string, refusing malformed XML clearly."""
    if isinstance(xml, str):
        data = xml.encode('utf-8')
    elif isinstance(xml, (bytes, bytearray)):
        data = bytes(xml)
    else:
        raise HeadModelError(f'the robot description must be URDF XML text, not '
                             f'{type(xml).__name__}')
    if not data.strip():
        raise HeadModelError('the robot description is empty: publish a URDF on '
                             'robot_description or set the robot_description parameter')
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise HeadModelError(f'the robot description is not well-formed XML ({exc}); expand '
                             'xacro files first (xacro model.urdf.xacro > model.urdf)') from exc
    if root.tag != 'robot':
        raise HeadModelError(f'the robot description is XML with root <{root.tag}>, not a URDF '
                             '<robot>; SDF or other formats are not read here')
    yourdfpy = require('yourdfpy', 'install it with: pip install yourdfpy')
    try:
        model = yourdfpy.URDF.load(io.BytesIO(data), build_scene_graph=False,
                                   build_collision_scene_graph=False, load_meshes=False,
                                   load_collision_meshes=False)
    except Exception as exc:  # yourdfpy raises whatever its parsing stumbles on
        raise HeadModelError(f'the robot description is not a valid URDF ({type(exc).__name__}: '
                             f'{exc}); check it with check_urdf (liburdfdom-tools)') from exc
    return model.robot


def _chain(robot, base_frame: str, tip_frame: str) -> list:
    """Return the URDF joints from base_frame down to tip_frame, root first."""
    links = [link.name for link in robot.links]
    for role, frame in (('base_frame', base_frame), ('tip_frame', tip_frame)):
        if frame not in links:
            close = difflib.get_close_matches(frame, links, n=1)
            hint = f' (did you mean {close[0]!r}?)' if close else ''
            raise HeadModelError(f'{role} {frame!r} is not a link of URDF robot '
                                 f'{robot.name!r}{hint}; its links are: {", ".join(links)}')
    parent_joint = {joint.child: joint for joint in robot.joints}

    def path_up(link: str, stop: str) -> Tuple[list, bool]:
        joints, seen = [], {link}
        while link != stop and link in parent_joint:
            joint = parent_joint[link]
            joints.append(joint)
            link = joint.parent
            if link in seen:
                raise HeadModelError(f'the URDF has a kinematic loop through link {link!r}')
            seen.add(link)
        return joints, link == stop

    joints, found = path_up(tip_frame, base_frame)
    if found:
        return joints[::-1]
    if path_up(base_frame, tip_frame)[1]:
        raise HeadModelError(f'tip_frame {tip_frame!r} is above base_frame {base_frame!r} in '
                             'the URDF tree; swap the two frames (the base is the body frame, '
                             'the tip the camera optical frame)')
    raise HeadModelError(f'tip_frame {tip_frame!r} is not below base_frame {base_frame!r} in '
                         'the URDF tree (they are on different branches); choose a base_frame '
                         f'that {tip_frame!r} hangs from, e.g. the root link')


class KinematicChain:
    """The joints between two links of a URDF, with limits and forward kinematics."""

    def __init__(self, base_frame: str, tip_frame: str, joint_names: Sequence[str],
                 joint_types: Sequence[str], axes: np.ndarray, fixed: Sequence[np.ndarray],
                 lower: np.ndarray, upper: np.ndarray, velocity: np.ndarray):
        """
        Store a chain; use :meth:`from_urdf` to build one from a robot description.

        ``fixed`` has one 4x4 transform more than there are joints: ``T = F0 M(q1) F1 ...``.
        """
        self.base_frame = base_frame
        self.tip_frame = tip_frame
        self.joint_names: Tuple[str, ...] = tuple(joint_names)
        self.joint_types: Tuple[str, ...] = tuple(joint_types)
        self.axes = np.asarray(axes, np.float64).reshape(len(self.joint_names), 3)
        self.lower = np.asarray(lower, np.float64)
        self.upper = np.asarray(upper, np.float64)
        self.velocity = np.asarray(velocity, np.float64)
        self._fixed = [np.asarray(f, np.float64) for f in fixed]
        self._rotating = [kind in _ROTATING for kind in self.joint_types]
        self._k = [_skew(a) for a in self.axes]
        self._k2 = [k @ k for k in self._k]
        for array in (self.axes, self.lower, self.upper, self.velocity):
            array.setflags(write=False)

    @classmethod
    def from_urdf(cls, xml: Union[str, bytes], base_frame: str,
                  tip_frame: str) -> 'KinematicChain':
        """Return the chain from base_frame to tip_frame of a URDF given as XML text."""
        robot = _parse(xml)
        names, kinds, axes, fixed, lower, upper, velocity = [], [], [], [], [], [], []
        accumulated = np.eye(4)
        for joint in _chain(robot, base_frame, tip_frame):
            origin = np.eye(4) if joint.origin is None else np.asarray(joint.origin, np.float64)
            accumulated = accumulated @ origin
            if joint.type == 'fixed':
                continue
            if joint.type not in _MOVABLE:
                raise HeadModelError(f'joint {joint.name!r} on the chain from {base_frame!r} to '
                                     f'{tip_frame!r} is {joint.type}; only revolute, continuous, '
                                     'prismatic and fixed joints can be followed from '
                                     'joint_states: choose a base_frame below it')
            if joint.mimic is not None:
                raise HeadModelError(f'joint {joint.name!r} on the chain mimics '
                                     f'{joint.mimic.joint!r}; mimic joints are not supported '
                                     'on the head chain')
            axis = np.array([1.0, 0.0, 0.0] if joint.axis is None else joint.axis, np.float64)
            norm = float(np.linalg.norm(axis))
            if not norm > 1e-9:
                raise HeadModelError(f'joint {joint.name!r} has a zero axis; give <axis xyz=...>')
            limit = joint.limit
            low, high = -math.inf, math.inf
            if joint.type != 'continuous':
                if limit is None or limit.lower is None or limit.upper is None:
                    raise HeadModelError(f'{joint.type} joint {joint.name!r} has no <limit lower '
                                         'upper>; add them (or make it continuous)')
                low, high = float(limit.lower), float(limit.upper)
                if low > high:
                    raise HeadModelError(f'joint {joint.name!r} has lower limit {low} above '
                                         f'its upper limit {high}')
            speed = math.inf if limit is None or limit.velocity is None else float(limit.velocity)
            names.append(joint.name)
            kinds.append(joint.type)
            axes.append(axis / norm)
            fixed.append(accumulated)
            lower.append(low)
            upper.append(high)
            velocity.append(speed)
            accumulated = np.eye(4)
        fixed.append(accumulated)
        return cls(base_frame, tip_frame, names, kinds, np.reshape(axes, (-1, 3)), fixed,
                   np.array(lower), np.array(upper), np.array(velocity))

    def vector(self, positions: Positions) -> np.ndarray:
        """Return joint positions as a float array in :attr:`joint_names` order."""
        if isinstance(positions, Mapping):
            missing = [name for name in self.joint_names if name not in positions]
            if missing:
                raise HeadModelError(f'no position for joint(s) {", ".join(missing)} of the '
                                     f'chain {self.base_frame} -> {self.tip_frame}')
            return np.array([positions[name] for name in self.joint_names], np.float64)
        values = np.asarray(positions, np.float64).reshape(-1)
        if values.shape != (len(self.joint_names),):
            raise HeadModelError(f'{values.size} joint positions given for the '
                                 f'{len(self.joint_names)} joints {list(self.joint_names)}')
        return values

    def _walk(self, values: np.ndarray, pivots: Optional[np.ndarray] = None,
              axes: Optional[np.ndarray] = None) -> Tuple[np.ndarray, np.ndarray]:
        """Return the tip's rotation and translation; record joint origins and axes if asked."""
        rotation = self._fixed[0][:3, :3]
        translation = self._fixed[0][:3, 3]
        for index, q in enumerate(values):
            if pivots is not None:
                pivots[index], axes[index] = translation, rotation @ self.axes[index]
            if self._rotating[index]:
                rotation = rotation @ (_EYE3 + math.sin(q) * self._k[index]
                                       + (1.0 - math.cos(q)) * self._k2[index])
            else:
                translation = translation + rotation @ (self.axes[index] * q)
            step = self._fixed[index + 1]
            translation = translation + rotation @ step[:3, 3]
            rotation = rotation @ step[:3, :3]
        return rotation, translation

    def pose(self, positions: Positions) -> np.ndarray:
        """Return the 4x4 ``T_base_tip`` (maps tip-frame points to base-frame points)."""
        rotation, translation = self._walk(self.vector(positions))
        transform = np.eye(4)
        transform[:3, :3] = rotation
        transform[:3, 3] = translation
        return transform

    def joint_axes(self, positions: Positions) -> Tuple[np.ndarray, np.ndarray]:
        """Return each joint's origin (N, 3) and unit axis (N, 3) in the base frame."""
        values = self.vector(positions)
        pivots, axes = np.zeros((len(values), 3)), np.zeros((len(values), 3))
        self._walk(values, pivots, axes)
        return pivots, axes

    def __repr__(self) -> str:
        """Describe the chain by its frames and joints."""
        joints = ', '.join(f'{n} ({t})' for n, t in zip(self.joint_names, self.joint_types))
        return f'KinematicChain({self.base_frame} -> {self.tip_frame}: {joints})'
