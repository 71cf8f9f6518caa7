"""
Checks on model files from users: what a file may make this package read.

docs/security.md says which file kinds are trusted for what. The one rule enforced here is
ONNX's: a tensor may keep its data in another file (``external_data`` with a ``location``),
which ONNX Runtime and TensorRT's parser read from wherever the location points. ONNX
Runtime 1.20 follows ``../``, absolute paths and symlinks out of the model's folder (1.32
refuses them; TensorRT's parser refuses ``../`` only), so an ONNX file from elsewhere could
turn any file this process can read into weights. :func:`check_external_data` refuses such a
file before anything reads its data: every location must be a relative path that stays inside
the folder of the ``.onnx`` file once symlinks are resolved.
"""

import os
from pathlib import Path
from typing import Iterator, Optional, Tuple, Union

from ..errors import ModelFormatError, require

_HOW = ('keep the data files in the folder of the .onnx file and name them by relative paths '
        '(onnx.save_model(model, path, save_as_external_data=True, location=NAME) does), or '
        'export the model again with `msinet export`')


def _tensors(model) -> Iterator:
    """Yield every TensorProto of a model: graphs, node attributes, subgraphs, functions."""
    graphs = [model.graph]
    for info in model.training_info:
        graphs.extend((info.initialization, info.algorithm))
    nodes = [node for function in model.functions for node in function.node]
    while graphs or nodes:
        if graphs:
            graph = graphs.pop()
            yield from graph.initializer
            for sparse in graph.sparse_initializer:
                yield from (sparse.values, sparse.indices)
            nodes.extend(graph.node)
            continue
        for attr in nodes.pop().attribute:
            if attr.HasField('t'):
                yield attr.t
            yield from attr.tensors
            sparse_tensors = list(attr.sparse_tensors)
            if attr.HasField('sparse_tensor'):
                sparse_tensors.append(attr.sparse_tensor)
            for sparse in sparse_tensors:
                yield from (sparse.values, sparse.indices)
            if attr.HasField('g'):
                graphs.append(attr.g)
            graphs.extend(attr.graphs)


def external_data_locations(model) -> Iterator[Tuple[str, str]]:
    """
    Yield ``(tensor name, location)`` for each tensor of an ``onnx.ModelProto`` kept outside.

    Every tensor counts: initializers, sparse initializers, node attributes (``Constant``),
    subgraphs (``If``, ``Loop``, ``Scan``), local functions and training graphs. A tensor is
    external when its ``data_location`` says so or it has ``external_data`` entries; a missing
    location is yielded as ``''``.
    """
    from onnx import TensorProto

    for tensor in _tensors(model):
        if tensor.data_location == TensorProto.EXTERNAL or len(tensor.external_data):
            location = next((entry.value for entry in tensor.external_data
                             if entry.key == 'location'), '')
            yield tensor.name, location


def _why_refused(base: str, folder: str, location: str) -> Optional[str]:
    """Return why ``location`` may not be read (None if it is inside ``folder``)."""
    if not location or '\0' in location:
        return 'which is not a file name'
    if os.path.isabs(location):
        return 'an absolute path'
    target = os.path.realpath(os.path.join(base, location))
    if target == folder or os.path.commonpath([folder, target]) != folder:
        return f"which resolves to {target} (symlinks followed), outside the model's folder"
    return None


def check_external_data(onnx_path: Union[str, Path], model=None) -> None:
    """
    Refuse an ONNX file whose external data lies outside its folder (or is named absolutely).

    ``model`` is the file's ``onnx.ModelProto`` if already read (without its external data);
    otherwise the file is parsed here, its external data never read. Raises ModelFormatError
    naming the tensor, its location and what to do; returns None for a file that is fine,
    including one without external data.
    """
    path = Path(onnx_path)
    if model is None:
        onnx = require('onnx', 'install it with `pip install onnx`')
        try:
            model = onnx.load_model(str(path), load_external_data=False)
        except Exception as exc:  # protobuf raises several types for a broken file
            raise ModelFormatError(f'{path} is not a readable ONNX file ({type(exc).__name__}: '
                                   f'{exc}): export one with `msinet export`') from exc
    base = os.path.dirname(os.path.abspath(path))  # ONNX Runtime's base: the path as given
    folder = os.path.realpath(base)
    for name, location in external_data_locations(model):
        reason = _why_refused(base, folder, location)
        if reason is not None:
            raise ModelFormatError(
                f'{path}: tensor {name!r} keeps its data in {location!r}, {reason}. '
                "msinet_ros reads ONNX external data only from files inside the model's "
                f'folder ({folder}): a model could otherwise read any file this process may '
                f'read. Run ONNX files only from sources you trust, and {_HOW}')
