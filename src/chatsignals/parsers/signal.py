"""Signal exports: the text/markdown of signal-export (``sigexport``) and its ``data.json`` lines.

Signal Desktop has no export of its own; signal-export writes one ``chat.md`` per chat. Its
older layout (and chat-miner's sample) is ``[YYYY-MM-DD, HH:MM] Name: text``; the current one
is ``[YYYY-MM-DD HH:MM:SS] Name: text`` with, inside the body, quoted replies as ``> `` lines,
reactions as ``(- Name: emoji, ... -)``, stickers as ``(( label ))``, attachments as markdown
links ``![name](./path)`` / ``[name](./path)`` and ``(This message was deleted)``. Lines that
do not start a message continue the one before. ``data.json`` (JSON lines with ``date``,
``sender``, ``body``, ``quote``, ``attachments``, ``reactions``, ``deleted``) is read too.

Times are the exporting computer's wall clock (no offset): read as naive, ``--tz`` applies.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

import pandas as pd

from ..errors import InputError
from ..sources import Source
from ..table import ParseTally
from . import register
from .base import ParseOptions, Parser, ParseResult

HEADER = re.compile(
    r"^\[(?P<date>\d{4}-\d{2}-\d{2})(?P<comma>,?) (?P<time>\d{1,2}:\d{2}(?::\d{2})?)\] "
    r"(?P<sender>[^:\n]{1,200}?): ?(?P<body>.*)$"
)
REACTIONS = re.compile(r"\n?\(- (.*) -\)\s*$")
STICKER = re.compile(r"\n?\(\( (.*?) \)\)")
#: the name holds no "[" and the path is bounded, so a run of "[" or "[](" is not quadratic
LINK = re.compile(r"(!?)\[([^\[\]\n]*+)\]\(([^)\n]{1,1000}+)\)")
DELETED = "(This message was deleted)"
JSON_KEYS = ('"date"', '"sender"', '"body"')


def split_body(body: str) -> dict[str, Any]:
    """Text, quoted reply, reactions, sticker and attachments of one markdown message body."""
    out: dict[str, Any] = {"attachments": [], "reactions": None, "message_type": "text"}
    if "(" not in body and "[" not in body and not body.startswith(">"):
        return {**out, "text": body.strip()}  # plain words: the common case, kept cheap
    if body.strip() == DELETED:
        return {**out, "text": "", "is_deleted": True, "message_type": "deleted"}
    if m := REACTIONS.search(body):
        # one string ("Tom Becker: 👍; Kevin Wu: 😞") so the extra column writes to any output
        out["reactions"] = "; ".join(r.strip() for r in m.group(1).split(", ") if r.strip()) or None
        body = body[: m.start()]
    if m := STICKER.search(body):
        out["message_type"] = "sticker"
        body = body[: m.start()] + body[m.end() :]
        body = body or m.group(1)
    for bang, _name, path in LINK.findall(body):
        if path.startswith(("./", "../")) or not path.startswith(("http://", "https://")):
            out["attachments"].append(path)
            out["message_type"] = "image" if bang else "file"
    body = LINK.sub(
        lambda m: m.group(0) if m.group(3).startswith(("http://", "https://")) else "", body
    )
    lines = body.split("\n")
    quote = []
    while lines and lines[0].startswith("> "):
        quote.append(lines.pop(0)[2:])
    if quote:
        out["quoted_text"] = "\n".join(quote)
        while lines and not lines[0].strip():
            lines.pop(0)
    out["text"] = "\n".join(lines).strip()
    return out


def chat_title(source: Source) -> str:
    """signal-export names each chat's folder after the chat (``Kevin Wu/chat.md``)."""
    stem = source.path.stem
    return source.path.resolve().parent.name if stem in ("chat", "data", "index") else stem


def _naive(date: str, time: str) -> datetime | None:
    """``2025-04-01`` + ``18:05(:12)`` as a naive datetime (fixed positions: cheap per line)."""
    try:
        hour, minute, *second = (int(p) for p in time.split(":"))
        day = datetime(int(date[:4]), int(date[5:7]), int(date[8:10]), hour, minute)
        return day.replace(second=second[0]) if second else day
    except ValueError:
        return None


