"""
The saliency benchmark's measures, in two protocols (ROS-free).

- :mod:`.legacy`: the MIT benchmark's definitions (the MATLAB ``code_forMetrics`` of
  cvzoya/saliency), which most published tables, the MSI-Net paper's included, report.
- :mod:`.tuebingen`: the MIT/Tübingen benchmark's definitions (pysaliency, matthias-k).

Each protocol module exposes ``MEASURES``: measure name → function ``(saliency, truth,
context) → float``. A measure that is not defined for an input raises
:class:`~.common.MetricUndefined` with the reason; the evaluation counts it as ``n/a`` and
leaves it out of the mean.
"""
