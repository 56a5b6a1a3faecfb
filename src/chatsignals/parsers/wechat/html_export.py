"""``wechat_html``: the HTML page that WeChatMsg (LC044/WeChatMsg) writes for one chat.

The page is a template whose messages live in a script: ``const chatMessages = [ {type:1,
text:'...', is_send:0, timestamp:1746256811, displayname:'...'}, ... ];`` (JavaScript object
literals, HTML-escaped text in single-quoted strings). That list is read with a small tokenizer
(never evaluated); ``timestamp`` is epoch seconds (UTC). The template's own static bubbles are
an error placeholder and are never read as messages. A page saved from a browser after the
script ran (no list, rendered ``item-left``/``item-right`` bubbles under 5-minute time tags) is
read from its elements instead, with naive times.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from bs4 import BeautifulSoup, Tag

from ...errors import InputError
from ...sources import Source
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from .common import APP_SUBTYPES, RECALL, strip_tags
from .textio import decode_chat_bytes, head_text

ARRAY_START = re.compile(r"(?:const|let|var)\s+chatMessages\s*=\s*\[")
#: one token at a non-blank position (the caller skips blanks: a leading ``\s*`` tried at every
#: position of a run of spaces was quadratic); a key or a string never starts inside a word or at
#: an escaped quote, so an unterminated one is scanned once, not from each of its characters
TOKEN = re.compile(
    r"""(?:(?P<open>\{)|(?P<close>\})|(?P<comma>,)|(?P<end>\])|(?<![\w$])(?P<key>[A-Za-z_$][\w$]*+)\s*+:|"""
    r"""(?<!\\)(?P<str>'(?:[^'\\]++|\\.)*+'|"(?:[^"\\]++|\\.)*+")|(?P<num>-?\d++(?:\.\d++)?)|"""
    r"""(?P<word>true|false|null|undefined))""",
    re.S,
)
JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)
NONSPACE = re.compile(r"\S")
PLACEHOLDER = "很抱歉，由于程序出现未知错误"
STAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$")
MAX_MESSAGES = 5_000_000


def js_unescape(literal: str) -> str:
    """The value of a quoted JavaScript string literal."""
    simple = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}

    def one(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "ux" and len(code) > 1:
            return chr(int(code[1:], 16))
        return simple.get(code, code)

    return JS_ESCAPE.sub(one, literal[1:-1])


def html_text(value: str) -> str:
    """Plain text of an HTML-escaped message (``<br>`` as newlines, emoji images as their alt)."""
    if "<" not in value:
        return html.unescape(value)
    soup = BeautifulSoup(value.replace("<br/>", "\n").replace("<br>", "\n"), "lxml")
    for img in soup.find_all("img"):
        img.replace_with(str(img.get("alt") or img.get("title") or ""))
    return soup.get_text()


def js_objects(text: str, tally: ParseTally) -> Iterator[tuple[int, dict[str, Any]]]:
    """(index, object) for every flat object literal of the array starting at ``text``."""
    pos, index = 0, 0
    obj: dict[str, Any] | None = None
    key: str | None = None
    while True:
        token_start = NONSPACE.search(text, pos)
        if token_start is None:
            tally.skip(f"chatMessages[{index}]", "message list ends early (truncated file)")
            return
        m = TOKEN.match(text, token_start.start())
        if m is None:
            cut = text.find("]", pos) < 0
            reason = "message list ends early (truncated file)" if cut else "unreadable JavaScript in the message list; rest not read"
            tally.skip(f"chatMessages[{index}]", reason)
            return
        pos = m.end()
        kind = m.lastgroup
        if kind == "end" and obj is None:
            return
        if kind == "open":
            if obj is not None:
                tally.skip(f"chatMessages[{index}]", "nested object in a message entry; rest not read")
                return
            obj = {}
        elif kind == "close" and obj is not None:
            yield index, obj
            index += 1
            obj, key = None, None
            if index > MAX_MESSAGES:
                tally.skip(f"chatMessages[{index}]", f"more than {MAX_MESSAGES:,} messages; rest not read")
                return
        elif kind == "key" and obj is not None:
            key = m.group("key")
        elif kind in ("str", "num", "word") and obj is not None and key is not None:
            raw = m.group(kind)
            obj[key] = js_unescape(raw) if kind == "str" else _scalar(raw, kind)
            key = None


def _scalar(raw: str, kind: str) -> Any:
    if kind == "num":
        return float(raw) if "." in raw else int(raw)
    return {"true": True, "false": False}.get(raw)


@register
class WeChatHtmlParser(Parser):
    name = "wechat_html"
    platform = "wechat"
    description = (
        "WeChatMsg chat HTML: recognised by its 'const chatMessages = [...]' list "
        "(or, saved after rendering, its item-left/item-right bubbles)"
    )
    suffixes = (".html", ".htm")

    def detect(self, source: Source) -> float:
        text = head_text(source)
        if "<" not in text[:2000]:
            return 0.0
        if ARRAY_START.search(text) and ("is_send" in text or "chat-container" in text):
            return 0.9
        if "bubble bubble-" in text and "item item-" in text and "chat-container" in text:
            return 0.6
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        page = decode_chat_bytes(source.read_bytes(), source.display, tally)
        title = _title(page)
        start = ARRAY_START.search(page)
        rows: list[dict[str, Any]] = []
        naive = False
        if start is not None:
            rows = [_entry_row(i, obj, tally) for i, obj in js_objects(page[start.end() :], tally)]
        if not rows:
            rows = self._rendered(page, source, tally)
            naive = True
        if not rows:
            raise InputError(source.display, "WeChatMsg page holds no readable messages")
        for row in rows:
            if row["is_system"]:
                tally.system_lines += 1
            else:
                tally.messages += 1
        frame = pd.DataFrame(rows)
        if naive:
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], errors="coerce")
        else:
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
        if title:
            frame["conversation_title"] = title
        return ParseResult(frame, tally, naive_timestamps=naive)

    def _rendered(self, page: str, source: Source, tally: ParseTally) -> list[dict[str, Any]]:
        soup = BeautifulSoup(page, "lxml")
        container = soup.find(id="chat-container") or soup.body or soup
        rows: list[dict[str, Any]] = []
        stamp: str | None = None
        items = [t for t in container.find_all("div", class_="item") if isinstance(t, Tag)]
        if any(PLACEHOLDER in t.get_text() for t in items):
            raise InputError(source.display, "WeChatMsg page holds no messages (only its error placeholder)")
        tally.warn("no chatMessages list: read the rendered bubbles (times are the 5-minute tags)")
        for index, item in enumerate(items):
            classes: list[str] = list(item.get("class") or [])
            loc = f"item {index}"
            if "item-center" in classes:
                text = item.get_text(" ", strip=True)
                if STAMP.match(text):
                    stamp = text
                    continue
                rows.append(_row(loc, stamp, None, text, None, "system", is_system=True))
                continue
            mine = "item-right" in classes
            name = item.find(class_="displayname")
            bubble = item.find(class_="bubble")
            image = item.find(class_="chat-image")
            if bubble is not None:
                rows.append(_row(loc, stamp, name.get_text(strip=True) if name else None, bubble.get_text("\n"), mine, "text"))
            elif image is not None:
                img = image.find("img")
                src = str(img.get("src")) if img else "image"
                rows.append(_row(loc, stamp, name.get_text(strip=True) if name else None, "", mine, "image", [src.rsplit("/", 1)[-1]]))
            else:
                tally.skip(loc, "rendered item without a bubble or image")
        return rows


