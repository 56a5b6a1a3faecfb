import pandas as pd

from chatsignals.findings import merge_repeated_patterns
from chatsignals.table import finalize_findings


def test_repeated_pattern_in_one_conversation_becomes_one_finding_citing_all():
    rows = [
        {"finding_id": f"F-{i}", "rule_id": "pressure.urgency", "kind": "scam_pattern", "severity": "medium",
         "title": "Pressure to pay now", "explanation": f"On 2025-04-0{i}, the seller wrote “pay today”.",
         "message_ids": [f"m{i}"], "promise_ids": [], "score": 0.6 + i / 100, "conversation_id": "wa",
         "timestamp": pd.Timestamp(f"2025-04-0{i}T10:00Z")}
        for i in (1, 2, 3)
    ]
    rows.append({**rows[0], "finding_id": "F-x", "conversation_id": "mail", "message_ids": ["e1"]})
    rows.append({"finding_id": "F-c", "rule_id": "delivery.missed_deadline", "kind": "contradiction", "severity": "high",
                 "title": "Missed", "explanation": "x", "message_ids": ["m1"], "promise_ids": ["P1"], "score": 0.9,
                 "conversation_id": "wa", "timestamp": pd.Timestamp("2025-04-01T10:00Z")})
    merged = finalize_findings(merge_repeated_patterns(finalize_findings(pd.DataFrame(rows))))
    urgency = merged[(merged.rule_id == "pressure.urgency") & (merged.conversation_id == "wa")]
    assert len(urgency) == 1
    one = urgency.iloc[0]
    assert one.message_ids == ["m1", "m2", "m3"]
    assert "2 more message(s) up to 2025-04-03" in one.explanation
    assert one.explanation.startswith("On 2025-04-03")  # the strongest instance speaks
    assert len(merged[merged.conversation_id == "mail"]) == 1  # other conversations stay apart
    assert (merged.kind == "contradiction").sum() == 1  # contradictions are never merged


def test_a_failing_producer_is_reported_and_the_others_still_run(monkeypatch):
    import datetime as dt

    from chatsignals.findings import contradictions, find_all
    from chatsignals.table import finalize, finalize_promises

    def broken(*args, **kwargs):
        raise ValueError("boom")

    monkeypatch.setattr(contradictions, "find_contradictions", broken)
    messages = finalize(pd.DataFrame({
        "message_id": ["m1"], "conversation_id": ["c"], "role": ["seller"], "sender": ["Lily"],
        "platform": ["whatsapp"], "timestamp": [pd.Timestamp("2025-04-01T10:00Z")],
        "text": ["our account changed, pls pay to our new account in Hong Kong today"],
    }))
    notes: list[str] = []
    findings = find_all(messages, finalize_promises(pd.DataFrame()), None, dt.date(2025, 5, 1), notes)
    assert notes and "contradictions stage failed" in notes[0] and "boom" in notes[0]
    assert "payment.account_change_request" in set(findings.rule_id)
