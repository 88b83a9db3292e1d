"""Argument helpers shared by several sub-commands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vtdriver.config.loader import Config, load_config

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def default_config_path() -> Path:
    """./config.toml when the user has one, else the documented defaults shipped beside the
    package (an editable install from the repository)."""
    local = Path("config.toml")
    return local if local.is_file() else PROJECT_ROOT / "config.toml"


def add_config_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        metavar="FILE",
        help="configuration file (default: ./config.toml, else the shipped defaults)",
    )


def load_config_from_args(args: argparse.Namespace) -> Config:
    config = load_config(args.config or default_config_path())
    for warning in config.warnings:
        print(f"vtdriver: warning: {warning}", file=sys.stderr)
    return config


def add_source_arguments(parser: argparse.ArgumentParser, *, bounds: bool = True) -> None:
    parser.add_argument(
        "--source",
        metavar="SRC",
        help="camera index (0), device (/dev/video0), camera name, video or image file, "
        "replay:FILE.jsonl, or demo (default: [source] default in the config)",
    )
    parser.add_argument(
        "--no-realtime",
        action="store_true",
        help="run video, image, replay and demo sources as fast as possible instead of at their own pace",
    )
    if bounds:
        parser.add_argument("--frames", type=_positive_int, metavar="N", help="stop after N frames")
        parser.add_argument("--duration", type=_positive_float, metavar="S", help="stop after S seconds")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, got {text!r}")
    return value
