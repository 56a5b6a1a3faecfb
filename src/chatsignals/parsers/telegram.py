"""Telegram Desktop exports: the JSON export (one chat, or the whole account) and the HTML export.

JSON (``result.json``): a single chat is ``{"name", "type", "id", "messages": [...]}``; the
full-account export nests chats under ``{"chats": {"list": [...]}}`` (and ``left_chats``), one
conversation per chat. ``date_unixtime`` is the UTC truth; exports older than 2021 carry only
``date``, the wall-clock time of the exporting computer, read as naive (``--tz`` applies).
Message ``text`` is a string or a list of plain strings and entity objects
(``{"type": "bold", "text": "Link:"}``); the parts are concatenated, and two entity objects that
touch without whitespace get one space between them, as chat-miner's target expects (its
sample has ``[bold "Link:", link "https://telegram.org/"]`` -> ``"Link: https://telegram.org/"``).

HTML (``messages.html``, ``messages2.html``...): ``div.message.default`` rows with
``div.from_name``, ``div.date[title]`` and ``div.text``; a ``joined`` row without a from_name
continues the previous sender; ``div.message.service`` rows are system notices or date
separators. Parsed with BeautifulSoup + lxml (no network, no entity expansion).

The JSON helpers here (:func:`load_json`, :func:`check_json_depth`) are shared by the other
JSON chat formats (Skype, Messenger/Instagram).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..sources import Source
from ..table import ParseTally
from . import register
from .base import ParseOptions, Parser, ParseResult, localize_naive

# --- shared JSON helpers ------------------------------------------------------------------------

#: never starts at an escaped quote: an unterminated string full of \" was quadratic
_JSON_STRING = re.compile(r'(?<!\\)"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")


def check_json_depth(text: str, limit: int, display: str) -> None:
    """Refuse JSON nested deeper than ``limit`` before ``json.loads`` recurses into it.

    Strings are removed first (brackets inside them do not count), then the running bracket
    depth is computed with numpy, so the check costs a few regex passes, not a Python loop.
    """
    brackets = _NOT_BRACKET.sub("", _JSON_STRING.sub("", text))
    if not brackets:
        return
    codes = np.frombuffer(brackets.encode("ascii"), dtype=np.uint8)
    steps = np.where((codes == ord("[")) | (codes == ord("{")), 1, -1)
    depth = int(np.cumsum(steps).max())
    if depth > limit:
        raise InputError(display, f"JSON nested {depth} levels deep, over the limit of {limit}")


def load_json(source: Source) -> Any:
    """The whole file as JSON, with bounded nesting; one InputError line when it is not JSON."""
    text = source.read_text()
    check_json_depth(text, source.limits.max_nesting, source.display)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        # an unterminated string runs to the end of the file: the file was cut short too
        if exc.pos >= len(text.rstrip()) - 1 or exc.msg.startswith("Unterminated string"):
            raise InputError(
                source.display, f"truncated JSON (ends at line {exc.lineno})"
            ) from None
        raise InputError(
            source.display, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise InputError(source.display, "JSON nested too deeply to read") from None


def head_text(source: Source) -> str:
    """The first 64 KiB as text for detection (a cut multi-byte character is dropped)."""
    return source.head.decode("utf-8", errors="ignore").lstrip("\ufeff \r\n\t")


def short_hash(*parts: object) -> str:
    """12 hex digits naming a conversation inside a file, stable across runs."""
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()[:12]


@dataclass
class Times:
    """Per-row times: tz-aware UTC where the source knows it, naive wall-clock otherwise."""

    aware: list[datetime | pd.Timestamp | None] = field(default_factory=list)
    naive: list[datetime | pd.Timestamp | None] = field(default_factory=list)

    def add(self, value: datetime | pd.Timestamp | None, is_naive: bool = False) -> None:
        self.aware.append(None if is_naive else value)
        self.naive.append(value if is_naive else None)

    def resolve(
        self, options: ParseOptions, tally: ParseTally
    ) -> tuple[pd.Series, list[str | None]]:
        """UTC timestamps for every row, and the ``timezone`` note for the naive ones."""
        aware = pd.to_datetime(pd.Series(self.aware, dtype="object"), utc=True)
        is_naive = pd.Series([v is not None for v in self.naive])
        zones: list[str | None] = [None] * len(self.naive)
        if is_naive.any():
            local = localize_naive(
                pd.to_datetime(pd.Series(self.naive, dtype="object")), options, tally
            )
            aware = aware.where(~is_naive, local)
            zone = options.tz.key if options.tz else "UTC (assumed)"
            zones = [zone if n else None for n in is_naive]
        return aware, zones


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def unix_time(value: Any) -> datetime | None:
    """Epoch seconds (int or digit string) as UTC; None for anything else.

    A stdlib datetime, not a pandas Timestamp: this runs once per message and pandas
    converts the whole column at once afterwards.
    """
    try:
        return EPOCH + timedelta(seconds=int(str(value).strip()))
    except (ValueError, TypeError, OverflowError):
        return None


def naive_time(value: Any) -> pd.Timestamp | None:
    """An ISO wall-clock time without offset; None when it does not read."""
    try:
        ts = pd.Timestamp(str(value))
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(ts):  # Timestamp("NaT") is NaT, which the stubs do not say
        return None
    return ts.tz_localize(None) if ts.tzinfo else ts


# --- Telegram JSON ------------------------------------------------------------------------------

MEDIA_TYPES = {
    "sticker": "sticker",
    "voice_message": "voice",
    "video_message": "video",
    "video_file": "video",
    "animation": "video",
    "audio_file": "audio",
}


def join_text(value: Any) -> str:
    """Telegram ``text``: a string, or a list of strings and ``{"type", "text"}`` entities."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        return ""
    out = ""
    prev_entity = False
    for part in value:
        is_entity = isinstance(part, dict)
        piece = str(part.get("text", "")) if is_entity else part if isinstance(part, str) else ""
        if (
            is_entity
            and prev_entity
            and out
            and piece
            and not out[-1].isspace()
            and not piece[0].isspace()
        ):
            out += " "
        out += piece
        prev_entity = is_entity
    return out


