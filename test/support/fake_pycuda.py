"""
A strict fake of ``pycuda`` / ``pycuda.driver``, pruned by the pycuda sdist manifest.

Install it in a test::

    from support.fake_pycuda import install_pycuda

    def test_something(monkeypatch):
        cuda = install_pycuda(monkeypatch, device_name='Orin', compute_capability=(8, 7))
        ...
        assert cuda._fake_state.live_allocations() == 0

``make_pycuda(...)`` returns ``(package, driver)`` without installing them.

Modelled: ``init()``, ``Device(i)`` (``LogicError`` for a missing ordinal, as cuDeviceGet
does), ``Device.count()``, ``.name()``, ``.compute_capability()``, ``.get_attribute(
device_attribute.MULTIPROCESSOR_COUNT)``, ``.retain_primary_context()`` -> ``Context`` with
``push()``/``detach()`` and static ``Context.pop()``/``get_current()``/``synchronize()``; a
per-thread context stack: allocations, copies, stream creation and frees raise ``LogicError``
(e.g. ``cuMemAlloc failed: invalid device context``) when no context is current in the calling
thread, which is what makes "created in the worker thread, torn down in the main thread"
detectable; ``pagelocked_empty(shape, dtype)`` (ndarray whose ``.base`` has ``free()``),
``mem_alloc(nbytes)`` -> ``DeviceAllocation`` (``int()`` gives the address, ``free()``),
``memcpy_htod_async``/``memcpy_dtoh_async``/``memcpy_htod``/``memcpy_dtoh``, ``Stream()`` with
``handle`` and ``synchronize()``, ``mem_get_info()``.

Hooks on ``driver._fake_state``: ``out_of_memory`` (mem_alloc raises ``MemoryError``,
pycuda's), ``live_allocations()``, ``live_host_allocations()``, ``live_streams()``,
``memory`` (address -> bytearray), ``read``/``write`` (used by the fake TensorRT).
"""

import threading
import types
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from support import manifests

PYCUDA_VERSION = manifests.versions('pycuda')[-1]


class FakeCudaState:
    """Device, contexts and device memory shared by the fake driver and the fake TensorRT."""

    def __init__(self, device_name: str, compute_capability: Tuple[int, int],
                 multiprocessors: int, device_count: int, total_memory: int) -> None:
        """Describe the fake device(s)."""
        self.device_name, self.compute_capability = device_name, tuple(compute_capability)
        self.multiprocessors, self.device_count = multiprocessors, device_count
        self.total_memory = total_memory
        self.memory: Dict[int, bytearray] = {}
        self.host_allocations: Dict[int, Any] = {}
        self.streams: Dict[int, Any] = {}
        self.out_of_memory = False
        self.initialised = False
        self._next_address = 0x7f0000000000
        self._lock = threading.Lock()
        self._local = threading.local()

    def gpu(self) -> Dict[str, Any]:
        """Describe device 0 for the fake TensorRT."""
        return {'name': self.device_name, 'compute_capability': list(self.compute_capability),
                'multiprocessors': self.multiprocessors}

    def stack(self) -> List[Any]:
        """Return the calling thread's context stack."""
        if not hasattr(self._local, 'stack'):
            self._local.stack = []
        return self._local.stack

    def has_current_context(self) -> bool:
        """Return whether a context is current in the calling thread."""
        return bool(self.stack())

    def require_context(self, api: str, driver: types.ModuleType) -> None:
        """Raise pycuda's LogicError when no context is current in the calling thread."""
        if not self.initialised:
            raise driver.LogicError(f'{api} failed: initialization error')
        if not self.stack():
            raise driver.LogicError(f'{api} failed: invalid device context')

    def allocate(self, nbytes: int) -> int:
        """Reserve device memory and return its address."""
        with self._lock:
            address = self._next_address
            self._next_address += max(int(nbytes), 1) + 256
            self.memory[address] = bytearray(int(nbytes))
            return address

    def locate(self, address: int, nbytes: int) -> Tuple[bytearray, int]:
        """Return (buffer, offset) for an address range inside one allocation."""
        for base, buf in self.memory.items():
            if base <= address and address + nbytes <= base + len(buf):
                return buf, address - base
        raise ValueError(f'address range 0x{address:x}+{nbytes} is not allocated')

    def read(self, address: int, nbytes: int) -> bytes:
        """Read device memory."""
        buf, offset = self.locate(address, nbytes)
        return bytes(buf[offset:offset + nbytes])

    def write(self, address: int, data: bytes) -> None:
        """Write device memory."""
        buf, offset = self.locate(address, len(data))
        buf[offset:offset + len(data)] = data

    def live_allocations(self) -> int:
        """Return the number of device allocations not yet freed."""
        return len(self.memory)

    def live_host_allocations(self) -> int:
        """Return the number of page-locked host allocations not yet freed."""
        return len(self.host_allocations)

    def live_streams(self) -> int:
        """Return the number of streams not yet released."""
        return len(self.streams)


