"""``alibaba_page``: the Alibaba.com Messenger page saved from a browser (.html or .mhtml).

Three readings, best first:

1. the conversation the page embeds as JSON in a ``<script>`` (``messageList`` entries with
   ``messageId``, ``content``, ``sendTime`` in epoch milliseconds and the sender's login id):
   exact ids and UTC times;
2. the rendered message elements (left/right bubbles, name, time, text, order cards);
3. the page's visible text read as a pasted transcript, with a warning, so a page whose
   markup changed still gives its messages rather than nothing.

Hostile input: MHTML through the stdlib ``email`` parser, HTML through BeautifulSoup + lxml (no
entity resolution, nothing fetched), scripts never read as text, JSON and element nesting bounded.
No real saved page was at hand when this was written: the element classes are modelled on the
public Messenger page and kept deliberately loose (class-name fragments, not exact paths).
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import quopri
import re
from collections.abc import Iterator
from typing import Any

import pandas as pd
from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString

from ...errors import InputError
from ...sources import Source
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from ..wechat.textio import decode_chat_bytes, head_text, json_depth
from .transcript import (
    AMOUNT,
    INTERFACE_LINES,
    ORDER_ID,
    ORDER_STATUS,
    TranscriptReader,
    classify,
    rows_frame,
)

MESSAGE_MARKERS = re.compile(
    r"messageList|sendTime|message-item|onetalk\.alibaba|message\.alibaba\.com|messenger\.htm", re.I
)
SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object"})
ITEM_CLASS = re.compile(r"^(message-item|msg-item|im-message|chat-message|message-row)(-wrapper)?$", re.I)
RIGHT_CLASS = re.compile(r"(^|-)(right|self|mine|me|send|sent|out)$", re.I)
LEFT_CLASS = re.compile(r"(^|-)(left|other|receive|received|in)$", re.I)
NAME_CLASS = re.compile(r"(name|nick)", re.I)
TIME_CLASS = re.compile(r"(time|date)", re.I)
TEXT_CLASS = re.compile(r"(text|content|bubble|body)", re.I)
CARD_CLASS = re.compile(r"(order|trade)[-_]?card|card[-_]?(order|trade)", re.I)
SYSTEM_CLASS = re.compile(r"(system|notice|tips?)([-_]message|[-_]msg)?$", re.I)
COMPANY_CLASS = re.compile(r"company", re.I)
INTERFACE_CLASS = re.compile(r"(status|read|translate|action|operate|tool|avatar|menu|btn|button)", re.I)
MAX_SCRIPT_CHARS = 50 * 1024 * 1024
MAX_MIME_PARTS = 5000


@register
class AlibabaPageParser(Parser):
    name = "alibaba_page"
    platform = "alibaba"
    description = (
        "Alibaba.com Messenger page saved as .html or .mhtml: recognised by alibaba.com and its "
        "message list (embedded messageList JSON or message-item elements)"
    )
    suffixes = (".html", ".htm", ".mhtml", ".mht")

    def detect(self, source: Source) -> float:
        text = head_text(source)
        if not text:
            return 0.0
        start = text.lstrip()[:2000].casefold()
        is_mhtml = "multipart/related" in start and ("content-location" in start or "snapshot-content-location" in start)
        is_html = start.startswith(("<!doctype html", "<html", "<meta", "<head", "<!--"))
        if not (is_html or is_mhtml):
            return 0.0
        if is_mhtml:  # markers may be split by quoted-printable soft line breaks
            text = quopri.decodestring(source.head).decode("utf-8", errors="ignore")
        if "alibaba.com" not in text.casefold():
            return 0.0
        if not MESSAGE_MARKERS.search(text):
            return 0.35
        return 0.95 if is_mhtml else 0.9  # an MHTML page is no e-mail, though it is MIME

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        html = self._html_text(source, tally)
        soup = BeautifulSoup(html, "lxml")
        max_depth = source.limits.max_nesting
        title = soup.title.get_text(" ", strip=True) if soup.title else None
        rows = self._from_json(soup, tally, max_depth) or []
        naive = not rows
        if not rows:  # no (or an empty) embedded list: the rendered bubbles
            rows = self._from_elements(soup, tally, max_depth)
        if not rows:
            tally.warn("no message list or message elements recognised: read the page's visible text as a pasted transcript")
            lines = classify(list(visible_lines(soup, max_depth, tally)))
            reader = TranscriptReader(tally, options.parties, locator_prefix="text ")
            rows = reader.read(lines)
            title = reader.title or title
            naive = True
        if not rows:
            raise InputError(source.display, "saved page holds no Alibaba Messenger messages")
        unique_ids(rows, tally)
        frame = rows_frame(rows) if naive else pd.DataFrame(rows)
        if title:
            frame["conversation_title"] = title
        return ParseResult(frame, tally, naive_timestamps=naive)

    # --- the document ----------------------------------------------------------------------

    def _html_text(self, source: Source, tally: ParseTally) -> str:
        data = source.read_bytes()
        head = data[:4000].lstrip().lower()
        if b"multipart/related" in head and not head.startswith(b"<"):
            return self._mhtml(source, data, tally)
        return decode_chat_bytes(data, source.display, tally)

    @staticmethod
    def _mhtml(source: Source, data: bytes, tally: ParseTally) -> str:
        """The page's HTML part of a "single file" save (quoted-printable, any charset)."""
        message = email.message_from_bytes(data, policy=email.policy.default)
        for parts, part in enumerate(message.walk(), 1):
            if parts > MAX_MIME_PARTS:
                raise InputError(source.display, f"MHTML has more than {MAX_MIME_PARTS} parts")
            if part.get_content_type() == "text/html":
                try:
                    content: str | bytes = part.get_content()
                except (LookupError, UnicodeDecodeError, ValueError) as exc:
                    raise InputError(source.display, f"MHTML page part cannot be decoded ({exc})") from None
                if isinstance(content, bytes):
                    content = decode_chat_bytes(content, source.display, tally)
                tally.warn(f"read the page part of an MHTML file ({parts - 1} other part(s) ignored: images, styles)")
                return content
        raise InputError(source.display, "MHTML file has no text/html part")

    # --- 1. embedded JSON ------------------------------------------------------------------

    def _from_json(self, soup: BeautifulSoup, tally: ParseTally, max_depth: int) -> list[dict[str, Any]] | None:
        for index, script in enumerate(soup.find_all("script")):
            text = script.string or ""
            if "sendTime" not in text or len(text) > MAX_SCRIPT_CHARS:
                continue
            data = self._script_json(text, f"script {index}", tally, max_depth)
            if data is None:
                continue
            found = find_message_list(data, max_depth)
            if found is None:
                continue
            messages, owner = found
            return self._json_rows(messages, owner, f"script {index}", tally)
        return None

    @staticmethod
    def _script_json(text: str, where: str, tally: ParseTally, max_depth: int) -> Any:
        start = _json_start(text)
        if start < 0:
            return None
        if json_depth(text[start:]) > max_depth:
            tally.skip(where, f"embedded JSON nested deeper than {max_depth} levels")
            return None
        try:
            data, _ = json.JSONDecoder().raw_decode(text, start)
        except (json.JSONDecodeError, RecursionError) as exc:
            tally.skip(where, f"embedded JSON unreadable ({exc.__class__.__name__})")
            return None
        return data

    def _json_rows(self, messages: list[Any], owner: str | None, where: str, tally: ParseTally) -> list[dict[str, Any]]:
        rows = []
        for i, msg in enumerate(messages):
            loc = f"{where} $.messageList[{i}]"
            if not isinstance(msg, dict):
                tally.skip(loc, "message entry is not an object")
                continue
            row = json_message_row(msg, owner, loc)
            if row is None:
                tally.skip(loc, "message entry has no sendTime")
                continue
            if row["is_system"]:
                tally.system_lines += 1
            else:
                tally.messages += 1
            rows.append(row)
        return rows

    # --- 2. message elements ---------------------------------------------------------------

    def _from_elements(self, soup: BeautifulSoup, tally: ParseTally, max_depth: int) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        interface = 0
        for index, item in enumerate(message_items(soup, max_depth, tally)):
            loc = f"element {index}"
            found, stripped = element_rows(item, loc)
            interface += stripped
            if not found:
                tally.skip(loc, "message element without text, time or card")
            for row in found:
                if row["timestamp"] is None and rows:  # notices carry no time: keep their place
                    row["timestamp"] = rows[-1]["timestamp"]
                if row["is_system"]:
                    tally.system_lines += 1
                else:
                    tally.messages += 1
            rows += found
        if interface:
            tally.warn(f"stripped {interface} interface elements (read marks, translate buttons)")
        return rows


