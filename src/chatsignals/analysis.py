"""``analyze()``: the whole flow for one case, as plain functions over DataFrames.

    messages ──nlp──▶ promises ──findings──▶ findings ──risk──▶ report
                                   ▲ facts

Every stage takes tables (and the facts) and returns a table; nothing downstream re-reads a file.
The batch engines run :func:`analyze_table` per input or per partition.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .reading import InputFailure, make_options, read_inputs
from .results import ResultViews
from .sources import DEFAULT_LIMITS, Limits, limits_from
from .table import ParseTally, finalize_findings, finalize_promises


@dataclass
class Settings:
    """Everything that changes an analysis' result (recorded in manifest.json)."""

    tz: str | None = None
    date_order: str | None = None
    seller: list[str] = field(default_factory=list)
    buyer: list[str] = field(default_factory=list)
    format: str | None = None
    facts_file: str | None = None
    as_of: dt.date | None = None  # the analysis date; today when None
    limits: dict[str, int] = field(default_factory=dict)  # resource limits changed from the defaults

    def read_limits(self) -> Limits:
        return DEFAULT_LIMITS.overridden(self.limits)

    def as_of_date(self) -> dt.date:
        return self.as_of or dt.date.today()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Settings:
        as_of = data.get("as_of")
        return cls(
            tz=data.get("tz"),
            date_order=data.get("date_order"),
            seller=list(data.get("seller") or []),
            buyer=list(data.get("buyer") or []),
            format=data.get("format"),
            facts_file=data.get("facts_file"),
            as_of=dt.date.fromisoformat(as_of) if as_of else None,
            limits=dict(data.get("limits") or {}),
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "tz": self.tz,
            "date_order": self.date_order,
            "seller": list(self.seller),
            "buyer": list(self.buyer),
            "format": self.format,
            "facts_file": self.facts_file,
            "as_of": self.as_of_date().isoformat(),
        }
        if self.limits:  # only when changed: default outputs stay byte-identical
            out["limits"] = dict(sorted(self.limits.items()))
        return out


@dataclass(repr=False)
class Analysis(ResultViews):
    """The result of analysing one case: the three tables and how they were made."""

    messages: pd.DataFrame
    promises: pd.DataFrame
    findings: pd.DataFrame
    risk: pd.DataFrame | None = None
    facts: Any = None  # chatsignals.facts.Facts or None
    settings: Settings = field(default_factory=Settings)
    tallies: list[ParseTally] = field(default_factory=list)
    failures: list[InputFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    output_problems: list[str] = field(default_factory=list)  # outputs that could not be written


def analyze_table(messages: pd.DataFrame, facts: Any = None, settings: Settings | None = None) -> Analysis:
    """Run the NLP and findings stages on a message table already read."""
    from .findings import find_all
    from .nlp.promises import extract_promises

    settings = settings or Settings()
    notes: list[str] = []
    promises = finalize_promises(extract_promises(messages, facts=facts))
    findings = finalize_findings(find_all(messages, promises, facts, settings.as_of_date(), notes))
    from .findings.risk import conversation_risk

    risk = conversation_risk(findings, messages)
    return Analysis(messages, promises, findings, risk, facts, settings, notes=notes)


def analyze(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    facts: str | os.PathLike[str] | Any = None,
    tz: str | None = None,
    date_order: str | None = None,
    seller: Iterable[str] | str | None = None,
    buyer: Iterable[str] | str | None = None,
    format: str | None = None,
    as_of: dt.date | str | None = None,
    progress: bool = False,
    limits: Limits | Mapping[str, int] | Iterable[str] | None = None,
) -> Analysis:
    """Read the inputs and analyse them as one case. Inputs that fail are in ``.failures``.
    ``limits`` changes the resource limits (:class:`chatsignals.sources.Limits`)."""
    from .facts import load_facts

    facts_obj = load_facts(facts) if isinstance(facts, str | os.PathLike) else facts
    seller_list = [seller] if isinstance(seller, str) else list(seller or [])
    buyer_list = [buyer] if isinstance(buyer, str) else list(buyer or [])
    if facts_obj is not None:
        seller_list += [p for p in facts_obj.seller_names() if p not in seller_list]
        buyer_list += [p for p in facts_obj.buyer_names() if p not in buyer_list]
    if isinstance(as_of, str):
        as_of = dt.date.fromisoformat(as_of)
    settings = Settings(
        tz=tz,
        date_order=date_order,
        seller=seller_list,
        buyer=buyer_list,
        format=format,
        facts_file=str(facts) if isinstance(facts, str | os.PathLike) else None,
        as_of=as_of,
        limits=limits_from(limits).changes(),
    )
    options = make_options(tz, date_order, seller_list, buyer_list)
    read = read_inputs(paths, options, format, limits=settings.read_limits(), progress=progress)
    result = analyze_table(read.table, facts_obj, settings)
    result.tallies, result.failures = read.tallies, read.failures
    result.notes = [*read.notes, *result.notes]
    return result
