"""
TensorRT planning that needs no GPU: capabilities, precision recipes, keys, profiles, I/O checks.

Everything that depends on the TensorRT version is decided here from :class:`Capabilities`,
which :mod:`.bindings` reads from the imported module by what it offers (``hasattr``), never
from the version number alone.
"""

from dataclasses import dataclass
import hashlib
from typing import Optional, Sequence, Tuple

from ...errors import ModelFormatError, ParameterError
from ...model.onnx_export import PRECISIONS

# Bumped whenever the build recipe changes (flags, constraints), so that engines built by an
# older recipe are never served for a newer one.
RECIPE_VERSION = 2


class EngineMismatchError(ModelFormatError):
    """An engine does not fit this model, this TensorRT or this GPU."""


@dataclass(frozen=True)
class Capabilities:
    """What the imported TensorRT bindings offer (read with ``hasattr``)."""

    version: str
    strongly_typed: bool  # NetworkDefinitionCreationFlag.STRONGLY_TYPED (9.1 on)
    fp16_flag: bool  # BuilderFlag.FP16 (up to 10.x; gone in 11)
    tf32_flag: bool  # BuilderFlag.TF32 (on by default where it exists)
    explicit_batch_flag: bool  # NetworkDefinitionCreationFlag.EXPLICIT_BATCH, needed before 10
    progress_monitor: bool  # IProgressMonitor and IBuilderConfig.progress_monitor (9.1 on)
    int8_flag: bool = False  # BuilderFlag.INT8 (up to 10.x; gone in 11)


@dataclass(frozen=True)
class PrecisionRecipe:
    """How an engine gets its precision; ``label`` names it in engine files and diagnostics."""

    label: str  # one of RECIPES' keys: 'fp32', 'fp16-flag', 'fp16-typed', 'int8', ...
    fp16_flag: bool  # BuilderFlag.FP16 with the fp32 layers pinned (OBEY_PRECISION_CONSTRAINTS)
    strongly_typed: bool  # the ONNX's own types (casts, Q/DQ) decide
    int8_flag: bool = False  # BuilderFlag.INT8: the ONNX's Q/DQ pairs run in int8

    def describe(self) -> str:
        """Return what the engine really computes in, for humans."""
        return DESCRIPTIONS[self.label]


FP32 = PrecisionRecipe('fp32', False, False)
FP16_FLAG = PrecisionRecipe('fp16-flag', True, False)
FP16_TYPED = PrecisionRecipe('fp16-typed', False, True)
INT8_FLAG = PrecisionRecipe('int8', False, False, int8_flag=True)
INT8_FP16_FLAG = PrecisionRecipe('int8-fp16', True, False, int8_flag=True)
INT8_TYPED = PrecisionRecipe('int8-typed', False, True)
PINNED = 'global pool and normalisation pinned to fp32'
DESCRIPTIONS = {
    'fp32': 'fp32 (TF32 off)',
    'fp16-flag': f'fp16 by builder flag; {PINNED}',
    'fp16-typed': 'fp16 strongly typed from an fp16 ONNX; global pool and normalisation in '
                  'fp32',
    'int8': 'int8 where the QDQ ONNX quantizes (INT8 flag), the rest fp32 (TF32 off)',
    'int8-fp16': f'int8 where the QDQ ONNX quantizes (INT8 flag), the rest fp16; {PINNED}',
    'int8-typed': 'int8 where the QDQ ONNX quantizes, strongly typed; the rest fp32 (TF32 off)',
}


def precision_recipe(caps: Capabilities, precision: str, onnx_precision: str
                     ) -> PrecisionRecipe:
    """
    Return how to build the requested precision from an ONNX of ``onnx_precision``.

    An fp16 ONNX is built strongly typed where the bindings can (9.1 on), else as a normal
    network with the FP16 flag (8.6). fp16 from an fp32 ONNX needs the FP16 builder flag (8.6,
    10.x); TensorRT 11 has none and builds fp16 only from an fp16 ONNX.

    An int8 (QDQ) ONNX is built with ``BuilderFlag.INT8`` where it exists (8.6, 10.x: explicit
    quantization of a weakly typed network), adding the FP16 flag, with the fp32 layers pinned,
    for ``precision`` fp16; TensorRT 11 has no INT8 flag and builds it strongly typed, the
    unquantized layers in the ONNX's fp32 (so fp16 is refused there).
    """
    if precision not in ('fp32', 'fp16'):
        raise ParameterError(f'unknown precision {precision!r}: choose fp32 or fp16')
    if onnx_precision not in PRECISIONS:
        raise ModelFormatError(f'unknown ONNX precision {onnx_precision!r}')
    if onnx_precision == 'int8':
        return _int8_recipe(caps, precision)
    if onnx_precision == 'fp16':
        if caps.strongly_typed:
            return FP16_TYPED
        if caps.fp16_flag:
            return FP16_FLAG
        raise EngineMismatchError(f'TensorRT {caps.version} can build this fp16 ONNX neither '
                                  'strongly typed nor with the FP16 flag')
    if precision == 'fp32':
        return FP32
    if caps.fp16_flag:
        return FP16_FLAG
    raise ParameterError(f'TensorRT {caps.version} builds fp16 only from an fp16 ONNX: export '
                         'one with `msinet export --fp16` (given a weights file, the predictor '
                         'exports it itself)')