@register
class SignalParser(Parser):
    name = "signal"
    platform = "signal"
    description = (
        "Signal chat exported by signal-export (chat.md / .txt lines '[YYYY-MM-DD, HH:MM] Name: text', "
        "or its data.json lines): recognised by the ISO-dated bracket headers"
    )
    suffixes = (".md", ".txt", ".json")

    def detect(self, source: Source) -> float:
        head = source.head.decode("utf-8", errors="ignore").lstrip("\ufeff")
        lines = [ln for ln in head.splitlines()[:50] if ln.strip()]
        if not lines:
            return 0.0
        if lines[0].startswith("{") and all(k in lines[0] for k in JSON_KEYS):
            return 0.7 if '"quote"' in lines[0] or '"reactions"' in lines[0] else 0.4
        first = next((m for ln in lines[:5] if (m := HEADER.match(ln))), None)
        if not first:
            return 0.0
        if first["comma"] and first["time"].count(":") == 1:
            return 0.85  # only signal-export writes '[2019-12-24, 12:23]'
        if source.suffix == ".md":
            return 0.97  # signal-export writes chat.md; WhatsApp never exports markdown
        hints = any(("(- " in ln or "](./" in ln) for ln in lines)
        return 0.6 if hints else 0.4  # WhatsApp iOS in ISO locales looks alike; it scores higher

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        text = source.read_text()
        tally = self.new_tally(source)
        stripped = text.lstrip("\ufeff \r\n\t")
        if stripped.startswith("{"):
            rows = self._json_lines(text, tally)
        else:
            rows = self._text(text, tally)
        if not rows:
            raise InputError(source.display, "no Signal messages found")
        frame = pd.DataFrame(rows)
        if rows:
            frame["conversation_title"] = chat_title(source)
        return ParseResult(frame, tally, naive_timestamps=True)

    @staticmethod
    def _text(text: str, tally: ParseTally) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        current: dict[str, Any] | None = None
        body: list[str] = []
        start = trailing_blank = 0

        def close(end: int) -> None:
            if current is None:
                return
            while body and not body[-1].strip():
                body.pop()
            current["source_locator"] = f"L{start}" if end <= start else f"L{start}-L{end}"
            current.update(split_body("\n".join(body)))
            rows.append(current)
            tally.messages += 1

        lines = text.splitlines()
        last_text = 0
        for lineno, line in enumerate(lines, 1):
            match = HEADER.match(line)
            if match:
                close(last_text)
                start = last_text = lineno
                raw = f"{match['date']}{match['comma']} {match['time']}"
                current = {
                    "timestamp": _naive(match["date"], match["time"]),
                    "timestamp_raw": raw,
                    "sender": match["sender"].strip(),
                    "is_system": False,
                }
                body = [match["body"]]
                continue
            if current is None:
                if line.strip():
                    tally.skip(f"L{lineno}", "text before the first Signal message header")
                else:
                    tally.blank_lines += 1
                continue
            body.append(line)
            if line.strip():
                tally.continuation_lines += 1
                last_text = lineno
            else:
                trailing_blank += 1
        close(last_text)
        tally.blank_lines += trailing_blank
        return rows

    @staticmethod
    def _json_lines(text: str, tally: ParseTally) -> list[dict[str, Any]]:
        rows = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                tally.blank_lines += 1
                continue
            try:
                rec = json.loads(line)
            except (json.JSONDecodeError, RecursionError):
                tally.skip(f"L{lineno}", "invalid JSON line")
                continue
            if not isinstance(rec, dict) or "date" not in rec:
                tally.skip(f"L{lineno}", "JSON line is not a signal-export message")
                continue
            rows.append(SignalParser._json_row(rec, f"L{lineno}", tally))
        return rows

    @staticmethod
    def _json_row(rec: dict[str, Any], loc: str, tally: ParseTally) -> dict[str, Any]:
        try:
            ts = pd.Timestamp(str(rec["date"]))
            ts = ts.tz_localize(None) if ts.tzinfo else ts
        except ValueError:
            ts = None
            tally.warn("some dates could not be read (time left empty)")
        atts = [
            str(a.get("path") or a.get("name"))
            for a in rec.get("attachments") or []
            if isinstance(a, dict)
        ]
        reactions = [
            f"{r[0]}: {r[1]}" if isinstance(r, list | tuple) and len(r) == 2 else str(r)
            for r in rec.get("reactions") or []
        ]
        deleted = bool(rec.get("deleted"))
        call = bool(rec.get("call"))
        tally.messages += 1
        return {
            "timestamp": ts,
            "timestamp_raw": str(rec["date"]),
            "sender": str(rec.get("sender") or "") or None,
            "text": "" if deleted else str(rec.get("body") or ""),
            "quoted_text": str(rec.get("quote") or "").removeprefix("> ").strip() or None,
            "attachments": atts,
            "reactions": "; ".join(reactions) or None,
            "is_deleted": deleted,
            "is_system": False,
            "message_type": "deleted"
            if deleted
            else "call"
            if call
            else ("file" if atts else "text"),
            "source_locator": loc,
        }
