"""chatsignals: turn exported seller chats and e-mails into dispute-ready evidence."""

from __future__ import annotations

__version__ = "0.1.0"

from .errors import ChatsignalsError, InputError, UsageError
from .reading import read
from .table import COLUMNS, REQUIRED_COLUMNS

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "ChatsignalsError",
    "InputError",
    "UsageError",
    "__version__",
    "read",
]
