"""Install the msinet_ros ament_python package."""

from glob import glob
import re

from setuptools import find_packages, setup

PACKAGE = 'msinet_ros'
# package.xml holds the one version string (msinet_ros/__init__.py reads it too)
with open('package.xml') as handle:
    VERSION = re.search(r'<version>([^<]+)</version>', handle.read()).group(1).strip()

setup(
    name=PACKAGE,
    version=VERSION,
    packages=find_packages(exclude=['test', 'test.*']),
    data_files=[
        ('share/ament_index/resource_index/packages', [f'resource/{PACKAGE}']),
        (f'share/{PACKAGE}', ['package.xml']),
        (f'share/{PACKAGE}/launch', glob('launch/*.launch.py')),
        (f'share/{PACKAGE}/config', glob('config/*.yaml') + glob('config/*.xml')
         + glob('config/*.rviz')),
        (f'share/{PACKAGE}/demo/images', glob('demo/images/*')),
        (f'share/{PACKAGE}/urdf', glob('urdf/*.urdf')),
        (f'share/{PACKAGE}/worlds', glob('worlds/*.sdf')),
    ],
    install_requires=['setuptools'],
    extras_require={'test': ['pytest']},
    zip_safe=True,
    maintainer='msinet_ros developers',
    maintainer_email='msinet-ros@example.org',
    description='MSI-Net visual saliency for ROS 2',
    license='MIT',
    entry_points={
        'console_scripts': [
            'msinet = msinet_ros.cli.main:main',
            'attention_node = msinet_ros.nodes.attention_node:main',
            'attention_recorder = msinet_ros.nodes.attention_recorder:main',
            'gaze_controller = msinet_ros.nodes.gaze_controller:main',
            'image_player = msinet_ros.nodes.image_player:main',
            'saliency_node = msinet_ros.nodes.saliency_node:main',
            'saliency_recorder = msinet_ros.nodes.saliency_recorder:main',
            'virtual_robot = msinet_ros.nodes.virtual_robot:main',
        ],
    },
)
