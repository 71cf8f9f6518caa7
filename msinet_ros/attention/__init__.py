"""Attention without ROS: peak selection, pixel <-> ray, head kinematics, inhibition of return."""