def _driver_classes(state: FakeCudaState, driver: types.ModuleType) -> Dict[str, Any]:
    """Define the driver's classes bound to one state."""

    class Error(Exception):
        """pycuda._driver.Error."""

    class LogicError(Error):
        """pycuda._driver.LogicError."""

    class MemoryError(Error):  # noqa: A001 - pycuda's name
        """pycuda._driver.MemoryError."""

    class RuntimeError(Error):  # noqa: A001 - pycuda's name
        """pycuda._driver.RuntimeError."""

    class device_attribute:  # noqa: N801 - pycuda's name
        """Enum of device attributes (the members used here)."""

        MULTIPROCESSOR_COUNT = 16
        MAX_THREADS_PER_BLOCK = 1
        WARP_SIZE = 10
        INTEGRATED = 18
        COMPUTE_CAPABILITY_MAJOR = 75
        COMPUTE_CAPABILITY_MINOR = 76

    class Context:
        """A CUDA context; push/pop act on the calling thread's stack."""

        def __init__(self, device: 'Device') -> None:
            """Wrap a device's primary context."""
            self._device = device

        def push(self) -> None:
            """Make this context current in the calling thread."""
            state.stack().append(self)

        @staticmethod
        def pop() -> None:
            """Pop the calling thread's current context."""
            if not state.stack():
                raise LogicError('cuCtxPopCurrent failed: invalid device context')
            state.stack().pop()

        @staticmethod
        def get_current() -> Optional['Context']:
            """Return the calling thread's current context, or None."""
            return state.stack()[-1] if state.stack() else None

        @staticmethod
        def synchronize() -> None:
            """Wait for the current context (requires one)."""
            state.require_context('cuCtxSynchronize', driver)

        @staticmethod
        def get_device() -> 'Device':
            """Return the current context's device."""
            state.require_context('cuCtxGetDevice', driver)
            return state.stack()[-1]._device

        def detach(self) -> None:
            """Release the context (pops it when current)."""
            if state.stack() and state.stack()[-1] is self:
                state.stack().pop()

    class Device:
        """A CUDA device."""

        def __init__(self, number: int) -> None:
            """Open device number (LogicError when it does not exist)."""
            if not state.initialised:
                raise LogicError('cuDeviceGet failed: initialization error')
            if not 0 <= int(number) < state.device_count:
                raise LogicError('cuDeviceGet failed: invalid device ordinal')
            self._number = int(number)

        @staticmethod
        def count() -> int:
            """Return the number of devices."""
            return state.device_count

        def name(self) -> str:
            """Return the device name."""
            return state.device_name

        def compute_capability(self) -> Tuple[int, int]:
            """Return (major, minor)."""
            return state.compute_capability

        def total_memory(self) -> int:
            """Return the device memory in bytes."""
            return state.total_memory

        def get_attribute(self, attr: int, /) -> int:
            """Return a device attribute (positional only: pycuda binds no keyword)."""
            values = {device_attribute.MULTIPROCESSOR_COUNT: state.multiprocessors,
                      device_attribute.MAX_THREADS_PER_BLOCK: 1024,
                      device_attribute.WARP_SIZE: 32, device_attribute.INTEGRATED: 0,
                      device_attribute.COMPUTE_CAPABILITY_MAJOR: state.compute_capability[0],
                      device_attribute.COMPUTE_CAPABILITY_MINOR: state.compute_capability[1]}
            return values[int(attr)]

        def retain_primary_context(self) -> Context:
            """Return the primary context (not pushed)."""
            return Context(self)

        def make_context(self, flags: int = 0) -> Context:
            """Create a context and make it current."""
            context = Context(self)
            context.push()
            return context

    class DeviceAllocation:
        """Device memory (``int()`` gives the address)."""

        def __init__(self, address: int, nbytes: int) -> None:
            """Wrap an allocation."""
            self._address, self._nbytes, self._freed = address, nbytes, False

        def __int__(self) -> int:
            """Return the device address."""
            return self._address

        __index__ = __int__

        def free(self) -> None:
            """Free the memory (needs a current context, as cuMemFree does)."""
            if self._freed:
                return
            state.require_context('cuMemFree', driver)
            state.memory.pop(self._address, None)
            self._freed = True

    class PagelockedHostAllocation:
        """The page-locked buffer behind a pagelocked_empty array."""

        def __init__(self, nbytes: int) -> None:
            """Allocate host memory (needs a current context, as cuMemHostAlloc does)."""
            state.require_context('cuMemHostAlloc', driver)
            self._buffer = bytearray(max(int(nbytes), 1))
            state.host_allocations[id(self)] = self

        def free(self) -> None:
            """Free the host memory (needs a current context, as cuMemFreeHost does)."""
            if id(self) in state.host_allocations:
                state.require_context('cuMemFreeHost', driver)
                del state.host_allocations[id(self)]

    class Stream:
        """A CUDA stream (``handle`` is its address)."""

        def __init__(self, flags: int = 0) -> None:
            """Create a stream (needs a current context)."""
            state.require_context('cuStreamCreate', driver)
            self.handle = id(self)
            state.streams[self.handle] = self

        def synchronize(self) -> None:
            """Wait for the stream (needs a current context)."""
            state.require_context('cuStreamSynchronize', driver)

        def is_done(self) -> bool:
            """Return True (work is done synchronously)."""
            return True

        def __del__(self) -> None:
            """Release the stream."""
            state.streams.pop(self.handle, None)

    return {c.__name__: c for c in (Error, LogicError, MemoryError, RuntimeError,
                                    device_attribute, Context, Device, DeviceAllocation,
                                    PagelockedHostAllocation, Stream)}


