"""E-mail threads: one ``conversation_id`` per thread, across files.

A thread is what the headers say it is: Message-ID, In-Reply-To and References link mails into
one tree, and Gmail's ``X-GM-THRID`` names the thread outright. Subjects are only a last resort
(a reply with a ``Re:``-style prefix and no reference headers), because "Order" or "Invoice"
subjects repeat across unrelated threads.

The reader sees one file at a time, so a thread spread over .eml files is re-linked after
concatenation by :func:`link_threads` (a union-find over message ids).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

import pandas as pd

_IDS = re.compile(r"<([^<>\s]+)>")
_PREFIX = re.compile(
    r"^\s*((re|fwd?|fw|aw|wg|sv|vs|antw|rif|tr|réf|r|答复|答覆|回复|回覆|转发|轉寄|转寄|轉發)"
    r"\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{1,30}\]\s*)+",
    re.IGNORECASE,
)
_REPLY = re.compile(r"^\s*(re|aw|sv|vs|antw|rif|r|答复|答覆|回复|回覆)\s*(\[\d+\])?\s*[:：]", re.I)
GMAIL_PREFIX = "gmail-"
EMAIL_PREFIX = "email-"


def message_ids(value: str | None) -> list[str]:
    """The ids in a Message-ID/In-Reply-To/References value, without angle brackets."""
    if not value:
        return []
    found = _IDS.findall(value)
    if found:
        return found
    return [t for t in value.split() if "@" in t]


def normalize_subject(subject: str | None) -> str:
    """The subject without reply/forward prefixes and list tags, case-folded."""
    if not subject:
        return ""
    return " ".join(_PREFIX.sub("", subject).casefold().split())


def is_reply_subject(subject: str | None) -> bool:
    return bool(subject and _REPLY.match(subject))


def declared_root(message_id: str | None, in_reply_to: str | None, references: str | None) -> str | None:
    """The thread root a mail names itself: its first reference, else what it answers, else
    its own id."""
    refs = message_ids(references)
    if refs:
        return refs[0]
    parents = message_ids(in_reply_to)
    if parents:
        return parents[0]
    own = message_ids(message_id)
    return own[0] if own else None


def thread_key(root: str) -> str:
    return EMAIL_PREFIX + hashlib.sha256(root.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def conversation_for(
    message_id: str | None,
    in_reply_to: str | None,
    references: str | None,
    subject: str | None,
    gmail_thread: str | None = None,
) -> str | None:
    """One mail's conversation id from its own headers (None: leave the file default)."""
    if gmail_thread:
        return GMAIL_PREFIX + gmail_thread.strip()
    root = declared_root(message_id, in_reply_to, references)
    if root:
        return thread_key(root)
    norm = normalize_subject(subject)
    return thread_key("subject:" + norm) if norm else None


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        parent = self.parent.setdefault(x, x)
        root = x
        while parent != root:
            root = parent
            parent = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, items: Iterable[str]) -> None:
        items = list(items)
        if not items:
            return
        first = self.find(items[0])
        for item in items[1:]:
            other = self.find(item)
            if other != first:
                self.parent[other] = first


def _email_rows(table: pd.DataFrame) -> pd.Series:
    """Rows that are e-mails (platform email), the only rows re-linked."""
    return table["platform"].astype("object").eq("email").fillna(False).astype(bool)


def link_threads(table: pd.DataFrame) -> pd.DataFrame:
    """Re-link e-mail rows across files and rewrite their ``conversation_id`` (and, where the
    answered mail is in the table, ``reply_to_message_id``).

    Rows that share a message id through Message-ID/In-Reply-To/References, or share a Gmail
    thread id, become one conversation. A reply (``Re:``-style subject) with no reference
    headers joins the earliest thread with the same normalised subject. Each thread's id is
    ``email-<sha12>`` of the smallest root its mails declare (so it matches what each file's
    parse gave a well-formed thread), or ``gmail-<thrid>`` when Gmail named it. Non-e-mail rows
    are returned unchanged.
    """
    if table.empty or "email_message_id" not in table.columns:
        return table
    mask = _email_rows(table)
    if not mask.any():
        return table
    rows = table.loc[mask]
    uf = _UnionFind()
    nodes: dict[int, str] = {}
    roots: dict[int, str] = {}
    for idx, mid, irt, refs, subject, conv in zip(
        rows.index.tolist(), _col(rows, "email_message_id"), _col(rows, "in_reply_to"),
        _col(rows, "references"), _col(rows, "subject"), _col(rows, "conversation_id"), strict=True,
    ):
        mid, irt, refs, subject = (_s(mid), _s(irt), _s(refs), _s(subject))
        ids = message_ids(mid) + message_ids(irt) + message_ids(refs)
        node = f"id:{ids[0]}" if ids else f"row:{idx}"
        links = [f"id:{i}" for i in ids] or [node]
        conv = _s(conv)
        if conv and conv.startswith(GMAIL_PREFIX):
            links.append("gm:" + conv)
        uf.union(links)
        nodes[idx] = node
        root = declared_root(mid, irt, refs)
        roots[idx] = root if root else ("subject:" + normalize_subject(subject) if subject else f"row:{idx}")
    _link_by_subject(rows, nodes, uf)
    return _fill_parents(_rewrite(table, rows, nodes, roots, uf), mask)


