"""
Build MSI-Net as an ONNX graph (opset 17) directly from :data:`architecture.OPS`.

Built with the onnx package's own helpers, so every op has exactly the intended semantics:
TF1 ``resize_bilinear`` becomes ``Resize`` with ``coordinate_transformation_mode='asymmetric'``,
the stride-1 ``same`` max pools a single ``MaxPool`` with pads ``[0, 0, 1, 1]``, and no shape
computation is left in the graph (sizes are fixed at export, the batch may stay dynamic).

Input ``image``: float32 ``[B, 3, H, W]``, RGB 0..255. Output ``saliency``: float32
``[B, 1, H, W]`` in 0..1. The FP16 variant keeps fp32 inputs and outputs, runs the
convolutions in fp16 and keeps the reductions (global average pool, min-max normalisation,
whose 1e-7 is subnormal in fp16) in fp32.
"""

from dataclasses import dataclass
import hashlib
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple, Union

import numpy as np

from .architecture import (check_input_size, feature_sizes, IMAGENET_MEAN, NORMALIZE_EPS, OPS,
                           parameter_count)
from .trust import check_external_data
from .weights import validate
from .. import __version__
from ..errors import ModelFormatError, require
from ..files import atomic_path

OPSET = 17
INPUT_NAME = 'image'
OUTPUT_NAME = 'saliency'
# Names (prefixes) of the nodes whose arithmetic must stay in fp32 in any fp16 build: the global
# average pool (a sum over the whole feature map) and the min-max normalisation (1e-7 is
# subnormal in fp16). The fp16 export casts around them; TensorRT's builder-flag path pins them.
FP32_NODES: Tuple[str, ...] = tuple(op.name for op in OPS
                                    if op.kind in ('global_mean', 'normalize')) + (OUTPUT_NAME,)


def weights_digest(weights: Mapping[str, np.ndarray]) -> str:
    """Return a SHA-256 over the tensors' names and float32 bytes (independent of file format)."""
    digest = hashlib.sha256()
    for name in sorted(weights):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(weights[name], dtype=np.float32).tobytes())
    return digest.hexdigest()


def build(weights: Mapping[str, np.ndarray], height: int, width: int,
          batch: Optional[int] = 1, fp16: bool = False,
          metadata: Optional[Mapping[str, str]] = None):
    """
    Return the ``onnx.ModelProto`` of MSI-Net for one input size.

    ``batch`` is a fixed batch size, or ``None`` for a dynamic batch dimension. ``metadata``
    (e.g. the weights file's) is recorded in the model's metadata properties together with the
    export settings.
    """
    onnx = require('onnx', 'install it with `pip install onnx`')
    from onnx import helper, numpy_helper, TensorProto

    check_input_size(height, width)
    weights = validate(weights)
    sizes = feature_sizes(height, width)
    conv_type = np.float16 if fp16 else np.float32
    nodes: List = []
    inits: List = []
    names: Dict[str, str] = {}  # op name -> ONNX tensor holding its output

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(value, name))
        return name

    def node(op_type: str, inputs: List[str], output: str, **attrs) -> str:
        nodes.append(helper.make_node(op_type, inputs, [output], name=output, **attrs))
        return output

    def cast(src: str, to_fp16: bool, name: str) -> str:
        return node('Cast', [src], name, to=TensorProto.FLOAT16 if to_fp16 else TensorProto.FLOAT)

    for op in OPS:
        src = [names[i] for i in op.inputs]
        if op.kind == 'input':
            out = INPUT_NAME
        elif op.kind == 'subtract_mean':
            mean = const('imagenet_mean', np.array(IMAGENET_MEAN, np.float32).reshape(1, 3, 1, 1))
            out = node('Sub', [src[0], mean], op.name)
            if fp16:
                out = cast(out, True, f'{op.name}/fp16')
        elif op.kind == 'conv':
            pad = op.dilation * (op.kernel - 1) // 2
            kernel = weights[f'{op.name}/kernel'].transpose(3, 2, 0, 1)  # HWIO -> OIHW
            out = node('Conv', [src[0], const(f'{op.name}/kernel', kernel.astype(conv_type)),
                                const(f'{op.name}/bias',
                                      weights[f'{op.name}/bias'].astype(conv_type))],
                       f'{op.name}/conv' if op.relu else op.name,
                       kernel_shape=[op.kernel, op.kernel], dilations=[op.dilation] * 2,
                       pads=[pad] * 4, strides=[1, 1])
            if op.relu:
                out = node('Relu', [out], op.name)
        elif op.kind == 'pool':
            pads = [0, 0, 0, 0] if op.stride == 2 else [0, 0, 1, 1]  # TF 'same': bottom/right
            out = node('MaxPool', src, op.name, kernel_shape=[2, 2],
                       strides=[op.stride] * 2, pads=pads)
        elif op.kind == 'concat':
            out = node('Concat', src, op.name, axis=1)
        elif op.kind == 'global_mean':
            pooled_in = cast(src[0], False, f'{op.name}/fp32') if fp16 else src[0]
            out = node('GlobalAveragePool', [pooled_in], op.name)
            if fp16:
                out = cast(out, True, f'{op.name}/fp16')
        elif op.kind == 'broadcast':
            h, w = sizes[op.name]
            shape = const(f'{op.name}/shape', np.array([1, 1, h, w], np.int64))
            out = node('Expand', [src[0], shape], op.name)
        elif op.kind == 'upsample':
            scales = const(f'{op.name}/scales', np.array([1, 1, 2, 2], np.float32))
            out = node('Resize', [src[0], '', scales], op.name, mode='linear',
                       coordinate_transformation_mode='asymmetric')
        elif op.kind == 'normalize':
            x = cast(src[0], False, f'{op.name}/fp32') if fp16 else src[0]
            low = node('ReduceMin', [x], f'{op.name}/min', axes=[1, 2, 3], keepdims=1)
            shifted = node('Sub', [x, low], f'{op.name}/shifted')
            high = node('ReduceMax', [shifted], f'{op.name}/max', axes=[1, 2, 3], keepdims=1)
            eps = const(f'{op.name}/eps', np.array(NORMALIZE_EPS, np.float32))
            denom = node('Add', [high, eps], f'{op.name}/denominator')
            out = node('Div', [shifted, denom], OUTPUT_NAME)
        else:  # pragma: no cover - the architecture only uses the kinds above
            raise ValueError(f'unknown op kind {op.kind}')
        names[op.name] = out

    batch_dim = batch if batch is not None else 'batch'
    graph = helper.make_graph(
        nodes, 'msinet',
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT,
                                       [batch_dim, 3, height, width])],
        [helper.make_tensor_value_info(OUTPUT_NAME, TensorProto.FLOAT,
                                       [batch_dim, 1, height, width])],
        inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET)],
                              producer_name='msinet_ros', producer_version=__version__)
    model.ir_version = 8  # readable by TensorRT 8.6 (JetPack 6.0) and onnxruntime >= 1.14
    props = {
        **(metadata or {}),
        'architecture': f'MSI-Net ({parameter_count()} parameters)',
        'weights_sha256': weights_digest(weights),
        'export_input_size': f'{height}x{width}',
        'export_batch': 'dynamic' if batch is None else str(batch),
        'export_precision': 'fp16' if fp16 else 'fp32',
        'msinet_ros_version': __version__,
    }
    helper.set_model_props(model, {k: str(v) for k, v in props.items()})
    onnx.checker.check_model(model, full_check=True)
    return model