def _title(page: str) -> str | None:
    match = re.search(r"<title>(.{0,300}?)</title>", page, re.S)
    return html.unescape(match.group(1)).strip() or None if match else None


def _row(
    loc: str, stamp: str | None, sender: str | None, text: str, mine: bool | None, kind: str,
    attachments: list[str] | None = None, is_system: bool = False,
) -> dict[str, Any]:
    return {
        "timestamp": stamp,
        "timestamp_raw": stamp,
        "sender": sender,
        "text": text.strip(),
        "is_exporter": mine,
        "message_type": kind,
        "attachments": attachments or [],
        "is_system": is_system,
        "source_locator": loc,
    }


def _epoch(stamp: Any, tally: ParseTally) -> pd.Timestamp | None:
    """Epoch seconds as UTC; an impossible value leaves the time empty, with a warning."""
    if not isinstance(stamp, int):
        return None
    try:
        return pd.Timestamp(stamp, unit="s", tz="UTC")
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        tally.warn("some message times are impossible epoch values: kept as written, time left empty")
        return None


def _entry_row(index: int, obj: dict[str, Any], tally: ParseTally) -> dict[str, Any]:
    """One table row from one chatMessages entry."""
    type_code = obj.get("type")
    sub = obj.get("sub_type")
    stamp = obj.get("timestamp")
    text = html_text(str(obj.get("text") or ""))
    row: dict[str, Any] = {
        "timestamp": _epoch(stamp, tally),
        "timestamp_raw": None if stamp is None else str(stamp),
        "sender": html.unescape(str(obj.get("displayname") or "")) or None,
        "is_exporter": bool(obj.get("is_send")),
        "wechat_type": type_code,
        "wechat_subtype": sub,
        "attachments": [],
        "is_system": False,
        "text": text,
        "message_type": "text",
        "source_locator": f"chatMessages[{index}]",
    }
    if stamp is not None and not isinstance(stamp, int):
        tally.warn("some entries have no numeric timestamp: time left empty")
    _entry_kind(row, obj, type_code, sub, text, tally)
    return row


def _entry_kind(row: dict[str, Any], obj: dict[str, Any], type_code: Any, sub: Any, text: str, tally: ParseTally) -> None:
    basename = text.rsplit("/", 1)[-1]
    if type_code == 0:
        row.update(text=strip_tags(text), sender=None, is_system=True, message_type="system", is_deleted=bool(RECALL.search(text)))
    elif type_code == 3:
        kind = "sticker" if "/emoji/" in text or text.startswith("http") else "image"
        row.update(text="", message_type=kind, attachments=[basename or kind])
    elif type_code in (34, 43):
        spoken = html_text(str(obj.get("voice_to_text") or ""))
        row.update(text=spoken, message_type="voice" if type_code == 34 else "video", attachments=[basename])
    elif type_code == 49:
        kind = APP_SUBTYPES.get(sub, "link") if isinstance(sub, int) else "link"
        row["message_type"] = kind
        if kind == "file":
            row.update(text="", attachments=[html_text(str(obj.get("file_name") or basename))])
        elif kind == "quote":
            row["quoted_text"] = html_text(str(obj.get("refer_text") or "")) or None
        elif kind == "transfer":
            row["text"] = " ".join(p for p in (html_text(str(obj.get("feedesc") or "")), text) if p)
        else:
            parts = [obj.get(k) for k in ("title", "description", "url")]
            row["text"] = "\n".join(html_text(str(p)) for p in parts if p) or text
    elif type_code == 50:
        row["message_type"] = "call"
    elif type_code != 1:
        tally.warn(f"unknown WeChatMsg entry type {type_code}: text kept")
        row["message_type"] = f"type_{type_code}"
