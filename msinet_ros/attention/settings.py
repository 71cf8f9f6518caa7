"""How attention selects gaze targets: the defaults the attention node and the CLI share."""

from dataclasses import dataclass

from ..errors import ParameterError


@dataclass(frozen=True)
class AttentionSettings:
    """Inhibition of return, hysteresis, saccadic suppression and smoothing."""

    ior_sigma_deg: float = 6.0  # angular width (standard deviation) of an inhibited spot
    ior_strength: float = 0.9  # inhibition right after attending (1 removes the spot)
    ior_decay_s: float = 6.0  # time constant of the exponential decay of inhibition
    switch_margin: float = 0.05  # a new target must beat the current one by this much
    min_fixation_s: float = 0.5  # no new target sooner than this after the last one
    threshold: float = 0.2  # minimum (inhibited) saliency of a target; maps are 0..1
    suppression_speed_deg_s: float = 30.0  # head faster than this: frame ignored; 0 = off
    smoothing: float = 0.0  # weight of the previous map in an exponential average; 0 = off
    map_width: int = 128  # the map is shrunk to at most this width before selection

    def __post_init__(self):
        """Refuse values that make no sense."""
        if not (self.ior_sigma_deg > 0 and 0 <= self.ior_strength <= 1 and
                self.ior_decay_s > 0 and self.switch_margin >= 0 and
                self.min_fixation_s >= 0 and 0 <= self.threshold <= 1 and
                self.suppression_speed_deg_s >= 0 and 0 <= self.smoothing < 1 and
                self.map_width >= 8):
            raise ParameterError(
                f'invalid attention settings {self}: sigma and decay must be > 0, strength, '
                'threshold within 0..1, smoothing within 0..1 (exclusive), margin, minimum '
                'fixation and suppression speed >= 0, map_width >= 8')
