"""The message table: its columns, their dtypes, validation, and the parse tally.

This is the one place that defines what a message row is (../shared/CONTRACT.md). Parsers hand
over partial frames; :func:`finalize` turns them into the full table with every column present and
typed, so every format yields the same table and downstream stages never guess.
"""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .errors import TableError

if TYPE_CHECKING:
    from pandas._typing import DtypeObj

STRING = "string"
UTC_TIME = "datetime64[ns, UTC]"

#: The contract's required columns, in order, with their dtypes.
REQUIRED_COLUMNS: dict[str, str] = {
    "conversation_id": STRING,
    "message_id": STRING,
    "timestamp": UTC_TIME,
    "timestamp_raw": STRING,
    "sender": STRING,
    "role": STRING,
    "text": STRING,
    "platform": STRING,
    "is_system": "bool",
    "attachments": "object",  # list[str]
    "source_file": STRING,
    "source_sha256": STRING,
    "source_locator": STRING,
}

#: Columns every row carries beyond the contract's minimum.
EXTRA_COLUMNS: dict[str, str] = {
    "source_format": STRING,  # the parser that read the row (whatsapp, email, wechat_csv, ...)
    "source_index": "int64",  # position of the row in its source file, 0-based
    "conversation_title": STRING,  # chat name, e-mail subject, contact name
    "sender_id": STRING,  # phone number, account id or address when the format has one
    "message_type": STRING,  # text, image, voice, video, file, sticker, link, order_card, system...
    "is_deleted": "bool",
    "is_edited": "bool",
    "reply_to_message_id": STRING,  # the message this one answers, when the format says
    "timezone": STRING,  # how a naive timestamp was read ("Europe/Berlin", "UTC (assumed)")
}

#: E-mail columns (null on chat rows).
EMAIL_COLUMNS: dict[str, str] = {
    "subject": STRING,
    "from_address": STRING,
    "from_name": STRING,
    "reply_to": STRING,
    "to": STRING,  # comma-separated addresses
    "cc": STRING,
    "quoted_text": STRING,
    "signature": STRING,
    "email_message_id": STRING,
    "in_reply_to": STRING,
    "references": STRING,
    "auth_results": STRING,
    "received_first_hop": STRING,
    "attachment_sha256": "object",  # list[str], parallel to attachments
}

COLUMNS: dict[str, str] = {**REQUIRED_COLUMNS, **EXTRA_COLUMNS, **EMAIL_COLUMNS}
LIST_COLUMNS = ("attachments", "attachment_sha256")
BOOL_COLUMNS = tuple(name for name, dtype in COLUMNS.items() if dtype == "bool")

ROLES = ("seller", "buyer", "platform", "system", "unknown")
PLATFORMS = (
    "whatsapp",
    "email",
    "alibaba",
    "wechat",
    "telegram",
    "skype",
    "messenger",
    "instagram",
    "line",
    "signal",
    "generic",
)


@dataclass
class Skipped:
    """One piece of input that did not become a message, and why."""

    locator: str
    reason: str


@dataclass
class ParseTally:
    """What became of every line or record of one input file: nothing vanishes silently."""

    source_file: str
    source_sha256: str = ""
    format: str = ""
    messages: int = 0
    system_lines: int = 0
    continuation_lines: int = 0
    blank_lines: int = 0
    separator_lines: int = 0  # day headers and other layout lines that carry no message
    skipped: list[Skipped] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def skip(self, locator: str, reason: str) -> None:
        self.skipped.append(Skipped(locator, reason))

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def summary(self) -> str:
        """One line for stderr: what was read, what was counted, what was skipped and why."""
        parts = [
            f"{self.source_file} [{self.format}]: {self.messages} messages",
            f"{self.system_lines} system",
            f"{self.continuation_lines} continuation lines",
        ]
        if self.blank_lines:
            parts.append(f"{self.blank_lines} blank lines")
        if self.separator_lines:
            parts.append(f"{self.separator_lines} separator lines")
        reasons = Counter(s.reason for s in self.skipped)
        if reasons:
            detail = "; ".join(f"{n} {r}" for r, n in reasons.most_common())
            parts.append(f"{len(self.skipped)} skipped ({detail})")
        else:
            parts.append("0 skipped")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def empty_table() -> pd.DataFrame:
    """A message table with no rows and every column typed."""
    return finalize(pd.DataFrame())


def _default_for(name: str, dtype: str, n: int) -> Any:
    if dtype == "bool":
        return pd.Series([False] * n, dtype="bool")
    if name in LIST_COLUMNS:
        with _gc_paused():
            return pd.Series([[] for _ in range(n)], dtype="object")
    if dtype == "int64":
        return pd.Series(range(n), dtype="int64")
    if dtype == UTC_TIME:
        return pd.Series(pd.NaT, index=range(n), dtype=UTC_TIME)
    return pd.Series(pd.NA, index=range(n), dtype=dtype)  # broadcast: no million-item list


