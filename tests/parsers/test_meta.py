"""Facebook Messenger and Instagram JSON: mojibake repair, product detection, chat-miner targets."""

import csv
import json
from pathlib import Path

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.parsers.meta import is_notice, repair_mojibake, which_product
from chatsignals.sources import Source


def norm(text: object) -> str:
    return " ".join(str(text).split())


def chat_miner(realdata) -> Path:
    return realdata / "whatsapp" / "chat-miner"


def test_repair_mojibake_fixes_meta_text_and_leaves_good_text_alone():
    assert repair_mojibake("it\u00e2\u0080\u0099s") == "it\u2019s"
    assert (
        repair_mojibake("\u00e6\u0098\u008e\u00e8\u00b7\u00af\u00e7\u0085\u00a7\u00e6\u0098\u008e")
        == "明路照明"
    )
    assert repair_mojibake("café") == "café"  # latin-1 but not UTF-8 bytes: already right
    assert repair_mojibake("明路 café") == "明路 café"  # outside latin-1: already right
    assert repair_mojibake("plain ascii") == "plain ascii"
    assert repair_mojibake(None) == ""


def test_instagram_test_export_matches_target(realdata):
    path = chat_miner(realdata) / "test" / "instagram" / "test_export.json"
    assert (
        detect(Source.open(path)).name == "instagram"
    )  # nothing in the content: the folder says so
    df = chatsignals.read(path)
    target = json.loads((path.parent / "target.json").read_text(encoding="utf-8"))
    got = {
        (t.tz_localize(None).isoformat(), s, norm(x))
        for t, s, x in zip(df["timestamp"], df["sender"], df["text"], strict=True)
    }
    assert got == {(t["timestamp"], t["author"], norm(t["message"])) for t in target}
    assert df["platform"].unique().tolist() == ["instagram"]


def test_messenger_testlog_matches_target(realdata):
    path = chat_miner(realdata) / "history-30734a8" / "test" / "facebookMessenger" / "testlog.json"
    assert detect(Source.open(path)).name == "messenger"
    df = chatsignals.read(path)
    lines = (
        (path.parent / "target.json").read_text(encoding="utf-8").strip().strip("[]").split("\n")
    )
    target = [json.loads(line.strip().rstrip(",")) for line in lines if line.strip()]
    expected = {
        (pd.Timestamp(t["datetime"], unit="ms", tz="UTC"), t["author"], t["message"])
        for t in target
    }
    assert set(zip(df["timestamp"], df["sender"], df["text"], strict=True)) == expected
    # newest first in the file: source_index keeps the file order
    assert sorted(df["source_index"]) == [0, 1]
    assert df.set_index("sender")["source_index"].to_dict() == {"Allan Smith": 0, "John Doe": 1}


#: chat-miner's old Instagram parser wrote placeholders for media-only rows
PLACEHOLDERS = {
    "voice": "sentaudio",
    "video": "sentvideo",
    "link": "sentshare",
    "image": "sentphoto",
    "unavailable": "disappearingmessage",
}
#: ... and dropped these notices, which are system rows here
CHAT_MINER_DROPS = ("'s poll has multiple updates.", "This poll is no longer available.")


def test_instagram_testlog_matches_target_with_placeholders(realdata):
    path = chat_miner(realdata) / "history-958bc8b" / "test" / "instagram" / "testlog.json"
    assert detect(Source.open(path)).name == "instagram"  # ig.me join link and instagram.com share
    df = chatsignals.read(path)
    assert len(df) == 13 and df.attrs["tallies"][0]["skipped"] == []
    got = set()
    for row in df.itertuples():
        if any(d in row.text for d in CHAT_MINER_DROPS):
            assert row.is_system
            continue
        author = (
            row.actor if row.is_system else row.sender
        )  # the target credits notices to their actor
        text = (
            PLACEHOLDERS.get(row.message_type, row.text)
            if (not row.text or row.message_type == "link")
            else row.text
        )
        local = row.timestamp.tz_convert("Europe/Berlin").tz_localize(
            None
        )  # the target's machine zone
        got.add((local, author, norm(text)))
    with (path.parent / "testlog_target.csv").open(encoding="utf-8") as handle:
        expected = {
            (pd.Timestamp(r["timestamp"]), r["author"], norm(r["message"]))
            for r in csv.DictReader(handle)
        }
    assert got == expected
    emoji = df[df["text"] == "Testing username with emoji: J❤️hn Doe"]
    assert emoji["sender"].tolist() == ["J❤️hn Doe"]
    reacted = df[df["text"] == "Testing message with reactions."]
    assert reacted["reactions"].iloc[0] == "❤️ J❤️hn Doe; 💖 Jane Doe"
    assert df["conversation_title"].unique().tolist() == ["Test Log"]


def test_messenger_sample_refund_stalling(samples):
    path = samples / "formats" / "messenger" / "message_1.json"
    assert detect(Source.open(path)).name == "messenger"
    df = chatsignals.read(path, seller="Lily Chen", buyer="Tom Becker")
    assert df["platform"].unique().tolist() == ["messenger"]
    assert df["timestamp"].is_monotonic_increasing  # the file is newest first; the table is not
    assert df["source_index"].iloc[0] == len(df) - 1
    lily = df[df["role"] == "seller"]
    assert "sorry dear, we will refund the difference within 3 days" in set(lily["text"])
    assert "我们会尽快处理退款，请放心。" in set(lily["text"])  # repaired from Meta's mojibake
    assert any("IP20 – the strips" in t for t in df["text"])  # an en dash, repaired
    unsent = df[df["is_deleted"]]
    assert unsent["text"].tolist() == ["Lily Chen unsent a message."] and unsent[
        "sender"
    ].tolist() == ["Lily Chen"]
    call = df[df["message_type"] == "call"].iloc[0]
    assert call["is_system"] and call["actor"] == "Lily Chen" and pd.isna(call["sender"])
    assert df["attachments"].iloc[1][0].startswith("your_activity_across_facebook/messages/inbox/")
    assert df["conversation_id"].nunique() == 1 and df["conversation_title"].iloc[0] == "Lily Chen"


