"""
A strict fake of the ``tensorrt`` Python bindings, per version, pruned by the wheel manifests.

Install it in a test::

    from support.fake_pycuda import install_pycuda
    from support.fake_tensorrt import make_tensorrt

    def test_something(monkeypatch):
        cuda = install_pycuda(monkeypatch)              # optional: device memory, contexts
        trt = make_tensorrt('10.3.0')
        monkeypatch.setitem(sys.modules, 'tensorrt', trt)

One superset implementation is cloned into a fresh module per call, then every public name
(module attribute, class member, enum member) that the version's manifest lacks is removed,
so code that uses an API its TensorRT version does not have fails here as it would there.

Behaviour follows the bindings' docstrings (quoted in comments below, from the manifests).
Hooks for tests, all attributes of the returned module:

* ``logger_mismatch_warnings`` (list of str): TensorRT keeps one logger per process
  (NVIDIA/TensorRT#1475); a Builder/Runtime given another logger object records the warning
  here (and logs it through the first logger, as the library does).
* ``log_records`` (list of (severity name, message)): everything logged through any logger.
* ``build_gate`` (threading.Event or None): when set to an Event, builds emit progress steps
  every ``build_step_seconds`` until the event is set (build finishes) or a progress monitor
  cancels (build returns None).  ``build_block_seconds`` (float): a build that simply blocks
  that long and cannot be cancelled (TensorRT 8.6 has no IProgressMonitor).
* ``fail_builds`` (bool): build_serialized_network returns None.
* ``fail_context_creation`` (bool): create_execution_context returns None (out of memory).
* ``builds`` (list of dict): the description of each engine built (``quantized``: it has Q/DQ
  layers; ``builder_flags``, ``strongly_typed``, ``layer_precisions``, ...).

Explicit quantization: QuantizeLinear/DequantizeLinear import as QUANTIZE/DEQUANTIZE layers;
the parser refuses a UINT8 or non-zero zero point as onnx-tensorrt does; a weakly typed network
with Q/DQ layers builds only with ``BuilderFlag.INT8`` (8.x guide), a strongly typed one only
without it.
* ``foreign_engine_bytes(...)``, ``describe_engine(bytes)``: module-level helpers.
"""

import json
import sys
import threading
import time
import types
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from support import manifests

ENGINE_MAGIC = b'FAKE-TRT-ENGINE\n'
CACHE_MAGIC = b'FAKE-TRT-TIMING-CACHE\n'
DEFAULT_GPU = {'name': 'Orin', 'compute_capability': [8, 7], 'multiprocessors': 16}
SEVERITIES = ('INTERNAL_ERROR', 'ERROR', 'WARNING', 'INFO', 'VERBOSE')
LOGGER_MISMATCH = (
    'The logger passed into {api} differs from one already provided for an existing builder, '
    'runtime, or refitter. Uses of the global logger, returned by nvinfer1::getLogger(), will '
    'return the existing value.')

# ONNX op type -> TensorRT LayerType name the ONNX parser creates for it.
ONNX_LAYER_TYPES = {
    'Conv': 'CONVOLUTION', 'ConvTranspose': 'DECONVOLUTION', 'Relu': 'ACTIVATION',
    'Sigmoid': 'ACTIVATION', 'Tanh': 'ACTIVATION', 'LeakyRelu': 'ACTIVATION',
    'Clip': 'ACTIVATION', 'MaxPool': 'POOLING', 'AveragePool': 'POOLING',
    'GlobalAveragePool': 'REDUCE', 'GlobalMaxPool': 'REDUCE', 'ReduceMin': 'REDUCE',
    'ReduceMax': 'REDUCE', 'ReduceMean': 'REDUCE', 'ReduceSum': 'REDUCE', 'Add': 'ELEMENTWISE',
    'Sub': 'ELEMENTWISE', 'Mul': 'ELEMENTWISE', 'Div': 'ELEMENTWISE', 'Pow': 'ELEMENTWISE',
    'Max': 'ELEMENTWISE', 'Min': 'ELEMENTWISE', 'Resize': 'RESIZE', 'Upsample': 'RESIZE',
    'Concat': 'CONCATENATION', 'Cast': 'CAST', 'Expand': 'SLICE', 'Slice': 'SLICE',
    'Reshape': 'SHUFFLE', 'Flatten': 'SHUFFLE', 'Transpose': 'SHUFFLE', 'Squeeze': 'SHUFFLE',
    'Unsqueeze': 'SHUFFLE', 'Constant': 'CONSTANT', 'Shape': 'SHAPE', 'Gather': 'GATHER',
    'MatMul': 'MATRIX_MULTIPLY', 'Gemm': 'MATRIX_MULTIPLY', 'Identity': 'IDENTITY',
    'Softmax': 'SOFTMAX', 'BatchNormalization': 'SCALE', 'Pad': 'SLICE', 'Exp': 'UNARY',
    'Sqrt': 'UNARY', 'Neg': 'UNARY', 'Abs': 'UNARY',
    'QuantizeLinear': 'QUANTIZE', 'DequantizeLinear': 'DEQUANTIZE',
}
# The ONNX parser's checks of a Q/DQ node's zero point (onnx/onnx-tensorrt, release/8.6-GA
# builtin_op_importers.cpp:1158-1221 and release/10.1-GA onnxOpImporters.cpp:1349-1494):
# a UINT8 QuantizeLinear zero point (or DequantizeLinear input) is an invalid type, and a
# non-zero one fails "TensorRT only supports symmetric quantization".
SYMMETRIC_ONLY = ('TensorRT only supports symmetric quantization. The zero point for the '
                  'QuantizeLinear/DequantizeLinear operator must be all zeros.')
# ONNX TensorProto element type -> TensorRT DataType name.
ONNX_DTYPES = {1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 6: 'INT32', 7: 'INT64', 9: 'BOOL', 10: 'HALF',
               16: 'BF16'}
NUMPY_DTYPES = {'FLOAT': np.float32, 'HALF': np.float16, 'INT8': np.int8, 'INT32': np.int32,
                'INT64': np.int64, 'BOOL': np.bool_, 'UINT8': np.uint8}
DTYPE_ALIASES = {'float32': 'FLOAT', 'float16': 'HALF', 'bfloat16': 'BF16', 'int8': 'INT8',
                 'int32': 'INT32', 'int64': 'INT64', 'bool': 'BOOL', 'uint8': 'UINT8',
                 'fp8': 'FP8', 'int4': 'INT4', 'fp4': 'FP4'}
REDUCED_PRECISION_FLAGS = ('FP16', 'BF16', 'INT8', 'FP8', 'INT4')


