"""Validating one TOML table against a settings dataclass (see ``vtdriver.settings``).

Types come from the dataclass annotations: bool, int, float (an int is accepted), str,
list[str], list[float], dict[str, float]. Ranges and choices come from ``setting()`` metadata.
"""
from __future__ import annotations

import dataclasses
import math
import typing
from pathlib import Path
from typing import Any

from vtdriver.config.errors import ConfigError, find_key_line

_TYPE_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


class TableContext:
    """Where a table came from, so errors can name the file, the table and the line."""

    def __init__(self, path: Path, text: str, table: str, occurrence: int = 0):
        self.path = path
        self.text = text
        self.table = table
        self.occurrence = occurrence

    def label(self, key: str) -> str:
        if not self.table:
            return key
        suffix = f"[{self.occurrence}]" if self.occurrence else ""
        return f"[{self.table}{suffix}] {key}" if key else f"[{self.table}{suffix}]"

    def error(self, key: str, message: str) -> ConfigError:
        line = find_key_line(self.text, self.table, key, self.occurrence)
        return ConfigError(self.path, self.label(key), message, line)


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_scalar(expected: type, value: Any, ctx: TableContext, key: str) -> Any:
    if expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ctx.error(key, f"must be a number, got {_describe(value)}")
        value = float(value)
        if not math.isfinite(value):
            raise ctx.error(key, f"must be a finite number, got {value}")
        return value
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ctx.error(key, f"must be an integer, got {_describe(value)}")
        return value
    if expected is bool:
        if not isinstance(value, bool):
            raise ctx.error(key, f"must be true or false, got {_describe(value)}")
        return value
    if expected is str:
        if not isinstance(value, str):
            raise ctx.error(key, f"must be a string, got {_describe(value)}")
        return value
    raise ctx.error(key, f"has an unsupported type {expected!r}")  # a programming error


def _check_any_scalar(value: Any, ctx: TableContext, key: str) -> Any:
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return _check_scalar(float, value, ctx, key)
    raise ctx.error(key, f"must be a number, string or true/false, got {_describe(value)}")


def _check_value(annotation: Any, value: Any, ctx: TableContext, key: str) -> Any:
    if annotation is list:
        if not isinstance(value, list):
            raise ctx.error(key, f"must be a list, got {_describe(value)}")
        return [_check_any_scalar(item, ctx, key) for item in value]
    if annotation is dict:
        if not isinstance(value, dict):
            raise ctx.error(key, f"must be a table, got {_describe(value)}")
        return {str(k): _check_any_scalar(v, ctx, f"{key}.{k}") for k, v in value.items()}
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        options = [a for a in args if a is not type(None)]
        return _check_value(options[0], value, ctx, key)
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ctx.error(key, f"must be a list, got {_describe(value)}")
        item_type = args[0] if args else str
        return [_check_scalar(item_type, item, ctx, key) for item in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise ctx.error(key, f"must be a table, got {_describe(value)}")
        value_type = args[1] if len(args) > 1 else float
        return {str(k): _check_scalar(value_type, v, ctx, f"{key}.{k}") for k, v in value.items()}
    return _check_scalar(annotation, value, ctx, key)


def _check_range(meta: dict, value: Any, ctx: TableContext, key: str) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        allowed = ", ".join(repr(c) for c in choices)
        raise ctx.error(key, f"must be one of {allowed}, got {_describe(value)}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = meta.get("min"), meta.get("max")
        if low is not None:
            if meta.get("min_exclusive") and value <= low:
                raise ctx.error(key, f"must be greater than {low}, got {value}")
            if value < low:
                raise ctx.error(key, f"must be at least {low}, got {value}")
        if high is not None and value > high:
            raise ctx.error(key, f"must be at most {high}, got {value}")


def build_settings(cls: type, table: Any, ctx: TableContext) -> Any:
    """An instance of the settings dataclass ``cls`` from a TOML table, or ConfigError."""
    if not isinstance(table, dict):
        raise ctx.error("", f"must be a table, got {_describe(table)}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in table:
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise ctx.error(key, f"unknown key (known keys: {known})")
    values = {}
    for name, field in fields.items():
        if name not in table:
            continue
        value = _check_value(hints[name], table[name], ctx, name)
        _check_range(dict(field.metadata), value, ctx, name)
        values[name] = value
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:
        # Cross-field checks live in the dataclass (__post_init__); their message starts with
        # the key ("key: ..." or "key must ...") so the error can point at the line.
        text = str(exc)
        key, _, message = text.partition(": ")
        if not message or key not in fields:
            first, _, rest = text.partition(" ")
            key, message = (first, rest) if first in fields else ("", text)
        raise ctx.error(key, message) from None
