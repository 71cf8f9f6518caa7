"""
Map the constants of a frozen MSI-Net GraphDef to the architecture's layers by structure.

Layer names in a frozen graph are not to be trusted (graph transforms rename and merge
nodes), so every ``Conv2D`` is described by what it computes: kernel shape, dilation (from its
``dilations`` attribute, or from the ``SpaceToBatchND`` → ``Conv2D`` (VALID) →
``BatchToSpaceND`` form in which TF1 freezes dilated convolutions, the dilation being the block
shape), whether it reads the global average pool, and its depth in the graph. Layers are
assigned in depth order to the architecture's convolutions with the same description.
"""

from collections import defaultdict
from typing import Dict, List, Optional, Tuple

import numpy as np

from .architecture import CONVS
from .tf_graphdef import node_map, tensor_to_array
from .weights import validate, Weights
from ..errors import ModelFormatError

_PASS_THROUGH = ('Identity', 'Transpose', 'Reshape', 'ExpandDims', 'Squeeze')


def _base(name: str) -> str:
    return name.lstrip('^').split(':')[0]


class _Graph:
    def __init__(self, graph, source: str):
        self.source = source
        self.nodes = node_map(graph)
        self.consumers: Dict[str, List] = defaultdict(list)
        for node in graph.node:
            for name in node.input:
                if not name.startswith('^'):
                    self.consumers[_base(name)].append(node)
        self._depth: Dict[str, int] = {}

    def node(self, name: str, skip=('Identity',)):
        node = self.nodes.get(_base(name))
        while node is not None and node.op in skip and node.input:
            node = self.nodes.get(_base(node.input[0]))
        if node is None:
            raise ModelFormatError(f'{self.source}: the graph refers to a missing node {name!r}')
        return node

    def const(self, name: str) -> np.ndarray:
        node = self.node(name)
        if node.op != 'Const':
            raise ModelFormatError(f'{self.source}: {node.name} is a {node.op}, not a constant '
                                   '— is this a frozen graph?')
        return tensor_to_array(node.attr['value'].tensor)

    def depth(self, name: str) -> int:
        """Longest path from a graph input (iterative, graphs are a few hundred nodes deep)."""
        stack = [name]
        while stack:
            current = stack[-1]
            if current in self._depth:
                stack.pop()
                continue
            inputs = [_base(i) for i in self.nodes[current].input if not i.startswith('^')]
            pending = [i for i in inputs if i not in self._depth and i in self.nodes]
            if pending:
                stack.extend(pending)
                continue
            self._depth[current] = 1 + max((self._depth.get(i, 0) for i in inputs), default=0)
            stack.pop()
        return self._depth[name]


def _spatial_dilation(node) -> int:
    if 'dilations' not in node.attr or not node.attr['dilations'].list.i:
        return 1
    values = list(node.attr['dilations'].list.i)
    channels_first = node.attr['data_format'].s == b'NCHW'
    spatial = values[2:4] if channels_first else values[1:3]
    if spatial[0] != spatial[1]:
        raise ModelFormatError(f'{node.name}: unequal dilations {spatial} are not MSI-Net')
    return int(spatial[0])


def _describe(graph: _Graph, conv) -> Tuple[Tuple[int, int, int, int, int, bool], np.ndarray,
                                            np.ndarray]:
    """Return ((kh, kw, in, out, dilation, after_mean), kernel, bias) of one Conv2D."""
    kernel = graph.const(conv.input[1])
    if kernel.ndim != 4:
        raise ModelFormatError(f'{graph.source}: {conv.name} has a {kernel.ndim}-D kernel')
    dilation = _spatial_dilation(conv)
    data = graph.node(conv.input[0])
    output = conv
    if data.op == 'SpaceToBatchND':
        block = graph.const(data.input[1]).ravel()  # [d, d]; channels-first: [1, d, d]
        if len(block) < 2 or block[-1] != block[-2] or (block[:-2] != 1).any():
            raise ModelFormatError(f'{graph.source}: {data.name} has block shape {block}, '
                                   'which is not a dilated MSI-Net convolution')
        dilation = int(block[-1])
        data = graph.node(data.input[0])
        after = [n for n in graph.consumers[conv.name] if n.op == 'BatchToSpaceND']
        if len(after) != 1:
            raise ModelFormatError(f'{graph.source}: {conv.name} reads a SpaceToBatchND but '
                                   'has no BatchToSpaceND after it')
        output = after[0]
    after_mean = graph.node(data.name, skip=_PASS_THROUGH).op == 'Mean'
    bias = None
    for consumer in graph.consumers[output.name]:
        if consumer.op in ('BiasAdd', 'Add', 'AddV2'):
            other = [i for i in consumer.input if _base(i) != output.name]
            if len(other) == 1 and graph.node(other[0]).op == 'Const':
                bias = graph.const(other[0]).ravel()
    if bias is None:
        raise ModelFormatError(f'{graph.source}: no bias found after {conv.name}')
    return (*kernel.shape, dilation, after_mean), kernel, bias


def _check_resizes(graph: _Graph) -> None:
    for node in graph.nodes.values():
        if node.op == 'ResizeBilinear' and (node.attr['align_corners'].b or
                                            node.attr['half_pixel_centers'].b):
            raise ModelFormatError(
                f'{graph.source}: {node.name} resizes with align_corners or half-pixel centres; '
                'MSI-Net uses TF1 resize_bilinear defaults, so this is another model')


def weights_from_graphdef(graphdef, source: str = 'graph') -> Weights:
    """Return validated canonical weights from a parsed frozen MSI-Net GraphDef."""
    graph = _Graph(graphdef, source)
    convs = [node for node in graphdef.node if node.op == 'Conv2D']
    if len(convs) != len(CONVS):
        raise ModelFormatError(f'{source}: the graph has {len(convs)} convolutions, MSI-Net has '
                               f'{len(CONVS)} — not an MSI-Net graph')
    _check_resizes(graph)
    described = sorted((graph.depth(conv.name), conv.name, _describe(graph, conv))
                       for conv in convs)
    used = [False] * len(described)
    weights: Weights = {}
    missing = []
    for layer in CONVS:
        wanted = (*layer.kernel_shape, layer.dilation, layer.after_global_mean)
        index: Optional[int] = next((i for i, (_, _, (desc, _, _)) in enumerate(described)
                                     if not used[i] and desc == wanted), None)
        if index is None:
            missing.append(layer)
            continue
        used[index] = True
        _, _, (_, kernel, bias) = described[index]
        weights[f'{layer.name}/kernel'] = kernel
        weights[f'{layer.name}/bias'] = bias
    if missing:
        layer = missing[0]
        extra = ', '.join(f'{name} with kernel {tuple(desc[:4])} and dilation {desc[4]}'
                          for (_, name, (desc, _, _)), taken in zip(described, used)
                          if not taken)
        raise ModelFormatError(
            f'{source}: layer {layer.name} expects kernel {layer.kernel_shape} with dilation '
            f'{layer.dilation}; the graph has no such convolution, but has {extra} — not the '
            'MSI-Net architecture')
    return validate(weights, source)
