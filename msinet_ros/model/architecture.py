"""
MSI-Net as published (Kroner et al. 2020), described once as a list of operations.

The ONNX builder (:mod:`.onnx_export`) and the optional PyTorch module (:mod:`.torch_model`) both
walk :data:`OPS`; nothing about the layers is written down anywhere else. Semantics follow the
official TensorFlow 1 code:

* the input is RGB in 0..255; ``IMAGENET_MEAN`` is subtracted from R, G, B in that order;
* 3x3 convolutions use TF ``same`` padding (symmetric for stride 1); every conv but the last
  is followed by a ReLU;
* pool1..pool3 are 2x2/2 max pools; pool4 and pool5 are 2x2 max pools with stride 1 and TF
  ``same`` padding, which pads only bottom and right;
* conv5 is dilated at rate 2; the ASPP has a 1x1 conv, 3x3 convs at rates 4, 8, 12 and a
  global-average-pool branch whose 1x1 conv is broadcast back to the feature size;
* the decoder upsamples x2 with TF1 ``resize_bilinear`` (asymmetric coordinates: output pixel
  2i equals input pixel i) before each 3x3 conv;
* the map is min-max normalised per image: ``(x - min) / (max - min + 1e-7)``.
"""

from dataclasses import dataclass
from typing import Dict, List, Tuple

from ..errors import InputSizeError

IMAGENET_MEAN = (103.939, 116.779, 123.68)  # subtracted from R, G, B (as the official code)
NORMALIZE_EPS = 1e-7
STRIDE = 8  # input height and width must be multiples of this
PARAMETER_COUNT = 24_934_209  # paper, Table 3

# Training sizes (height, width) of the official models, per dataset.
DATASET_SIZES: Dict[str, Tuple[int, int]] = {
    'salicon': (240, 320), 'mit1003': (360, 360), 'cat2000': (216, 384),
    'dutomron': (360, 360), 'pascals': (360, 360), 'osie': (240, 320), 'fiwi': (216, 384),
}


@dataclass(frozen=True)
class Op:
    """
    One operation of the network.

    ``kind`` is one of: ``input``, ``subtract_mean``, ``conv``, ``pool`` (2x2 max pool;
    ``stride`` 2 valid, or 1 with TF ``same`` padding), ``concat`` (channels),
    ``global_mean`` (spatial mean, kept as 1x1), ``broadcast`` (first input expanded to the
    spatial size of the second), ``upsample`` (x2 bilinear, TF1 asymmetric) and ``normalize``.
    """

    kind: str
    name: str
    inputs: Tuple[str, ...] = ()
    out_channels: int = 0  # conv only
    kernel: int = 0  # conv only
    dilation: int = 1  # conv only
    relu: bool = True  # conv only
    stride: int = 0  # pool only


def _conv(name: str, src: str, out: int, kernel: int = 3, dilation: int = 1,
          relu: bool = True) -> Op:
    return Op('conv', name, (src,), out_channels=out, kernel=kernel, dilation=dilation,
              relu=relu)


def _vgg_block(block: int, src: str, out: int, convs: int, dilation: int = 1) -> List[Op]:
    ops = []
    for i in range(1, convs + 1):
        name = f'conv{block}/conv{block}_{i}'
        ops.append(_conv(name, src, out, dilation=dilation))
        src = name
    return ops


def _build() -> List[Op]:
    ops = [Op('input', 'input'), Op('subtract_mean', 'preprocess', ('input',))]
    ops += _vgg_block(1, 'preprocess', 64, 2)
    ops.append(Op('pool', 'pool1', ('conv1/conv1_2',), stride=2))
    ops += _vgg_block(2, 'pool1', 128, 2)
    ops.append(Op('pool', 'pool2', ('conv2/conv2_2',), stride=2))
    ops += _vgg_block(3, 'pool2', 256, 3)
    ops.append(Op('pool', 'pool3', ('conv3/conv3_3',), stride=2))
    ops += _vgg_block(4, 'pool3', 512, 3)
    ops.append(Op('pool', 'pool4', ('conv4/conv4_3',), stride=1))
    ops += _vgg_block(5, 'pool4', 512, 3, dilation=2)
    ops.append(Op('pool', 'pool5', ('conv5/conv5_3',), stride=1))
    ops.append(Op('concat', 'encoder', ('pool3', 'pool4', 'pool5')))
    ops += [
        _conv('aspp/conv1_1', 'encoder', 256, kernel=1),
        _conv('aspp/conv1_2', 'encoder', 256, dilation=4),
        _conv('aspp/conv1_3', 'encoder', 256, dilation=8),
        _conv('aspp/conv1_4', 'encoder', 256, dilation=12),
        Op('global_mean', 'aspp/mean', ('encoder',)),
        _conv('aspp/conv1_5', 'aspp/mean', 256, kernel=1),
        Op('broadcast', 'aspp/context', ('aspp/conv1_5', 'encoder')),
        Op('concat', 'aspp/concat', ('aspp/conv1_1', 'aspp/conv1_2', 'aspp/conv1_3',
                                     'aspp/conv1_4', 'aspp/context')),
        _conv('aspp/conv2', 'aspp/concat', 256, kernel=1),
    ]
    src = 'aspp/conv2'
    for i, out in enumerate((128, 64, 32), start=1):
        ops.append(Op('upsample', f'decoder/upsample{i}', (src,)))
        ops.append(_conv(f'decoder/conv{i}', f'decoder/upsample{i}', out))
        src = f'decoder/conv{i}'
    ops.append(_conv('decoder/conv4', src, 1, relu=False))
    ops.append(Op('normalize', 'output', ('decoder/conv4',)))
    return ops


