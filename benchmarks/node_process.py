"""
The load scripts' rig: the installed ``saliency_node`` as a process, a camera, a /proc sampler.

Run the scripts after sourcing an install (``source <install>/setup.bash``): the node is the
installed console script, as ``ros2 run msinet_ros saliency_node`` starts it. The camera is an
rclpy publisher in this process (best effort, like a camera driver) with a ``camera_info`` of
the same stamp per frame; results are timed on arrival, keyed by their header stamp, which is
the camera's send time on the system clock (the node's log lines carry that clock too).
"""

from dataclasses import dataclass
import os
from pathlib import Path
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
from diagnostic_msgs.msg import DiagnosticArray  # noqa: E402
from geometry_msgs.msg import Vector3Stamped  # noqa: E402
from load_stats import LOG_FORMAT  # noqa: E402
from msinet_ros.nodes.messages import image_msg  # noqa: E402
from msinet_ros.paths import fastdds_profile_env, share_dir  # noqa: E402
import rclpy  # noqa: E402
from rclpy.context import Context  # noqa: E402
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.qos import qos_profile_sensor_data, QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import CameraInfo, Image, PointCloud2  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from visualization_msgs.msg import MarkerArray  # noqa: E402

DEFAULT_DOMAIN_ID = 83  # this helper's own; ROS_DOMAIN_ID in the environment wins
DEFAULT_MODEL = Path('/tmp/msinet_load/random_240x320.onnx')
PHOTO = ROOT / 'demo' / 'images' / 'coffee.jpg'
TOPIC_TYPES = {'saliency/image': Image, 'saliency/image_mono': Image,
               'saliency/camera_info': CameraInfo, 'saliency_overlay/image': Image,
               'saliency_overlay/camera_info': CameraInfo, 'fixation': PointCloud2,
               'fixations': PointCloud2, 'fixations/markers': MarkerArray,
               'fixation/ray': Vector3Stamped}


def installed(name: str) -> Path:
    """Return the installed console script ``name`` (exit with a hint when not sourced)."""
    try:
        from ament_index_python.packages import get_package_prefix
        path = Path(get_package_prefix('msinet_ros')) / 'lib' / 'msinet_ros' / name
    except (ImportError, LookupError):
        path = None
    if path is None or not path.exists():
        sys.exit(f'{name} is not installed: build the package with colcon and source its '
                 'install/setup.bash first')
    return path


def set_up_environment() -> Dict[str, str]:
    """
    Set this process's ROS environment (the node inherits it) and return what was set.

    Discovery stays on this machine, the shipped Fast DDS profile carries large images, and
    the node's log lines have the format :func:`load_stats.log_times` parses, unbuffered.
    """
    values = {'ROS_AUTOMATIC_DISCOVERY_RANGE': 'LOCALHOST',
              'ROS_DOMAIN_ID': os.environ.get('ROS_DOMAIN_ID', str(DEFAULT_DOMAIN_ID)),
              'RCUTILS_CONSOLE_OUTPUT_FORMAT': LOG_FORMAT,
              'RCUTILS_LOGGING_BUFFERED_STREAM': '0',
              'ROS_LOG_DIR': os.environ.get('ROS_LOG_DIR', '/tmp/msinet_load/ros_log'),
              **fastdds_profile_env(share_dir() / 'config' / 'fastdds_large_images.xml')}
    if os.environ.get('ROS_DISTRO') == 'humble':
        values['ROS_LOCALHOST_ONLY'] = '1'
    os.environ.update(values)
    return values


def ensure_model(path: Path) -> Path:
    """Export the seeded random 240x320 network to ``path`` with ``msinet`` if missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([str(installed('msinet')), 'export', '--random-seed', '0', '--size',
                        '240x320', '-o', str(path)], check=True)
    return path


@dataclass(frozen=True)
class ProcSample:
    """One look at a process in /proc."""

    rss_mb: float  # VmRSS
    anon_mb: float  # RssAnon: heap and anonymous mappings (what a leak grows)
    file_mb: float  # RssFile: mapped files (libraries, the model) paged in
    shmem_mb: float  # RssShmem: shared memory touched (Fast DDS segments in /dev/shm)
    fds: int  # open file descriptors
    threads: int
    cpu_s: float  # user + system time so far


def sample(pid: int) -> ProcSample:
    """Read a process's memory, descriptors, threads and CPU time (Linux /proc)."""
    status = {}
    with open(f'/proc/{pid}/status') as handle:
        for line in handle:
            key, _, value = line.partition(':')
            status[key] = value.split()
    with open(f'/proc/{pid}/stat') as handle:
        fields = handle.read().rsplit(')', 1)[1].split()
    ticks = os.sysconf('SC_CLK_TCK')
    return ProcSample(rss_mb=int(status['VmRSS'][0]) / 1024,
                      anon_mb=int(status['RssAnon'][0]) / 1024,
                      file_mb=int(status['RssFile'][0]) / 1024,
                      shmem_mb=int(status['RssShmem'][0]) / 1024,
                      fds=len(os.listdir(f'/proc/{pid}/fd')), threads=int(status['Threads'][0]),
                      cpu_s=(int(fields[11]) + int(fields[12])) / ticks)


