"""benchmarks/backends.py: the section of a ``msinet benchmark`` record."""

from pathlib import Path
import sys

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / 'benchmarks'))

import backends  # noqa: E402


def test_render_gives_versions_the_table_and_the_int8_model():
    stages = {s: {'p50': 10.0, 'p95': 12.0} for s in
              ('preprocess', 'inference', 'postprocess', 'total')}
    case = {'case': {'size': '240x320'}, 'label': 'onnxruntime cpu int8', 'stages_ms': stages,
            'fps': 100.0, 'peak_rss_mb': 300.0,
            'vs_reference': {'median': 2.5, 'min': 2.0, 'max': 3.0}}
    record = {'results': {
        'frame': [480, 640, 3], 'image': '640x480 noise', 'model': 'seeded', 'reference':
        'torch cpu fp32', 'versions': {'onnxruntime': '1.32.0', 'torch': '2.13.0'},
        'int8': {'240x320': {'scheme': 'QDQ', 'calibration_images': 4, 'seconds': 12.5,
                             'float_nodes': ['decoder/conv4', 'saliency']}},
        'cases': [case]}}
    text = backends.render(record)
    assert 'onnxruntime 1.32.0, torch 2.13.0' in text
    assert '| 240x320 | onnxruntime cpu int8 | 10.0 ms |' in text
    assert '| 2.50× (2.00–3.00) | 300 MB |' in text
    assert 'calibrated on 4 images in 12.5 s; kept in float: decoder/conv4, saliency' in text
