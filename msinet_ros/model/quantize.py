"""
Static INT8 quantization of MSI-Net to a QDQ ONNX, calibrated on the user's own images.

ONNX Runtime's ``quantize_static`` (QDQ format, MinMax calibration) measures the range of
every tensor while the fp32 model runs on the calibration images, prepared by the predictor's
own letterbox (:func:`msinet_ros.inference.preprocess.preprocess`), so the ranges are those
of the inputs the model will see. Weights are int8, symmetric, one scale per output channel.
Two targets:

* ``onnxruntime`` (CPU): ONNX Runtime's defaults except the activation type: uint8
  activations, asymmetric (a zero point per tensor), as ONNX Runtime recommends for x86 (with
  its default int8 activations, onnxruntime 1.32 on x86 leaves six convolutions, two pools
  and a concatenation in float); int32 biases; Q/DQ on the inputs and outputs of every op type
  ONNX Runtime quantizes (convolutions, pools, concatenations, resizes, the global average
  pool); a ReLU is folded into the asymmetric range of the convolution before it.
* ``tensorrt``: what TensorRT's explicit quantization accepts: int8 activations symmetric
  (every zero point 0), float weights behind a QuantizeLinear → DequantizeLinear pair, float
  biases, and Q/DQ only on the inputs of the convolutions, one pair per consumer (TensorRT
  moves them through pools and concatenations and fuses them into its int8 kernels). ONNX
  Runtime runs this file too, but computes its convolutions in float.

What stays float (:data:`FLOAT_NODES`, in both targets):

* ``decoder/conv4``, the last convolution (32 → 1 channel, no ReLU): its output *is* the
  map before normalisation; quantized, it would keep at most 256 levels over the calibration
  images' range (far fewer within one image), which the normalisation then stretches into a
  staircase whose plateaus tie the maximum (the top fixation). It is 0.05 % of the
  multiply-adds; its input is quantized (the output of ``decoder/conv3``).
* the min-max normalisation at the end (``output/min``, ``output/shifted``, ``output/max``,
  ``output/denominator``, ``saliency``): it divides by the map's own range (plus 1e-7), which
  only floats represent.

The mean subtraction at the input (``preprocess``) and the broadcast of the ASPP context
(``aspp/context``) are not op types ONNX Runtime quantizes, so they stay float as well. The
global average pool (``aspp/mean``), kept in fp32 by the fp16 export because a sum over the
whole map loses precision in fp16, is quantized: int8 kernels sum in int32, and the
convolution after it quantizes its result anyway.
"""

from contextlib import contextmanager
from dataclasses import dataclass
import logging
from pathlib import Path
import tempfile
import time
from typing import Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from . import onnx_export, weights as weights_file
from .architecture import check_input_size, OPS
from .source import ENGINE, ModelSource, WEIGHTS
from .. import __version__
from ..errors import ImageError, ModelFormatError, ParameterError, require
from ..files import file_sha256
from ..imaging import IMAGE_SUFFIXES, read_rgb
from ..inference.preprocess import preprocess

Size = Tuple[int, int]
TARGETS = ('onnxruntime', 'tensorrt')
FINAL_CONV = next(op.name for op in OPS if op.kind == 'conv' and not op.relu)  # decoder/conv4
NORMALIZE = next(op.name for op in OPS if op.kind == 'normalize')  # output/… nodes
# Names (prefixes) of the nodes left in float; see the module's docstring for why.
FLOAT_NODES: Tuple[str, ...] = (FINAL_CONV, NORMALIZE, onnx_export.OUTPUT_NAME)
SCHEMES = {
    'onnxruntime': 'QDQ; int8 weights symmetric per channel; uint8 activations asymmetric '
                   "(ONNX Runtime's choice for x86); int32 biases; Q/DQ on every op ONNX "
                   'Runtime quantizes; MinMax calibration',
    'tensorrt': 'QDQ; int8 weights symmetric per channel (float weights with Q/DQ pairs); '
                'int8 activations symmetric (zero points 0); float biases; Q/DQ on convolution '
                'inputs only, one pair per consumer; MinMax calibration',
}


@dataclass(frozen=True)
class Quantized:
    """What :func:`quantize` wrote."""

    path: Path
    source: Path
    target: str
    size: Size
    images: int  # calibration images
    float_nodes: Tuple[str, ...]  # the nodes left in float
    seconds: float
    random: bool  # the weights are seeded random (meaningless maps)

    @property
    def scheme(self) -> str:
        """Return how the target quantizes, in words."""
        return SCHEMES[self.target]