def session_members(sid: int) -> List[int]:
    """Return the pids of live processes in session ``sid`` (a started node's leftovers)."""
    members = []
    for entry in os.listdir('/proc'):
        if not entry.isdigit():
            continue
        try:
            with open(f'/proc/{entry}/stat') as handle:
                fields = handle.read().rsplit(')', 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if int(fields[3]) == sid and fields[0] != 'Z':
            members.append(int(entry))
    return members


class NodeProcess:
    """The installed saliency_node, in a session of its own, its output in a log file."""

    def __init__(self, model: Path, name: str, log_path: Path,
                 params: Optional[Dict[str, str]] = None, debug: bool = False):
        args = [str(installed('saliency_node')), '--ros-args', '-p', f'model:={model}',
                '-r', f'__ns:=/{name}', '-r', f'__node:={name}']
        for key, value in (params or {}).items():
            args += ['-p', f'{key}:={value}']
        if debug:  # the worker's 'inference started/done: stamp N' lines
            args += ['--log-level', f'{name}:=debug']
        self.args = args
        self.log_path = log_path
        self._log = open(log_path, 'w')
        self.started = time.monotonic()
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        """Return the process id (also its session id)."""
        return self.proc.pid

    def output(self) -> str:
        """Return everything the node printed so far."""
        self._log.flush()
        return self.log_path.read_text(errors='replace')

    def signal_and_wait(self, sig: int, timeout: float) -> Optional[float]:
        """Send ``sig``; return seconds until the process ended, None if it outlived timeout."""
        sent = time.monotonic()
        self.proc.send_signal(sig)
        while self.proc.poll() is None:
            if time.monotonic() - sent > timeout:
                return None
            time.sleep(0.002)
        return time.monotonic() - sent

    def stop(self, timeout: float = 10.0) -> Optional[int]:
        """SIGINT, then SIGKILL (with the session) if it hangs; return the exit code."""
        if self.proc.poll() is None and self.signal_and_wait(signal.SIGINT, timeout) is None:
            self.kill()
        self._log.close()
        return self.proc.returncode

    def kill(self) -> None:
        """Kill the node and anything left in its session."""
        for pid in session_members(self.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()


def photo_message(height: int = 480, width: int = 640) -> Image:
    """Return a demo photograph as an rgb8 Image message (its stamp set per frame)."""
    bgr = cv2.resize(cv2.imread(str(PHOTO), cv2.IMREAD_COLOR), (width, height),
                     interpolation=cv2.INTER_AREA)
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    return image_msg(rgb, 'rgb8', Header(frame_id='camera_optical_frame'))


def camera_info_message(height: int = 480, width: int = 640, f: float = 500.0) -> CameraInfo:
    """Return a calibrated pinhole camera_info matching :func:`photo_message`."""
    info = CameraInfo(height=height, width=width, distortion_model='plumb_bob')
    info.k = [f, 0.0, width / 2, 0.0, f, height / 2, 0.0, 0.0, 1.0]
    info.p = [f, 0.0, width / 2, 0.0, 0.0, f, height / 2, 0.0, 0.0, 0.0, 1.0, 0.0]
    info.d = [0.0] * 5
    info.r = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    info.header.frame_id = 'camera_optical_frame'
    return info


class Rig:
    """
    A camera at ``rate_hz`` into ``/<namespace>/image`` and subscriptions to its outputs.

    ``sent`` maps each frame's stamp (ns) to its send time and ``received[topic]`` each
    result's stamp to its arrival time, both ``time.time()`` (the stamp's clock). Spins in a
    thread of its own; the camera runs in another between :meth:`start_camera` and
    :meth:`stop_camera`.
    """

    def __init__(self, namespace: str, outputs: Sequence[str], rate_hz: float = 30.0):
        self.namespace = namespace
        self.rate_hz = rate_hz
        self.sent: Dict[int, float] = {}
        self.received: Dict[str, Dict[int, float]] = {topic: {} for topic in outputs}
        self.diagnostics: Dict[str, str] = {}
        self.behind = 0  # frames the camera thread sent more than a period late
        self._context = Context()
        rclpy.init(context=self._context)
        self.node = rclpy.create_node('msinet_load_rig', context=self._context)
        self._image_pub = self.node.create_publisher(Image, f'/{namespace}/image',
                                                     qos_profile_sensor_data)
        self._info_pub = self.node.create_publisher(
            CameraInfo, f'/{namespace}/camera_info',
            QoSProfile(depth=5, reliability=ReliabilityPolicy.BEST_EFFORT))
        for topic in outputs:
            self.node.create_subscription(TOPIC_TYPES[topic], f'/{namespace}/{topic}',
                                          self._on_result(self.received[topic]), 10)
        self.node.create_subscription(DiagnosticArray, '/diagnostics', self._on_diagnostics, 10)
        self._executor = SingleThreadedExecutor(context=self._context)
        self._executor.add_node(self.node)
        self._spinning = True
        self._spinner = threading.Thread(target=self._spin, name='rig_spin', daemon=True)
        self._spinner.start()
        self._camera: Optional[threading.Thread] = None
        self._camera_stop = threading.Event()

    @staticmethod
    def _on_result(store: Dict[int, float]):
        def record(msg) -> None:
            now = time.time()
            stamp = msg.header.stamp.sec * 10**9 + msg.header.stamp.nanosec
            store.setdefault(stamp, now)
        return record

    def _on_diagnostics(self, msg: DiagnosticArray) -> None:
        prefix = f'/{self.namespace}/{self.namespace}: '  # the node's full name
        for status in msg.status:
            if status.name.startswith(prefix):
                values = {kv.key: kv.value for kv in status.values}
                values['message'] = status.message
                self.diagnostics = values

    def _spin(self) -> None:
        while self._spinning and self._context.ok():
            self._executor.spin_once(timeout_sec=0.05)

    def start_camera(self) -> None:
        """Publish frames at ``rate_hz`` (absolute schedule) until :meth:`stop_camera`."""
        self._camera_stop.clear()
        self._camera = threading.Thread(target=self._run_camera, name='rig_camera',
                                        daemon=True)
        self._camera.start()

    def _run_camera(self) -> None:
        image, info = photo_message(), camera_info_message()
        period = 1.0 / self.rate_hz
        due = time.monotonic()
        while not self._camera_stop.is_set():
            now_ns = time.time_ns()
            image.header.stamp.sec, image.header.stamp.nanosec = divmod(now_ns, 10**9)
            info.header.stamp = image.header.stamp
            self._info_pub.publish(info)
            self._image_pub.publish(image)
            self.sent[now_ns] = now_ns * 1e-9
            due += period
            delay = due - time.monotonic()
            if delay < -period:  # more than a period behind (a loaded machine): resynchronise
                self.behind += 1
                due = time.monotonic()
            elif delay > 0:
                self._camera_stop.wait(delay)

    def stop_camera(self) -> None:
        """Stop publishing frames."""
        self._camera_stop.set()
        if self._camera is not None:
            self._camera.join()
            self._camera = None

    def wait_for(self, topic: str, after: float, timeout: float,
                 alive: Optional[subprocess.Popen] = None) -> Optional[float]:
        """Return when the first result on ``topic`` sent after ``after`` arrived, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if alive is not None and alive.poll() is not None:
                return None
            times = [t for stamp, t in list(self.received[topic].items())
                     if stamp * 1e-9 >= after]
            if times:
                return min(times)
            time.sleep(0.02)
        return None

    def wait_until_unpublished(self, topic: str, timeout: float = 30.0) -> float:
        """
        Wait until nothing publishes ``/<namespace>/<topic>``; return the seconds it took.

        Results are told apart by stamp only, so a node left over from another run (or
        another job in this domain) would pass its results off as the new node's: exits if
        something still publishes after ``timeout`` seconds. A process that ended without
        destroying its DDS participant (``os._exit``) stays in the graph until its lease
        expires (Fast DDS: 20 s by default), hence the default.
        """
        name = f'/{self.namespace}/{topic}'
        began = time.monotonic()
        while self.node.count_publishers(name) > 0:
            if time.monotonic() - began > timeout:
                sys.exit(f'another process publishes {name} in ROS domain '
                         f"{os.environ.get('ROS_DOMAIN_ID')}: stop it or set another "
                         'ROS_DOMAIN_ID')
            time.sleep(0.05)
        return time.monotonic() - began

    def close(self) -> None:
        """Stop the camera and spinning; destroy the node and its context."""
        self.stop_camera()
        self._spinning = False
        self._spinner.join()
        self._executor.shutdown()
        self.node.destroy_node()
        rclpy.try_shutdown(context=self._context)
