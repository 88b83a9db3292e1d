"""The one error type for bad configuration and mapping files.

Its message is a single line that names the file, the key and, where it can be found, the line:
``config.toml:42: [body] visibility_threshold: must be at most 1, got 1.5``.
The CLI prints it and exits with status 2, with no traceback.
"""
from __future__ import annotations

import re
from pathlib import Path

from vtdriver.errors import UserError


def printable(text: str) -> str:
    """``text`` with control and other unprintable characters escaped (a TOML key may be "\\r"):
    the one-line error collapses whitespace, which would otherwise erase such a key."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else c.encode("unicode_escape").decode("ascii") for c in text)


class ConfigError(UserError):
    def __init__(self, path: str | Path, key: str, message: str, line: int | None = None):
        self.path = str(path)
        self.key = key
        self.message = message
        self.line = line
        super().__init__(self.one_line())

    def one_line(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        key = f" {printable(self.key)}:" if self.key else ""
        text = f"{where}:{key} {self.message}"
        return " ".join(text.split())


_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")


def find_key_line(text: str, table: str, key: str, occurrence: int = 0) -> int | None:
    """Best-effort line number (1-based) of ``key = ...`` inside ``[table]`` (or inside the
    ``occurrence``-th ``[[table]]``). ``table`` is "" for top-level keys. Returns the table's
    header line when the key itself is absent, None when neither can be found."""
    current = ""
    seen: dict[str, int] = {}
    header_line = None
    key_pattern = re.compile(rf"^\s*(\"{re.escape(key)}\"|'{re.escape(key)}'|{re.escape(key)})\s*=")
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER.match(raw)
        if header:
            current = header.group(2).replace(" ", "").replace('"', "")
            index = seen.get(current, -1) + 1 if header.group(1) == "[[" else 0
            seen[current] = index
            if current == table and index == occurrence:
                header_line = number
            continue
        in_table = current == table and seen.get(current, 0) == occurrence
        if in_table and key and key_pattern.match(raw):
            return number
    return header_line
