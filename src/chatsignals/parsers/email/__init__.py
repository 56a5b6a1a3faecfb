"""E-mail into the message table: .eml files, mbox mailboxes, Outlook .msg files.

One row per e-mail, platform ``email`` (Alibaba notification mails give an ``alibaba`` row with
the supplier's message). ``text`` holds only what the sender wrote in that mail: quoted history
goes to ``quoted_text`` (:mod:`.quotes`, :mod:`.html`), the signature to ``signature``
(:mod:`.signature`). Charsets follow :mod:`.charsets`; threads :mod:`.threads` (call
:func:`.threads.link_threads` on the concatenated table to join threads spread over files).

Locators: ``msg 0`` for the one message of an .eml or .msg file; ``msg N`` in an mbox, where N is
the **0-based** position of the message in the mailbox (``msg 0`` is the first).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ...errors import InputError
from ...sources import Source
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from . import mbox as mbox_reader
from .mime import BadMessage, read_message
from .threads import link_threads

MAX_LISTED_PROBLEMS = 200
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:[ \t]?", re.MULTILINE)
_MAIL_HEADERS = re.compile(
    rb"^(from|date|subject|message-id|received|return-path|to|mime-version|delivered-to|"
    rb"x-gm-thrid|x-gmail-labels|reply-to|content-type|x-mailer|authentication-results):",
    re.IGNORECASE | re.MULTILINE,
)


def _header_block(head: bytes) -> bytes:
    """The bytes before the first blank line (the header section of a message)."""
    head = head.lstrip(b"\xef\xbb\xbf")
    end = re.search(rb"\r?\n\r?\n", head)
    return head[: end.start()] if end else head


def _looks_like_headers(block: bytes) -> float:
    lines = [ln for ln in block.splitlines() if ln and not ln[:1].isspace()]
    if not lines:
        return 0.0
    header_like = sum(1 for ln in lines if _HEADER_LINE.match(ln))
    known = {m.group(1).lower() for m in _MAIL_HEADERS.finditer(block)}
    if header_like < len(lines) * 0.8 or not known:
        return 0.0
    core = known & {b"from", b"date", b"subject", b"message-id", b"received", b"return-path", b"to"}
    if len(core) >= 2:
        return 0.9
    return 0.6 if len(known) >= 2 else 0.3


class Rows:
    """Rows kept column by column, and every CHUNK rows turned into a DataFrame (pandas keeps
    the strings in Arrow buffers): a mailbox of 700,000 mails holds its text once, in Arrow, and
    one chunk of Python strings, not every mail's strings twice until the end."""

    CHUNK = 5_000

    def __init__(self) -> None:
        self.columns: dict[str, list[Any]] = {}
        self.count = 0
        self.pending = 0  # rows in ``columns`` not yet in a chunk
        self.chunks: list[pd.DataFrame] = []

    def append(self, row: dict[str, Any]) -> None:
        for key, value in row.items():
            column = self.columns.get(key)
            if column is None:
                column = self.columns[key] = [None] * self.pending
            column.append(value)
        self.count += 1
        self.pending += 1
        for column in self.columns.values():
            if len(column) < self.pending:
                column.append(None)
        if self.pending >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            start = self.count - self.pending
            self.chunks.append(pd.DataFrame(self.columns, index=range(start, self.count)))
            self.columns, self.pending = {}, 0

    def __len__(self) -> int:
        return self.count

    def frame(self) -> pd.DataFrame:
        self._flush()
        chunks, self.chunks = self.chunks, []
        if not chunks:
            return pd.DataFrame(index=range(0))
        return chunks[0] if len(chunks) == 1 else pd.concat(chunks, sort=False)


class _EmailBase(Parser):
    platform = "email"

    def _finish(self, rows: Rows, problems: list[tuple[str, str]], tally: ParseTally) -> ParseResult:
        for locator, problem in problems[:MAX_LISTED_PROBLEMS]:
            tally.warn(f"{locator}: {problem}")
        if len(problems) > MAX_LISTED_PROBLEMS:
            tally.warn(f"... and {len(problems) - MAX_LISTED_PROBLEMS} more message problems not listed")
        tally.messages = len(rows)
        frame = rows.frame()
        if len(rows):
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
            frame["platform"] = frame["platform"].fillna("email") if "platform" in frame else "email"
            if len(frame) > 1:
                frame = link_threads(frame)
        return ParseResult(frame, tally)


