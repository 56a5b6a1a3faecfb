"""Per conversation: what was promised, what happened, the gap, and the findings ranked.

The report opens each conversation with this so a reader sees the story before the evidence
rows. Findings that rest on the case facts alone (an inspection count, with no message cited)
belong to no conversation: they get one extra row, ``conversation_id = "(case facts)"``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from .contradictions import _plain
from .message_events import message_events

CASE_ROW = "(case facts)"
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
SUMMARY_COLUMNS = (
    "conversation_id", "platform", "title", "first_message", "last_message", "messages",
    "seller_messages", "buyer_messages", "promises", "promised", "happened", "gap", "findings",
    "finding_ids", "rule_ids", "max_severity", "top_score",
)
MAX_PROMISED = 6


def _promise_line(p: Any) -> str:
    when = p.timestamp.date().isoformat() if not pd.isna(p.timestamp) else "?"
    deadline = ""
    if not pd.isna(p.deadline_latest):
        deadline = f", by {pd.Timestamp(p.deadline_latest).date().isoformat()}"
    words = " ".join(str(p.text).split())[:120]
    return f"{when}: \u201c{words}\u201d ({p.category} {p.kind}{deadline})"


def _promised(promises: pd.DataFrame) -> list[str]:
    """The firm commitments and claims first, then the rest, each with its date and deadline."""
    if not len(promises):
        return []
    rank = promises["strength"].map({"firm": 0, "conditional": 1, "hedged": 2}).fillna(3)
    chosen = promises.assign(_r=rank).sort_values(["_r", "timestamp"], kind="mergesort")
    chosen = chosen.head(MAX_PROMISED).sort_values("timestamp", kind="mergesort")
    return [_promise_line(p) for p in chosen.itertuples(index=False)]


def _event_line(e: Any, who: str) -> str:
    details = f": {e.details}" if isinstance(e.details, str) and e.details else ""
    return f"{pd.Timestamp(e.date).date().isoformat()} {e.type} ({who}){details}"[:200]


def _happened(facts_lines: list[tuple[Any, str]], stated: pd.DataFrame) -> list[str]:
    """The case facts' events plus what this conversation's messages say happened, by date."""
    rows = list(facts_lines)
    rows += [(e.date, _event_line(e, "seller's message")) for e in stated.itertuples(index=False)]
    return [line for _, line in sorted(rows, key=lambda r: pd.Timestamp(r[0]))]


def _ranked(findings: pd.DataFrame) -> pd.DataFrame:
    if not len(findings):
        return findings
    rank = findings["severity"].map(SEVERITY_ORDER).fillna(5)
    return findings.assign(_rank=rank).sort_values(
        ["_rank", "score", "finding_id"], ascending=[True, False, True], kind="mergesort"
    ).drop(columns="_rank")


def _row(conv: str, msgs: pd.DataFrame, proms: pd.DataFrame, finds: pd.DataFrame,
         happened: list[str]) -> dict[str, Any]:
    finds = _ranked(finds)
    roles = msgs["role"] if len(msgs) else pd.Series(dtype="string")
    titles = msgs["conversation_title"].dropna() if "conversation_title" in msgs else pd.Series()
    platforms = msgs["platform"].dropna() if len(msgs) else pd.Series()
    return {
        "conversation_id": conv,
        "platform": platforms.iloc[0] if len(platforms) else None,
        "title": titles.iloc[0] if len(titles) else None,
        "first_message": msgs["timestamp"].min() if len(msgs) else pd.NaT,
        "last_message": msgs["timestamp"].max() if len(msgs) else pd.NaT,
        "messages": len(msgs),
        "seller_messages": int((roles == "seller").sum()),
        "buyer_messages": int((roles == "buyer").sum()),
        "promises": len(proms),
        "promised": _promised(proms),
        "happened": happened,
        "gap": finds["explanation"].iloc[0] if len(finds) else "No contradiction found.",
        "findings": len(finds),
        "finding_ids": finds["finding_id"].tolist() if len(finds) else [],
        "rule_ids": list(dict.fromkeys(finds["rule_id"])) if len(finds) else [],
        "max_severity": finds["severity"].iloc[0] if len(finds) else None,
        "top_score": float(finds["score"].max()) if len(finds) else 0.0,
    }


def _finding_groups(findings: pd.DataFrame, by_message: dict[str, str]) -> dict[str, list[int]]:
    """Row positions of the findings of each conversation: filed there or citing one of its
    messages; findings that cite no message and name no conversation go to :data:`CASE_ROW`."""
    groups: dict[str, list[int]] = {}
    for i, (conv, mids) in enumerate(zip(findings["conversation_id"], findings["message_ids"],
                                         strict=True)):
        convs = {by_message[str(m)] for m in mids if str(m) in by_message}
        if isinstance(conv, str):
            convs.add(conv)
        for c in convs or {CASE_ROW}:
            groups.setdefault(c, []).append(i)
    return groups


def conversation_summary(messages: pd.DataFrame, promises: pd.DataFrame, findings: pd.DataFrame,
                         facts: Any = None) -> pd.DataFrame:
    """One row per conversation (SUMMARY_COLUMNS), ordered by the worst finding, then by time."""
    messages, promises, findings = _plain(messages), _plain(promises), _plain(findings)
    facts_lines = [] if facts is None else [
        (e.date, _event_line(e, "facts")) for e in facts.events_frame().itertuples(index=False)]
    stated = message_events(messages) if len(messages) else pd.DataFrame(
        columns=["date", "type", "conversation_id", "details"])
    stated_by = dict(tuple(stated.groupby("conversation_id", sort=False))) if len(stated) else {}
    proms_by = dict(tuple(promises.groupby("conversation_id", sort=False))) if len(promises) else {}
    by_message = dict(zip(messages["message_id"].astype(str), messages["conversation_id"], strict=True))
    groups = _finding_groups(findings, by_message) if len(findings) else {}
    rows = []
    for conv, msgs in messages.groupby("conversation_id", sort=True):
        conv = str(conv)
        finds = findings.iloc[groups.get(conv, [])] if len(findings) else findings
        rows.append(_row(conv, msgs, proms_by.get(conv, promises.iloc[:0]), finds,
                         _happened(facts_lines, stated_by.get(conv, stated.iloc[:0]))))
    if CASE_ROW in groups:
        rows.append(_row(CASE_ROW, messages.iloc[:0], promises.iloc[:0],
                         findings.iloc[groups[CASE_ROW]], _happened(facts_lines, stated.iloc[:0])))
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    if not len(frame):
        return frame
    order = frame["max_severity"].map(SEVERITY_ORDER).fillna(5)
    frame = frame.assign(_o=order).sort_values(["_o", "top_score", "first_message"],
                                               ascending=[True, False, True], kind="mergesort")
    return frame.drop(columns="_o").reset_index(drop=True)
