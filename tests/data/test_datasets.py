"""Schema and consistency checks of the labelled sets in data/promises and data/scam.

The sets are the yardstick the promise stage and the scam rules are scored against, so a
malformed row, a leaked test sentence or a window that contradicts docs/PROMISES.md would make
every score built on them wrong. These tests read the files only; they import no chatsignals code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path
from typing import NamedTuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROMISES = ROOT / "data" / "promises"
EXTRA = PROMISES / "train_extra.jsonl"
SCAM = ROOT / "data" / "scam" / "messages.jsonl"

LABELS = {"commitment", "claim", "none"}
CATEGORIES = {
    "delivery", "quality", "quantity", "price", "payment", "refund", "documents", "sample",
    "communication",
}
STRENGTHS = {"firm", "hedged", "conditional"}
EVENT_KEYS = {"order", "deposit", "balance", "sample_approval", "shipment", "delivery"}
ANCHORS = {
    "message", "order", "deposit", "balance", "sample_approval", "shipment", "delivery",
    "holiday", "absolute", "unknown", None,
}
PROMISE_KEYS = {
    "id", "text", "speaker", "channel", "style", "context", "sent", "events", "label",
    "category", "strength", "value", "deadline", "group",
}
CONTRACT_RULES = {
    "payment.off_platform", "payment.untraceable_method", "payment.account_change_request",
    "payment.third_party_account", "payment.full_prepayment", "fee.advance_fee",
    "pressure.urgency", "channel.move_off_platform", "verification.discouraged",
    "refund.stalling",
}
EXTRA_RULES = {
    "payment.foreign_account", "refund.different_account", "platform.fake_notice",
    "price.repricing_after_deposit", "verification.inspection_refused",
}
RULES = CONTRACT_RULES | EXTRA_RULES


def _read(path: Path) -> list[dict]:
    """Every line must be one JSON object; a blank or broken line is itself a failure."""
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        obj = json.loads(line)
        assert isinstance(obj, dict), f"{path.name}:{number} is not an object"
        rows.append(obj)
    return rows


def _norm(text: str) -> str:
    """Text identity for leakage checks: case, punctuation and spacing do not make a new row."""
    return re.sub(r"\W+", " ", text.lower()).strip()


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


@pytest.fixture(scope="module")
def train() -> list[dict]:
    return _read(PROMISES / "train.jsonl")


@pytest.fixture(scope="module")
def test_rows() -> list[dict]:
    return _read(PROMISES / "test.jsonl")


@pytest.fixture(scope="module")
def promises(train: list[dict], test_rows: list[dict]) -> list[dict]:
    return train + test_rows


@pytest.fixture(scope="module")
def extra() -> list[dict]:
    return _read(EXTRA)


class LabelledSet(NamedTuple):
    """One promises file set and what the row checks expect of it."""

    rows: list[dict]
    id_pattern: str
    min_day_words: int  # rows whose window the relative-day check recomputes
    min_working_days: int


@pytest.fixture(scope="module", params=["train+test", "train_extra"])
def labelled(request: pytest.FixtureRequest, promises: list[dict], extra: list[dict]) -> LabelledSet:
    """The row checks run on the split files and, the same way, on the extra training file."""
    if request.param == "train_extra":
        return LabelledSet(extra, r"x\d{4}", 20, 10)
    return LabelledSet(promises, r"p\d{4}", 30, 40)


@pytest.fixture(scope="module")
def scam() -> list[dict]:
    return _read(SCAM)


def test_promise_rows_follow_the_schema(labelled: LabelledSet) -> None:
    for row in labelled.rows:
        where = row.get("id")
        assert set(row) == PROMISE_KEYS, where
        assert re.fullmatch(labelled.id_pattern, row["id"]), where
        assert row["text"].strip() == row["text"] and row["text"], where
        assert row["speaker"] in {"seller", "buyer"}, where
        assert row["channel"] in {"chat", "email"}, where
        assert re.fullmatch(r"[a-z][a-z0-9-]*", row["style"]), where
        assert row["context"] is None or row["context"].strip(), where
        sent = dt.datetime.fromisoformat(row["sent"])
        assert sent.tzinfo is None and dt.date(2023, 1, 1) <= sent.date() <= dt.date(2026, 12, 31)
        assert set(row["events"]) <= EVENT_KEYS, where
        for value in row["events"].values():
            dt.date.fromisoformat(value)
        assert row["label"] in LABELS, where


def test_labels_are_consistent_with_the_guide(labelled: LabelledSet) -> None:
    for row in labelled.rows:
        where = row["id"]
        if row["label"] == "none":
            assert row["category"] is None and row["strength"] is None, where
            assert row["value"] is None and row["deadline"] is None, where
        else:
            assert row["speaker"] == "seller", f"{where}: a buyer sentence is never a promise"
            assert row["category"] in CATEGORIES, where
            assert row["strength"] in STRENGTHS, where
            assert row["value"] is None or row["value"].strip(), where


def test_deadlines_are_well_formed(labelled: LabelledSet) -> None:
    for row in (r for r in labelled.rows if r["deadline"] is not None):
        where, window = row["id"], row["deadline"]
        assert set(window) == {"earliest", "latest", "anchor", "text"}, where
        assert window["anchor"] in ANCHORS, where
        # an "ok" answer takes its deadline words from the buyer's request it answers
        assert window["text"], where
        assert window["text"] in row["text"] or window["text"] in (row["context"] or ""), where
        earliest, latest = _date(window["earliest"]), _date(window["latest"])
        if earliest and latest:
            assert earliest <= latest, where
        if window["anchor"] in EVENT_KEYS:
            event = row["events"].get(window["anchor"])
            if event is None:
                assert earliest is None and latest is None, f"{where}: anchor date guessed"
            else:
                assert earliest is not None and earliest >= dt.date.fromisoformat(event), where
        if window["anchor"] is None:
            assert earliest is None and latest is None and row["strength"] == "hedged", where


def test_relative_day_words_resolve_from_the_sent_date(labelled: LabelledSet) -> None:
    """Spot-check the simplest table rows by arithmetic independent of the writer's helper."""
    offsets = {"today": 0, "tonight": 0, "tomorrow": 1, "tmr": 1, "the day after tomorrow": 2}
    checked = 0
    for row in (r for r in labelled.rows if r["deadline"]):
        words = row["deadline"]["text"].lower()
        if words in offsets and row["deadline"]["anchor"] == "message":
            expected = dt.datetime.fromisoformat(row["sent"]).date()
            expected += dt.timedelta(days=offsets[words])
            assert _date(row["deadline"]["earliest"]) == expected, row["id"]
            assert _date(row["deadline"]["latest"]) == expected, row["id"]
            checked += 1
    assert checked >= labelled.min_day_words