def version_tuple(version: str) -> Tuple[int, ...]:
    """Return the numeric parts of a dotted version string."""
    return tuple(int(p) for p in version.split('.') if p.isdigit())


def current_gpu() -> Dict[str, Any]:
    """Return the fake CUDA device the process sees (the fake pycuda's, else a default Orin)."""
    driver = sys.modules.get('pycuda.driver')
    state = getattr(driver, '_fake_state', None)
    return state.gpu() if state is not None else dict(DEFAULT_GPU)


def device_memory():
    """Return the fake pycuda state that holds device memory, or None."""
    return getattr(sys.modules.get('pycuda.driver'), '_fake_state', None)


# --- enums -------------------------------------------------------------------------------

def make_enum(name: str, members: Sequence[str]) -> type:
    """Return a pybind11-like enum type (members are class attributes; int() gives the value)."""

    class Enum:
        """A pybind11 enum."""

        __slots__ = ('_name', '_value')

        def __init__(self, value: int) -> None:
            """Look a member up by value."""
            member = self._by_value[int(value)]
            self._name, self._value = member._name, member._value

        @property
        def name(self) -> str:
            """Return the member's name."""
            return self._name

        @property
        def value(self) -> int:
            """Return the member's value."""
            return self._value

        def __int__(self) -> int:
            """Return the value."""
            return self._value

        __index__ = __int__

        def __eq__(self, other: object) -> bool:
            """Compare with a member of the same enum or an int."""
            if isinstance(other, type(self)):
                return self._value == other._value
            if isinstance(other, int):
                return self._value == other
            return NotImplemented

        def __hash__(self) -> int:
            """Hash like the value."""
            return hash(self._value)

        def __repr__(self) -> str:
            """Return '<Enum.MEMBER: value>'."""
            return f'<{type(self).__name__}.{self._name}: {self._value}>'

        def __str__(self) -> str:
            """Return 'Enum.MEMBER'."""
            return f'{type(self).__name__}.{self._name}'

    Enum.__name__ = Enum.__qualname__ = name
    Enum.__members__ = {}
    Enum._by_value = {}
    for value, member in enumerate(members):
        item = object.__new__(Enum)
        item._name, item._value = member, value
        setattr(Enum, member, item)
        Enum.__members__[member] = item
        Enum._by_value[value] = item
    return Enum


def enum_members(version: str, enum: str, superset: Iterable[str]) -> List[str]:
    """Return the members of an enum in a version: the manifest's list, else the flat names."""
    recorded = manifests.enum_members(version, enum)
    if recorded is not None:
        return list(recorded)
    allowed = manifests.names(version)
    return [m for m in superset if m in allowed]


# --- value types -------------------------------------------------------------------------

class Dims(tuple):
    """A TensorRT shape (``Dims``): a tuple of ints, -1 for a dynamic dimension."""

    def __new__(cls, shape: Iterable[int] = ()) -> 'Dims':
        """Build from any iterable of ints."""
        return tuple.__new__(cls, (int(d) for d in shape))


class IHostMemory(bytes):
    """Host memory returned by TensorRT: supports the buffer protocol (``bytes(x)`` works)."""

    _public = ('nbytes', 'dtype')

    def __getattribute__(self, name: str) -> Any:
        """Hide the bytes methods the real class does not have."""
        if not name.startswith('_') and name not in IHostMemory._public:
            raise AttributeError(f"'IHostMemory' object has no attribute '{name}'")
        return bytes.__getattribute__(self, name)

    @property
    def nbytes(self) -> int:
        """Return the size in bytes."""
        return len(self)

    @property
    def dtype(self) -> Any:
        """Return DataType.UINT8 (the module is looked up through the instance)."""
        return bytes.__getattribute__(self, '_dtype')


class ParserError:
    """An ONNX parser error (``str()`` gives the description)."""

    def __init__(self, code: Any, desc: str, node: int = -1) -> None:
        """Record the error."""
        self._code, self._desc, self._node = code, desc, node

    def code(self) -> Any:
        """Return the ErrorCode."""
        return self._code

    def desc(self) -> str:
        """Return the description."""
        return self._desc

    def node(self) -> int:
        """Return the failing node index, or -1."""
        return self._node

    def __str__(self) -> str:
        """Format like the bindings: 'In node N ... : desc'."""
        return f'In node {self._node} (parse): {self._code.name}: {self._desc}'


# --- loggers and progress monitors ---------------------------------------------------------

class ILogger:
    """Abstract logger; subclasses override log(severity, msg) and call ILogger.__init__."""

    def __init__(self) -> None:
        """Initialise the base class (pybind11 requires it in subclasses)."""
        self._initialised = True

    def log(self, severity: Any, msg: str) -> None:
        """Pure virtual in the bindings."""
        raise RuntimeError('Tried to call pure virtual function "ILogger::log"')


class Logger(ILogger):
    """The default logger: keeps messages at or above min_severity."""

    def __init__(self, min_severity: Any = None) -> None:
        """Create a logger; min_severity defaults to WARNING as in the bindings."""
        ILogger.__init__(self)
        self.min_severity = min_severity if min_severity is not None else self._s.sev('WARNING')

    def log(self, severity: Any, msg: str) -> None:
        """Record (and do not print) a message if its severity passes min_severity."""
        if int(severity) <= int(self.min_severity):
            self._s.module.log_records.append((severity.name, msg))


class IProgressMonitor:
    """Application-implemented progress reporting interface (TensorRT 9.1+)."""

    def __init__(self) -> None:
        """Initialise the base class (pybind11 requires it in subclasses)."""
        self._initialised = True

    def phase_start(self, phase_name: str, parent_phase: Optional[str], num_steps: int) -> None:
        """Pure virtual in the bindings."""
        raise RuntimeError('Tried to call pure virtual function "IProgressMonitor::phase_start"')

    def step_complete(self, phase_name: str, step: int) -> bool:
        """Pure virtual in the bindings."""
        raise RuntimeError('Tried to call pure virtual function "IProgressMonitor::step_complete"')

    def phase_finish(self, phase_name: str) -> None:
        """Pure virtual in the bindings."""
        raise RuntimeError('Tried to call pure virtual function "IProgressMonitor::phase_finish"')


def to_bool_like_pybind11(result: Any) -> bool:
    """
    Cast a Python override's return value to C++ bool as pybind11 does (convert=True).

    None -> False; objects with a number-protocol __bool__ (bool, int, float, numpy.bool_) ->
    their truth; anything else raises (pybind11's cast_error).
    """
    if result is None:
        return False
    if isinstance(result, (bool, int, float, np.bool_, np.integer, np.floating)):
        return bool(result)
    raise RuntimeError('Unable to cast Python instance of type '
                       f"{type(result)!r} to C++ type 'bool'")