def _attachment_name(path: Any) -> str | None:
    if not isinstance(path, str) or not path:
        return None
    return path


def media_of(msg: dict[str, Any]) -> tuple[list[str], str | None]:
    """(attachments, message_type) of a JSON message."""
    attachments: list[str] = []
    kind: str | None = None
    if photo := _attachment_name(msg.get("photo")):
        attachments.append(photo)
        kind = "image"
    file_path = _attachment_name(msg.get("file"))
    if file_path:
        if file_path.startswith("(") and msg.get("file_name"):
            file_path = f"{msg['file_name']} {file_path}"  # "(File not included...)"
        attachments.append(file_path)
        kind = MEDIA_TYPES.get(str(msg.get("media_type")), "file")
    elif msg.get("media_type"):
        kind = MEDIA_TYPES.get(str(msg["media_type"]), "file")
    if "poll" in msg:
        kind = "poll"
    elif "location_information" in msg:
        kind = "location"
    elif "contact_information" in msg:
        kind = "contact"
    return attachments, kind


def structured_text(msg: dict[str, Any]) -> str:
    """Words Telegram keeps outside ``text``: a poll, a shared contact or place, an invoice.

    A seller's shared contact card (a phone number) or a poll are evidence too.
    """
    parts: list[str] = []
    poll = msg.get("poll")
    if isinstance(poll, dict):
        answers = [str(a.get("text", "")) for a in poll.get("answers") or [] if isinstance(a, dict)]
        parts.append(
            f"Poll: {poll.get('question', '')}" + (f" ({' / '.join(answers)})" if answers else "")
        )
    contact = msg.get("contact_information")
    if isinstance(contact, dict):
        who = " ".join(str(contact.get(k) or "") for k in ("first_name", "last_name")).strip()
        parts.append(f"Contact: {who} {contact.get('phone_number') or ''}".strip())
    place = msg.get("location_information")
    if isinstance(place, dict):
        name = msg.get("place_name") or ""
        parts.append(
            f"Location: {name} {place.get('latitude')}, {place.get('longitude')}".replace("  ", " ")
        )
    invoice = msg.get("invoice_information")
    if isinstance(invoice, dict):
        parts.append(
            f"Invoice: {invoice.get('title', '')} {invoice.get('amount', '')} {invoice.get('currency', '')}".strip()
        )
    return "\n".join(parts)