def unique_ids(rows: list[dict[str, Any]], tally: ParseTally) -> None:
    """Given message ids must be unique in the table: a repeated one (a page saved while it
    re-rendered, or a crafted one) gets a ``#n`` suffix and a warning, never a crash."""
    seen: dict[str, int] = {}
    for row in rows:
        mid = row.get("message_id")
        if mid is None:
            continue
        if mid in seen:
            seen[mid] += 1
            row["message_id"] = f"{mid}#{seen[mid]}"
            tally.warn("some message ids repeat in the page: made unique with a #n suffix")
        else:
            seen[mid] = 1


# --- JSON helpers --------------------------------------------------------------------------

def _json_start(text: str) -> int:
    """Where the JSON value of ``x = {...}`` / ``JSON.parse`` free assignments starts."""
    match = re.search(r"=\s*([\[{])", text) or re.search(r"^\s*([\[{])", text)
    return match.start(1) if match else -1


def find_message_list(data: Any, max_depth: int) -> tuple[list[Any], str | None] | None:
    """Breadth-first search for a list of objects carrying ``sendTime`` (the conversation);
    also returns the page owner's login id when the data names it."""
    owner: str | None = None
    queue: list[tuple[Any, int]] = [(data, 0)]
    while queue:
        node, depth = queue.pop(0)
        if depth > max_depth:
            continue
        if isinstance(node, dict):
            for key in ("selfLoginId", "myLoginId", "currentLoginId", "ownerLoginId"):
                if isinstance(node.get(key), str):
                    owner = owner or node[key]
            children = list(node.values())
        elif isinstance(node, list):
            if node and all(isinstance(x, dict) for x in node[:5]) and any("sendTime" in x for x in node[:5]):
                return node, owner or _owner_nearby(data)
            children = node
        else:
            continue
        queue += [(child, depth + 1) for child in children if isinstance(child, dict | list)]
    return None


