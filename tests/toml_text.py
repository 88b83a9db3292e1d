"""Writing a TOML document from plain Python values (tomllib only reads), for fuzz tests.

Tables become ``[a.b]`` sections, a top-level list of tables becomes ``[[name]]`` sections, and
anything nested inside a list is written inline. Floats keep TOML's nan/inf spellings, strings
use basic-string escapes, dates and times their ISO form, which TOML shares.
"""
from __future__ import annotations

import datetime
import json
import math
import re

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def key_text(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else string_text(key)


def string_text(text: str) -> str:
    # JSON's escapes (\" \\ \n \t \uXXXX ...) are all valid TOML basic-string escapes; TOML
    # also requires DEL to be escaped, which JSON leaves raw.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def value_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return string_text(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(value_text(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key_text(k)} = {value_text(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML form for {type(value).__name__}")


def _is_table_array(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def dumps(document: dict) -> str:
    lines: list[str] = []
    _table(document, [], lines)
    return "\n".join(lines) + "\n"


def _table(table: dict, path: list[str], lines: list[str]) -> None:
    for key, value in table.items():
        if not isinstance(value, dict) and not (_is_table_array(value) and not path):
            lines.append(f"{key_text(key)} = {value_text(value)}")
    for key, value in table.items():
        if isinstance(value, dict):
            lines.append("[" + ".".join(key_text(k) for k in [*path, key]) + "]")
            _table(value, [*path, key], lines)
        elif _is_table_array(value) and not path:
            for item in value:
                lines.append(f"[[{key_text(key)}]]")
                lines.extend(f"{key_text(k)} = {value_text(v)}" for k, v in item.items())
