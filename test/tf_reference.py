"""
A TensorFlow 1 reference of MSI-Net, built like the official ``model.py`` (test-only).

The graph uses the official op types and layer names (``tf.layers.conv2d`` named
``conv1/conv1_1`` …, ``tf.image.resize_bilinear``, ``tf.layers.max_pooling2d`` with ``same``
padding, ``tf.reduce_mean``, the normalisation ending in a node named ``output``) for the
``cpu`` (channels-last) and ``gpu`` (channels-first inside) variants. It is saved the way the
official code ships its models: frozen to a ``.pb`` after removing Identity nodes and merging
duplicate constants (what its ``TransformGraph`` step did), and as a TF2 SavedModel with a
``serving_default`` signature, as published on Hugging Face.
"""

import os
from pathlib import Path
from typing import Dict, Mapping, Tuple

import numpy as np

os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
import tensorflow as tf  # noqa: E402

tf1 = tf.compat.v1
MEAN = [103.939, 116.779, 123.68]


class ReferenceMSINet:
    """The official network structure on placeholders, channels-last or channels-first."""

    def __init__(self, device: str = 'cpu'):
        self.channels_first = device == 'gpu'
        self.data_format = 'channels_first' if self.channels_first else 'channels_last'
        self.axis = 1 if self.channels_first else 3
        self.dims = (2, 3) if self.channels_first else (1, 2)

    def conv(self, x, filters, size, name, dilation=1, relu=True, padding='same'):
        return tf1.layers.conv2d(x, filters, size, padding=padding,
                                 activation=tf.nn.relu if relu else None,
                                 dilation_rate=dilation, data_format=self.data_format,
                                 name=name)

    def pool(self, x, stride, padding='valid'):
        return tf1.layers.max_pooling2d(x, 2, stride, padding=padding,
                                        data_format=self.data_format)

    def upsample(self, x, shape, factor):
        if self.channels_first:
            x = tf.transpose(x, (0, 2, 3, 1))
        x = tf1.image.resize_bilinear(x, (shape[self.dims[0]] * factor,
                                          shape[self.dims[1]] * factor))
        if self.channels_first:
            x = tf.transpose(x, (0, 3, 1, 2))
        return x

    def forward(self, images):
        images -= tf.reshape(tf.constant(MEAN), [1, 1, 1, 3])
        if self.channels_first:
            images = tf.transpose(images, (0, 3, 1, 2))
        x = self.conv(images, 64, 3, 'conv1/conv1_1')
        x = self.conv(x, 64, 3, 'conv1/conv1_2')
        x = self.pool(x, 2)
        x = self.conv(x, 128, 3, 'conv2/conv2_1')
        x = self.conv(x, 128, 3, 'conv2/conv2_2')
        x = self.pool(x, 2)
        for i in (1, 2, 3):
            x = self.conv(x, 256, 3, f'conv3/conv3_{i}')
        pool3 = x = self.pool(x, 2)
        for i in (1, 2, 3):
            x = self.conv(x, 512, 3, f'conv4/conv4_{i}')
        pool4 = x = self.pool(x, 1, 'same')
        for i in (1, 2, 3):
            x = self.conv(x, 512, 3, f'conv5/conv5_{i}', dilation=2)
        pool5 = self.pool(x, 1, 'same')
        features = tf.concat([pool3, pool4, pool5], axis=self.axis)

        b1 = self.conv(features, 256, 1, 'aspp/conv1_1')
        b2 = self.conv(features, 256, 3, 'aspp/conv1_2', dilation=4)
        b3 = self.conv(features, 256, 3, 'aspp/conv1_3', dilation=8)
        b4 = self.conv(features, 256, 3, 'aspp/conv1_4', dilation=12)
        b5 = tf.reduce_mean(features, axis=self.dims, keepdims=True)
        b5 = self.conv(b5, 256, 1, 'aspp/conv1_5', padding='valid')
        b5 = self.upsample(b5, tf.shape(features), 1)
        context = tf.concat([b1, b2, b3, b4, b5], axis=self.axis)
        x = self.conv(context, 256, 1, 'aspp/conv2')

        for i, filters in enumerate((128, 64, 32), start=1):
            x = self.upsample(x, tf.shape(x), 2)
            x = self.conv(x, filters, 3, f'decoder/conv{i}')
        x = self.conv(x, 1, 3, 'decoder/conv4', relu=False)
        if self.channels_first:
            x = tf.transpose(x, (0, 2, 3, 1))
        self.logits = x
        x -= tf1.reduce_min(x, axis=(1, 2, 3), keepdims=True)
        top = tf1.reduce_max(x, axis=(1, 2, 3), keepdims=True)
        return tf.divide(x, 1e-7 + top, name='output')