def service_text(msg: dict[str, Any]) -> str:
    """Words for a service message: the actor, the action, and its object when there is one."""
    text = join_text(msg.get("text"))
    if text.strip():
        return text
    actor = msg.get("actor") or ""
    action = str(msg.get("action") or "service message").replace("_", " ")
    extra = []
    if isinstance(msg.get("members"), list):
        extra.append(", ".join(str(m) for m in msg["members"] if m))
    for key in ("title", "discard_reason", "message_id"):
        if msg.get(key) not in (None, ""):
            extra.append(f"{key.replace('_', ' ')} {msg[key]}")
    if msg.get("duration_seconds") is not None:
        extra.append(f"{msg['duration_seconds']} s")
    words = " ".join(p for p in (str(actor), action) if p)
    return f"{words}: {'; '.join(extra)}" if extra else words


@dataclass
class Chat:
    """One conversation of a JSON export and where it sits in the file."""

    locator: str
    title: str | None
    chat_id: Any
    messages: list[Any]


def chats_of(data: Any, display: str, tally: ParseTally) -> tuple[list[Chat], bool]:
    """The chats of a single-chat or full-account export; (chats, is_account_export)."""
    if not isinstance(data, dict):
        raise InputError(display, "JSON is not a Telegram export (top level is not an object)")
    if isinstance(data.get("messages"), list):
        return [Chat("$", data.get("name"), data.get("id"), data["messages"])], False
    chats: list[Chat] = []
    found = False
    for key in ("chats", "left_chats"):
        block = data.get(key)
        if not isinstance(block, dict) or not isinstance(block.get("list"), list):
            continue
        found = True
        for i, chat in enumerate(block["list"]):
            loc = f"$.{key}.list[{i}]"
            if not isinstance(chat, dict) or not isinstance(chat.get("messages"), list):
                tally.skip(loc, "chat entry without a messages list")
                continue
            chats.append(Chat(loc, chat.get("name"), chat.get("id"), chat["messages"]))
    if not found:
        raise InputError(display, "JSON is not a Telegram export (no messages and no chats.list)")
    return chats, True