def call_monitor(monitor: Any, method: str, *args: Any) -> Optional[bool]:
    """
    Call a progress-monitor override the way pyCore.cpp's trampoline does.

    PyProgressMonitor (10.x and 11.0, identical): each override is wrapped in
    ``try { PYBIND11_OVERLOAD_PURE_NAME(...) } catch (std::exception const& e)
    { std::cerr << "[ERROR] Exception caught in step_complete(): " << e.what() << std::endl; }``;
    step_complete then ``return false;`` ("Use the exception as an indicator that we should
    cancel the build").  phase_start/phase_finish swallow the exception and continue.
    """
    try:
        result = getattr(monitor, method)(*args)
        return to_bool_like_pybind11(result) if method == 'step_complete' else None
    except Exception as error:  # noqa: B902 - the trampoline catches everything
        print(f'[ERROR] Exception caught in {method}(): {error}', file=sys.stderr)
        return False if method == 'step_complete' else None


# --- network, parser ---------------------------------------------------------------------

class ITensor:
    """A network tensor."""

    def __init__(self, name: str, shape: Sequence[int], dtype: Any) -> None:
        """Create a tensor."""
        self.name, self.shape, self.dtype = name, Dims(shape), dtype
        self.is_network_input = False
        self.is_network_output = False


class ILayer:
    """A network layer."""

    def __init__(self, name: str, layer_type: Any, outputs: List[ITensor]) -> None:
        """Create a layer."""
        self.name, self.type = name, layer_type
        self._outputs = outputs
        self._precision: Any = None
        self._output_types: Dict[int, Any] = {}

    @property
    def num_outputs(self) -> int:
        """Return the number of outputs."""
        return len(self._outputs)

    def get_output(self, index: int) -> ITensor:
        """Return an output tensor."""
        return self._outputs[index]

    @property
    def precision(self) -> Any:
        """Return the requested computation precision; FLOAT when unset."""
        return self._precision if self._precision is not None else self._s.dtype('FLOAT')

    @precision.setter
    def precision(self, dtype: Any) -> None:
        """Request a computation precision."""
        self._precision = dtype

    @property
    def precision_is_set(self) -> bool:
        """Return whether a precision was requested."""
        return self._precision is not None

    def set_output_type(self, index: int, dtype: Any) -> None:
        """Request an output type."""
        self._output_types[index] = dtype

    def get_output_type(self, index: int) -> Any:
        """Return the requested output type (FLOAT when unset)."""
        return self._output_types.get(index, self._s.dtype('FLOAT'))


class INetworkDefinition:
    """A network definition, filled in by the ONNX parser."""

    def __init__(self, flags: int) -> None:
        """Create an empty network with creation flags (a bit mask)."""
        self._flags = int(flags)
        self._inputs: List[ITensor] = []
        self._outputs: List[ITensor] = []
        self._layers: List[ILayer] = []
        self.name = 'network'

    @property
    def flags(self) -> int:
        """Return the creation flags."""
        return self._flags

    def get_flag(self, flag: Any) -> bool:
        """Return whether a NetworkDefinitionCreationFlag is set."""
        return bool(self._flags & (1 << int(flag)))

    @property
    def num_inputs(self) -> int:
        """Return the number of inputs."""
        return len(self._inputs)

    @property
    def num_outputs(self) -> int:
        """Return the number of outputs."""
        return len(self._outputs)

    @property
    def num_layers(self) -> int:
        """Return the number of layers."""
        return len(self._layers)

    def get_input(self, index: int) -> Optional[ITensor]:
        """Return an input, or None when out of range."""
        return self._inputs[index] if 0 <= index < len(self._inputs) else None

    def get_output(self, index: int) -> Optional[ITensor]:
        """Return an output, or None when out of range."""
        return self._outputs[index] if 0 <= index < len(self._outputs) else None

    def get_layer(self, index: int) -> Optional[ILayer]:
        """Return a layer, or None when out of range."""
        return self._layers[index] if 0 <= index < len(self._layers) else None

    def _strongly_typed(self) -> bool:
        flag = getattr(self._s.module.NetworkDefinitionCreationFlag, 'STRONGLY_TYPED', None)
        if version_tuple(self._s.version) >= (11,):
            return True  # 11.0 has no weakly typed networks (no BuilderFlag.FP16/INT8).
        return flag is not None and self.get_flag(flag)

    def _explicit_batch(self) -> bool:
        flag = getattr(self._s.module.NetworkDefinitionCreationFlag, 'EXPLICIT_BATCH', None)
        if version_tuple(self._s.version) >= (10,):
            return True  # 10.0+: implicit batch is gone; the flag is ignored.
        return flag is not None and self.get_flag(flag)


class OnnxParser:
    """The ONNX parser (``parse(model)`` -> bool, errors via num_errors/get_error)."""

    def __init__(self, network: INetworkDefinition, logger: ILogger) -> None:
        """Attach the parser to a network."""
        self._network, self._logger, self._errors = network, logger, []

    @property
    def num_errors(self) -> int:
        """Return the number of errors of the last parse."""
        return len(self._errors)

    def get_error(self, index: int) -> Optional[ParserError]:
        """Return an error, or None when out of range."""
        return self._errors[index] if 0 <= index < len(self._errors) else None

    def clear_errors(self) -> None:
        """Forget the errors."""
        self._errors.clear()

    def parse(self, model: bytes, path: Optional[str] = None) -> bool:
        """
        Parse a serialized ONNX model into the network.

        Docstring: "Parse a serialized ONNX model into the TensorRT network. ... :returns: true
        if the model was parsed successfully".
        """
        import onnx
        code = self._s.module.ErrorCode
        if not self._network._explicit_batch():
            return self._fail(code.INVALID_VALUE, 'The ONNX parser only supports networks '
                              'with an explicit batch dimension')
        try:
            proto = onnx.load_model_from_string(bytes(model))
            if not proto.graph.node:
                raise ValueError('empty graph')
        except Exception as error:  # noqa: B902 - any decode failure is a parse failure
            return self._fail(code.MODEL_DESERIALIZE_FAILED,
                              f'Failed to parse ONNX model: {error}')
        return self._import(proto)

    def _fail(self, code: Any, desc: str, node: int = -1) -> bool:
        self._errors.append(ParserError(code, desc, node))
        self._s.log(self._logger, 'ERROR', f'ModelImporter: {desc}')
        return False

    def _import(self, proto: Any) -> bool:
        import onnx
        try:
            proto = onnx.shape_inference.infer_shapes(proto)
        except Exception:  # noqa: B902 - shape inference is best effort
            pass
        graph, s = proto.graph, self._s
        layer_type = s.module.LayerType
        initializers = {i.name for i in graph.initializer}
        for index, node in enumerate(graph.node):
            kind = ONNX_LAYER_TYPES.get(node.op_type)
            if kind is None or not hasattr(layer_type, kind):
                return self._fail(s.module.ErrorCode.UNSUPPORTED_NODE,
                                  f'No importer registered for op: {node.op_type}', index)
            problem = _zero_point_problem(node, graph)
            if problem:
                return self._fail(s.module.ErrorCode.INVALID_NODE, problem, index)
        for value in graph.input:
            if value.name not in initializers:
                tensor = ITensorOf(s, value)
                tensor.is_network_input = True
                self._network._inputs.append(tensor)
        for index, node in enumerate(graph.node):
            outputs = [ITensorOf(s, None, name) for name in node.output]
            name = node.name or f'/{node.op_type}_{index}'
            layer = s.ILayer(name, getattr(layer_type, ONNX_LAYER_TYPES[node.op_type]), outputs)
            self._network._layers.append(layer)
        for value in graph.output:
            tensor = ITensorOf(s, value)
            tensor.is_network_output = True
            self._network._outputs.append(tensor)
        return True


