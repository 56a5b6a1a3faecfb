"""Events the seller states in messages: "we received your deposit", "goods shipped today",
a tracking number sent, a B/L copy attached.

Why: without a facts file these are the only dates the findings have, and with one they are the
*claims* the records are checked against (``delivery.claim_vs_record``). They never override the
user's facts: :class:`EventBook` answers from the facts first and from messages only for event
types the facts do not mention.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

import pandas as pd

from ..facts import EVENT_COLUMNS, KIND_TO_TYPES, events_table
from ..nlp.deadlines import DATE, parse_date
from ..nlp.values import find_tracking

_FUTURE_OR_NOT = re.compile(
    r"\b(?:will|shall|going to|gonna|to be|can|could|would|should|may|might|must|need to|not|n't|"
    r"never|yet|before|after|once|when|if|until|pls|please|plan|ready to)\b|[?？]|还没|没有|未|将|会",
    re.IGNORECASE,
)
#: (event type, pattern) for what the seller says has happened; first match per sentence wins
_CLAIMS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("balance_paid", re.compile(
        r"\b(?:received|got)\s+(?:your|the|ur)?\s*balance|\bbalance\s+(?:payment\s+)?"
        r"(?:is\s+|was\s+|has\s+been\s+)?(?:received|arrived)|收到(?:了)?(?:您的|你的)?尾款", re.I)),
    ("deposit_paid", re.compile(
        r"\b(?:received|got)\s+(?:your|the|ur)?\s*(?:deposit|down\s*payment|advance(?:d)?"
        r"\s+payment)|\b(?:deposit|down\s*payment)\s+(?:is\s+|was\s+|has\s+been\s+)?"
        r"(?:received|arrived)|收到(?:了)?(?:您的|你的)?(?:定金|订金|预付款)", re.I)),
    ("payment", re.compile(
        r"\b(?:received|got)\s+(?:your|the|ur)?\s*(?:payment|money|transfer|remittance|funds)"
        r"|\b(?:payment|money|transfer|funds)\s+(?:is\s+|was\s+|has\s+been\s+)?(?:received|arrived)"
        r"|收到(?:了)?(?:您的|你的)?(?:货款|款)", re.I)),
    ("delivered", re.compile(
        r"\b(?:goods|parcel|package|shipment|cargo|order)\s+(?:is\s+|was\s+|were\s+|are\s+|has\s+"
        r"been\s+|have\s+been\s+)?(?:delivered|arrived)|已签收|已送达", re.I)),
    ("shipped", re.compile(
        r"\b(?:shipped|dispatched|handed\s+(?:over\s+)?to\s+(?:the\s+)?"
        r"(?:dhl|fedex|ups|tnt|ems|forwarder|courier|carrier)|"
        r"delivered\s+to\s+(?:the\s+)?(?:forwarder|port|carrier))\b|已发货|已经发货|已出货|发出了", re.I)),
    # weaker words count only about goods: "picked up the goods", not "picked up tranny from BPA"
    ("shipped", re.compile(
        r"\b(?:goods|cargo|shipment|container|parcel|package|cartons?|pallets?|order)\b[^.!?]{0,40}"
        r"\b(?:loaded|on\s+board|picked\s+up|sent\s+out)\b|\b(?:loaded|picked\s+up|sent\s+out)\s+"
        r"(?:the\s+|your\s+)?(?:goods|cargo|shipment|container|parcel|package|cartons?|pallets?|order)\b",
        re.I)),
)
_BL_ATTACHMENT = re.compile(r"(?:^|[^a-z])(?:b[/_-]?l|bill[\s_-]*of[\s_-]*lading|提单)(?:[^a-z]|$)", re.I)
_BL_TEXT = re.compile(r"\b(?:b/l|bill of lading)\b.{0,30}\b(?:attached|enclosed|here|copy)\b|"
                      r"\b(?:attached|enclosed|here is)\b.{0,30}\b(?:b/l|bill of lading)\b", re.I)
#: a sentence: up to . ! ? or a line end, but a decimal point ("USD 2.80", "1.2 mm") is no end
SENTENCE = re.compile(r"(?:[^.!?\n。！？]|(?<=\d)\.(?=\d))+[.!?。！？]?")
_DATE_RE = re.compile(rf"(?<![\w/.])(?:on\s+)?({DATE})(?![\w/])", re.IGNORECASE)


def local_day(timestamp: Any, zone: Any = None) -> dt.date | None:
    """The message's calendar day where it was read (its ``timezone`` column), else in UTC."""
    if timestamp is None or pd.isna(timestamp):
        return None
    ts = pd.Timestamp(timestamp)
    if ts.tzinfo is None:
        return ts.date()
    if isinstance(zone, str) and "/" in zone:
        try:
            return ts.tz_convert(zoneinfo.ZoneInfo(zone.split(" ")[0])).date()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass
    return ts.tz_convert("UTC").date()


