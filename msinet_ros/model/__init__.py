"""
MSI-Net: the architecture (one declarative description), weights and their importers, ONNX export.

:mod:`.architecture` is the single source of truth; the ONNX builder and the optional PyTorch
module are both derived from it.
"""
