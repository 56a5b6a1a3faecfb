"""The findings stage: contradictions, scam patterns and e-mail signals, in one table."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from typing import Any

import pandas as pd

from ..table import finalize_findings, stable_id

SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}


def merge_repeated_patterns(findings: pd.DataFrame) -> pd.DataFrame:
    """One finding per scam pattern per conversation: the same pressure line five times is one
    indicator citing five messages, not five findings. The strongest instance speaks for them."""
    scam = findings["kind"] == "scam_pattern"
    if not scam.any():
        return findings
    merged = []
    for (_, rule_id), group in findings[scam].groupby(["conversation_id", "rule_id"], sort=False, dropna=False):
        if len(group) == 1:
            merged.append(group.iloc[0].to_dict())
            continue
        group = group.sort_values("timestamp", kind="mergesort")
        best = group.iloc[int(group["score"].argmax())].to_dict()  # first top score, NaN skipped
        ids = list(dict.fromkeys(m for ms in group["message_ids"] for m in ms))
        last = group["timestamp"].dropna().max()
        when = f" up to {last:%Y-%m-%d}" if not pd.isna(last) else ""
        best["message_ids"] = ids
        best["promise_ids"] = list(dict.fromkeys(p for ps in group["promise_ids"] for p in ps))
        best["explanation"] = f"{best['explanation']} The same pattern appears in {len(group) - 1} more message(s){when}."
        best["score"] = float(min(1.0, group["score"].max() + 0.05 * (len(group) - 1)))
        best["timestamp"] = group["timestamp"].min()
        best["finding_id"] = stable_id("F", rule_id, *ids)
        merged.append(best)
    return pd.concat([findings[~scam], pd.DataFrame(merged)], ignore_index=True)


def _isolated(
    name: str, produce: Callable[[], pd.DataFrame], notes: list[str] | None
) -> pd.DataFrame | None:
    """Run one producer; a bug in one must not cost the case the others' findings. The failure
    is said (in ``notes``, shown on stderr and in the report), never swallowed."""
    try:
        return produce()
    except Exception as exc:
        if os.environ.get("CHATSIGNALS_DEBUG"):
            raise
        message = f"the {name} stage failed and its findings are missing: {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}"
        if notes is None:
            raise
        notes.append(message)
        return None


def find_all(
    messages: pd.DataFrame, promises: pd.DataFrame, facts: Any, as_of: dt.date, notes: list[str] | None = None
) -> pd.DataFrame:
    """Every finding for the case, ranked by severity then score (highest first). With a
    ``notes`` list, a producer that fails is reported there and the others still run."""
    from .contradictions import find_contradictions
    from .email_signals import find_email_signals
    from .rules.engine import run_rules

    producers = (
        ("contradictions", lambda: find_contradictions(messages, promises, facts, as_of)),
        ("scam-pattern rules", lambda: run_rules(messages, promises, facts)),
        ("e-mail signals", lambda: find_email_signals(messages, facts)),
    )
    parts = []
    for name, produce in producers:
        part = _isolated(name, produce, notes)
        if part is not None and len(part):
            parts.append(finalize_findings(part))
    if not parts:
        return finalize_findings(pd.DataFrame())
    findings = pd.concat(parts, ignore_index=True)
    findings = findings.drop_duplicates("finding_id")
    findings = merge_repeated_patterns(findings)
    rank = findings["severity"].map(SEVERITY_ORDER).fillna(5)
    findings = findings.assign(_rank=rank).sort_values(
        ["_rank", "score", "timestamp", "finding_id"], ascending=[True, False, True, True], kind="mergesort"
    )
    return finalize_findings(findings.drop(columns="_rank"))
