"""Reading a transcript copied out of the Alibaba.com web Messenger.

Alibaba.com has no chat export: buyers select the conversation and paste it into a text file.
What lands in the file is the page's visible text: message blocks under a name and a
``YYYY-MM-DD HH:MM(:SS)`` stamp (name then stamp, stamp then name, or ``Name  stamp`` on one
line), mixed with the page's interface words (``Read``, ``Translate``, ``Rate supplier``...).

The reader keeps every line accounted for: interface lines are stripped and counted, Trade
Assurance order cards and platform notices become system rows (they are evidence), text before
the first message is reported as skipped. The same reader is the fallback for saved pages whose
structure is not recognised (their visible text is such a transcript).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ...parties import Parties
from ...table import ParseTally
from ..wechat.textio import plausible_name

_DATE = r"(?P<date>\d{4}[-/.]\d{1,2}[-/.]\d{1,2})"
_TIME = r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)"
STAMP_LINE = re.compile(rf"^{_DATE}[ T]+{_TIME}$")
NAME_STAMP_LINE = re.compile(rf"^(?P<name>\S.{{0,80}}?)\s+{_DATE}[ T]+{_TIME}$")
TIME_LINE = re.compile(rf"^{_TIME}$")

#: interface words of the Messenger page, matched on the whole (trimmed, case-folded) line
INTERFACE_LINES = frozenset(
    s.casefold()
    for s in (
        "Read", "Unread", "Delivered", "Sent", "Sending", "Failed", "Resend", "Translate",
        "Show original", "Show translation", "Hide translation", "Translated by Alibaba.com",
        "Reply", "Quote", "Recall", "Copy", "Forward", "Delete", "More", "Rate supplier",
        "Rate this supplier", "File a complaint", "Complaint", "Quick replies", "Quick reply",
        "Send", "Press \"Enter\" to send", "Press Enter to send", "Online", "Offline", "Away",
        "Typing...", "Load more", "Load more messages", "View more messages", "No more messages",
        "View details", "View order", "Chat now", "Contact supplier", "Start order",
        "Send inquiry", "Add to contacts", "Supplier assessment", "Verified", "Verified Supplier",
        "Gold Supplier", "Trade Assurance", "Emoji", "Stickers", "Upload image", "Upload file",
        "Send file", "Send image", "Video call", "Voice call", "Schedule a meeting", "Messenger",
        "Message center", "All messages", "Unread messages", "Translation on", "Translation off",
        "Auto translate", "Original", "New messages", "Top", "Mark as unread", "Pin", "Tags",
    )
)
INTERFACE_PATTERNS = (
    re.compile(r"^local time\s*[:：]", re.I),
    re.compile(r"^press\s+[\"“]?enter[\"”]?\s+to\s+send", re.I),
    re.compile(r"^(shift|ctrl)\s*\+\s*enter\b", re.I),
    re.compile(r"^\d+\s*/\s*\d+\s*$"),  # the composer's character counter, e.g. 0/8000
    re.compile(r"^(replied within|response time|avg\.? response)\b", re.I),
    re.compile(r"^\d+\s+(unread|new)\s+messages?$", re.I),
)
#: labels of the emoji picker; stripped only in runs (a pasted picker), never a lone "OK"
EMOJI_LABELS = frozenset(
    s.casefold()
    for s in (
        "Smile", "Grin", "Laugh", "Wink", "Cool", "Shy", "Cry", "Angry", "Surprised", "Sad",
        "Kiss", "Love", "Heart", "Broken heart", "Thumbs up", "Thumbs down", "OK", "Handshake",
        "Clap", "Rose", "Gift", "Coffee", "Beer", "Cake", "Sun", "Moon", "Star", "Sleepy",
        "Tongue", "Think", "Hug", "Pray", "Strong", "Victory", "Fist", "Bye", "Sweat", "Doubt",
    )
)
EMOJI_RUN = 3
DAY_WORDS = frozenset({"today", "yesterday", "今天", "昨天"})
_DAY_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%b %d, %Y", "%B %d, %Y", "%d %b %Y", "%d %B %Y",
                "%a, %b %d, %Y", "%A, %B %d, %Y", "%Y年%m月%d日")
COMPANY = re.compile(
    r"\b(co\.?,?\s*ltd|ltd\.?|limited|inc\.?|llc|gmbh|corp\.?|corporation|company|factory|"
    r"industr(y|ial)|trading|manufactur\w*|technology|electronics?|lighting)\b|有限公司|公司|工厂",
    re.I,
)
#: the first line of an order card: "Trade Assurance Order" alone or followed by its number or a
#: separator ("... · US $14,000.00 · Awaiting payment"), "Order No: 2403...", "Order details".
#: A message that merely names a Trade Assurance order ("OK, please create the Trade Assurance
#: order, 300 pcs") is the sender's text, not a card
ORDER_START = re.compile(
    r"^\W{0,3}trade\s+assurance\s+order(?:\s*$|\s*(?:no\.?|number|id|#)?\s*[:：]?\s*\d{6,}|\s*[·|:•-])"
    r"|^order\s*(no\.?|number|id|#)\s*[:：]?\s*\d{6,}|^order details$",
    re.I,
)
ORDER_FIELD = re.compile(
    r"^(order\s*(no\.?|number|id|#)|total|amount|order amount|status|payment|product|quantity|"
    r"items?|shipping|deposit|balance|supplier|buyer|pay now|view details|created|ship by)\b"
    r"|us\s?\$|usd\s?[\d,]|awaiting|paid\b",
    re.I,
)
ORDER_ID = re.compile(r"\b(\d{10,14})\b")
AMOUNT = re.compile(r"(US\s?\$|USD|\$|€|EUR|CNY|RMB|¥)\s?[\d,]+(\.\d+)?", re.I)
ORDER_STATUS = re.compile(
    r"awaiting (payment|shipment|delivery|confirmation)|deposit paid|balance paid|paid|"
    r"in production|shipped|delivered|completed|closed|cancell?ed|refund\w*|under dispute|"
    r"dispute (opened|in progress)",
    re.I,
)
NOTICE = re.compile(
    r"recalled a message|message (has been|was) (recalled|withdrawn)|^tips?\s*[:：]|"
    r"for your (safety|security)|beware of (fraud|scams?)|outside (of )?alibaba\.com|"
    r"dispute (has been )?(opened|filed|submitted)|has (joined|left) the conversation|"
    r"^this (conversation|message) ",
    re.I,
)
ATTACHMENT = re.compile(r"^\[(image|photo|picture|file|video|voice|audio|图片|文件|视频|语音)\]\s*(.*)$", re.I)
FILE_NAME = re.compile(
    r"^(?P<name>[^\s/\\].{0,150}\.(pdf|xlsx?|docx?|pptx?|csv|zip|rar|7z|jpe?g|png|gif|mp4|mov))"
    r"(\s*\(?\d+(\.\d+)?\s*[KMG]B\)?)?$",
    re.I,
)
MAX_NAME = 80


@dataclass
class Line:
    no: int  # 1-based line number in the file (or in the page's visible text)
    text: str
    kind: str  # blank, interface, day, stamp, name_stamp, time, content
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Block:
    start: int  # index of its first header line in the line list
    stamp: int  # index of its stamp line
    body_start: int  # index of its first body line
    sender: str | None
    company: str | None
    raw_time: str
    timestamp: datetime | None


def classify(lines: list[str], first_no: int = 1) -> list[Line]:
    """Tag every line (blank, interface, day separator, stamp, content)."""
    out: list[Line] = []
    for offset, raw in enumerate(lines):
        text = raw.strip().strip("\u200b\u200e\u200f\ufeff")
        out.append(_classify_one(first_no + offset, text))
    _strip_emoji_runs(out)
    return out


def _classify_one(no: int, text: str) -> Line:
    if not text:
        return Line(no, text, "blank")
    folded = text.casefold()
    if folded in INTERFACE_LINES or any(p.search(text) for p in INTERFACE_PATTERNS):
        return Line(no, text, "interface")
    if folded in DAY_WORDS:
        return Line(no, text, "day", {"date": None})
    day = _parse_day(text)
    if day is not None:
        return Line(no, text, "day", {"date": day})
    if m := STAMP_LINE.match(text):
        return Line(no, text, "stamp", {"date": m["date"], "time": m["time"]})
    if (m := NAME_STAMP_LINE.match(text)) and plausible_name(m["name"]):
        return Line(no, text, "name_stamp", {"name": m["name"].strip(), "date": m["date"], "time": m["time"]})
    if m := TIME_LINE.match(text):
        return Line(no, text, "time", {"time": m["time"]})
    return Line(no, text, "content")


_DAY_SHAPE = re.compile(
    r"^(\d{4}[-/]\d{1,2}[-/]\d{1,2}|(?:[A-Za-z]{3,9},?\s+)?[A-Za-z]{3,9}\.?\s+\d{1,2},\s+\d{4}|"
    r"\d{1,2}\s+[A-Za-z]{3,9}\s+\d{4}|\d{4}年\d{1,2}月\d{1,2}日)$"
)


def _parse_day(text: str) -> datetime | None:
    """A day-separator line's date (``Feb 20, 2025``, ``2025-02-20``...); cheap shape test first
    because every line of a long paste goes through here."""
    if len(text) > 40 or not _DAY_SHAPE.match(text):
        return None
    for fmt in _DAY_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _strip_emoji_runs(lines: list[Line]) -> None:
    run: list[Line] = []
    for line in [*lines, Line(0, "", "end")]:
        if line.kind == "content" and line.text.casefold() in EMOJI_LABELS:
            run.append(line)
            continue
        if line.kind == "blank" and run:
            continue
        if len(run) >= EMOJI_RUN:
            for item in run:
                item.kind = "interface"
        run = []


def _to_datetime(date: str, time: str) -> datetime | None:
    date = re.sub(r"[/.]", "-", date)
    fmt = "%Y-%m-%d %H:%M:%S" if time.count(":") == 2 else "%Y-%m-%d %H:%M"
    try:
        return datetime.strptime(f"{date} {time}", fmt)
    except ValueError:
        return None


class TranscriptReader:
    """Turns classified lines into message rows, accounting for every line in the tally."""

    def __init__(self, tally: ParseTally, parties: Parties, locator_prefix: str = "") -> None:
        self.tally = tally
        self.parties = parties
        self.prefix = locator_prefix
        self.interface = 0
        self.title: str | None = None
        self._second: Counter[str] = Counter()
        self._single = False

    def read(self, lines: list[Line]) -> list[dict[str, Any]]:
        self.tally.blank_lines += sum(1 for ln in lines if ln.kind == "blank")
        self.interface += sum(1 for ln in lines if ln.kind in ("interface", "day"))
        self._resolve_time_lines(lines)
        self._demote_one_off_names(lines)
        blocks = self._blocks(lines)
        rows: list[dict[str, Any]] = []
        first = blocks[0].start if blocks else len(lines)
        self._skip_preamble(lines[:first])
        for i, block in enumerate(blocks):
            end = blocks[i + 1].start if i + 1 < len(blocks) else len(lines)
            rows += self._block_rows(block, lines, end)
        if self.interface:
            self.tally.warn(f"stripped {self.interface} interface lines (page buttons, read marks, day separators)")
        return rows

    # --- stamps and headers ------------------------------------------------------------------

    def _demote_one_off_names(self, lines: list[Line]) -> None:
        """``Name  stamp`` lines whose several-word "name" occurs once among many are message
        text that ends in a date ("Goods will be ready 2025-04-05 18:00"), not headers."""
        named = [ln for ln in lines if ln.kind == "name_stamp"]
        if len(named) < 4:
            return
        counts = Counter(ln.data["name"] for ln in named)
        for line in named:
            name = line.data["name"]
            if counts[name] == 1 and len(name.split()) >= 3 and not (self.parties and self.parties.role_of(name)):
                line.kind = "content"

    @staticmethod
    def _resolve_time_lines(lines: list[Line]) -> None:
        """``HH:MM`` lines count as stamps only under a day separator; they take its date."""
        day: Line | None = None
        for line in lines:
            if line.kind == "day":
                day = line
            elif line.kind == "time":
                if day is None:
                    line.kind = "content"
                else:
                    line.data["day"] = day.data["date"]
                    line.data["day_text"] = day.text

    def _blocks(self, lines: list[Line]) -> list[Block]:
        stamps = [i for i, ln in enumerate(lines) if ln.kind in ("stamp", "time", "name_stamp")]
        name_first = self._name_first(lines, stamps)
        self._second = _second_neighbours(lines, stamps, -1 if name_first else +1)
        self._single = len(stamps) == 1
        blocks: list[Block] = []
        floor = 0  # header lines may not reach back into the previous block's header/stamp
        for i in stamps:
            block = self._header(lines, i, floor, name_first)
            blocks.append(block)
            floor = block.body_start
        return blocks

    def _name_first(self, lines: list[Line], stamps: list[int]) -> bool:
        """Name line before the stamp, or after it? Names repeat (two people talk); message
        text rarely does, so the side whose neighbour lines repeat more is the name side."""
        before: list[str] = []
        after: list[str] = []
        for i in stamps:
            if lines[i].kind == "name_stamp":
                continue
            if (j := _neighbour(lines, i, -1)) is not None:
                before.append(lines[j].text)
            if (j := _neighbour(lines, i, +1)) is not None:
                after.append(lines[j].text)
        if self.parties:
            known_before = sum(1 for t in before if self.parties.role_of(t))
            known_after = sum(1 for t in after if self.parties.role_of(t))
            if known_before != known_after:
                return known_before > known_after
        return _repeat_share(before) >= _repeat_share(after)

    def _header(self, lines: list[Line], i: int, floor: int, name_first: bool) -> Block:
        line = lines[i]
        raw, when = self._stamp_time(line)
        if line.kind == "name_stamp":
            return Block(i, i, i + 1, line.data["name"], None, raw, when)
        sender = company = None
        start = body_start = i
        if name_first:
            j = _neighbour(lines, i, -1, floor)
            if j is not None and _name_like(lines[j].text):
                start, sender = j, lines[j].text
                k = _neighbour(lines, j, -1, floor)
                if (
                    k is not None
                    and COMPANY.search(sender)
                    and _name_like(lines[k].text)
                    and not COMPANY.search(lines[k].text)
                    and self._header_value(lines[k].text)
                ):
                    start, sender, company = k, lines[k].text, sender
            body_start = i + 1
        else:
            j = _neighbour(lines, i, +1)
            body_start = i + 1
            if j is not None and _name_like(lines[j].text):
                sender, body_start = lines[j].text, j + 1
                k = _neighbour(lines, j, +1)
                if (
                    k is not None
                    and COMPANY.search(lines[k].text)
                    and len(lines[k].text) <= MAX_NAME
                    and self._header_value(lines[k].text)
                ):
                    company, body_start = lines[k].text, k + 1
        if sender is None:
            self.tally.warn("some message stamps have no name line: sender left empty")
        return Block(start, i, body_start, sender, company, raw, when)

    def _header_value(self, text: str) -> bool:
        """Is ``text`` (a name above a company line, or a company below a name) a header line?
        Header lines repeat on every message of that person; one-off message text does not."""
        return self._single or self._second[text] >= 2 or bool(self.parties and self.parties.role_of(text))

    def _stamp_time(self, line: Line) -> tuple[str, datetime | None]:
        if line.kind == "time":
            day = line.data.get("day")
            raw = f"{line.data['day_text']} {line.text}"
            if day is None:
                self.tally.warn("times under 'Today'/'Yesterday' separators have no date: kept raw, time left empty")
                return raw, None
            return raw, _to_datetime(day.strftime("%Y-%m-%d"), line.data["time"])
        raw = f"{line.data['date']} {line.data['time']}"
        when = _to_datetime(line.data["date"], line.data["time"])
        if when is None:
            self.tally.warn("some stamps are not valid dates: kept raw, time left empty")
        return raw, when

    def _skip_preamble(self, lines: list[Line]) -> None:
        """Text above the first message is the page's conversation header (the other party's
        name and company): reported as skipped, its first line kept as the title."""
        for line in lines:
            if line.kind == "content" and self.title is None:
                self.title = line.text
            if line.kind in ("content", "time"):
                self.tally.skip(self._loc(line.no, line.no), "page text before the first message (conversation header)")

    # --- bodies ----------------------------------------------------------------------------

    def _block_rows(self, block: Block, lines: list[Line], end: int) -> list[dict[str, Any]]:
        body = [ln for ln in lines[block.body_start : end] if ln.kind in ("content", "time")]
        # a stamp block's own header lines between body_start and end are not part of the body
        rows: list[dict[str, Any]] = []
        pending: list[Line] = []
        first_no: int | None = lines[block.start].no  # the first row spans its header lines
        header_end = lines[block.body_start - 1].no
        k = 0
        while k < len(body):
            line = body[k]
            if ORDER_START.search(line.text):
                card = self._card_lines(body, k)
                rows += self._flush(block, pending, first_no, header_end)
                pending, first_no = [], None
                rows.append(self._card_row(block, card))
                k += len(card)
                continue
            if NOTICE.search(line.text):
                rows += self._flush(block, pending, first_no, header_end)
                pending, first_no = [], None
                rows.append(self._notice_row(block, line))
                k += 1
                continue
            pending.append(line)
            k += 1
        rows += self._flush(block, pending, first_no, header_end, force=not rows)
        return rows

    @staticmethod
    def _card_lines(body: list[Line], k: int) -> list[Line]:
        card = [body[k]]
        has_id = bool(ORDER_ID.search(body[k].text))
        for line in body[k + 1 :]:
            adjacent = line.no == card[-1].no + 1
            if not adjacent or not (ORDER_FIELD.search(line.text) or ORDER_START.search(line.text)):
                break
            if has_id and ORDER_START.search(line.text):  # the next card begins
                break
            has_id = has_id or bool(ORDER_ID.search(line.text))
            card.append(line)
        return card

    def _flush(
        self, block: Block, pending: list[Line], first_no: int | None, header_end: int, force: bool = False
    ) -> list[dict[str, Any]]:
        """One message row from the pending body lines (``force``: even with no text, so a
        stamped block whose body did not copy, e.g. a picture, still counts)."""
        if not pending and not force:
            return []
        last = pending[-1].no if pending else header_end
        start = first_no if first_no is not None else pending[0].no
        texts = [ln.text for ln in pending]
        attachments, kind = _attachments(texts)
        self.tally.messages += 1
        self.tally.continuation_lines += max(len(pending) - 1, 0)
        return [
            {
                "timestamp": block.timestamp,
                "timestamp_raw": block.raw_time,
                "sender": block.sender,
                "sender_id": block.company,
                "sender_company": block.company,
                "text": "\n".join(texts),
                "attachments": attachments,
                "message_type": kind,
                "is_system": False,
                "source_locator": self._loc(start, last),
            }
        ]

    def _card_row(self, block: Block, card: list[Line]) -> dict[str, Any]:
        text = " · ".join(ln.text for ln in card)
        order_id = ORDER_ID.search(text)
        amount = AMOUNT.search(text)
        status = ORDER_STATUS.search(text)
        self.tally.system_lines += 1
        self.tally.continuation_lines += len(card) - 1
        return {
            "timestamp": block.timestamp,
            "timestamp_raw": block.raw_time,
            "sender": None,
            "role": "platform",
            "text": text,
            "attachments": [],
            "message_type": "order_card",
            "is_system": True,
            "order_id": order_id.group(1) if order_id else None,
            "order_amount": amount.group(0) if amount else None,
            "order_status": status.group(0) if status else None,
            "source_locator": self._loc(card[0].no, card[-1].no),
        }

    def _notice_row(self, block: Block, line: Line) -> dict[str, Any]:
        self.tally.system_lines += 1
        return {
            "timestamp": block.timestamp,  # placed with the block it appeared in
            "timestamp_raw": None,
            "sender": None,
            "role": "platform",
            "text": line.text,
            "attachments": [],
            "message_type": "system",
            "is_system": True,
            "source_locator": self._loc(line.no, line.no),
        }

    def _loc(self, a: int, b: int) -> str:
        return f"{self.prefix}L{a}" if a == b else f"{self.prefix}L{a}-L{b}"


def _neighbour(lines: list[Line], i: int, step: int, floor: int = 0) -> int | None:
    """The nearest content line from ``i`` in direction ``step`` (blank/interface lines skipped,
    stopping at a stamp or day separator or ``floor``)."""
    j = i + step
    while floor <= j < len(lines):
        kind = lines[j].kind
        if kind in ("content",):
            return j
        if kind in ("stamp", "name_stamp", "time", "day"):
            return None
        j += step
    return None


def _second_neighbours(lines: list[Line], stamps: list[int], step: int) -> Counter[str]:
    """How often each text is the second content line from a stamp on the name side."""
    counts: Counter[str] = Counter()
    for i in stamps:
        if lines[i].kind == "name_stamp":
            continue
        j = _neighbour(lines, i, step)
        k = _neighbour(lines, j, step) if j is not None else None
        if k is not None:
            counts[lines[k].text] += 1
    return counts


def _name_like(text: str) -> bool:
    """Could this line be a display name (short, not ending like a sentence)?"""
    return 0 < len(text) <= MAX_NAME and not text.endswith(("?", "？", "。", "!", "！", ",", "，", ":", "："))


def _repeat_share(values: list[str]) -> float:
    if not values:
        return 0.0
    counts = Counter(values)
    return sum(c for c in counts.values() if c > 1) / len(values)


def _attachments(texts: list[str]) -> tuple[list[str], str]:
    names: list[str] = []
    kind = "text"
    for text in texts:
        if m := ATTACHMENT.match(text):
            label = m.group(1).casefold()
            kind = {"图片": "image", "photo": "image", "picture": "image", "文件": "file",
                    "视频": "video", "语音": "voice", "audio": "voice"}.get(label, label)
            names.append(m.group(2).strip() or kind)
        elif m := FILE_NAME.match(text):
            names.append(m["name"])
            kind = "file"
    return names, kind


def rows_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The rows as a frame with naive timestamps (the buyer's local wall-clock time)."""
    frame = pd.DataFrame(rows)
    if len(frame):
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], errors="coerce")
    return frame
