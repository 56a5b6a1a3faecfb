"""The scam-pattern rule library: schema, every rule's own tests, and the engine on conversations."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from chatsignals.findings.rules import engine
from chatsignals.findings.rules.checks import CheckState, non_platform_link, platform_lookalike_link
from chatsignals.findings.rules.engine import (
    RuleError,
    compiled_rules,
    load_rules,
    parse_rule,
    rule_files,
    run_rules,
    test_rule,
)
from chatsignals.table import FINDING_COLUMNS

CONTRACT_IDS = {
    "payment.off_platform", "payment.untraceable_method", "payment.account_change_request",
    "payment.third_party_account", "payment.full_prepayment", "fee.advance_fee",
    "pressure.urgency", "channel.move_off_platform", "verification.discouraged", "refund.stalling",
}
EXTRA_IDS = {
    "payment.foreign_account", "refund.different_account", "platform.fake_notice",
    "price.below_market", "verification.inspection_refused", "price.repricing_after_deposit",
}
RULES = {c.rule.id: c for c in compiled_rules()}


def conversation(*turns: tuple[str, str], conv: str = "c1") -> pd.DataFrame:
    """(role, text) turns one day apart, as a message table slice."""
    start = pd.Timestamp("2025-03-01T09:00:00Z")
    return pd.DataFrame(
        {
            "conversation_id": [conv] * len(turns),
            "message_id": [f"{conv}:{i}" for i in range(len(turns))],
            "timestamp": [start + pd.Timedelta(days=i) for i in range(len(turns))],
            "sender": ["Lily Chen" if r == "seller" else "Tom Becker" for r, _ in turns],
            "role": [r for r, _ in turns],
            "text": [t for _, t in turns],
            "is_system": [False] * len(turns),
        }
    )


def test_library_has_every_rule_id_of_the_contract_and_the_extras():
    assert set(RULES) == CONTRACT_IDS | EXTRA_IDS


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_passes_its_own_tests(rule_id):
    crule = RULES[rule_id]
    assert len(crule.rule.tests.match) >= 4 and len(crule.rule.tests.no_match) >= 4
    assert test_rule(crule) == []


@pytest.mark.parametrize("rule_id", sorted(RULES))
def test_rule_cites_public_guidance(rule_id):
    refs = RULES[rule_id].rule.references
    assert refs and all(r.url.startswith("https://") for r in refs)


def _rule_text(name: str) -> str:
    return dict(rule_files())[name]


def test_schema_rejects_unknown_fields():
    text = _rule_text("pressure_urgency.yaml") + "\nseverity: high\n"
    with pytest.raises(RuleError, match="severity"):
        parse_rule(text, "x.yaml")


def test_schema_rejects_rules_without_tests_or_references():
    text = _rule_text("pressure_urgency.yaml")
    no_refs = text.replace("references:", "references_old:")
    with pytest.raises(RuleError):
        parse_rule(no_refs, "x.yaml")
    few_tests = text.split("tests:")[0] + 'tests:\n  match: ["pay now"]\n  no_match: ["hello"]\n'
    with pytest.raises(RuleError, match="at least 4"):
        parse_rule(few_tests, "x.yaml")


def test_schema_rejects_duplicate_ids_and_bad_regexes():
    text = _rule_text("pressure_urgency.yaml")
    with pytest.raises(RuleError, match="duplicate rule id"):
        load_rules([("a.yaml", text), ("b.yaml", text)])
    broken = text.replace("regexes:\n", "regexes:\n    - '(unclosed'\n", 1)
    with pytest.raises(RuleError, match="does not compile"):
        parse_rule(broken, "x.yaml")


def test_main_test_reports_every_rule_and_exit_code():
    out = io.StringIO()
    assert engine.main_test(out) == 0
    text = out.getvalue()
    assert all(rule_id in text for rule_id in RULES)
    assert f"{len(RULES)}/{len(RULES)} rules pass" in text


def test_main_list_lists_ids_and_severities():
    out = io.StringIO()
    assert engine.main_list(out) == 0
    assert "payment.account_change_request" in out.getvalue() and "critical" in out.getvalue()


def test_story_conversation_findings_are_shaped_and_explained():
    msgs = conversation(
        ("seller", "add my whatsapp +86 138 0000 0000 for faster talk"),
        ("seller", "our company account is under tax audit, please pay balance to our new account"),
        ("seller", "pls pay balance today, price of chips going up, after today we can not keep price"),
        ("seller", "no need third party inspection, we check every reel ourselves"),
        ("buyer", "Can I pay by Western Union instead?"),
    )
    found = run_rules(msgs)
    assert list(found.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)
    by_rule = dict(zip(found["rule_id"], found["message_ids"], strict=True))
    assert by_rule["channel.move_off_platform"] == ["c1:0"]
    assert by_rule["payment.account_change_request"] == ["c1:1"]
    assert by_rule["pressure.urgency"] == ["c1:2"]
    assert by_rule["verification.discouraged"] == ["c1:3"]
    assert "payment.untraceable_method" not in by_rule  # the buyer asked, the seller did not
    row = found[found["rule_id"] == "payment.account_change_request"].iloc[0]
    assert row["kind"] == "scam_pattern" and row["severity"] == "critical"
    assert "2025-03-02" in row["explanation"] and "tax audit" in row["explanation"]
    assert "new account" in row["evidence"]
    assert row["finding_id"] == engine.stable_id("F", "payment.account_change_request", "c1:1")
    assert 0 < row["score"] <= 1


def test_negations_and_questions_do_not_fire():
    msgs = conversation(
        ("seller", "We never ask you to pay outside Alibaba, please use Trade Assurance."),
        ("seller", "We do not accept Western Union or bitcoin."),
        ("buyer", "did your account change?"),
        ("seller", "Our account is the same as on the PI, nothing changed."),
    )
    assert run_rules(msgs).empty


def test_requests_phrased_as_questions_and_tag_questions_still_fire():
    msgs = conversation(
        ("seller", "Sir, is it ok for you to pay by western union to our manager name? bank is slow"),
        ("seller", "Our finance will send the refund by our other company account in Hong Kong, is that ok?"),
        ("seller", "Is our account the same as before, right?"),
    )
    by_message = run_rules(msgs).explode("message_ids").groupby("message_ids")["rule_id"].apply(set)
    assert {"payment.untraceable_method", "payment.third_party_account"} <= by_message["c1:0"]
    assert "refund.different_account" in by_message["c1:1"]
    assert "c1:2" not in by_message  # opens as a question: the tag does not make it a statement


def test_a_denied_request_covers_its_whole_clause():
    denied = conversation(
        ("seller", "We never ask customers to pay to a personal account; all payment goes to the company."),
    )
    assert run_rules(denied).empty
    # a far-away negation that denies no request does not cancel the hit
    far = conversation(
        ("seller", "There is no problem with the goods so please pay the balance to my personal account."),
    )
    assert "payment.third_party_account" in set(run_rules(far)["rule_id"])


def test_non_native_spelling_is_read():
    msgs = conversation(("seller", "pls send the balanse by westen union, our acount have problem"))
    rules = set(run_rules(msgs)["rule_id"])
    assert {"payment.untraceable_method", "payment.account_change_request"} <= rules


def test_refund_stalling_stacks_delays_after_the_refund_promise():
    msgs = conversation(
        ("seller", "we will refund the difference within 3 days"),
        ("buyer", "Any news about the refund?"),
        ("seller", "finance is processing, pls wait"),
        ("seller", "boss is travelling, next week"),
    )
    found = run_rules(msgs)
    stall = found[found["rule_id"] == "refund.stalling"]
    assert len(stall) == 1
    assert stall.iloc[0]["message_ids"] == ["c1:0", "c1:2", "c1:3"]
    assert "2 times" in stall.iloc[0]["explanation"]


def test_delays_without_refund_context_are_not_stalling():
    msgs = conversation(
        ("seller", "Goods will be ready on April 5."),
        ("seller", "sorry, please wait, next week"),
    )
    assert "refund.stalling" not in set(run_rules(msgs)["rule_id"])


def test_a_question_sets_the_scene_for_a_conversation_rule():
    msgs = conversation(
        ("buyer", "Refund??"),
        ("seller", "sorry, please wait, next week"),
        ("seller", "pls wait more, next week sure"),
    )
    stall = run_rules(msgs)
    assert list(stall["rule_id"]) == ["refund.stalling"]
    assert stall.iloc[0]["message_ids"] == ["c1:0", "c1:1", "c1:2"]


def test_refund_promise_from_the_promises_table_anchors_stalling():
    msgs = conversation(
        ("seller", "ok dear, we will handle it"),
        ("seller", "pls wait a few more days"),
    )
    promises = pd.DataFrame({"promise_id": ["P1"], "message_id": ["c1:0"], "category": ["refund"]})
    found = run_rules(msgs, promises)
    stall = found[found["rule_id"] == "refund.stalling"].iloc[0]
    assert stall["promise_ids"] == ["P1"] and stall["message_ids"] == ["c1:0", "c1:1"]


def test_repricing_only_after_the_deposit():
    before = conversation(
        ("seller", "Material cost went up, the price is USD 3.00/pc now."),
        ("seller", "Please pay the 30% deposit to start."),
    )
    assert "price.repricing_after_deposit" not in set(run_rules(before)["rule_id"])
    after = conversation(
        ("seller", "we received your deposit, production start today"),
        ("seller", "Material cost went up, the price is USD 3.00/pc now."),
    )
    found = run_rules(after)
    assert found[found["rule_id"] == "price.repricing_after_deposit"].iloc[0]["message_ids"] == ["c1:0", "c1:1"]


def test_deposit_event_in_facts_anchors_repricing():
    msgs = conversation(("seller", "sorry, new price USD 3.20/pc because copper"))
    facts = {"events": [{"date": "2025-02-27", "type": "deposit_paid", "amount": 4200}]}
    assert "price.repricing_after_deposit" in set(run_rules(msgs, None, facts)["rule_id"])


def test_bank_details_feed_account_change_third_party_and_foreign_rules():
    msgs = conversation(
        ("seller", "Our account: Shenzhen Brightway Lighting Co., Ltd, account 7561 2345 6789 0123, "
                   "SWIFT BKCHCNBJ45A"),
        ("seller", "Please pay the balance. Beneficiary: WANG XIAOMING, A/C 848-123456-838, "
                   "SWIFT HSBCHKHHHKH"),
    )
    found = run_rules(msgs)
    cited = {r: ids for r, ids in zip(found["rule_id"], found["message_ids"], strict=True)}
    assert cited["payment.account_change_request"] == ["c1:1"]
    assert cited["payment.third_party_account"] == ["c1:1"]
    assert cited["payment.foreign_account"] == ["c1:1"]
    assert "HSBCHKHHHKH" in found[found["rule_id"] == "payment.foreign_account"].iloc[0]["evidence"]


def test_same_account_again_is_not_a_change():
    acct = "Our account: Shenzhen Brightway Lighting Co., Ltd, account 7561 2345 6789 0123, SWIFT BKCHCNBJ45A"
    msgs = conversation(("seller", acct), ("seller", "Balance please to " + acct))
    assert run_rules(msgs).empty


def test_below_market_uses_the_facts_reference_price():
    msgs = conversation(("seller", "Special price for you: USD 1.10/pc, 5000 pcs ready."))
    assert run_rules(msgs).empty
    facts = {"order": {"items": [{"name": "LED strip", "market_price": 2.8}]}}
    found = run_rules(msgs, None, facts)
    assert list(found["rule_id"]) == ["price.below_market"]
    assert "USD 1.10" in found.iloc[0]["evidence"]


def test_fake_notice_needs_a_link_off_alibaba():
    real = conversation(("seller", "Alibaba Trade Assurance notice: please pay at https://biz.alibaba.com/ta/231145678901"))
    fake = conversation(("seller", "Alibaba Trade Assurance notice: please pay at https://alibaba-ta-pay.com/231145678901"))
    assert run_rules(real).empty
    assert "platform.fake_notice" in set(run_rules(fake)["rule_id"])


def test_links_are_found_without_a_scheme_with_many_labels_and_at_a_sentence_end():
    text = ("Verify at alipay-verify.xyz now, or log in at www.alibaba.com.secure-login.top/confirm and "
            "see our shop at shop.mail.brightway-lighting.com.cn. Real one: https://biz.alibaba.com/ta/1")
    state = CheckState()
    assert [text[a:b] for a, b in non_platform_link(text, state)] == [
        "alipay-verify.xyz", "www.alibaba.com.secure-login.top/confirm", "shop.mail.brightway-lighting.com.cn",
    ]
    assert [text[a:b] for a, b in platform_lookalike_link(text, state)] == [
        "alipay-verify.xyz", "www.alibaba.com.secure-login.top/confirm",
    ]


def test_empty_and_system_rows():
    assert run_rules(pd.DataFrame()).empty
    msgs = conversation(("system", "Messages are end-to-end encrypted. pay now"))
    msgs["is_system"] = True
    assert run_rules(msgs).empty


def test_hard_wrapped_email_sentence_is_read_whole():
    text = ("Dear Tom,\n\nSorry to inform you, our company account is under tax audit now and can not\n"
            "receive payment. Please pay the balance to our new account below.")
    found = run_rules(conversation(("seller", text)))
    row = found[found["rule_id"] == "payment.account_change_request"].iloc[0]
    assert "can not receive payment" in row["explanation"]
    assert "\n" not in row["evidence"]


def test_schema_rejects_a_key_written_twice():
    text = _rule_text("pressure_urgency.yaml").replace("level: medium", "level: medium\nlevel: high", 1)
    with pytest.raises(RuleError, match="duplicate key 'level'"):
        parse_rule(text, "x.yaml")


@pytest.mark.parametrize(
    ("platform", "facts", "marketplace"),
    [
        ("telegram", None, False),
        ("email", {"case": {"platform": "email"}}, False),
        ("alibaba", None, True),
        ("whatsapp", {"case": {"platform": "Alibaba.com"}}, True),
    ],
)
def test_explanations_speak_of_the_platform_only_where_there_is_one(platform, facts, marketplace):
    msgs = conversation(
        ("seller", "Pay the deposit in USDT only, bank is too slow."),
        ("seller", "Please write to my gmail lily.chen88@gmail.com from now on."),
    ).assign(platform=platform)
    found = run_rules(msgs, facts=facts, use_model=False)
    said = dict(zip(found["rule_id"], found["explanation"], strict=True))
    untraceable, channel = said["payment.untraceable_method"], said["channel.move_off_platform"]
    assert ("Trade Assurance" in untraceable) is marketplace
    assert ("off the platform" in channel) is marketplace
    assert "USDT" in untraceable and "gmail" in channel  # the seller's words are quoted either way


def test_sentence_of_matches_spacy_span_sent_and_questions_are_decided_per_sentence():
    """The engine's bisected sentence lookup gives spaCy's ``span.sent`` for every span, and a
    question is decided once per sentence (hits in one long sentence share the answer)."""
    text = ("Dear, is your old account closed? We ship now. pay here please, the old bank is closed "
            "ok then? fine " + "pls pay to the new account, " * 50)
    _original, doc = engine.analyse(text)
    for start in range(len(doc)):
        for end in range(start + 1, min(len(doc), start + 6) + 1):
            span = doc[start:end]
            assert (engine.sentence_of(span).start, engine.sentence_of(span).end) == (
                span.sent.start, span.sent.end)
    asks = [engine.is_question(doc[i : i + 1]) for i in range(len(doc))]
    assert asks[2] is True and asks[len(doc) - 3] is False
    assert set(doc.user_data[engine.QUESTIONS_KEY]) <= {s.start for s in doc.sents}


def test_one_long_unpunctuated_message_is_read_whole():
    """A pasted wall of text without a full stop is one sentence of thousands of words: every
    hit in it is still found and kept (the sentence is looked up, not walked, per hit)."""
    text = "dear friend " + "pls pay to our new account, " * 400 + "thanks"
    found = run_rules(conversation(("seller", text)))
    assert "payment.account_change_request" in set(found["rule_id"])