def _one(data: bytes, locator: str, rows: Rows, problems: list[tuple[str, str]], tally: ParseTally) -> None:
    found: list[str] = []
    try:
        row = read_message(data, locator, found)
    except BadMessage as exc:
        tally.skip(locator, str(exc))
        return
    except (RecursionError, MemoryError) as exc:
        tally.skip(locator, f"message too deeply nested or too large ({exc.__class__.__name__})")
        return
    except Exception as exc:  # one hostile message must not take the mailbox down
        tally.skip(locator, f"unreadable message ({exc.__class__.__name__}: {str(exc)[:80]})")
        return
    row.setdefault("platform", "email")
    rows.append(row)
    problems.extend((locator, p) for p in found)


@register
class EmlParser(_EmailBase):
    name = "email"
    description = "one e-mail (.eml, RFC 5322): recognised by mail headers (From, Date, Subject...) at the top"
    suffixes = (".eml", ".txt", "")

    def detect(self, source: Source) -> float:
        head = source.head
        if head.startswith(b"From ") or head.startswith(OLE_MAGIC):
            return 0.0
        if b"Snapshot-Content-Location:" in head[:4096] or b"From: <Saved by Blink>" in head[:256]:
            return 0.0  # a browser's MHTML page save, not an e-mail
        score = _looks_like_headers(_header_block(head))
        if score and source.suffix == ".eml":
            score = max(score, 0.8)
        return score

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        rows = Rows()
        problems: list[tuple[str, str]] = []
        _one(source.read_bytes(), "msg 0", rows, problems, tally)
        if not rows:
            reason = tally.skipped[0].reason if tally.skipped else "not an e-mail"
            raise InputError(source.display, f"not a readable e-mail: {reason}")
        return self._finish(rows, problems, tally)


@register
class MboxParser(_EmailBase):
    name = "mbox"
    description = (
        "mailbox (.mbox, Thunderbird, Apple Mail, Google Takeout): recognised by a 'From ' "
        "separator line followed by mail headers; streamed message by message"
    )
    suffixes = (".mbox", ".mbx", "")

    def detect(self, source: Source) -> float:
        head = source.head.lstrip(b"\xef\xbb\xbf")
        if not head.startswith(b"From "):
            return 0.0
        first, _, rest = head.partition(b"\n")
        if not mbox_reader.is_separator(first + b"\n") and b"@" not in first:
            return 0.0
        return 0.95 if _looks_like_headers(_header_block(rest)) else 0.4

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        rows = Rows()
        problems: list[tuple[str, str]] = []
        preamble: list[int] = []
        try:
            with source.path.open("rb") as handle:
                for raw in mbox_reader.iter_messages(handle, preamble):
                    locator = f"msg {raw.index}"
                    if raw.too_large:
                        tally.skip(locator, f"message over {mbox_reader.MAX_MESSAGE_BYTES:,} bytes")
                        continue
                    if not raw.data.strip():
                        tally.skip(locator, "empty message")
                        continue
                    _one(raw.data, locator, rows, problems, tally)
        except OSError as exc:
            raise InputError(source.display, f"cannot read: {exc.strerror or exc}") from None
        if preamble:
            tally.skip(f"L{preamble[0]}-L{preamble[-1]}", "text before the first 'From ' separator")
        if not rows and not tally.skipped:
            raise InputError(source.display, "no messages found in the mailbox")
        return self._finish(rows, problems, tally)


@register
class MsgParser(_EmailBase):
    name = "msg"
    description = "Outlook .msg (OLE compound file, magic D0 CF 11 E0); needs the optional extract-msg"
    suffixes = (".msg",)

    def detect(self, source: Source) -> float:
        if not source.head.startswith(OLE_MAGIC):
            return 0.0
        if source.suffix == ".msg" or "__substg1.0_".encode("utf-16-le") in source.head:
            return 0.95
        return 0.5

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        from .outlook import read_msg

        tally = self.new_tally(source)
        found: list[str] = []
        row = read_msg(source, found)
        row.setdefault("platform", "email")
        rows = Rows()
        rows.append(row)
        return self._finish(rows, [("msg 0", p) for p in found], tally)


__all__ = ["EmlParser", "MboxParser", "MsgParser", "link_threads"]
