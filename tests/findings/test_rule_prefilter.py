"""The rule engine's shortcuts change nothing: the regex prefilter, the lemmas read without building
a doc, the texts known quiet and the shared matchers give exactly the findings of running every
pattern on every message.

The corpus is the labelled scam messages (``data/scam/messages.jsonl``: scam lines and legitimate
ones, misspelt the way sellers write) and every rule's own test texts.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from chatsignals.findings.rules import engine
from chatsignals.findings.rules.engine import Analysed, analyse, compiled_rules, rule_set, run_rules
from chatsignals.prefilter import RegexIndex, caseless, required

SCAM = Path(__file__).resolve().parents[2] / "data" / "scam" / "messages.jsonl"


def _corpus() -> list[tuple[str, str]]:
    """(speaker, text) of the labelled messages and of every rule test (history included)."""
    rows = [json.loads(line) for line in SCAM.read_text(encoding="utf-8").splitlines() if line.strip()]
    out = [(r.get("speaker") or "seller", r["text"]) for r in rows]
    for crule in compiled_rules():
        for case in [*crule.rule.tests.match, *crule.rule.tests.no_match]:
            if isinstance(case, str):
                out.append(("seller", case))
            else:
                out += [(h.get("speaker", "seller"), h["text"]) for h in case.history]
                out.append((case.speaker, case.text))
    return out


CORPUS = _corpus()


def test_required_reads_the_literals_every_match_contains():
    assert required(r"\bpay\w*\s+(?:today|now)\b", re.I) == [frozenset({"pay"}), frozenset({"today", "now"})]
    # the parser takes a common prefix out of the branches: "to" and then "day" or "night"
    assert required(r"(?:today|tonight)", re.I) == [frozenset({"to"}), frozenset({"day", "night"})]
    assert required(r"(?:please\s+)?SEND\b", re.I) == [frozenset({"send"})]  # optional: not needed
    assert required(r"(?<!not )pay", re.I) == [frozenset({"pay"})]  # a lookbehind consumes nothing
    assert required(r"[ab]c|d", re.I) == [frozenset({"c", "d"})]  # one of the branches
    assert required(r"\w+@\w+", re.I) == [frozenset({"@"})]
    assert required(r"x*|y", re.I) == []  # a branch that needs nothing: no factor


def test_the_prefilter_never_drops_a_regex_that_matches():
    rules = rule_set(compiled_rules())
    checked = matched = 0
    for _speaker, text in CORPUS:
        normal = Analysed.of(text, rules).normal_text
        possible = rules.index.possible(normal)
        for i, rx in enumerate(rules.regexes):
            if rx.search(normal):
                matched += 1
                assert possible is None or i in possible, (rx.pattern, normal)
        checked += len(rules.regexes) - (len(possible) if possible is not None else len(rules.regexes))
    assert matched > 500 and checked > 100_000  # the corpus hits many regexes and skips far more


def test_a_text_whose_case_folding_is_not_simple_runs_every_regex():
    assert re.search("send", "ſend the money", re.IGNORECASE)  # the long s matches s ...
    assert "send" not in "ſend the money".lower()  # ... but does not lower-case to it
    assert caseless("ſend the money") is None
    assert RegexIndex(["send"], re.IGNORECASE).possible("ſend the money") is None
    assert caseless("pls pay 👍 工厂") == "pls pay 👍 工厂"  # emoji and CJK have no case


def test_lemmas_read_without_a_doc_are_the_docs():
    for _speaker, text in CORPUS:
        doc = analyse(text)[1]
        assert Analysed.of(text).lemmas == {t.lemma_ for t in doc} | {t.lower_ for t in doc}, text


def _frame() -> pd.DataFrame:
    """The corpus as a few long conversations (so accounts, anchors and repeats carry over)."""
    n = len(CORPUS)
    start = pd.Timestamp("2025-03-01T08:00:00Z")
    return pd.DataFrame({
        "conversation_id": [f"c{i % 3}" for i in range(n)],
        "message_id": [f"m{i}" for i in range(n)],
        "timestamp": [start + pd.Timedelta(minutes=7 * i) for i in range(n)],
        "sender": ["Lily" if s == "seller" else "Tom" for s, _ in CORPUS],
        "role": [s for s, _ in CORPUS],
        "text": [t for _, t in CORPUS],
        "is_system": [False] * n,
    })


def test_findings_are_the_same_with_every_shortcut_off(monkeypatch: pytest.MonkeyPatch):
    frame = _frame()
    fast = run_rules(frame)
    monkeypatch.setattr(RegexIndex, "possible", lambda self, text: None)  # run every regex
    monkeypatch.setattr(engine, "_word_lemma", lambda: None)  # lemmas from a doc for every message
    monkeypatch.setattr(engine, "_analysis", lambda quiet, text, rules: Analysed.of(text, rules))  # no text known quiet
    slow = run_rules(frame)
    assert len(fast) > 200 and fast["rule_id"].nunique() >= 12
    pd.testing.assert_frame_equal(fast, slow)
