"""LINE chat history .txt in English, Japanese and Chinese."""

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.sources import Source

FIXTURES = Path(__file__).parent / "chat_fixtures"
SAMPLE = "[LINE] Chat with David Lin (Formosa QC).txt"


def test_sample_days_quotes_media_and_system(samples):
    path = samples / "formats" / "line" / SAMPLE
    assert detect(Source.open(path)).name == "line"
    df = chatsignals.read(path, tz="Europe/Berlin")
    assert df["platform"].unique().tolist() == ["line"]
    assert df["conversation_title"].unique().tolist() == ["David Lin (Formosa QC)"]
    first = df.iloc[0]
    assert first["timestamp"] == pd.Timestamp("2025-03-25T13:02Z")  # 14:02 CET
    assert first["timestamp_raw"] == "Tue, 3/25/2025 14:02"
    quote = df.iloc[1]
    assert quote["text"].splitlines() == [
        "Sure. Pre-shipment inspection in Shenzhen: USD 298 per man-day.",
        "We check quantity, IP65 label and rating, CE/RoHS marking, and do a water test on 13 reels (AQL II).",
        "Report within 24 h with photos.",
    ]
    assert quote["source_locator"] == "L6-L8"
    assert (df.iloc[2]["message_type"], df.iloc[2]["attachments"]) == ("file", ["[File]"])
    said = df[df["text"].str.startswith("The seller says")].iloc[0]
    assert '"no need third party inspection, we check every reel ourselves"' in said["text"]
    system = df[df["is_system"]]
    assert system["text"].tolist() == ["Tom Becker unsent a message."]
    assert pd.isna(system["sender"].iloc[0])
    assert df[df["message_type"] == "call"]["text"].tolist() == ["☎ Call time 6:12"]
    report = df.iloc[-2]
    assert report["text"].endswith("labels say IP20\nno CE marking on product or box")
    tally = df.attrs["tallies"][0]
    assert (tally["messages"], tally["system_lines"], tally["continuation_lines"]) == (13, 1, 5)
    reasons = [s["reason"] for s in tally["skipped"]]
    assert reasons.count("day header (its date is in the timestamps below)") == 4
    assert len(reasons) == 6


def test_japanese_header_and_gozen_gogo_times():
    path = FIXTURES / "line_japanese.txt"
    assert detect(Source.open(path)).name == "line"
    df = chatsignals.read(path, tz="Asia/Tokyo")
    assert df["conversation_title"].iloc[0] == "Lily Chen（明路照明）"
    assert df["timestamp"].tolist()[:2] == [
        pd.Timestamp("2025-05-03T00:10Z"),  # 午前9:10 in Tokyo
        pd.Timestamp("2025-05-03T06:05Z"),  # 午後3:05
    ]
    assert (
        df["text"].iloc[1]
        == "すみません。\n差額は3日以内に返金します。\nwe will refund the difference within 3 days"
    )
    assert df["message_type"].iloc[2] == "image"
    assert df["timestamp"].iloc[3] == pd.Timestamp("2025-05-08T03:30Z")  # 午後12:30 is noon
    last = df.iloc[-1]
    assert (
        last["is_system"]
        and last["text"] == "Lily Chen（明路照明）がメッセージの送信を取り消しました"
    )


def test_chinese_header_and_midnight():
    df = chatsignals.read(FIXTURES / "line_chinese.txt", tz="Asia/Taipei")
    assert df["conversation_title"].iloc[0] == "Lily Chen"
    lily = df[df["sender"] == "Lily Chen"]
    assert lily["text"].iloc[0] == "boss is travelling, next week 老闆出差，下週再說"
    assert lily["timestamp"].iloc[0] == pd.Timestamp("2025-05-13T10:20Z")  # 下午06:20 +08:00
    assert lily["message_type"].tolist() == ["text", "sticker"]
    tom = df[df["sender"] == "Tom Becker"]  # 上午12:05 is just after midnight, sorted first
    assert tom["timestamp"].iloc[0] == pd.Timestamp("2025-05-12T16:05Z")
    assert df.index[df["sender"] == "Tom Becker"].tolist() == [0]


def test_day_first_dates_are_inferred_or_forced():
    path = FIXTURES / "line_dmy_12h.txt"
    df = chatsignals.read(path, tz="UTC")
    assert df["timestamp"].tolist() == [
        pd.Timestamp("2025-05-20T22:30Z"),
        pd.Timestamp("2025-05-20T23:02Z"),
    ]


def test_date_order_option_decides_ambiguous_days(tmp_path):
    text = "[LINE] Chat history with Lily Chen\n\nThu, 4/3/2025\n09:00\tLily Chen\tok\n"
    path = tmp_path / "chat.txt"
    path.write_text(text, encoding="utf-8")
    assert chatsignals.read(path, tz="UTC")["timestamp"].iloc[0] == pd.Timestamp(
        "2025-04-03T09:00Z"
    )
    forced = chatsignals.read(path, tz="UTC", date_order="DMY")
    assert forced["timestamp"].iloc[0] == pd.Timestamp("2025-03-04T09:00Z")


def test_headerless_text_is_not_line(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("shopping list\nmilk\n", encoding="utf-8")
    with pytest.raises(InputError):
        chatsignals.read(path, format="line")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            [
                "[LINE] Chat history with Lily",
                "Saved on: 5/21/2025, 10:02",
                "",
                "Mon, 3/3/2025",
                "2025/03/03(Mon)",
                "09:15\tLily\tok",
                '09:16\tTom\t"start',
                'end"',
                "10:00\tLily unsent a message.",
                "13:99\tX\ty",
                "Mon, 2/30/2025",
                "上午12:05\tTom\t好",
                "random words",
                "\t\t",
            ]
        ),
        max_size=30,
    )
)
def test_any_mix_of_line_lines_is_read_or_refused_cleanly(tmp_path, lines):
    path = tmp_path / "chat.txt"
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    try:
        df = chatsignals.read(path, format="line", tz="UTC")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    tally = df.attrs["tallies"][0]
    assert len(df) == tally["messages"] + tally["system_lines"]
    counted = len(df) + tally["continuation_lines"] + tally["blank_lines"] + len(tally["skipped"])
    assert counted == len(text.splitlines())  # every line accounted for
