"""Image files and rgb8 message fields."""

import array
import hashlib
import os
from pathlib import Path
import select
import struct
import subprocess
import sys
import zlib

import cv2
from hypothesis import given, strategies as st
from image_encodings import encode, smooth_rgb
import msinet_ros
from msinet_ros.errors import ImageError
from msinet_ros.imaging import (_declared_size, array_fields, check_image_fields, DECODERS,
                                image_to_float, image_to_rgb, list_images, MAX_PIXELS,
                                read_rgb, SCALAR_DECODERS)
import numpy as np
import pytest


def test_array_fields_describe_the_array_without_padding():
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    fields = array_fields(rgb[:, ::-1], 'rgb8')  # non-contiguous view
    assert (fields.height, fields.width, fields.encoding, fields.step) == (2, 3, 'rgb8', 9)
    assert fields.data.tobytes() == np.ascontiguousarray(rgb[:, ::-1]).tobytes()


@pytest.mark.parametrize('bad', [np.zeros((2, 2), np.uint8), np.zeros((2, 2, 3), np.float32),
                                 np.zeros((2, 2, 4), np.uint8)])
def test_array_fields_reject_other_arrays(bad):
    with pytest.raises(ImageError):
        array_fields(bad, 'rgb8')


def test_read_rgb_returns_rgb_order_and_shrinks_wide_images(tmp_path):
    bgr = np.zeros((100, 400, 3), np.uint8)
    bgr[..., 2] = 255  # red in OpenCV's BGR order
    cv2.imwrite(str(tmp_path / 'red.png'), bgr)
    rgb = read_rgb(tmp_path / 'red.png', max_width=200)
    assert rgb.shape == (50, 200, 3)
    assert (rgb[..., 0] == 255).all() and (rgb[..., 2] == 0).all()


def test_list_images_sorts_and_filters(tmp_path):
    for name in ('b.png', 'a.JPG', 'notes.txt'):
        (tmp_path / name).write_bytes(b'')
    assert [p.name for p in list_images(tmp_path)] == ['a.JPG', 'b.png']


def test_bad_folders_and_files_give_image_errors(tmp_path):
    with pytest.raises(ImageError, match='does not exist'):
        list_images(tmp_path / 'missing')
    with pytest.raises(ImageError, match='holds no'):
        list_images(tmp_path)
    (tmp_path / 'broken.png').write_bytes(b'not a png')
    with pytest.raises(ImageError, match='not a readable image'):
        read_rgb(tmp_path / 'broken.png')


# ---- decoding sensor_msgs/Image fields -------------------------------------------------


TOLERANCE = {'yuv422': 6, 'yuv422_yuy2': 6, 'mono8': 0, 'mono16': 0}


@pytest.mark.parametrize('encoding', sorted(DECODERS))
@pytest.mark.parametrize('padding', [0, 13])
def test_every_encoding_decodes_with_and_without_row_padding(encoding, padding):
    rgb = smooth_rgb()
    raw = encode(rgb, encoding)
    row = raw.reshape(raw.shape[0], -1).view(np.uint8)
    step = row.shape[1] + padding
    padded = np.full((row.shape[0], step), 0xAB, np.uint8)  # garbage in the padding
    padded[:, :row.shape[1]] = row
    out = image_to_rgb(48, 64, encoding, step, 0, padded.tobytes())
    assert out.shape == (48, 64, 3) and out.dtype == np.uint8
    if encoding.startswith('mono'):
        expected = np.dstack([cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)] * 3)
    else:
        expected = rgb
    inner = (slice(2, -2), slice(2, -2))  # demosaicing differs on the outermost pixels
    tol = TOLERANCE.get(encoding, 3 if encoding.startswith('bayer') else 0)
    assert np.abs(out[inner].astype(int) - expected[inner]).max() <= tol


def test_big_endian_mono16():
    values = np.array([[0x1234, 0xFF00]], '>u2')
    out = image_to_rgb(1, 2, 'mono16', 4, 1, values.tobytes())
    assert out[0, :, 0].tolist() == [0x12, 0xFF]