def test_iso_dates_in_the_text_match_the_window(labelled: LabelledSet) -> None:
    rows = labelled.rows
    for row in (r for r in rows if r["deadline"] and r["deadline"]["anchor"] == "absolute"):
        found = re.search(r"\b(20\d\d)[-.](\d{1,2})[-.](\d{1,2})\b", row["deadline"]["text"])
        if found:
            day = dt.date(*map(int, found.groups()))
            assert day in {_date(row["deadline"]["earliest"]), _date(row["deadline"]["latest"])}


def test_working_day_windows_skip_china_holidays(labelled: LabelledSet) -> None:
    """A working-day deadline never lands on a Chinese public holiday or a plain weekend."""
    chinese_calendar = pytest.importorskip("chinese_calendar")
    rows = [r for r in labelled.rows if r["deadline"] and "working day" in r["deadline"]["text"]]
    assert len(rows) >= labelled.min_working_days
    for row in rows:
        latest = _date(row["deadline"]["latest"])
        if latest is not None:
            assert chinese_calendar.is_workday(latest), row["id"]


def test_ids_and_texts_are_unique(promises: list[dict]) -> None:
    assert len({r["id"] for r in promises}) == len(promises)
    texts = Counter(_norm(r["text"]) for r in promises)
    assert [t for t, n in texts.items() if n > 1] == []


def test_split_is_disjoint_by_text_and_conversation(train: list[dict], test_rows: list[dict]):
    assert not {_norm(r["text"]) for r in train} & {_norm(r["text"]) for r in test_rows}
    assert not {r["group"] for r in train} & {r["group"] for r in test_rows}


def test_train_extra_is_new_to_both_splits(train: list[dict], test_rows: list[dict],
                                           extra: list[dict]) -> None:
    """Extra training rows must not repeat a split's id, conversation or sentence: a sentence
    shared with test.jsonl would leak it into training. Failures name only train_extra ids."""
    assert len({r["id"] for r in extra}) == len(extra)
    split = train + test_rows
    taken_ids, taken_groups = {r["id"] for r in split}, {r["group"] for r in split}
    taken_texts = {_norm(r["text"]) for r in split}
    assert [r["id"] for r in extra if r["id"] in taken_ids] == []
    assert [r["id"] for r in extra if r["group"] in taken_groups] == []
    assert [r["id"] for r in extra if _norm(r["text"]) in taken_texts] == []
    texts = Counter(_norm(r["text"]) for r in extra)
    assert [r["id"] for r in extra if texts[_norm(r["text"])] > 1] == []


