"""Reading any of vtdriver's TOML files (config.toml and the mapping files) with the same
one-line errors: file not found, unreadable, not UTF-8, invalid TOML at a line."""
from __future__ import annotations

import tomllib
from pathlib import Path

from vtdriver.config.errors import ConfigError


def parse_toml(text: str, path: str | Path) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        line = getattr(exc, "lineno", None)
        if line is None and "(at line " in message:
            number = message.rsplit("(at line ", 1)[1].split(",")[0]
            line = int(number) if number.isdigit() else None
        raise ConfigError(path, "", f"invalid TOML: {message.split(' (at line')[0]}", line) from None


def read_toml(path: str | Path) -> tuple[str, dict]:
    """(text, parsed document) of a TOML file, or ConfigError naming the file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(path, "", "file not found") from None
    except OSError as exc:
        raise ConfigError(path, "", f"cannot read the file ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", f"not UTF-8 text (byte {exc.start})") from None
    return text, parse_toml(text, path)
