"""Telegram Desktop JSON (single chat, full account, pre-2021) and HTML exports."""

import json
from pathlib import Path

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.parsers.telegram import check_json_depth, join_text
from chatsignals.sources import Source

FIXTURES = Path(__file__).parent / "chat_fixtures"


def norm(text: str) -> str:
    return " ".join(str(text).split())


def as_target_rows(df: pd.DataFrame) -> set[tuple[str, str, str]]:
    """(naive UTC ISO time, author, text): chat-miner writes utcfromtimestamp, no zone."""
    return {
        (ts.tz_convert("UTC").tz_localize(None).isoformat(), sender, norm(text))
        for ts, sender, text in zip(df["timestamp"], df["sender"], df["text"], strict=True)
    }


@pytest.mark.parametrize("name", ["test_single_export.json", "test_batch_export.json"])
def test_chat_miner_exports_match_target(realdata, name):
    folder = realdata / "whatsapp" / "chat-miner" / "test" / "telegram"
    df = chatsignals.read(folder / name)
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    expected = {(t["timestamp"], t["author"], norm(t["message"])) for t in target}
    assert as_target_rows(df) == expected
    assert detect(Source.open(folder / name)).name == "telegram"
    if name == "test_batch_export.json":
        assert df["conversation_title"].unique().tolist() == ["Chatname"]


def test_sample_rows_replies_media_and_service(samples):
    path = samples / "formats" / "telegram" / "result.json"
    assert detect(Source.open(path)).name == "telegram"
    df = chatsignals.read(path, buyer="Tom Becker")
    tally = df.attrs["tallies"][0]
    assert (tally["messages"], tally["system_lines"], tally["skipped"]) == (18, 2, [])
    assert df["platform"].unique().tolist() == ["telegram"]
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    first = df.iloc[0]
    assert first["is_system"] and first["role"] == "system" and pd.isna(first["sender"])
    assert first["text"].startswith("Tom Becker create group: Anna Schulz")
    # date_unixtime is the truth: 09:42:30 Berlin (CEST) is 07:42:30 UTC
    quote = df[df["text"].str.contains("goods shipped today", regex=False)].iloc[0]
    assert quote["timestamp"] == pd.Timestamp("2025-04-02T07:42:30Z")
    assert quote["role"] == "buyer" and quote["sender_id"] == "user5012345678"
    assert '"goods shipped today by DHL, tracking 1234567890". Can you' in quote["text"]
    reply = df[df["text"].str.startswith("Hi Tom, DHL shows only")].iloc[0]
    assert reply["reply_to_message_id"] == quote["message_id"]
    chinese = df[df["sender"] == "陈浩 Chen Hao (SZ agent)"]
    assert (
        chinese["text"].iloc[0]
        == "你好 Tom，我今天打电话给明路照明，他们说货还在工厂包装，还没有交给DHL。"
    )
    assert chinese["is_edited"].tolist() == [False, True, False, False]
    photo = df[df["message_type"] == "image"].iloc[0]
    assert photo["attachments"] == ["photos/photo_1@02-04-2025_09-43-05.jpg"]
    sticker = df[df["message_type"] == "sticker"].iloc[0]
    assert (sticker["text"], sticker["attachments"]) == ("👍", ["stickers/sticker.webp"])
    missing = df[df["attachments"].map(lambda a: any("File not included" in x for x in a))]
    assert (
        missing["attachments"].iloc[0][0].startswith("dhl_scan_1234567890.png (File not included")
    )
    assert df["source_locator"].iloc[3] == "$.messages[3]"


def test_account_export_one_conversation_per_chat_and_skips():
    df = chatsignals.read(FIXTURES / "telegram_account_export.json")
    assert df["conversation_id"].nunique() == 3
    assert set(df["conversation_title"].dropna()) == {"Lily Chen Brightway", "LED Buyers Europe"}
    lily = df[df["conversation_title"] == "Lily Chen Brightway"]
    assert lily["text"].tolist()[1] == "You promised before March 25. Please keep April 5."
    assert lily["reply_to_message_id"].iloc[1] == lily["message_id"].iloc[0]
    assert pd.isna(lily["reply_to_message_id"].iloc[2])  # reply target 150 is not in the export
    left = df[df["conversation_title"] == "LED Buyers Europe"]
    assert left["is_system"].tolist() == [True, False]
    assert left["text"].iloc[0] == "Tom Becker join group by link"
    assert "深圳市明路照明有限公司" in left["text"].iloc[1]
    tally = df.attrs["tallies"][0]
    reasons = {s["locator"]: s["reason"] for s in tally["skipped"]}
    assert reasons == {
        "$.chats.list[0].messages[3]": "message is not a JSON object",
        "$.chats.list[0].messages[4]": "unknown Telegram message type 'mystery'",
        "$.chats.list[2]": "chat entry without a messages list",
    }
    assert any("not in the export" in w for w in tally["warnings"])


