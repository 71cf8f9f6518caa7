"""
Scanpaths on a still image: the fixations that inhibition of return produces, one by one.

The camera stands still (pose = identity, so the body frame is the optical frame) and the map
does not change. The map is shrunk as :class:`~.selector.AttentionSelector` shrinks it; each
step takes the maximum of the inhibited map (sub-pixel refined), stops if it is below
``threshold``, and inhibits its direction. Each step advances the clock by
``min_fixation_s``, so inhibition decays between fixations as it would for a head that
fixates each target for the minimum time: with a short ``ior_decay_s`` an early target is
revisited once its inhibition has decayed; with ``min_fixation_s = 0`` time stands still.
Hysteresis has no part here: on a still map it only delays the same choices.
"""

from typing import List, Optional

import numpy as np

from .camera import CameraGeometry, pinhole
from .inhibition import InhibitionOfReturn
from .peaks import Fixation
from .selector import map_view, peak, pixel_rays, shrink
from .settings import AttentionSettings
from ..errors import ParameterError


def scanpath(saliency: np.ndarray, n: int, geometry: Optional[CameraGeometry] = None,
             horizontal_fov_deg: float = 60.0,
             settings: AttentionSettings = AttentionSettings()) -> List[Fixation]:
    """
    Return up to ``n`` fixations (map pixels, map saliency) in the order they are made.

    ``geometry`` is the map's camera model (rectified pixels); without one, a pinhole camera
    with the given horizontal field of view and a centred principal point. Fewer than ``n``
    come back when the inhibited map's maximum falls below ``settings.threshold``.
    """
    saliency = np.asarray(saliency, np.float32)
    if saliency.ndim != 2 or not saliency.size:
        raise ParameterError(f'a saliency map is a non-empty 2-D array, not {saliency.shape}')
    if n < 0:
        raise ParameterError(f'a scanpath of {n} fixations')
    if geometry is None:
        geometry = pinhole(saliency.shape[1], saliency.shape[0], horizontal_fov_deg)
    view = map_view(geometry, saliency.shape, settings.map_width)
    small = shrink(saliency, view)
    rays = pixel_rays(view.geometry, True)
    inhibition = InhibitionOfReturn(settings.ior_sigma_deg, settings.ior_strength,
                                    settings.ior_decay_s)
    fixations: List[Fixation] = []
    for step in range(n):
        t = step * settings.min_fixation_s
        inhibited = small * inhibition.factor(rays, t).reshape(small.shape)
        row, col, u, v = peak(inhibited)
        if inhibited[row, col] < settings.threshold or inhibited[row, col] <= 0:
            break
        x, y = view.to_original(u, v)
        fixations.append(Fixation(x=float(x), y=float(y), saliency=float(small[row, col])))
        inhibition.add(view.geometry.rays([(u, v)], True)[0], t)
    return fixations
