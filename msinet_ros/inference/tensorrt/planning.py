"""TensorRT planning that needs no GPU: cache keys, profiles, I/O layout, precision strategy."""

from dataclasses import dataclass
import hashlib
from typing import Sequence, Tuple

from ...errors import ModelFormatError


class EngineMismatchError(ModelFormatError):
    """An engine does not fit this model, this TensorRT or this GPU."""


@dataclass(frozen=True)
class GpuInfo:
    """What an engine is specific to: the GPU's compute capability and multiprocessor count."""

    name: str
    compute_capability: Tuple[int, int]
    multiprocessors: int


@dataclass(frozen=True)
class EngineKey:
    """Everything an engine depends on; two equal keys may share one engine file."""

    onnx_sha256: str
    height: int
    width: int
    max_batch: int
    precision: str
    workspace_mib: int
    tensorrt_version: str
    gpu: GpuInfo

    def filename(self) -> str:
        """Return a readable, collision-safe file name for the cache directory."""
        major, minor = self.gpu.compute_capability
        options = hashlib.sha256(repr(self).encode()).hexdigest()[:12]
        return (f'msinet-{self.onnx_sha256[:12]}-{self.height}x{self.width}-b{self.max_batch}-'
                f'{self.precision}-trt{self.tensorrt_version}-sm{major}{minor}-'
                f'{self.gpu.multiprocessors}mp-{options}.engine')


def fp16_strategy(tensorrt_major: int, precision: str, onnx_is_fp16: bool) -> str:
    """
    Return how to get the requested precision from this TensorRT.

    ``'fp32'``: nothing to do. ``'builder_flag'``: set ``BuilderFlag.FP16`` (TensorRT 8.6 and
    10.x, on an fp32 ONNX). ``'strongly_typed'``: parse an fp16 ONNX into a strongly typed
    network (TensorRT 11 dropped the FP16 builder flag; also right for any fp16 ONNX).
    """
    if precision not in ('fp32', 'fp16'):
        raise ValueError(f'unknown precision {precision!r}')
    if onnx_is_fp16:
        return 'strongly_typed'
    if precision == 'fp32':
        return 'fp32'
    if tensorrt_major >= 11:
        raise EngineMismatchError('TensorRT 11 builds fp16 only from an fp16 ONNX: export one '
                                  'with `msinet export --fp16` (the predictor does this itself '
                                  'when given a weights file)')
    return 'builder_flag'


def profile_shapes(height: int, width: int, max_batch: int
                   ) -> Tuple[Tuple[int, ...], Tuple[int, ...], Tuple[int, ...]]:
    """Return the (min, opt, max) input shapes of the optimisation profile."""
    if max_batch < 1:
        raise ValueError('max_batch must be >= 1')
    return (1, 3, height, width), (max_batch, 3, height, width), (max_batch, 3, height, width)


@dataclass(frozen=True)
class TensorInfo:
    """One I/O tensor as the engine describes it (-1 marks a dynamic dimension)."""

    name: str
    is_input: bool
    shape: Tuple[int, ...]
    itemsize: int


@dataclass(frozen=True)
class IOPlan:
    """The engine's input and output and the buffer sizes needed for the largest batch."""

    input_name: str
    output_name: str
    height: int
    width: int
    max_batch: int

    @property
    def input_bytes(self) -> int:
        """Return the byte size of the largest input batch (float32)."""
        return self.max_batch * 3 * self.height * self.width * 4

    @property
    def output_bytes(self) -> int:
        """Return the byte size of the largest output batch (float32)."""
        return self.max_batch * self.height * self.width * 4


def plan_io(tensors: Sequence[TensorInfo], max_batch: int) -> IOPlan:
    """Check that an engine is an MSI-Net engine and plan its buffers."""
    inputs = [t for t in tensors if t.is_input]
    outputs = [t for t in tensors if not t.is_input]
    if len(inputs) != 1 or len(outputs) != 1:
        raise EngineMismatchError(f'expected one input and one output, the engine has '
                                  f'{len(inputs)} and {len(outputs)}')
    (inp,), (out,) = inputs, outputs
    if len(inp.shape) != 4 or inp.shape[1] != 3 or min(inp.shape[2:]) < 1:
        raise EngineMismatchError(f'engine input {inp.name} has shape {inp.shape}; expected '
                                  '[B, 3, H, W] with a fixed H and W')
    if len(out.shape) != 4 or out.shape[1] != 1 or tuple(out.shape[2:]) != tuple(inp.shape[2:]):
        raise EngineMismatchError(f'engine output {out.name} has shape {out.shape}; expected '
                                  f'[B, 1, {inp.shape[2]}, {inp.shape[3]}]')
    if inp.itemsize != 4 or out.itemsize != 4:
        raise EngineMismatchError('engine input and output must be float32')
    if inp.shape[0] > 0 and inp.shape[0] < max_batch:
        raise EngineMismatchError(f'engine has a fixed batch of {inp.shape[0]}, fewer than the '
                                  f'{max_batch} requested')
    return IOPlan(inp.name, out.name, inp.shape[2], inp.shape[3], max_batch)
