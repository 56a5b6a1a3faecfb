"""Skype ``messages.json`` (the account export: ``{"userId", "exportDate", "conversations": [...]}``).

Each conversation (``id``, ``displayName``) holds a ``MessageList`` of messages with
``originalarrivaltime`` (ISO, UTC), ``from`` (``8:live:...`` ids), ``displayName``,
``messagetype`` and ``content``. The content is an HTML-like fragment: ``<URIObject>``
(pictures and files: the original name becomes an attachment), ``<quote>`` (a quoted earlier
message: moved to ``quoted_text``), ``<e_m>`` (the edit marker: ``is_edited``), ``<ss>``
emoticons, links and formatting, all reduced to text with BeautifulSoup + lxml. Calls
(``Event/Call``) and thread activity (``ThreadActivity/*``) are system rows; ``properties``
``edittime``/``deletetime`` mark edited and deleted messages.
"""

from __future__ import annotations

import html
import re
from typing import Any

import pandas as pd
from lxml import etree
from lxml import html as lhtml

from ..errors import InputError
from ..sources import Source
from ..table import ParseTally
from . import register
from .base import ParseOptions, Parser, ParseResult
from .telegram import head_text, load_json, short_hash

TEXT_TYPES = ("Text", "RichText", "RichText/Html")
MEDIA_TYPES = {
    "RichText/UriObject": "image",
    "RichText/Media_GenericFile": "file",
    "RichText/Media_Video": "video",
    "RichText/Media_AudioMsg": "voice",
    "RichText/Media_Card": "link",
    "RichText/Media_FlikMsg": "video",
    "RichText/Location": "location",
    "RichText/Contacts": "contact",
}
SYSTEM_PREFIXES = ("Event/", "ThreadActivity/", "Notice", "PopCard", "SystemMessage")


def skype_name(identity: str | None) -> str | None:
    """``8:live:tom.becker`` -> ``live:tom.becker``; ``None`` stays ``None``."""
    if not identity:
        return None
    return re.sub(r"^\d+:", "", str(identity))


def arrival_time(raw: Any) -> pd.Timestamp | None:
    """``originalarrivaltime`` in UTC (Skype writes ``...Z``; a zone-less value is UTC too)."""
    if not raw:
        return None
    try:
        ts = pd.Timestamp(str(raw))
    except (ValueError, TypeError, OverflowError):
        return None
    if pd.isna(ts):  # Timestamp("NaT") is NaT, which the stubs do not say
        return None
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


#: lxml's HTML parser, no network, comments and processing instructions dropped: Skype content
#: is parsed once per message, so the light lxml tree is used here rather than BeautifulSoup
_HTML = lhtml.HTMLParser(no_network=True, recover=True, remove_comments=True, remove_pis=True)


def _fragment(content: str) -> Any:
    try:
        return lhtml.fragment_fromstring(content, create_parent="div", parser=_HTML)
    except (etree.ParserError, ValueError):
        return None


def read_content(content: str) -> dict[str, Any]:
    """Text, quoted text, attachments and the edit marker of one Skype content fragment."""
    plain: dict[str, Any] = {
        "text": content.strip(),
        "quoted_text": None,
        "attachments": [],
        "edited_marker": False,
    }
    if "<" not in content and "&" not in content:
        return plain
    root = _fragment(content)
    if root is None:
        return {**plain, "text": html.unescape(content).strip()}
    edited = False
    quotes: list[str] = []
    attachments: list[str] = []
    for node in list(root.iter("e_m", "legacyquote", "quote", "uriobject")):
        if node.getparent() is None:
            continue
        if node.tag == "e_m":
            edited = True
        elif node.tag == "quote":
            for legacy in list(node.iter("legacyquote")):
                legacy.drop_tree()
            quotes.append(" ".join(node.text_content().split()))
        elif node.tag == "uriobject":
            name = node.find(".//originalname")
            meta = node.find(".//meta")
            label = (name.get("v") if name is not None else None) or (
                meta.get("originalname") if meta is not None else None
            )
            attachments.append(str(label or node.get("uri") or node.get("type") or "attachment"))
        node.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    return {
        "text": root.text_content().strip(),
        "quoted_text": "\n".join(quotes) or None,
        "attachments": attachments,
        "edited_marker": edited,
    }


