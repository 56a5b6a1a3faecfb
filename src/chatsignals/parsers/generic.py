"""Generic tables: a CSV or JSONL (or JSON array) with ``timestamp``, ``sender`` and ``text``.

Optional columns ``conversation_id``, ``message_id`` and ``role`` are kept as given; any other
message-table column present (``platform``, ``attachments``...) is kept too. Timestamps may be
ISO 8601 with or without an offset, or epoch seconds/milliseconds.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pandas as pd

from ..errors import InputError
from ..sources import Source
from ..table import COLUMNS, PLATFORMS, ROLES, ParseTally
from . import register
from .base import ParseOptions, Parser, ParseResult, localize_naive

REQUIRED = ("timestamp", "sender", "text")
KEPT = ("conversation_id", "message_id", "role", "platform", "attachments", "is_system")


def _header_fields(head: str) -> set[str]:
    first = head.lstrip("\ufeff").splitlines()[0] if head.strip() else ""
    try:
        return {f.strip().casefold() for f in next(csv.reader([first]))}
    except (csv.Error, StopIteration):
        return set()


def parse_time(value: Any) -> tuple[pd.Timestamp | None, bool]:
    """(timestamp, is_naive). Epoch numbers above 1e11 are milliseconds."""
    if value is None or value == "":
        return None, False
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
            number = float(value)
            unit = "ms" if number > 1e11 else "s"
            return pd.Timestamp(number, unit=unit, tz="UTC"), False
        ts = pd.Timestamp(str(value).strip())
    except (ValueError, TypeError, OverflowError):
        return None, False
    if pd.isna(ts):  # Timestamp("NaT") is NaT, which the stubs do not say
        return None, False
    if ts.tzinfo is None:
        return ts, True
    return ts.tz_convert("UTC"), False


@register
class GenericParser(Parser):
    name = "generic"
    platform = "generic"
    description = (
        "CSV, JSONL or JSON array with timestamp, sender and text columns "
        "(optional conversation_id, message_id, role): recognised by its header or first record"
    )
    suffixes = (".csv", ".jsonl", ".ndjson", ".json")
    priority = -1

    def detect(self, source: Source) -> float:
        try:
            head = source.head.decode("utf-8", errors="strict")
        except UnicodeDecodeError:
            head = source.head[: len(source.head) - 4].decode("utf-8", errors="ignore")
        stripped = head.lstrip("\ufeff \r\n\t")
        if stripped.startswith("{"):
            lines = stripped.splitlines()
            if len(lines) == 1 and len(source.head) >= 64 * 1024:  # a first record longer than the head
                return 0.6 if all(f'"{k}"' in stripped.casefold() for k in REQUIRED) else 0.0
            try:
                first = json.loads(lines[0])
            except (json.JSONDecodeError, IndexError):
                return 0.0
            return 0.9 if isinstance(first, dict) and set(REQUIRED) <= {k.casefold() for k in first} else 0.0
        if stripped.startswith("["):
            window = stripped[:4000].casefold()
            return 0.5 if all(f'"{k}"' in window for k in REQUIRED) else 0.0
        return 0.9 if set(REQUIRED) <= _header_fields(head) else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        text = source.read_text()
        tally = self.new_tally(source)
        stripped = text.lstrip()
        if stripped.startswith("["):
            records = self._json_array(source, text)
        elif stripped.startswith("{"):
            records = self._jsonl(source, text, tally)
        else:
            records = self._csv(source, text, tally)
        return self._build(records, tally, options)

    def _csv(self, source: Source, text: str, tally: ParseTally) -> list[tuple[str, dict[str, Any]]]:
        csv.field_size_limit(max(csv.field_size_limit(), source.limits.max_line_chars))  # long messages are cells too
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None:
            raise InputError(source.display, "CSV has no header row")
        reader.fieldnames = [f.strip().casefold() for f in reader.fieldnames]
        missing = [c for c in REQUIRED if c not in reader.fieldnames]
        if missing:
            raise InputError(source.display, f"CSV lacks the column(s) {', '.join(missing)}")
        out: list[tuple[str, dict[str, Any]]] = []
        start = 2
        try:
            for row in reader:
                end = reader.line_num
                loc = f"L{start}" if start == end else f"L{start}-L{end}"
                start = end + 1
                if None in row:  # more cells than header fields
                    tally.warn("some CSV rows have more cells than the header; extra cells kept in text")
                    extra = row.pop(None)
                    row["text"] = ",".join([row.get("text") or "", *extra])
                if not any((v or "").strip() for v in row.values()):
                    tally.blank_lines += 1
                    continue
                out.append((loc, row))
        except csv.Error as exc:
            tally.skip(f"L{start}-", f"CSV syntax error: {exc}; rest of file unreadable")
        return out

    def _jsonl(self, source: Source, text: str, tally: ParseTally) -> list[tuple[str, dict[str, Any]]]:
        out: list[tuple[str, dict[str, Any]]] = []
        for lineno, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                tally.blank_lines += 1
                continue
            try:
                record = json.loads(line)
            except (json.JSONDecodeError, RecursionError) as exc:
                tally.skip(f"L{lineno}", f"invalid JSON ({exc.__class__.__name__})")
                continue
            if not isinstance(record, dict):
                tally.skip(f"L{lineno}", "JSON line is not an object")
                continue
            out.append((f"L{lineno}", {str(k).casefold(): v for k, v in record.items()}))
        return out

    def _json_array(self, source: Source, text: str) -> list[tuple[str, dict[str, Any]]]:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise InputError(source.display, f"invalid JSON ({exc})") from None
        if not isinstance(data, list):
            raise InputError(source.display, "JSON is not an array of messages")
        return [
            (f"$[{i}]", {str(k).casefold(): v for k, v in rec.items()})
            for i, rec in enumerate(data)
            if isinstance(rec, dict)
        ]

    def _build(
        self, records: list[tuple[str, dict[str, Any]]], tally: ParseTally, options: ParseOptions
    ) -> ParseResult:
        rows: list[dict[str, Any]] = []
        naive_flags: list[bool] = []
        seen_ids: dict[str, int] = {}
        for loc, rec in records:
            missing = [c for c in REQUIRED if c not in rec]
            if missing:
                tally.skip(loc, f"record lacks {', '.join(missing)}")
                continue
            raw = rec.get("timestamp")
            ts, naive = parse_time(raw)
            if ts is None and raw not in (None, ""):
                tally.warn("some timestamps could not be read; kept raw, time left empty")
            row: dict[str, Any] = {
                "timestamp": ts,
                "timestamp_raw": None if raw is None else str(raw),
                "sender": (str(rec["sender"]).strip() or None) if rec["sender"] is not None else None,
                "text": "" if rec.get("text") is None else str(rec["text"]),
                "source_locator": loc,
            }
            for key in KEPT:
                value = rec.get(key)
                if value in (None, ""):
                    continue
                row[key] = value
            for key, value in rec.items():  # other contract columns travel along
                if key in COLUMNS and key not in row and value not in (None, ""):
                    row[key] = value
            self._check_values(row, loc, tally, seen_ids)
            rows.append(row)
            naive_flags.append(naive)
        tally.messages = len(rows)
        frame = pd.DataFrame(rows)
        if rows:
            frame = self._times(frame, naive_flags, options, tally)
            if "is_system" in frame:
                frame["is_system"] = frame["is_system"].map(
                    lambda v: str(v).strip().casefold() in ("1", "true", "yes")
                )
                tally.system_lines = int(frame["is_system"].sum())
                tally.messages -= tally.system_lines
        return ParseResult(frame, tally)

    @staticmethod
    def _check_values(row: dict[str, Any], loc: str, tally: ParseTally, seen_ids: dict[str, int]) -> None:
        role = row.get("role")
        if role is not None and str(role).casefold() not in ROLES:
            tally.warn(f"unknown role value {role!r} read as unknown")
            row["role"] = "unknown"
        elif role is not None:
            row["role"] = str(role).casefold()
        platform = row.get("platform")
        if platform is not None and str(platform).casefold() not in PLATFORMS:
            tally.warn(f"unknown platform value {platform!r} read as generic")
            row["platform"] = "generic"
        if "message_id" in row:
            mid = str(row["message_id"])
            if mid in seen_ids:
                seen_ids[mid] += 1
                tally.warn(f"duplicate message_id {mid!r} made unique with a #n suffix")
                mid = f"{mid}#{seen_ids[mid]}"
            else:
                seen_ids[mid] = 1
            row["message_id"] = mid
        if isinstance(row.get("attachments"), str):
            text = row["attachments"].strip()
            try:
                parsed = json.loads(text) if text.startswith("[") else None
            except json.JSONDecodeError:
                parsed = None
            row["attachments"] = parsed if isinstance(parsed, list) else [a.strip() for a in text.split(";") if a.strip()]

    @staticmethod
    def _times(
        frame: pd.DataFrame, naive_flags: list[bool], options: ParseOptions, tally: ParseTally
    ) -> pd.DataFrame:
        values = frame["timestamp"].tolist()
        utc = [v if (v is not None and not naive) else None for v, naive in zip(values, naive_flags, strict=True)]
        out = pd.Series(pd.to_datetime(pd.Series(utc, dtype="object"), utc=True), index=frame.index)
        if any(naive_flags):
            naive_vals = pd.Series(
                [v if naive else None for v, naive in zip(values, naive_flags, strict=True)], index=frame.index
            )
            localized = localize_naive(pd.to_datetime(naive_vals), options, tally)
            mask = pd.Series(naive_flags, index=frame.index)
            out = out.where(~mask, localized)
            frame["timezone"] = [
                (options.tz.key if options.tz else "UTC (assumed)") if n else None for n in naive_flags
            ]
        frame["timestamp"] = out
        return frame
