"""Third-party mail from ../shared/realdata/email (skipped when absent)."""

from __future__ import annotations

import builtins
import json

import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.sources import Source

from .conftest import read_all
from .enron_eval import evaluate


def _ws(text: str) -> str:
    return " ".join(text.split())


def test_talon_standard_replies_match_gold(realdata):
    folder = realdata / "email" / "talon" / "standard_replies"
    gold = json.loads((folder / "GOLD.json").read_text())["expected_reply"]
    assert len(gold) == 12
    for name, expected in gold.items():
        row = chatsignals.read(folder / name).iloc[0]
        signature = row["signature"] if isinstance(row["signature"], str) else ""
        # talon's reply keeps the signature; ours moves it to its own column
        assert _ws(f"{row['text']} {signature}") == _ws(expected), name
        assert row["text"].strip() == "Hello", name
        assert row["quoted_text"], name


def test_talon_iphone_and_sparrow_signatures(realdata):
    folder = realdata / "email" / "talon" / "standard_replies"
    assert chatsignals.read(folder / "iphone.eml").iloc[0]["signature"] == "Sent from my iPhone"
    sparrow = chatsignals.read(folder / "sparrow.eml").iloc[0]["signature"]
    assert sparrow.startswith("--\nxxx\nSent with Sparrow")


def test_spamscope_every_mail_reads_without_crash_or_surrogates(realdata):
    folder = realdata / "email" / "spamscope"
    paths = sorted(folder.glob("mail_*"))
    table, tallies, failures = read_all(paths)
    assert failures == [] and len(table) == len(paths) == 23
    for column in ("text", "subject", "sender", "to"):
        for value in table[column].dropna():
            value.encode("utf-8")  # no lone surrogates left from 8-bit headers
    assert any("boundary" in w for w in tallies["mail_malformed_3"].warnings)


def test_spamscope_gbk_character_under_gb2312_label_is_decoded(realdata):
    row = chatsignals.read(realdata / "email" / "spamscope" / "mail_test_9").iloc[0]
    assert row["subject"].startswith("我把镜头拉近些，你们看看这个是什么屄")  # 屄 is GBK-only (0x8CC2)
    assert "\ufffd" not in row["subject"] and "\ufffd" not in row["text"]
    gb2312 = chatsignals.read(realdata / "email" / "spamscope" / "mail_test_12").iloc[0]
    assert gb2312["subject"] == "代开各地增值税发票" and gb2312["sender"] == "张先生"
    assert gb2312["to"] == "danglüe@email.com"  # raw UTF-8 in a header


def test_spamscope_raw_utf8_attachment_name(realdata):
    row = chatsignals.read(realdata / "email" / "spamscope" / "mail_test_1").iloc[0]
    assert row["attachments"] == ["ФНС_РФ558.zip"]
    assert str(row["timestamp"]) == "NaT"


def test_spamscope_outlook_msg(realdata):
    path = realdata / "email" / "spamscope" / "mail_outlook_1"
    assert detect(Source.open(path)).name == "msg"
    row = chatsignals.read(path).iloc[0]
    assert row["subject"] == "Newsletter Prüfung Personalwesen / Prüfung Eröffnungsbilanz"
    assert row["from_address"] == "nueblingv@w-vwa.de"
    assert row["email_message_id"] == "<20170918100018.6AE0948009C@www.w-vwa.de>"
    assert str(row["timestamp"]) == "2017-09-18 10:00:18+00:00"
    assert "newsletter.png" in row["attachments"] and len(row["attachment_sha256"]) == len(row["attachments"])
    assert "Sehr geehrte Frau" in row["text"]


def test_msg_without_extract_msg_names_the_extra(realdata, monkeypatch):
    real_import = builtins.__import__

    def no_extract_msg(name, *args, **kwargs):
        if name == "extract_msg":
            raise ImportError("No module named 'extract_msg'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_extract_msg)
    with pytest.raises(InputError) as info:
        chatsignals.read(realdata / "email" / "spamscope" / "mail_outlook_1")
    assert info.value.reason == "Outlook .msg needs the optional extra: pip install 'chatsignals[msg]'"


def test_enron_signature_line_precision_and_recall(realdata):
    score, _ = evaluate(realdata / "email" / "forge-enron-signatures")
    assert score.bodies == 192
    assert score.precision >= 0.95 and score.recall >= 0.95, (score.precision, score.recall)


def test_spamscope_undeclared_latin_text_reads_as_western(realdata):
    row = chatsignals.read(realdata / "email" / "spamscope" / "mail_malformed_3").iloc[0]
    assert "compañía" in row["text"]  # charset-normalizer ties cp1250 and cp1252: Western wins


def test_talon_html_replies_from_nine_clients(realdata):
    """talon's HTML fixtures: the reply is "Hi. I am fine. Thanks, Alex" in each client's markup."""
    from chatsignals.parsers.email.charsets import decode_bytes
    from chatsignals.parsers.email.mime import Parts, body_columns

    files = sorted((realdata / "email" / "talon" / "html_replies").glob("*.html"))
    assert len(files) == 9
    for path in files:
        parts = Parts(html=[decode_bytes(path.read_bytes())[0]])
        columns = body_columns(parts, "Alex", None)
        assert columns["text"] == "Hi. I am fine.", path.name
        assert _ws(columns["signature"]) == "Thanks, Alex", path.name
        assert columns["quoted_text"], path.name