def _owner_nearby(data: Any) -> str | None:
    if isinstance(data, dict):
        for value in data.values():
            if isinstance(value, dict):
                for key in ("selfLoginId", "myLoginId", "currentLoginId", "ownerLoginId"):
                    owner = value.get(key)
                    if isinstance(owner, str):
                        return owner
    return None


def _first(msg: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        value = msg.get(key)
        if value not in (None, ""):
            return value
    return None


def json_message_row(msg: dict[str, Any], owner: str | None, loc: str) -> dict[str, Any] | None:
    """One table row from one embedded message entry (None when it has no time)."""
    raw_time = msg.get("sendTime")
    if raw_time is None or isinstance(raw_time, bool):
        return None
    try:
        when = pd.Timestamp(int(raw_time), unit="ms", tz="UTC")
    except (TypeError, ValueError, OverflowError):
        return None
    sender_id = _first(msg, "senderLoginId", "fromLoginId", "senderId", "fromId", "loginId")
    sender = _first(msg, "senderNick", "senderName", "fromName", "nick", "name") or sender_id
    content = msg.get("content")
    if isinstance(content, str) and content.strip().startswith("{"):
        with contextlib.suppress(json.JSONDecodeError):
            content = json.loads(content) if json_depth(content) <= 20 else content
    kind = str(_first(msg, "msgType", "contentType", "type") or "text").casefold()
    row: dict[str, Any] = {
        "message_id": str(msg["messageId"]) if msg.get("messageId") not in (None, "") else None,
        "timestamp": when,
        "timestamp_raw": str(raw_time),
        "sender": None if sender is None else str(sender),
        "sender_id": None if sender_id is None else str(sender_id),
        "is_system": False,
        "attachments": [],
        "message_type": "text",
        "source_locator": loc,
    }
    self_flag = _first(msg, "isSelf", "fromSelf", "self")
    if self_flag is not None or owner:
        mine = bool(self_flag) if self_flag is not None else (sender_id == owner)
        row["side"] = "right" if mine else "left"
        row["role"] = "buyer" if mine else "seller"
    if isinstance(content, dict):
        _content_object(row, content, kind)
    else:
        row["text"] = "" if content is None else str(content)
        if "system" in kind or "notice" in kind:
            row.update(is_system=True, sender=None, role="platform", message_type="system")
    return row


def _content_object(row: dict[str, Any], content: dict[str, Any], kind: str) -> None:
    order_id = _first(content, "orderId", "tradeOrderId", "orderNo", "tradeId")
    if order_id is not None or "order" in kind:
        amount = _first(content, "amount", "totalAmount", "orderAmount")
        status = _first(content, "status", "orderStatus", "statusText")
        title = _first(content, "title") or "Trade Assurance Order"
        parts = [f"{title} {order_id}" if order_id else title, amount, status]
        row.update(
            text=" · ".join(str(p) for p in parts if p),
            is_system=True,
            sender=None,
            role="platform",
            message_type="order_card",
            order_id=None if order_id is None else str(order_id),
            order_amount=None if amount is None else str(amount),
            order_status=None if status is None else str(status),
        )
        return
    name = _first(content, "fileName", "name", "title")
    text = _first(content, "text", "content", "summary", "desc")
    if name is not None or "url" in content or "imageUrl" in content:
        row["attachments"] = [str(name or content.get("imageUrl") or content.get("url"))]
        row["message_type"] = "image" if ("image" in kind or "imageUrl" in content) else "file"
    row["text"] = "" if text is None else str(text)


# --- element helpers -----------------------------------------------------------------------

def _classes(tag: Tag) -> list[str]:
    value: Any = tag.get("class") or []
    return [value] if isinstance(value, str) else [str(v) for v in value]


def iter_tags(root: Tag, max_depth: int, tally: ParseTally | None = None) -> Iterator[tuple[Tag, int]]:
    """Every element under ``root`` with its depth, iteratively, skipping script-like tags
    and not descending below ``max_depth`` (reported once in the tally)."""
    stack: list[tuple[Tag, int]] = [(root, 0)]
    cut = False
    while stack:
        tag, depth = stack.pop()
        yield tag, depth
        if depth >= max_depth:
            cut = cut or any(isinstance(c, Tag) for c in tag.children)
            continue
        children = [c for c in tag.children if isinstance(c, Tag) and c.name not in SKIP_TAGS]
        stack += [(c, depth + 1) for c in reversed(children)]
    if cut and tally is not None:
        tally.skip("page", f"elements nested deeper than {max_depth} levels were not read")


def message_items(soup: BeautifulSoup, max_depth: int, tally: ParseTally) -> list[Tag]:
    """The outermost message elements (a matched element's descendants are its parts)."""
    items: list[Tag] = []
    inside: set[int] = set()
    for tag, _ in iter_tags(soup, max_depth, tally):
        if tag.parent is not None and id(tag.parent) in inside:
            inside.add(id(tag))
            continue
        classes = _classes(tag)
        if any(ITEM_CLASS.match(c) for c in classes) or (
            any(SYSTEM_CLASS.search(c) for c in classes) and any(c.startswith(("message", "msg")) for c in classes)
        ):
            items.append(tag)
            inside.add(id(tag))
    return items


def _part_text(tag: Tag) -> str:
    return "\n".join(s.strip() for s in tag.get_text("\n").splitlines() if s.strip())


def element_rows(item: Tag, loc: str) -> tuple[list[dict[str, Any]], int]:
    """The rows of one message element (its text, then its order card when it holds both),
    and how many interface parts it held."""
    classes = _classes(item)
    name = time = company = None
    texts: list[str] = []
    card: Tag | None = None
    attachments: list[str] = []
    stripped = 0
    claimed: set[int] = set()
    for child in item.find_all(True):
        if any(id(p) in claimed for p in child.parents):
            continue
        cls = " ".join(_classes(child))
        if not cls:
            continue
        if CARD_CLASS.search(cls):
            card = child
        elif COMPANY_CLASS.search(cls) and company is None:
            company = child.get_text(" ", strip=True) or None
        elif NAME_CLASS.search(cls) and name is None:
            name = child.get_text(" ", strip=True)
        elif TIME_CLASS.search(cls) and time is None:
            time = child.get_text(" ", strip=True)
        elif INTERFACE_CLASS.search(cls):
            stripped += 1
        elif TEXT_CLASS.search(cls):
            for img in child.find_all("img"):
                attachments.append(str(img.get("alt") or img.get("data-name") or "image"))
            for link in child.find_all("a", attrs={"download": True}):
                attachments.append(str(link.get("download") or "") or link.get_text(" ", strip=True))
                link.extract()  # the file name is an attachment, not words of the message
            texts.append(_part_text(child))
        else:
            continue
        claimed.add(id(child))
    side = "right" if any(RIGHT_CLASS.search(c) for c in classes) else "left" if any(LEFT_CLASS.search(c) for c in classes) else None
    row: dict[str, Any] = {
        "message_id": item.get("data-message-id") or item.get("data-msg-id") or None,
        "timestamp": _naive_time(time),
        "timestamp_raw": time,
        "sender": name or None,
        "sender_id": company,
        "sender_company": company,
        "attachments": attachments,
        "is_system": False,
        "message_type": "file" if attachments and not any(texts) else "text",
        "source_locator": loc,
        "text": "\n".join(t for t in texts if t),
    }
    if side:
        row["side"] = side
        row["role"] = "buyer" if side == "right" else "seller"
    if any(SYSTEM_CLASS.search(c) for c in classes):
        text = _part_text(item)
        row.update(text=text, is_system=True, sender=None, role="platform", message_type="system")
        return ([row] if text else []), stripped
    rows = [row] if (row["text"] or attachments or (time is not None and card is None)) else []
    if card is not None:
        rows.append(_card_row(row, card, f"{loc} card" if rows else loc))
        if len(rows) == 2 and row["message_id"]:
            rows[1]["message_id"] = f"{row['message_id']}#card"
    return rows, stripped


def _card_row(row: dict[str, Any], card: Tag, loc: str) -> dict[str, Any]:
    lines = [s.strip() for s in card.get_text("\n").splitlines() if s.strip()]
    text = " · ".join(t for t in lines if t.casefold() not in INTERFACE_LINES)
    order_id, amount, status = ORDER_ID.search(text), AMOUNT.search(text), ORDER_STATUS.search(text)
    return {
        **row,
        "text": text, "is_system": True, "sender": None, "sender_id": None, "sender_company": None,
        "role": "platform", "message_type": "order_card", "attachments": [], "source_locator": loc,
        "order_id": order_id.group(1) if order_id else None,
        "order_amount": amount.group(0) if amount else None,
        "order_status": status.group(0) if status else None,
    }


def _naive_time(text: str | None) -> pd.Timestamp | None:
    if not text:
        return None
    match = re.search(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T]+\d{1,2}:\d{2}(:\d{2})?", text)
    if not match:
        return None
    try:
        return pd.Timestamp(match.group(0).replace("/", "-").replace(".", "-"))
    except ValueError:
        return None


def visible_lines(soup: BeautifulSoup, max_depth: int, tally: ParseTally) -> Iterator[str]:
    """The page's visible text in document order, one text node a line (scripts, styles and
    comments left out; nesting below ``max_depth`` not read, and reported)."""
    root = soup.body or soup
    stack: list[Iterator[Any]] = [iter(root.children)]
    cut = False
    while stack:
        node = next(stack[-1], None)
        if node is None:
            stack.pop()
            continue
        if isinstance(node, Tag):
            if node.name in SKIP_TAGS:
                continue
            if len(stack) >= max_depth:
                cut = True
                continue
            stack.append(iter(node.children))
        elif type(node) is NavigableString:
            for part in str(node).splitlines():
                if part.strip():
                    yield part.strip()
    if cut:
        tally.skip("page", f"elements nested deeper than {max_depth} levels were not read")
