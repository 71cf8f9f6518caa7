"""
Inhibition of return: attended directions of a body-fixed frame, suppressed for a while.

Each attended direction ``d_i`` (a unit vector of the body frame, not an image pixel: the
camera moves with the head) is remembered with the time ``t_i`` it was attended. The saliency
of a direction ``d`` at time ``t`` is multiplied by::

    factor(d, t) = prod_i (1 - s * exp(-(t - t_i) / tau) * exp(-theta_i^2 / (2 sigma^2)))

with ``theta_i`` the angle between ``d`` and ``d_i``, ``s`` the strength right after attending
(1 removes the spot), ``tau`` the decay time constant and ``sigma`` the angular width. A time
before ``t_i`` (an image older than the entry) counts as ``t_i``. Entries whose strength has
decayed below 1 % (they change no factor by more than that) are dropped.
"""

import math
from typing import List, Sequence, Tuple

import numpy as np

from ..errors import ParameterError

PRUNE_BELOW = 0.01  # entries weaker than this are forgotten


class InhibitionOfReturn:
    """Attended directions with decaying, Gaussian (in angle) inhibition."""

    def __init__(self, sigma_deg: float, strength: float, decay_s: float):
        """Set the angular width (deg), the initial strength (0..1) and the decay (s)."""
        if not (sigma_deg > 0 and 0 <= strength <= 1 and decay_s > 0):
            raise ParameterError(f'inhibition of return needs sigma > 0 ({sigma_deg}), strength '
                                 f'within 0..1 ({strength}) and decay > 0 ({decay_s})')
        self.sigma_deg = float(sigma_deg)
        self.strength = float(strength)
        self.decay_s = float(decay_s)
        self._directions = np.zeros((0, 3))
        self._times = np.zeros(0)

    def __len__(self) -> int:
        """Return the number of remembered directions (pruned at the last query)."""
        return len(self._times)

    def add(self, direction: Sequence[float], t_s: float) -> None:
        """Remember a unit direction (3,) of the body frame as attended at ``t_s``."""
        unit = np.asarray(direction, np.float64).reshape(3)
        norm = np.linalg.norm(unit)
        if not (np.isfinite(norm) and norm > 0):
            raise ParameterError(f'inhibition of return needs a direction, not {unit}')
        self._prune(t_s)
        if self.strength < PRUNE_BELOW:
            return
        self._directions = np.vstack([self._directions, unit / norm])
        self._times = np.append(self._times, float(t_s))

    def renew_last(self, direction: Sequence[float], t_s: float) -> None:
        """
        Move the newest entry to ``direction`` and restart its decay at ``t_s``.

        The direction attended now stays fully inhibited while it is attended (and follows it
        when it moves); its inhibition decays from the moment attention leaves it.
        """
        if not len(self._times):
            return
        unit = np.asarray(direction, np.float64).reshape(3)
        norm = np.linalg.norm(unit)
        if np.isfinite(norm) and norm > 0:
            self._directions[-1] = unit / norm
            self._times[-1] = max(self._times[-1], float(t_s))

    def strengths(self, t_s: float) -> np.ndarray:
        """Return the current strength of each entry at ``t_s`` (no decay before its time)."""
        age = np.maximum(t_s - self._times, 0.0)
        return self.strength * np.exp(-age / self.decay_s)

    def factor(self, directions: Sequence[Sequence[float]], t_s: float) -> np.ndarray:
        """Return the factor in 0..1 that multiplies the saliency of unit directions (N, 3)."""
        dirs = np.asarray(directions, np.float64).reshape(-1, 3)
        self._prune(t_s)
        result = np.ones(len(dirs))
        if not len(self._times):
            return result
        two_sigma2 = 2.0 * math.radians(self.sigma_deg) ** 2
        for direction, strength in zip(self._directions, self.strengths(t_s)):
            theta = np.arccos(np.clip(dirs @ direction, -1.0, 1.0))
            result *= 1.0 - strength * np.exp(-theta * theta / two_sigma2)
        return result

    def entries(self, t_s: float) -> List[Tuple[np.ndarray, float]]:
        """Return (direction (3,), current strength) of each remembered direction at ``t_s``."""
        self._prune(t_s)
        return [(d.copy(), float(s)) for d, s in zip(self._directions, self.strengths(t_s))]

    def clear(self) -> None:
        """Forget every attended direction."""
        self._directions = np.zeros((0, 3))
        self._times = np.zeros(0)

    def _prune(self, t_s: float) -> None:
        keep = self.strengths(t_s) >= PRUNE_BELOW
        if not keep.all():
            self._directions, self._times = self._directions[keep], self._times[keep]
