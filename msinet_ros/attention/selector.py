"""
Gaze targets from saliency maps: inhibition of return, hysteresis, suppression, smoothing.

For each map (its camera model, the camera's pose ``T_body_camera`` at the image's stamp and
the head's joint speed then), :meth:`AttentionSelector.update` does:

1. Saccadic suppression: if the head moves faster than ``suppression_speed_deg_s`` (> 0), the
   map is ignored for targets and inhibition (the frame is blurred and its pose uncertain),
   and counted.
2. The map is shrunk to at most ``map_width`` pixels wide (area filter) and its camera model
   resampled to match (:func:`map_view`), so that selection costs the same for any camera.
3. Optional smoothing: ``m = smoothing * m_previous + (1 - smoothing) * m``, restarted when
   the camera turned more than :data:`SMOOTHING_RESET_DEG` since the previous map (the maps
   would no longer be aligned) or the map's size or camera changed.
4. Every pixel's viewing ray (cached per camera model) is rotated into the body frame:
   ``d_body = R_body_camera @ d_camera``. Directions are taken as seen from the camera at
   that moment (the camera's few centimetres of travel as the head turns are neglected).
5. The inhibited map is ``m * factor`` (:class:`~.inhibition.InhibitionOfReturn` at the
   map's stamp).
6. The candidate is the inhibited map's maximum, refined to sub-pixel accuracy (a parabola
   through its neighbours).
7. Hysteresis, with ``value`` the inhibited map's value: without a target the candidate is
   taken if ``value >= threshold``; with one, nothing changes before ``min_fixation_s`` have
   passed since it was selected (``hold``); a candidate within ``ior_sigma_deg`` of the target
   is the target moving (``pursuit``, no new inhibition): the target's direction moves to the
   map's own local maximum reached from the candidate (the target's inhibition would push the
   inhibited maximum aside), if that reaches the threshold; any other candidate becomes the
   target (``saccade``) only if ``value >= threshold`` and ``value >= current +
   switch_margin``, ``current`` being the inhibited value at the current target's direction
   (0 once it has left the field of view); otherwise the target stays (``hold``).
8. Each new target (the first one and each saccade) is added to the inhibition of return at
   the map's stamp and counted as a fixation. While it stays the target (``hold``,
   ``pursuit``) its entry follows it and is renewed at each map's stamp
   (:meth:`~.inhibition.InhibitionOfReturn.renew_last`): a direction is inhibited fully while
   it is attended, and its inhibition decays from the moment attention leaves it. (Decaying
   from the moment it was chosen would let the current target and the one before it recover
   together until neither beats the other by the margin: the head would stay forever.)

Time going backwards (a restarted simulation or bag) restarts the selector (counts are kept).
"""

from dataclasses import dataclass, field
from functools import lru_cache
import math
from typing import Optional, Tuple

import cv2
import numpy as np

from .camera import Axis, CameraGeometry
from .directions import angle_deg
from .inhibition import InhibitionOfReturn
from .peaks import refine_peak
from .settings import AttentionSettings
from ..errors import ParameterError

SMOOTHING_RESET_DEG = 1.0  # a camera turn beyond this restarts the temporal smoothing
STATUSES = ('suppressed', 'no_target', 'hold', 'pursuit', 'saccade')


@dataclass(frozen=True)
class Target:
    """
    A gaze target: a unit direction from an origin, both in the body frame.

    ``pixel`` (u, v) is where the target is seen in the map given to the last update, in that
    map's pixels (NaN when out of view); ``saliency`` the (smoothed) map's value there (0 out
    of view; the value last seen for a suppressed frame).
    """

    direction_body: np.ndarray
    origin_body: np.ndarray
    pixel: Tuple[float, float]
    saliency: float


@dataclass(frozen=True)
class Decision:
    """What one map decided: the status, the current target and running counts."""

    status: str  # one of STATUSES
    target: Optional[Target]
    fixations: int  # new targets so far (the first one and each saccade)
    suppressed: int  # maps ignored so far because the head moved too fast
    selected_at_s: Optional[float]  # stamp of the current target's selection


@dataclass(frozen=True)
class MapView:
    """The camera model of a shrunk map and the way back to the original map's pixels."""

    geometry: CameraGeometry  # of the shrunk map
    axis_y: Axis  # original map pixel = a * shrunk pixel + b
    axis_x: Axis
    shape: Tuple[int, int]  # (height, width) of the shrunk map

    def to_original(self, u: float, v: float) -> Tuple[float, float]:
        """Return the original map's (u, v) of a shrunk map's pixel."""
        return (self.axis_x[0] * u + self.axis_x[1], self.axis_y[0] * v + self.axis_y[1])


def _area_axis(size_in: int, size_out: int) -> Axis:
    """Return (a, b) with input pixel = a * output pixel + b for cv2's centre-aligned resize."""
    a = size_in / size_out
    return a, 0.5 * a - 0.5