def _driver_functions(state: FakeCudaState, driver: types.ModuleType) -> Dict[str, Any]:
    """Define the driver's module functions bound to one state."""

    def init(flags: int = 0) -> None:
        """Initialise the driver."""
        state.initialised = True

    def mem_alloc(bytes: int) -> Any:  # noqa: A002 - pycuda's keyword name
        """Allocate device memory (MemoryError when out of memory)."""
        state.require_context('cuMemAlloc', driver)
        if state.out_of_memory:
            raise driver.MemoryError('cuMemAlloc failed: out of memory')
        return driver.DeviceAllocation(state.allocate(bytes), int(bytes))

    def mem_get_info() -> Tuple[int, int]:
        """Return (free, total) device memory."""
        state.require_context('cuMemGetInfo', driver)
        used = sum(len(b) for b in state.memory.values())
        return state.total_memory - used, state.total_memory

    def pagelocked_empty(shape: Any, dtype: Any, order: str = 'C', mem_flags: int = 0) -> Any:
        """Return an ndarray in page-locked memory (``.base.free()`` releases it)."""
        dtype = np.dtype(dtype)
        count = int(np.prod(shape, dtype=np.int64))
        holder = driver.PagelockedHostAllocation(count * dtype.itemsize)
        flat = np.frombuffer(holder._buffer, dtype=np.uint8)[:count * dtype.itemsize]
        array = flat.view(dtype).reshape(shape, order=order)
        return _HostArray(array, holder)

    def _copy_in(dest: Any, src: Any, api: str) -> None:
        state.require_context(api, driver)
        state.write(int(dest), np.ascontiguousarray(src).tobytes())

    def _copy_out(dest: np.ndarray, src: Any, api: str) -> None:
        state.require_context(api, driver)
        raw = state.read(int(src), dest.nbytes)
        dest.reshape(-1).view(np.uint8)[:] = np.frombuffer(raw, dtype=np.uint8)

    def memcpy_htod(dest: Any, src: Any) -> None:
        """Copy host -> device."""
        _copy_in(dest, src, 'cuMemcpyHtoD')

    def memcpy_htod_async(dest: Any, src: Any, stream: Any = None) -> None:
        """Copy host -> device on a stream (done at once)."""
        _copy_in(dest, src, 'cuMemcpyHtoDAsync')

    def memcpy_dtoh(dest: np.ndarray, src: Any) -> None:
        """Copy device -> host."""
        _copy_out(dest, src, 'cuMemcpyDtoH')

    def memcpy_dtoh_async(dest: np.ndarray, src: Any, stream: Any = None) -> None:
        """Copy device -> host on a stream (done at once)."""
        _copy_out(dest, src, 'cuMemcpyDtoHAsync')

    return {f.__name__: f for f in (init, mem_alloc, mem_get_info, pagelocked_empty,
                                    memcpy_htod, memcpy_htod_async, memcpy_dtoh,
                                    memcpy_dtoh_async)}


