"""Exception types of the core; each message says what the user can do about it."""


class MsinetError(Exception):
    """Base class of every error the core raises on purpose."""


class ModelFormatError(MsinetError):
    """A model or weights file is unreadable, truncated, foreign or of the wrong architecture."""


class InputSizeError(MsinetError):
    """A requested model input size is not usable (e.g. not a multiple of 8)."""


class ImageError(MsinetError):
    """An image cannot be converted or processed (bad encoding, size, dtype or values)."""


class ParameterError(MsinetError):
    """A configuration value is out of range or of the wrong type."""


class BuildCancelled(MsinetError):
    """Preparing a model (an engine build) was cancelled, e.g. because the node is stopping."""


class StorageError(MsinetError):
    """An artefact (export, engine, timing cache) cannot be written: no folder, no space."""


class DeviceMemoryError(MsinetError):
    """The GPU has not enough free memory for the engine, its context or its buffers."""


class MissingDependencyError(MsinetError):
    """An optional dependency needed for the requested feature is not installed."""


def require(module: str, extra: str):
    """Import an optional module or raise MissingDependencyError saying what to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(
            f'{module} is needed for this but is not importable ({exc}); {extra}') from exc


class DatasetError(MsinetError):
    """A dataset folder is not laid out as expected, or one of its files is unreadable."""
