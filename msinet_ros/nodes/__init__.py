"""rclpy adapters: they own topics, QoS, parameters, timing and threads, not the maths."""
