"""Shared test set-up: ROS 2 traffic stays on this machine, in a domain of its own."""

import os
import random

# Every process a test starts inherits these. LOCALHOST keeps DDS discovery on loopback from
# Iron on; Humble ignores it and has ROS_LOCALHOST_ONLY instead, which Jazzy warns is
# deprecated and Kilted ignores: set that one on Humble only.
os.environ['ROS_AUTOMATIC_DISCOVERY_RANGE'] = 'LOCALHOST'
if os.environ.get('ROS_DISTRO') == 'humble':
    os.environ['ROS_LOCALHOST_ONLY'] = '1'
os.environ.setdefault('ROS_DOMAIN_ID', str(random.randint(1, 101)))
os.environ.setdefault('TF_USE_LEGACY_KERAS', '1')
os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
os.environ.setdefault('ROS_LOG_DIR', os.path.join(os.environ.get('TMPDIR', '/tmp'),
                                                  'msinet_ros_test_logs'))
