"""Output targets in config: parsed and checked against the loopback-only policy at load time,
so a typo or an accidental remote address is caught before anything is sent."""
from __future__ import annotations

from vtdriver.config.validate import TableContext
from vtdriver.outputs.udp import TargetError, check_target, parse_target


def validate_output_target(target: str, allow_remote: bool, ctx: TableContext) -> str | None:
    """Returns a warning for an allowed remote target; raises ConfigError naming the key."""
    try:
        host, port = parse_target(target)
    except TargetError as exc:
        raise ctx.error("target", str(exc)) from None
    try:
        return check_target(host, port, allow_remote)
    except TargetError as exc:
        raise ctx.error("target", str(exc)) from None
