"""E-mail identity signals on realistic header sets, and their near misses."""

from __future__ import annotations

import pandas as pd
import pytest

from chatsignals.findings.email_signals import (
    decode_idna,
    domain_of,
    find_email_signals,
    lookalike_reason,
    registrable,
)
from chatsignals.table import FINDING_COLUMNS

PASS = "mx.becker-shop.de; spf=pass smtp.mailfrom=brightway-lighting.com; dkim=pass header.d=brightway-lighting.com; dmarc=pass"
SPOOF = ("mx.becker-shop.de; spf=fail (sender IP is 185.220.101.7) smtp.mailfrom=brightway-lightings.com; "
         "dkim=none (message not signed); dmarc=fail action=none header.from=brightway-lightings.com")


def mail(mid, day, address, role="unknown", name="Lily Chen", reply_to=None, auth=PASS, conv="thread-1"):
    return {
        "conversation_id": conv, "message_id": mid,
        "timestamp": pd.Timestamp(f"2025-{day}T08:00:00Z"), "sender": f"{name} <{address}>",
        "role": role, "from_name": name, "from_address": address, "reply_to": reply_to,
        "auth_results": auth, "received_first_hop": "from mail.example.net", "text": "...",
        "platform": "email",
    }


def frame(*rows):
    return pd.DataFrame(list(rows))


def story():
    return frame(
        mail("m1", "03-28", "lily@brightway-lighting.com", role="seller"),
        mail("m2", "03-29", "tom@becker-shop.de", role="buyer", name="Tom Becker", auth=None),
        mail("m3", "04-01", "lily@brightway-lightings.com", reply_to="lily.brightway@gmail.com", auth=SPOOF),
    )


def rules_for(found, mid):
    return {r for r, ids in zip(found["rule_id"], found["message_ids"], strict=True) if mid in ids}


def test_story_impostor_mail_raises_all_four_signals():
    found = find_email_signals(story())
    assert list(found.columns[: len(FINDING_COLUMNS)]) == list(FINDING_COLUMNS)
    assert rules_for(found, "m3") == {
        "email.lookalike_domain", "email.reply_to_mismatch", "email.auth_failure", "email.sender_changed",
    }
    assert rules_for(found, "m1") == set() and rules_for(found, "m2") == set()
    look = found[found["rule_id"] == "email.lookalike_domain"].iloc[0]
    assert look["kind"] == "email" and look["severity"] == "critical"
    assert "brightway-lightings.com" in look["explanation"] and "one letter added" in look["explanation"]
    assert "2025-04-01" in look["explanation"]
    auth = found[found["rule_id"] == "email.auth_failure"].iloc[0]
    assert "spf=fail" in auth["explanation"] and "dmarc=fail" in auth["explanation"]


def test_facts_name_the_seller_domain():
    rows = frame(mail("m1", "04-01", "lily@brightway-lightings.com", conv="new-thread"))
    assert "email.lookalike_domain" not in set(find_email_signals(rows)["rule_id"])
    facts = {"parties": {"seller": ["Lily Chen", "lily@brightway-lighting.com"], "buyer": ["tom@becker-shop.de"]}}
    found = find_email_signals(rows, facts)
    assert set(found["rule_id"]) == {"email.lookalike_domain"}


@pytest.mark.parametrize(
    ("domain", "reason"),
    [
        ("brightway-lightings.com", "one letter added"),
        ("brightwaylighting.com", "hyphen"),
        ("brightway-lighting.net", "different ending"),
        ("brightway-1ighting.com", "look-alike characters"),
        ("brightvvay-lighting.com", "look-alike characters"),
        ("br\u0456ghtway-lighting.com".encode("idna").decode("ascii"), "punycode"),
    ],
)
def test_lookalike_kinds(domain, reason):
    found = lookalike_reason(decode_idna(domain), "brightway-lighting.com")
    assert found is not None and reason in found


@pytest.mark.parametrize(
    "domain", ["brightway-lighting.com", "mail.brightway-lighting.com", "becker-shop.de", "gmail.com", "alibaba.com"]
)
def test_not_lookalikes(domain):
    assert lookalike_reason(domain, "brightway-lighting.com") is None


def test_near_misses_stay_quiet():
    rows = frame(
        mail("m1", "03-28", "lily@brightway-lighting.com", role="seller"),
        # a colleague on a subdomain, Reply-To at the same company, authentication passing
        mail("m2", "04-08", "wang@mail.brightway-lighting.com", role="seller", name="王经理",
             reply_to="sales@brightway-lighting.com"),
        mail("m3", "04-09", "lily@brightway-lighting.com", role="seller",
             auth="mx.becker-shop.de; spf=pass; dkim=pass; dmarc=pass"),
    )
    assert find_email_signals(rows).empty


def test_reply_to_to_another_company_is_flagged_medium_or_high():
    rows = frame(
        mail("m1", "03-28", "lily@brightway-lighting.com", role="seller",
             reply_to="accounts@brightway-finance-hk.com"),
    )
    found = find_email_signals(rows)
    row = found[found["rule_id"] == "email.reply_to_mismatch"].iloc[0]
    assert row["severity"] in ("medium", "high")
    assert "accounts@brightway-finance-hk.com" in row["explanation"]


def test_softfail_is_medium_and_buyer_mail_is_ignored():
    rows = frame(
        mail("m1", "03-28", "lily@brightway-lighting.com", role="seller", auth="spf=softfail smtp.mailfrom=brightway-lighting.com"),
        mail("m2", "03-29", "tom@becker-shop.de", role="buyer", name="Tom", auth="spf=fail; dmarc=fail"),
    )
    found = find_email_signals(rows)
    assert list(found["rule_id"]) == ["email.auth_failure"]
    assert found.iloc[0]["severity"] == "medium" and found.iloc[0]["message_ids"] == ["m1"]


def test_free_mail_replacing_company_address_mid_thread():
    rows = frame(
        mail("m1", "03-28", "lily@brightway-lighting.com", role="seller"),
        mail("m2", "04-01", "lily.brightway@gmail.com"),
    )
    found = find_email_signals(rows)
    changed = found[found["rule_id"] == "email.sender_changed"]
    assert set(changed["message_ids"].map(tuple)) == {("m2",)}
    assert any("free-mail" in e for e in changed["explanation"])


def test_free_mail_impostor_in_a_new_thread_uses_the_sellers_name():
    rows = frame(
        mail("m1", "03-28", "lily@brightway-lighting.com", role="seller"),
        mail("m2", "04-01", "lily.brightway@gmail.com", conv="thread-2"),
        mail("m3", "04-02", "someone@gmail.com", name="Anna Schulz", conv="thread-3"),
    )
    found = find_email_signals(rows)
    assert rules_for(found, "m2") == {"email.sender_changed"}
    assert rules_for(found, "m3") == set()


def test_domain_helpers():
    assert domain_of("Lily Chen <LILY@Brightway-Lighting.com>") == "brightway-lighting.com"
    assert domain_of(None) is None and domain_of("no address") is None
    assert registrable("mail.brightway.com.cn") == "brightway.com.cn"
    assert registrable("a.b.example.com") == "example.com"


def test_chat_rows_and_empty_tables():
    chat = pd.DataFrame({"conversation_id": ["c"], "message_id": ["x"], "text": ["hi"], "from_address": [None]})
    assert find_email_signals(chat).empty
    assert find_email_signals(pd.DataFrame()).empty
