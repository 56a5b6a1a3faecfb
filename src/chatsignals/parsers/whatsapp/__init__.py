"""WhatsApp chat exports: the .txt file (Android and iOS, any locale) and the .zip with media.

How a file is read (one pass, vectorised; no Python work per single-line message):

1. The text is split into lines and ONE header layout is chosen from the first lines
   (:mod:`.layouts`); only lines matching that layout's strict pattern start a message, so a
   pasted line from another chat with another layout stays in the body it belongs to.
2. The strict pattern runs over every line at once in pyarrow (RE2), capturing date parts,
   time parts, AM/PM, author and the first body line; continuation lines are joined in Python
   only for the messages that have them.
3. Day/month order comes from the whole file (a first field above 12 is a day, a second one
   above 12 makes it month-first), ``--date-order`` forces it, and an undecidable file is read
   the way that keeps consecutive messages closest in time, with a warning in the tally.
4. Timestamps are naive wall-clock times assembled with numpy from the parts
   (``naive_timestamps=True``: the reading layer applies ``--tz``); ``timestamp_raw`` keeps the
   date and time exactly as written.
5. Media lines (:mod:`.markers`) fill ``attachments`` and ``message_type``; deleted and edited
   markers set ``is_deleted``/``is_edited`` (an appended edit marker is cut from the text).
   Lines without ``Name: `` are system notices (``is_system``, no sender).

A zip export is opened only through :class:`~chatsignals.sources.SafeZip`; its chat member
(``_chat.txt``, ``WhatsApp Chat with X.txt`` and translations) is parsed as above and the
attachments named in the chat are matched to the zip's members. Locators in a zip are
``<member>:L12``.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import InputError
from ...sources import DEFAULT_LIMITS, SafeZip, Source, decode_utf, looks_binary
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from . import markers
from .layouts import MARKS, SAMPLE_LINES, Layout, infer_layout

__all__ = ["WhatsAppParser", "parse_text", "title_from_name"]

_TITLE = re.compile(
    r"^(?:WhatsApp[ -]Chat (?:with|mit|-)|Chat de WhatsApp con|Discussion WhatsApp avec|"
    r"Conversa do WhatsApp com|Chat WhatsApp con|WhatsApp-chat met|WhatsApp-chatt med|"
    r"Чат WhatsApp с|与)\s*(?P<title>.+?)(?:的\s*WhatsApp\s*聊天)?(?: \(\d+\))?\.(?:txt|zip)$",
    re.IGNORECASE,
)
_EXPORT_HINT = re.compile(r"whatsapp|^_chat\.txt$", re.IGNORECASE)

_EDITED = re.compile(markers.EDITED)
_MEDIA_PREFILTER = "|".join(
    re.sub(r"\(\?P<\w+>", "(?:", p)
    for p in (markers.MEDIA_OMITTED, markers.IOS_OMITTED, markers.ATTACHED_TAG, markers.FILE_ATTACHED)
)


def title_from_name(name: str) -> str | None:
    """"WhatsApp Chat with Lily Chen.txt" -> "Lily Chen" (and the other languages' names)."""
    m = _TITLE.match(posixpath.basename(name.replace("\\", "/")))
    return m["title"].strip() if m else None


def is_chat_member(name: str) -> bool:
    """A zip member that is a WhatsApp chat text: ``_chat.txt`` or ``WhatsApp Chat ... .txt``."""
    base = posixpath.basename(name.replace("\\", "/"))
    if not base.lower().endswith(".txt") or base.startswith("."):
        return False
    return base == "_chat.txt" or bool(_EXPORT_HINT.search(base)) or title_from_name(base) is not None


# --- lines ---------------------------------------------------------------------------------------


_BLANK = f"^[ \t\u00a0\u202f\u3000{MARKS}]*$"
_NONBLANK = re.compile(f"[^\\s{MARKS}]")


def _blank_mask(arr: pa.Array) -> np.ndarray:
    """Lines with nothing but spaces and invisible marks (one DFA pass, no copies)."""
    return _bool(pc.match_substring_regex(arr, _BLANK))


def _np(arr: pa.Array | pa.ChunkedArray, dtype: str = "int64") -> np.ndarray:
    return np.asarray(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False), dtype=dtype)


