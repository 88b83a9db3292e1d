"""Declaring configuration settings next to the code that uses them.

Each subsystem describes its config section as a frozen dataclass whose fields are made with
``setting``. The config loader (``vtdriver.config``) validates a TOML table against such a
dataclass: unknown keys, wrong types, values out of range or not among the choices are all
rejected with a message that names the file and key.

    @dataclass(frozen=True)
    class BodySettings:
        visibility_threshold: float = setting(0.5, "ignore landmarks below this visibility", min=0, max=1)
"""
from __future__ import annotations

from dataclasses import field
from typing import Any


def setting(
    default: Any,
    doc: str,
    *,
    min: float | None = None,  # noqa: A002 - reads naturally at the call site
    max: float | None = None,  # noqa: A002
    choices: tuple[Any, ...] | None = None,
    min_exclusive: bool = False,
) -> Any:
    metadata = {"doc": doc, "min": min, "max": max, "choices": choices, "min_exclusive": min_exclusive}
    if isinstance(default, (list, dict, set)):
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)
