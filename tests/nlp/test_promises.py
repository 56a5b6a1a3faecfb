"""Promise detection on realistic seller chat: negation, questions, hedges, conditions, answers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from chatsignals.nlp.promises import _one_sentence, analyze_clause, extract_promises
from chatsignals.table import PROMISE_COLUMNS, finalize

SENT = dt.date(2025, 3, 3)
DEPOSIT = {"deposit": "2025-03-03"}


@pytest.mark.parametrize(
    ("text", "label", "category"),
    [
        ("we will ship within 15 days", "commitment", "delivery"),
        ("i send you the invoice tomorrow", "commitment", "documents"),
        ("price USD 2.80 will keep for this order", "commitment", "price"),
        ("price won't change", "commitment", "price"),
        ("goods shipped yesterday by DHL", "claim", "delivery"),
        ("dear friend we received your deposit already, thank you", "claim", "payment"),
        ("the material is 304 stainless steel", "claim", "quality"),
        ("we have CE and RoHS certificate", "claim", "quality"),
        ("will send you CE certificate pdf later", "commitment", "documents"),
        ("packing list attached", "claim", "documents"),
        ("we will refund the difference within 3 days", "commitment", "refund"),
        ("sample will send out on Friday by DHL", "commitment", "sample"),
        ("ok dear i will update you every week", "commitment", "communication"),
        ("3000 pcs for each model total 9000 pcs", "claim", "quantity"),
    ],
)
def test_commitments_and_claims(text: str, label: str, category: str) -> None:
    decision = analyze_clause(text, SENT, DEPOSIT)
    assert (decision.label, decision.category) == (label, category)


@pytest.mark.parametrize(
    "text",
    [
        "we cannot ship before CNY",  # refusal
        "we can not ship before the chips arrive, pls understand",
        "but i can not promise 100%",
        "can you ship next week?",  # question
        "Could you confirm the label artwork by Friday?",
        "pls pay the balance so we can book the vessel",  # request
        "pls confirm the size chart first then we start",
        "Kindly note that the price is valid for 7 days only.",
        "hello dear, good morning",  # greeting
        "golden week holiday factory closed",  # information
    ],
)
def test_not_promises(text: str) -> None:
    assert analyze_clause(text, SENT, DEPOSIT).label == "none"


def test_strength_hedged_conditional_firm() -> None:
    hedged = analyze_clause("maybe can ship late January, depends on the chips", dt.date(2023, 12, 18))
    assert (hedged.label, hedged.strength) == ("commitment", "hedged")
    conditional = analyze_clause("if you pay today we ship tomorrow", SENT)
    assert conditional.strength == "conditional"
    assert conditional.condition is not None and conditional.condition.startswith("if you pay")
    anchored = analyze_clause("production time is 15 working days after deposit", SENT, DEPOSIT)
    assert anchored.strength == "conditional"
    assert anchored.deadline is not None and anchored.deadline.latest == dt.date(2025, 3, 24)
    firm = analyze_clause("will finish before March 25 no problem", SENT)
    assert firm.strength == "firm"


def test_bare_ok_answers_the_request() -> None:
    d = analyze_clause("ok dear", SENT, context="Can you ship the remaining 2000 pcs on Friday?")
    assert (d.label, d.category) == ("commitment", "delivery")
    assert d.answers
    assert d.deadline is not None and d.deadline.earliest == dt.date(2025, 3, 7)
    # the same "ok" with nothing asked promises nothing
    assert analyze_clause("ok dear", SENT).label == "none"


def _messages(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["message_id"] = [f"m{i}" for i in range(len(frame))]
    frame["platform"] = "whatsapp"
    frame["source_index"] = range(len(frame))
    return finalize(frame)


def _chat(role_seller: str = "seller") -> pd.DataFrame:
    lily, tom = ("Lily Chen", role_seller), ("Tom Becker", "buyer" if role_seller == "seller" else "unknown")
    lines = [
        (lily, "2025-03-03T02:15:00Z", "we received your deposit, production start today, "
                                        "will finish before March 25"),
        (tom, "2025-03-03T08:00:00Z", "Great. Please send me the commercial invoice."),
        (lily, "2025-03-03T08:05:00Z", "ok dear"),
        (tom, "2025-03-03T08:06:00Z", "Can you ship before March 20?"),
        (lily, "2025-03-03T08:07:00Z", "sorry we cannot ship before March 20"),
        (lily, "2025-04-02T03:00:00Z", "goods shipped today by DHL, tracking 1234567890"),
        ((None, "system"), "2025-04-02T03:01:00Z", "Messages are end-to-end encrypted"),
    ]
    rows = []
    for (sender, role), ts, text in lines:
        rows.append({"conversation_id": "c1", "sender": sender, "role": role, "timestamp": ts,
                     "text": text, "is_system": sender is None, "timezone": "Asia/Shanghai"})
    return _messages(rows)


@pytest.mark.parametrize(
    ("text", "one"),
    [
        ("We will ship on Friday!!  😊\ufe0f ", True),
        ("We will ship on Friday … ", True),
        ("Deposit received. We will ship on Friday", False),
        ("Deposit received 👍 we will ship on Friday!", False),
    ],
)
def test_trailing_stops_and_emoji_do_not_make_a_second_sentence(text: str, one: bool) -> None:
    assert _one_sentence(text) is one


def test_extract_promises_table() -> None:
    promises = extract_promises(_chat(), facts={"deposit": dt.date(2025, 3, 3)})
    assert list(promises.columns[: len(PROMISE_COLUMNS)]) == list(PROMISE_COLUMNS)
    assert set(promises["role"]) == {"seller"}  # buyer and system rows are never promises
    first = promises[promises["message_id"] == "m0"].reset_index(drop=True)
    # one sentence, three clauses: payment claim, start today, finish before March 25
    assert list(first["category"]) == ["payment", "delivery", "delivery"]
    assert list(first["kind"]) == ["claim", "commitment", "commitment"]
    assert first.loc[2, "deadline_latest"] == pd.Timestamp("2025-03-25")
    assert first.loc[2, "deadline_anchor"] == "absolute"
    assert first["promise_id"].is_unique
    ok = promises[promises["message_id"] == "m2"].iloc[0]
    assert (ok["kind"], ok["category"], ok["answers_message_id"]) == ("commitment", "documents", "m1")
    assert "m4" not in set(promises["message_id"])  # the refusal
    shipped = promises[promises["message_id"] == "m5"].iloc[0]
    # the claim is the shipping (checked against the carrier's first scan), the number its value
    assert (shipped["kind"], shipped["category"], shipped["value"]) == (
        "claim", "delivery", "DHL 1234567890")
    assert shipped["deadline_earliest"] == pd.Timestamp("2025-04-02")


def test_ids_are_stable_across_runs() -> None:
    a = extract_promises(_chat())["promise_id"].tolist()
    b = extract_promises(_chat())["promise_id"].tolist()
    assert a == b


def test_local_date_from_timezone_column() -> None:
    """23:30 UTC on March 2 is already March 3 in Shanghai: 'tomorrow' is March 4."""
    rows = [{"conversation_id": "c", "sender": "Lily", "role": "seller",
             "timestamp": "2025-03-02T23:30:00Z", "text": "tracking tmr", "is_system": False,
             "timezone": "Asia/Shanghai"}]
    promise = extract_promises(_messages(rows)).iloc[0]
    assert promise["deadline_earliest"] == pd.Timestamp("2025-03-04")


def test_no_seller_named_analyses_unknown_rows_and_says_so() -> None:
    promises = extract_promises(_chat(role_seller="unknown"))
    assert len(promises) > 0
    assert set(promises["role"]) == {"unknown"}
    assert any("name no seller" in note for note in promises.attrs["notes"])


def test_empty_table() -> None:
    empty = extract_promises(finalize(pd.DataFrame()))
    assert list(empty.columns) == list(PROMISE_COLUMNS)
    assert empty.empty


def test_message_without_time_gets_no_guessed_dates() -> None:
    rows = [{"conversation_id": "c", "sender": "Lily", "role": "seller", "message_id": "m0",
             "text": "we will ship tomorrow", "is_system": False, "platform": "generic"}]
    frame = pd.DataFrame(rows)  # no timestamp column: finalize makes it NaT
    promise = extract_promises(finalize(frame)).iloc[0]
    assert promise["deadline_anchor"] == "message"
    assert pd.isna(promise["deadline_earliest"]) and pd.isna(promise["deadline_latest"])


def test_facts_file_events_resolve_event_anchored_windows(tmp_path) -> None:
    facts_mod = pytest.importorskip("chatsignals.facts")
    path = tmp_path / "facts.yaml"
    path.write_text("events:\n  - {date: 2025-03-03, type: deposit_paid, amount: 4200}\n",
                    encoding="utf-8")
    facts = facts_mod.load_facts(path)
    rows = [{"conversation_id": "c", "sender": "Lily", "role": "seller",
             "timestamp": "2025-02-20T03:00:00Z", "timezone": "Asia/Shanghai",
             "text": "production time 15 working days after deposit", "is_system": False}]
    promise = extract_promises(_messages(rows), facts=facts).iloc[0]
    assert (promise["deadline_anchor"], promise["strength"]) == ("deposit", "conditional")
    assert promise["deadline_latest"] == pd.Timestamp("2025-03-24")


def test_a_request_then_and_we_keeps_the_sellers_promise() -> None:
    """"Pay today and we ship in 7 days": the buyer's part is no promise, the seller's is."""
    import datetime as dt

    from chatsignals.nlp.promises import decide, message_clauses

    clauses = [c[2] for c in message_clauses("Pay today and we ship in 7 days.")]
    assert clauses == ["Pay today", "we ship in 7 days."]
    first, second = decide(clauses, [dt.date(2025, 5, 1)] * 2, [None] * 2, [None] * 2)
    assert first.label == "none"
    assert (second.label, second.category) == ("commitment", "delivery")
    assert second.deadline is not None and second.deadline.latest == dt.date(2025, 5, 8)


def test_a_message_of_many_sentences_and_clauses_keeps_every_promise_apart() -> None:
    """A pasted wall of promises: each sentence's clauses are numbered within that sentence
    (ids "P..." of part "3" and "3.1"), none lost or merged however long the message is."""
    text = "goods will ship tomorrow, invoice will send today. " * 300
    rows = [{"conversation_id": "c", "sender": "Lily", "role": "seller",
             "timestamp": "2025-03-03T02:00:00Z", "text": text, "is_system": False}]
    promises = extract_promises(_messages(rows))
    assert len(promises) == 600
    assert promises["promise_id"].is_unique
    assert promises["category"].value_counts().to_dict() == {"delivery": 300, "documents": 300}
    from chatsignals.table import stable_id

    assert promises["promise_id"].iloc[598:].tolist() == [stable_id("P", "m0", "299"),
                                                          stable_id("P", "m0", "299.1")]


def test_the_pipeline_reads_a_message_over_spacys_default_length() -> None:
    """spaCy refuses texts over 1,000,000 characters by default (E088); the built-in pipeline has
    no parser or NER, so a pasted or hostile 1.2 MB message is read, not a crash."""
    from chatsignals.nlp.pipeline import MAX_MESSAGE_CHARS, get_nlp

    nlp = get_nlp()
    assert nlp.max_length == MAX_MESSAGE_CHARS >= 10_000_000
    doc = nlp("we ship tomorrow. " * 70_000)
    assert len(doc) == 280_000 and len(list(doc.sents)) == 70_000


def test_a_promise_in_a_very_long_sentence_quotes_its_clause_in_context() -> None:
    """One unpunctuated wall of text is one "sentence": each promise row quotes its own clause
    with some context, marked with "…", instead of copying the whole wall into every row."""
    filler = "the weather in Ningbo is fine and the team says hello " * 20
    text = filler + ", goods will ship on March 20, " + filler
    rows = [{"conversation_id": "c", "sender": "Lily", "role": "seller",
             "timestamp": "2025-03-03T02:00:00Z", "text": text, "is_system": False}]
    promise = extract_promises(_messages(rows)).query("category == 'delivery'").iloc[0]
    assert "goods will ship on March 20" in promise["text"]
    assert promise["text"].startswith("…") and promise["text"].endswith("…")
    assert len(promise["text"]) < 500 < len(text)
    assert promise["deadline_latest"] == pd.Timestamp("2025-03-20")