@lru_cache(maxsize=8)
def map_view(geometry: CameraGeometry, shape: Tuple[int, int], map_width: int) -> MapView:
    """
    Return the view of a (height, width) map shrunk to at most ``map_width`` wide.

    The map is taken to cover the whole image ``geometry`` describes (its expected size; the
    same as the map's when they match) and is resampled with :func:`shrink`.
    """
    height, width = shape
    if height < 1 or width < 1:
        raise ParameterError(f'saliency map of size {height}x{width}')
    w = min(width, map_width)
    h = max(1, int(round(height * w / width)))
    eh, ew = geometry.expected_size
    if eh < 1 or ew < 1:
        raise ParameterError('camera_info without an image size')
    small = geometry.resampled(_area_axis(eh, h), _area_axis(ew, w), h, w)
    return MapView(small, _area_axis(height, h), _area_axis(width, w), (h, w))


def shrink(saliency: np.ndarray, view: MapView) -> np.ndarray:
    """Return the map resized to the view's shape (area filter), float32."""
    saliency = np.asarray(saliency, np.float32)
    if saliency.shape == view.shape:
        return saliency
    return cv2.resize(saliency, view.shape[::-1], interpolation=cv2.INTER_AREA)


@lru_cache(maxsize=8)
def pixel_rays(geometry: CameraGeometry, rectified: bool) -> np.ndarray:
    """Return the unit rays (H * W, 3) of all pixels of the geometry's image, row-major."""
    h, w = geometry.height, geometry.width
    v, u = np.mgrid[0:h, 0:w]
    rays = geometry.rays(np.stack([u.ravel(), v.ravel()], 1).astype(np.float64), rectified)
    rays.setflags(write=False)
    return rays


def peak(inhibited: np.ndarray) -> Tuple[int, int, float, float]:
    """Return (row, col) of the map's maximum and its sub-pixel position (u, v)."""
    row, col = np.unravel_index(int(np.argmax(inhibited)), inhibited.shape)
    dy, dx = refine_peak(inhibited, row, col)
    return int(row), int(col), col + dx, row + dy


def climb(saliency: np.ndarray, row: int, col: int) -> Tuple[int, int]:
    """Return the local maximum reached from (row, col) by steps to the highest neighbour."""
    h, w = saliency.shape
    for _ in range(h + w):
        top, left = max(row - 1, 0), max(col - 1, 0)
        window = saliency[top:row + 2, left:col + 2]
        r, c = np.unravel_index(int(np.argmax(window)), window.shape)
        if window[r, c] <= saliency[row, col]:
            break
        row, col = top + int(r), left + int(c)
    return row, col


def rotation_deg(a: np.ndarray, b: np.ndarray) -> float:
    """Return the angle of the rotation between two rotation matrices in degrees."""
    cosine = (float(np.trace(a.T @ b)) - 1.0) / 2.0
    return math.degrees(math.acos(min(1.0, max(-1.0, cosine))))


@dataclass
class _Smoothing:
    saliency: Optional[np.ndarray] = None
    rotation: Optional[np.ndarray] = None
    view: Optional[MapView] = None


@dataclass
class _State:
    target: Optional[Target] = None
    selected_at_s: Optional[float] = None
    last_stamp_s: Optional[float] = None
    smoothing: _Smoothing = field(default_factory=_Smoothing)


