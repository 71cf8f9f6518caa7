"""Inference: official pre/post-processing, fixation selection, the predictor and its backends."""