@register
class TelegramParser(Parser):
    name = "telegram"
    platform = "telegram"
    description = (
        "Telegram Desktop JSON export (one chat or the full account): recognised by "
        "'messages' with 'date_unixtime'/'from_id' or 'chats': {'list': ...}"
    )
    suffixes = (".json",)

    def detect(self, source: Source) -> float:
        head = head_text(source)
        if not head.startswith("{"):
            return 0.0
        if re.search(r'"chats"\s*:\s*\{', head) and re.search(r'"(about|list)"\s*:', head):
            return 0.9
        if '"personal_information"' in head and (
            '"profile_pictures"' in head or '"contacts"' in head
        ):
            return 0.85  # full-account export whose chats start beyond the first 64 KiB
        if '"messages"' not in head:
            return 0.0
        if '"date_unixtime"' in head or '"text_entities"' in head:
            return 0.95
        if re.search(r'"from_id"\s*:', head) and re.search(
            r'"type"\s*:\s*"(message|service)"', head
        ):
            return 0.85
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        data = load_json(source)
        chats, account = chats_of(data, source.display, tally)
        rows: list[dict[str, Any]] = []
        times = Times()
        sha12 = source.sha256[:12]
        for chat in chats:
            conv = f"telegram-{sha12}-{short_hash(chat.chat_id, chat.locator)}" if account else None
            self._chat_rows(chat, conv, sha12, rows, times, tally)
        frame = pd.DataFrame(rows)
        if rows:
            frame["timestamp"], frame["timezone"] = times.resolve(options, tally)
        return ParseResult(frame, tally)

    def _chat_rows(
        self,
        chat: Chat,
        conv: str | None,
        sha12: str,
        rows: list[dict[str, Any]],
        times: Times,
        tally: ParseTally,
    ) -> None:
        ids: dict[Any, str] = {}
        first = len(rows)
        for i, msg in enumerate(chat.messages):
            loc = f"{chat.locator}.messages[{i}]"
            if not isinstance(msg, dict):
                tally.skip(loc, "message is not a JSON object")
                continue
            row = self._row(msg, loc, tally, times)
            if row is None:
                continue
            row["message_id"] = f"{sha12}:{len(rows)}"
            if msg.get("id") is not None:
                ids.setdefault(msg["id"], row["message_id"])
            if conv:
                row["conversation_id"] = conv
            if chat.title is not None:
                row["conversation_title"] = str(chat.title)
            rows.append(row)
        for row in rows[first:]:
            target = row.pop("_reply_to", None)
            if target is not None:
                row["reply_to_message_id"] = ids.get(target)
                if row["reply_to_message_id"] is None:
                    tally.warn(
                        "some replies point to messages not in the export (reply target left empty)"
                    )

    @staticmethod
    def _row(
        msg: dict[str, Any], loc: str, tally: ParseTally, times: Times
    ) -> dict[str, Any] | None:
        kind = msg.get("type", "message")
        if kind not in ("message", "service"):
            tally.skip(loc, f"unknown Telegram message type {kind!r}")
            return None
        ts = unix_time(msg["date_unixtime"]) if "date_unixtime" in msg else None
        raw = msg.get("date_unixtime")
        naive = False
        if ts is None and msg.get("date"):
            ts, raw, naive = naive_time(msg["date"]), msg["date"], True
            naive = ts is not None
        if ts is None:
            tally.warn("some messages have no readable date (time left empty)")
        times.add(ts, naive)
        system = kind == "service"
        attachments, mtype = media_of(msg)
        text = service_text(msg) if system else join_text(msg.get("text"))
        if not system and not text and msg.get("sticker_emoji"):
            text = str(msg["sticker_emoji"])
        if not system and (extra := structured_text(msg)):
            text = f"{text}\n{extra}" if text else extra
        sender = None if system else msg.get("from")
        if not system and sender is None and msg.get("from_id"):
            sender = "Deleted Account"  # what Telegram shows for a deleted sender
        if system:
            tally.system_lines += 1
        else:
            tally.messages += 1
        return {
            "timestamp_raw": None if raw is None else str(raw),
            "sender": str(sender) if sender not in (None, "") else None,
            "sender_id": str(msg.get("actor_id" if system else "from_id") or "") or None,
            "text": text,
            "is_system": system,
            "attachments": attachments,
            "message_type": "system" if system else (mtype or "text"),
            "is_edited": bool(msg.get("edited") or msg.get("edited_unixtime")),
            "is_deleted": False,
            "source_locator": loc,
            "forwarded_from": msg.get("forwarded_from"),
            "_reply_to": msg.get("reply_to_message_id"),
        }


# --- Telegram HTML ------------------------------------------------------------------------------