def save(model, path: Path) -> None:
    """Write an ONNX model atomically."""
    onnx = require('onnx', 'install it with `pip install onnx`')
    with atomic_path(Path(path)) as tmp:
        onnx.save_model(model, str(tmp))


# what ``export_precision`` says of an msinet ONNX: fp32 and fp16 from `msinet export`, int8
# (QDQ) from `msinet quantize`
PRECISIONS = ('fp32', 'fp16', 'int8')


@dataclass(frozen=True)
class OnnxInfo:
    """What the rest of the package needs to know of an ONNX file without running it."""

    metadata: Dict[str, str]
    input_shape: Tuple[Union[int, str], ...]  # a str names a dynamic dimension
    precision: str  # of its convolutions: one of PRECISIONS

    @property
    def fp16(self) -> bool:
        """Say whether its convolutions run in half precision: an fp16 export."""
        return self.precision == 'fp16'

    @property
    def fixed_batch(self) -> Optional[int]:
        """Return the input's fixed batch size, or None when the batch is dynamic."""
        batch = self.input_shape[0] if self.input_shape else None
        return batch if isinstance(batch, int) and batch > 0 else None

    @property
    def size(self) -> Optional[Tuple[int, int]]:
        """Return the fixed (height, width) of the input, or None if not fixed."""
        dims = self.input_shape[2:]
        if len(dims) == 2 and all(isinstance(d, int) and d > 0 for d in dims):
            return int(dims[0]), int(dims[1])
        return None