def test_old_export_without_unixtime_is_read_in_the_given_zone():
    df = chatsignals.read(FIXTURES / "telegram_old_export.json", tz="Asia/Shanghai")
    assert df["timestamp"].iloc[0] == pd.Timestamp("2025-04-02T10:03:27Z")
    assert df["timezone"].iloc[0] == "Asia/Shanghai"
    assert df["timestamp_raw"].iloc[0] == "2025-04-02T18:03:27"
    assert df["is_edited"].tolist()[:2] == [True, False]
    assert df["reply_to_message_id"].iloc[1] == df["message_id"].iloc[0]
    assert pd.isna(df["timestamp"].iloc[2])  # "not a date": kept, time empty, warned
    assert any("no readable date" in w for w in df.attrs["tallies"][0]["warnings"])


def test_html_export_joined_messages_offsets_and_service():
    folder = FIXTURES / "telegram_html"
    assert detect(Source.open(folder / "messages.html")).name == "telegram_html"
    df = chatsignals.read(folder, tz="Europe/Berlin")
    assert df["platform"].unique().tolist() == ["telegram"]
    assert df["conversation_id"].nunique() == 1  # both pages are one chat
    lily = df[df["sender"] == "Lily Chen Brightway"]
    assert len(lily) == 6  # three 'joined' rows inherit the sender of the row above
    first = lily.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2025-04-01T02:00:05Z")  # title carries UTC+08:00
    assert first["source_locator"] == "#message101"
    photo = lily[lily["message_type"] == "image"].iloc[0]
    assert photo["text"] == "这是新账户 HSBC Hong Kong\nbeneficiary WANG XIAOMING"
    assert photo["attachments"] == ["photos/photo_3@01-04-2025_10-02-11.jpg"]
    assert lily[lily["message_type"] == "file"]["attachments"].iloc[0] == [
        "files/Brightway_new_account.pdf"
    ]
    question = df[df["text"].str.startswith("Why is the beneficiary")].iloc[0]
    assert question["reply_to_message_id"] == photo["message_id"]
    # text that looks like markup is the sender's words, kept literally
    assert "goods shipped today by DHL, tracking 1234567890 <b>not bold</b>" in set(df["text"])
    old = df[df["source_locator"] == "#message109"].iloc[0]  # no offset: naive, --tz applies
    assert (
        old["timestamp"] == pd.Timestamp("2025-04-02T16:30:02Z")
        and old["timezone"] == "Europe/Berlin"
    )
    forwarded = df[df["source_locator"] == "#message110"].iloc[0]
    assert forwarded["forwarded_from"] == "DHL Express Germany"
    assert forwarded["text"].startswith("Shipment 1234567890: Shipment information received.")
    assert forwarded["is_edited"] and forwarded["timestamp_raw"] == "02.04.2025 18:35:10 UTC+02:00"
    assert forwarded["timestamp"] == pd.Timestamp("2025-04-02T16:35:10Z")
    service = df[df["is_system"]]
    assert service["text"].tolist() == ["Tom Becker pinned this message"]
    tallies = {Path(t["source_file"]).name: t for t in df.attrs["tallies"]}
    assert df.attrs["errors"] == []  # the export's index page is recognised, not a failure
    assert tallies["export_results.html"]["skipped"][0]["reason"].startswith(
        "Telegram export index page"
    )
    assert tallies["messages.html"]["messages"] == 5
    assert [s["locator"] for s in tallies["messages2.html"]["skipped"]] == ["#message-2"]
    assert tallies["messages2.html"]["messages"] == 4
    assert any("another file" in w for w in tallies["messages2.html"]["warnings"])


