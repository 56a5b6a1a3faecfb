"""WhatsApp header layouts: which one a file uses, and the one regex that reads it.

A WhatsApp export starts every message with a header such as ``03.03.25, 09:15 - `` (German
Android), ``3/3/25, 9:15 AM - `` (US Android), ``[03/03/2025, 09:15:32] `` (iOS),
``2025/03/03, 09:15. - `` (trailing dot), ``3.3.2025 klo 9.15 - `` (Finnish). A message body
line can look like a header of *another* layout (a pasted line from another chat), so a file is
read with ONE layout: a permissive probe classifies the first lines, the most frequent
:class:`Layout` wins, and only lines matching that layout's strict pattern start a message.

Patterns are written in the common subset of Python ``re`` and RE2 (pyarrow's regex engine):
no back-references, ``[0-9]`` instead of ``\\d``, literal non-ASCII characters.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

#: invisible marks WhatsApp puts before headers, names and media lines (LRM, RLM, embeddings, BOM)
MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
#: the space before AM/PM: plain, NBSP, or NARROW NBSP (newer iOS/Android)
SP = "[ \u00a0\u202f]"
#: AM, pm, a.m., p. m., a.\u00a0m. ...
AMPM = rf"[AaPp]\.?{SP}?[Mm]\.?"
#: header ends: iOS bracket, Android hyphen or en dash
ENDS = ("] ", " - ", " – ")

PROBE = re.compile(
    rf"^[{MARKS}]*(?P<ob>\[)?"
    r"(?P<f1>[0-9]{1,4})(?P<ds>[./-])(?P<f2>[0-9]{1,2})(?P=ds)(?P<f3>[0-9]{2,4})"
    r"(?P<dts>,? klo |,? à |, | |,)"
    r"(?P<h>[0-9]{1,2})(?P<ts>[:.])(?P<mi>[0-9]{2})(?:(?P=ts)(?P<ss>[0-9]{2}))?"
    rf"(?P<ap>{SP}?{AMPM})?"
    r"(?P<tdot>\.)?"
    r"(?P<end>\] | - | – )"
)

#: how many lines are looked at to choose the layout
SAMPLE_LINES = 5000


@dataclass(frozen=True)
class Layout:
    """One header layout: everything that stays the same from line to line of one export."""

    bracket: bool  # iOS "[...] "
    ymd: bool  # four-digit year first (2025-03-03, 2025/03/03)
    date_sep: str  # "/", ".", "-"
    year4: bool  # D/M/YYYY rather than D/M/YY (ymd layouts: always True)
    dt_sep: str  # between date and time: ", ", " ", ",", " klo " (Finnish), " à " (French)
    time_sep: str  # ":" or "." (Finnish)
    seconds: bool
    twelve_hour: bool
    trailing_dot: bool  # "13:34. - "
    end: str  # "] ", " - ", " – "

    def header(self, capture: bool = True) -> str:
        """The strict header pattern (anchored, up to and including the separator).

        With ``capture`` the date, time and AM/PM parts are named groups (a, b, c, h, mi, ss, ap)
        and ``raw`` is the date and time as written; without, it has no groups (for stripping).
        """
        ds = re.escape(self.date_sep)
        d12 = "[0-9]{1,2}"
        if self.ymd:
            date = f"(?P<a>[0-9]{{4}}){ds}(?P<b>{d12}){ds}(?P<c>{d12})"
        else:
            year = "[0-9]{4}" if self.year4 else "[0-9]{2}"
            date = f"(?P<a>{d12}){ds}(?P<b>{d12}){ds}(?P<c>{year})"
        ts = re.escape(self.time_sep)
        time = f"(?P<h>{d12}){ts}(?P<mi>[0-9]{{2}})"
        if self.seconds:
            time += f"{ts}(?P<ss>[0-9]{{2}})"
        if self.twelve_hour:
            time += f"{SP}?(?P<ap>{AMPM})"
        head = f"^[{MARKS}]*" + (r"\[" if self.bracket else "")
        head += f"(?P<raw>{date}{self.dt_sep}{time})"
        head += r"\." if self.trailing_dot else ""
        head += r"\] " if self.end == "] " else self.end
        return head if capture else re.sub(r"\(\?P<\w+>", "(?:", head)

    def pattern(self) -> str:
        """Header, then ``Name: `` (first colon-space; absent on notices) and the first body line."""
        return self.header() + r"(?:(?P<author>.+?):(?: |$))?(?P<body>.*)$"

    def compiled(self) -> re.Pattern[str]:
        return _compiled(self)

    def describe(self) -> str:
        """A human label such as ``DD.MM.YY, HH:MM - `` for warnings and the tally."""
        year = "YYYY" if self.year4 or self.ymd else "YY"
        sep = self.date_sep
        date = f"YYYY{sep}MM{sep}DD" if self.ymd else f"D{sep}M{sep}{year}"
        time = f"H{self.time_sep}MM" + (f"{self.time_sep}SS" if self.seconds else "")
        time += " AM/PM" if self.twelve_hour else ""
        time += "." if self.trailing_dot else ""
        text = f"{date}{self.dt_sep}{time}"
        return f"[{text}] " if self.bracket else f"{text}{self.end}"

    @property
    def signal_like(self) -> bool:
        """``[2025-03-03, 09:15] Name:`` is signal-export's layout; real iOS exports carry seconds."""
        return self.bracket and self.ymd and not self.seconds and not self.twelve_hour


_CACHE: dict[Layout, re.Pattern[str]] = {}


def _compiled(layout: Layout) -> re.Pattern[str]:
    if layout not in _CACHE:
        _CACHE[layout] = re.compile(layout.pattern())
    return _CACHE[layout]


def probe_line(line: str) -> Layout | None:
    """The layout of one line when it starts with a well-formed header, else None."""
    m = PROBE.match(line)
    if not m or (m["ob"] is not None) != (m["end"] == "] "):
        return None
    f1, f3 = m["f1"], m["f3"]
    ymd = len(f1) == 4
    if ymd and len(f3) > 2:
        return None
    if not ymd and (len(f1) > 2 or len(f3) not in (2, 4)):
        return None
    return Layout(
        bracket=m["ob"] is not None,
        ymd=ymd,
        date_sep=m["ds"],
        year4=ymd or len(f3) == 4,
        dt_sep=m["dts"],
        time_sep=m["ts"],
        seconds=m["ss"] is not None,
        twelve_hour=m["ap"] is not None,
        trailing_dot=m["tdot"] is not None,
        end=m["end"],
    )


def infer_layout(lines: Iterable[str], limit: int = SAMPLE_LINES) -> tuple[Layout | None, int]:
    """The most frequent header layout among the first ``limit`` lines, and its hit count.

    Ties go to the layout seen first, so a file's first header decides between equals.
    """
    counts: Counter[Layout] = Counter()
    first_seen: dict[Layout, int] = {}
    for i, line in enumerate(lines):
        if i >= limit:
            break
        layout = probe_line(line)
        if layout is not None:
            counts[layout] += 1
            first_seen.setdefault(layout, i)
    if not counts:
        return None, 0
    best = max(counts, key=lambda lay: (counts[lay], -first_seen[lay]))
    return best, counts[best]
