"""``vtdriver check-config``: validate the configuration and every mapping file it references,
without opening a camera or loading a model."""
from __future__ import annotations

import argparse

from vtdriver.commands.common import add_config_argument, load_config_from_args


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("check-config", help="validate the configuration and exit")
    add_config_argument(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = load_config_from_args(args)
    outputs = ", ".join(f"{o.label} -> {o.target}" for o in config.outputs if o.enabled) or "none"
    print(f"{config.path}: ok (outputs: {outputs})")
    return 0