def test_join_text_follows_telegram_parts():
    assert join_text(["Price ", {"type": "bold", "text": "USD 2.80"}, "/pc"]) == "Price USD 2.80/pc"
    assert join_text(
        [{"type": "bold", "text": "Link:"}, {"type": "link", "text": "https://t.me/"}]
    ) == ("Link: https://t.me/")
    assert join_text(None) == "" and join_text("plain") == "plain"


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            '{"name": "x", "messages": [{"type": "message", "date_unixtime": "1", "text": "a"}',
            "truncated JSON",
        ),
        ('{"name": "x", "messages": [' + "[" * 500 + "]" * 500 + "]}", "nested 502 levels"),
        ('{"name": "x", "date_unixtime": "1", "messages": "none"}', "not a Telegram export"),
    ],
)
def test_bad_json_is_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "result.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=reason) as info:
        chatsignals.read(path, format="telegram")
    assert "\n" not in str(info.value)


def test_depth_check_ignores_brackets_inside_strings():
    check_json_depth('{"text": "[[[[[[[[[[[[[[[[[["}', 5, "x")
    with pytest.raises(InputError, match="nested 6 levels"):
        check_json_depth('[[[[[["a"]]]]]]', 5, "x")


def test_account_export_detected_when_chats_start_late(tmp_path):
    contacts = [
        {"first_name": f"Contact {i}", "phone_number": f"+86 138 0000 {i:04d}"} for i in range(2000)
    ]
    data = {
        "about": "Here is the data you requested.",
        "personal_information": {"user_id": 5012345678, "first_name": "Tom"},
        "profile_pictures": [],
        "contacts": {"about": "contacts", "list": contacts},
        "chats": {
            "about": "chats",
            "list": [
                {
                    "name": "Lily",
                    "type": "personal_chat",
                    "id": 1,
                    "messages": [
                        {
                            "id": 1,
                            "type": "message",
                            "date_unixtime": "1743472805",
                            "from": "Lily",
                            "text": "pay today",
                        }
                    ],
                }
            ],
        },
    }
    path = tmp_path / "result.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert b'"chats"' not in Source.open(path).head
    assert detect(Source.open(path)).name == "telegram"
    assert chatsignals.read(path)["text"].tolist() == ["pay today"]


def test_every_truncation_of_the_sample_is_one_clear_error(samples, tmp_path):
    data = (samples / "formats" / "telegram" / "result.json").read_bytes()
    path = tmp_path / "result.json"
    for cut in range(200, len(data) - 2, max(1, len(data) // 25)):
        path.write_bytes(data[:cut])
        with pytest.raises(InputError) as info:
            chatsignals.read(path, format="telegram")
        assert "truncated JSON" in str(info.value) or "not valid UTF-8" in str(info.value)


def test_deleted_account_sender(tmp_path):
    msg = {
        "id": 1,
        "type": "message",
        "date_unixtime": "1743472805",
        "from": None,
        "from_id": "user42",
        "text": "hi",
    }
    path = tmp_path / "result.json"
    path.write_text(
        json.dumps({"name": "x", "type": "personal_chat", "messages": [msg]}), encoding="utf-8"
    )
    df = chatsignals.read(path)
    assert df["sender"].tolist() == ["Deleted Account"] and df["sender_id"].tolist() == ["user42"]


def test_polls_contacts_and_places_keep_their_words(tmp_path):
    base = {
        "type": "message",
        "date_unixtime": "1743472805",
        "from": "Lily Chen",
        "from_id": "user1",
        "text": "",
    }
    messages = [
        {
            **base,
            "id": 1,
            "contact_information": {
                "first_name": "Wang",
                "last_name": "Xiaoming",
                "phone_number": "+852 5123 4567",
            },
        },
        {
            **base,
            "id": 2,
            "poll": {
                "question": "Pay balance today?",
                "answers": [{"text": "yes"}, {"text": "no"}],
            },
        },
        {
            **base,
            "id": 3,
            "location_information": {"latitude": 22.54, "longitude": 114.05},
            "place_name": "Brightway factory",
        },
    ]
    path = tmp_path / "result.json"
    path.write_text(
        json.dumps({"name": "Lily", "type": "personal_chat", "messages": messages}),
        encoding="utf-8",
    )
    df = chatsignals.read(path)
    assert df["text"].tolist() == [
        "Contact: Wang Xiaoming +852 5123 4567",
        "Poll: Pay balance today? (yes / no)",
        "Location: Brightway factory 22.54, 114.05",
    ]
    assert df["message_type"].tolist() == ["contact", "poll", "location"]