def _zero_point_problem(node: Any, graph: Any) -> Optional[str]:
    """Return the parser's complaint about a Q/DQ node's zero point, or None."""
    from onnx import numpy_helper, TensorProto
    if node.op_type not in ('QuantizeLinear', 'DequantizeLinear') or len(node.input) < 3 \
            or not node.input[2]:
        return None
    zero_point = next((i for i in graph.initializer if i.name == node.input[2]), None)
    if zero_point is None:
        return None  # not modelled: a zero point computed in the graph
    if zero_point.data_type == TensorProto.UINT8:
        return f'{node.op_type}: Found invalid input type of UINT8'
    if numpy_helper.to_array(zero_point).any():
        return SYMMETRIC_ONLY
    return None


def ITensorOf(s: Any, value: Any, name: Optional[str] = None) -> ITensor:  # noqa: N802
    """Return a tensor for an ONNX ValueInfo (dynamic dims -> -1)."""
    if value is None:
        return s.ITensor(name, (), s.dtype('FLOAT'))
    dims = [d.dim_value if d.HasField('dim_value') else -1
            for d in value.type.tensor_type.shape.dim]
    dtype_name = ONNX_DTYPES.get(value.type.tensor_type.elem_type, 'FLOAT')
    if not hasattr(s.module.DataType, dtype_name):
        dtype_name = 'INT32' if dtype_name == 'INT64' else 'FLOAT'
    return s.ITensor(value.name, dims, s.dtype(dtype_name))


# --- builder configuration -----------------------------------------------------------------

class ITimingCache:
    """A timing cache (blob: magic + JSON {version, gpu, entries})."""

    def __init__(self, version: str, gpu: Dict[str, Any], entries: int = 0) -> None:
        """Create a cache for a TensorRT version and GPU."""
        self._version, self._gpu, self._entries = version, gpu, entries

    def serialize(self) -> IHostMemory:
        """Serialize a timing cache to a :class:`IHostMemory` object."""
        body = json.dumps({'version': self._version, 'gpu': self._gpu, 'entries': self._entries})
        return self._s.host_memory(CACHE_MAGIC + body.encode())

    def combine(self, input_cache: 'ITimingCache', ignore_mismatch: bool) -> bool:
        """
        Combine input timing cache into local instance.

        Docstring: "The input cache must be generated by a TensorRT build of exact same
        version, otherwise combine will be skipped and return false. ``bool(ignore_mismatch)
        == True`` if combining a timing cache created from a different device."
        """
        if input_cache._version != self._version:
            return False
        if input_cache._gpu != self._gpu and not ignore_mismatch:
            return False
        self._entries += input_cache._entries
        return True

    def reset(self) -> bool:
        """Empty the timing cache."""
        self._entries = 0
        return True


class IOptimizationProfile:
    """An optimization profile: min/opt/max shapes per input."""

    def __init__(self) -> None:
        """Create an empty profile."""
        self._shapes: Dict[str, Tuple[Dims, Dims, Dims]] = {}

    def set_shape(self, input: str, min: Sequence[int], opt: Sequence[int],  # noqa: A002
                  max: Sequence[int]) -> None:  # noqa: A002
        """
        Set the minimum/optimum/maximum dimensions for a dynamic input tensor.

        Like the bindings, raise RuntimeError('Invalid shape for OPT.'/'... MAX.') when
        setDimensions refuses opt/max (rank differs from min, or not min <= opt <= max).
        """
        lo, mid, hi = Dims(min), Dims(opt), Dims(max)
        if len(mid) != len(lo) or any(o < m for o, m in zip(mid, lo)):
            raise RuntimeError('Invalid shape for OPT.')
        if len(hi) != len(mid) or any(x < o for x, o in zip(hi, mid)):
            raise RuntimeError('Invalid shape for MAX.')
        self._shapes[input] = (lo, mid, hi)

    def get_shape(self, input: str) -> List[Dims]:  # noqa: A002
        """Return [min, opt, max] for an input ([] when unset)."""
        return list(self._shapes.get(input, ()))

    def __bool__(self) -> bool:
        """Return whether the profile is valid (every shape has non-negative dims)."""
        return all(d >= 0 for shapes in self._shapes.values() for s in shapes for d in s)


