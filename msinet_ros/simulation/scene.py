"""
A pybullet scene for the pan-tilt head: the URDF in a room of photographs and coloured targets.

pybullet (a physics engine on PyPI) runs headless here: ``p.DIRECT`` needs no display, and its
TinyRenderer draws the camera on the CPU. :class:`Scene` owns one physics client: the robot
(loaded from its URDF with a fixed base, base_link at the world origin), a room whose walls
carry the demo photographs, and a few strongly coloured spheres at known positions in
base_link (:data:`TARGETS`), spread over the pan range so that a gaze controller must turn the
head to bring each one to the optical axis. The joints move under pybullet's position control
with the URDF's velocity and effort limits; the camera renders from the URDF's optical frame
with the view and projection of :mod:`msinet_ros.simulation.camera`.
"""

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union
from xml.etree import ElementTree

import cv2
import numpy as np

from .camera import gl_list, projection_matrix, view_matrix
from ..attention.camera import CameraGeometry, pinhole
from ..errors import MissingDependencyError, MsinetError, ParameterError

PathLike = Union[str, Path]

# The head's optical centre at rest is about here (base_link): targets are placed around it.
HEAD = np.array([0.0, 0.0, 0.53])
PHYSICS_HZ = 240.0
# pybullet's position servo drives a joint at min(gain * error * PHYSICS_HZ, velocity limit):
# 0.3 settles the last 0.5 deg within about 20 ms, without overshoot.
POSITION_GAIN = 0.3
FRAME_MASS, FRAME_INERTIA = 1e-3, 1e-7  # links without <inertial> (frames) weigh this
ROOM_HALF = 3.5  # the room spans [-3.5, 3.5] m in x and y around base_link
ROOM_HEIGHT = 3.0
PHOTO_HEIGHT = 1.6  # metres; photographs keep their aspect ratio
WALL_RGBA = (0.78, 0.76, 0.72, 1.0)
FLOOR_RGBA = (0.45, 0.42, 0.40, 1.0)
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp')
LIGHT_DIRECTION = (-1.0, 0.3, 2.0)  # towards the light: behind, above and left of the head


class SimulationError(MsinetError):
    """The simulated robot cannot be built or driven (missing pybullet, bad URDF, joints)."""


@dataclass(frozen=True)
class Target:
    """A coloured sphere of the scene: where it is (base_link, metres) and how it looks."""

    name: str
    rgb: Tuple[int, int, int]
    position: Tuple[float, float, float]
    radius: float = 0.15

    @property
    def azimuth_deg(self) -> float:
        """Return its direction left of base_link's x axis, seen from :data:`HEAD`."""
        d = np.asarray(self.position) - HEAD
        return float(np.degrees(np.arctan2(d[1], d[0])))

    @property
    def elevation_deg(self) -> float:
        """Return its direction above the horizontal, seen from :data:`HEAD`."""
        d = np.asarray(self.position) - HEAD
        return float(np.degrees(np.arctan2(d[2], np.hypot(d[0], d[1]))))


def _around_head(azimuth_deg: float, elevation_deg: float, distance: float
                 ) -> Tuple[float, float, float]:
    az, el = np.radians(azimuth_deg), np.radians(elevation_deg)
    offset = distance * np.array([np.cos(el) * np.cos(az), np.cos(el) * np.sin(az), np.sin(el)])
    return tuple(float(v) for v in np.round(HEAD + offset, 4))


TARGETS: Tuple[Target, ...] = (
    Target('red', (255, 0, 0), _around_head(-40.0, 5.0, 2.5)),
    Target('green', (0, 255, 0), _around_head(-10.0, -10.0, 2.0)),
    Target('blue', (0, 0, 255), _around_head(25.0, 15.0, 2.8)),
    Target('yellow', (255, 255, 0), _around_head(50.0, 0.0, 2.3)),
)


def _pybullet():
    try:
        import pybullet
    except ImportError as exc:
        raise MissingDependencyError(
            f'the simulated robot needs pybullet ({exc}): pip install pybullet') from exc
    return pybullet


def scene_photographs(folder: PathLike) -> List[Path]:
    """Return the photographs of ``folder`` in name order (at least one, else an error)."""
    folder = Path(folder).expanduser()
    if not folder.is_dir():
        raise ParameterError(f'scene image folder {folder} does not exist')
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise ParameterError(f'scene image folder {folder} holds no jpg/png/bmp photographs')
    return files


