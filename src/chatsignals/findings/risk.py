"""Stacking findings into each conversation's risk: several weak signals together rank above one.

Each finding contributes ``p = severity weight x score``. Repeats of the same rule add less and
less (the k-th repeat counts ``p x 0.5**k``), so ten "please pay today" messages do not outweigh a
look-alike domain plus a changed account. The contributions combine as a noisy-OR,
``risk = 1 - prod(1 - p)``: independent indicators each close part of the remaining gap, and the
score stays in 0..1. The risk is an indicator for a person to weigh, never a verdict.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

SEVERITY_WEIGHT = {"critical": 1.0, "high": 0.8, "medium": 0.55, "low": 0.3, "info": 0.1}
REPEAT_DECAY = 0.5
#: lower bounds of each level, highest first
LEVELS = (("critical", 0.85), ("high", 0.6), ("medium", 0.3), ("low", 0.0001))
MAX_REASONS = 6
RISK_COLUMNS = ["conversation_id", "risk_score", "level", "n_findings", "n_rules", "reasons", "rule_ids"]


def level_of(score: float) -> str:
    for name, floor in LEVELS:
        if score >= floor:
            return name
    return "none"


def _contribution(severity: Any, score: Any) -> float:
    weight = SEVERITY_WEIGHT.get(str(severity), 0.3)
    try:
        value = float(score)
    except (TypeError, ValueError):
        value = 0.5
    if value != value:  # NaN: a producer gave no score
        value = 0.5
    return max(0.0, min(1.0, weight * value))


def _conversation_of(findings: pd.DataFrame, messages: pd.DataFrame) -> pd.Series:
    """Each finding's conversation: its own column, else that of its first cited message."""
    by_message = {}
    if messages is not None and len(messages):
        by_message = dict(zip(messages["message_id"].astype(str), messages["conversation_id"], strict=True))
    own = findings["conversation_id"] if "conversation_id" in findings.columns else pd.Series(
        [None] * len(findings), index=findings.index
    )
    out: list[str | None] = []
    for conv, ids in zip(own, findings["message_ids"], strict=True):
        if isinstance(conv, str) and conv:
            out.append(conv)
            continue
        cited = [by_message.get(str(i)) for i in (ids if isinstance(ids, list | tuple) else [])]
        out.append(next((c for c in cited if c), None))
    return pd.Series(out, index=findings.index, dtype="object")


def _stack(rows: pd.DataFrame) -> tuple[float, list[str], list[str]]:
    """(risk, reasons, rule ids) of one conversation's findings."""
    per_rule: dict[str, list[tuple[float, Any]]] = defaultdict(list)
    for rec in rows.itertuples(index=False):
        per_rule[str(rec.rule_id)].append((_contribution(rec.severity, rec.score), rec))
    keep = 1.0
    ranked = []
    for rule_id, items in per_rule.items():
        items.sort(key=lambda x: -x[0])
        total = 0.0
        for k, (p, _rec) in enumerate(items):
            p_k = p * REPEAT_DECAY**k
            keep *= 1.0 - p_k
            total += p_k
        ranked.append((total, rule_id, items))
    ranked.sort(key=lambda x: (-x[0], x[1]))
    reasons = [_reason(rule_id, items) for _total, rule_id, items in ranked[:MAX_REASONS]]
    return round(1.0 - keep, 4), reasons, [r for _t, r, _i in ranked]


def _reason(rule_id: str, items: list[tuple[float, Any]]) -> str:
    best = items[0][1]
    title = str(getattr(best, "title", None) or rule_id)
    count = f" ({len(items)}x)" if len(items) > 1 else ""
    evidence = getattr(best, "evidence", None)
    quote = f': "{_short(evidence)}"' if isinstance(evidence, str) and evidence else ""
    return f"{best.severity}: {title}{count}{quote}"


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def conversation_risk(findings: pd.DataFrame, messages: pd.DataFrame) -> pd.DataFrame:
    """One row per conversation of ``messages`` (and any other conversation a finding names):
    ``risk_score`` 0..1, ``level`` (none, low, medium, high, critical), ``n_findings``,
    ``n_rules``, ``reasons`` (short strings, strongest first) and ``rule_ids``; highest risk first."""
    convs: list[str] = []
    if messages is not None and len(messages):
        convs = [str(c) for c in pd.unique(messages["conversation_id"].dropna())]
    records: dict[str, dict[str, Any]] = {
        c: {"conversation_id": c, "risk_score": 0.0, "level": "none", "n_findings": 0, "n_rules": 0,
            "reasons": [], "rule_ids": []}
        for c in convs
    }
    if findings is not None and len(findings):
        frame = findings.assign(_conv=_conversation_of(findings, messages))
        for conv, rows in frame.groupby("_conv", sort=False, dropna=True):
            score, reasons, rule_ids = _stack(rows)
            records[str(conv)] = {
                "conversation_id": str(conv), "risk_score": score, "level": level_of(score),
                "n_findings": len(rows), "n_rules": len(rule_ids), "reasons": reasons,
                "rule_ids": rule_ids,
            }
    out = pd.DataFrame(list(records.values()), columns=RISK_COLUMNS)
    out = out.sort_values(["risk_score", "conversation_id"], ascending=[False, True], kind="mergesort")
    return out.astype({"conversation_id": "string", "level": "string", "risk_score": "float64",
                       "n_findings": "int64", "n_rules": "int64"}).reset_index(drop=True)
