"""Scoring a model on a saliency dataset, and two models against each other (ROS-free)."""
