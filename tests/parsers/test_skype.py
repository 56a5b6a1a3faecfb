"""Skype messages.json exports."""

import json

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.parsers.skype import read_content
from chatsignals.sources import Source


def test_sample_conversations_names_quotes_files_and_calls(samples):
    path = samples / "formats" / "skype" / "messages.json"
    assert detect(Source.open(path)).name == "skype"
    df = chatsignals.read(path, seller="Lily Chen", buyer="Tom Becker")
    assert df["platform"].unique().tolist() == ["skype"]
    assert set(df["conversation_title"]) == {"Lily Chen", "Brightway order 231145678901"}
    assert df["conversation_id"].nunique() == 2
    lily = df[df["conversation_title"] == "Lily Chen"]
    # the owner's messages carry no displayName: the name comes from the call participant list
    tom = lily[lily["sender_id"] == "8:live:tom.becker.hh"]
    assert set(tom["sender"]) == {"Tom Becker"} and set(tom["role"]) == {"buyer"}
    ask = tom[tom["text"].str.startswith("Thanks for the tour")].iloc[0]
    assert ask["text"].endswith("all 5000 pcs are IP65 waterproof and CE & RoHS certified?")
    answer = lily[lily["text"].str.startswith("yes dear")].iloc[0]
    assert answer["quoted_text"] == "all 5000 pcs are IP65 waterproof and CE & RoHS certified?"
    assert answer["text"] == (
        "yes dear, all IP65 waterproof, CE and RoHS certificate we have. "
        "production will finish before March 25"
    )
    assert answer["role"] == "seller"
    assert answer["timestamp"] == pd.Timestamp("2025-03-05T09:41:09Z")
    assert answer["timestamp_raw"] == "2025-03-05T09:41:09.000Z"
    files = lily[lily["attachments"].map(len) > 0]
    assert files["attachments"].tolist() == [
        ["CE_certificate_LED5050.pdf"],
        ["production_line_0312.jpg"],
    ]
    assert files["message_type"].tolist() == ["file", "image"]
    assert files["text"].tolist() == ["", ""]
    calls = lily[lily["message_type"] == "call"]
    assert calls["text"].tolist() == [
        "Call started: Lily Chen",
        "Call ended: Lily Chen, Tom Becker (1271 s)",
    ]
    assert calls["is_system"].all() and calls["sender"].isna().all()
    edited = lily[lily["is_edited"]]
    assert edited["text"].tolist() == ["production going well, 60% finish"]
    assert lily[lily["is_deleted"]]["message_type"].tolist() == ["deleted"]
    assert "sure dear, 5 mins later :)" in set(lily["text"])
    group = df[df["conversation_title"] == "Brightway order 231145678901"]
    assert group["text"].iloc[0] == "Lily Chen AddMember 王经理 Wang Jianguo"
    assert group["text"].iloc[1] == "Becker先生您好，我是工厂王经理。货物下周发出，非常抱歉延误了。"
    assert group["sender"].iloc[1] == "王经理 Wang Jianguo"
    tally = df.attrs["tallies"][0]
    assert (tally["messages"], tally["system_lines"], tally["skipped"]) == (12, 3, [])
    assert df["source_locator"].iloc[0].startswith("$.conversations[")


def test_content_markup_is_text_not_html():
    parts = read_content(
        'pay to <a href="http://x.example">new account</a> &lt;today&gt;<br>thanks'
    )
    assert parts["text"] == "pay to new account <today>\nthanks"
    hostile = read_content('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><b>&e;</b> hi')
    assert "root:" not in hostile["text"] and hostile["text"].endswith("hi")


def test_bad_records_are_skipped_and_bad_files_refused(tmp_path):
    data = {
        "userId": "8:live:tom.becker.hh",
        "exportDate": "2025-05-21T08:00",
        "conversations": [
            {
                "id": "8:live:lily.brightway",
                "displayName": "Lily Chen",
                "MessageList": [
                    {
                        "originalarrivaltime": "2025-04-01T02:00:05.000Z",
                        "messagetype": "RichText",
                        "from": "8:live:lily.brightway",
                        "content": "pls pay balance today",
                    },
                    "garbage",
                    {
                        "originalarrivaltime": "yesterday",
                        "messagetype": "RichText",
                        "from": "8:live:lily.brightway",
                        "content": "no time",
                    },
                ],
            },
            {"id": "19:abc@thread.skype", "displayName": "empty", "MessageList": None},
        ],
    }
    path = tmp_path / "messages.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    df = chatsignals.read(path)
    assert df["text"].tolist() == ["pls pay balance today", "no time"]
    assert pd.isna(df["timestamp"].iloc[1])
    tally = df.attrs["tallies"][0]
    assert {s["locator"]: s["reason"] for s in tally["skipped"]} == {
        "$.conversations[0].MessageList[1]": "message is not a JSON object",
        "$.conversations[1]": "conversation without a MessageList",
    }
    path.write_text(
        '{"userId": "x", "exportDate": "y", "conversations": [{"MessageList": [', encoding="utf-8"
    )
    with pytest.raises(InputError, match="truncated JSON"):
        chatsignals.read(path)
    path.write_text('{"userId": "x", "exportDate": "y", "conversations": {}}', encoding="utf-8")
    with pytest.raises(InputError, match="not a Skype export"):
        chatsignals.read(path)
