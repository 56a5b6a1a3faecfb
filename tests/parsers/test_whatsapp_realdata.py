"""The WhatsApp parser against third-party expected outputs (../shared/realdata/whatsapp).

Each source has its own conventions (see ../shared/realdata/README.md); rows are compared as
(naive timestamp, author, whitespace-normalised text):

* chat-miner (``test/whatsapp/target.json``): drops system rows and ``Name:.`` lines, joins
  continuation lines with a space, lists rows newest first -> compare authored rows as a multiset.
* chat-miner history (``*_target.csv``, ``testlog.txt``'s JSON lines): keeps notices with author
  ``System``; ``Name:.`` becomes ``<Disappearing Message>`` (we keep that line as a notice, so
  that one row differs); ``testlog.txt`` mixes 8 layouts in one file, and this parser reads ONE
  layout per file by design, so only the dominant layout's 8 rows are messages of their own
  (7 reproduced exactly: the 8th carries the other layouts' 12 lines as its continuation).
* Chatistics (``EXPECTED.json``): drops notices, keeps file order and the exact text (control
  characters included); ``_chat 3.txt`` is month-first only by Chatistics' locale, so it is
  compared with ``date_order="MDY"`` and checked to warn when left to inference.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from chatsignals.parsers import detect, get_parser
from chatsignals.parsers.base import ParseOptions
from chatsignals.sources import Source

Row = tuple[pd.Timestamp, str, str]


def norm(text: str) -> str:
    return " ".join(str(text).split())


def parsed(path: Path, **options) -> tuple[pd.DataFrame, object]:
    source = Source.open(path)
    assert detect(source).name == "whatsapp"
    result = get_parser("whatsapp").parse(source, ParseOptions(**options))
    return result.frame, result.tally


def our_rows(frame: pd.DataFrame, system_author: str | None = None) -> list[Row]:
    """Authored rows, plus notices under ``system_author`` when the source keeps them."""
    out = []
    for ts, sender, text, system in zip(
        frame["timestamp"], frame["sender"], frame["text"], frame["is_system"], strict=True
    ):
        author = system_author if system else sender
        if author is None:  # a notice, and the source drops notices
            continue
        out.append((pd.Timestamp(ts), author, norm(text)))
    return out


def matches(ours: list[Row], theirs: list[Row]) -> int:
    """How many expected rows the parser reproduces exactly (multiset intersection)."""
    return sum((Counter(ours) & Counter(theirs)).values())


# --- chat-miner ---------------------------------------------------------------------------------

CHAT_MINER_CURRENT = [
    "test_mmddyy_24hrs.txt",
    "test_ddmmyy_24hrs.txt",
    "test_mmddyyyy_12hrs.txt",
    "test_yyyymmdd_24hrs.txt",
    "test_[mmddyy]_24hrs.txt",
]


@pytest.mark.parametrize("name", CHAT_MINER_CURRENT)
def test_chat_miner_current_targets(realdata, name):
    folder = realdata / "whatsapp" / "chat-miner" / "test" / "whatsapp"
    target = json.loads((folder / "target.json").read_text(encoding="utf-8"))
    theirs = [(pd.Timestamp(r["timestamp"]), r["author"], norm(r["message"])) for r in target]
    frame, tally = parsed(folder / name)
    ours = our_rows(frame)
    assert Counter(ours) == Counter(theirs)  # all 6 exactly
    # 9 headers (6 messages, "John Doe:." and 2 notices) + 2 continuation lines: nothing lost
    assert (tally.messages, tally.system_lines, tally.continuation_lines) == (6, 3, 2)


HISTORY = [  # (file, rows reproduced exactly, rows expected)
    ("test_dateformat1.txt", 9, 10),  # "John Doe:." -> <Disappearing Message> upstream
    ("test_dateformat2.txt", 4, 4),
    ("test_dateformat3.txt", 4, 4),
    ("test_dateformat4.txt", 4, 4),  # ambiguous 09/10..12/10: day-first, as upstream
    ("test_dateformat5.txt", 4, 4),
    ("test_unicode.txt", 3, 3),
]


@pytest.mark.parametrize(("name", "exact", "total"), HISTORY)
def test_chat_miner_history_targets(realdata, name, exact, total):
    folder = realdata / "whatsapp" / "chat-miner" / "history-958bc8b" / "test" / "whatsapp"
    target = folder / name.replace(".txt", "_target.csv")
    with target.open(encoding="utf-8", newline="") as fh:
        theirs = [(pd.Timestamp(r["timestamp"]), r["author"], norm(r["message"])) for r in csv.DictReader(fh)]
    frame, _ = parsed(folder / name)
    ours = our_rows(frame, system_author="System")
    assert len(theirs) == total
    assert matches(ours, theirs) == exact
    assert len(ours) == total  # the one difference is a different reading, not a lost row


def test_chat_miner_mixed_layout_file(realdata):
    folder = realdata / "whatsapp" / "chat-miner" / "history-30734a8" / "test" / "whatsapp"
    theirs = []
    for line in (folder / "target.json").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        stamp = pd.Timestamp(r["datetime"], unit="ms")
        theirs.append((stamp, r["author"], norm(r["message"])))
    frame, tally = parsed(folder / "testlog.txt")
    ours = our_rows(frame, system_author="System")
    assert len(theirs) == 20
    # 7 of the dominant layout's 8 rows (4 messages, 3 notices); its last message swallows the
    # 12 lines written in other layouts, so it differs from upstream's one-line version
    assert matches(ours, theirs) == 7
    # the 12 lines in other layouts stay inside the last message of the dominant layout
    assert tally.continuation_lines == 6 + 12 and len(frame) == 8
    assert frame["text"].iloc[-1].count("\n") == 12


# --- Chatistics ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chatistics(realdata) -> tuple[Path, dict]:
    folder = realdata / "whatsapp" / "Chatistics"
    return folder, json.loads((folder / "EXPECTED.json").read_text(encoding="utf-8"))["files"]


def test_chatistics_chat_unicode_traps(chatistics):
    folder, expected = chatistics
    key = "tests/test_data/whatsapp/_chat.txt"
    frame, tally = parsed(folder / key)
    authored = frame[~frame["is_system"]].head(20)
    assert [norm(t) for t in authored["text"]] == [norm(t) for t in expected[key]["text"]]
    assert authored["sender"].tolist() == expected[key]["senderName"]
    outgoing = (authored["sender"] == "John Doe").tolist()
    assert outgoing == expected[key]["outgoing"]
    info = frame[frame["is_system"]]
    assert info["text"].tolist() == ["This is an info entry"]  # dropped upstream, kept here
    assert tally.continuation_lines == 2


@pytest.mark.parametrize("name", ["_chat 2.txt", "_chat 4.txt"])
def test_chatistics_exact_timestamps(chatistics, name):
    folder, expected = chatistics
    key = f"tests/test_data/whatsapp/{name}"
    frame, _ = parsed(folder / key)
    authored = frame[~frame["is_system"]]
    assert authored["timestamp"].tolist() == [pd.Timestamp(t) for t in expected[key]["datetime_local_naive"]]
    if "text" in expected[key]:
        assert authored["text"].tolist() == expected[key]["text"]
        assert authored["sender"].tolist() == expected[key]["senderName"]


def test_chatistics_chat3_needs_the_locale(chatistics):
    folder, expected = chatistics
    key = "tests/test_data/whatsapp/_chat 3.txt"
    want = [pd.Timestamp(t) for t in expected[key]["datetime_local_naive"]]
    frame, tally = parsed(folder / key, date_order="MDY")
    authored = frame[~frame["is_system"]]
    assert authored["timestamp"].tolist() == want
    assert authored["sender"].tolist()[3] == "The final test"  # first ": " ends the author
    assert authored["text"].tolist()[7] == "\n\n\n\n\n👍👍👍👍👍👍!"
    guessed, tally = parsed(folder / key)
    assert any("day and month cannot be told apart" in w for w in tally.warnings)
    assert guessed["timestamp"].iloc[1] == pd.Timestamp("2019-11-02 14:18")  # as whatstk reads it
