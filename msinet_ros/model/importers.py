"""
Import MSI-Net weights from the formats users download, detected by content.

* ``frozen_graph`` — the official TF1 frozen graphs ``model_<dataset>_<cpu|gpu>.pb``, read
  without TensorFlow (:mod:`.tf_graphdef`) and mapped by structure (:mod:`.graph_import`);
* ``saved_model`` — the TF2 SavedModel published on Hugging Face and Kaggle (a folder with
  ``saved_model.pb``): frozen with TensorFlow, then mapped like a frozen graph;
* ``checkpoint`` — TF1 training checkpoints (``model.ckpt`` with ``.index`` and ``.data-*``),
  read with TensorFlow by the official variable names;
* ``safetensors`` — a canonical weights file (validated and passed through).

The ``saved_model`` and ``checkpoint`` importers need the tensorflow extra
(``pip install tensorflow-cpu``); the others need neither TensorFlow nor PyTorch.
"""

from pathlib import Path
import re
import struct
from typing import Optional, Tuple

from . import weights as weights_file
from .architecture import DATASET_SIZES
from .graph_import import weights_from_graphdef
from .tf_graphdef import parse_graphdef
from .weights import expected_shapes, Metadata, validate, Weights
from ..errors import ModelFormatError, require

FORMATS = ('frozen_graph', 'saved_model', 'checkpoint', 'safetensors')
_TF_EXTRA = ('this format needs TensorFlow: `pip install tensorflow-cpu` (only for importing; '
             'or import an official frozen model_<dataset>_cpu.pb, which needs no TensorFlow)')
_OFFICIAL_NAME = re.compile(r'model_([a-z0-9]+)_(cpu|gpu)', re.IGNORECASE)


def _checkpoint_prefix(path: Path) -> Optional[Path]:
    text = str(path)
    for suffix in ('.index', '.data-00000-of-00001'):
        if text.endswith(suffix):
            text = text[:-len(suffix)]
    prefix = Path(text)
    return prefix if Path(f'{prefix}.index').is_file() else None


def _is_safetensors(path: Path) -> bool:
    with open(path, 'rb') as handle:
        head = handle.read(9)
    if len(head) < 9:
        return False
    (length,) = struct.unpack('<Q', head[:8])
    return head[8:9] == b'{' and length < path.stat().st_size


def detect_format(path: Path) -> str:
    """Return which of :data:`FORMATS` ``path`` holds; raise ModelFormatError if none."""
    path = Path(path)
    if path.is_dir():
        if (path / 'saved_model.pb').is_file():
            return 'saved_model'
        raise ModelFormatError(f'{str(path)!r} is a folder without saved_model.pb: expected a '
                               'TF2 SavedModel folder, a frozen .pb graph, a TF1 checkpoint or '
                               'a .safetensors file')
    if _checkpoint_prefix(path) is not None:
        return 'checkpoint'
    if not path.is_file():
        raise ModelFormatError(f'{str(path)!r} does not exist')
    if path.name == 'saved_model.pb':
        return 'saved_model'
    if _is_safetensors(path):
        return 'safetensors'
    return 'frozen_graph'  # parsing it tells whether it really is one


def _frozen_graph(path: Path) -> Weights:
    try:
        graph = parse_graphdef(path.read_bytes(), source=str(path))
    except ModelFormatError as exc:
        raise ModelFormatError(f'{exc}. `msinet import` reads the official frozen '
                               'model_<dataset>_<cpu|gpu>.pb graphs, TF2 SavedModel folders, TF1 '
                               'checkpoints and .safetensors weights') from exc
    return weights_from_graphdef(graph, source=str(path))


def _saved_model(path: Path) -> Weights:
    tf = require('tensorflow', _TF_EXTRA)
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    folder = path.parent if path.name == 'saved_model.pb' else path
    try:
        loaded = tf.saved_model.load(str(folder))
    except Exception as exc:  # TF raises many types for broken SavedModels
        raise ModelFormatError(f'{str(folder)!r} is not a loadable SavedModel '
                               f'({type(exc).__name__}: {str(exc).splitlines()[0]})') from exc
    signatures = dict(loaded.signatures)
    if not signatures:
        raise ModelFormatError(f'{str(folder)!r} has no signatures to import')
    function = signatures.get('serving_default') or next(iter(signatures.values()))
    frozen = convert_variables_to_constants_v2(function)
    graph = parse_graphdef(frozen.graph.as_graph_def().SerializeToString(), source=str(folder))
    return weights_from_graphdef(graph, source=str(folder))


def _checkpoint(path: Path) -> Weights:
    tf = require('tensorflow', _TF_EXTRA)
    prefix = _checkpoint_prefix(path)
    try:
        reader = tf.train.load_checkpoint(str(prefix))
        names = set(reader.get_variable_to_shape_map())
    except Exception as exc:
        raise ModelFormatError(f'{str(prefix)!r} is not a readable TF checkpoint '
                               f'({type(exc).__name__}: {str(exc).splitlines()[0]})') from exc
    return validate({name: reader.get_tensor(name) for name in expected_shapes()
                     if name in names}, source=str(prefix))


def import_weights(path: Path, dataset: Optional[str] = None) -> Tuple[Weights, Metadata]:
    """
    Read MSI-Net weights in any supported format; return canonical weights and metadata.

    ``dataset`` overrides the training dataset otherwise taken from an official file name
    (``model_salicon_cpu.pb``) or the input's metadata.
    """
    path = Path(path)
    kind = detect_format(path)
    if kind == 'safetensors':
        weights, metadata = weights_file.load(path)
    else:
        weights = {'frozen_graph': _frozen_graph, 'saved_model': _saved_model,
                   'checkpoint': _checkpoint}[kind](path)
        metadata = {}
    match = _OFFICIAL_NAME.search(path.name)
    dataset = (dataset or metadata.get('dataset') or
               (match.group(1).lower() if match else 'unknown'))
    size = DATASET_SIZES.get(dataset)
    metadata = {
        **metadata,
        'source': metadata.get('source', f'{path.name} ({kind})'),
        'dataset': dataset,
        'input_size': metadata.get('input_size', f'{size[0]}x{size[1]}' if size else 'unknown'),
    }
    return weights, metadata