def _as_list(value: Any) -> list[str]:
    if type(value) is list and all(type(v) is str for v in value):
        return value  # the common case, kept as it is
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [value] if value else []
    return [str(v) for v in value]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic GC while a million small lists are made (it would rescan them all)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _list_column(col: pd.Series) -> pd.Series:
    """The column as lists of str; only cells that are not lists already go through _as_list."""
    with _gc_paused():
        values = col.to_numpy(dtype=object, copy=True)
        for i in [i for i, v in enumerate(values) if type(v) is not list]:
            v = values[i]
            values[i] = [] if v is None else _as_list(v)
        return pd.Series(values, dtype="object")


_NS_MIN, _NS_MAX = pd.Timestamp.min.tz_localize("UTC"), pd.Timestamp.max.tz_localize("UTC")


def _in_ns_range(series: pd.Series) -> pd.Series:
    """Times outside what nanoseconds can hold (before 1677, after 2262: typos like year 20255)
    become empty; the string as written stays in ``timestamp_raw``."""
    if len(series) and str(series.dtype) != UTC_TIME:
        bad = series.notna() & ((series < _NS_MIN) | (series > _NS_MAX))
        if bad.any():
            series = series.where(~bad)
    return series


def _dtype(name: str) -> DtypeObj:
    """The dtype object a column's dtype name stands for (what ``astype(name)`` would use); the
    column tables keep plain names, which pandas' stubs do not accept for ``astype``."""
    return pd.api.types.pandas_dtype(name)


def _as_utc(series: pd.Series) -> pd.Series:
    """Coerce a column to tz-aware UTC; naive values must have been localised before this."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return _in_ns_range(series.dt.tz_convert("UTC")).astype(_dtype(UTC_TIME))
    if pd.api.types.is_datetime64_dtype(series.dtype):
        raise TableError("naive timestamps reached the table; localise them first")
    converted = pd.to_datetime(series, utc=True, errors="coerce")
    return _in_ns_range(converted).astype(_dtype(UTC_TIME))


def finalize(frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with every column of :data:`COLUMNS`, in order, with its dtype.

    Missing columns get their default (null, False, empty list); unknown columns are kept after
    the known ones so parsers and users may carry extra information.
    """
    n = len(frame)
    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for name, dtype in COLUMNS.items():
        if name not in frame.columns:
            out[name] = _default_for(name, dtype, n)
            continue
        col = frame[name]
        if name in LIST_COLUMNS:
            out[name] = _list_column(col)
        elif dtype == UTC_TIME:
            out[name] = _as_utc(col)
        elif dtype == "bool":
            out[name] = col.fillna(False).astype("bool")
        elif dtype == "int64":
            out[name] = col.astype("int64")
        else:
            out[name] = col.astype(_dtype(dtype))
    extras = {c: frame[c] for c in frame.columns if c not in COLUMNS}
    return pd.DataFrame({**out, **extras})


def validate(table: pd.DataFrame) -> None:
    """Raise :class:`TableError` when ``table`` breaks the contract (missing column, bad dtype,
    duplicate message ids, unknown role or platform)."""
    for name, dtype in COLUMNS.items():
        if name not in table.columns:
            raise TableError(f"column {name!r} is missing")
        actual = str(table[name].dtype)
        if dtype == STRING:
            if not isinstance(table[name].dtype, pd.StringDtype):
                raise TableError(f"column {name!r} has dtype {actual}, expected string")
        elif actual != dtype:
            raise TableError(f"column {name!r} has dtype {actual}, expected {dtype}")
    dupes = table["message_id"][table["message_id"].duplicated()]
    if len(dupes):
        raise TableError(f"duplicate message_id {dupes.iloc[0]!r}")
    bad_roles = set(table["role"].dropna().unique()) - set(ROLES)
    if bad_roles:
        raise TableError(f"unknown role(s) {sorted(bad_roles)}")
    bad_platforms = set(table["platform"].dropna().unique()) - set(PLATFORMS)
    if bad_platforms:
        raise TableError(f"unknown platform(s) {sorted(bad_platforms)}")
    if table["message_id"].isna().any():
        raise TableError("a row has no message_id")


def sort_table(table: pd.DataFrame) -> pd.DataFrame:
    """Conversation then time order. A row without a time (a system line, an undated e-mail)
    keeps its place after the dated row before it in its file, instead of sinking to the end."""
    if table.empty:
        return table.reset_index(drop=True)
    in_file_order = table.sort_values(["source_file", "source_index"], kind="mergesort")
    carried = in_file_order.groupby("source_file", sort=False)["timestamp"].ffill()
    keyed = table.assign(_t=carried.reindex(table.index))
    order = keyed.sort_values(
        ["conversation_id", "_t", "source_file", "source_index"],
        kind="mergesort",
        na_position="last",
    )
    return order.drop(columns="_t").reset_index(drop=True)