def describe(path: Path) -> OnnxInfo:
    """
    Read an ONNX file's metadata, input shape and precision (external data is not read).

    A file whose external data lies outside its folder is refused (:mod:`.trust`).
    """
    onnx = require('onnx', 'install it with `pip install onnx`')
    from onnx import TensorProto

    try:
        model = onnx.load_model(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises several types for a broken file
        raise ModelFormatError(f'{path} is not a readable ONNX file ({type(exc).__name__}: '
                               f'{exc}): export one with `msinet export`') from exc
    check_external_data(path, model)  # for whatever reads it next (ONNX Runtime, TensorRT)
    inputs = [i for i in model.graph.input
              if i.name not in {init.name for init in model.graph.initializer}]
    if len(inputs) != 1 or len(model.graph.output) != 1:
        raise ModelFormatError(f'{path} has {len(inputs)} inputs and {len(model.graph.output)} '
                               'outputs; an MSI-Net ONNX has one of each')
    problem = io_problem(inputs[0], model.graph.output[0])
    if problem:
        raise ModelFormatError(f'{path} is not an MSI-Net ONNX ({problem}): export one with '
                               '`msinet export`')
    dims = inputs[0].type.tensor_type.shape.dim
    shape = tuple(d.dim_value if d.HasField('dim_value') else (d.dim_param or '?')
                  for d in dims)
    metadata = {prop.key: prop.value for prop in model.metadata_props}
    precision = metadata.get('export_precision')
    if precision not in PRECISIONS:  # not written by msinet: judged by its contents
        precision = 'int8' if any(n.op_type in ('QuantizeLinear', 'DequantizeLinear')
                                  for n in model.graph.node) else \
            'fp16' if any(init.data_type == TensorProto.FLOAT16
                          for init in model.graph.initializer) else 'fp32'
    return OnnxInfo(metadata, shape, precision)


def io_problem(model_input, model_output) -> Optional[str]:
    """
    Return why an ONNX input/output pair (``ValueInfoProto``) is not MSI-Net's, or None.

    MSI-Net takes ``[B, 3, H, W]`` and returns ``[B, 1, H, W]`` (same H and W).
    """
    def dims(value) -> List[Union[int, str]]:
        return [d.dim_value if d.HasField('dim_value') else (d.dim_param or '?')
                for d in value.type.tensor_type.shape.dim]

    shape_in, shape_out = dims(model_input), dims(model_output)
    if len(shape_in) != 4 or shape_in[1] != 3:
        return f'input {model_input.name} has shape {shape_in}, not [B, 3, H, W]'
    if len(shape_out) != 4 or shape_out[1] != 1 or shape_out[2:] != shape_in[2:]:
        return (f'output {model_output.name} has shape {shape_out}, not [B, 1, '
                f'{shape_in[2]}, {shape_in[3]}]')
    return None


QDQ_OPS = ('QuantizeLinear', 'DequantizeLinear')
TENSORRT_QUANTIZE_HELP = ('TensorRT runs only symmetric int8 (every zero point an int8 0): '
                          'quantize the fp32 model for it with `msinet quantize MODEL '
                          '--calibration IMAGES --target tensorrt`')


def asymmetric_quantizers(model) -> List[str]:
    """
    Return the Q/DQ nodes of an ``onnx.ModelProto`` that TensorRT refuses, with the reason.

    TensorRT's ONNX parser takes only int8 zero points that are all 0 (symmetric
    quantization): a uint8 zero point (ONNX Runtime's default for activations) or a non-zero
    one is refused, and so is one that is not a constant. A node without a zero point is fine.
    """
    from onnx import numpy_helper, TensorProto

    constants = {init.name: init for init in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == 'Constant':
            for attr in node.attribute:
                if attr.name == 'value':
                    constants[node.output[0]] = attr.t
    found = []  # (0: an asymmetric activation, what to fix first; 1: anything else, text)
    for node in model.graph.node:
        if node.op_type not in QDQ_OPS or len(node.input) < 3 or not node.input[2]:
            continue
        name, tensor = node.name or node.output[0], constants.get(node.input[2])
        if tensor is None:
            found.append((1, f'{name} (zero point not a constant)'))
        elif tensor.data_type != TensorProto.INT8:
            kind = TensorProto.DataType.Name(tensor.data_type).lower()
            found.append((int(kind != 'uint8'), f'{name} ({kind} zero point)'))
        else:
            try:
                values = numpy_helper.to_array(tensor).ravel()
            except Exception:  # noqa: B902 - e.g. stored as external data, not loaded here
                found.append((1, f'{name} (zero point unreadable)'))
                continue
            if values.any():
                found.append((0, f'{name} (zero point {values[values != 0][0]})'))
    return [text for _, text in sorted(found, key=lambda item: item[0])]


def check_symmetric_int8(path: Path) -> None:
    """Raise ModelFormatError, saying how to make one, if TensorRT cannot run this QDQ ONNX."""
    onnx = require('onnx', 'install it with `pip install onnx`')
    try:
        model = onnx.load_model(str(path), load_external_data=False)
    except Exception as exc:  # protobuf raises several types for a broken file
        raise ModelFormatError(f'{path} is not a readable ONNX file ({type(exc).__name__}: '
                               f'{exc})') from exc
    found = asymmetric_quantizers(model)
    if found:
        raise ModelFormatError(f'{path} is not quantized symmetrically: {len(found)} Q/DQ '
                               f'node(s), e.g. {found[0]}; {TENSORRT_QUANTIZE_HELP}')


def read_metadata(path: Path) -> Dict[str, str]:
    """Return the metadata properties of an ONNX file (without loading external data)."""
    return describe(path).metadata
