"""
Read TensorFlow ``GraphDef`` files (frozen ``.pb`` graphs) without TensorFlow.

The message types are declared at run time from the subset of TensorFlow's ``graph.proto``,
``node_def.proto``, ``attr_value.proto``, ``tensor.proto`` and ``tensor_shape.proto`` that a
frozen inference graph uses (same field numbers, so the wire format is identical; fields not
declared are skipped by the parser). Declaring them from Python, not from generated ``_pb2``
code, works with every protobuf release ROS distributions ship (3.12 and newer).
"""

from typing import Dict

import numpy as np

from ..errors import ModelFormatError, require

_OPT, _REP = 1, 3  # FieldDescriptorProto labels
_T = {'double': 1, 'float': 2, 'int64': 3, 'int32': 5, 'bool': 8, 'string': 9, 'message': 11,
      'bytes': 12, 'enum_as_int32': 5}

# message -> [(field name, number, type, label, message type name)]
_MESSAGES = {
    'TensorShapeProto.Dim': [('size', 1, 'int64', _OPT, None), ('name', 2, 'string', _OPT, None)],
    'TensorShapeProto': [('dim', 2, 'message', _REP, 'TensorShapeProto.Dim'),
                         ('unknown_rank', 3, 'bool', _OPT, None)],
    'TensorProto': [('dtype', 1, 'enum_as_int32', _OPT, None),
                    ('tensor_shape', 2, 'message', _OPT, 'TensorShapeProto'),
                    ('tensor_content', 4, 'bytes', _OPT, None),
                    ('float_val', 5, 'float', _REP, None),
                    ('double_val', 6, 'double', _REP, None),
                    ('int_val', 7, 'int32', _REP, None),
                    ('int64_val', 10, 'int64', _REP, None),
                    ('half_val', 13, 'int32', _REP, None)],
    'AttrValue.ListValue': [('s', 2, 'bytes', _REP, None), ('i', 3, 'int64', _REP, None),
                            ('f', 4, 'float', _REP, None), ('b', 5, 'bool', _REP, None),
                            ('type', 6, 'enum_as_int32', _REP, None)],
    'AttrValue': [('list', 1, 'message', _OPT, 'AttrValue.ListValue'),
                  ('s', 2, 'bytes', _OPT, None), ('i', 3, 'int64', _OPT, None),
                  ('f', 4, 'float', _OPT, None), ('b', 5, 'bool', _OPT, None),
                  ('type', 6, 'enum_as_int32', _OPT, None),
                  ('shape', 7, 'message', _OPT, 'TensorShapeProto'),
                  ('tensor', 8, 'message', _OPT, 'TensorProto')],
    'NodeDef.AttrEntry': [('key', 1, 'string', _OPT, None),
                          ('value', 2, 'message', _OPT, 'AttrValue')],
    'NodeDef': [('name', 1, 'string', _OPT, None), ('op', 2, 'string', _OPT, None),
                ('input', 3, 'string', _REP, None), ('device', 4, 'string', _OPT, None),
                ('attr', 5, 'message', _REP, 'NodeDef.AttrEntry')],
    'GraphDef': [('node', 1, 'message', _REP, 'NodeDef')],
}

# TensorFlow DataType enum values -> numpy dtypes (those a frozen MSI-Net graph holds).
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 9: np.int64, 19: np.float16}

_GRAPHDEF_CLASS = None


def _graphdef_class():
    global _GRAPHDEF_CLASS
    if _GRAPHDEF_CLASS is not None:
        return _GRAPHDEF_CLASS
    require('google.protobuf', 'install protobuf (`pip install protobuf`)')
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    file_proto = descriptor_pb2.FileDescriptorProto(
        name='msinet_ros/tf_graph_subset.proto', package='msinet_ros.tf', syntax='proto3')
    protos = {}
    for full_name, fields in sorted(_MESSAGES.items(), key=lambda item: item[0].count('.')):
        parent, _, name = full_name.rpartition('.')
        message = (protos[parent].nested_type.add() if parent else file_proto.message_type.add())
        message.name = name
        if name.endswith('Entry'):
            message.options.map_entry = True
        protos[full_name] = message
        for field_name, number, kind, label, type_name in fields:
            fld = message.field.add(name=field_name, number=number, type=_T[kind], label=label)
            if type_name:
                fld.type_name = f'.msinet_ros.tf.{type_name}'
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file_proto)
    descriptor = pool.FindMessageTypeByName('msinet_ros.tf.GraphDef')
    if hasattr(message_factory, 'GetMessageClass'):  # protobuf >= 4.21
        _GRAPHDEF_CLASS = message_factory.GetMessageClass(descriptor)
    else:  # older protobuf
        _GRAPHDEF_CLASS = message_factory.MessageFactory(pool).GetPrototype(descriptor)
    return _GRAPHDEF_CLASS


def parse_graphdef(data: bytes, source: str = 'graph'):
    """Parse serialized GraphDef bytes; raise ModelFormatError if they are not one."""
    from google.protobuf.message import DecodeError

    graph = _graphdef_class()()
    try:
        graph.ParseFromString(data)
    except (DecodeError, RuntimeError, ValueError) as exc:
        raise ModelFormatError(f'{source} is not a TensorFlow GraphDef (truncated or foreign '
                               f'file: {exc})') from exc
    if not graph.node or not all(node.op for node in graph.node):
        raise ModelFormatError(f'{source} is not a TensorFlow GraphDef (no operations in it)')
    return graph


def tensor_to_array(tensor) -> np.ndarray:
    """Convert a TensorProto message to a numpy array."""
    dtype = DTYPES.get(tensor.dtype)
    if dtype is None:
        raise ModelFormatError(f'unsupported tensor dtype {tensor.dtype} in the graph')
    shape = tuple(dim.size for dim in tensor.tensor_shape.dim)
    count = int(np.prod(shape)) if shape else 1
    if tensor.tensor_content:
        array = np.frombuffer(tensor.tensor_content, dtype=np.dtype(dtype).newbyteorder('<'))
    else:
        values = {np.float32: tensor.float_val, np.float64: tensor.double_val,
                  np.int32: tensor.int_val, np.int64: tensor.int64_val}.get(dtype)
        if dtype is np.float16:
            array = np.array(tensor.half_val, np.uint16).view(np.float16)
        else:
            array = np.array(values, dtype)
        if array.size == 1 and count > 1:  # TF stores a splat as one value
            array = np.full(count, array[0], dtype)
    if array.size != count:
        raise ModelFormatError(f'tensor of shape {shape} holds {array.size} values')
    return array.astype(dtype).reshape(shape)


def node_map(graph) -> Dict[str, object]:
    """Return the graph's nodes by name."""
    return {node.name: node for node in graph.node}
