"""
Which outputs, computed how: one frame in, only the requested outputs out.

Like image_proc's ``Processor::process``, :func:`compute_outputs` computes nothing nobody asked
for: the predictor runs once; the frame-resolution map only when the overlay or an
input-resolution map needs it; fixations only for the fixations or the overlay; the overlay only
when wanted. The node maps "who subscribes" to an :class:`OutputRequest` and the returned
:class:`SaliencyOutputs` to messages.
"""

from dataclasses import dataclass, field
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

from .preprocess import check_frame, unpad
from ..attention.peaks import find_fixations, Fixation, FixationSettings
from ..errors import ParameterError
from ..visualization import COLORMAPS, draw_fixations, heatmap_overlay

RESOLUTIONS = ('input', 'model')
AxisMap = Tuple[float, float]  # (a, b): input pixel = a * map pixel + b


@dataclass(frozen=True)
class OutputRequest:
    """What is wanted from a frame, and the settings of what is computed for it."""

    saliency_map: bool = False  # the float map, its mono8 version or its camera_info
    fixations: bool = False
    overlay: bool = False
    resolution: str = 'input'  # of the map: 'input' (the frame's) or 'model' (unpadded)
    fixation_settings: FixationSettings = FixationSettings()
    overlay_colormap: str = 'jet'
    overlay_opacity: float = 0.5

    def __post_init__(self):
        """Refuse settings that could only fail later, frame after frame."""
        if self.resolution not in RESOLUTIONS:
            raise ParameterError(f'output resolution {self.resolution!r} is not one of '
                                 f'{", ".join(RESOLUTIONS)}')
        if self.overlay_colormap not in COLORMAPS:
            raise ParameterError(f'unknown colormap {self.overlay_colormap!r}: one of '
                                 f'{", ".join(COLORMAPS)}')
        if not 0.0 <= self.overlay_opacity <= 1.0:
            raise ParameterError(f'overlay opacity {self.overlay_opacity} is outside 0..1')

    @property
    def anything(self) -> bool:
        """Return whether any output is wanted (if not, nothing needs to run)."""
        return self.saliency_map or self.fixations or self.overlay


@dataclass
class SaliencyOutputs:
    """The requested outputs of one frame (None or empty where not requested)."""

    saliency_map: Optional[np.ndarray] = None  # float32 0..1 at the requested resolution
    map_axes: Optional[Tuple[AxisMap, AxisMap]] = None  # (y, x); None at input resolution
    fixations: List[Fixation] = field(default_factory=list)  # input pixels, most salient first
    overlay: Optional[np.ndarray] = None  # rgb8 at input size, fixations drawn
    timings: Dict[str, float] = field(default_factory=dict)  # ms: the predictor's + 'outputs'


def _rgb8(frame: np.ndarray) -> np.ndarray:
    """Return a frame as (H, W, 3) uint8 RGB for drawing (as the predictor reads it, rounded)."""
    frame = check_frame(frame)  # grey expanded, floats clipped to 0..255
    return frame if frame.dtype == np.uint8 else np.rint(frame).astype(np.uint8)


def compute_outputs(predictor, frame_rgb: np.ndarray, request: OutputRequest) -> SaliencyOutputs:
    """
    Run ``predictor`` once on a frame and compute the requested outputs only.

    ``predictor`` is a :class:`~msinet_ros.inference.predictor.SaliencyPredictor` (anything
    with its ``predict(frame, frame_resolution)``). Nothing runs when nothing is requested.
    Errors of the predictor (e.g. :class:`~msinet_ros.errors.ImageError`) propagate.
    """
    if not request.anything:
        return SaliencyOutputs()
    at_input = request.resolution == 'input'
    result = predictor.predict(frame_rgb, frame_resolution=request.overlay or
                               (request.saliency_map and at_input))
    start = time.perf_counter()
    outputs = SaliencyOutputs()
    box = result.letterbox
    if request.fixations or request.overlay:
        outputs.fixations = find_fixations(result.model_saliency, box,
                                           request.fixation_settings)
    if request.saliency_map:
        if at_input:
            outputs.saliency_map = result.saliency
        else:
            region = np.asarray(unpad(result.model_saliency, box), dtype=np.float32)
            outputs.saliency_map = np.clip(region, 0.0, 1.0)  # a copy, not a view
            outputs.map_axes = (box.axis_map(0), box.axis_map(1))
    if request.overlay:
        overlay = heatmap_overlay(_rgb8(frame_rgb), result.saliency, request.overlay_colormap,
                                  request.overlay_opacity)
        outputs.overlay = draw_fixations(overlay, outputs.fixations)
    outputs.timings = {**result.timings, 'outputs': (time.perf_counter() - start) * 1e3}
    return outputs
