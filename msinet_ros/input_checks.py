"""
What changed in a camera stream, without ROS: stamps going back, size and encoding changes.

The saliency node runs this in its image callback after
:func:`msinet_ros.imaging.check_image_fields` (a malformed raw image is rejected there, before
the latest-frame slot, so it never replaces a good frame waiting for the worker). A frame whose
``header.stamp`` went back, or whose size or encoding differs from the previous accepted frame,
is counted and processed anyway (docs/node.md, "Bad input", says why).
"""

from dataclasses import dataclass
from typing import List, Optional, Tuple


# what the receipt checks count (the node's diagnostics keys are 'frames <counter>')
STAMP_BACKWARDS = 'stamp_backwards'
SIZE_CHANGED = 'size_changed'
ENCODING_CHANGED = 'encoding_changed'
CHANGE_COUNTERS = (STAMP_BACKWARDS, SIZE_CHANGED, ENCODING_CHANGED)


@dataclass(frozen=True)
class Change:
    """One way a frame differs from the previous accepted one."""

    counter: str  # one of CHANGE_COUNTERS
    text: str  # the warning: what happened and what to do


class StreamMonitor:
    """
    Compare each accepted frame with the previous one: stamp order, size and encoding.

    Not thread-safe: one callback (the node's image callback) calls it.
    """

    def __init__(self):
        self._stamp_ns: Optional[int] = None
        self._size: Optional[Tuple[int, int]] = None
        self._encoding: Optional[str] = None

    def reset(self) -> None:
        """Forget the previous frame (e.g. when the camera is subscribed anew)."""
        self._stamp_ns = self._size = self._encoding = None

    def observe(self, stamp_ns: int, encoding: str,
                size: Optional[Tuple[int, int]] = None) -> List[Change]:
        """
        Record a frame and return how it differs from the previous one.

        ``encoding`` is the Image's encoding or the CompressedImage's format; ``size`` is
        (height, width), or None where it is unknown before decoding (compressed frames): then
        no size change is reported and the last known size is kept.
        """
        changes = []
        if self._stamp_ns is not None and stamp_ns < self._stamp_ns:
            changes.append(Change(STAMP_BACKWARDS, (
                f'header.stamp went back {(self._stamp_ns - stamp_ns) * 1e-9:.3f} s (from '
                f'{self._stamp_ns} to {stamp_ns} ns); the frame is processed and published '
                'with its own stamp. After a bag loop or a simulation reset, reset the '
                'consumers that keep history by time (tf2 buffers, attention_node); otherwise '
                "fix the camera driver's clock")))
        if size is not None and self._size is not None and size != self._size:
            changes.append(Change(SIZE_CHANGED, (
                f'image size changed from {_size_text(self._size)} to {_size_text(size)}; '
                'the frame is processed and its maps have its size, but consumers expect one '
                'size per topic (and with size auto each new aspect ratio prepares another '
                'input size): publish one size per topic')))
        if self._encoding is not None and encoding != self._encoding:
            changes.append(Change(ENCODING_CHANGED, (
                f'image encoding changed from {self._encoding!r} to {encoding!r}; the frame '
                'is processed, but consumers expect one encoding per topic: fix the '
                'publisher')))
        self._stamp_ns = stamp_ns
        self._encoding = encoding
        if size is not None:
            self._size = size
        return changes


def _size_text(size: Tuple[int, int]) -> str:
    return f'{size[0]}x{size[1]}'