def calibration_images(paths: Sequence[Path]) -> List[Path]:
    """
    Return the image files among ``paths`` (folders expanded, in name order).

    Raises ImageError if there are none, or if one does not exist or cannot be decoded (each
    is decoded once here, so that a bad file stops the tool before calibration, not during).
    """
    files: List[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif not path.is_file():
            raise ImageError(f'calibration image {str(path)!r} does not exist')
        else:
            files.append(path)
    if not files:
        where = ', '.join(map(str, paths)) or 'nothing'
        raise ImageError(f'no calibration images in {where}: give image files or folders '
                         f'({"/".join(IMAGE_SUFFIXES)}) with --calibration')
    for path in files:
        try:
            read_rgb(path)
        except ImageError:
            raise ImageError(f'calibration image {str(path)!r} is not a readable image') \
                from None
    return files


class CalibrationReader:
    """
    Feed ONNX Runtime's calibrator the letterboxed images, one batch at a time.

    Each image goes through the predictor's preprocessing at the model's size; a fixed batch
    larger than 1 is filled by cycling through the images. The calibrator is handed one batch
    per :meth:`set_range` (its ``CalibStridedMinMax`` mode), so that only one batch's
    intermediate tensors are held at a time. ``progress(done, total)`` is called after each
    batch is handed over.
    """

    def __init__(self, images: Sequence[Path], size: Size, input_name: str, batch: int = 1,
                 progress: Optional[Callable[[int, int], None]] = None):
        self._images, self._size, self._name = list(images), size, input_name
        self._batch = max(1, batch)
        self._progress = progress
        self._next, self._end = 0, len(self)

    def __len__(self) -> int:
        """Return the number of batches."""
        return -(-len(self._images) // self._batch)

    def set_range(self, start_index: int, end_index: int) -> None:
        """Feed batches ``start_index`` up to (excluding) ``end_index`` next."""
        self._next, self._end = start_index, min(end_index, len(self))

    def get_next(self) -> Optional[Dict[str, np.ndarray]]:
        """Return the next ``{input: batch}``, or None at the end of the range."""
        if self._next >= self._end:
            return None
        first = self._next * self._batch
        rows = [self._images[(first + i) % len(self._images)] for i in range(self._batch)]
        batch = np.concatenate([preprocess(read_rgb(path), self._size)[0] for path in rows])
        self._next += 1
        if self._progress is not None:
            self._progress(min(first + self._batch, len(self._images)), len(self._images))
        return {self._name: batch}


def _fp32_onnx(source: ModelSource, size: Optional[Size], folder: Path) -> Tuple[Path, Size]:
    """Return the fixed-size fp32 ONNX to quantize (exporting a weights file) and its size."""
    if source.kind == ENGINE:
        raise ModelFormatError(f'{source.path} is a TensorRT engine; quantize the fp32 ONNX '
                               '(`msinet export`) or the weights file it came from')
    if source.kind == WEIGHTS:
        if size is None:
            raise ParameterError(f'{source.path} is a weights file: give the input size to '
                                 'quantize it at with --size HxW (e.g. 240x320)')
        check_input_size(*size)
        tensors, metadata = weights_file.load(source.path)
        model = onnx_export.build(tensors, *size, batch=None, metadata={
            **metadata, 'weights_file_sha256': file_sha256(source.path)})
        path = folder / 'fp32.onnx'
        onnx_export.save(model, path)
        return path, size
    fixed = source.fixed_size
    if fixed is None:
        raise ModelFormatError(f'{source.path} has no fixed input size; INT8 ranges are '
                               'calibrated for one size: export one with `msinet export --size '
                               'HxW`, or give the weights file and --size')
    if size is not None and tuple(size) != fixed:
        raise ParameterError(f'{source.path} was exported for {fixed[0]}x{fixed[1]}, not '
                             f'{size[0]}x{size[1]}: leave --size out or export that size')
    if source.metadata.get('export_precision') == 'int8':
        raise ModelFormatError(f'{source.path} is already quantized; quantize the fp32 ONNX')
    if source.onnx is not None and source.onnx.fp16:
        raise ModelFormatError(f'{source.path} is an fp16 export; quantize the fp32 one '
                               '(`msinet export` without --fp16)')
    return source.path, fixed


def _float_node_names(model, path: Path) -> List[str]:
    """Return the graph's nodes to keep in float; refuse a graph that is not MSI-Net's."""
    graph = model.graph
    names = [node.name for node in graph.node if node.name.startswith(FLOAT_NODES)]
    ops = {node.op_type for node in graph.node}
    missing = [prefix for prefix in FLOAT_NODES if not any(n.startswith(prefix) for n in names)]
    io = ([i.name for i in graph.input], [o.name for o in graph.output])
    if missing or io != ([onnx_export.INPUT_NAME], [onnx_export.OUTPUT_NAME]):
        raise ModelFormatError(f'{path} is not an MSI-Net ONNX from `msinet export` (inputs '
                               f'{io[0]}, outputs {io[1]}; no node {", ".join(missing) or "-"}): '
                               'export one with `msinet export --size HxW`')
    if ops & {'QuantizeLinear', 'DequantizeLinear', 'QLinearConv'}:
        raise ModelFormatError(f'{path} is already quantized; quantize the fp32 ONNX')
    return names


def _options(target: str, float_nodes: List[str]) -> Dict:
    """Return quantize_static's keyword arguments for a target."""
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType

    common = {'quant_format': QuantFormat.QDQ, 'per_channel': True, 'reduce_range': False,
              'activation_type': QuantType.QInt8, 'weight_type': QuantType.QInt8,
              'calibrate_method': CalibrationMethod.MinMax, 'nodes_to_exclude': float_nodes}
    # One batch's intermediate tensors at a time, ranges merged exactly (min of minima, max of
    # maxima). Not CalibMaxIntermediateOutputs: onnxruntime 1.20-1.32 drop what it collected.
    extra: Dict = {'CalibStridedMinMax': 1, 'WeightSymmetric': True}
    if target == 'onnxruntime':
        return {**common, 'activation_type': QuantType.QUInt8, 'extra_options': extra}
    return {**common, 'op_types_to_quantize': ['Conv'], 'extra_options': {
        **extra, 'ActivationSymmetric': True, 'QuantizeBias': False,
        'AddQDQPairToWeight': True, 'DedicatedQDQPair': True,
        'OpTypesToExcludeOutputQuantization': ['Conv']}}


@contextmanager
def _quiet_root_logger() -> Iterator[None]:
    """Hide the quantizer's advice logged on the root logger (e.g. "run pre-processing")."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        yield
    finally:
        root.setLevel(level)


def quantize(model: Path, images: Sequence[Path], output: Path, target: str = 'onnxruntime',
             size: Optional[Size] = None,
             progress: Optional[Callable[[int, int], None]] = None) -> Quantized:
    """
    Quantize an fp32 MSI-Net ONNX (or a weights file at ``size``) to an INT8 QDQ ONNX.

    ``images`` are image files or folders (see :func:`calibration_images`). The result is
    written atomically to ``output`` with the source's metadata and the quantization's
    (``export_precision`` ``int8``, ``quantization_*``). Raises an
    :class:`~msinet_ros.errors.MsinetError` subclass for anything the user can fix.
    """
    onnx = require('onnx', 'install it with `pip install onnx`')
    ort = require('onnxruntime', 'install it with `pip install onnxruntime`')
    quantization = require('onnxruntime.quantization',
                           'it comes with onnxruntime (some versions import sympy for it: '
                           '`pip install sympy`)')
    if target not in TARGETS:
        raise ParameterError(f'unknown quantization target {target!r}: choose '
                             f'{" or ".join(TARGETS)}')
    output, start = Path(output), time.monotonic()
    if output.suffix.lower() != '.onnx':
        raise ParameterError(f'{output} must end in .onnx (the model kind is read from it)')
    source = ModelSource.of(model)
    if output.resolve() == source.path.resolve():
        raise ParameterError(f'{output} is the model being quantized; write to another file')
    files = calibration_images(images)
    with tempfile.TemporaryDirectory(prefix='msinet-quantize-') as tmp:
        fp32_path, fixed = _fp32_onnx(source, size, Path(tmp))
        fp32 = onnx.load_model(str(fp32_path))
        float_nodes = _float_node_names(fp32, source.path)
        batch = fp32.graph.input[0].type.tensor_type.shape.dim[0].dim_value  # 0: dynamic
        reader = CalibrationReader(files, fixed, onnx_export.INPUT_NAME, batch or 1, progress)
        quantized_path = Path(tmp) / 'int8.onnx'
        with _quiet_root_logger():
            quantization.quantize_static(str(fp32_path), str(quantized_path), reader,
                                         **_options(target, float_nodes))
        quantized = onnx.load_model(str(quantized_path))
    metadata = {prop.key: prop.value for prop in fp32.metadata_props}
    metadata.update({
        'export_precision': 'int8',
        'quantization_target': target,
        'quantization_scheme': SCHEMES[target],
        'quantization_source': f'{source.path.name} (sha256 {file_sha256(source.path)})',
        'quantization_calibration_images': str(len(files)),
        'quantization_float_nodes': ','.join(float_nodes),
        'quantization_tools': f'msinet_ros {__version__}, onnxruntime {ort.__version__}',
    })
    del quantized.metadata_props[:]
    onnx.helper.set_model_props(quantized, metadata)
    onnx.checker.check_model(quantized)
    onnx_export.save(quantized, output)
    return Quantized(output, source.path, target, fixed, len(files), tuple(float_nodes),
                     time.monotonic() - start, weights_file.is_random(metadata))
