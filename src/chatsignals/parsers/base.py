"""What every format parser is: detection by content, and a parse into a partial frame.

A parser module defines one subclass of :class:`Parser` and registers it with
:func:`chatsignals.parsers.register`. It returns a :class:`ParseResult`: a DataFrame holding any
subset of the message-table columns (``chatsignals.table.COLUMNS``) plus the file's
:class:`~chatsignals.table.ParseTally`. The reading layer fills in the source columns, ids, roles
and time zone, and validates the result, so a parser only says what its format says.

Timestamps: a parser whose format carries an offset or a known zone returns tz-aware values;
one whose format has wall-clock times only (WhatsApp, pasted text) returns naive values and sets
``naive_timestamps=True``; the reading layer localises them with ``--tz`` (or UTC, with a warning).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar
from zoneinfo import ZoneInfo

import pandas as pd

from ..parties import Parties
from ..sources import Source
from ..table import ParseTally


@dataclass
class ParseOptions:
    """Options every parser may consult."""

    tz: ZoneInfo | None = None
    date_order: str | None = None  # DMY, MDY, YMD or None (infer)
    parties: Parties = field(default_factory=Parties)


@dataclass
class ParseResult:
    """A parser's output: rows (partial columns) and the tally of the whole file."""

    frame: pd.DataFrame
    tally: ParseTally
    naive_timestamps: bool = False


class Parser:
    """Base class of the format parsers.

    Subclasses set the class attributes and implement :meth:`detect` and :meth:`parse`.
    """

    #: registry name, used by ``--format`` (e.g. ``whatsapp``, ``email``, ``wechat_csv``)
    name: ClassVar[str] = ""
    #: the table's ``platform`` value for rows of this format
    platform: ClassVar[str] = "generic"
    #: one line for ``chatsignals formats``: what it reads and how it is recognised
    description: ClassVar[str] = ""
    #: file name endings this format usually has (a hint, never the only test)
    suffixes: ClassVar[tuple[str, ...]] = ()
    #: tie-break when two parsers score the same (higher wins)
    priority: ClassVar[int] = 0

    def detect(self, source: Source) -> float:
        """Confidence 0..1 that ``source`` is in this format, judged from its content
        (``source.head``: the first 64 KiB) and, as a hint only, its name."""
        raise NotImplementedError

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        """Read the whole file. Raise :class:`~chatsignals.errors.InputError` for a file that
        cannot be read at all; report skipped pieces in the tally otherwise."""
        raise NotImplementedError

    def new_tally(self, source: Source) -> ParseTally:
        return ParseTally(source_file=source.display, source_sha256=source.sha256, format=self.name)


def localize_naive(values: pd.Series, options: ParseOptions, tally: ParseTally) -> pd.Series:
    """Read naive wall-clock times in ``--tz`` (or UTC, with a warning) and return them in UTC.

    Nonexistent local times (the hour skipped at a DST change) are shifted forward and ambiguous
    ones read as standard time; both are warned about, never dropped.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        in_utc: pd.Series = values.dt.tz_convert("UTC")  # .dt of a bare Series is Any in the stubs
        return in_utc
    values = pd.to_datetime(values, errors="coerce")
    if options.tz is None:
        if values.notna().any():
            tally.warn("timestamps carry no time zone and no --tz was given: read as UTC")
        return values.dt.tz_localize("UTC")
    try:
        local = values.dt.tz_localize(options.tz, ambiguous="raise", nonexistent="raise")
    except Exception:
        tally.warn(
            f"some local times are ambiguous or do not exist in {options.tz.key} (DST change): "
            "nonexistent ones shifted forward, ambiguous ones read as standard time"
        )
        local = values.dt.tz_localize(options.tz, ambiguous="NaT", nonexistent="shift_forward")
        amb = local.isna() & values.notna()
        if amb.any():
            fix = values[amb].dt.tz_localize(options.tz, ambiguous=False, nonexistent="shift_forward")
            local = local.astype(fix.dtype)
            local[amb] = fix
    return local.dt.tz_convert("UTC")
