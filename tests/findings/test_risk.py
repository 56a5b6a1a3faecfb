"""Conversation risk: several weak signals stack above one, repeats add less, reasons are shown."""

from __future__ import annotations

import pandas as pd

from chatsignals.findings.risk import conversation_risk, level_of


def finding(rule, severity, score, conv="c1", mid="m1", title=None, evidence="words"):
    return {
        "rule_id": rule, "severity": severity, "score": score, "conversation_id": conv,
        "message_ids": [mid], "title": title or rule, "evidence": evidence,
    }


def messages(*convs):
    return pd.DataFrame({
        "conversation_id": [c for c in convs],
        "message_id": [f"{c}:0" for c in convs],
    })


def risk_of(rows, convs=("c1",)):
    out = conversation_risk(pd.DataFrame(rows), messages(*convs))
    return out.set_index("conversation_id")


def test_several_weak_signals_rank_above_one():
    one = risk_of([finding("pressure.urgency", "medium", 0.5)])
    several = risk_of([
        finding("pressure.urgency", "medium", 0.5),
        finding("channel.move_off_platform", "low", 0.35),
        finding("verification.discouraged", "medium", 0.5),
    ])
    assert several.loc["c1", "risk_score"] > one.loc["c1", "risk_score"]
    assert several.loc["c1", "n_findings"] == 3 and several.loc["c1", "n_rules"] == 3


def test_repeats_of_one_rule_have_diminishing_returns():
    repeated = risk_of([finding("pressure.urgency", "medium", 0.5, mid=f"m{i}") for i in range(10)])
    varied = risk_of([
        finding("pressure.urgency", "medium", 0.5),
        finding("payment.account_change_request", "critical", 0.8),
    ])
    assert repeated.loc["c1", "risk_score"] < 0.6
    assert varied.loc["c1", "risk_score"] > repeated.loc["c1", "risk_score"]
    assert "(10x)" in repeated.loc["c1", "reasons"][0]


def test_score_stays_in_range_and_levels_follow():
    rows = [finding(f"r.{i}", "critical", 1.0) for i in range(20)]
    out = risk_of(rows)
    assert 0.99 <= out.loc["c1", "risk_score"] <= 1.0
    assert out.loc["c1", "level"] == "critical"
    assert level_of(0) == "none" and level_of(0.2) == "low" and level_of(0.5) == "medium"


def test_reasons_are_strongest_first_and_quote_evidence():
    out = risk_of([
        finding("channel.move_off_platform", "low", 0.35, title="Moves the conversation off the platform"),
        finding("email.lookalike_domain", "critical", 0.9, title="Look-alike of the seller's domain",
                evidence="From: lily@brightway-lightings.com"),
    ])
    reasons = out.loc["c1", "reasons"]
    assert reasons[0].startswith("critical: Look-alike of the seller's domain")
    assert "brightway-lightings.com" in reasons[0]
    assert out.loc["c1", "rule_ids"] == ["email.lookalike_domain", "channel.move_off_platform"]


def test_every_conversation_is_listed_riskiest_first():
    rows = [finding("payment.off_platform", "high", 0.7, conv="c2", mid="c2:0")]
    out = conversation_risk(pd.DataFrame(rows), messages("c1", "c2"))
    assert list(out["conversation_id"]) == ["c2", "c1"]
    assert out.iloc[1]["risk_score"] == 0 and out.iloc[1]["level"] == "none" and out.iloc[1]["reasons"] == []


def test_findings_without_conversation_use_their_cited_message():
    rows = [finding("delivery.missed_deadline", "high", 0.8, conv=None, mid="c2:0")]
    out = conversation_risk(pd.DataFrame(rows), messages("c1", "c2")).set_index("conversation_id")
    assert out.loc["c2", "n_findings"] == 1 and out.loc["c1", "n_findings"] == 0


def test_no_findings():
    out = conversation_risk(pd.DataFrame(), messages("c1"))
    assert list(out["level"]) == ["none"]
