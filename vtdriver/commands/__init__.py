"""Sub-commands of the ``vtdriver`` CLI. Each module exposes ``add_parser(subparsers)``, which
registers the command and sets ``handler`` to a function taking the parsed arguments."""
from __future__ import annotations

from vtdriver.commands import calibrate, cameras, check_config, record, run, snapshot

COMMANDS = [run, check_config, cameras, record, snapshot, calibrate]