def call_text(content: str, kind: str) -> str:
    """Words for a call event: who took part and how long it lasted."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(f"<div>{content}</div>", "lxml")
    part = soup.find("partlist")
    state = part.get("type") if part else None
    names = [n.get_text(strip=True) for n in soup.find_all("name")]
    durations = [d.get_text(strip=True) for d in soup.find_all("duration")]
    words = f"Call {state}" if state else kind
    if names:
        words += f": {', '.join(dict.fromkeys(names))}"
    if durations:
        words += f" ({durations[0]} s)"
    return words


def activity_text(content: str, kind: str, names: dict[str, str]) -> str:
    """Words for ``ThreadActivity/*``: ``Lily Chen added 王经理 Wang Jianguo`` and the like."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(f"<div>{content}</div>", "lxml")
    verb = kind.split("/", 1)[-1]

    def who(tag: str) -> list[str]:
        return [
            names.get(
                skype_name(t.get_text(strip=True)) or "", skype_name(t.get_text(strip=True)) or ""
            )
            for t in soup.find_all(tag)
        ]

    actor = ", ".join(who("initiator")) or "someone"
    targets = ", ".join(who("target") + who("id"))
    value = soup.find("value")
    words = f"{actor} {verb}"
    if targets:
        words += f" {targets}"
    if value is not None and value.get_text(strip=True):
        words += f": {value.get_text(strip=True)}"
    return words


def known_names(conversations: list[Any]) -> dict[str, str]:
    """Skype ids to display names, from message displayNames and call participant lists.

    Exports leave ``displayName`` empty on many messages (always on the owner's own), so the
    names seen anywhere in the file are gathered first.
    """
    names: dict[str, str] = {}
    for conv in conversations:
        if not isinstance(conv, dict) or not isinstance(conv.get("MessageList"), list):
            continue
        for msg in conv["MessageList"]:
            if not isinstance(msg, dict):
                continue
            if msg.get("displayName") and msg.get("from"):
                names.setdefault(skype_name(msg["from"]) or "", str(msg["displayName"]))
            content = str(msg.get("content") or "")
            for ident, name in re.findall(
                r'<part identity="([^"]+)"[^>]*>\s*<name>([^<]+)</name>', content
            ):
                names.setdefault(skype_name(ident) or "", html.unescape(name))
    return names


@register
class SkypeParser(Parser):
    name = "skype"
    platform = "skype"
    description = (
        "Skype export messages.json: recognised by 'conversations' with 'MessageList' and "
        "'originalarrivaltime'"
    )
    suffixes = (".json",)

    def detect(self, source: Source) -> float:
        head = head_text(source)
        if not head.startswith("{") or '"conversations"' not in head:
            return 0.0
        if '"MessageList"' in head or '"originalarrivaltime"' in head or '"exportDate"' in head:
            return 0.95
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        data = load_json(source)
        if not isinstance(data, dict) or not isinstance(data.get("conversations"), list):
            raise InputError(source.display, "JSON is not a Skype export (no conversations list)")
        rows: list[dict[str, Any]] = []
        sha12 = source.sha256[:12]
        names = known_names(data["conversations"])
        for c, conv in enumerate(data["conversations"]):
            loc = f"$.conversations[{c}]"
            if not isinstance(conv, dict) or not isinstance(conv.get("MessageList"), list):
                tally.skip(loc, "conversation without a MessageList")
                continue
            conv_id = f"skype-{sha12}-{short_hash(conv.get('id'), c)}"
            title = conv.get("displayName") or skype_name(conv.get("id"))
            for i, msg in enumerate(conv["MessageList"]):
                row = self._row(msg, f"{loc}.MessageList[{i}]", conv, names, tally)
                if row is not None:
                    row.update(conversation_id=conv_id, conversation_title=title)
                    rows.append(row)
        return ParseResult(pd.DataFrame(rows), tally)

    @staticmethod
    def _row(
        msg: Any, loc: str, conv: dict[str, Any], names: dict[str, str], tally: ParseTally
    ) -> dict[str, Any] | None:
        if not isinstance(msg, dict):
            tally.skip(loc, "message is not a JSON object")
            return None
        raw = msg.get("originalarrivaltime")
        ts = arrival_time(raw)
        if ts is None:
            tally.warn("some messages have no readable originalarrivaltime (time left empty)")
        kind = str(msg.get("messagetype") or "")
        content = msg.get("content")
        content = "" if content is None else str(content)
        props: dict[str, Any] = msg["properties"] if isinstance(msg.get("properties"), dict) else {}
        sender_id = msg.get("from")
        sid = skype_name(sender_id)
        one_to_one = sid == skype_name(conv.get("id"))
        sender = (
            msg.get("displayName")
            or names.get(sid or "")
            or (conv.get("displayName") if one_to_one else None)
            or sid
        )
        system = kind.startswith(SYSTEM_PREFIXES)
        if system:
            if kind == "Event/Call":
                text = call_text(content, kind)
            elif kind.startswith("ThreadActivity/"):
                text = activity_text(content, kind, names)
            else:
                text = read_content(content)["text"] or kind
            parts: dict[str, Any] = {
                "text": text,
                "quoted_text": None,
                "attachments": [],
                "edited_marker": False,
            }
            tally.system_lines += 1
        else:
            parts = read_content(content)
            tally.messages += 1
            if kind not in TEXT_TYPES and kind not in MEDIA_TYPES:
                tally.warn(f"unknown Skype messagetype {kind!r} read as a message")
        deleted = bool(props.get("deletetime")) or (not content and not system)
        mtype = (
            "call"
            if kind == "Event/Call"
            else "system"
            if system
            else MEDIA_TYPES.get(kind, "text")
        )
        return {
            "timestamp": ts,
            "timestamp_raw": None if raw is None else str(raw),
            "sender": None if system else sender,
            "sender_id": None if system else (str(sender_id) if sender_id else None),
            "text": parts["text"],
            "quoted_text": parts["quoted_text"],
            "attachments": parts["attachments"],
            "is_system": system,
            "message_type": "deleted" if deleted and not system else mtype,
            "is_edited": bool(props.get("edittime")) or parts["edited_marker"],
            "is_deleted": deleted,
            "source_locator": loc,
        }
