"""Contradiction rules on realistic chats: each must fire on its case and stay quiet on the honest
near miss next to it (delay announced and met, spec confirmed, agreed partial shipment, a buyer
asking whether the account changed)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from chatsignals.facts import Facts, load_facts
from chatsignals.findings.contradictions import find_contradictions
from chatsignals.table import FINDING_COLUMNS, finalize_promises, stable_id

from .test_message_events import make_messages

AS_OF = dt.date(2025, 6, 1)


def promises_for(msgs: pd.DataFrame, specs: list[dict[str, Any]]) -> pd.DataFrame:
    """A promise table by hand: each spec names its message by 1-based index ``m``."""
    rows = []
    for n, spec in enumerate(specs, start=1):
        i = spec.pop("m") - 1
        rows.append({
            "promise_id": f"P{n}", "message_id": msgs["message_id"][i],
            "conversation_id": msgs["conversation_id"][i], "timestamp": msgs["timestamp"][i],
            "sender": "Lily Chen", "role": "seller", "strength": "firm", **spec,
        })
    return finalize_promises(pd.DataFrame(rows))


def run(rows: list[tuple[Any, ...]], promises: list[dict[str, Any]], facts: Any = None,
        as_of: dt.date = AS_OF) -> pd.DataFrame:
    msgs = make_messages(rows)
    return find_contradictions(msgs, promises_for(msgs, promises), facts, as_of)


def rule(found: pd.DataFrame, rule_id: str) -> pd.DataFrame:
    return found[found["rule_id"] == rule_id]


def facts_of(data: dict[str, Any]) -> Facts:
    return Facts.model_validate(data)


# --- delivery.missed_deadline -----------------------------------------------------------------------

PRODUCTION = [
    ("2025-03-03 10:12", "seller", "we received your deposit, production start today, will finish before March 25"),
    ("2025-03-20 09:00", "seller", "sorry dear, LED chips delay, goods ready by April 5 latest"),
]
DEADLINES = [
    {"m": 1, "category": "delivery", "kind": "commitment", "text": "will finish before March 25",
     "deadline_earliest": "2025-03-03", "deadline_latest": "2025-03-25", "deadline_anchor": "absolute"},
    {"m": 2, "category": "delivery", "kind": "commitment", "text": "goods ready by April 5 latest",
     "deadline_earliest": "2025-03-20", "deadline_latest": "2025-04-05", "deadline_anchor": "absolute"},
]


def test_missed_deadline_against_the_shipment_record() -> None:
    facts = facts_of({"events": [{"date": "2025-04-12", "type": "shipped", "note": "first carrier scan"}]})
    found = rule(run(PRODUCTION, [dict(d) for d in DEADLINES], facts), "delivery.missed_deadline")
    assert len(found) == 1  # March 25 was re-promised before it passed: only April 5 counts
    row = found.iloc[0]
    assert row["message_ids"] == ["whatsapp-1:m2"] and row["promise_ids"] == ["P2"]
    assert row["explanation"] == (
        "On 2025-03-20 the seller promised \u201cgoods ready by April 5 latest\u201d (deadline "
        "2025-04-05), but the case facts record the shipment only on 2025-04-12, 7 days late."
    )
    assert row["finding_id"] == stable_id("F", "delivery.missed_deadline", "whatsapp-1:m2")
    assert 0 < row["score"] <= 1 and row["kind"] == "contradiction"


def test_delay_announced_ahead_and_then_met_is_no_finding() -> None:
    facts = facts_of({"events": [{"date": "2025-04-04", "type": "shipped"}]})
    assert run(PRODUCTION, [dict(d) for d in DEADLINES], facts).empty


def test_re_promise_after_the_deadline_passed_leaves_the_first_missed() -> None:
    rows = [PRODUCTION[0], ("2025-03-28 09:00", "seller", "sorry, goods ready by April 5")]
    proms = [dict(DEADLINES[0]), {**DEADLINES[1], "deadline_earliest": "2025-03-28"}]
    facts = facts_of({"events": [{"date": "2025-04-04", "type": "shipped"}]})
    found = rule(run(rows, proms, facts), "delivery.missed_deadline")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1"]]
    assert "10 days late" in found["explanation"].iloc[0]


def test_nothing_recorded_by_as_of() -> None:
    found = rule(run(PRODUCTION[:1], [dict(DEADLINES[0])], None, dt.date(2025, 4, 1)),
                 "delivery.missed_deadline")
    assert "no shipment is recorded by 2025-04-01, 7 days after the deadline" in found["explanation"].iloc[0]
    # the day after the deadline with nothing known yet: still open, no finding
    assert run(PRODUCTION[:1], [dict(DEADLINES[0])], None, dt.date(2025, 3, 25)).empty


def test_event_anchored_working_days_resolved_from_facts() -> None:
    rows = [("2025-02-26 10:00", "seller", "production time 15 working days after deposit")]
    prom = {"m": 1, "category": "delivery", "kind": "commitment", "strength": "conditional",
            "text": "production time 15 working days after deposit", "deadline_anchor": "deposit",
            "deadline_text": "15 working days after deposit"}
    # deposit 2025-03-03 + 15 China working days = 2025-03-24; slack: +1 +2 working days = 03-27
    on_time = facts_of({"events": [{"date": "2025-03-03", "type": "deposit_paid"},
                                   {"date": "2025-03-27", "type": "shipped"}]})
    assert run(rows, [dict(prom)], on_time).empty
    late = facts_of({"events": [{"date": "2025-03-03", "type": "deposit_paid"},
                                {"date": "2025-04-12", "type": "shipped"}]})
    found = rule(run(rows, [dict(prom)], late), "delivery.missed_deadline")
    assert "(deadline 2025-03-24 (China working days))" in found["explanation"].iloc[0]
    assert "19 days late" in found["explanation"].iloc[0]
    # without the deposit date the anchor cannot be resolved: never guessed
    assert run(rows, [dict(prom)], facts_of({"events": [{"date": "2025-04-12", "type": "shipped"}]})).empty


def test_late_balance_payment_explains_late_dispatch_only_when_goods_were_ready() -> None:
    facts = facts_of({"events": [{"date": "2025-04-10", "type": "balance_paid"},
                                 {"date": "2025-04-12", "type": "shipped"}]})
    ready = [*PRODUCTION, ("2025-04-04 09:00", "seller", "Dear, goods are ready, pls arrange the balance")]
    assert rule(run(ready, [dict(d) for d in DEADLINES], facts), "delivery.missed_deadline").empty
    # no word of readiness: the buyer paid when the seller finally had the goods
    late = rule(run(PRODUCTION, [dict(d) for d in DEADLINES], facts), "delivery.missed_deadline")
    assert "7 days late" in late["explanation"].iloc[0]


# --- delivery.shifting_deadline ---------------------------------------------------------------------

SHIFTING = [
    *PRODUCTION,
    ("2025-04-08 10:00", "seller", "Sorry Tom, because the customs papers are not ready the goods will ship next week"),
]
SHIFT_PROMISES = [*DEADLINES, {"m": 3, "category": "delivery", "kind": "commitment",
                               "text": "the goods will ship next week", "deadline_anchor": "message",
                               "deadline_earliest": "2025-04-14", "deadline_latest": "2025-04-20"}]


def test_shifting_deadline_lists_dates_and_excuses() -> None:
    found = rule(run(SHIFTING, [dict(d) for d in SHIFT_PROMISES]), "delivery.shifting_deadline")
    assert len(found) == 1
    text = found["explanation"].iloc[0]
    assert text.startswith("The seller moved the same delivery 2 times to later dates: first 2025-03-25")
    assert "2025-04-05 on 2025-03-20 (reason given: \u201cLED chips delay\u201d)" in text
    assert "2025-04-20 on 2025-04-08 (reason given: \u201cthe customs papers are not ready\u201d)" in text
    assert found["promise_ids"].iloc[0] == ["P1", "P2", "P3"]


def test_one_re_promise_or_a_reconfirmation_is_not_shifting() -> None:
    assert rule(run(PRODUCTION, [dict(d) for d in DEADLINES]), "delivery.shifting_deadline").empty
    rows = [*PRODUCTION, ("2025-03-30 10:00", "seller", "yes dear, goods ready by April 5 as I said")]
    proms = [*(dict(d) for d in DEADLINES), {**DEADLINES[1], "m": 3, "deadline_earliest": "2025-03-30"}]
    assert rule(run(rows, proms), "delivery.shifting_deadline").empty


# --- delivery.claim_vs_record -----------------------------------------------------------------------

SHIP_CLAIM = [("2025-04-02 16:40", "seller", "goods shipped today by DHL, tracking 1234567890")]
CLAIM = [{"m": 1, "category": "delivery", "kind": "claim", "text": SHIP_CLAIM[0][2]}]


def test_shipping_claim_contradicted_by_first_scan(samples: Path) -> None:
    found = rule(run(SHIP_CLAIM, [dict(c) for c in CLAIM], load_facts(samples / "facts.yaml")),
                 "delivery.claim_vs_record")
    assert len(found) == 1
    assert found["promise_ids"].iloc[0] == ["P1"]
    assert found["explanation"].iloc[0].endswith(
        "but the case facts record the first shipment (first carrier scan) on 2025-04-12, 10 days later.")


def test_claim_matching_the_record_is_no_finding() -> None:
    facts = facts_of({"events": [{"date": "2025-04-03", "type": "shipped"}]})  # next day: time zones
    assert run(SHIP_CLAIM, [dict(c) for c in CLAIM], facts).empty
    assert run(SHIP_CLAIM, [dict(c) for c in CLAIM], None).empty  # no record: nothing to contradict


def test_production_finished_then_still_producing() -> None:
    rows = [("2025-03-24 10:00", "seller", "Dear, production finished, pls arrange balance"),
            ("2025-03-27 10:00", "buyer", "Paid. Please ship."),
            ("2025-04-01 10:00", "seller", "sorry dear the goods are still in production, chips delay")]
    found = rule(run(rows, []), "delivery.claim_vs_record")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1", "whatsapp-1:m3"]]
    ok = [rows[0], ("2025-04-01 10:00", "seller", "production finished, photos attached")]
    assert rule(run(ok, []), "delivery.claim_vs_record").empty


# --- quality.spec_mismatch --------------------------------------------------------------------------

QUALITY = [("2025-02-20 10:00", "seller", "IP65 waterproof, CE and RoHS certificate we have")]
QUALITY_PROMISE = [{"m": 1, "category": "quality", "kind": "claim", "text": QUALITY[0][2]}]


def test_inspection_contradicts_promised_specs(samples: Path) -> None:
    found = rule(run(QUALITY, [dict(q) for q in QUALITY_PROMISE], load_facts(samples / "facts.yaml")),
                 "quality.spec_mismatch")
    assert len(found) == 1
    text = found["explanation"].iloc[0]
    assert text.startswith("Promised IP65, waterproof, CE (the order specifies")
    assert "the inspection on 2025-05-02 found IP20, not waterproof, no CE" in text
    assert found["message_ids"].iloc[0] == ["whatsapp-1:m1"]


def test_spec_confirmed_by_inspection_is_no_finding() -> None:
    facts = facts_of({"events": [{"date": "2025-05-02", "type": "inspection",
                                  "findings": ["IP65 label on every reel, water spray test passed",
                                               "CE and RoHS marks on the box"]}]})
    assert run(QUALITY, [dict(q) for q in QUALITY_PROMISE], facts).empty


def test_specs_in_later_messages() -> None:
    rows = [("2025-02-20 10:00", "seller", "bowls are 304 stainless steel"),
            ("2025-05-03 10:00", "buyer", "Is it really 304 stainless?"),
            ("2025-05-05 10:00", "buyer", "our lab test shows 201 stainless, not 304 as you promised")]
    proms = [{"m": 1, "category": "quality", "kind": "claim", "text": rows[0][2]}]
    found = rule(run(rows, proms), "quality.spec_mismatch")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1", "whatsapp-1:m3"]]
    assert "found" not in found["explanation"].iloc[0] and "wrote 201 stainless steel" in found["explanation"].iloc[0]


def test_shared_words_are_not_a_spec_mismatch() -> None:
    rows = [("2025-02-20 10:00", "seller", "IP65 waterproof strips"),
            ("2025-05-03 10:00", "buyer", "the waterproof strips arrived, RoHS report also fine")]
    assert run(rows, [{"m": 1, "category": "quality", "kind": "claim", "text": rows[0][2]}]).empty


# --- quantity.shortfall ----------------------------------------------------------------------------

ORDER = {"order": {"items": [{"name": "LED strip 5050", "quantity": 5000, "unit": "pcs", "unit_price": 2.8}]}}


def test_shortfall_against_inspection() -> None:
    facts = facts_of({**ORDER, "events": [{"date": "2025-05-02", "type": "inspection", "quantity_received": 4200}]})
    found = run([("2025-05-03 10:00", "buyer", "We only received 4200 pcs")], [], facts)
    found = rule(found, "quantity.shortfall")
    assert len(found) == 1  # the buyer repeating the count is not a second finding
    assert found["explanation"].iloc[0] == (
        "The order is for 5,000 pcs (the order), but the inspection on 2025-05-02 counted 4,200 pcs, "
        "800 pcs (16%) short.")


def test_partial_shipment_agreed_by_buyer_is_no_finding() -> None:
    facts = facts_of({**ORDER, "events": [{"date": "2025-05-02", "type": "inspection", "quantity_received": 4200}]})
    rows = [("2025-04-01 10:00", "seller", "dear, can we ship 4200 pcs first and the rest 800 pcs next month?"),
            ("2025-04-01 11:00", "buyer", "OK, I agree to a partial shipment, send the rest later")]
    assert rule(run(rows, [], facts), "quantity.shortfall").empty


def test_full_quantity_and_seller_promise_baseline() -> None:
    facts = facts_of({**ORDER, "events": [{"date": "2025-05-02", "type": "inspection", "quantity_received": 5000}]})
    assert rule(run([], [], facts), "quantity.shortfall").empty
    rows = [("2025-02-25 10:00", "seller", "we will produce 3000 pcs for you"),
            ("2025-05-02 10:00", "buyer", "we counted 2750 pcs only")]
    found = rule(run(rows, [{"m": 1, "category": "quantity", "kind": "commitment", "text": rows[0][2],
                             "value": "3000 pcs"}]), "quantity.shortfall")
    assert "250 pcs (8%) short" in found["explanation"].iloc[0]
    assert found["promise_ids"].iloc[0] == ["P1"]


# --- price.changed_after_agreement ----------------------------------------------------------------

def test_price_raised_after_the_order() -> None:
    facts = facts_of({**ORDER, "case": {"currency": "USD"}, "order": {**ORDER["order"], "placed": "2025-02-27"}})
    rows = [("2025-02-24 10:00", "seller", "best price USD 3.00/pc"),  # negotiation before the order
            ("2025-03-10 10:00", "seller", "price is still USD 2.80/pc, no change"),
            ("2025-04-01 10:00", "seller", "chips cost up, from today price is USD 3.10/pc"),
            ("2025-04-01 10:05", "seller", "if you order 10000 pcs we can do USD 2.60/pc")]
    found = rule(run(rows, [], facts), "price.changed_after_agreement")
    assert found["message_ids"].tolist() == [["whatsapp-1:m3"]]
    assert "(USD 3.10, 10.7% higher)" in found["explanation"].iloc[0]


def test_negotiating_down_without_facts_is_no_finding() -> None:
    rows = [("2025-02-20 10:00", "seller", "unit price USD 3.00/pc"),
            ("2025-02-22 10:00", "seller", "ok for you USD 2.80/pc")]
    proms = [{"m": 1, "category": "price", "kind": "claim", "text": rows[0][2], "value": "USD 3.00"}]
    assert run(rows, proms).empty


# --- payment.account_changed ---------------------------------------------------------------------

COMPANY = {"order": {"payment_account": {"beneficiary": "Shenzhen Brightway Lighting Co., Ltd",
                                         "bank": "Bank of China Shenzhen Branch",
                                         "account": "7561 2345 6789 0123", "swift": "BKCHCNBJ45A"}}}
NEW_ACCOUNT = ("2025-04-01 11:00", "unknown",
               "Our company account is under tax audit, please pay balance to our new account: "
               "Beneficiary: WANG XIAOMING, Bank: HSBC Hong Kong, A/C no. 848-123456-838, SWIFT HSBCHKHHHKH")


def test_account_change_against_the_facts() -> None:
    found = rule(run([NEW_ACCOUNT], [], facts_of(COMPANY)), "payment.account_changed")
    assert len(found) == 1
    row = found.iloc[0]
    assert row["severity"] == "critical" and row["score"] >= 0.9
    assert "WANG XIAOMING" in row["explanation"] and "from the case facts" in row["explanation"]
    assert "account number, SWIFT code, beneficiary differ" in row["explanation"]


def test_account_change_against_the_first_account_in_messages() -> None:
    rows = [("2025-02-26 10:00", "seller", "Beneficiary: Shenzhen Brightway Lighting Co., Ltd, "
             "A/C no. 7561234567890123, SWIFT BKCHCNBJ45A"), NEW_ACCOUNT]
    found = rule(run(rows, []), "payment.account_changed")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1", "whatsapp-1:m2"]]


def test_buyer_asking_about_account_or_same_account_restated() -> None:
    rows = [("2025-04-01 12:00", "buyer", "Did your bank account change? Our records say "
             "A/C no. 7561 2345 6789 0123, SWIFT BKCHCNBJ45A"),
            ("2025-04-01 12:30", "seller", "No change dear, same account: Shenzhen Brightway Lighting "
             "Co., Ltd, account 7561-2345-6789-0123, SWIFT BKCHCNBJ45A")]
    assert run(rows, [], facts_of(COMPANY)).empty


# --- shape ---------------------------------------------------------------------------------------

def test_findings_table_shape_and_one_sentence(samples: Path) -> None:
    found = run([*SHIFTING, *SHIP_CLAIM, NEW_ACCOUNT], [dict(d) for d in SHIFT_PROMISES],
                load_facts(samples / "facts.yaml"))
    assert list(found.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)
    assert set(found["kind"]) == {"contradiction"}
    assert found["finding_id"].is_unique
    for text in found["explanation"]:
        assert "\n" not in text and text.endswith(".") and text.count(". ") == 0
    assert found["score"].between(0, 1).all()


def test_empty_inputs() -> None:
    empty = find_contradictions(make_messages([]), finalize_promises(pd.DataFrame()), None, AS_OF)
    assert empty.empty and list(empty.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)


@pytest.mark.parametrize("as_of", [dt.date(2025, 3, 1), AS_OF])
def test_deterministic_ids(as_of: dt.date) -> None:
    a = run(SHIFTING, [dict(d) for d in SHIFT_PROMISES], None, as_of)
    b = run(SHIFTING, [dict(d) for d in SHIFT_PROMISES], None, as_of)
    assert a["finding_id"].tolist() == b["finding_id"].tolist()


# --- findings.summary ----------------------------------------------------------------------------

def test_conversation_summary_story(samples: Path) -> None:
    from chatsignals.findings.summary import CASE_ROW, conversation_summary

    facts = load_facts(samples / "facts.yaml")
    whatsapp = make_messages([*SHIFTING, *SHIP_CLAIM])
    email = make_messages([NEW_ACCOUNT], conversation="email-1")
    msgs = pd.concat([whatsapp, email], ignore_index=True)
    proms = promises_for(whatsapp, [dict(d) for d in SHIFT_PROMISES])
    findings = find_contradictions(msgs, proms, facts, AS_OF)
    summary = conversation_summary(msgs, proms, findings, facts)
    by_conv = summary.set_index("conversation_id")
    # critical first, then high by top score (the inspection shortfall 0.92 beats the claim 0.9)
    assert list(summary["conversation_id"]) == ["email-1", CASE_ROW, "whatsapp-1"]
    assert by_conv.loc["email-1", "rule_ids"] == ["payment.account_changed"]
    wa = by_conv.loc["whatsapp-1"]
    assert wa["promises"] == 3 and wa["messages"] == 4 and wa["seller_messages"] == 4
    assert set(wa["rule_ids"]) == {"delivery.missed_deadline", "delivery.claim_vs_record",
                                   "delivery.shifting_deadline"}
    assert wa["gap"] == findings.set_index("finding_id").loc[wa["finding_ids"][0], "explanation"]
    assert any("shipped (seller's message)" in line for line in wa["happened"])
    assert any("inspection (facts)" in line for line in wa["happened"])
    assert wa["promised"][0].startswith("2025-03-03: \u201cwill finish before March 25\u201d (delivery commitment, by 2025-03-25)")
    case = by_conv.loc[CASE_ROW]  # inspection-only findings cite no message
    assert {"quality.spec_mismatch", "quantity.shortfall"} <= set(case["rule_ids"])


def test_refund_promise_with_no_refund_by_the_deadline() -> None:
    rows = [("2025-05-03 10:00", "seller", "we will refund the difference within 3 days"),
            ("2025-05-07 10:00", "seller", "finance is processing, pls wait")]
    prom = {"m": 1, "category": "refund", "kind": "commitment", "text": rows[0][2],
            "deadline_earliest": "2025-05-03", "deadline_latest": "2025-05-06", "deadline_anchor": "message"}
    found = rule(run(rows, [dict(prom)]), "refund.missed_deadline")
    assert "no refund payment is recorded by 2025-06-01, 26 days after the deadline" in found["explanation"].iloc[0]
    paid = facts_of({"events": [{"date": "2025-05-05", "type": "refund_paid", "amount": 3360}]})
    assert run(rows, [dict(prom)], paid).empty


def test_start_of_production_or_handling_is_not_a_delivery_deadline() -> None:
    rows = [("2025-03-03 10:00", "seller", "We received your deposit, production start today."),
            ("2025-05-14 10:00", "seller", "boss back next week, sure will handle")]
    proms = [{"m": 1, "category": "delivery", "kind": "commitment", "text": rows[0][2],
              "deadline_earliest": "2025-03-03", "deadline_latest": "2025-03-03", "deadline_anchor": "message"},
             {"m": 2, "category": "delivery", "kind": "commitment", "text": rows[1][2],
              "deadline_earliest": "2025-05-19", "deadline_latest": "2025-05-25", "deadline_anchor": "message"}]
    assert rule(run(rows, proms), "delivery.missed_deadline").empty


def test_deadline_of_the_finish_clause_not_the_start_clause() -> None:
    rows = [("2025-03-03 09:15", "seller", "we received your deposit, production start today, will finish before March 25"),
            ("2025-03-12 10:52", "seller", "production going well, will finish before March 25 as promised"),
            ("2025-03-20 09:00", "seller", "sorry dear, LED chips delay, goods ready by April 5 latest")]
    proms = [{"m": 1, "category": "delivery", "kind": "commitment", "text": rows[0][2], "deadline_anchor": "message",
              "deadline_earliest": "2025-03-03", "deadline_latest": "2025-03-03", "deadline_text": "today"},
             {"m": 2, "category": "delivery", "kind": "commitment", "text": rows[1][2], "deadline_anchor": "absolute",
              "deadline_earliest": "2025-03-12", "deadline_latest": "2025-03-25"},
             {**DEADLINES[1], "m": 3}]
    facts = facts_of({"events": [{"date": "2025-04-04", "type": "shipped"}]})
    # read as "today", the first promise would look missed and re-promised twice; it is March 25
    assert run(rows, proms, facts).empty


def test_missing_event_counted_until_the_dispute_was_opened() -> None:
    facts = facts_of({"events": [{"date": "2025-04-01", "type": "dispute_opened"}]})
    found = run(PRODUCTION[:1], [dict(DEADLINES[0])], facts, dt.date(2026, 11, 26))
    assert ("no shipment is recorded by 2025-04-01 (the day the dispute was opened), 7 days after "
            "the deadline") in found["explanation"].iloc[0]


def test_seller_contradicting_own_earlier_spec_claim() -> None:
    rows = [("2025-02-20 10:00", "seller", "all bowls are SUS304 stainless steel"),
            ("2025-05-06 10:00", "seller", "sorry dear, this batch material is 201 stainless, we give you discount")]
    proms = [{"m": 1, "category": "quality", "kind": "claim", "text": rows[0][2]},
             {"m": 2, "category": "quality", "kind": "claim", "text": "this batch material is 201 stainless"}]
    found = rule(run(rows, proms), "quality.spec_mismatch")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1", "whatsapp-1:m2"]]
    assert found["severity"].iloc[0] == "medium"  # the seller's own later word, maybe another line


def test_buyer_asking_for_another_spec_is_no_mismatch() -> None:
    rows = [("2025-02-20 10:00", "seller", "IP65 waterproof, CE and RoHS certificate we have"),
            ("2025-02-21 10:00", "buyer", "For the garden lights we need IP67, can you make it."),
            ("2025-02-21 10:05", "buyer", "We would like UL too")]
    assert run(rows, [dict(q) for q in QUALITY_PROMISE]).empty


def test_sample_or_remainder_counts_are_not_shortfalls() -> None:
    facts = facts_of({**ORDER, "order": {**ORDER["order"], "placed": "2025-02-27"}})
    rows = [("2025-02-20 10:00", "seller", "we shipped 2 pcs samples by DHL today"),
            ("2025-05-20 10:00", "seller", "we shipped the remaining 800 pcs today"),
            ("2025-05-21 10:00", "buyer", "received 30 pcs of spare clips")]
    assert rule(run(rows, [], facts), "quantity.shortfall").empty


def test_shortfall_against_the_quantity_a_price_was_quoted_for() -> None:
    rows = [("2025-02-18 10:00", "seller", "Price for 5000 pcs is USD 2.80/pc, FOB Shenzhen."),
            ("2025-05-02 18:00", "buyer", "Lily, we inspected the delivery today. We received 4,200 pcs, not 5000.")]
    proms = [{"m": 1, "category": "price", "kind": "claim", "text": rows[0][2], "value": "USD 2.80"}]
    found = rule(run(rows, proms), "quantity.shortfall")
    assert found["explanation"].iloc[0].startswith(
        "The order is for 5,000 pcs (the seller's \u201cPrice for 5000 pcs is USD 2.80/pc, FOB Shenzhen.\u201d), "
        "but on 2025-05-02 the buyer reported 4,200 pcs, 800 pcs (16%) short")


def test_price_change_matched_to_the_named_item() -> None:
    facts = facts_of({"case": {"currency": "USD"}, "order": {"placed": "2025-02-27", "items": [
        {"name": "LED strip 5050", "quantity": 5000, "unit_price": 2.8},
        {"name": "LED controller", "quantity": 500, "unit_price": 3.5}]}})
    rows = [("2025-04-01 10:00", "seller", "LED controller price is USD 3.50/pc as agreed"),
            ("2025-04-01 10:05", "seller", "but LED strip 5050 is now USD 3.10/pc, chips cost up")]
    found = rule(run(rows, [], facts), "price.changed_after_agreement")
    assert found["message_ids"].tolist() == [["whatsapp-1:m2"]]
    assert found["explanation"].iloc[0].startswith(
        "The agreed unit price of LED strip 5050 was USD 2.80 (in the order)")


def test_shipping_claim_contradicted_by_later_messages_without_facts() -> None:
    rows = [SHIP_CLAIM[0],
            ("2025-04-08 07:26", "seller", "Tom 先生：您好！非常抱歉货物延迟了。我们正在加紧生产，货物将于下周发出。"),
            ("2025-04-08 07:30", "buyer", "DHL tracking 1234567890 shows no movement.")]
    found = rule(run(rows, [dict(c) for c in CLAIM]), "delivery.claim_vs_record")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1", "whatsapp-1:m2"]]
    assert found["explanation"].iloc[0].endswith("so the goods had not left as claimed.")
    # the goods moving on as claimed: no finding
    ok = [SHIP_CLAIM[0], ("2025-04-04 10:00", "seller", "tracking shows the goods in Leipzig now")]
    assert rule(run(ok, [dict(c) for c in CLAIM]), "delivery.claim_vs_record").empty


def test_conversation_summary_without_findings_or_facts() -> None:
    from chatsignals.findings.summary import SUMMARY_COLUMNS, conversation_summary

    msgs = make_messages(PRODUCTION)
    proms = promises_for(msgs, [dict(d) for d in DEADLINES])
    summary = conversation_summary(msgs, proms, find_contradictions(msgs, proms, None, dt.date(2025, 3, 21)))
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    row = summary.iloc[0]
    assert row["gap"] == "No contradiction found." and row["findings"] == 0 and row["promises"] == 2
    assert row["happened"] == ["2025-03-03 deposit_paid (seller's message): we received your deposit, "
                               "production start today, will finish before March 25"]
    empty = conversation_summary(make_messages([]), finalize_promises(pd.DataFrame()),
                                 find_contradictions(make_messages([]), None, None, AS_OF))
    assert empty.empty and list(empty.columns) == list(SUMMARY_COLUMNS)


def test_deadline_before_the_promise_is_a_misread_date() -> None:
    # "2/11/19: Arrival" sent on 2 November 2019, read month-first as 11 February
    rows = [("2019-11-02 10:00", "seller", "2/11/19: Arrival")]
    prom = {"m": 1, "category": "delivery", "kind": "commitment", "text": rows[0][2],
            "deadline_earliest": "2019-02-11", "deadline_latest": "2019-02-11", "deadline_anchor": "absolute"}
    assert run(rows, [prom]).empty


# --- regressions from the e2e acceptance cases (towels, yoga mats) ------------------------------

TOWELS = [
    ("2025-01-15 14:20", "seller", "Dear Mike, confirmed. Production time 4 weeks after deposit, the goods will be ready to ship by February 14."),
    ("2025-02-07 07:45", "seller", "Mike, I am sorry, our dyeing house had a machine breakdown. The goods will be ready by February 28, I promise."),
    ("2025-02-27 09:31", "seller", "Hello Mike, this is Mehmet from the export department. Cotton yarn arrived late, we need a little more time. Shipment will be March 14 for sure."),
    ("2025-02-27 14:03", "seller", "Yes Mike, March 14 is final. All 3,000 pcs will be loaded on March 14."),
    ("2025-03-17 09:05", "seller", "Mike, the truck was not available last week, loading is now March 20. Very sorry."),
    ("2025-04-18 20:22", "buyer", "Container arrived in Columbus today. We counted 2,600 towels, not 3,000. Four cartons of 100 pcs are missing against the packing list."),
]


def _towel_promises() -> list[dict[str, Any]]:
    dates = ["2025-02-14", "2025-02-28", "2025-03-14", "2025-03-14", "2025-03-20"]
    texts = ["the goods will be ready to ship by February 14.", "The goods will be ready by February 28, I promise.",
             "Shipment will be March 14 for sure.", "All 3,000 pcs will be loaded on March 14.",
             "loading is now March 20."]
    return [{"m": i + 1, "category": "delivery", "kind": "commitment", "text": t, "deadline_anchor": "absolute",
             "deadline_earliest": TOWELS[i][0][:10], "deadline_latest": d}
            for i, (t, d) in enumerate(zip(texts, dates, strict=True))]


def test_towels_shifting_reasons_one_missed_deadline_and_counted_nouns() -> None:
    facts = facts_of({"order": {"placed": "2025-01-15", "items": [
        {"name": "bath towel 70x140", "quantity": 3000, "unit": "pcs"}]},
        "events": [{"date": "2025-03-20", "type": "shipped"}]})
    found = run(TOWELS, _towel_promises(), facts)
    shift = rule(found, "delivery.shifting_deadline")["explanation"].iloc[0]
    assert "moved the same delivery 3 times" in shift and "no reason given" not in shift
    assert "(reason given: \u201cCotton yarn arrived late\u201d)" in shift
    assert "2025-03-20 on 2025-03-17 (reason given: \u201cthe truck was not available last week\u201d)" in shift
    missed = rule(found, "delivery.missed_deadline")
    assert len(missed) == 1 and missed["message_ids"].iloc[0] == ["whatsapp-1:m3", "whatsapp-1:m4"]
    assert "confirmed again on 2025-02-27" in missed["explanation"].iloc[0]
    short = rule(found, "quantity.shortfall")["explanation"].iloc[0]
    assert "reported 2,600 pcs, 400 pcs (13%) short" in short  # not the "cartons of 100 pcs"


def test_carrier_eta_gets_a_week_and_thickness_matches_measure() -> None:
    rows = [("2025-01-08 10:00", "seller", "Hello Olivia, confirmed. 6mm TPE, 183x61cm, 1000pcs, USD 4500 total."),
            ("2025-01-31 10:00", "seller", "Goods shipped today by sea, ETA Montreal March 10.")]
    proms = [{"m": 1, "category": "price", "kind": "claim", "text": "6mm TPE, 183x61cm, 1000pcs, USD 4500 total."},
             {"m": 2, "category": "delivery", "kind": "commitment", "text": rows[1][2], "deadline_anchor": "absolute",
              "deadline_earliest": "2025-03-10", "deadline_latest": "2025-03-10"}]
    facts = facts_of({"order": {"items": [{"name": "TPE yoga mat", "quantity": 1000, "specs": ["6 mm thick"]}]},
                      "events": [{"date": "2025-03-12", "type": "delivered"},
                                 {"date": "2025-03-12", "type": "inspection", "quantity_received": 1000,
                                  "findings": ["150 mats measure 4 mm instead of 6 mm"]}]})
    found = run(rows, [dict(p) for p in proms], facts)
    assert rule(found, "delivery.missed_deadline").empty  # ETA two days late: an estimate
    spec = rule(found, "quality.spec_mismatch")
    assert spec["message_ids"].iloc[0] == ["whatsapp-1:m1"]
    assert "but the inspection on 2025-03-12 found 4mm" in spec["explanation"].iloc[0]
    late = facts_of({"events": [{"date": "2025-03-24", "type": "delivered"}]})
    later = rule(run(rows, [dict(p) for p in proms], late), "delivery.missed_deadline")
    assert "14 days late" in later["explanation"].iloc[0]


def test_steel_grade_and_thickness_from_an_xrf_report() -> None:
    rows = [("2025-02-24 10:00", "seller", "All our work tables are SUS304 food grade stainless steel, "
             "top 1.2mm thickness, undershelf 1.0mm, adjustable feet.")]
    proms = [{"m": 1, "category": "quality", "kind": "claim", "text": rows[0][2]}]
    facts = facts_of({"order": {"items": [{"name": "work table", "specs": ["SUS304 food grade", "1.2 mm top"]}]},
                      "events": [{"date": "2025-06-02", "type": "inspection", "findings": [
                          "XRF on 10 tables: Ni 1.0-1.2%, Mn 7.1-7.6%: grade 201, not SUS304",
                          "table tops measure 1.0 mm, not 1.2 mm"]}]})
    text = rule(run(rows, proms, facts), "quality.spec_mismatch")["explanation"].iloc[0]
    # decimals do not end sentences: no "2mm" out of "1.2 mm"
    assert "found 201 stainless steel, 1mm (" in text and " 2mm" not in text


def test_delay_told_only_when_the_buyer_chases_is_not_announced() -> None:
    rows = [("2024-12-02 10:00", "seller", "We will ship before Chinese New Year."),
            ("2025-01-22 09:00", "buyer", "Amy, any news? Has the container left?"),
            ("2025-01-22 10:00", "seller", "Sorry Kenji, many workers went home early for the holiday. "
             "We will ship right after the holiday, around Feb 10.")]
    proms = [{"m": 1, "category": "delivery", "kind": "commitment", "text": rows[0][2], "deadline_anchor": "holiday",
              "deadline_earliest": "2024-12-02", "deadline_latest": "2025-01-27"},
             {"m": 3, "category": "delivery", "kind": "commitment", "strength": "hedged",
              "text": "We will ship right after the holiday, around Feb 10.", "deadline_anchor": "absolute",
              "deadline_earliest": "2025-02-10", "deadline_latest": "2025-02-10"}]
    facts = facts_of({"events": [{"date": "2025-02-12", "type": "shipped"}]})
    found = run(rows, [dict(p) for p in proms], facts)
    missed = rule(found, "delivery.missed_deadline")
    assert missed["message_ids"].tolist() == [["whatsapp-1:m1"]]  # "around Feb 10" kept (estimate)
    assert "16 days late" in missed["explanation"].iloc[0]
    shift = rule(found, "delivery.shifting_deadline")["explanation"].iloc[0]
    assert shift.startswith("The seller moved the same delivery once to a later date: first 2025-01-27")
    # the same move volunteered ahead, without the buyer asking, and kept: nothing to report
    told = [rows[0], ("2025-01-20 10:00", "buyer", "Thanks for the photos."), rows[2]]
    assert run(told, [dict(p) for p in proms], facts_of({"events": [{"date": "2025-02-10", "type": "shipped"}]})).empty


def test_deadline_borrowed_from_the_buyer_is_not_the_sellers() -> None:
    rows = [("2025-04-15 09:00", "buyer", "Kelly, it is April 15. I will report this to Alibaba."),
            ("2025-04-15 10:00", "seller", "Dear don't worry, bank system is upgrading, the refund will be "
             "processed after the upgrade.")]
    prom = {"m": 2, "category": "refund", "kind": "commitment", "text": rows[1][2], "deadline_anchor": "absolute",
            "deadline_earliest": "2025-04-15", "deadline_latest": "2025-04-15", "deadline_text": "April 15"}
    assert run(rows, [prom], None, dt.date(2025, 4, 20)).empty


def test_bare_ok_takes_the_requests_deadline_a_long_answer_does_not() -> None:
    rows = [("2025-04-01 09:00", "buyer", "Can you ship by April 5?"),
            ("2025-04-01 10:00", "seller", "ok dear no problem")]
    ok = {"m": 2, "category": "delivery", "kind": "commitment", "text": rows[1][2], "deadline_anchor": "absolute",
          "deadline_earliest": "2025-04-01", "deadline_latest": "2025-04-05", "deadline_text": "by April 5",
          "answers_message_id": "whatsapp-1:m1"}
    facts = facts_of({"events": [{"date": "2025-04-12", "type": "shipped"}]})
    assert len(rule(run(rows, [dict(ok)], facts), "delivery.missed_deadline")) == 1
    long = [rows[0], ("2025-04-01 10:00", "seller", "Dear don't worry, the goods will be shipped after the "
                      "factory holiday, we are checking the schedule")]
    answer = {**ok, "text": long[1][2]}
    assert rule(run(long, [answer], facts), "delivery.missed_deadline").empty


# --- Chinese chat -------------------------------------------------------------------------------

HINGES = [
    ("2025-09-20 10:15", "seller", "收到定金后15个工作日内发货。"),
    ("2025-10-15 09:12", "buyer", "刘小姐，货什么时候可以发？"),
    ("2025-10-15 11:40", "seller", "陈总不好意思，国庆放假工人回来晚了，下周五之前一定发货。"),
    ("2025-10-24 18:20", "seller", "陈总，电镀厂排期延误，最迟下周二发货，请放心。"),
    ("2025-10-28 15:05", "seller", "今天已发货，物流单号 SF1234567890123。"),
    ("2025-11-03 16:45", "seller", "陈总，少的500套我们下周补发。"),
    ("2025-11-10 10:30", "seller", "还在生产，老板出差了，等他回来安排。"),
]
HINGE_PROMISES = [
    {"m": 1, "category": "delivery", "kind": "commitment", "text": HINGES[0][2], "strength": "conditional",
     "deadline_anchor": "deposit", "deadline_text": "收到定金后15个工作日内",
     "deadline_earliest": "2025-09-22", "deadline_latest": "2025-10-17"},
    {"m": 3, "category": "delivery", "kind": "commitment", "text": HINGES[2][2], "deadline_anchor": "message",
     "deadline_earliest": "2025-10-15", "deadline_latest": "2025-10-24"},
    {"m": 4, "category": "delivery", "kind": "commitment", "text": HINGES[3][2], "deadline_anchor": "message",
     "deadline_earliest": "2025-10-24", "deadline_latest": "2025-10-28"},
    {"m": 5, "category": "delivery", "kind": "claim", "text": HINGES[4][2], "deadline_anchor": "message",
     "deadline_earliest": "2025-10-28", "deadline_latest": "2025-10-28"},
    {"m": 6, "category": "delivery", "kind": "commitment", "text": HINGES[5][2], "deadline_anchor": "message",
     "deadline_earliest": "2025-11-10", "deadline_latest": "2025-11-16"},
]


def test_chinese_delays_chased_with_a_full_width_question_mark() -> None:
    """The buyer's "？" is a question: the first new date was chased, so the 15 working days stay
    missed; the Chinese excuses are quoted; shipping the missing 500 (补发) is another delivery."""
    facts = facts_of({"events": [{"date": "2025-09-22", "type": "deposit_paid"},
                                 {"date": "2025-10-28", "type": "shipped"}]})
    found = run(HINGES, [dict(p) for p in HINGE_PROMISES], facts, dt.date(2025, 11, 12))
    missed = rule(found, "delivery.missed_deadline")
    assert missed["promise_ids"].tolist() == [["P1"]]
    assert "deadline 2025-10-17 (China working days)" in missed["explanation"].iloc[0]
    shift = rule(found, "delivery.shifting_deadline")
    assert shift["promise_ids"].tolist() == [["P1", "P2", "P3"]]
    text = shift["explanation"].iloc[0]
    assert "(reason given: \u201c国庆放假工人回来晚了\u201d)" in text
    assert "(reason given: \u201c电镀厂排期延误\u201d)" in text
    assert rule(found, "delivery.claim_vs_record").empty  # the record confirms the 10-28 shipment


def test_chinese_shipping_claim_and_later_messages_without_facts() -> None:
    claim = [{"m": 1, "category": "delivery", "kind": "claim", "text": HINGES[4][2]}]
    not_left = [HINGES[4], ("2025-11-03 16:45", "seller", "陈总不好意思，还没发货，下周发。")]
    found = rule(run(not_left, [dict(c) for c in claim]), "delivery.claim_vs_record")
    assert found["message_ids"].tolist() == [["whatsapp-1:m1", "whatsapp-1:m2"]]
    # shipping the missing part next week says nothing against the first shipment
    remainder = [HINGES[4], HINGES[5]]
    assert rule(run(remainder, [dict(c) for c in claim]), "delivery.claim_vs_record").empty