def _fill_parents(table: pd.DataFrame, mask: pd.Series) -> pd.DataFrame:
    """``reply_to_message_id``: the table's own id of the mail this one answers, when that mail
    was read too (In-Reply-To, else the last References id)."""
    if "message_id" not in table.columns:
        return table
    rows = table.loc[mask]
    by_header: dict[str, object] = {}
    for header, own in zip(_col(rows, "email_message_id"), _col(rows, "message_id"), strict=True):
        for mid in message_ids(_s(header)):
            by_header.setdefault(mid, own)
    parents: dict[int, object] = {}
    for idx, irt, refs in zip(rows.index.tolist(), _col(rows, "in_reply_to"), _col(rows, "references"), strict=True):
        candidates = message_ids(_s(irt))[-1:] or message_ids(_s(refs))[-1:]
        if candidates and candidates[0] in by_header:
            parents[idx] = by_header[candidates[0]]
    if not parents:
        return table
    present = "reply_to_message_id" in table.columns
    column = table["reply_to_message_id"].astype("object") if present else pd.Series(None, index=table.index, dtype="object")
    column.loc[list(parents)] = list(parents.values())
    table["reply_to_message_id"] = column.astype(table["reply_to_message_id"].dtype) if present else column
    return table


def _col(frame: pd.DataFrame, name: str) -> list[object]:
    return frame[name].astype("object").tolist() if name in frame.columns else [None] * len(frame)


def _s(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return str(value)


def _link_by_subject(rows: pd.DataFrame, nodes: dict[int, str], uf: _UnionFind) -> None:
    """Last resort: a ``Re:`` mail without reference headers joins its subject's thread."""
    order = rows.sort_values("timestamp", kind="mergesort", na_position="last")
    first_by_subject: dict[str, str] = {}
    for idx, subject, irt, refs in zip(
        order.index.tolist(), _col(order, "subject"), _col(order, "in_reply_to"), _col(order, "references"),
        strict=True,
    ):
        norm = normalize_subject(_s(subject))
        if not norm:
            continue
        if norm not in first_by_subject:
            first_by_subject[norm] = nodes[idx]
            continue
        if is_reply_subject(_s(subject)) and not _s(irt) and not _s(refs):
            uf.union([first_by_subject[norm], nodes[idx]])


def _rewrite(
    table: pd.DataFrame, rows: pd.DataFrame, nodes: dict[int, str], roots: dict[int, str], uf: _UnionFind
) -> pd.DataFrame:
    groups: dict[str, list[int]] = {}
    for idx, node in nodes.items():
        groups.setdefault(uf.find(node), []).append(idx)
    new_ids: dict[int, str] = {}
    current = dict(zip(rows.index.tolist(), _col(rows, "conversation_id"), strict=True))
    for members in groups.values():
        gmail = sorted(c for c in (_s(current[i]) for i in members) if c and c.startswith(GMAIL_PREFIX))
        if gmail:
            conv = gmail[0]
        elif all(roots[i].startswith("row:") for i in members):
            continue  # nothing to link by: the rows keep the ids their file gave them
        else:
            conv = thread_key(min(roots[i] for i in members))
        for i in members:
            new_ids[i] = conv
    table = table.copy()
    conv_col = table["conversation_id"].astype("object")
    conv_col.loc[list(new_ids)] = list(new_ids.values())
    table["conversation_id"] = conv_col.astype(table["conversation_id"].dtype)
    return table