class IBuilderConfig:
    """Builder configuration."""

    def __init__(self) -> None:
        """Create a configuration; TF32 is on (BuilderFlag.TF32: 'Enabled by default.')."""
        self._flags = 0
        tf32 = getattr(self._s.module.BuilderFlag, 'TF32', None)
        if tf32 is not None:
            self._flags |= 1 << int(tf32)
        self._pools: Dict[int, int] = {}
        self._profiles: List[IOptimizationProfile] = []
        self._timing_cache: Optional[ITimingCache] = None
        self._monitor: Any = None
        self.builder_optimization_level = 3

    @property
    def flags(self) -> int:
        """Return the BuilderFlag bit mask."""
        return self._flags

    @flags.setter
    def flags(self, value: int) -> None:
        """Replace the BuilderFlag bit mask."""
        self._flags = int(value)

    def set_flag(self, flag: Any) -> None:
        """Set a BuilderFlag."""
        self._flags |= 1 << int(flag)

    def clear_flag(self, flag: Any) -> None:
        """Clear a BuilderFlag."""
        self._flags &= ~(1 << int(flag))

    def get_flag(self, flag: Any) -> bool:
        """Return whether a BuilderFlag is set."""
        return bool(self._flags & (1 << int(flag)))

    def set_memory_pool_limit(self, pool: Any, pool_size: int) -> None:
        """Set a memory pool limit in bytes."""
        self._pools[int(pool)] = int(pool_size)

    def get_memory_pool_limit(self, pool: Any) -> int:
        """Return a memory pool limit (a default when unset)."""
        return self._pools.get(int(pool), 1 << 40)

    @property
    def num_optimization_profiles(self) -> int:
        """Return the number of profiles added."""
        return len(self._profiles)

    def add_optimization_profile(self, profile: IOptimizationProfile) -> int:
        """
        Add an optimization profile.

        Docstring: ":returns: The index of the optimization profile (starting from 0) if the
        input is valid, or -1 if the input is not valid."  Checked here: ``bool(profile)``;
        against the network at build time (ranks, fixed dimensions).
        """
        if not profile or not profile._shapes:
            return -1
        self._profiles.append(profile)
        return len(self._profiles) - 1

    def create_timing_cache(self, serialized_timing_cache: bytes) -> Optional[ITimingCache]:
        """Create timing cache from serialized raw data (empty -> new cache, garbage -> None)."""
        blob = bytes(serialized_timing_cache)
        if not blob:
            return self._s.ITimingCache(self._s.version, current_gpu())
        body = _payload(blob, CACHE_MAGIC)
        if body is None:
            self._s.log(None, 'ERROR', 'Timing cache: invalid or corrupt serialized data')
            return None
        return self._s.ITimingCache(body['version'], body['gpu'], body.get('entries', 0))

    def set_timing_cache(self, cache: ITimingCache, ignore_mismatch: bool) -> bool:
        """
        Attach a timing cache to IBuilderConfig.

        Docstring: "A failure will be reported if the CUDA device property in the provided
        cache is different from current environment. ``bool(ignore_mismatch) == True`` skips
        strict verification and allows loading cache created from a different device."
        A cache of another TensorRT version is refused whatever ignore_mismatch says.
        """
        if cache._version != self._s.version:
            self._s.log(None, 'ERROR', 'Timing cache was created by another TensorRT version')
            return False
        if cache._gpu != current_gpu() and not ignore_mismatch:
            self._s.log(None, 'ERROR', 'Timing cache was created on another device')
            return False
        self._timing_cache = cache
        return True

    def get_timing_cache(self) -> Optional[ITimingCache]:
        """Get the timing cache: ":returns: ... or `None` if no timing cache is set."."""
        return self._timing_cache

    @property
    def progress_monitor(self) -> Any:
        """Return the IProgressMonitor (9.1+), or None."""
        return self._monitor

    @progress_monitor.setter
    def progress_monitor(self, monitor: Any) -> None:
        """Set the IProgressMonitor; pybind11 refuses a subclass that skipped __init__."""
        if monitor is not None and not getattr(monitor, '_initialised', False):
            raise TypeError('IProgressMonitor.__init__() must be called when overriding '
                            '__init__')
        self._monitor = monitor


# --- builder -------------------------------------------------------------------------------

class Builder:
    """Builds serialized engines from networks."""

    def __init__(self, logger: ILogger) -> None:
        """Create a builder (the process keeps the first logger; see logger_mismatch_warnings)."""
        self.logger = self._s.register_logger(logger, 'createInferBuilder')

    @property
    def platform_has_fast_fp16(self) -> bool:
        """Return whether the GPU has fast FP16 (compute capability >= 5.3)."""
        return tuple(current_gpu()['compute_capability']) >= (5, 3)

    @property
    def platform_has_tf32(self) -> bool:
        """Return whether the GPU supports TF32 (compute capability >= 8.0)."""
        return tuple(current_gpu()['compute_capability']) >= (8, 0)

    def create_network(self, flags: int = 0) -> INetworkDefinition:
        """Create a :class:`INetworkDefinition` object; flags: creation flag bits."""
        return self._s.INetworkDefinition(flags)

    def create_builder_config(self) -> IBuilderConfig:
        """Create a builder configuration."""
        return self._s.IBuilderConfig()

    def create_optimization_profile(self) -> IOptimizationProfile:
        """Create an empty optimization profile."""
        return self._s.IOptimizationProfile()

    def build_serialized_network(self, network: INetworkDefinition,
                                 config: IBuilderConfig) -> Optional[IHostMemory]:
        """
        Build and serialize a network; None on failure (the error goes to the logger).

        Docstring: ":returns: A pointer to a :class:`IHostMemory` object that contains a
        serialized network." (a null pointer, i.e. None, when the build fails).
        """
        s = self._s
        problem = _build_problem(s, network, config)
        if problem:
            s.log(self.logger, 'ERROR', problem)
            return None
        if not _run_build_phases(s, config, network):
            s.log(self.logger, 'ERROR', 'Builder was cancelled by the progress monitor')
            return None
        header = _engine_header(s, network, config)
        s.module.builds.append(header)
        return s.host_memory(ENGINE_MAGIC + json.dumps(header).encode())


def _build_problem(s: Any, network: INetworkDefinition, config: IBuilderConfig) -> Optional[str]:
    if s.module.fail_builds:
        return 'Error Code 2: Internal Error (fake: build failure requested)'
    if not network._inputs or not network._layers:
        return 'Error Code 4: Network must have at least one input and one layer'
    flags = s.module.BuilderFlag
    if network._strongly_typed():
        for name in REDUCED_PRECISION_FLAGS:
            if hasattr(flags, name) and config.get_flag(getattr(flags, name)):
                return f'Error Code 3: BuilderFlag::k{name} is not allowed with a strongly ' \
                       'typed network'
    elif _quantized(network) and not config.get_flag(flags.INT8):
        # TensorRT 8.x developer guide: "to enable any quantization operations, the INT8
        # flag must be set in the builder config" (the real failure's wording is not known)
        return 'Error Code 4: fake: a network with Q/DQ layers needs BuilderFlag::kINT8 ' \
               'unless it is strongly typed'
    for tensor in network._inputs:
        dynamic = any(d < 0 for d in tensor.shape)
        for profile in config._profiles:
            shapes = profile._shapes.get(tensor.name)
            if shapes is None:
                if dynamic:
                    return f'Error Code 4: input {tensor.name} has no shape in a profile'
                continue
            if any(len(d) != len(tensor.shape) for d in shapes):
                return f'Error Code 4: profile rank mismatch for {tensor.name}'
            for i, dim in enumerate(tensor.shape):
                if dim >= 0 and any(d[i] != dim for d in shapes):
                    return f'Error Code 4: profile changes fixed dimension {i} of {tensor.name}'
        if dynamic and not config._profiles:
            return ('Error Code 4: Network has dynamic or shape inputs, but no optimization '
                    'profile has been defined.')
    return None


def _quantized(network: INetworkDefinition) -> bool:
    """Return whether the network has Q/DQ layers (explicit quantization)."""
    kinds = {'QUANTIZE', 'DEQUANTIZE'}
    return any(layer.type.name in kinds for layer in network._layers)


