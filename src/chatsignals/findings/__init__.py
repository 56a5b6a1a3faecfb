"""The findings stage: contradictions, scam patterns and e-mail signals, in one table."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from ..table import finalize_findings

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def find_all(messages: pd.DataFrame, promises: pd.DataFrame, facts: Any, as_of: dt.date) -> pd.DataFrame:
    """Every finding for the case, ranked by severity then score (highest first)."""
    from .contradictions import find_contradictions
    from .email_signals import find_email_signals
    from .rules.engine import run_rules

    parts = [
        finalize_findings(find_contradictions(messages, promises, facts, as_of)),
        finalize_findings(run_rules(messages, promises, facts)),
        finalize_findings(find_email_signals(messages, facts)),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return finalize_findings(pd.DataFrame())
    findings = pd.concat(parts, ignore_index=True)
    findings = findings.drop_duplicates("finding_id")
    rank = findings["severity"].map(SEVERITY_ORDER).fillna(5)
    findings = findings.assign(_rank=rank).sort_values(
        ["_rank", "score", "timestamp", "finding_id"], ascending=[True, False, True, True], kind="mergesort"
    )
    return finalize_findings(findings.drop(columns="_rank"))
