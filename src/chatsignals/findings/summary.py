"""Per conversation: what was promised, what happened, the gap, and the findings ranked.

The report opens each conversation with this so a reader sees the story before the evidence
rows. Findings that rest on the case facts alone (an inspection count, with no message cited)
belong to no conversation: they get one extra row, ``conversation_id = "(case facts)"``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..facts import as_facts
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


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, list | tuple) and bool(pd.isna(value)))


def _promise_line(p: dict[str, Any]) -> str:
    ts = p["timestamp"]
    when = pd.Timestamp(ts).date().isoformat() if not _missing(ts) else "?"
    deadline = ""
    if not _missing(p["deadline_latest"]):
        deadline = f", by {pd.Timestamp(p['deadline_latest']).date().isoformat()}"
    words = " ".join(str(p["text"]).split())[:120]
    return f"{when}: \u201c{words}\u201d ({p['category']} {p['kind']}{deadline})"


def _time_key(value: Any) -> float:
    return float("inf") if _missing(value) else pd.Timestamp(value).timestamp()


def _promised(promises: list[dict[str, Any]]) -> list[str]:
    """The firm commitments and claims first, then the rest, each with its date and deadline."""
    rank = {"firm": 0, "conditional": 1, "hedged": 2}
    chosen = sorted(promises, key=lambda p: (rank.get(p["strength"], 3), _time_key(p["timestamp"])))
    chosen = sorted(chosen[:MAX_PROMISED], key=lambda p: _time_key(p["timestamp"]))
    return [_promise_line(p) for p in chosen]


def _event_line(date: Any, kind: Any, details: Any, who: str) -> str:
    more = f": {details}" if isinstance(details, str) and details else ""
    return f"{pd.Timestamp(date).date().isoformat()} {kind} ({who}){more}"[:200]


def _happened(facts_lines: list[tuple[Any, str]], stated: list[dict[str, Any]]) -> list[str]:
    """The case facts' events plus what this conversation's messages say happened, by date."""
    rows = list(facts_lines)
    rows += [(e["date"], _event_line(e["date"], e["type"], e["details"], "seller's message"))
             for e in stated]
    return [line for _, line in sorted(rows, key=lambda r: pd.Timestamp(r[0]))]


def _ranked(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(findings, key=lambda f: (SEVERITY_ORDER.get(f["severity"], 5), -float(f["score"]),
                                           str(f["finding_id"])))


def _stats(messages: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per conversation: platform, title, first/last time, counts (one groupby, not one per
    conversation)."""
    frame = pd.DataFrame({
        "conversation_id": messages["conversation_id"].astype(str),
        "timestamp": messages["timestamp"],
        "seller": (messages["role"] == "seller").fillna(False).astype(int),
        "buyer": (messages["role"] == "buyer").fillna(False).astype(int),
        "platform": messages["platform"].astype(object),
        "title": (messages["conversation_title"] if "conversation_title" in messages
                  else pd.Series([None] * len(messages))).astype(object),
    })
    grouped = frame.groupby("conversation_id", sort=True).agg(
        first_message=("timestamp", "min"), last_message=("timestamp", "max"),
        messages=("timestamp", "size"), seller_messages=("seller", "sum"),
        buyer_messages=("buyer", "sum"), platform=("platform", "first"), title=("title", "first"))
    return {str(k): {str(c): v for c, v in row.items()} for k, row in grouped.to_dict("index").items()}


def _row(conv: str, stats: dict[str, Any], proms: list[dict[str, Any]],
         finds: list[dict[str, Any]], happened: list[str]) -> dict[str, Any]:
    finds = _ranked(finds)
    return {
        "conversation_id": conv,
        "platform": stats.get("platform"),
        "title": stats.get("title"),
        "first_message": stats.get("first_message", pd.NaT),
        "last_message": stats.get("last_message", pd.NaT),
        "messages": int(stats.get("messages", 0)),
        "seller_messages": int(stats.get("seller_messages", 0)),
        "buyer_messages": int(stats.get("buyer_messages", 0)),
        "promises": len(proms),
        "promised": _promised(proms),
        "happened": happened,
        "gap": finds[0]["explanation"] if finds else "No contradiction found.",
        "findings": len(finds),
        "finding_ids": [f["finding_id"] for f in finds],
        "rule_ids": list(dict.fromkeys(f["rule_id"] for f in finds)),
        "max_severity": finds[0]["severity"] if finds else None,
        "top_score": max((float(f["score"]) for f in finds), default=0.0),
    }


def _finding_groups(findings: list[dict[str, Any]], by_message: dict[str, str]) -> dict[str, list[int]]:
    """Positions of the findings of each conversation: filed there or citing one of its
    messages; findings that cite no message and name no conversation go to :data:`CASE_ROW`."""
    groups: dict[str, list[int]] = {}
    for i, f in enumerate(findings):
        convs = {by_message[str(m)] for m in f["message_ids"] if str(m) in by_message}
        if isinstance(f["conversation_id"], str):
            convs.add(f["conversation_id"])
        for c in convs or {CASE_ROW}:
            groups.setdefault(c, []).append(i)
    return groups


def _by_conversation(records: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in records:
        out.setdefault(str(r["conversation_id"]), []).append(r)
    return out


def conversation_summary(messages: pd.DataFrame, promises: pd.DataFrame, findings: pd.DataFrame,
                         facts: Any = None) -> pd.DataFrame:
    """One row per conversation (SUMMARY_COLUMNS), ordered by the worst finding, then by time."""
    messages, promises, findings = _plain(messages), _plain(promises), _plain(findings)
    facts = as_facts(facts)
    facts_lines = [] if facts is None else [
        (e.date, _event_line(e.date, e.type, e.details, "facts"))
        for e in facts.events_frame().itertuples(index=False)]
    stated = _by_conversation(_records(message_events(messages))) if len(messages) else {}
    proms = _by_conversation(_records(promises)) if len(promises) else {}
    finds = _records(findings) if len(findings) else []
    by_message = dict(zip(messages["message_id"].astype(str), messages["conversation_id"].astype(str),
                          strict=True))
    groups = _finding_groups(finds, by_message)
    stats = _stats(messages) if len(messages) else {}
    rows = [
        _row(conv, st, proms.get(conv, []), [finds[i] for i in groups.get(conv, [])],
             _happened(facts_lines, stated.get(conv, [])))
        for conv, st in stats.items()
    ]
    if CASE_ROW in groups:
        rows.append(_row(CASE_ROW, {}, [], [finds[i] for i in groups[CASE_ROW]],
                         _happened(facts_lines, [])))
    frame = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    if not len(frame):
        return frame
    order = frame["max_severity"].map(SEVERITY_ORDER).fillna(5)
    frame = frame.assign(_o=order).sort_values(["_o", "top_score", "first_message"],
                                               ascending=[True, False, True], kind="mergesort")
    return frame.drop(columns="_o").reset_index(drop=True)
