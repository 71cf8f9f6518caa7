"""The simulated robot without ROS: a pybullet scene, its camera and joints (``virtual_robot``)."""
