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