def test_train_extra_conversations_are_whole_and_in_order(extra: list[dict]) -> None:
    """Training reads a conversation's topic from the rows before it in the file, so each
    conversation's rows must be consecutive and in time order."""
    order = [r["group"] for i, r in enumerate(extra) if i == 0 or extra[i - 1]["group"] != r["group"]]
    assert len(order) == len(set(order)), "a conversation is split in two"
    for group in order:
        rows = [r for r in extra if r["group"] == group]
        assert 5 <= len(rows) <= 15, group
        sent = [dt.datetime.fromisoformat(r["sent"]) for r in rows]
        assert sent == sorted(sent), group
        assert all(r["events"] == rows[0]["events"] for r in rows), group


def test_train_extra_counts(extra: list[dict]) -> None:
    assert len(extra) >= 600
    labels = Counter(r["label"] for r in extra)
    assert 0.38 <= labels["commitment"] / len(extra) <= 0.52
    assert 0.18 <= labels["claim"] / len(extra) <= 0.32
    assert 0.24 <= labels["none"] / len(extra) <= 0.38
    categories = Counter(r["category"] for r in extra if r["category"])
    assert min(categories[c] for c in CATEGORIES) >= 25
    assert sum(1 for r in extra if r["speaker"] == "buyer") >= 100
    answers = [r for r in extra if r["context"] and r["speaker"] == "seller" and r["label"] != "none"]
    assert len(answers) >= 50


def test_promise_counts(promises: list[dict], test_rows: list[dict]) -> None:
    assert len(promises) >= 1800
    assert len(test_rows) >= 450
    labels = Counter(r["label"] for r in promises)
    assert 0.38 <= labels["commitment"] / len(promises) <= 0.52
    assert 0.14 <= labels["claim"] / len(promises) <= 0.26
    assert 0.28 <= labels["none"] / len(promises) <= 0.42
    categories = Counter(r["category"] for r in promises if r["category"])
    assert min(categories[c] for c in CATEGORIES) >= 80
    assert categories.most_common(2)[0][0] in {"delivery", "quality"}
    assert sum(1 for r in promises if r["deadline"]) >= 400
    anchors = {r["deadline"]["anchor"] for r in promises if r["deadline"]}
    assert anchors >= ANCHORS - {"order"}
    answers = [r for r in promises if r["context"] and r["speaker"] == "seller"
               and r["label"] != "none" and len(r["text"].split()) <= 8]
    assert len(answers) >= 120
    assert sum(1 for r in promises if r["speaker"] == "buyer") >= 100


def test_scam_rows_follow_the_schema(scam: list[dict]) -> None:
    for row in scam:
        where = row.get("id")
        assert set(row) == {"id", "text", "speaker", "rules", "split", "note"}, where
        assert re.fullmatch(r"s\d{4}", row["id"]), where
        assert row["text"].strip() and row["note"].strip(), where
        assert row["speaker"] in {"seller", "buyer"}, where
        assert row["split"] in {"dev", "test"}, where
        assert isinstance(row["rules"], list) and set(row["rules"]) <= RULES, where
        assert len(set(row["rules"])) == len(row["rules"]), where
        if row["speaker"] == "buyer":
            assert row["rules"] == [], f"{where}: a buyer's question is not a seller's scam"


def test_scam_ids_and_texts_are_unique(scam: list[dict]) -> None:
    assert len({r["id"] for r in scam}) == len(scam)
    texts = Counter(_norm(r["text"]) for r in scam)
    assert [t for t, n in texts.items() if n > 1] == []


def test_scam_counts_and_split(scam: list[dict]) -> None:
    assert len(scam) >= 400
    per_rule = Counter(rule for r in scam for rule in r["rules"])
    for rule in RULES:
        assert per_rule[rule] >= (25 if rule in CONTRACT_RULES else 20), rule
    assert sum(1 for r in scam if not r["rules"]) >= 300
    splits = Counter(r["split"] for r in scam)
    assert 0.4 <= splits["dev"] / len(scam) <= 0.6
    for rule in RULES:
        in_test = sum(1 for r in scam if rule in r["rules"] and r["split"] == "test")
        assert in_test >= 8, rule