class _HostArray(np.ndarray):
    """An ndarray whose ``.base`` is its PagelockedHostAllocation (as pycuda's is)."""

    def __new__(cls, array: np.ndarray, holder: Any) -> '_HostArray':
        obj = np.ndarray.__new__(cls, array.shape, array.dtype, buffer=holder._buffer,
                                 strides=array.strides)
        obj._holder = holder
        return obj

    @property
    def base(self) -> Any:  # noqa: D401 - mirrors ndarray.base
        """The PagelockedHostAllocation that owns the memory."""
        return getattr(self, '_holder', None) or np.ndarray.base.__get__(self)


def make_pycuda(device_name: str = 'Orin', compute_capability: Tuple[int, int] = (8, 7),
                multiprocessors: int = 16, device_count: int = 1,
                total_memory: int = 8 << 30) -> Tuple[types.ModuleType, types.ModuleType]:
    """Return fresh (pycuda, pycuda.driver) fake modules sharing one FakeCudaState."""
    state = FakeCudaState(device_name, compute_capability, multiprocessors, device_count,
                          total_memory)
    package = types.ModuleType('pycuda', 'Fake pycuda (test/support/fake_pycuda.py)')
    package.__path__ = []
    package.VERSION_TEXT = PYCUDA_VERSION
    driver = types.ModuleType('pycuda.driver', 'Fake pycuda.driver')
    allowed = manifests.names(PYCUDA_VERSION, 'pycuda')
    members = {**_driver_classes(state, driver), **_driver_functions(state, driver)}
    for name, value in members.items():
        if name in allowed:
            setattr(driver, name, value)
    for cls in members.values():
        if isinstance(cls, type) and not issubclass(cls, BaseException):
            _prune(cls, allowed)
    driver._fake_state = state
    package.driver = driver
    return package, driver


def _prune(cls: type, allowed: frozenset) -> None:
    for attr in list(vars(cls)):
        if not attr.startswith('_') and attr not in allowed:
            delattr(cls, attr)


def install_pycuda(monkeypatch: Any, **kwargs: Any) -> types.ModuleType:
    """Put a fresh fake pycuda and pycuda.driver in sys.modules; return the driver."""
    import sys
    package, driver = make_pycuda(**kwargs)
    monkeypatch.setitem(sys.modules, 'pycuda', package)
    monkeypatch.setitem(sys.modules, 'pycuda.driver', driver)
    return driver


def fake_names(driver: types.ModuleType) -> List[str]:
    """Return every public name the fake driver offers (module and class members)."""
    found: List[str] = []
    for name, value in vars(driver).items():
        if name.startswith('_'):
            continue
        found.append(name)
        if isinstance(value, type) and not issubclass(value, BaseException):
            found.extend(a for a in vars(value) if not a.startswith('_'))
    return sorted(set(found))


def keyword_names(functions: Sequence[Any]) -> List[str]:
    """Return the parameter names of callables (for the manifest check)."""
    import inspect
    names = set()
    for func in functions:
        try:
            params = inspect.signature(func).parameters.values()
            names.update(p.name for p in params
                         if p.name != 'self' and p.kind != p.POSITIONAL_ONLY)
        except (TypeError, ValueError):
            continue
    return sorted(names)
