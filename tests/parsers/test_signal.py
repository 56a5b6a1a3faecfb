"""Signal exports written by signal-export: chat.md / text lines and data.json lines."""

import json

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.parsers.signal import split_body
from chatsignals.sources import Source

SAMPLE = "Kevin Wu (sourcing agent).md"


def norm(text: object) -> str:
    return " ".join(str(text).split())


def test_chat_miner_signal_export_matches_target(realdata):
    folder = realdata / "whatsapp" / "chat-miner" / "test" / "signal"
    path = folder / "test_export.txt"
    assert detect(Source.open(path)).name == "signal"
    df = chatsignals.read(path, tz="UTC")
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    got = {
        (t.tz_localize(None).isoformat(), s, norm(x))
        for t, s, x in zip(df["timestamp"], df["sender"], df["text"], strict=True)
    }
    assert got == {(t["timestamp"], t["author"], norm(t["message"])) for t in target}
    assert df["text"].tolist()[1] == "Hello\nJane!"  # our text keeps the line break
    assert df["source_locator"].tolist() == ["L1", "L2-L3"]
    assert df.attrs["tallies"][0]["continuation_lines"] == 1


def test_sample_quotes_reactions_attachments_and_deleted(samples):
    path = samples / "formats" / "signal" / SAMPLE
    assert detect(Source.open(path)).name == "signal"
    df = chatsignals.read(path, tz="Europe/Berlin", buyer="Tom Becker")
    assert df["platform"].unique().tolist() == ["signal"]
    assert df["conversation_title"].unique().tolist() == ["Kevin Wu (sourcing agent)"]
    assert df["timestamp"].iloc[0] == pd.Timestamp("2025-04-01T16:05:12Z")  # 18:05 CEST
    assert df["timezone"].unique().tolist() == ["Europe/Berlin"]
    answer = df.iloc[2]
    assert answer["quoted_text"] == "Is this normal?"
    assert answer["text"].startswith(
        "No, this is not normal. 公司账户换成个人账户，这是很常见的骗局。\nPlease call"
    )
    assert answer["source_locator"] == "L3-L6"
    assert df["reactions"].iloc[3] == "Tom Becker: 👍"
    assert df["text"].iloc[3] == 'Also the domain has an extra "s": brightway-lightings.com'
    assert df["attachments"].iloc[1] == ["./media/2025-04-01_email_screenshot.png"]
    assert df["message_type"].iloc[1] == "image" and df["text"].iloc[1] == ""
    assert df["message_type"].iloc[8] == "file"
    deleted = df[df["is_deleted"]]
    assert (
        len(deleted) == 1 and deleted["text"].iloc[0] == "" and deleted["role"].iloc[0] == "buyer"
    )
    tally = df.attrs["tallies"][0]
    assert (tally["messages"], tally["skipped"]) == (11, [])


def test_split_body_keeps_web_links_in_text():
    parts = split_body("see https://track.dhl.com and [DHL](https://www.dhl.com) ok")
    assert parts["text"] == "see https://track.dhl.com and [DHL](https://www.dhl.com) ok"
    assert parts["attachments"] == []
    sticker = split_body("\n(( 👍 ))")
    assert sticker["message_type"] == "sticker" and sticker["text"] == "👍"


def test_data_json_lines_and_preamble(tmp_path):
    lines = [
        {
            "date": "2025-04-03T09:20:44",
            "sender": "Tom Becker",
            "body": "Too late, paid USD 9,800",
            "quote": "",
            "sticker": None,
            "reactions": [["Kevin Wu", "😞"]],
            "attachments": [],
            "deleted": False,
        },
        "{broken",
        {
            "date": "2025-04-03T09:21:10",
            "sender": "Tom Becker",
            "body": "",
            "quote": "",
            "sticker": None,
            "reactions": [],
            "deleted": False,
            "attachments": [{"name": "TT.pdf", "path": "media/TT.pdf"}],
        },
    ]
    path = tmp_path / "data.json"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines), encoding="utf-8"
    )
    df = chatsignals.read(path, format="signal", tz="Europe/Berlin")
    assert df["text"].tolist() == ["Too late, paid USD 9,800", ""]
    assert df["reactions"].iloc[0] == "Kevin Wu: 😞"
    assert df["attachments"].iloc[1] == ["media/TT.pdf"]
    assert df.attrs["tallies"][0]["skipped"] == [{"locator": "L2", "reason": "invalid JSON line"}]

    md = tmp_path / "chat.md"
    md.write_text(
        "exported by hand\n[2025-04-04, 17:12] Kevin Wu: 工厂说货4月12号才发\n", encoding="utf-8"
    )
    df = chatsignals.read(md, tz="Asia/Shanghai")
    assert df["text"].tolist() == ["工厂说货4月12号才发"]
    assert df["timestamp"].iloc[0] == pd.Timestamp("2025-04-04T09:12Z")
    assert df["conversation_title"].iloc[0] == tmp_path.name
    assert df.attrs["tallies"][0]["skipped"][0]["locator"] == "L1"


def test_not_signal_is_one_clear_error(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("just notes\nnothing dated\n", encoding="utf-8")
    with pytest.raises(InputError):
        chatsignals.read(path, format="signal")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.sampled_from(
            [
                "[2025-04-01 18:05:12] Tom Becker: pay?",
                "[2025-04-01, 18:05] Kevin Wu: > quoted",
                "> quoted",
                "",
                "(- Tom Becker: 👍 -)",
                "(( 👍 ))",
                "![x.png](./media/x.png)  ",
                "(This message was deleted)",
                "[2025-02-30 10:00:00] Bad Date: x",
                "plain continuation 中文",
            ]
        ),
        max_size=30,
    )
)
def test_any_mix_of_signal_lines_is_read_or_refused_cleanly(tmp_path, lines):
    path = tmp_path / "chat.md"
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    try:
        df = chatsignals.read(path, format="signal", tz="UTC")
    except InputError as exc:
        assert "\n" not in str(exc)
        return
    tally = df.attrs["tallies"][0]
    assert len(df) == tally["messages"]
    # every line is accounted for: a message header, a continuation, a blank or a skip
    counted = (
        tally["messages"]
        + tally["continuation_lines"]
        + tally["blank_lines"]
        + len(tally["skipped"])
    )
    assert counted == len(text.splitlines())