class Reference:
    """A TF1 session holding the reference graph with given weights."""

    def __init__(self, weights: Mapping[str, np.ndarray], device: str = 'cpu'):
        self.graph = tf.Graph()
        with self.graph.as_default():
            self.input = tf1.placeholder(tf.float32, (None, None, None, 3), name='input')
            self.net = ReferenceMSINet(device)
            self.output = self.net.forward(self.input)
            self.session = tf1.Session(graph=self.graph)
            for var in tf1.global_variables():
                name = var.name.split(':')[0]
                self.session.run(var.assign(weights[name]))

    def run(self, images_nhwc: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Return (normalised map, map before normalisation), both ``[B, H, W, 1]``."""
        return tuple(self.session.run([self.output, self.net.logits],
                                      {self.input: images_nhwc}))

    def frozen_graphdef(self):
        """Freeze like the official export: constants in, Identity out, duplicates merged."""
        with self.graph.as_default():
            frozen = tf1.graph_util.convert_variables_to_constants(
                self.session, self.graph.as_graph_def(), ['output'])
        return merge_duplicate_constants(remove_identities(frozen))

    def save_frozen(self, path: Path) -> Path:
        """Write the frozen graph as a binary ``.pb`` and return its path."""
        Path(path).write_bytes(self.frozen_graphdef().SerializeToString())
        return Path(path)

    def save_checkpoint(self, prefix: Path) -> Path:
        """Write a TF1 checkpoint (as the official training does) and return its prefix."""
        with self.graph.as_default():
            tf1.train.Saver().save(self.session, str(prefix), write_meta_graph=False,
                                   write_state=False)
        return Path(prefix)


def remove_identities(graph_def):
    """Rewire every consumer of an Identity node to the Identity's input, and drop it."""
    identities = {n.name: n.input[0] for n in graph_def.node if n.op == 'Identity'}

    def resolve(name):
        ctrl = name.startswith('^')
        base, _, port = name.lstrip('^').partition(':')
        while base in identities:
            base, _, port = identities[base].partition(':')
        return ('^' if ctrl else '') + base + (f':{port}' if port else '')

    out = tf1.GraphDef()
    for node in graph_def.node:
        if node.op == 'Identity':
            continue
        new = out.node.add()
        new.CopyFrom(node)
        del new.input[:]
        new.input.extend(resolve(i) for i in node.input)
    return out


def merge_duplicate_constants(graph_def):
    """Keep one of each set of Const nodes with identical dtype and value; rewire the rest."""
    seen: Dict[bytes, str] = {}
    rename: Dict[str, str] = {}
    for node in graph_def.node:
        if node.op == 'Const':
            key = node.attr['value'].SerializeToString() + node.attr['dtype'].SerializeToString()
            if key in seen:
                rename[node.name] = seen[key]
            else:
                seen[key] = node.name
    out = tf1.GraphDef()
    for node in graph_def.node:
        if node.name in rename:
            continue
        new = out.node.add()
        new.CopyFrom(node)
        del new.input[:]
        for i in node.input:
            ctrl = i.startswith('^')
            base, sep, port = i.lstrip('^').partition(':')
            new.input.append(('^' if ctrl else '') + rename.get(base, base) + sep + port)
    return out


def save_saved_model(weights: Mapping[str, np.ndarray], path: Path, size=(240, 320)) -> Path:
    """Export a TF2 SavedModel with a ``serving_default`` signature, like the published one."""
    frozen = Reference(weights).frozen_graphdef()

    def imported(images):
        return tf1.import_graph_def(frozen, input_map={'input': images},
                                    return_elements=['output:0'])[0]

    wrapped = tf1.wrap_function(imported, [tf.TensorSpec((None, None, None, 3), tf.float32)])
    module = tf.Module()
    module.serve = tf.function(lambda images: {'output': wrapped(images)},
                               input_signature=[tf.TensorSpec((None, None, None, 3),
                                                              tf.float32, name='input')])
    tf.saved_model.save(module, str(path), signatures={'serving_default': module.serve})
    return Path(path)
