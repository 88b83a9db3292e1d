"""The base of every error caused by what the user gave us (a config key, a file, a source
spec). The CLI prints ``one_line()`` and exits with status 2; nothing else reaches the user as
a traceback."""
from __future__ import annotations


class UserError(Exception):
    def one_line(self) -> str:
        return " ".join(str(self).split())
