import json

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_keeps_given_ids_roles_and_offsets(tmp_path):
    path = write(
        tmp_path,
        "chat.csv",
        "timestamp,sender,text,message_id,role,conversation_id\n"
        '2025-03-03T09:15:00+08:00,Lily Chen,"We received your deposit, production start today",m-1,seller,order-17\n'
        '2025-03-03T02:20:00Z,Tom Becker,"Great, thanks\nPlease send photos",m-2,buyer,order-17\n',
    )
    df = chatsignals.read(path)
    assert df["message_id"].tolist() == ["m-1", "m-2"]
    assert df["role"].tolist() == ["seller", "buyer"]
    assert df["conversation_id"].unique().tolist() == ["order-17"]
    assert df["timestamp"].tolist() == [pd.Timestamp("2025-03-03T01:15Z"), pd.Timestamp("2025-03-03T02:20Z")]
    assert df["text"].iloc[1] == "Great, thanks\nPlease send photos"
    assert df["source_locator"].tolist() == ["L2", "L3-L4"]
    assert df["platform"].unique().tolist() == ["generic"]
    tally = df.attrs["tallies"][0]
    assert tally["messages"] == 2 and tally["skipped"] == []


def test_jsonl_reports_bad_lines_and_reads_naive_times_in_tz(tmp_path):
    lines = [
        json.dumps({"timestamp": "2025-03-20 10:00", "sender": "Lily", "text": "goods ready by April 5"}),
        "{not json",
        json.dumps({"sender": "Tom", "text": "no time"}),
        json.dumps({"timestamp": 1742464800000, "sender": "Tom", "text": "ok"}),
    ]
    path = write(tmp_path, "chat.jsonl", "\n".join(lines) + "\n")
    df = chatsignals.read(path, tz="Asia/Shanghai", seller="lily")
    assert len(df) == 2
    assert df["timestamp"].iloc[0] == pd.Timestamp("2025-03-20T02:00Z")
    assert df["role"].tolist() == ["seller", "unknown"]
    skipped = df.attrs["tallies"][0]["skipped"]
    assert [s["locator"] for s in skipped] == ["L2", "L3"]
    assert "invalid JSON" in skipped[0]["reason"] and "lacks timestamp" in skipped[1]["reason"]


def test_duplicate_given_ids_are_made_unique_with_a_warning(tmp_path):
    path = write(tmp_path, "dup.csv", "timestamp,sender,text,message_id\n2025-01-01,a,x,1\n2025-01-02,b,y,1\n")
    df = chatsignals.read(path, tz="UTC")
    assert sorted(df["message_id"]) == ["1", "1#2"]
    assert any("duplicate" in w for w in df.attrs["tallies"][0]["warnings"])


@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "empty file"), (b"\x00\x01\x02\x03" * 100, "binary"), (b"just some words\n", "unknown format")],
)
def test_bad_input_is_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason) as info:
        chatsignals.read(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)
