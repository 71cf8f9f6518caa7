#!/usr/bin/env python3
"""
Measure MSI-Net's size, work and faithfulness; print a Markdown report (docs/model.md).

Needs the test extras (tensorflow-cpu, tf-keras, torch): run as
``TF_USE_LEGACY_KERAS=1 .venv/bin/python benchmarks/model_report.py``. Deviations are max
absolute differences from the TensorFlow reference of the official graph (test/tf_reference.py)
with seeded random weights, on the normalised map and on the logits before normalisation
(relative to the logits' range).
"""

import os
from pathlib import Path
import platform
import sys
import tempfile

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / 'test')]
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')

from msinet_ros.model import architecture, onnx_export, weights  # noqa: E402
from msinet_ros.model.importers import import_weights  # noqa: E402
import numpy as np  # noqa: E402
from onnx import helper, TensorProto  # noqa: E402
import onnxruntime as ort  # noqa: E402
import tf_reference  # noqa: E402

SIZES = ((240, 320), (360, 360))


def main() -> None:
    """Print the report."""
    random = weights.random_weights(2020)
    reference = tf_reference.Reference(random, 'cpu')
    with tempfile.TemporaryDirectory() as tmp:
        imported, _ = import_weights(reference.save_frozen(Path(tmp) / 'model_salicon_cpu.pb'))
        print(f'Parameters: {architecture.parameter_count():,} (paper: 24,934,209)\n')
        print('| input | multiply-adds | ONNX fp32 | ONNX fp16 | fp32 map dev | fp32 logits '
              'dev (rel.) | fp16 map dev | torch map dev |')
        print('| --- | --- | --- | --- | --- | --- | --- | --- |')
        for height, width in SIZES:
            row = [f'{height}x{width}', f'{architecture.multiply_adds(height, width) / 1e9:.1f} G']
            models = {}
            for fp16 in (False, True):
                model = onnx_export.build(imported, height, width, batch=None, fp16=fp16)
                path = Path(tmp) / f'm{fp16}.onnx'
                onnx_export.save(model, path)
                row.append(f'{path.stat().st_size / 1e6:.1f} MB')
                models[fp16] = model
            x = np.random.default_rng(0).uniform(0, 255, (1, height, width, 3)).astype(
                np.float32)
            ref_map, ref_logits = reference.run(x)
            fp32 = models[False]
            fp32.graph.output.append(helper.make_tensor_value_info(
                'decoder/conv4', TensorProto.FLOAT, None))
            ours_map, ours_logits = run(fp32, x)
            span = ref_logits.max() - ref_logits.min()
            row += [f'{np.abs(ours_map - ref_map).max():.1e}',
                    f'{np.abs(ours_logits - ref_logits).max() / span:.1e}',
                    f'{np.abs(run(models[True], x)[0] - ref_map).max():.1e}',
                    torch_deviation(imported, x, ref_map)]
            print('| ' + ' | '.join(row) + ' |')
    print(f'\nMachine: {platform.processor() or platform.machine()}, onnxruntime '
          f'{ort.__version__} (CPU). Command: `{" ".join(sys.argv)}`')


def run(model, nhwc):
    """Run an ONNX model in onnxruntime on NHWC input; return NHWC outputs."""
    session = ort.InferenceSession(model.SerializeToString(), providers=['CPUExecutionProvider'])
    outs = session.run(None, {'image': nhwc.transpose(0, 3, 1, 2).copy()})
    return [o.transpose(0, 2, 3, 1) for o in outs]


def torch_deviation(imported, x, ref_map) -> str:
    """Return the PyTorch definition's max deviation, or n/a without torch."""
    try:
        import torch
        from msinet_ros.model.torch_model import MSINet
    except ImportError:
        return 'n/a'
    with torch.no_grad():
        out = MSINet(imported).eval()(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    return f'{np.abs(out.numpy().transpose(0, 2, 3, 1) - ref_map).max():.1e}'


if __name__ == '__main__':
    main()