def _run_build_phases(s: Any, config: IBuilderConfig, network: INetworkDefinition) -> bool:
    """Drive the progress monitor; return False when the build is cancelled."""
    module = s.module
    monitor = getattr(config, '_monitor', None)
    if module.build_block_seconds:
        s.log(None, 'WARNING', f'[fake] build blocks for {module.build_block_seconds} s')
        time.sleep(module.build_block_seconds)
    phase, steps = 'Building engine', max(network.num_layers, 1)
    gate = module.build_gate
    if monitor is not None:
        call_monitor(monitor, 'phase_start', phase, None, steps if gate is None else 0)
    step = 0
    while step < steps or (gate is not None and not gate.is_set()):
        if gate is not None:
            time.sleep(module.build_step_seconds)
        if monitor is not None and not call_monitor(monitor, 'step_complete', phase, step):
            call_monitor(monitor, 'phase_finish', phase)
            return False
        step += 1
    if monitor is not None:
        call_monitor(monitor, 'phase_finish', phase)
    return True


def _engine_header(s: Any, network: INetworkDefinition, config: IBuilderConfig) -> dict:
    flags = s.module.BuilderFlag
    io = [_io_entry(t, 'INPUT') for t in network._inputs]
    io += [_io_entry(t, 'OUTPUT') for t in network._outputs]
    precisions = {layer.name: layer._precision.name for layer in network._layers
                  if layer._precision is not None}
    output_types = {layer.name: {str(i): t.name for i, t in layer._output_types.items()}
                    for layer in network._layers if layer._output_types}
    return {
        'magic': ENGINE_MAGIC.decode().strip(),
        'tensorrt_version': s.version,
        'gpu': current_gpu(),
        'io': io,
        'profiles': [{name: [list(d) for d in shapes] for name, shapes in p._shapes.items()}
                     for p in config._profiles],
        'builder_flags': sorted(name for name in flags.__members__
                                if config.get_flag(getattr(flags, name))),
        'strongly_typed': network._strongly_typed(),
        'quantized': _quantized(network),
        'layer_precisions': precisions,
        'layer_output_types': output_types,
        'memory_pools': {str(k): v for k, v in config._pools.items()},
        'timing_cache': config._timing_cache is not None,
    }


def _io_entry(tensor: ITensor, mode: str) -> dict:
    return {'name': tensor.name, 'mode': mode, 'shape': list(tensor.shape),
            'dtype': tensor.dtype.name}


def _payload(blob: bytes, magic: bytes) -> Optional[dict]:
    if not blob.startswith(magic):
        return None
    try:
        return json.loads(blob[len(magic):].decode())
    except ValueError:
        return None


def describe_engine(blob: bytes) -> dict:
    """Return the JSON header of a fake serialized engine (ValueError for other bytes)."""
    header = _payload(bytes(blob), ENGINE_MAGIC)
    if header is None:
        raise ValueError('not a fake TensorRT engine')
    return header


def foreign_engine_bytes(version: str, inputs: Sequence[Tuple[str, Sequence[int], str]] = (
        ('input', (4, 3, 240, 320), 'FLOAT'),), outputs: Sequence[Tuple[str, Sequence[int], str]]
        = (('output', (4, 1, 240, 320), 'FLOAT'),), gpu: Optional[dict] = None,
        profiles: Sequence[dict] = (), **extra: Any) -> bytes:
    """
    Return engine bytes with chosen I/O (e.g. fixed batch 4, BF16 I/O, two outputs).

    version is the TensorRT version written into the header (the running fake refuses
    another); gpu defaults to the current fake device; extra keys go into the header.
    """
    io = [{'name': n, 'mode': 'INPUT', 'shape': list(sh), 'dtype': dt} for n, sh, dt in inputs]
    io += [{'name': n, 'mode': 'OUTPUT', 'shape': list(sh), 'dtype': dt} for n, sh, dt in outputs]
    header = {'magic': ENGINE_MAGIC.decode().strip(), 'tensorrt_version': version,
              'gpu': gpu or current_gpu(), 'io': io, 'profiles': list(profiles),
              'builder_flags': [], 'strongly_typed': False, 'layer_precisions': {},
              'layer_output_types': {}, 'memory_pools': {}, 'timing_cache': False}
    header.update(extra)
    return ENGINE_MAGIC + json.dumps(header).encode()


# --- runtime ---------------------------------------------------------------------------------

class Runtime:
    """Deserializes engines."""

    def __init__(self, logger: ILogger) -> None:
        """Create a runtime (the process keeps the first logger)."""
        self.logger = self._s.register_logger(logger, 'createInferRuntime')

    def deserialize_cuda_engine(self, serialized_engine: bytes) -> Optional['ICudaEngine']:
        """
        Deserialize an :class:`ICudaEngine` from host memory.

        Docstring: ":returns: The :class:`ICudaEngine`, or None if it could not be
        deserialized." -- corrupt bytes, another TensorRT version, another GPU.
        """
        header = _payload(bytes(serialized_engine), ENGINE_MAGIC)
        if header is None:
            self._s.log(self.logger, 'ERROR', 'Error Code 1: Serialization (Serialization '
                        'assertion magicTagRead == kMAGIC_TAG failed.Magic tag does not match)')
            return None
        if header['tensorrt_version'] != self._s.version:
            self._s.log(self.logger, 'ERROR', 'Error Code 1: Serialization (Serialization '
                        'assertion stdVersionRead == kSERIALIZATION_VERSION failed.Version tag '
                        f'does not match. Engine built by {header["tensorrt_version"]})')
            return None
        gpu = current_gpu()
        if list(header['gpu']['compute_capability']) != list(gpu['compute_capability']):
            self._s.log(self.logger, 'ERROR', 'Error Code 1: Serialization (Serialization '
                        'assertion: the engine was built for another device '
                        f'({header["gpu"]["name"]}))')
            return None
        return self._s.ICudaEngine(header, self.logger)


