"""Declare :class:`msinet_ros.parameters.ParamSpec` tuples on an rclpy node."""

import dataclasses
import threading
from typing import Any, Callable, Dict, Optional, Sequence

from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.node import Node
from rclpy.parameter import Parameter

from ..errors import ParameterError
from ..parameters import ParamSpec, settings_type, Value

_TYPES = {bool: Parameter.Type.BOOL, int: Parameter.Type.INTEGER,
          float: Parameter.Type.DOUBLE, str: Parameter.Type.STRING}


def descriptor(spec: ParamSpec, managed: bool = False) -> ParameterDescriptor:
    """
    Build the rclpy ParameterDescriptor (type, limits, read-only, description) of a spec.

    In a ``managed`` (lifecycle) node the specs marked read-only may change while the node is
    unconfigured, so rclpy must not freeze them: :class:`ParameterListener` guards them.
    """
    desc = ParameterDescriptor(name=spec.name, type=_TYPES[type(spec.default)].value,
                               description=spec.description,
                               read_only=spec.read_only and not managed)
    constraints = []
    if spec.choices:
        constraints.append('one of: ' + ', '.join(spec.choices))
    if spec.read_only and managed:
        constraints.append('set only while the node is unconfigured')
    desc.additional_constraints = '; '.join(constraints)
    if spec.limits is not None and isinstance(spec.default, float):
        desc.floating_point_range = [FloatingPointRange(
            from_value=float(spec.limits[0]), to_value=float(spec.limits[1]), step=0.0)]
    elif spec.limits is not None and isinstance(spec.default, int):
        desc.integer_range = [IntegerRange(
            from_value=int(spec.limits[0]), to_value=int(spec.limits[1]), step=1)]
    return desc


def declare_all(node: Node, specs: Sequence[ParamSpec]) -> Dict[str, Value]:
    """
    Declare every spec on ``node`` and return the validated start-up values.

    rclpy enforces types, numeric ranges and read-only; choices are checked here, both at
    start-up (raising :class:`ParameterError`) and on later changes (rejected with the reason).
    """
    return ParameterListener(node, specs).values()


class ParameterListener:
    """
    The node's parameters as one typed, immutable snapshot, replaced whole when they change.

    As generate_parameter_library's ``ParamListener``: the node reads ``settings`` (one
    attribute access, never a half-applied change) instead of looking parameters up by name.
    """

    def __init__(self, node: Node, specs: Sequence[ParamSpec], name: str = 'Settings',
                 configured: Optional[Callable[[], bool]] = None):
        """
        Declare ``specs`` on ``node``.

        ``configured``: for a lifecycle node, returns whether it is configured; the specs
        marked read-only are then settable only while it returns False.
        """
        self._by_name = {spec.name: spec for spec in specs}
        self._lock = threading.Lock()
        self._configured = configured
        values = {}
        for spec in specs:
            param = node.declare_parameter(spec.name, spec.default,
                                           descriptor(spec, configured is not None))
            values[spec.name] = spec.check(param.value)
        self._settings = settings_type(name, specs)(**values)
        node.add_on_set_parameters_callback(self._on_set)

    @property
    def settings(self) -> Any:
        """Return the current snapshot (a frozen dataclass with one field per spec)."""
        return self._settings

    def values(self) -> Dict[str, Value]:
        """Return the current values by name."""
        return dataclasses.asdict(self._settings)

    def _on_set(self, params) -> SetParametersResult:
        changes = {}
        for param in params:
            spec = self._by_name.get(param.name)
            if spec is None:
                continue
            if spec.read_only and self._configured is not None and self._configured():
                return SetParametersResult(
                    successful=False, reason=f'parameter {param.name!r} is read-only while the '
                    'node is configured: cleanup first, then set it')
            try:
                changes[param.name] = spec.check(param.value)
            except ParameterError as exc:
                return SetParametersResult(successful=False, reason=str(exc))
        if changes:
            with self._lock:
                self._settings = dataclasses.replace(self._settings, **changes)
        return SetParametersResult(successful=True)
