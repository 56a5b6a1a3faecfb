"""chatsignals: turn exported seller chats and e-mails into dispute-ready evidence.

    import chatsignals
    df = chatsignals.read("WhatsApp Chat with Lily Chen.txt", tz="Europe/Berlin", seller="Lily Chen")
    result = chatsignals.analyze("data/samples/chats", facts="data/samples/facts.yaml", tz="Europe/Berlin")
    result.findings            # a DataFrame; result is also shown as a summary in Jupyter
    batch = chatsignals.load("out/")   # an analyze OUTDIR, one case or a batch
"""

from __future__ import annotations

from typing import Any

from ._version import __version__
from .errors import ChatsignalsError, InputError, UsageError
from .reading import read
from .table import COLUMNS, REQUIRED_COLUMNS


def analyze(*args: Any, **kwargs: Any) -> Any:
    """Read the inputs and analyse them as one case (see :func:`chatsignals.analysis.analyze`)."""
    from .analysis import analyze as _analyze

    return _analyze(*args, **kwargs)


def load(outdir: Any) -> Any:
    """Load an ``analyze`` OUTDIR (one case or a batch) as a result object."""
    from .results import load as _load

    return _load(outdir)


__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "ChatsignalsError",
    "InputError",
    "UsageError",
    "__version__",
    "analyze",
    "load",
    "read",
]
