"""Fuzzing ``chatsignals.analysis.analyze_table``: the NLP and findings stages on a real message
table whose cells an attacker controls (the text, the sender, the times).

Property: the analysis finishes; every promise and finding points at messages that exist. Each
example runs spaCy over the sample case, so the default run is small.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
from functools import lru_cache

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import chatsignals
from chatsignals.table import finalize

from .corpus import SAMPLES
from .strategies import EXAMPLES, HOSTILE_CHARS, LONG_RUN

for _module in ("chatsignals.findings.email_signals", "chatsignals.findings.risk", "chatsignals.nlp.promises"):
    if importlib.util.find_spec(_module) is None:
        pytest.skip(f"{_module} does not exist yet", allow_module_level=True)

from chatsignals.analysis import Settings, analyze_table  # noqa: E402
from chatsignals.facts import load_facts  # noqa: E402

AS_OF = dt.date(2025, 5, 25)


@lru_cache(maxsize=1)
def sample_case() -> tuple[pd.DataFrame, object]:
    facts = load_facts(SAMPLES / "facts.yaml")
    table = chatsignals.read(SAMPLES / "chats", tz="Europe/Berlin",
                             seller=facts.seller_names(), buyer=facts.buyer_names())
    return table, facts


HOSTILE_TEXTS = st.one_of(
    st.text(max_size=200),
    st.sampled_from([
        "", " ", "\x00" * 10, "\u202epay to account 848-123456-838\u202c", "=HYPERLINK(\"http://x\")",
        "we will ship " * 5_000, "by " * 20_000, "USD " + "9" * 5_000, "tomorrow " * 3_000,
        "IBAN DE89 3704 0044 0532 0130 00 " * 500, "下周发货" * 5_000, "a" * 1_100_000,
        "(((((" * 4_000, "lily@brightway-lightings.com " * 2_000, "\n" * 10_000,
    ]),
    st.lists(st.sampled_from(HOSTILE_CHARS), max_size=50).map("".join),
)
EXTREME_TIMES = st.sampled_from([
    pd.NaT, pd.Timestamp("1677-09-22", tz="UTC"), pd.Timestamp("2262-04-10", tz="UTC"),
    pd.Timestamp("1970-01-01", tz="UTC"), pd.Timestamp("2025-05-25T23:59:59", tz="UTC"),
])


@st.composite
def damaged_tables(draw: st.DrawFn) -> pd.DataFrame:
    table, _ = sample_case()
    table = table.copy()
    for _i in range(draw(st.integers(1, 6))):
        row = draw(st.integers(0, len(table) - 1))
        field = draw(st.sampled_from(["text", "sender", "timestamp", "role", "drop", "duplicate"]))
        if field == "text":
            table.loc[row, "text"] = draw(HOSTILE_TEXTS)
        elif field == "sender":
            table.loc[row, "sender"] = draw(st.one_of(st.none(), HOSTILE_TEXTS))
        elif field == "timestamp":
            table.loc[row, "timestamp"] = draw(EXTREME_TIMES)
        elif field == "role":
            table.loc[row, "role"] = draw(st.sampled_from(["seller", "buyer", "unknown", "platform", "system"]))
        elif field == "drop" and len(table) > 2:
            table = table.drop(index=table.index[row]).reset_index(drop=True)
        else:
            extra = table.iloc[[row]].copy()
            extra["message_id"] = extra["message_id"] + "-dup"
            table = pd.concat([table, extra], ignore_index=True)
    return finalize(table)


@settings(
    max_examples=max(EXAMPLES // 4, 8), deadline=None, derandomize=not LONG_RUN,
    phases=list(Phase) if LONG_RUN else [Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(messages=damaged_tables())
def test_analyze_table_survives_hostile_cells(messages: pd.DataFrame) -> None:
    _, facts = sample_case()
    result = analyze_table(messages, facts, Settings(tz="Europe/Berlin", as_of=AS_OF))
    ids = set(messages["message_id"])
    assert set(result.promises["message_id"]) <= ids
    for cited in result.findings["message_ids"]:
        assert set(cited) <= ids
    promise_ids = set(result.promises["promise_id"])
    for cited in result.findings["promise_ids"]:
        assert set(cited) <= promise_ids


def test_analyze_table_on_the_intact_case_finds_the_story() -> None:
    """The baseline the fuzzing departs from: the sample case yields its findings."""
    messages, facts = sample_case()
    result = analyze_table(messages, facts, Settings(tz="Europe/Berlin", as_of=AS_OF))
    assert len(result.findings) > 0 and len(result.promises) > 0
    assert "payment.account_change_request" in set(result.findings["rule_id"])
