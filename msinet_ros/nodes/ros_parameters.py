"""Declare :class:`msinet_ros.parameters.ParamSpec` tuples on an rclpy node."""

from typing import Dict, Sequence

from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
from rclpy.node import Node
from rclpy.parameter import Parameter

from ..errors import ParameterError
from ..parameters import ParamSpec, Value

_TYPES = {bool: Parameter.Type.BOOL, int: Parameter.Type.INTEGER,
          float: Parameter.Type.DOUBLE, str: Parameter.Type.STRING}


def descriptor(spec: ParamSpec) -> ParameterDescriptor:
    """Build the rclpy ParameterDescriptor (type, limits, read-only, description) of a spec."""
    desc = ParameterDescriptor(name=spec.name, type=_TYPES[type(spec.default)].value,
                               description=spec.description, read_only=spec.read_only)
    if spec.choices:
        desc.additional_constraints = 'one of: ' + ', '.join(spec.choices)
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
    by_name = {spec.name: spec for spec in specs}
    values = {}
    for spec in specs:
        param = node.declare_parameter(spec.name, spec.default, descriptor(spec))
        values[spec.name] = spec.check(param.value)

    def on_set(params):
        for param in params:
            spec = by_name.get(param.name)
            if spec is None:
                continue
            try:
                spec.check(param.value)
            except ParameterError as exc:
                return SetParametersResult(successful=False, reason=str(exc))
        return SetParametersResult(successful=True)

    node.add_on_set_parameters_callback(on_set)
    return values