def _claimed_day(sentence: str, sent: dt.date) -> dt.date:
    """The day the sentence says it happened: an explicit date, "yesterday", else the sent day."""
    m = _DATE_RE.search(sentence)
    if m:
        day = parse_date(m.group(1), sent)
        if day is not None and day <= sent + dt.timedelta(days=1):
            return day
    if re.search(r"\byesterday\b|昨天", sentence, re.I):
        return sent - dt.timedelta(days=1)
    return sent


def _sentence_events(text: str, sent: dt.date) -> list[tuple[str, dt.date, str]]:
    found: list[tuple[str, dt.date, str]] = []
    for m in SENTENCE.finditer(text):
        sentence = m.group(0).strip()
        if not sentence or re.search(r"[?？]|\b(?:did|have|has)\s+you\b", sentence, re.I):
            continue  # questions state nothing
        for kind, regex in _CLAIMS:
            hit = regex.search(sentence)
            if hit and not _FUTURE_OR_NOT.search(sentence[: hit.start()] + " " + hit.group(0)):
                found.append((kind, _claimed_day(sentence, sent), sentence))
                break
        else:
            tracking = find_tracking(sentence)
            if tracking and not _FUTURE_OR_NOT.search(sentence):
                found.append(("shipped", sent, f"tracking number sent: {tracking}: {sentence}"))
    return found


def _attachment_events(row: Any, sent: dt.date) -> list[tuple[str, dt.date, str]]:
    names = [str(a) for a in (row.attachments if isinstance(row.attachments, list | tuple) else [])]
    bl = [n for n in names if _BL_ATTACHMENT.search(n)]
    text = row.text if isinstance(row.text, str) else ""
    if bl:
        return [("shipped", sent, f"B/L copy attached: {', '.join(bl)}")]
    if _BL_TEXT.search(text) and not _FUTURE_OR_NOT.search(text):
        return [("shipped", sent, f"B/L copy sent: {text.strip()[:160]}")]
    return []


def message_events(messages: pd.DataFrame) -> pd.DataFrame:
    """Events stated in messages by anyone but the buyer, as an events frame (source "message")
    plus ``conversation_id`` and ``timestamp``; one row per (message, event type)."""
    rows: list[dict[str, Any]] = []
    if len(messages):
        for row in messages.itertuples(index=False):
            if getattr(row, "role", None) == "buyer" or bool(getattr(row, "is_system", False)):
                continue
            sent = local_day(row.timestamp, getattr(row, "timezone", None))
            if sent is None:
                continue
            text = row.text if isinstance(row.text, str) else ""
            seen: set[str] = set()
            for kind, day, details in [*_sentence_events(text, sent), *_attachment_events(row, sent)]:
                if kind in seen:
                    continue
                seen.add(kind)
                rows.append({"date": day, "type": kind, "source": "message",
                             "message_id": row.message_id, "details": details[:300],
                             "conversation_id": row.conversation_id, "timestamp": row.timestamp})
    frame = events_table(rows)
    for extra in ("conversation_id", "timestamp"):
        if extra not in frame:
            frame[extra] = pd.Series(dtype="string" if extra == "conversation_id" else "object")
    return frame


class EventBook:
    """Event dates for the findings: the user's facts first, messages only for types the facts do
    not mention (the user's facts always win). ``event_date(kind)`` takes the deadline anchors
    of :mod:`chatsignals.nlp.deadlines` (deposit, balance, order, shipment, delivery, ...)."""

    def __init__(self, facts: Any = None, from_messages: pd.DataFrame | None = None) -> None:
        self.facts = facts
        facts_frame = facts.events_frame() if facts is not None else events_table([])
        known = set(facts_frame["type"].dropna())
        msgs = from_messages if from_messages is not None else events_table([])
        msgs = msgs[~msgs["type"].isin(known)]
        self.frame = events_table(
            [{str(k): v for k, v in row.items()}
             for part in (facts_frame, msgs) for row in part[list(EVENT_COLUMNS)].to_dict("records")]
        )

        self._first: dict[tuple[str, str | None], dict[str, Any] | None] = {}

    def first(self, kind: str, source: str | None = None) -> dict[str, Any] | None:
        """The earliest event of ``kind`` (an anchor name or an event type) as a row dict."""
        key = (kind, source)
        if key not in self._first:
            self._first[key] = self._lookup(kind, source)
        return self._first[key]

    def _lookup(self, kind: str, source: str | None) -> dict[str, Any] | None:
        types = KIND_TO_TYPES.get(kind, (kind,))
        rows = self.frame[self.frame["type"].isin(types)]
        if source is not None:
            rows = rows[rows["source"] == source]
        if not len(rows):
            if kind == "order" and self.facts is not None:
                day = self.facts.event_date("order")
                return {"date": pd.Timestamp(day), "type": "order_placed", "source": "facts",
                        "message_id": None, "details": "order.placed"} if day else None
            return None
        return {str(k): v for k, v in rows.iloc[0].to_dict().items()}

    def event_date(self, kind: str) -> dt.date | None:
        row = self.first(kind)
        return None if row is None else pd.Timestamp(row["date"]).date()

    def events_frame(self) -> pd.DataFrame:
        return self.frame.copy()
