"""Charsets that lie, and broken mail: read what is readable, report the rest."""

from __future__ import annotations

import base64

import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers.email.charsets import decode_bytes, decode_header_value

from .conftest import read_all, write_mail

GBK_ONLY = "镕"  # in GBK/GB18030, not in GB2312: mail labelled gb2312 carries such characters


def _b64(text: str, codec: str) -> str:
    return base64.b64encode(text.encode(codec)).decode()


def test_gbk_only_character_under_a_gb2312_label_in_header_and_body(tmp_path):
    subject = f"关于{GBK_ONLY}钢材的报价"
    body = f"王经理：\n{GBK_ONLY}钢材样品已寄出。\n"
    with pytest.raises(UnicodeEncodeError):
        subject.encode("gb2312")
    path = write_mail(
        tmp_path,
        "gbk.eml",
        "From: =?gb2312?B?" + _b64("陈莉莉", "gbk") + "?= <lily@brightway-lighting.com>\n"
        "Subject: =?gb2312?B?" + _b64(subject, "gbk") + "?=\n"
        "Date: Tue, 8 Apr 2025 15:26:40 +0800\n"
        "Content-Type: text/plain; charset=gb2312\nContent-Transfer-Encoding: base64\n\n"
        + _b64(body, "gbk") + "\n",
    )
    row = chatsignals.read(path).iloc[0]
    assert row["subject"] == subject and row["sender"] == "陈莉莉"
    assert row["text"] == body.strip()


def test_big5_label_read_as_hkscs(samples):
    row = chatsignals.read(samples / "formats" / "email" / "big5_hkscs_reply.eml").iloc[0]
    assert row["text"] == "陳小姐：\n\n收到，貨款我哋會盡快安排。唔該晒！"  # 哋 is HKSCS-only
    assert row["subject"] == "回覆: 報價單" and row["sender"] == "黃先生"


def test_undeclared_gb18030_body_is_detected_without_replacement_characters(samples):
    row = chatsignals.read(samples / "formats" / "email" / "undeclared_charset_netease_quote.eml").iloc[0]
    assert row["text"] == "王经理，\n\n样品已经收到，请确认下周可以发货。"
    assert "\ufffd" not in row["text"] + row["quoted_text"]
    assert row["quoted_text"].startswith("在 2025-04-09 10:02:33")


def test_latin1_label_on_utf8_bytes_and_cp1252_quotes():
    assert decode_bytes("Grüße".encode(), "iso-8859-1")[0] == "Grüße"
    assert decode_bytes(b"\x93quoted\x94 \xe9t\xe9", "iso-8859-1")[0] == "\u201cquoted\u201d été"


def test_header_with_encoded_comma_stays_one_name(tmp_path):
    path = write_mail(
        tmp_path,
        "comma.eml",
        "From: =?iso-8859-1?Q?Becker=2C_Tom?= <tom@becker-shop.de>\nTo: a@x.de, \"B, C\" <b@y.de>\n"
        "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= aus Hamburg\nDate: Wed, 2 Apr 2025 18:40:02 +0200\n\nHallo\n",
    )
    row = chatsignals.read(path).iloc[0]
    assert row["from_name"] == "Becker, Tom" and row["sender_id"] == "tom@becker-shop.de"
    assert row["to"] == "a@x.de, b@y.de" and row["subject"] == "Grüße aus Hamburg"
    assert decode_header_value("=?x-unknown?B?SGk=?=") in ("Hi", "=?x-unknown?B?SGk=?=")


def test_missing_date_and_broken_base64_are_reported_not_fatal(samples):
    table, tallies, failures = read_all([samples / "formats" / "email" / "broken_base64_no_date.eml"])
    assert failures == []
    row = table.iloc[0]
    assert row["text"] == "Dear Tom, pls see photos of the reels before packing."
    assert row["attachments"] == ["reel-01.jpg"] and row["timestamp"] is not None
    assert str(row["timestamp"]) == "NaT"
    warnings = tallies["broken_base64_no_date.eml"].warnings
    assert any("msg 0: part 2 (image/jpeg) has broken base64" in w for w in warnings)
    assert any("msg 0: no Date header: timestamp left empty" in w for w in warnings)