def concat_tables(tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate finalized tables, keeping dtypes (pandas drops them for empty frames)."""
    tables = [t for t in tables if len(t)]
    if not tables:
        return empty_table()
    if len(tables) == 1:
        return tables[0]  # already finalized by read_one
    return finalize(pd.concat(tables, ignore_index=True))


# --- the downstream tables (promises, findings): their columns live here too -------------------

#: promises.parquet (CONTRACT.md), then extras
PROMISE_COLUMNS: dict[str, str] = {
    "promise_id": STRING,
    "message_id": STRING,
    "conversation_id": STRING,
    "timestamp": UTC_TIME,
    "sender": STRING,
    "category": STRING,  # delivery quality quantity price payment refund documents sample communication
    "kind": STRING,  # commitment | claim
    "text": STRING,  # the sentence
    "strength": STRING,  # firm | hedged | conditional
    "deadline_earliest": "datetime64[ns]",  # a date (midnight, no zone)
    "deadline_latest": "datetime64[ns]",
    "deadline_anchor": STRING,  # message order deposit balance sample_approval shipment delivery holiday absolute unknown
    "value": STRING,
    # extras
    "role": STRING,
    "deadline_text": STRING,  # the words that set the deadline ("within 15 working days after deposit")
    "condition": STRING,  # the condition of a conditional promise ("if you pay today")
    "answers_message_id": STRING,  # for "ok / no problem": the buyer request it accepts
    "confidence": "float64",
    "attribute": STRING,  # for specs: material_grade, ip_rating, certificate, composition, size, ...
}
PROMISE_CATEGORIES = (
    "delivery", "quality", "quantity", "price", "payment", "refund", "documents", "sample", "communication",
)
PROMISE_KINDS = ("commitment", "claim")
STRENGTHS = ("firm", "hedged", "conditional")
ANCHORS = (
    "message", "order", "deposit", "balance", "sample_approval", "shipment", "delivery", "holiday",
    "absolute", "unknown",
)

#: findings.parquet (CONTRACT.md), then extras
FINDING_COLUMNS: dict[str, str] = {
    "finding_id": STRING,
    "rule_id": STRING,
    "kind": STRING,  # contradiction | scam_pattern | email
    "severity": STRING,  # info low medium high critical
    "title": STRING,
    "explanation": STRING,
    "message_ids": "object",  # list[str]
    "promise_ids": "object",  # list[str]
    "score": "float64",
    # extras
    "conversation_id": STRING,
    "timestamp": UTC_TIME,  # when the finding's first cited message was sent
    "evidence": STRING,  # the quoted words or header values the finding rests on
    "references": "object",  # list[str]: public guidance the rule comes from
}
FINDING_KINDS = ("contradiction", "scam_pattern", "email")
SEVERITIES = ("info", "low", "medium", "high", "critical")


def _shape(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    n = len(frame)
    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for name, dtype in columns.items():
        if name not in frame.columns:
            if dtype == "object":
                out[name] = pd.Series([[] for _ in range(n)], dtype="object")
            elif dtype == "float64":
                out[name] = pd.Series([float("nan")] * n, dtype="float64")
            elif dtype.startswith("datetime64"):
                out[name] = pd.Series(pd.NaT, index=range(n), dtype=dtype)
            else:
                out[name] = pd.Series([pd.NA] * n, dtype=dtype)
            continue
        col = frame[name]
        if dtype == "object":
            out[name] = pd.Series([_as_list(v) for v in col], dtype="object")
        elif dtype == UTC_TIME:
            out[name] = _as_utc(col)
        elif dtype == "datetime64[ns]":
            conv = pd.to_datetime(col, errors="coerce")
            if isinstance(conv.dtype, pd.DatetimeTZDtype):
                conv = conv.dt.tz_localize(None)
            out[name] = conv.dt.normalize().astype("datetime64[ns]")
        else:
            out[name] = col.astype(_dtype(dtype))
    extras = {c: frame[c] for c in frame.columns if c not in columns}
    return pd.DataFrame({**out, **extras})


def finalize_promises(frame: pd.DataFrame) -> pd.DataFrame:
    """The promises table with every contract column typed (see :data:`PROMISE_COLUMNS`)."""
    return _shape(frame, PROMISE_COLUMNS)


def finalize_findings(frame: pd.DataFrame) -> pd.DataFrame:
    """The findings table with every contract column typed (see :data:`FINDING_COLUMNS`)."""
    return _shape(frame, FINDING_COLUMNS)


def stable_id(prefix: str, *parts: object) -> str:
    """A short id that is the same for the same inputs on every run (sha-256 of the parts)."""
    import hashlib

    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:12]}"