def _massless_links(urdf: Path) -> List[str]:
    """Return the URDF's links without ``<inertial>`` (pure frames such as the optical one)."""
    try:
        root = ElementTree.parse(urdf).getroot()
    except ElementTree.ParseError as exc:
        raise SimulationError(f'{urdf} is not well-formed XML: {exc}') from exc
    return [link.get('name') for link in root.iter('link') if link.find('inertial') is None]


class Scene:
    """
    One pybullet client (``DIRECT``): the robot, the room, its targets and the head camera.

    Use as a context manager (or call :meth:`close`). Time advances only through
    :meth:`step`, in fixed substeps of 1 / :data:`PHYSICS_HZ` s; :attr:`time` is the simulated
    time in seconds since the scene was built.
    """

    def __init__(self, urdf: PathLike, photographs: Optional[PathLike] = None,
                 camera_frame: str = 'camera_optical_frame', width: int = 320,
                 height: int = 240, horizontal_fov_deg: float = 60.0,
                 principal_point_offset: Tuple[float, float] = (0.0, 0.0),
                 clip: Tuple[float, float] = (0.05, 50.0),
                 targets: Sequence[Target] = TARGETS):
        """
        Load ``urdf`` (fixed base) into a room with ``photographs`` (a folder) on its walls.

        ``camera_frame`` names the URDF link of the REP-103 optical frame the camera renders
        from; K follows from the size, the horizontal field of view and the principal point
        offset from the image centre (pixels, x and y).
        """
        self._p = _pybullet()
        self.camera_info: CameraGeometry = pinhole(width, height, horizontal_fov_deg,
                                                   *principal_point_offset)
        self.targets: Tuple[Target, ...] = tuple(targets)
        if len({t.name for t in self.targets}) != len(self.targets):
            raise ParameterError('scene targets need distinct names')
        self._spheres: Dict[str, int] = {}
        self._projection = gl_list(projection_matrix(self.camera_info, *clip))
        self._substeps = 0
        self._requested = 0.0
        self._client = self._p.connect(self._p.DIRECT)
        try:
            self._load_robot(Path(urdf), camera_frame)
            self._build_room(scene_photographs(photographs) if photographs else [])
        except BaseException:
            self.close()
            raise

    # -- construction ----------------------------------------------------------------------

    def _call(self, name: str, *args, **kwargs):
        return getattr(self._p, name)(*args, physicsClientId=self._client, **kwargs)

    def _load_robot(self, urdf: Path, camera_frame: str) -> None:
        p = self._p
        if not urdf.is_file():
            raise ParameterError(f'URDF {urdf} does not exist')
        self._call('setGravity', 0.0, 0.0, -9.81)
        self._call('setTimeStep', 1.0 / PHYSICS_HZ)
        try:
            self._robot = self._call('loadURDF', str(urdf), useFixedBase=True,
                                     flags=p.URDF_USE_INERTIA_FROM_FILE)
        except p.error as exc:
            raise SimulationError(f'pybullet cannot load {urdf}: {exc}') from exc
        links: Dict[str, int] = {}
        self._joints: List[int] = []
        self.joint_names: List[str] = []
        lower, upper, velocity, effort = [], [], [], []
        for index in range(self._call('getNumJoints', self._robot)):
            info = self._call('getJointInfo', self._robot, index)
            links[info[12].decode()] = index
            if info[2] in (p.JOINT_REVOLUTE, p.JOINT_PRISMATIC):
                self._joints.append(index)
                self.joint_names.append(info[1].decode())
                lo, hi = (info[8], info[9]) if info[8] < info[9] else (-np.inf, np.inf)
                lower.append(lo)
                upper.append(hi)
                velocity.append(info[11] if info[11] > 0 else 1.0)
                effort.append(info[10] if info[10] > 0 else 100.0)
        for name in _massless_links(urdf):  # pybullet would give them 1 kg and 1 kg m^2
            if name in links:
                self._call('changeDynamics', self._robot, links[name], mass=FRAME_MASS,
                           localInertiaDiagonal=[FRAME_INERTIA] * 3)
        if camera_frame not in links:
            raise ParameterError(f'the URDF has no link {camera_frame!r} for the camera '
                                 f'(links: {", ".join(sorted(links))})')
        self._camera_link = links[camera_frame]
        self.lower, self.upper = np.array(lower), np.array(upper)
        self.velocity_limits, self._effort = np.array(velocity), np.array(effort)
        self._targets = np.zeros(len(self._joints))
        self.set_targets({})  # hold the joints at rest (within their limits)

    def _build_room(self, photographs: Sequence[Path]) -> None:
        h, r = ROOM_HEIGHT, ROOM_HALF
        self._box((0.0, 0.0, -0.01), (r, r, 0.01), FLOOR_RGBA)
        self._box((0.0, 0.0, h + 0.01), (r, r, 0.01), WALL_RGBA)
        for sign in (-1.0, 1.0):
            self._box((sign * (r + 0.01), 0.0, h / 2), (0.01, r, h / 2), WALL_RGBA)
            self._box((0.0, sign * (r + 0.01), h / 2), (r, 0.01, h / 2), WALL_RGBA)
        # (centre of the photograph on the wall, the wall's inward normal): front pair, sides.
        z = 1.0
        slots = (((r, 1.3, z), (-1.0, 0.0, 0.0)), ((r, -1.3, z), (-1.0, 0.0, 0.0)),
                 ((0.6, r, z), (0.0, -1.0, 0.0)), ((0.6, -r, z), (0.0, 1.0, 0.0)),
                 ((-r, 0.0, z), (1.0, 0.0, 0.0)))
        count = min(len(slots), max(len(photographs), 4)) if photographs else 0
        for i, (centre, normal) in enumerate(slots[:count]):  # photographs repeat if few
            self._photo(photographs[i % len(photographs)], np.array(centre), np.array(normal))
        for target in self.targets:
            self._spheres[target.name] = self._sphere(target)

    def add_target(self, target: Target) -> None:
        """Add a coloured sphere to the scene (and to :attr:`targets`); names are unique."""
        if target.name in self._spheres:
            raise ParameterError(f'the scene already has a target named {target.name!r}')
        self._spheres[target.name] = self._sphere(target)
        self.targets += (target,)

    def remove_target(self, name: str) -> None:
        """Take the target ``name`` out of the scene."""
        self._call('removeBody', self._spheres.pop(name))
        self.targets = tuple(t for t in self.targets if t.name != name)

    def _sphere(self, target: Target) -> int:
        shape = self._call('createVisualShape', self._p.GEOM_SPHERE, radius=target.radius,
                           rgbaColor=[c / 255.0 for c in target.rgb] + [1.0],
                           specularColor=[0.0, 0.0, 0.0])
        return self._call('createMultiBody', baseMass=0.0, baseVisualShapeIndex=shape,
                          basePosition=target.position)

    def _box(self, centre, half_extents, rgba) -> None:
        shape = self._call('createVisualShape', self._p.GEOM_BOX, halfExtents=half_extents,
                           rgbaColor=rgba)
        self._call('createMultiBody', baseMass=0.0, baseVisualShapeIndex=shape,
                   basePosition=centre)

    def _photo(self, path: Path, centre: np.ndarray, normal: np.ndarray) -> None:
        """Hang a photograph (a textured quad facing ``normal``, 1 cm off the wall)."""
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ParameterError(f'cannot read the scene photograph {path}')
        width = PHOTO_HEIGHT * image.shape[1] / image.shape[0]
        up = np.array([0.0, 0.0, 1.0])
        right = np.cross(normal, up)  # the viewer's right, facing the wall against normal
        right = -right
        hw, hh = width / 2, PHOTO_HEIGHT / 2
        corners = [-hw * right - hh * up, hw * right - hh * up, hw * right + hh * up,
                   -hw * right + hh * up]
        shape = self._call(
            'createVisualShape', self._p.GEOM_MESH, vertices=[c.tolist() for c in corners],
            indices=[0, 1, 2, 0, 2, 3], uvs=[[0, 0], [1, 0], [1, 1], [0, 1]],
            normals=[normal.tolist()] * 4, meshScale=[1, 1, 1])
        body = self._call('createMultiBody', baseMass=0.0, baseVisualShapeIndex=shape,
                          basePosition=(centre + 0.01 * normal).tolist())
        texture = self._call('loadTexture', str(path))
        self._call('changeVisualShape', body, -1, textureUniqueId=texture,
                   rgbaColor=[1, 1, 1, 1])

    # -- joints and time -------------------------------------------------------------------

    @property
    def time(self) -> float:
        """Return the seconds of simulated time since the scene was built."""
        return self._substeps / PHYSICS_HZ

    def set_targets(self, positions: Mapping[str, float]) -> List[str]:
        """
        Command joint positions by name (clipped to the URDF limits); return unknown names.

        The joints move there under position control at most at their URDF velocity limit,
        with their URDF effort; joints not named keep their previous target.
        """
        unknown = [name for name in positions if name not in self.joint_names]
        for i, name in enumerate(self.joint_names):
            if name in positions:
                self._targets[i] = float(positions[name])
        self._targets = np.clip(self._targets, self.lower, self.upper)
        for i, index in enumerate(self._joints):
            self._call('setJointMotorControl2', self._robot, index, self._p.POSITION_CONTROL,
                       targetPosition=float(self._targets[i]), targetVelocity=0.0,
                       maxVelocity=float(self.velocity_limits[i]),
                       force=float(self._effort[i]), positionGain=POSITION_GAIN,
                       velocityGain=1.0)
        return unknown

    @property
    def joint_targets(self) -> np.ndarray:
        """Return the commanded positions in :attr:`joint_names` order."""
        return self._targets.copy()

    def step(self, dt: float) -> float:
        """Advance the physics by ``dt`` seconds in fixed substeps; return :attr:`time`."""
        return self.advance_to(self._requested + max(float(dt), 0.0))

    def advance_to(self, seconds: float) -> float:
        """
        Advance the physics to the substep nearest ``seconds``; return :attr:`time`.

        Requests accumulate exactly (many short steps drift no more than one long one);
        :attr:`time` is the physics' own, a multiple of 1 / :data:`PHYSICS_HZ`.
        """
        self._requested = max(self._requested, float(seconds))
        while self._substeps + 0.5 <= self._requested * PHYSICS_HZ:
            self._call('stepSimulation')
            self._substeps += 1
        return self.time

    def joint_states(self) -> Tuple[List[str], np.ndarray, np.ndarray]:
        """Return the joint names, positions (rad or m) and velocities."""
        states = self._call('getJointStates', self._robot, self._joints)
        return (list(self.joint_names), np.array([s[0] for s in states]),
                np.array([s[1] for s in states]))

    def reset_joints(self, positions: Mapping[str, float]) -> None:
        """Place joints at positions at once (at rest) and make those their targets."""
        for i, name in enumerate(self.joint_names):
            if name in positions:
                self._call('resetJointState', self._robot, self._joints[i],
                           float(positions[name]), 0.0)
        self.set_targets(positions)

    # -- camera ----------------------------------------------------------------------------

    def camera_pose(self) -> np.ndarray:
        """Return T_world_optical (4x4; the world is base_link) of the camera frame now."""
        state = self._call('getLinkState', self._robot, self._camera_link,
                           computeForwardKinematics=True)
        pose = np.eye(4)
        pose[:3, :3] = np.reshape(self._p.getMatrixFromQuaternion(state[5]), (3, 3))
        pose[:3, 3] = state[4]
        return pose

    def render(self) -> np.ndarray:
        """Render the camera at its current pose: RGB uint8 (H, W, 3), row 0 at the top."""
        width, height = self.camera_info.width, self.camera_info.height
        _, _, rgba, _, _ = self._call(
            'getCameraImage', width, height, viewMatrix=gl_list(view_matrix(self.camera_pose())),
            projectionMatrix=self._projection, renderer=self._p.ER_TINY_RENDERER, shadow=0,
            lightDirection=LIGHT_DIRECTION, lightAmbientCoeff=0.7, lightDiffuseCoeff=0.4,
            lightSpecularCoeff=0.0, flags=self._p.ER_NO_SEGMENTATION_MASK)
        return np.ascontiguousarray(
            np.asarray(rgba, np.uint8).reshape(height, width, 4)[:, :, :3])

    # -- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Disconnect the physics client (idempotent)."""
        if getattr(self, '_client', -1) >= 0:
            try:
                self._p.disconnect(physicsClientId=self._client)
            except self._p.error:
                pass
            self._client = -1

    def __enter__(self) -> 'Scene':
        """Return the scene."""
        return self

    def __exit__(self, *exc) -> None:
        """Disconnect."""
        self.close()
