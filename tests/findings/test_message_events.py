"""Events the seller states in messages, and the facts-first EventBook."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from chatsignals.facts import Facts
from chatsignals.findings.message_events import EventBook, local_day, message_events
from chatsignals.table import finalize


def make_messages(rows: list[tuple[Any, ...]], conversation: str = "whatsapp-1") -> pd.DataFrame:
    """A message table from (timestamp, role, text[, attachments]) tuples; ids m1, m2, ..."""
    records = []
    for i, row in enumerate(rows, start=1):
        when, role, text = row[:3]
        records.append({
            "conversation_id": conversation, "message_id": f"{conversation}:m{i}",
            "timestamp": pd.Timestamp(when, tz="Asia/Shanghai"), "timestamp_raw": when,
            "sender": {"seller": "Lily Chen", "buyer": "Tom Becker"}.get(role, "someone"),
            "role": role, "text": text, "platform": "whatsapp",
            "attachments": row[3] if len(row) > 3 else [], "timezone": "Asia/Shanghai",
        })
    return finalize(pd.DataFrame(records))


STORY = [
    ("2025-03-03 10:12", "seller", "Dear Tom, we received your deposit, production start today, "
     "will finish before March 25"),
    ("2025-03-03 10:20", "buyer", "Great. Did you receive the full USD 4,200?"),
    ("2025-04-02 16:40", "seller", "goods shipped today by DHL, tracking 1234567890"),
    ("2025-04-05 09:00", "seller", "Dear, B/L copy for your check", ["BL_231145678901.pdf"]),
    ("2025-04-06 09:00", "seller", "we will ship after receive your balance"),
    ("2025-04-07 09:00", "buyer", "Have you shipped? I received nothing"),
]


def test_story_events_from_seller_messages() -> None:
    events = message_events(make_messages(STORY))
    got = [(r.type, r.date.date(), r.message_id.split(":")[1]) for r in events.itertuples()]
    assert got == [
        ("deposit_paid", dt.date(2025, 3, 3), "m1"),
        ("shipped", dt.date(2025, 4, 2), "m3"),
        ("shipped", dt.date(2025, 4, 5), "m4"),
    ]
    assert set(events["source"]) == {"message"}
    assert "BL_231145678901.pdf" in events["details"].iloc[2]


def test_future_negated_and_questions_are_not_events() -> None:
    msgs = make_messages([
        ("2025-03-02 09:00", "seller", "we have not received your deposit yet"),
        ("2025-03-02 09:05", "seller", "goods will be shipped next week"),
        ("2025-03-02 09:06", "seller", "once goods are shipped I send you tracking"),
        ("2025-03-02 09:07", "seller", "Have you received the deposit?"),
        ("2025-03-02 09:08", "buyer", "I shipped the samples back to you"),  # buyer: not the seller's claim
    ])
    assert message_events(msgs).empty


def test_claimed_date_in_the_sentence() -> None:
    msgs = make_messages([
        ("2025-04-04 09:00", "seller", "Dear, the goods were shipped on April 2, pls check"),
        ("2025-04-04 09:01", "seller", "payment received yesterday, thank you"),
        ("2025-04-04 09:02", "seller", "已发货，运单号 DHL 1234567890"),
    ])
    events = message_events(msgs)
    assert [(r.type, r.date.date()) for r in events.itertuples()] == [
        ("shipped", dt.date(2025, 4, 2)), ("payment", dt.date(2025, 4, 3)), ("shipped", dt.date(2025, 4, 4))
    ]


def test_local_day_uses_the_message_zone() -> None:
    ts = pd.Timestamp("2025-04-01 23:30", tz="UTC")
    assert local_day(ts, "Asia/Shanghai") == dt.date(2025, 4, 2)
    assert local_day(ts, "UTC (assumed)") == dt.date(2025, 4, 1)


def test_user_facts_win_over_messages() -> None:
    facts = Facts.model_validate({"events": [{"date": "2025-04-12", "type": "shipped"}]})
    book = EventBook(facts, message_events(make_messages(STORY)))
    assert book.event_date("shipment") == dt.date(2025, 4, 12)  # not the claimed April 2
    assert book.event_date("deposit") == dt.date(2025, 3, 3)  # facts silent: the message says so
    assert book.first("deposit")["source"] == "message"
    assert EventBook(None, None).event_date("shipment") is None


def test_no_events_in_real_business_prose(realdata: Path) -> None:
    """4,000 Enron texts read as if a seller wrote them: office prose ("picked up tranny from
    BPA", "everyone is on board", "to receive the deposit") states no shipment or payment."""
    bodies = [p.read_text(encoding="utf-8", errors="replace")
              for p in (realdata / "email" / "forge-enron-signatures").glob("[PN]/*")]
    lines = (realdata / "intent" / "parakweet-train.txt").read_text(encoding="utf-8", errors="replace")
    texts = bodies + [line.split("\t", 1)[1] for line in lines.splitlines() if "\t" in line]
    base = pd.Timestamp("2001-01-01", tz="UTC")
    msgs = finalize(pd.DataFrame({
        "conversation_id": "enron", "message_id": [f"e{i}" for i in range(len(texts))],
        "timestamp": [base + pd.Timedelta(hours=3 * i) for i in range(len(texts))],
        "text": texts, "role": "seller", "sender": "x", "platform": "generic",
    }))
    assert len(msgs) > 3800
    assert message_events(msgs).empty