def test_rgb8_is_decoded_without_copying():
    data = bytearray(smooth_rgb().tobytes())
    out = image_to_rgb(48, 64, 'rgb8', 64 * 3, 0, data)
    data[0] = 0 if data[0] else 1
    assert out[0, 0, 0] == data[0]


@pytest.mark.parametrize('args, message', [
    ((4, 4, '16UC3', 24, 0, bytes(96)), 'unsupported encoding'),
    ((0, 4, 'rgb8', 12, 0, b''), 'empty or too large'),
    ((100000, 100000, 'rgb8', 300000, 0, b''), 'empty or too large'),
    ((4, 4, 'rgb8', 11, 0, bytes(48)), 'shorter than one row'),
    ((4, 4, 'rgb8', 12, 0, bytes(47)), 'data holds 47 bytes'),
    ((4, 3, 'yuv422', 6, 0, bytes(24)), 'even width'),
])
def test_malformed_fields_raise_image_errors(args, message):
    with pytest.raises(ImageError, match=message):
        image_to_rgb(*args)


# ---- fuzzing (hypothesis; example counts from the profile in test/unit/conftest.py) ------

# bytes-like containers a message's data arrives in (rclpy gives array('B'), tests bytes)
CONTAINERS = {'bytes': bytes, 'bytearray': bytearray, 'memoryview': memoryview,
              'array': lambda raw: array.array('B', raw),
              'ndarray': lambda raw: np.frombuffer(raw, np.uint8)}
# (decoder, encoding) pairs: image_to_rgb's encodings and image_to_float's
TARGETS = [(image_to_rgb, e) for e in sorted(DECODERS)] + \
    [(image_to_float, e) for e in sorted(SCALAR_DECODERS)]
# largest difference from the image a message was made from: YUV 4:2:2's video-range
# round trip rounds twice; demosaicing is exact on integer ramps away from the border
ROUND_TRIP_TOLERANCE = {'yuv422': 3, 'yuv422_yuy2': 3}


@given(height=st.integers(-2, 40), width=st.integers(-2, 40),
       target=st.sampled_from(TARGETS + [(image_to_rgb, '32FC1'), (image_to_float, 'rgb8'),
                                         (image_to_rgb, '')]),
       step=st.integers(-4, 200), is_bigendian=st.integers(0, 2),
       data=st.binary(max_size=6000), container=st.sampled_from(sorted(CONTAINERS)))
def test_fuzzed_fields_give_an_image_or_an_image_error(
        height, width, target, step, is_bigendian, data, container):
    decode, encoding = target
    try:
        out = decode(height, width, encoding, step, is_bigendian, CONTAINERS[container](data))
    except ImageError:
        return
    expected = (height, width, 3) if decode is image_to_rgb else (height, width)
    assert out.shape == expected
    assert out.dtype == (np.uint8 if decode is image_to_rgb else np.float32)