_HTML_DATE = re.compile(
    r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}) (?P<t>\d{1,2}:\d{2}(?::\d{2})?)"
    r"(?:\s*UTC(?P<off>[+-]\d{1,2}:?\d{2}))?"
)
HTML_MEDIA = (
    ("media_photo", "image"),
    ("photo_wrap", "image"),
    ("sticker_wrap", "sticker"),
    ("media_voice_message", "voice"),
    ("media_audio_file", "audio"),
    ("media_video", "video"),
    ("video_file_wrap", "video"),
    ("animated_wrap", "video"),
    ("media_file", "file"),
    ("media_location", "location"),
    ("media_contact", "contact"),
    ("media_poll", "poll"),
)


def html_time(title: str | None) -> tuple[pd.Timestamp | None, bool]:
    """``02.04.2025 10:15:32 UTC+08:00`` -> UTC; without the offset (older exports) -> naive."""
    match = _HTML_DATE.search(title or "")
    if not match:
        return None, False
    try:
        ts = pd.Timestamp(f"{match['y']}-{int(match['m']):02d}-{int(match['d']):02d} {match['t']}")
    except ValueError:
        return None, False
    if match["off"]:
        off = match["off"].replace(":", "")
        sign = -1 if off[0] == "-" else 1
        minutes = int(off[1:-2]) * 60 + int(off[-2:])
        return (ts - pd.Timedelta(minutes=sign * minutes)).tz_localize("UTC"), False
    return ts, True


def _html_text(node: Any) -> str:
    """Text of a ``div.text`` with ``<br>`` as newlines and outer whitespace trimmed."""
    if node is None:
        return ""
    for br in node.find_all("br"):
        br.replace_with("\n")
    lines = node.get_text().strip("\n").splitlines()
    return "\n".join(line.strip() for line in lines).strip()


def _html_media(body: Any) -> tuple[list[str], str | None]:
    attachments: list[str] = []
    kind: str | None = None
    for node in body.select(".media_wrap a, .media_wrap .media, a.photo_wrap, a.sticker_wrap"):
        classes = set(node.get("class") or [])
        for css, what in HTML_MEDIA:
            if css in classes:
                kind = kind or what
        href = node.get("href")
        title = node.select_one(".title")
        name = href or (title.get_text(strip=True) if title else None)
        if name and name not in attachments:
            attachments.append(str(name))
    if attachments and kind is None:
        kind = "file"
    return attachments, kind