def _int8_recipe(caps: Capabilities, precision: str) -> PrecisionRecipe:
    if caps.int8_flag:
        if precision == 'fp32':
            return INT8_FLAG
        if caps.fp16_flag:
            return INT8_FP16_FLAG
        raise ParameterError(f'TensorRT {caps.version} has no FP16 builder flag: build this '
                             'INT8 ONNX with precision fp32')
    if caps.strongly_typed:
        if precision == 'fp32':
            return INT8_TYPED
        raise ParameterError(f'TensorRT {caps.version} builds an INT8 ONNX strongly typed: '
                             'what it does not quantize runs in fp32, so use precision fp32 '
                             'with it (fp16 there would need an fp16 QDQ ONNX)')
    raise EngineMismatchError(f'TensorRT {caps.version} offers neither BuilderFlag.INT8 nor '
                              'strongly typed networks: it cannot build an INT8 QDQ ONNX')


def export_precision(caps: Capabilities, precision: str) -> str:
    """Return the precision of the ONNX to export from weights for this TensorRT."""
    return 'fp16' if precision == 'fp16' and not caps.fp16_flag else 'fp32'


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
    precision: str  # a PrecisionRecipe label
    workspace_mib: int
    tensorrt_version: str
    gpu: GpuInfo
    device_index: int = 0
    recipe_version: int = RECIPE_VERSION

    def filename(self) -> str:
        """Return a readable, collision-safe file name for the cache directory."""
        options = hashlib.sha256(repr(self).encode()).hexdigest()[:12]
        return (f'msinet-{self.onnx_sha256[:12]}-{self.height}x{self.width}-b{self.max_batch}-'
                f'{self.precision}-trt{self.tensorrt_version}-{gpu_tag(self.gpu)}-'
                f'{options}.engine')

    def timing_cache_name(self) -> str:
        """Return the timing cache's file name: one per TensorRT version and GPU."""
        return timing_cache_name(self.tensorrt_version, self.gpu)


def gpu_tag(gpu: GpuInfo) -> str:
    """Return ``sm87-16mp``: compute capability and multiprocessor count."""
    major, minor = gpu.compute_capability
    return f'sm{major}{minor}-{gpu.multiprocessors}mp'


def timing_cache_name(tensorrt_version: str, gpu: GpuInfo) -> str:
    """Return the file name of the timing cache for a TensorRT version and GPU."""
    return f'msinet-timing-trt{tensorrt_version}-{gpu_tag(gpu)}.cache'


def profile_shapes(height: int, width: int, max_batch: int, fixed_batch: Optional[int] = None
                   ) -> Tuple[Tuple[int, ...], Tuple[int, ...], Tuple[int, ...]]:
    """
    Return the (min, opt, max) input shapes of the optimisation profile.

    A dynamic batch gets 1 … ``max_batch``; a fixed batch (a static ONNX) allows no range, so it
    must equal ``max_batch`` (min = opt = max on a fixed dimension).
    """
    if max_batch < 1:
        raise ParameterError('max_batch must be >= 1')
    if fixed_batch is not None:
        if fixed_batch != max_batch:
            raise ParameterError(
                f'the ONNX has a fixed batch of {fixed_batch}, so max_batch must be '
                f'{fixed_batch} (got {max_batch}); export it with `msinet export --batch '
                'dynamic` for a range of batch sizes')
        shape = (fixed_batch, 3, height, width)
        return shape, shape, shape
    return (1, 3, height, width), (max_batch, 3, height, width), (max_batch, 3, height, width)


@dataclass(frozen=True)
class TensorInfo:
    """One I/O tensor as the engine describes it (-1 marks a dynamic dimension)."""

    name: str
    is_input: bool
    shape: Tuple[int, ...]
    dtype: str  # TensorRT DataType name, e.g. 'FLOAT', 'HALF', 'BF16'


@dataclass(frozen=True)
class IOPlan:
    """The engine's input and output, its size and the batch it runs."""

    input_name: str
    output_name: str
    height: int
    width: int
    max_batch: int
    fixed_batch: Optional[int]  # rows the engine always runs (padded), None if dynamic


def plan_io(tensors: Sequence[TensorInfo], max_batch: int) -> IOPlan:
    """Check that an engine is an MSI-Net engine this predictor can drive; plan its batch."""
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
    for tensor in (inp, out):
        if tensor.dtype != 'FLOAT':
            raise EngineMismatchError(f'engine tensor {tensor.name} is {tensor.dtype}; this '
                                      'package feeds and reads float32 only (build the engine '
                                      'from an ONNX made by `msinet export`)')
    fixed = inp.shape[0] if inp.shape[0] > 0 else None
    if fixed is not None and fixed != max_batch:
        raise EngineMismatchError(f'engine has a fixed batch of {fixed}; run it with max_batch '
                                  f'{fixed} (got {max_batch}) or build one with a dynamic batch')
    return IOPlan(inp.name, out.name, inp.shape[2], inp.shape[3], max_batch, fixed)
