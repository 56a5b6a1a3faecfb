"""The sample dispute's e-mails (data/samples/chats/email) read into the message table."""

from __future__ import annotations

import email
import hashlib

import pandas as pd
import pytest

from chatsignals.parsers import detect
from chatsignals.sources import Source

from .conftest import read_all


@pytest.fixture(scope="module")
def story(samples):
    table, tallies, failures = read_all(
        [samples / "chats" / "email"], seller=["@brightway-lighting.com"], buyer=["tom@becker-shop.de"]
    )
    assert failures == []
    return table.set_index(table["source_file"].str.rsplit("/", n=1).str[-1]), tallies


def test_every_sample_is_detected_as_email(samples):
    for path in sorted((samples / "chats" / "email").glob("*.eml")):
        assert detect(Source.open(path)).name == "email", path.name


def test_proforma_invoice_headers_attachment_and_signature(story):
    table, _ = story
    row = table.loc["2025-03-28_proforma_invoice.eml"]
    assert row["platform"] == "email" and row["role"] == "seller"
    assert row["sender"] == "Lily Chen" and row["sender_id"] == "lily@brightway-lighting.com"
    assert row["from_address"] == "lily@brightway-lighting.com"
    assert row["timestamp"] == pd.Timestamp("2025-03-28T02:12:45Z")
    assert row["timestamp_raw"] == "Fri, 28 Mar 2025 10:12:45 +0800"
    assert row["attachments"] == ["PI-231145678901.pdf"]
    assert "dkim=pass" in row["auth_results"] and "spf=pass" in row["auth_results"]
    assert row["received_first_hop"].startswith("from mail.brightway-lighting.com")
    assert "SWIFT: BKCHCNBJ45A" in row["text"]
    assert "Best regards" not in row["text"] and "+86 138 0000 0000" not in row["text"]
    assert row["signature"].startswith("Best regards,\nLily Chen\nSales Manager")
    assert row["source_locator"] == "msg 0"


def test_attachment_hash_is_the_sha256_of_the_decoded_pdf(story, samples):
    table, _ = story
    row = table.loc["2025-03-28_proforma_invoice.eml"]
    data = (samples / "chats" / "email" / "2025-03-28_proforma_invoice.eml").read_bytes()
    msg = email.message_from_bytes(data)
    pdf = next(p for p in msg.walk() if p.get_filename() == "PI-231145678901.pdf").get_payload(decode=True)
    assert pdf.startswith(b"%PDF-")
    assert row["attachment_sha256"] == [hashlib.sha256(pdf).hexdigest()]


def test_lookalike_mail_keeps_reply_to_auth_failure_and_thread(story):
    table, _ = story
    row = table.loc["2025-04-01_new_bank_account_lookalike.eml"]
    assert row["from_address"] == "lily@brightway-lightings.com"
    assert row["reply_to"] == "lily.brightway@gmail.com"
    assert "spf=fail" in row["auth_results"]
    assert row["role"] == "unknown"  # the look-alike domain is not the seller's
    assert "WANG XIAOMING" in row["text"] and "848-123456-838" in row["text"]
    assert "proforma invoice" not in row["text"]  # the quoted PI went to quoted_text
    assert row["quoted_text"].startswith("On Fri, Mar 28, 2025 at 10:12 AM Lily Chen")
    assert row["in_reply_to"] == "<20250328101245.4471.lily@mail.brightway-lighting.com>"
    invoice = table.loc["2025-03-28_proforma_invoice.eml"]
    buyer = table.loc["2025-04-02_buyer_reply.eml"]
    assert row["conversation_id"] == invoice["conversation_id"] == buyer["conversation_id"]
    assert row["conversation_id"].startswith("email-")


def test_buyer_reply_text_without_the_german_attribution_quote(story):
    table, _ = story
    row = table.loc["2025-04-02_buyer_reply.eml"]
    assert row["role"] == "buyer" and row["to"] == "lily.brightway@gmail.com"
    assert row["text"].startswith("Hi Lily,\n\nThank you. We will pay the balance of USD 9,800")
    assert "schrieb" not in row["text"] and "HSBC" not in row["text"]
    assert row["quoted_text"].startswith("> Am 01.04.2025 um 03:03 schrieb Lily Chen")
    assert row["signature"] == "Kind regards,\nTom Becker\nBecker Shop GmbH\nHamburg, Germany"


def test_wang_gb2312_reply_decodes_headers_body_and_splits_chinese_quote(story):
    table, _ = story
    row = table.loc["2025-04-08_wang_reply_gb2312.eml"]
    assert row["sender"] == "王经理" and row["from_name"] == "王经理"
    assert row["subject"] == "回复: Shipment of order 231145678901"
    assert row["cc"] == "lily@brightway-lighting.com"
    assert "货物将于下周发出" in row["text"]
    assert "\ufffd" not in row["text"] + row["quoted_text"] + row["subject"]
    assert "原始邮件" not in row["text"] and "Dear Mr. Wang" not in row["text"]
    assert row["quoted_text"].startswith("-----原始邮件-----\n发件人：\"Tom Becker\"")
    assert "Dear Mr. Wang" in row["quoted_text"]
    assert row["signature"].startswith("王经理\n深圳市明路照明有限公司")
    assert row["timestamp"] == pd.Timestamp("2025-04-08T07:26:40Z")


def test_alibaba_notice_becomes_the_suppliers_alibaba_row(story):
    table, tallies = story
    row = table.loc["2025-02-20_alibaba_new_message_notice.eml"]
    assert row["platform"] == "alibaba"
    assert row["sender"] == "Lily Chen"
    assert row["text"].startswith("Dear Tom, yes IP65 waterproof, CE and RoHS certificate we have.")
    assert row["text"].endswith("for faster talk.")
    assert "Reply now" not in row["text"] and "This email was sent" not in row["text"]
    assert row["from_address"] == "notification@notice.alibaba.com"  # the notice's header kept
    assert row["email_message_id"] == "<20250220114217.8837261.notice@notice.alibaba.com>"
    assert "Shenzhen Brightway Lighting" in row["conversation_title"]
    assert tallies["2025-02-20_alibaba_new_message_notice.eml"].messages == 1


def test_domain_party_matches_every_real_domain_row(story):
    table, _ = story
    sellers = table[table["role"] == "seller"]
    assert set(sellers["from_address"]) == {"lily@brightway-lighting.com", "wang@brightway-lighting.com"}