@register
class TelegramHtmlParser(Parser):
    name = "telegram_html"
    platform = "telegram"
    description = (
        "Telegram Desktop HTML export (messages.html, messages2.html...): recognised by "
        "its 'page_wrap' / 'message default' markup"
    )
    suffixes = (".html", ".htm")

    def detect(self, source: Source) -> float:
        head = head_text(source)[:65536]
        if "<html" not in head.casefold() and "<!doctype" not in head.casefold():
            return 0.0
        if 'class="page_wrap"' in head and ("message default" in head or "message service" in head):
            return 0.95
        if "Exported Data" in head and 'class="history"' in head:
            return 0.8
        if 'class="page_wrap"' in head and "<title>Exported Data</title>" in head:
            return 0.7  # an index page of the export (export_results.html, lists/chats.html)
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        from bs4 import BeautifulSoup

        tally = self.new_tally(source)
        soup = BeautifulSoup(source.read_text(), "lxml")
        history = soup.select_one("div.history")
        if history is None:
            title_tag = soup.find("title")
            if (
                soup.select_one("div.page_wrap")
                and title_tag
                and "Exported Data" in title_tag.get_text()
            ):
                # reading a whole export folder meets its index pages: say so, do not fail
                tally.skip("html", "Telegram export index page: lists chats, holds no messages")
                return ParseResult(pd.DataFrame(), tally)
            raise InputError(source.display, "HTML has no Telegram message history (div.history)")
        header = soup.select_one(".page_header .text")
        title = header.get_text(strip=True) if header else None
        conv = f"telegram-{short_hash(source.path.resolve().parent, title)}" if title else None
        rows: list[dict[str, Any]] = []
        times = Times()
        last_sender: str | None = None
        for node in history.find_all("div", class_="message", recursive=False):
            row, last_sender = self._row(node, last_sender, tally, times)
            if row is None:
                continue
            if title:
                row["conversation_title"] = title
                row["conversation_id"] = conv
            row["message_id"] = f"{source.sha256[:12]}:{len(rows)}"
            rows.append(row)
        by_loc = {r["source_locator"]: r["message_id"] for r in rows}
        for r in rows:
            target = r.get("reply_to_locator")
            if target:
                r["reply_to_message_id"] = by_loc.get(target)
                if r["reply_to_message_id"] is None:
                    tally.warn(
                        "some replies point to messages in another file of the export (kept in reply_to_locator)"
                    )
        self._count_stray(history, tally)
        frame = pd.DataFrame(rows)
        if rows:
            frame["timestamp"], frame["timezone"] = times.resolve(options, tally)
        return ParseResult(frame, tally)

    @staticmethod
    def _count_stray(history: Any, tally: ParseTally) -> None:
        for i, node in enumerate(history.find_all(recursive=False)):
            if "message" not in (node.get("class") or []) and node.get_text(strip=True):
                tally.skip(f"div.history > *[{i}]", "unrecognised element with text")

    def _row(
        self, node: Any, last_sender: str | None, tally: ParseTally, times: Times
    ) -> tuple[dict[str, Any] | None, str | None]:
        classes = set(node.get("class") or [])
        loc = f"#{node.get('id') or 'message'}"
        body = node.find("div", class_="body") or node
        if "service" in classes:
            text = body.get_text(" ", strip=True)
            if not str(node.get("id", "")).startswith("message-") and text:
                tally.system_lines += 1
                times.add(None)
                return {
                    "text": text,
                    "sender": None,
                    "is_system": True,
                    "message_type": "system",
                    "source_locator": loc,
                    "attachments": [],
                }, last_sender
            tally.skip(loc, "date separator (each message carries its own date)")
            return None, last_sender
        date = body.find("div", class_="date")
        raw = date.get("title") if date else None
        ts, naive = html_time(raw)
        if ts is None:
            tally.warn("some messages have no readable date (time left empty)")
        name = body.find("div", class_="from_name", recursive=False)
        sender = name.get_text(" ", strip=True) if name else None
        if sender is None:
            if "joined" not in classes or last_sender is None:
                tally.warn("a message without a sender name starts the file (sender left empty)")
            sender = last_sender
        text_node = body.find("div", class_="text", recursive=False)
        forwarded = body.select_one(":scope > div.forwarded.body")
        forwarded_from = None
        if forwarded is not None:
            origin = forwarded.find("div", class_="from_name")
            if origin is not None:
                for extra in origin.find_all("span", class_="details"):
                    extra.decompose()  # the original date printed beside the name
                forwarded_from = origin.get_text(" ", strip=True)
            text_node = text_node or forwarded.find("div", class_="text")
        attachments, kind = _html_media(body)
        reply = body.find("div", class_="reply_to")
        times.add(ts, naive)
        tally.messages += 1
        row = {
            "timestamp_raw": raw.splitlines()[0].strip() if raw else None,
            "sender": sender,
            "text": _html_text(text_node),
            "is_edited": "edited" in (raw or "").casefold(),
            "forwarded_from": forwarded_from,
            "is_system": False,
            "attachments": attachments,
            "message_type": kind or "text",
            "source_locator": loc,
            "reply_to_locator": self._reply_target(reply),
        }
        return row, sender

    @staticmethod
    def _reply_target(reply: Any) -> str | None:
        if reply is None:
            return None
        link = reply.find("a", href=True)
        if link is None:
            return None
        match = re.search(r"go_to_message(\d+)", link["href"])
        return f"#message{match.group(1)}" if match else None