OPS: Tuple[Op, ...] = tuple(_build())


@dataclass(frozen=True)
class ConvShape:
    """A convolution's weights as TF stores them: kernel (kh, kw, in, out) and bias (out,)."""

    name: str
    in_channels: int
    out_channels: int
    kernel: int
    dilation: int
    after_global_mean: bool

    @property
    def kernel_shape(self) -> Tuple[int, int, int, int]:
        """Return the kernel's shape in TF's HWIO order."""
        return (self.kernel, self.kernel, self.in_channels, self.out_channels)

    @property
    def parameters(self) -> int:
        """Return the number of weights and biases."""
        return self.kernel * self.kernel * self.in_channels * self.out_channels + \
            self.out_channels


def _channels() -> Dict[str, int]:
    channels: Dict[str, int] = {}
    for op in OPS:
        if op.kind == 'input':
            channels[op.name] = 3
        elif op.kind == 'conv':
            channels[op.name] = op.out_channels
        elif op.kind == 'concat':
            channels[op.name] = sum(channels[src] for src in op.inputs)
        else:
            channels[op.name] = channels[op.inputs[0]]
    return channels


CHANNELS: Dict[str, int] = _channels()

CONVS: Tuple[ConvShape, ...] = tuple(
    ConvShape(op.name, CHANNELS[op.inputs[0]], op.out_channels, op.kernel, op.dilation,
              next(o for o in OPS if o.name == op.inputs[0]).kind == 'global_mean')
    for op in OPS if op.kind == 'conv')


def parameter_count() -> int:
    """Return the number of trainable parameters the architecture has."""
    return sum(conv.parameters for conv in CONVS)


def check_input_size(height: int, width: int) -> None:
    """Raise InputSizeError unless both sides are positive multiples of 8."""
    if height <= 0 or width <= 0 or height % STRIDE or width % STRIDE:
        raise InputSizeError(
            f'input size {height}x{width} is not usable: height and width must be positive '
            f'multiples of {STRIDE} (official sizes: 240x320, 360x360, 216x384, 320x240, '
            '320x320)')


def feature_sizes(height: int, width: int) -> Dict[str, Tuple[int, int]]:
    """Return the spatial size of every operation's output for an input size."""
    check_input_size(height, width)
    sizes: Dict[str, Tuple[int, int]] = {}
    for op in OPS:
        if op.kind == 'input':
            sizes[op.name] = (height, width)
        elif op.kind == 'pool' and op.stride == 2:
            h, w = sizes[op.inputs[0]]
            sizes[op.name] = (h // 2, w // 2)
        elif op.kind == 'global_mean':
            sizes[op.name] = (1, 1)
        elif op.kind == 'broadcast':
            sizes[op.name] = sizes[op.inputs[1]]
        elif op.kind == 'upsample':
            h, w = sizes[op.inputs[0]]
            sizes[op.name] = (2 * h, 2 * w)
        else:
            sizes[op.name] = sizes[op.inputs[0]]
    return sizes


def multiply_adds(height: int, width: int) -> int:
    """Return the multiply-accumulate count of the convolutions for one input image."""
    sizes = feature_sizes(height, width)
    return sum(h * w * conv.kernel * conv.kernel * conv.in_channels * conv.out_channels
               for conv in CONVS for h, w in [sizes[conv.name]])


def parse_size(text: str) -> Tuple[int, int]:
    """Parse ``HxW`` (e.g. ``240x320``) into a checked (height, width)."""
    try:
        height, width = (int(part) for part in text.lower().split('x'))
    except ValueError:
        raise InputSizeError(f'size {text!r} is not of the form HxW, e.g. 240x320') from None
    check_input_size(height, width)
    return height, width