def _bool(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


# --- time ---------------------------------------------------------------------------------------


def _civil(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(datetime64[D] days, validity): impossible dates (31.02., month 13) are invalid."""
    ok = (m >= 1) & (m <= 12) & (d >= 1) & (d <= 31) & (y >= 1970) & (y < 2200)
    months = np.where(ok, (y - 1970) * 12 + (m - 1), 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, d - 1, 0).astype("timedelta64[D]")
    ok &= days.astype("datetime64[M]") == months
    return days, ok


def _gap_sum(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> float:
    days, ok = _civil(y, m, d)
    values = days[ok].astype("int64")
    return float(np.abs(np.diff(values)).sum()) if len(values) > 1 else 0.0


def _guess_order(a: np.ndarray, b: np.ndarray, y: np.ndarray, us_clock: bool) -> tuple[str, str]:
    """DMY or MDY for a file whose dates never show a day above 12, and why."""
    dmy, mdy = _gap_sum(y, b, a), _gap_sum(y, a, b)
    if dmy < mdy:
        return "DMY", "consecutive messages are closer in time that way"
    if mdy < dmy:
        return "MDY", "consecutive messages are closer in time that way"
    if us_clock:
        return "MDY", "US-style clock with AM/PM"
    return "DMY", "the more common order worldwide"


def date_order(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, layout: Layout, options: ParseOptions,
    tally: ParseTally, us_clock: bool = False,
) -> str:
    """DMY, MDY or YMD for the whole file: forced, decided by a day above 12, or guessed."""
    if layout.ymd:
        if options.date_order not in (None, "YMD"):
            tally.warn(f"--date-order {options.date_order} ignored: this export writes the year first")
        return "YMD"
    if options.date_order:
        return options.date_order
    a_big, b_big = int((a > 12).sum()), int((b > 12).sum())
    if a_big and not b_big:
        return "DMY"
    if b_big and not a_big:
        return "MDY"
    if a_big and b_big:
        order = "DMY" if a_big >= b_big else "MDY"
        tally.warn(
            f"dates contradict each other ({a_big} need day-first, {b_big} month-first): read as "
            f"{order}; headers impossible in that order have no timestamp"
        )
        return order
    order, why = _guess_order(a, b, np.where(c < 100, c + 2000, c), us_clock)
    tally.warn(
        f"day and month cannot be told apart (no date has a day above 12): read as {order} "
        f"({why}); pass --date-order DMY or MDY to force"
    )
    return order


def timestamps(
    parts: pa.StructArray, layout: Layout, options: ParseOptions, tally: ParseTally
) -> np.ndarray:
    """Naive datetime64[ns] for every header (NaT where the date or time is impossible)."""
    a, b, c = _np(parts.field("a")), _np(parts.field("b")), _np(parts.field("c"))
    h, mi = _np(parts.field("h")), _np(parts.field("mi"))
    ss = _np(parts.field("ss")) if layout.seconds else np.zeros_like(h)
    us_clock = False
    if layout.twelve_hour:
        ap = parts.field("ap")
        pm = _bool(pc.match_substring_regex(ap, "^[Pp]"))
        h = np.where(h > 12, h, h % 12 + 12 * pm)  # "13:37 p.m." stays 13:37
        us_clock = layout.date_sep == "/" and bool(len(ap)) and str(ap[0]) in ("AM", "PM")
    order = date_order(a, b, c, layout, options, tally, us_clock)
    y, m, d = {"DMY": (c, b, a), "MDY": (c, a, b), "YMD": (a, b, c)}[order]
    y = np.where(y < 100, y + 2000, y)
    days, ok = _civil(y, m, d)
    ok &= (h < 24) & (mi < 60) & (ss < 60)
    secs = days.astype("datetime64[s]") + (h * 3600 + mi * 60 + ss).astype("timedelta64[s]")
    out = np.where(ok, secs, np.datetime64("NaT")).astype("datetime64[ns]")
    bad = int((~ok).sum())
    if bad:
        first = str(parts.field("raw")[int(np.flatnonzero(~ok)[0])])
        tally.warn(
            f"{bad} message header(s) have an impossible date or time as {order} (first: "
            f"{first!r}): kept with an empty timestamp"
        )
    return out


# --- the text parse -----------------------------------------------------------------------------


@dataclass
class _Lines:
    """The line-level view of a file: which lines start messages and where each message ends."""

    arr: pa.Array  # every line of the file
    heads: np.ndarray  # line index of every header
    ends: np.ndarray  # last non-blank line index of every message
    parts: pa.StructArray  # the header pattern's groups, one row per header
    rest: pa.Array  # what follows the header on its line ("Name: text" or a notice)


def line_array(text: str, raw: bytes | None = None) -> pa.Array:
    """The file's lines as one Arrow string array, 1:1 with line numbers (no Python list).

    ``raw`` is the file's bytes when they are the UTF-8 of ``text`` already (no BOM): Arrow
    then wraps them without a copy. CRLF counts as one break; the newline ending the last line
    does not start another line.
    """
    plain = raw is not None and not raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"))
    data = raw if plain and raw is not None else text.encode("utf-8")
    kind = pa.large_string() if len(data) >= 2**31 else pa.string()
    width = np.int64 if kind == pa.large_string() else np.int32
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=width))
    whole = pa.Array.from_buffers(kind, 1, [None, offsets, pa.py_buffer(data)])
    arr = pc.split_pattern(whole, "\n").flatten()
    if text.endswith("\n"):
        arr = arr.slice(0, len(arr) - 1)
    if "\r" in text:
        arr = pc.utf8_rtrim(arr, characters="\r")
    return arr


def _scan(arr: pa.Array, layout: Layout, display: str, tally: ParseTally) -> _Lines:
    matched = pc.extract_regex(arr, layout.header())
    is_head = np.asarray(matched.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    heads = np.flatnonzero(is_head)
    if not len(heads):
        raise InputError(display, f"no line starts with a WhatsApp header ({layout.describe()})")
    blank = np.zeros(len(arr), dtype=bool)  # only lines that are not headers can be blank
    others = np.flatnonzero(~is_head)
    if len(others):
        blank[others] = _blank_mask(arr.take(pa.array(others)))
    first = int(heads[0])
    for i in range(first):
        if blank[i]:
            tally.blank_lines += 1
        else:
            tally.skip(f"L{i + 1}", "text before the first message header")
    body = ~is_head[first:]
    tally.blank_lines += int(blank[first:].sum())
    tally.continuation_lines += int((body & ~blank[first:]).sum())
    idx = np.arange(len(arr))
    last_kept = np.maximum.accumulate(np.where(is_head | ~blank, idx, -1))
    nxt = np.append(heads[1:], len(arr))
    ends = last_kept[nxt - 1]
    mask = pa.array(is_head)
    return _Lines(arr, heads, ends, matched.filter(mask), _after(arr.filter(mask), layout.end))


def _after(lines: pa.Array, end: str) -> pa.Array:
    """What follows the header on each header line: the text after the first ``end``.

    A header never contains its own end ("] " or " - "), so a literal split finds it; this is
    several times cheaper than cutting the header off with its regex.
    """
    pieces = pc.split_pattern(lines, end, max_splits=1)
    offsets = np.asarray(pieces.offsets.to_numpy(zero_copy_only=False))[:-1]
    return pieces.flatten().take(pa.array(offsets + 1))


def split_author(rest: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(author or null, first body line) from what follows the header.

    The author ends at the FIRST ": " (a colon may sit in the text, not in a name); a line ending
    in "Name:" is an empty message; no separator at all means a notice without author.
    """
    pieces = pc.split_pattern(rest, ": ", max_splits=1)
    counts = np.asarray(pc.list_value_length(pieces).to_numpy(zero_copy_only=False))
    offsets = np.asarray(pieces.offsets.to_numpy(zero_copy_only=False))[:-1]
    values = pieces.flatten()
    two = counts == 2
    colon_end = np.flatnonzero(_bool(pc.ends_with(rest, ":")) & ~two)
    if len(colon_end):  # "Name:" with nothing after it
        two[colon_end] = True
    author = values.take(pa.array(offsets, mask=~two))
    body = values.take(pa.array(offsets + counts - 1))  # the whole rest where there is no author
    if len(colon_end):
        names = [v[:-1] for v in rest.take(pa.array(colon_end)).to_pylist()]
        author = _put(author, colon_end, names)
        body = _put(body, colon_end, [""] * len(colon_end))
    empty = np.flatnonzero(_bool(pc.match_substring_regex(author, f"^[{MARKS} ]*$")))
    if len(empty):  # ": text" has no author: the line is a notice, kept whole
        author = _put(author, empty, [None] * len(empty))
        body = _put(body, empty, rest.take(pa.array(empty)).to_pylist())
    return author, body


def _put(arr: pa.Array, rows: np.ndarray, values: list[str | None]) -> pa.Array:
    """``arr`` with ``rows`` replaced by ``values`` (one pass; for the few rows that need it)."""
    mask = np.zeros(len(arr), dtype=bool)
    mask[rows] = True
    return pc.replace_with_mask(arr, pa.array(mask), pa.array(values, type=arr.type))


def _texts(scan: _Lines, body: pa.Array) -> pa.Array:
    """Message texts: the header line's body, plus continuation lines where there are any."""
    multi = np.flatnonzero(scan.ends > scan.heads)
    if not len(multi):
        return body
    firsts = body.take(pa.array(multi)).to_pylist()
    starts, spans = scan.heads[multi] + 1, scan.ends[multi] - scan.heads[multi]
    picks = np.arange(int(spans.sum())) + np.repeat(starts - (np.cumsum(spans) - spans), spans)
    more = scan.arr.take(pa.array(picks)).to_pylist()
    joined, pos = [], 0
    for first, span in zip(firsts, spans, strict=True):
        joined.append("\n".join([first, *more[pos : pos + span]]))
        pos += span
    mask = np.zeros(len(body), dtype=bool)
    mask[multi] = True
    return pc.replace_with_mask(body, pa.array(mask), pa.array(joined, type=body.type))


def _locators(scan: _Lines, prefix: str) -> pa.Array:
    """``L12`` for a one-line message, ``L12-L14`` for one with continuation lines."""
    start = pc.cast(pa.array(scan.heads + 1), pa.string())
    single = pc.binary_join_element_wise(f"{prefix}L", start, "")
    multi = np.flatnonzero(scan.ends > scan.heads)
    if not len(multi):
        return single
    spans = [f"{prefix}L{a + 1}-L{b + 1}" for a, b in zip(scan.heads[multi], scan.ends[multi], strict=True)]
    mask = np.zeros(len(scan.heads), dtype=bool)
    mask[multi] = True
    return pc.replace_with_mask(single, pa.array(mask), pa.array(spans, type=single.type))


def _lstrip_marks(arr: pa.Array) -> pa.Array:
    """Drop invisible marks at the start of each value; a no-op pass when there are none."""
    if pc.any(pc.match_substring_regex(arr, f"^[{MARKS} ]|[{MARKS} ]$")).as_py():
        return pc.utf8_trim(arr, characters=MARKS + " ")
    return arr


def _strings(arr: pa.Array | pa.ChunkedArray) -> pd.Series:
    """An Arrow string array as a pandas ``string`` column without copying it."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return pd.Series(pd.arrays.ArrowStringArray(arr))


#: message_type values, coded as small ints while the column is built
TYPES = ["text", "link", "system", "deleted", "media", "image", "video", "voice", "sticker", "file"]


def _media(text: pa.Array, n: int) -> tuple[np.ndarray | None, np.ndarray]:
    """(attachments per row, or None when no row has any; message type codes into TYPES)."""
    kinds = np.zeros(n, dtype=np.int8)
    links = _bool(pc.match_substring_regex(text, markers.URL))
    kinds[links] = TYPES.index("link")
    hits = np.flatnonzero(_bool(pc.match_substring_regex(text, _MEDIA_PREFILTER)))
    if not len(hits):
        return None, kinds
    attachments = np.full(n, None, dtype=object)  # finalize() reads None as []
    for k, value in zip(hits, text.take(pa.array(hits)).to_pylist(), strict=True):
        names, kind = markers.media_of(value)
        if names:
            attachments[k] = names
            kinds[k] = TYPES.index(kind)
    return attachments, kinds


def _edited(text: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """Cut an appended "<This message was edited>" from the text; mark the row edited.

    A text that is nothing but the marker keeps it (there is nothing else to show)."""
    marked = _bool(pc.match_substring_regex(text, markers.EDITED))
    rows = np.flatnonzero(marked)
    if len(rows):
        values = text.take(pa.array(rows)).to_pylist()
        cut = [_cut_edited(v) for v in values]
        mask = np.zeros(len(text), dtype=bool)
        mask[rows] = True
        text = pc.replace_with_mask(text, pa.array(mask), pa.array(cut, type=text.type))
    return text, marked


def _cut_edited(text: str) -> str:
    """The text without its appended edit marker (and the spaces before it); the marker alone
    stays, as there is nothing else to show."""
    m = _EDITED.search(text)
    if m is None:
        return text
    kept = text[: m.start()].rstrip(" \t" + MARKS)
    return kept or text


def _senders(
    author: pa.Array, first: pa.Array, text: pa.Array
) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """(sender or null, text, is_system).

    No "Name: " means a notice (Android); so does a subject change whose new subject holds a
    colon. iOS writes notices under the chat's name with a mark before the text; those are
    system rows that keep the name as written.
    """
    has_author = _bool(pc.is_valid(author))
    sender = _lstrip_marks(author)
    notice = _bool(pc.match_substring_regex(sender, markers.NOTICE_AUTHOR)) & has_author
    if notice.any():
        whole = pc.binary_join_element_wise(author, text, ": ")
        text = pc.if_else(pa.array(notice), whole, text)
        has_author &= ~notice
        sender = pc.if_else(pa.array(has_author), sender, pa.scalar(None, sender.type))
    ios = _bool(pc.match_substring_regex(first, markers.IOS_NOTICE)) & has_author
    return sender, text, ~has_author | ios


def parse_text(
    text: str,
    display: str,
    options: ParseOptions,
    tally: ParseTally,
    title: str | None = None,
    locator_prefix: str = "",
    max_line_chars: int = DEFAULT_LIMITS.max_line_chars,
    raw: bytes | None = None,
) -> pd.DataFrame:
    """Parse the text of one WhatsApp export into a partial message frame (naive timestamps).

    ``raw``: the bytes ``text`` was decoded from, when at hand (saves a re-encode)."""
    if not _NONBLANK.search(text):
        raise InputError(display, "empty file (no text)")
    layout, _ = infer_layout(text[:4_000_000].split("\n", SAMPLE_LINES)[:SAMPLE_LINES])
    if layout is None:
        raise InputError(
            display,
            "no WhatsApp message header found (like '03.03.25, 09:15 - Name: text' or "
            "'[3/3/25, 9:15:32 AM] Name: text')",
        )
    arr = line_array(text, raw)
    del text  # the lines hold it now (or share ``raw``)
    arr = _cut_long_lines(arr, tally, max_line_chars)
    scan = _scan(arr, layout, display, tally)
    n = len(scan.heads)
    stamps = timestamps(scan.parts, layout, options, tally)
    author, first = split_author(scan.rest)
    body = _texts(scan, first)
    if pc.any(pc.match_substring_regex(body, f"^[{MARKS}]")).as_py():
        body = pc.utf8_ltrim(body, characters=MARKS)
    sender, body, system = _senders(author, first, body)
    body, edited = _edited(body)
    deleted = _bool(pc.match_substring_regex(body, markers.DELETED))
    attachments, kinds = _media(body, n)
    system = system | deleted
    kinds[system] = TYPES.index("system")
    kinds[deleted] = TYPES.index("deleted")
    frame = pd.DataFrame(
        {
            "timestamp": stamps,
            "timestamp_raw": _strings(scan.parts.field("raw")),
            "sender": _strings(sender),
            "text": _strings(body),
            "is_system": system,
            "is_deleted": deleted,
            "is_edited": edited,
            "message_type": _strings(pa.DictionaryArray.from_arrays(kinds, TYPES).cast(pa.string())),
            "source_locator": _strings(_locators(scan, locator_prefix)),
        }
    )
    if attachments is not None:
        frame["attachments"] = attachments
    frame["conversation_title"] = pd.Series(title, index=frame.index, dtype="string")
    tally.system_lines += int(system.sum())
    tally.messages += int(n - system.sum())
    return frame


def _cut_long_lines(arr: pa.Array, tally: ParseTally, limit: int) -> pa.Array:
    """Lines beyond ``Limits.max_line_chars`` are cut to it and reported (nothing else is)."""
    lengths = pc.utf8_length(arr)
    longest = pc.max(lengths).as_py() or 0
    if longest <= limit:
        return arr
    count = pc.sum(pc.greater(lengths, limit)).as_py()
    tally.warn(f"{count} line(s) longer than {limit:,} characters (longest {longest:,}) were cut to {limit:,}")
    return pc.utf8_slice_codeunits(arr, 0, limit)


# --- zip ----------------------------------------------------------------------------------------


def _match_media(frame: pd.DataFrame, members: dict[str, str], tally: ParseTally) -> set[str]:
    """Point attachment names at the zip members that hold them; return the members used."""
    used: set[str] = set()
    if "attachments" not in frame:
        return used
    missing: list[str] = []
    matched: list[list[str]] = []
    for names in frame["attachments"]:
        if not names:
            matched.append([])
            continue
        row: list[str] = []
        for name in names:
            member = members.get(name) or members.get(posixpath.basename(name))
            if member:
                used.add(member)
                row.append(member)
            else:
                row.append(name)
                if not _is_marker(name):
                    missing.append(name)
        matched.append(row)
    frame["attachments"] = matched
    if missing:
        tally.warn(
            f"{len(missing)} attachment(s) named in the chat are not in the zip (first: {missing[0]!r})"
        )
    return used


def _is_marker(name: str) -> bool:
    return name.startswith("<") or name.endswith(("omitted", "weggelassen", "omitido", "omis"))


# --- the parser ---------------------------------------------------------------------------------


def _head_text(head: bytes) -> str:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return head[: len(head) // 2 * 2].decode("utf-16", errors="ignore")
    return head.decode("utf-8", errors="ignore")


@register
class WhatsAppParser(Parser):
    name = "whatsapp"
    platform = "whatsapp"
    description = (
        "WhatsApp chat export (.txt from Android or iOS in any locale, or the .zip with media): "
        "recognised by its message headers ('03.03.25, 09:15 - Name:' / '[3/3/25, 9:15:32 AM] "
        "Name:') or, in a zip, a _chat.txt / 'WhatsApp Chat with ...' member"
    )
    suffixes = (".txt", ".zip")

    def detect(self, source: Source) -> float:
        if source.is_zip():
            with SafeZip(source) as zf:
                return 0.95 if any(is_chat_member(n) for n in zf.names()) else 0.0
        head = source.head
        if looks_binary(head):
            return 0.0
        lines = _head_text(head).splitlines()
        if len(head) == 64 * 1024 and len(lines) > 1:
            lines.pop()  # cut mid-line
        layout, hits = infer_layout(lines, limit=400)
        if layout is None:
            return 0.0
        score = 0.6 + 0.35 * min(1.0, hits / 10)
        first = next((ln for ln in lines if ln.strip(MARKS + " \t")), "")
        if not layout.compiled().match(first):
            score *= 0.5  # a header further down: pasted chat in another format
        if layout.signal_like:
            score = min(score, 0.4)  # "[2025-03-03, 09:15] Name:" is signal-export's layout
        return score

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        if source.is_zip():
            return ParseResult(self._parse_zip(source, options, tally), tally, naive_timestamps=True)
        if looks_binary(source.head):
            raise InputError(source.display, "binary file, not a WhatsApp chat export")
        raw = source.read_bytes()
        title = title_from_name(source.name)
        frame = parse_text(  # the decoded text lives only inside parse_text (memory)
            decode_utf(raw, source.display), source.display, options, tally, title,
            max_line_chars=source.limits.max_line_chars, raw=raw,
        )
        return ParseResult(frame, tally, naive_timestamps=True)

    def _parse_zip(self, source: Source, options: ParseOptions, tally: ParseTally) -> pd.DataFrame:
        with SafeZip(source) as zf:
            names = zf.names()
            chats = [n for n in names if is_chat_member(n)]
            if not chats:
                raise InputError(
                    source.display,
                    "zip holds no WhatsApp chat text (_chat.txt or 'WhatsApp Chat with ....txt')",
                )
            members: dict[str, str] = {}
            for n in names:
                if n not in chats:
                    members.setdefault(n, n)
                    members.setdefault(posixpath.basename(n), n)
            frames = []
            used: set[str] = set()
            for i, member in enumerate(chats):
                text = decode_utf(zf.read(member), source.display)
                title = title_from_name(member) or title_from_name(source.name)
                frame = parse_text(
                    text, source.display, options, tally, title, f"{member}:",
                    source.limits.max_line_chars,
                )
                if len(chats) > 1:
                    frame["conversation_id"] = f"whatsapp-{source.sha256[:12]}-{i + 1}"
                used |= _match_media(frame, members, tally)
                frames.append(frame)
        unused = [n for n in names if n not in chats and n not in used]
        if unused:
            tally.warn(f"{len(unused)} file(s) in the zip are not named in the chat (first: {unused[0]!r})")
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
