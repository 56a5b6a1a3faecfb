"""The errors chatsignals raises on purpose.

Bad input must end in one clear line naming the file and the reason, never a traceback. Every
error a parser or a stage raises for bad input is an :class:`InputError`; the CLI prints
``str(error)`` and carries on with the other inputs.
"""

from __future__ import annotations

#: exit status of the command line (CONTRACT.md): every input processed; some inputs failed;
#: usage error or nothing could be processed
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class ChatsignalsError(Exception):
    """Base class of every error chatsignals raises on purpose."""


class InputError(ChatsignalsError):
    """An input file could not be read: names the file and says why in one line."""

    def __init__(self, path: str, reason: str) -> None:
        self.path = str(path)
        self.reason = " ".join(str(reason).split())  # one line, always
        super().__init__(f"{self.path}: {self.reason}")


class UsageError(ChatsignalsError):
    """The caller asked for something impossible (unknown format, bad option value)."""


class TableError(ChatsignalsError):
    """A stage produced a table that breaks the message-table contract (a bug, not bad input)."""