def _pixels_of(rng, decode, encoding, height, width, big_endian):
    """Return (message bytes per pixel row, expected decoding) of a random known image."""
    if decode is image_to_float:
        kind, _ = SCALAR_DECODERS[encoding]
        if kind == 'f4':
            values = (rng.standard_normal((height, width)) * 10.0 ** rng.integers(-45, 30)
                      ).astype(np.float32)
            values.flat[rng.integers(0, values.size, 3)] = [np.nan, np.inf, -0.0]
            expected = values
        else:
            values = rng.integers(0, np.iinfo(kind).max + 1, (height, width)).astype(kind)
            expected = values / {'mono8': 255.0, 'mono16': 65535.0}.get(encoding, 1.0)
        raw = values.astype(np.dtype(kind).newbyteorder('>' if big_endian else '<'))
        return raw.view(np.uint8).reshape(height, -1), expected
    if encoding.startswith('yuv422'):  # pixel pairs share their chroma
        rgb = np.repeat(rng.integers(0, 256, (height, width // 2, 3), np.uint8), 2, axis=1)
    elif encoding.startswith('bayer'):  # bilinear demosaicing reproduces integer ramps
        y, x = np.mgrid[:height, :width]
        ramp = y[..., None] * rng.integers(-3, 4, 3) + x[..., None] * rng.integers(-3, 4, 3)
        rgb = (ramp + rng.integers(-ramp.min(axis=(0, 1)), 256 - ramp.max(axis=(0, 1)))
               ).astype(np.uint8)
    else:
        rgb = rng.integers(0, 256, (height, width, 3), np.uint8)
    raw = np.ascontiguousarray(encode(rgb, encoding))
    if encoding == 'mono16':  # any low byte: it is dropped
        raw = (raw & 0xFF00) | rng.integers(0, 256, raw.shape).astype(np.uint16)
        raw = raw.astype('>u2' if big_endian else '<u2')
    if encoding.startswith('mono'):
        rgb = np.dstack([cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)] * 3)
    return raw.view(np.uint8).reshape(height, -1), rgb


@st.composite
def messages(draw):
    """Draw well-formed message fields of a known random image and the expected decoding."""
    decode, encoding = draw(st.sampled_from(TARGETS))
    height = draw(st.integers(1, 24))
    width = 2 * draw(st.integers(1, 12)) if encoding.startswith('yuv422') else \
        draw(st.integers(1, 24))
    big_endian = draw(st.integers(0, 1))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    rows, expected = _pixels_of(rng, decode, encoding, height, width, big_endian)
    step = rows.shape[1] + draw(st.integers(0, 16))
    padded = rng.integers(0, 256, (height, step), np.uint8)  # garbage in the padding
    padded[:, :rows.shape[1]] = rows
    data = padded.tobytes() + bytes(draw(st.integers(0, 8)))  # longer data is fine
    return decode, (height, width, encoding, step, big_endian, data), expected


@given(message=messages(), container=st.sampled_from(sorted(CONTAINERS)))
def test_fuzzed_well_formed_messages_decode_to_the_image_they_were_made_from(
        message, container):
    decode, (height, width, encoding, step, big_endian, data), expected = message
    out = decode(height, width, encoding, step, big_endian, CONTAINERS[container](data))
    if decode is image_to_float:
        assert out.shape == (height, width) and out.dtype == np.float32
        assert np.allclose(out, expected, rtol=1e-6, atol=0, equal_nan=True)
        return
    assert out.shape == (height, width, 3) and out.dtype == np.uint8
    if encoding.startswith('bayer'):  # OpenCV extrapolates the outermost pixels
        out, expected = out[1:-1, 1:-1], expected[1:-1, 1:-1]
    tolerance = ROUND_TRIP_TOLERANCE.get(encoding, 0)
    assert out.size == 0 or np.abs(out.astype(int) - expected).max() <= tolerance


@st.composite
def malformed_messages(draw):
    """Draw a well-formed message with one field made wrong, and the error message expected."""
    decode, (height, width, encoding, step, big_endian, data), _ = draw(messages())
    channels, depth = (DECODERS[encoding][:2] if decode is image_to_rgb else
                       (1, np.dtype(SCALAR_DECODERS[encoding][0]).itemsize))
    row_bytes = width * channels * depth
    fault = draw(st.sampled_from(['encoding', 'size', 'huge', 'step', 'data', 'odd width']))
    if fault == 'encoding':
        known = DECODERS if decode is image_to_rgb else SCALAR_DECODERS
        encoding = draw(st.text(max_size=12).filter(lambda text: text not in known) |
                        st.sampled_from(['RGB8', 'rgb8 ', '32FC3', '8UC3', 'bgr16', 'jpeg']
                                        if decode is image_to_rgb else
                                        ['rgb8', 'bgr8', '32FC2', '64FC1', 'MONO8']))
        return decode, (height, width, encoding, step, big_endian, data), 'unsupported'
    if fault in ('size', 'huge'):
        small = draw(st.integers(-3, 0))
        big = draw(st.integers(8193, 10 ** 6))
        other = (MAX_PIXELS // big + 1) if fault == 'huge' else draw(st.integers(-3, 50))
        height, width = draw(st.permutations([small if fault == 'size' else big, other]))
        return decode, (height, width, encoding, step, big_endian, data), 'empty or too large'
    if fault == 'odd width' and encoding.startswith('yuv422'):
        width -= 1
        return decode, (height, width, encoding, step, big_endian, data), 'even width'
    if fault == 'step':
        step = draw(st.integers(-8, row_bytes - 1))
        return decode, (height, width, encoding, step, big_endian, data), 'shorter than one row'
    data = data[:draw(st.integers(0, height * step - 1))]  # also 'odd width' of other encodings
    return decode, (height, width, encoding, step, big_endian, data), 'data holds'


@given(message=malformed_messages(), container=st.sampled_from(sorted(CONTAINERS)))
def test_fuzzed_malformed_messages_raise_the_image_error_of_their_fault(message, container):
    decode, (height, width, encoding, step, big_endian, data), fault = message
    with pytest.raises(ImageError, match=fault):
        decode(height, width, encoding, step, big_endian, CONTAINERS[container](data))


@given(encoding=st.sampled_from(['rgb8', 'mono8', '32FC1']), height=st.integers(1, 20),
       width=st.integers(1, 20), layout=st.sampled_from(['c', 'reversed', 'strided', 'f']),
       seed=st.integers(0, 2 ** 32 - 1))
def test_fuzzed_arrays_come_back_from_their_message_fields(
        encoding, height, width, layout, seed):
    rng = np.random.default_rng(seed)
    shape = (2 * height, 2 * width) + ((3,) if encoding == 'rgb8' else ())
    if encoding == '32FC1':
        base = rng.standard_normal(shape).astype(np.float32)
        base.flat[rng.integers(0, base.size, 2)] = [np.nan, -np.inf]
    else:
        base = rng.integers(0, 256, shape, np.uint8)
    array = {'c': base[:height, :width], 'reversed': base[height - 1::-1, width - 1::-1],
             'strided': base[::2, ::2], 'f': np.asfortranarray(base[:height, :width])}[layout]
    fields = array_fields(array, encoding)
    assert (fields.height, fields.width, fields.encoding) == (height, width, encoding)
    assert fields.step == width * array.itemsize * (3 if encoding == 'rgb8' else 1)
    assert len(fields.data) == height * fields.step
    if encoding == '32FC1':
        back = image_to_float(*_message_args(fields))
        assert np.array_equal(back, array, equal_nan=True)
    else:
        back = image_to_rgb(*_message_args(fields))
        assert np.array_equal(back, array if encoding == 'rgb8' else np.dstack([array] * 3))


def _message_args(fields):
    return (fields.height, fields.width, fields.encoding, fields.step, fields.is_bigendian,
            fields.data)


@given(encoding=st.sampled_from(['rgb8', 'mono8', '32FC1', 'bgr8', '16UC1', 'RGB8']),
       dtype=st.sampled_from(['u1', 'f4', '>f4', 'f8', 'u2', 'i1', '?']),
       shape=st.lists(st.integers(0, 4), min_size=1, max_size=4))
def test_fuzzed_arrays_of_other_kinds_are_refused_with_image_errors(encoding, dtype, shape):
    array = np.zeros(shape, dtype)
    wanted = {'rgb8': ('u1', 3), 'mono8': ('u1', 2), '32FC1': ('f4', 2)}.get(encoding)
    valid = wanted is not None and array.dtype == np.dtype(wanted[0]) and \
        array.ndim == wanted[1] and (encoding != 'rgb8' or array.shape[2] == 3)
    if valid:
        assert array_fields(array, encoding).height == shape[0]
    else:
        with pytest.raises(ImageError):
            array_fields(array, encoding)


def test_matches_cv_bridge_where_installed():
    cv_bridge = pytest.importorskip('cv_bridge', reason='cv_bridge is not installed here')
    from sensor_msgs.msg import Image
    bridge = cv_bridge.CvBridge()
    rgb = smooth_rgb()
    for encoding in sorted(DECODERS):
        raw = np.ascontiguousarray(encode(rgb, encoding))
        msg = Image(height=48, width=64, encoding=encoding, is_bigendian=0,
                    step=raw.strides[0])
        msg.data = raw.tobytes()
        expected = bridge.imgmsg_to_cv2(msg, 'rgb8')
        ours = image_to_rgb(48, 64, encoding, raw.strides[0], 0, msg.data)
        assert np.array_equal(ours, expected), encoding


def test_single_channel_maps_and_depth_decode_to_float_with_their_scale():
    from msinet_ros.imaging import image_to_float
    values = (np.arange(12, dtype=np.float32) / 11).reshape(3, 4)
    fields = array_fields(values, '32FC1')
    assert np.array_equal(image_to_float(3, 4, '32FC1', fields.step, 0, fields.data), values)
    millimetres = (np.arange(12) * 1000).astype('>u2').reshape(3, 4)
    padded = np.zeros((3, 10), np.uint8)
    padded[:, :8] = millimetres.view(np.uint8).reshape(3, 8)
    assert np.array_equal(image_to_float(3, 4, '16UC1', 10, 1, padded.tobytes()), millimetres)
    assert image_to_float(1, 2, 'mono8', 2, 0, bytes([0, 255]))[0, 1] == 1.0
    with pytest.raises(ImageError, match='unsupported encoding'):
        image_to_float(1, 1, 'rgb8', 3, 0, bytes(3))
    with pytest.raises(ImageError, match='data holds'):
        image_to_float(2, 2, '32FC1', 8, 0, bytes(8))


# ---- compressed payloads, decoded in a child process ------------------------------------

# The child decodes payloads sent over its stdin (length-prefixed) and answers one line each:
# 'ok DTYPE DIMS… NBYTES' and the array's bytes, 'ImageError', or 'other TYPE: MESSAGE'.
CHILD = r"""
import resource, struct, sys
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))  # a runaway allocation fails
import cv2
cv2.setNumThreads(1)
from msinet_ros.errors import ImageError
from msinet_ros.imaging import compressed_to_rgb
read, write = sys.stdin.buffer.read, sys.stdout.buffer.write
while True:
    head = read(8)
    if len(head) < 8:
        break
    fmt_size, size = struct.unpack('<II', head)
    fmt, payload = read(fmt_size).decode(), read(size)
    try:
        rgb = compressed_to_rgb(payload, fmt)
        body = rgb.tobytes()
        write(f'ok {rgb.dtype} {" ".join(map(str, rgb.shape))} {len(body)}\n'.encode() + body)
    except ImageError:
        write(b'ImageError\n')
    except BaseException as exc:
        write(' '.join(f'other {type(exc).__name__}: {exc}'.split()).encode() + b'\n')
    sys.stdout.buffer.flush()
"""
CHILD_TIMEOUT = 60.0  # seconds for one payload before the child counts as hung


class DecoderChild:
    """A Python process that decodes payloads, so that a crash in OpenCV fails one test only."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process = None
        self.stderr = folder / 'child_stderr.txt'

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _start(self):
        root = str(Path(msinet_ros.__file__).resolve().parent.parent)
        # one thread each: the address-space limit is about allocations, not about cores
        env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1',
                   MALLOC_ARENA_MAX='2', PYTHONPATH=os.pathsep.join(
                       [root] + [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep)
                                 if p]))
        with open(self.stderr, 'wb') as stderr:  # this child's: the tail shows its crash
            self.process = subprocess.Popen(
                [sys.executable, '-X', 'faulthandler', '-c', CHILD], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=stderr, env=env)

    def decode(self, payload: bytes, fmt: str):
        """Return ('ok', rgb), ('ImageError', None) or (what went wrong, None)."""
        if self.process is None:
            self._start()
        fmt_bytes = fmt.encode()
        try:
            self.process.stdin.write(struct.pack('<II', len(fmt_bytes), len(payload)) +
                                     fmt_bytes + payload)
            self.process.stdin.flush()
        except BrokenPipeError:
            pass  # it died: the read below sees the end of its output
        if not select.select([self.process.stdout], [], [], CHILD_TIMEOUT)[0]:
            self.process.kill()
            self.process.wait()
            self.process = None
            return f'hung for {CHILD_TIMEOUT:.0f} s', None
        line = self.process.stdout.readline().decode()
        if not line:
            status = self.process.wait()
            self.process = None
            tail = self.stderr.read_text(errors='replace')[-2000:]
            return f'crashed with exit status {status}; its stderr ends:\n{tail}', None
        words = line.split()
        if words[0] != 'ok':
            return line.strip(), None
        dtype, shape, size = words[1], tuple(map(int, words[2:-1])), int(words[-1])
        return 'ok', np.frombuffer(self.process.stdout.read(size), dtype).reshape(shape)

    def close(self) -> int:
        """Let the child finish; return its exit status (0 when it never started)."""
        if self.process is None:
            return 0
        process, self.process = self.process, None
        process.stdin.close()
        return process.wait(timeout=CHILD_TIMEOUT)


def _fail_with_payload(folder: Path, payload: bytes, fmt: str, outcome: str):
    path = folder / f'payload_{hashlib.sha1(payload).hexdigest()[:12]}.{fmt or "bin"}'
    path.write_bytes(payload)
    pytest.fail(f'decoding the payload saved as {path} ({len(payload)} bytes, format '
                f'{fmt!r}) gave {outcome}')


def _ramp_rgb(rng, height, width):
    """Return a random smooth RGB image (JPEG keeps it within a few grey levels)."""
    y, x = np.mgrid[:height, :width]
    ramp = y[..., None] * rng.uniform(-2, 2, 3) + x[..., None] * rng.uniform(-2, 2, 3)
    base = rng.uniform(-ramp.min(axis=(0, 1)), 255 - ramp.max(axis=(0, 1)))
    return np.round(ramp + base).astype(np.uint8)


@st.composite
def compressed_images(draw, max_side=48):
    """Draw (payload, format, RGB it shows) of a random JPEG or PNG."""
    fmt = draw(st.sampled_from(['jpeg', 'png']))
    height, width = draw(st.integers(1, max_side)), draw(st.integers(1, max_side))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    if fmt == 'jpeg':
        rgb = _ramp_rgb(rng, height, width)
        quality = draw(st.integers(80, 100))
        ok, payload = cv2.imencode('.jpg', rgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        return payload.tobytes(), fmt, rgb
    channels = draw(st.sampled_from([1, 3, 4]))
    dtype = draw(st.sampled_from([np.uint8, np.uint16]))
    pixels = rng.integers(0, np.iinfo(dtype).max + 1, (height, width, channels), dtype)
    ok, payload = cv2.imencode('.png', pixels, [cv2.IMWRITE_PNG_COMPRESSION,
                                                draw(st.integers(0, 9))])
    eight_bit = (pixels >> 8).astype(np.uint8) if dtype == np.uint16 else pixels
    rgb = np.dstack([eight_bit] * 3) if channels == 1 else eight_bit[..., 2::-1]  # BGR(A)
    return payload.tobytes(), draw(st.sampled_from([fmt, 'rgb8; png compressed bgr8'])), rgb


def test_fuzzed_jpeg_and_png_payloads_decode_to_the_image_they_were_made_from(tmp_path):
    with DecoderChild(tmp_path) as child:
        @given(image=compressed_images())
        def check(image):
            payload, fmt, rgb = image
            outcome, out = child.decode(payload, fmt)
            if outcome != 'ok':
                _fail_with_payload(tmp_path, payload, fmt, outcome)
            assert out.shape == rgb.shape and out.dtype == np.uint8
            error = np.abs(out.astype(int) - rgb)
            if fmt == 'jpeg':  # lossy: measured mean <= 1.4, max <= 7 on these ramps
                assert error.mean() <= 3 and error.max() <= 16
            else:
                assert error.max() == 0

        check()
        assert child.close() == 0


def _set_declared_size(data: bytearray, draw):
    """Write a random size into a JPEG's frame header or a PNG's IHDR (CRC fixed or not)."""
    png = data.startswith(b'\x89PNG')
    huge = st.integers(8193, 2 ** 32 - 1 if png else 2 ** 16 - 1)
    # small, huge (refused unread), or one huge side times a few pixels; not the costly
    # sizes just under MAX_PIXELS that a JPEG decoder fills with grey
    height, width = draw(st.tuples(st.integers(0, 512), st.integers(0, 512)) |
                         st.tuples(huge, huge) |
                         st.permutations([draw(st.integers(0, 64)), draw(huge)]))
    if png and len(data) >= 33:
        data[16:24] = struct.pack('>II', width, height)
        if draw(st.booleans()):
            data[29:33] = struct.pack('>I', zlib.crc32(bytes(data[12:29])))
        return
    sof = max(data.find(b'\xff\xc0'), data.find(b'\xff\xc2'))
    if not png and sof >= 0 and len(data) >= sof + 9:
        data[sof + 5:sof + 9] = struct.pack('>HH', height, width)


@st.composite
def mutated_payloads(draw):
    """Draw a small JPEG or PNG damaged by one to four mutations, or random bytes."""
    payload, fmt, _ = draw(compressed_images(max_side=24))
    data = bytearray(payload)
    for _ in range(draw(st.integers(1, 4))):
        mutation = draw(st.sampled_from(['truncate', 'flip', 'overwrite', 'insert', 'size',
                                         'random']))
        at = draw(st.integers(0, len(data)))
        if mutation == 'truncate':
            del data[at:]
        elif mutation == 'flip' and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif mutation == 'overwrite':
            chunk = draw(st.binary(min_size=1, max_size=16))
            data[at:at + len(chunk)] = chunk
        elif mutation == 'insert':
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif mutation == 'size':
            _set_declared_size(data, draw)
        elif mutation == 'random':
            prefix = draw(st.sampled_from([b'', b'\xff\xd8\xff', b'\x89PNG\r\n\x1a\n']))
            data = bytearray(prefix + draw(st.binary(max_size=256)))
    fmt = draw(st.sampled_from([fmt, '', 'jpeg', 'png', 'bgr8; jpeg compressed bgr8']))
    return bytes(data), fmt


def test_fuzzed_damaged_payloads_decode_or_raise_image_errors_without_crashing(tmp_path):
    with DecoderChild(tmp_path) as child:
        @given(damaged=mutated_payloads())
        def check(damaged):
            payload, fmt = damaged
            outcome, out = child.decode(payload, fmt)
            if outcome == 'ImageError':
                return
            if outcome != 'ok':
                _fail_with_payload(tmp_path, payload, fmt, outcome)
            assert out.ndim == 3 and out.shape[2] == 3 and out.dtype == np.uint8
            assert 0 < out.shape[0] * out.shape[1] <= MAX_PIXELS
            # the size checked before decoding is the size decoded (EXIF may turn it)
            assert sorted(_declared_size(payload, fmt)) == sorted(out.shape[:2])

        check()
        assert child.close() == 0


# ---- the receipt check (the node refuses malformed raw frames before its slot) --------
def _error(function, *args):
    try:
        function(*args)
    except ImageError as exc:
        return str(exc)
    return None


@given(encoding=st.sampled_from([*DECODERS, '16UC3', 'RGB8', '']),
       height=st.integers(-2, 9), width=st.integers(-2, 9),
       step_delta=st.integers(-3, 5), data_delta=st.integers(-20, 20))
def test_fields_pass_the_receipt_check_exactly_when_they_decode(
        encoding, height, width, step_delta, data_delta):
    channels, depth, _ = DECODERS.get(encoding, (3, 1, None))
    step = max(0, width * channels * depth + step_delta)
    data = bytes(max(0, height * step + data_delta))
    expected = _error(image_to_rgb, height, width, encoding, step, 0, data)
    assert _error(check_image_fields, height, width, encoding, step, len(data)) == expected


def test_the_receipt_check_refuses_sizes_above_the_limit_without_data():
    with pytest.raises(ImageError, match='empty or too large'):
        check_image_fields(MAX_PIXELS, 2, 'mono8', 2, 0)


def test_the_receipt_check_passes_padded_rows():
    check_image_fields(2, 3, 'rgb8', 16, 32)
