"""
MSI-Net as a PyTorch module (optional: only the torch backend and parity tests need it).

Derived from :data:`architecture.OPS` like the ONNX graph. PyTorch has neither TF1's
asymmetric bilinear resize nor TF's bottom/right-only ``same`` pooling, so both are written out
here: a x2 asymmetric resize is exactly "copy each pixel, and average it with its next
neighbour (the last one repeated) in between", and the pools pad bottom/right with -inf.
"""

from typing import Dict, Mapping

import numpy as np

from .architecture import CONVS, IMAGENET_MEAN, NORMALIZE_EPS, OPS
from .weights import validate
from ..errors import require

torch = require('torch', 'the torch backend is optional: `pip install torch`')
F = torch.nn.functional


def upsample2x_asymmetric(x):
    """Upsample NCHW x2 as TF1 ``resize_bilinear`` (align_corners=False, no half-pixel)."""
    def along(t, dim):
        last = t.size(dim) - 1
        nxt = torch.cat([t.narrow(dim, 1, last), t.narrow(dim, last, 1)], dim)
        mid = (t + nxt) * 0.5
        stacked = torch.stack([t, mid], dim + 1)
        shape = list(t.shape)
        shape[dim] *= 2
        return stacked.reshape(shape)
    return along(along(x, 2), 3)


class MSINet(torch.nn.Module):
    """MSI-Net; input ``[B, 3, H, W]`` RGB 0..255, output ``[B, 1, H, W]`` in 0..1."""

    def __init__(self, weights: Mapping[str, np.ndarray]):
        super().__init__()
        weights = validate(weights)
        self.convs = torch.nn.ModuleDict()
        for conv in CONVS:
            layer = torch.nn.Conv2d(conv.in_channels, conv.out_channels, conv.kernel,
                                    padding=conv.dilation * (conv.kernel - 1) // 2,
                                    dilation=conv.dilation)
            layer.weight.data = torch.from_numpy(
                weights[f'{conv.name}/kernel'].transpose(3, 2, 0, 1).copy())
            layer.bias.data = torch.from_numpy(weights[f'{conv.name}/bias'].copy())
            self.convs[conv.name.replace('/', '__')] = layer
        self.register_buffer('mean', torch.tensor(IMAGENET_MEAN).reshape(1, 3, 1, 1))

    def forward(self, image):
        """Return the normalised saliency map of a batch of images."""
        out: Dict[str, object] = {}
        for op in OPS:
            x = [out[name] for name in op.inputs]
            if op.kind == 'input':
                y = image
            elif op.kind == 'subtract_mean':
                y = x[0] - self.mean.to(x[0].dtype)
            elif op.kind == 'conv':
                y = self.convs[op.name.replace('/', '__')](x[0])
                y = F.relu(y) if op.relu else y
            elif op.kind == 'pool':
                src = x[0] if op.stride == 2 else F.pad(x[0], (0, 1, 0, 1), value=float('-inf'))
                y = F.max_pool2d(src, 2, op.stride)
            elif op.kind == 'concat':
                y = torch.cat(x, 1)
            elif op.kind == 'global_mean':
                y = x[0].float().mean((2, 3), keepdim=True).to(x[0].dtype)
            elif op.kind == 'broadcast':
                y = x[0].expand(-1, -1, *x[1].shape[2:])
            elif op.kind == 'upsample':
                y = upsample2x_asymmetric(x[0])
            elif op.kind == 'normalize':
                z = x[0].float()
                z = z - z.amin((1, 2, 3), keepdim=True)
                y = z / (z.amax((1, 2, 3), keepdim=True) + NORMALIZE_EPS)
            out[op.name] = y
        return out['output']