class AttentionSelector:
    """Choose gaze targets from a stream of saliency maps (see the module's docstring)."""

    def __init__(self, settings: AttentionSettings = AttentionSettings()):
        """Start without targets, inhibition or counts."""
        self._settings = settings
        self.inhibition = InhibitionOfReturn(settings.ior_sigma_deg, settings.ior_strength,
                                             settings.ior_decay_s)
        self._state = _State()
        self.fixations = 0
        self.suppressed = 0

    @property
    def settings(self) -> AttentionSettings:
        """Return the settings in use."""
        return self._settings

    @settings.setter
    def settings(self, settings: AttentionSettings) -> None:
        """Use new settings from the next map on; remembered directions are kept."""
        self._settings = settings
        self.inhibition.sigma_deg = settings.ior_sigma_deg
        self.inhibition.strength = settings.ior_strength
        self.inhibition.decay_s = settings.ior_decay_s

    @property
    def target(self) -> Optional[Target]:
        """Return the target selected last (None before the first one)."""
        return self._state.target

    def reset(self) -> None:
        """Forget the target, the inhibition and the smoothing (counts are kept)."""
        self._state = _State()
        self.inhibition.clear()

    def update(self, saliency: np.ndarray, geometry: CameraGeometry, rectified: bool,
               pose: np.ndarray, stamp_s: float, head_speed: Optional[float]) -> Decision:
        """
        Return the decision for one saliency map (H, W) in 0..1.

        ``geometry`` is the map's camera model, ``rectified`` whether the map is of a rectified
        image, ``pose`` the 4x4 ``T_body_camera`` (optical frame) at the map's stamp
        ``stamp_s`` (s) and ``head_speed`` the largest joint speed then (rad/s; None: unknown,
        not suppressed). Raises ParameterError for a map or camera model it cannot use.
        """
        s, state = self._settings, self._state
        saliency = np.asarray(saliency, np.float32)
        if saliency.ndim != 2:
            raise ParameterError(f'a saliency map has 2 dimensions, not {saliency.ndim}')
        pose = np.asarray(pose, np.float64).reshape(4, 4)
        rotation, origin = pose[:3, :3], pose[:3, 3].copy()
        if state.last_stamp_s is not None and stamp_s < state.last_stamp_s:
            self.reset()
            state = self._state
        state.last_stamp_s = stamp_s
        view = map_view(geometry, saliency.shape, s.map_width)
        if s.suppression_speed_deg_s > 0 and head_speed is not None and \
                head_speed > math.radians(s.suppression_speed_deg_s):
            self.suppressed += 1
            if state.target is not None:
                pixel, _ = self._seen(state.target.direction_body, rotation, view, rectified)
                state.target = Target(state.target.direction_body, origin, pixel,
                                      state.target.saliency)
            return self._decision('suppressed')
        small = self._smoothed(shrink(saliency, view), rotation, view)
        rays = pixel_rays(view.geometry, rectified) @ rotation.T
        inhibited = small * self.inhibition.factor(rays, stamp_s).reshape(small.shape)
        current = 0.0
        if state.target is not None:
            pixel, index = self._seen(state.target.direction_body, rotation, view, rectified)
            value = float(small[index]) if index is not None else 0.0
            current = float(inhibited[index]) if index is not None else 0.0
            state.target = Target(state.target.direction_body, origin, pixel, value)
            if stamp_s - state.selected_at_s < s.min_fixation_s:
                return self._decision('hold')
        row, col, u, v = peak(inhibited)
        value = float(inhibited[row, col])
        direction = rotation @ view.geometry.rays([(u, v)], rectified)[0]
        candidate = Target(direction, origin, view.to_original(u, v), float(small[row, col]))
        if state.target is None:
            if value < s.threshold or value <= 0.0:
                return self._decision('no_target')
        elif angle_deg(direction, state.target.direction_body) <= s.ior_sigma_deg:
            row, col = climb(small, row, col)  # the target's own inhibition shifts the maximum
            if small[row, col] < s.threshold:
                return self._decision('hold')
            dy, dx = refine_peak(small, row, col)
            u, v = col + dx, row + dy
            direction = rotation @ view.geometry.rays([(u, v)], rectified)[0]
            state.target = Target(direction, origin, view.to_original(u, v),
                                  float(small[row, col]))
            return self._decision('pursuit')
        elif value < s.threshold or value < current + s.switch_margin:
            return self._decision('hold')
        state.target, state.selected_at_s = candidate, stamp_s
        self.inhibition.add(direction, stamp_s)
        self.fixations += 1
        return self._decision('saccade')

    def _decision(self, status: str) -> Decision:
        target = self._state.target
        if status in ('hold', 'pursuit') and target is not None and \
                self._state.last_stamp_s is not None:
            self.inhibition.renew_last(target.direction_body, self._state.last_stamp_s)
        return Decision(status, self._state.target, self.fixations, self.suppressed,
                        self._state.selected_at_s)

    def _smoothed(self, small: np.ndarray, rotation: np.ndarray, view: MapView) -> np.ndarray:
        """Return the exponential average with the previous map (step 3), and remember it."""
        weight = self._settings.smoothing
        memory = self._state.smoothing
        if weight <= 0:
            memory.saliency = None
            return small
        if memory.saliency is not None and memory.view == view and \
                rotation_deg(memory.rotation, rotation) <= SMOOTHING_RESET_DEG:
            small = weight * memory.saliency + (1.0 - weight) * small
        memory.saliency, memory.rotation, memory.view = small.copy(), rotation.copy(), view
        return small

    @staticmethod
    def _seen(direction_body: np.ndarray, rotation: np.ndarray, view: MapView,
              rectified: bool) -> Tuple[Tuple[float, float], Optional[Tuple[int, int]]]:
        """Return the original map's pixel of a body direction and its shrunk map index."""
        u, v = view.geometry.project((rotation.T @ direction_body)[None], rectified)[0]
        h, w = view.shape
        if not (np.isfinite(u) and np.isfinite(v)):
            return (math.nan, math.nan), None
        col, row = int(round(u)), int(round(v))
        index = (row, col) if 0 <= row < h and 0 <= col < w else None
        return view.to_original(u, v), index