def test_unparseable_date_keeps_raw_value(tmp_path):
    path = write_mail(tmp_path, "d.eml", "From: a@b.cn\nSubject: x\nDate: yesterday-ish\n\nhi\n")
    table, tallies, _ = read_all([path])
    assert table.iloc[0]["timestamp_raw"] == "yesterday-ish" and str(table.iloc[0]["timestamp"]) == "NaT"
    assert any("unreadable Date 'yesterday-ish'" in w for w in tallies["d.eml"].warnings)


def test_declared_boundary_missing_is_recovered_from_the_body(tmp_path):
    path = write_mail(
        tmp_path,
        "spamkit.eml",
        "From: x@y.com\nSubject: offer\nDate: Mon, 20 Mar 2017 05:12:54 +0600\nMIME-Version: 1.0\n"
        'Content-Type: multipart/alternative; boundary="--=_declared"\n\n'
        "----=_used\nContent-Type: text/plain; charset=utf-8\n\nReal offer text\n----=_used--\n",
    )
    table, tallies, _ = read_all([path])
    assert table.iloc[0]["text"] == "Real offer text"
    assert any("boundary" in w for w in tallies["spamkit.eml"].warnings)


def test_file_that_is_not_mail_fails_with_one_line(tmp_path):
    junk = write_mail(tmp_path, "junk.eml", "just some words\nwithout headers\n")
    with pytest.raises(InputError) as info:
        chatsignals.read(junk, format="email")
    assert "\n" not in str(info.value) and "junk.eml" in str(info.value)


def test_html_only_mail_drops_script_and_splits_outlook_quote(samples):
    row = chatsignals.read(samples / "formats" / "email" / "outlook_html_only_reply.eml").iloc[0]
    assert row["text"] == "Hi Lily,\n\nthe balance was paid today. Please send the B/L copy and the DHL tracking number."
    assert row["signature"].startswith("Mit freundlichen Grüßen / Kind regards")
    assert row["quoted_text"].startswith("Von: Lily Chen <lily@brightway-lighting.com>")
    assert "alert" not in row["text"]


def test_hostile_mime_nesting_is_one_line_failure(tmp_path):
    depth = 3000
    body = "".join(f"--b{i}\nContent-Type: multipart/mixed; boundary=b{i + 1}\n\n" for i in range(depth))
    body += f"--b{depth}\nContent-Type: text/plain\n\ndeep\n" + "".join(f"--b{i}--\n" for i in range(depth, -1, -1))
    path = write_mail(
        tmp_path, "deep.eml",
        "From: a@b.com\nSubject: deep\nDate: Mon, 17 Mar 2025 08:01:00 +0800\nMIME-Version: 1.0\n"
        "Content-Type: multipart/mixed; boundary=b0\n\n" + body,
    )
    table, _, failures = read_all([path])
    assert len(table) == 0
    assert [f.reason for f in failures] == ["not a readable e-mail: MIME nesting too deep"]


def test_hostile_html_nesting_is_read_flat(tmp_path):
    html = "<div>" * 50_000 + "<script>x()</script>pay to HSBC" + "</div>" * 10
    path = write_mail(
        tmp_path, "deephtml.eml",
        "From: a@b.com\nSubject: h\nDate: Mon, 17 Mar 2025 08:01:00 +0800\nContent-Type: text/html\n\n" + html,
    )
    assert chatsignals.read(path).iloc[0]["text"] == "pay to HSBC"


def test_damaged_outlook_msg_is_one_line_failure(tmp_path):
    path = tmp_path / "broken.msg"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(InputError) as info:
        chatsignals.read(path)
    assert info.value.reason.startswith("damaged Outlook .msg")


def test_date_without_zone_is_read_as_utc_with_a_warning(tmp_path):
    path = write_mail(tmp_path, "nz.eml", "From: a@b.cn\nSubject: x\nDate: Mon, 17 Mar 2025 08:01:00\n\nhi\n")
    table, tallies, _ = read_all([path])
    assert str(table.iloc[0]["timestamp"]) == "2025-03-17 08:01:00+00:00"
    assert any("has no time zone: read as UTC" in w for w in tallies["nz.eml"].warnings)
