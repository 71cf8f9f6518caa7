"""
Inverse kinematics of a pan-tilt head: joint positions that put a 3-D point on the optical axis.

The head is a :class:`~msinet_ros.attention.kinematics.KinematicChain` of exactly two revolute
(or continuous) joints, pan then tilt, ending at the camera's REP-103 optical frame (z forward).
The axes and the optical centre may be offset from each other arbitrarily: an analytic guess
(each joint turned so that the optical axis, projected on the plane normal to the joint axis,
passes through the target) is refined by Levenberg-Marquardt on the unit direction to the
target seen from the camera, which is (0, 0, 1) exactly when the optical axis goes through it.
"""

from dataclasses import dataclass
import math
from typing import Optional, Sequence

import numpy as np
from scipy.optimize import least_squares

from .directions import angle_deg
from .kinematics import HeadModelError, KinematicChain
from ..errors import ParameterError

_Z = np.array([0.0, 0.0, 1.0])
_SOLVED_DEG = 1e-3  # a start whose solution is closer than this has converged
_GRID = [(pan, tilt) for pan in (-2.5, -0.8, 0.8, 2.5) for tilt in (-1.2, 0.0, 1.2)]


def angle_between(a: Sequence[float], b: Sequence[float]) -> float:
    """Return the angle in degrees between two 3-vectors (180 when one of them is zero)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    norms = float(np.linalg.norm(a) * np.linalg.norm(b))
    if not norms > 0.0:
        return 180.0
    return angle_deg(a, b)


@dataclass(frozen=True, eq=False)  # arrays: compare fields with numpy
class Aim:
    """
    Where to turn the head to look at a target.

    ``positions`` solves the aim whatever the limits; ``clipped`` is that solution clipped into
    the joint limits (shrunk by the margin asked for); ``within_limits`` says whether clipping
    changed nothing. ``error_deg`` is the angle between the optical axis at ``positions`` and
    the direction from the optical centre to the target: below 0.1 for reachable targets, large
    for unreachable ones (e.g. inside the radius of the camera's offset from the axes).
    ``clipped_error_deg`` is the same angle at ``clipped``.
    """

    positions: np.ndarray
    clipped: np.ndarray
    within_limits: bool
    error_deg: float
    clipped_error_deg: float


def _line_angle(axis: np.ndarray, pivot: np.ndarray, origin: np.ndarray,
                direction: np.ndarray, target: np.ndarray) -> float:
    """
    Return the turn about an axis that puts a ray through the target, in projection.

    Projected on the plane normal to ``axis``, the ray (origin, direction) keeps its signed
    distance ``d`` from the pivot while it turns; it passes through the target (radius ``r``,
    at angle ``phi`` from the ray's direction) after a turn of ``phi - asin(d / r)``.
    """
    along = direction - axis * float(axis @ direction)
    norm = float(np.linalg.norm(along))
    if norm < 1e-9:
        return 0.0
    e1 = along / norm
    e2 = np.cross(axis, e1)
    offset = float((origin - pivot) @ e2)
    toward = target - pivot
    x, y = float(toward @ e1), float(toward @ e2)
    radius = math.hypot(x, y)
    if radius < 1e-12:
        return 0.0
    return math.atan2(y, x) - math.asin(max(-1.0, min(1.0, offset / radius)))


def _wrap(values: np.ndarray, lower: np.ndarray, upper: np.ndarray,
          reference: np.ndarray) -> np.ndarray:
    """Return angles shifted by whole turns into the limits if possible, else near reference."""
    result = np.array(values, np.float64)
    for i, q in enumerate(values):
        near = reference[i] + math.remainder(q - reference[i], 2.0 * math.pi)
        options = near + 2.0 * math.pi * np.arange(-2, 3)
        outside = np.maximum(lower[i] - options, 0.0) + np.maximum(options - upper[i], 0.0)
        best = np.lexsort((np.abs(options - reference[i]), outside))[0]
        result[i] = options[best]
    return result


class PanTiltHead:
    """A head of two revolute joints, pan then tilt, carrying a camera (optical frame tip)."""

    def __init__(self, chain: KinematicChain):
        """Wrap a chain checked by :meth:`from_chain`."""
        self.chain = chain
        self.joint_names = chain.joint_names
        self.lower = chain.lower
        self.upper = chain.upper
        self.velocity = chain.velocity

    @classmethod
    def from_chain(cls, chain: KinematicChain) -> 'PanTiltHead':
        """Return the head of a chain, refusing anything but two revolute joints."""
        kinds = [f'{name} ({kind})' for name, kind in zip(chain.joint_names, chain.joint_types)]
        if len(kinds) != 2 or any(kind not in ('revolute', 'continuous')
                                  for kind in chain.joint_types):
            found = ', '.join(kinds) if kinds else 'none'
            raise HeadModelError(
                'gaze_controller drives exactly two revolute joints: pan, then tilt; the chain '
                f'{chain.base_frame} -> {chain.tip_frame} has movable joints: {found}. '
                'Choose base_frame/camera_frame so that only the pan and tilt joints lie '
                'between them')
        return cls(chain)

    def gaze(self, positions: Sequence[float]):
        """Return the optical centre and the unit optical (z) axis in the base frame."""
        pose = self.chain.pose(positions)
        return pose[:3, 3], pose[:3, 2]

    def gaze_direction(self, positions: Sequence[float]) -> np.ndarray:
        """Return the unit optical axis in the base frame."""
        return self.gaze(positions)[1]

    def error_deg(self, positions: Sequence[float], target: Sequence[float]) -> float:
        """Return the angle between the optical axis and the direction to the target."""
        centre, axis = self.gaze(positions)
        return angle_between(axis, np.asarray(target, np.float64) - centre)

    def _residual(self, positions: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Return the unit direction to the target in the optical frame, minus (0, 0, 1)."""
        pose = self.chain.pose(positions)
        seen = pose[:3, :3].T @ (target - pose[:3, 3])
        norm = float(np.linalg.norm(seen))
        if not norm > 1e-12:
            return -2.0 * _Z
        return seen / norm - _Z

    def initial_guess(self, target: Sequence[float]) -> np.ndarray:
        """Return the analytic guess: each joint turned to aim the projected optical axis."""
        target = np.asarray(target, np.float64)
        guess = np.zeros(2)
        for _ in range(2):  # pan, tilt, then both again with the other's new value
            for joint in (0, 1):
                pivots, axes = self.chain.joint_axes(guess)
                centre, direction = self.gaze(guess)
                guess[joint] += _line_angle(axes[joint], pivots[joint], centre, direction, target)
        return guess

    def _solve(self, start: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Return the solution refined from a start (the unconstrained least-squares optimum)."""
        if float(np.linalg.norm(self._residual(start, target))) < 1e-12:
            return start  # the analytic guess is exact for heads without lateral offsets
        result = least_squares(self._residual, start, args=(target,), method='lm',
                               xtol=1e-14, ftol=1e-14, gtol=1e-14)
        return result.x

    def aim(self, target: Sequence[float], seed: Optional[Sequence[float]] = None,
            margin: float = 0.0) -> Aim:
        """
        Return joint positions that put a base-frame point on the optical axis.

        ``seed`` (e.g. the current positions) breaks ties between equivalent solutions (the
        one nearest to it wins); ``margin`` (rad) keeps ``clipped`` that far inside the limits.
        Unreachable targets give the nearest solution found and a large ``error_deg``.
        """
        target = np.asarray(target, np.float64).reshape(-1)
        if target.shape != (3,) or not np.all(np.isfinite(target)):
            raise ParameterError(f'a gaze target must be 3 finite coordinates, not {target}')
        if not margin >= 0.0:
            raise ParameterError(f'the joint limit margin must be >= 0 rad, not {margin}')
        reference = np.zeros(2) if seed is None else self.chain.vector(seed)
        low, high = self.lower + margin, self.upper - margin
        with np.errstate(invalid='ignore'):  # -inf + inf for continuous joints, unused
            middle = (self.lower + self.upper) / 2.0
        low, high = np.where(low > high, middle, low), np.where(low > high, middle, high)
        candidates = []

        def consider(start) -> tuple:
            positions = _wrap(self._solve(np.asarray(start, np.float64), target), self.lower,
                              self.upper, reference)
            error = self.error_deg(positions, target)
            clipped = np.clip(positions, low, high)
            inside = bool(np.array_equal(clipped, positions))
            rank = (error > _SOLVED_DEG, not inside,
                    0.0 if inside else self.error_deg(clipped, target),
                    float(np.abs(positions - reference).sum()))
            candidates.append((rank, error, positions, clipped))
            return min(candidates, key=lambda c: c[0])[0]

        guess = self.initial_guess(target)
        best = consider(guess)
        if seed is not None and (best[0] or best[1]):
            best = consider(reference)
        if not best[0] and best[1]:  # solved outside the limits: try the other branch
            solution = min(candidates, key=lambda c: c[0])[2]
            best = consider(solution + np.array([math.pi, math.pi - 2.0 * solution[1]]))
        if best[0]:  # not solved (unreachable target or a poor guess): search more widely
            for start in _GRID:
                best = consider(start)
                if not best[0]:
                    break
        solved = [c for c in candidates if not c[0][0]]
        if solved:
            _, error, positions, clipped = min(solved, key=lambda c: c[0])
        else:
            _, error, positions, clipped = min(candidates, key=lambda c: c[1])
        return Aim(positions=positions, clipped=clipped,
                   within_limits=bool(np.array_equal(clipped, positions)), error_deg=error,
                   clipped_error_deg=self.error_deg(clipped, target))