class ICudaEngine:
    """A deserialized engine."""

    def __init__(self, header: dict, logger: ILogger) -> None:
        """Wrap a parsed engine header."""
        self._header, self._logger = header, logger
        self._io = {t['name']: t for t in header['io']}
        self._names = [t['name'] for t in header['io']]

    @property
    def num_io_tensors(self) -> int:
        """Return the number of I/O tensors."""
        return len(self._names)

    @property
    def num_optimization_profiles(self) -> int:
        """Return the number of profiles (1 when built without one)."""
        return max(len(self._header['profiles']), 1)

    def get_tensor_name(self, index: int) -> str:
        """Return the name of I/O tensor index."""
        return self._names[index]

    def get_tensor_mode(self, name: str) -> Any:
        """Return TensorIOMode.INPUT/OUTPUT (NONE for an unknown name)."""
        entry = self._io.get(name)
        return getattr(self._s.module.TensorIOMode, entry['mode'] if entry else 'NONE')

    def get_tensor_shape(self, name: str) -> Dims:
        """Return the build-time shape (-1 for dynamic dims)."""
        return Dims(self._io[name]['shape'])

    def get_tensor_dtype(self, name: str) -> Any:
        """Return the DataType."""
        return self._s.dtype(self._io[name]['dtype'])

    def get_tensor_profile_shape(self, name: str, profile_index: int) -> List[Dims]:
        """Return [min, opt, max] of an input in a profile."""
        shapes = self._header['profiles'][profile_index][name]
        return [Dims(s) for s in shapes]

    def create_execution_context(self) -> Optional['IExecutionContext']:
        """Create an :class:`IExecutionContext` (None when device memory runs out)."""
        memory = device_memory()
        if self._s.module.fail_context_creation or (memory and memory.out_of_memory):
            self._s.log(self._logger, 'ERROR', 'Error Code 1: Cuda Runtime (out of memory)')
            return None
        return self._s.IExecutionContext(self)


class IExecutionContext:
    """An execution context: shapes, addresses, enqueue."""

    def __init__(self, engine: ICudaEngine) -> None:
        """Create a context for an engine."""
        self.engine = engine
        self._shapes = {n: Dims(t['shape']) for n, t in engine._io.items()
                        if t['mode'] == 'INPUT'}
        self._addresses: Dict[str, int] = {}

    def set_input_shape(self, name: str, shape: Sequence[int]) -> bool:
        """Set shape for the given input tensor (False when outside the profile or unknown)."""
        entry = self.engine._io.get(name)
        shape = Dims(shape)
        if entry is None or entry['mode'] != 'INPUT' or len(shape) != len(entry['shape']):
            return self._refuse(f'setInputShape: unknown input or rank mismatch for {name}')
        if any(fixed >= 0 and fixed != d for fixed, d in zip(entry['shape'], shape)):
            return self._refuse(f'setInputShape: {name} has a fixed dimension')
        profiles = self.engine._header['profiles']
        if profiles and name in profiles[0]:
            lo, _, hi = profiles[0][name]
            if any(not a <= d <= b for a, d, b in zip(lo, shape, hi)):
                return self._refuse(f'setInputShape: {name} {tuple(shape)} is outside the '
                                    'optimization profile')
        self._shapes[name] = shape
        return True

    def _refuse(self, message: str) -> bool:
        self._s.log(self.engine._logger, 'ERROR', f'Error Code 3: API Usage Error ({message})')
        return False

    def get_tensor_shape(self, name: str) -> Dims:
        """Return the runtime shape (outputs: dynamic dims take the first input's batch)."""
        if name in self._shapes:
            return self._shapes[name]
        batch = next(iter(self._shapes.values()))[0] if self._shapes else 1
        return Dims(batch if d < 0 else d for d in self.engine._io[name]['shape'])

    def set_tensor_address(self, name: str, memory: int) -> bool:
        """Set memory address for the given input or output tensor."""
        if name not in self.engine._io:
            return self._refuse(f'setTensorAddress: unknown tensor {name}')
        self._addresses[name] = int(memory)
        return True

    def get_tensor_address(self, name: str) -> int:
        """Return a tensor's address (0 when unset)."""
        return self._addresses.get(name, 0)

    def execute_async_v3(self, stream_handle: int) -> bool:
        """
        Asynchronously execute inference (fake: output = per-image mean of the input).

        Returns False (and logs) when an address is missing, a shape is unresolved, or no
        CUDA context is current in the calling thread.
        """
        memory = device_memory()
        if memory is None:
            return self._refuse('enqueueV3: no CUDA device memory (fake pycuda not installed)')
        if not memory.has_current_context():
            return self._refuse('enqueueV3: invalid device context')
        if set(self._addresses) != set(self.engine._io):
            return self._refuse('enqueueV3: not all tensor addresses are set')
        if any(d < 0 for shape in self._shapes.values() for d in shape):
            return self._refuse('enqueueV3: input shapes are not all specified')
        means = self._input_means(memory)
        for name, entry in self.engine._io.items():
            if entry['mode'] == 'OUTPUT':
                self._write_output(memory, name, entry, means)
        return True

    def _input_means(self, memory: Any) -> np.ndarray:
        name = next(n for n, e in self.engine._io.items() if e['mode'] == 'INPUT')
        shape = tuple(self._shapes[name])
        dtype = NUMPY_DTYPES[self.engine._io[name]['dtype']]
        count = int(np.prod(shape))
        raw = memory.read(self._addresses[name], count * np.dtype(dtype).itemsize)
        data = np.frombuffer(raw, dtype=dtype).reshape(shape).astype(np.float64)
        return data.reshape(shape[0], -1).mean(axis=1)

    def _write_output(self, memory: Any, name: str, entry: dict, means: np.ndarray) -> None:
        shape = tuple(self.get_tensor_shape(name))
        dtype = NUMPY_DTYPES[entry['dtype']]
        out = np.empty(shape, dtype=dtype)
        for row in range(shape[0]):
            out[row] = means[min(row, len(means) - 1)]
        memory.write(self._addresses[name], out.tobytes())


# --- module assembly -------------------------------------------------------------------------

SUPERSET_ENUMS = {
    'NetworkDefinitionCreationFlag': ('EXPLICIT_BATCH', 'EXPLICIT_PRECISION', 'STRONGLY_TYPED'),
    'BuilderFlag': ('FP16', 'BF16', 'INT8', 'DEBUG', 'GPU_FALLBACK', 'REFIT', 'TF32',
                    'OBEY_PRECISION_CONSTRAINTS', 'PREFER_PRECISION_CONSTRAINTS', 'FP8', 'INT4'),
    'MemoryPoolType': ('WORKSPACE',),
    'DataType': ('FLOAT', 'HALF', 'BF16', 'INT8', 'INT32', 'INT64', 'BOOL', 'UINT8', 'FP8',
                 'INT4', 'FP4'),
    'TensorIOMode': ('NONE', 'INPUT', 'OUTPUT'),
    'LayerType': tuple(sorted(set(ONNX_LAYER_TYPES.values()))),
    'Severity': SEVERITIES,
    'ErrorCode': ('SUCCESS', 'INTERNAL_ERROR', 'MEM_ALLOC_FAILED', 'MODEL_DESERIALIZE_FAILED',
                  'INVALID_VALUE', 'INVALID_GRAPH', 'INVALID_NODE', 'UNSUPPORTED_GRAPH',
                  'UNSUPPORTED_NODE'),
}
# Classes Python code constructs in the real bindings (the others come from factories).
CONSTRUCTIBLE = ('ILogger', 'Logger', 'IProgressMonitor', 'Builder', 'Runtime', 'OnnxParser')
CLASSES = (Dims, IHostMemory, ParserError, ILogger, Logger, IProgressMonitor, ITensor, ILayer,
           INetworkDefinition, OnnxParser, ITimingCache, IOptimizationProfile, IBuilderConfig,
           Builder, Runtime, ICudaEngine, IExecutionContext)


