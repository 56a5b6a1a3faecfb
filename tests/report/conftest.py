"""A small realistic analysis, built by hand, for the report tests (no parser or NLP needed)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from chatsignals.analysis import Analysis, Settings
from chatsignals.table import ParseTally, finalize, finalize_findings, finalize_promises

HOSTILE = '<script>document.title="pwned"</script><img src=x onerror="document.body.dataset.pwned=1">'


def _messages() -> pd.DataFrame:
    rows = [
        ("alibaba-1", "2025-02-20T02:15:00Z", "Lily Chen", "seller", "alibaba", "IP65 waterproof, CE and RoHS certificate we have"),
        ("alibaba-1", "2025-02-20T02:20:00Z", "Tom Becker", "buyer", "alibaba", "Great. Production time?"),
        ("alibaba-1", "2025-02-20T02:21:00Z", "Lily Chen", "seller", "alibaba", "production time 15 working days after deposit"),
        ("wa-1", "2025-03-03T08:15:00Z", "Lily Chen", "seller", "whatsapp", "we received your deposit, production start today, will finish before March 25"),
        ("wa-1", "2025-03-20T09:00:00Z", "Lily Chen", "seller", "whatsapp", "sorry dear, LED chips delay, goods ready by April 5 latest"),
        ("wa-1", "2025-04-01T07:00:00Z", "Lily Chen", "seller", "whatsapp", "pls pay balance today to our new account 848-123456-838 " + HOSTILE),
        ("wa-1", "2025-04-02T07:00:00Z", "Lily Chen", "seller", "whatsapp", "goods shipped today by DHL, tracking 1234567890"),
        ("mail-1", "2025-04-08T03:00:00Z", "王经理", "seller", "email", "您好，货物下周发出，抱歉。"),
    ]
    frame = pd.DataFrame(rows, columns=["conversation_id", "timestamp", "sender", "role", "platform", "text"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["timestamp_raw"] = frame["timestamp"].dt.strftime("%d.%m.%y, %H:%M")
    frame["message_id"] = [f"m{i}" for i in range(len(frame))]
    frame["source_file"] = "chat.txt"
    frame["source_sha256"] = "0" * 64
    frame["source_locator"] = [f"L{i + 1}" for i in range(len(frame))]
    frame["source_index"] = range(len(frame))
    frame.loc[6, "attachments"] = None
    frame["attachments"] = [[] for _ in range(len(frame))]
    frame.at[6, "attachments"] = ["IMG-20250402-WA0001.jpg"]
    return finalize(frame)


def _promises() -> pd.DataFrame:
    return finalize_promises(
        pd.DataFrame(
            [
                {"promise_id": "P-1", "message_id": "m3", "conversation_id": "wa-1", "timestamp": pd.Timestamp("2025-03-03T08:15Z"),
                 "sender": "Lily Chen", "category": "delivery", "kind": "commitment", "text": "will finish before March 25",
                 "strength": "firm", "deadline_earliest": "2025-03-03", "deadline_latest": "2025-03-25", "deadline_anchor": "absolute"},
                {"promise_id": "P-2", "message_id": "m4", "conversation_id": "wa-1", "timestamp": pd.Timestamp("2025-03-20T09:00Z"),
                 "sender": "Lily Chen", "category": "delivery", "kind": "commitment", "text": "goods ready by April 5 latest",
                 "strength": "firm", "deadline_earliest": "2025-03-20", "deadline_latest": "2025-04-05", "deadline_anchor": "absolute"},
                {"promise_id": "P-4", "message_id": "m6", "conversation_id": "wa-1", "timestamp": pd.Timestamp("2025-04-02T07:00Z"),
                 "sender": "Lily Chen", "category": "documents", "kind": "commitment", "text": "B/L copy I send you by April 10",
                 "strength": "firm", "deadline_earliest": "2025-04-02", "deadline_latest": "2025-04-10", "deadline_anchor": "absolute"},
                {"promise_id": "P-3", "message_id": "m0", "conversation_id": "alibaba-1", "timestamp": pd.Timestamp("2025-02-20T02:15Z"),
                 "sender": "Lily Chen", "category": "quality", "kind": "claim", "text": "IP65 waterproof, CE and RoHS certificate we have",
                 "strength": "firm", "value": "IP65, CE, RoHS"},
            ]
        )
    )


def _findings() -> pd.DataFrame:
    return finalize_findings(
        pd.DataFrame(
            [
                {"finding_id": "F-1", "rule_id": "payment.account_change_request", "kind": "scam_pattern", "severity": "critical",
                 "title": "Request to pay a new bank account", "explanation": "On 2025-04-01 the seller wrote “pls pay balance today to our new account” " + HOSTILE,
                 "message_ids": ["m5"], "promise_ids": [], "score": 0.9, "conversation_id": "wa-1"},
                {"finding_id": "F-2", "rule_id": "delivery.shifting_deadline", "kind": "contradiction", "severity": "high",
                 "title": "Delivery date moved twice", "explanation": "The seller promised March 25, then April 5.",
                 "message_ids": ["m3", "m4"], "promise_ids": ["P-1", "P-2"], "score": 0.8, "conversation_id": "wa-1"},
                {"finding_id": "F-3", "rule_id": "quality.spec_mismatch", "kind": "contradiction", "severity": "high",
                 "title": "Promised IP65, inspection found IP20", "explanation": "The seller said “IP65 waterproof”; the inspection on 2025-05-02 found labels saying IP20.",
                 "message_ids": ["m0"], "promise_ids": ["P-3"], "score": 0.85, "conversation_id": "alibaba-1"},
            ]
        )
    )


FACTS = {
    "case": {"id": "TA-2025-0117", "platform": "alibaba", "order_id": "231145678901", "currency": "USD"},
    "parties": {"seller": ["Lily Chen"], "buyer": ["Tom Becker"]},
    "order": {"placed": "2025-02-27", "items": [{"name": "LED strip 5050", "quantity": 5000, "unit": "pcs", "unit_price": 2.8, "specs": ["IP65 waterproof", "CE and RoHS certified"]}]},
    "events": [
        {"date": "2025-03-03", "type": "deposit_paid", "amount": 4200},
        {"date": "2025-04-12", "type": "shipped", "carrier": "DHL"},
        {"date": "2025-04-30", "type": "delivered"},
        {"date": "2025-05-02", "type": "inspection", "findings": ["label says IP20"]},
    ],
}


@pytest.fixture
def analysis() -> Analysis:
    tally = ParseTally(source_file="chat.txt", source_sha256="0" * 64, format="whatsapp", messages=8)
    tally.skip("L40", "text before the first message header")
    return Analysis(
        messages=_messages(),
        promises=_promises(),
        findings=_findings(),
        risk=None,
        facts=FACTS,
        settings=Settings(tz="Europe/Berlin", as_of=dt.date(2025, 5, 20)),
        tallies=[tally],
    )