def test_instagram_sample_claims_and_shares(samples):
    path = samples / "formats" / "instagram" / "message_1.json"
    assert detect(Source.open(path)).name == "instagram"
    df = chatsignals.read(path)
    assert df["platform"].unique().tolist() == ["instagram"]
    claim = df[df["text"].str.contains("IP65 waterproof, CE", regex=False)]
    assert claim["sender"].tolist() == ["brightway_lighting_sz"] and claim["text"].iloc[0].endswith(
        "😊"
    )
    share = df[df["message_type"] == "link"].iloc[0]
    assert share["text"] == "LED strip 5050 IP65 test 防水测试"
    assert share["attachments"] == ["https://www.instagram.com/reel/DFx1abcLED5050/"]
    assert df[df["is_system"]]["text"].tolist() == ["Reacted ❤️ to your message"]


@pytest.mark.parametrize(
    ("head", "parts", "product"),
    [
        (
            '{"messages": [{"photos": [{"uri": "your_instagram_activity/messages/inbox/x/1.jpg"}]}]}',
            (),
            "instagram",
        ),
        (
            '{"messages": [{"photos": [{"uri": "your_activity_across_facebook/messages/inbox/x/1.jpg"}]}]}',
            ("instagram",),
            "messenger",
        ),
        (
            '{"messages": [{"content": "hi"}]}',
            ("exports", "instagram-tom-2025", "inbox"),
            "instagram",
        ),
        (
            '{"messages": [{"content": "hi", "type": "Generic"}]}',
            ("facebook-tom", "messages"),
            "messenger",
        ),
        ('{"messages": [{"content": "hi"}]}', (), "messenger"),
    ],
)
def test_which_product_order_of_evidence(head, parts, product):
    assert which_product(head, parts) == product


def test_e2ee_messenger_layout_and_bad_records(tmp_path):
    data = {
        "participants": ["Tom Becker", "Lily Chen"],
        "threadName": "Lily Chen",
        "messages": [
            {
                "isUnsent": False,
                "media": [],
                "reactions": [],
                "senderName": "Lily Chen",
                "text": "pls pay balance today",
                "timestamp": 1743472800000,
                "type": "text",
            },
            {"senderName": "Lily Chen", "text": "no time"},
            ["not", "an", "object"],
        ],
    }
    path = tmp_path / "lily_chen_10.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    df = chatsignals.read(path, format="messenger")
    assert df["text"].tolist() == ["pls pay balance today"]
    assert df["timestamp"].iloc[0] == pd.Timestamp("2025-04-01T02:00:00Z")
    skipped = {s["locator"]: s["reason"] for s in df.attrs["tallies"][0]["skipped"]}
    assert skipped == {
        "$.messages[1]": "message without a readable timestamp_ms",
        "$.messages[2]": "message is not a JSON object",
    }


def test_not_a_meta_export_is_one_clear_error(tmp_path):
    path = tmp_path / "message_1.json"
    path.write_text('{"participants": [], "messages": {"sender_name": "x"}}', encoding="utf-8")
    with pytest.raises(InputError, match="not an Instagram export"):
        chatsignals.read(path, format="instagram")


@pytest.mark.parametrize(
    ("text", "sender", "notice"),
    [
        ("Jane Doe joined the group.", "Jane Doe", True),
        ("John Doe's poll has multiple updates.", "John Doe", True),
        ("Tom Becker added Lily Chen to the group.", "Tom Becker", True),
        ("You named the group Brightway order.", "Tom Becker", True),
        ("This poll is no longer available.", "Jane Doe", True),
        ("I added Lily to the group.", "Tom Becker", False),
        ("Lily Chen joined the group call yesterday, pls check", "Lily Chen", False),
        ("finance is processing, pls wait", "Lily Chen", False),
    ],
)
def test_notices_need_the_actor_prefix(text, sender, notice):
    assert is_notice(text, sender) is notice


def test_thread_split_over_files_is_one_conversation(tmp_path):
    def thread(n, ms, text):
        return {
            "participants": [{"name": "Tom Becker"}, {"name": "Lily Chen"}],
            "messages": [
                {"sender_name": "Lily Chen", "timestamp_ms": ms, "content": text, "type": "Generic"}
            ],
            "title": "Lily Chen",
            "thread_path": "inbox/lilychen_7123456789012345",
        }

    for n, ms, text in [
        (1, 1747300000000, "boss is travelling, next week"),
        (2, 1746300000000, "finance is processing"),
    ]:
        (tmp_path / f"message_{n}.json").write_text(
            json.dumps(thread(n, ms, text)), encoding="utf-8"
        )
    df = chatsignals.read(tmp_path, format="messenger")
    assert df["conversation_id"].nunique() == 1
    assert df["text"].tolist() == ["finance is processing", "boss is travelling, next week"]