class _State:
    """Per-module state reachable from every cloned class as ``self._s``."""

    def __init__(self, version: str, module: types.ModuleType) -> None:
        self.version, self.module = version, module
        self.process_logger: Optional[ILogger] = None
        self.lock = threading.Lock()

    def sev(self, name: str) -> Any:
        return getattr(self.module.ILogger.Severity, name)

    def dtype(self, name: str) -> Any:
        return getattr(self.module.DataType, name)

    def host_memory(self, blob: bytes) -> IHostMemory:
        memory = self.IHostMemory(blob)
        memory._dtype = self.dtype('UINT8')
        return memory

    def register_logger(self, logger: ILogger, api: str) -> ILogger:
        """Keep the first logger of the process; record a mismatch warning for another."""
        if not getattr(logger, '_initialised', False):
            raise TypeError('ILogger.__init__() must be called when overriding __init__')
        with self.lock:
            if self.process_logger is None:
                self.process_logger = logger
            elif logger is not self.process_logger:
                message = LOGGER_MISMATCH.format(api=api)
                self.module.logger_mismatch_warnings.append(message)
                self.log(None, 'WARNING', message)
            return self.process_logger

    def log(self, logger: Optional[ILogger], severity: str, message: str) -> None:
        """Log through the process logger, as the library does; exceptions are printed."""
        target = self.process_logger or logger
        if target is None:
            self.module.log_records.append((severity, message))
            return
        try:
            target.log(self.sev(severity), message)
        except Exception as error:  # noqa: B902 - PyLogger's trampoline catches everything
            print(f'[ERROR] Exception caught in log(): {error}', file=sys.stderr)
        if not isinstance(target, self.module.Logger):
            self.module.log_records.append((severity, message))


def _clone(cls: type, state: _State, clones: Dict[str, type]) -> type:
    bases = tuple(clones.get(b.__name__, b) for b in cls.__bases__)
    body = {k: v for k, v in vars(cls).items() if k not in ('__dict__', '__weakref__')}
    body['_s'] = state
    return type(cls.__name__, bases, body)


def _prune_class(cls: type, allowed: frozenset) -> None:
    for attr in list(vars(cls)):
        if not attr.startswith('_') and attr not in allowed:
            delattr(cls, attr)


def _nptype(module: types.ModuleType, keys: Sequence[str]) -> Any:
    def nptype(trt_type: Any) -> type:
        """Return the numpy-equivalent of a TensorRT :class:`DataType` (as the wrapper does)."""
        mapping = {getattr(module, k): NUMPY_DTYPES[DTYPE_ALIASES[k]] for k in keys
                   if hasattr(module, k)}
        if trt_type in mapping:
            return mapping[trt_type]
        raise TypeError('Could not resolve TensorRT datatype to an equivalent numpy datatype.')
    return nptype


def _install_enums(module: types.ModuleType, version: str) -> None:
    for name, superset in SUPERSET_ENUMS.items():
        enum = make_enum(name, enum_members(version, name, superset))
        if name == 'Severity':
            module.ILogger.Severity = enum
            for member in enum.__members__:
                setattr(module.ILogger, member, getattr(enum, member))
            continue
        setattr(module, name, enum)
    # tensorrt/__init__.py: "Logger.Severity = ILogger.Severity" and the members copied over.
    module.Logger.Severity = module.ILogger.Severity
    for member, value in module.ILogger.Severity.__members__.items():
        setattr(module.Logger, member, value)
    for alias, member in DTYPE_ALIASES.items():
        if hasattr(module.DataType, member):
            setattr(module, alias, getattr(module.DataType, member))
    module.DataType.itemsize = property(lambda this: _itemsize(this))


def _volume(iterable: Iterable[int]) -> int:
    """Compute the volume of an iterable (1 for an empty one), as the wrapper does."""
    vol = 1
    for elem in iterable:
        vol *= elem
    return vol


def _itemsize(dtype: Any) -> Any:
    sizes = {'FLOAT': 4, 'HALF': 2, 'BF16': 2, 'INT8': 1, 'INT32': 4, 'INT64': 8, 'BOOL': 1,
             'UINT8': 1, 'FP8': 1, 'INT4': 0.5, 'FP4': 0.5}
    return sizes.get(dtype.name)


def make_tensorrt(version: str) -> types.ModuleType:
    """Return a fresh fake ``tensorrt`` module for a version ('8.6.1', '10.3.0', '11.0', ...)."""
    full = manifests.resolve(version)
    allowed = manifests.names(full)
    module = types.ModuleType('tensorrt', f'Fake tensorrt {full} (test/support/fake_tensorrt.py)')
    state = _State(full, module)
    clones: Dict[str, type] = {}
    for cls in CLASSES:
        clones[cls.__name__] = _clone(cls, state, clones)
        setattr(state, cls.__name__, clones[cls.__name__])
    for name, cls in clones.items():
        if name in allowed:
            setattr(module, name, cls)
    module.ILogger, module.Logger = clones['ILogger'], clones['Logger']
    _install_enums(module, full)
    for cls in clones.values():
        _prune_class(cls, allowed)
    wrapper = manifests.load(full)['wrapper']
    module.__version__ = wrapper['version_string']
    module.nptype = _nptype(module, wrapper['nptype_keys'])
    module.volume = _volume
    for name in list(vars(module)):
        if not name.startswith('_') and name not in allowed:
            delattr(module, name)
    _install_hooks(module, full)
    return module


HOOKS = ('logger_mismatch_warnings', 'log_records', 'build_gate', 'build_step_seconds',
         'build_block_seconds', 'fail_builds', 'fail_context_creation', 'builds',
         'describe_engine', 'foreign_engine_bytes', 'fake_version')


def _install_hooks(module: types.ModuleType, version: str) -> None:
    module.logger_mismatch_warnings = []
    module.log_records = []
    module.build_gate = None
    module.build_step_seconds = 0.005
    module.build_block_seconds = 0.0
    module.fail_builds = False
    module.fail_context_creation = False
    module.builds = []
    module.describe_engine = describe_engine
    module.foreign_engine_bytes = foreign_engine_bytes
    module.fake_version = version
