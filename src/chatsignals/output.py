"""Writing tables: Parquet (with provenance in its metadata), CSV (injection-safe), JSON lines.

Output is deterministic: the same table gives the same bytes (no write times in the files).
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ._version import __version__
from .errors import UsageError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_cell(value: Any) -> Any:
    """Prefix text a spreadsheet would run as a formula with a quote (CSV injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and pd.isna(value):
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain JSON-ready dicts (ISO 8601 times, None for nulls, lists for lists)."""
    cols = list(table.columns)
    return [
        {c: _jsonable(v) for c, v in zip(cols, row, strict=True)}
        for row in table.itertuples(index=False, name=None)
    ]


def to_arrow(table: pd.DataFrame, metadata: Mapping[str, Any] | None = None) -> pa.Table:
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    meta = dict(arrow.schema.metadata or {})
    meta[b"chatsignals"] = json.dumps(
        {"version": __version__, **(metadata or {})}, sort_keys=True, ensure_ascii=False
    ).encode()
    return arrow.replace_schema_metadata(meta)


def write_parquet(table: pd.DataFrame, path: Path, metadata: Mapping[str, Any] | None = None) -> None:
    pq.write_table(to_arrow(table, metadata), path, compression="zstd")


def _is_list(value: Any) -> bool:
    return isinstance(value, list | tuple) or (hasattr(value, "tolist") and not isinstance(value, str | pd.Timestamp))


def _csv_list(value: Any) -> Any:
    """A list cell as JSON; a missing cell (another file's rows lack the column) stays empty."""
    if _is_list(value):
        return json.dumps(list(value.tolist() if hasattr(value, "tolist") else value), ensure_ascii=False)
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return value


def write_csv(table: pd.DataFrame, target: Path | None) -> None:
    frame = table.copy()
    for col in frame.columns:
        if frame[col].dtype == object and frame[col].map(_is_list).any():
            frame[col] = frame[col].map(_csv_list)
        elif isinstance(frame[col].dtype, pd.DatetimeTZDtype):
            frame[col] = frame[col].map(lambda v: "" if pd.isna(v) else v.isoformat())
    frame = frame.map(neutralize_cell) if len(frame) else frame
    if target is None:
        buf = io.StringIO()
        frame.to_csv(buf, index=False, lineterminator="\r\n")
        sys.stdout.write(buf.getvalue())
    else:
        frame.to_csv(target, index=False, lineterminator="\r\n", encoding="utf-8")


def write_jsonl(table: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for rec in records(table):
            handle.write(json.dumps(rec, ensure_ascii=False, sort_keys=False) + "\n")


def write_table(table: pd.DataFrame, path: str | Path | None, metadata: Mapping[str, Any] | None = None) -> None:
    """Write by the suffix of ``path``: .parquet, .csv or .jsonl (CSV on stdout when None)."""
    if path is None:
        write_csv(table, None)
        return
    target = Path(path)
    suffix = target.suffix.lower()
    if target.parent and not target.parent.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".parquet":
        write_parquet(table, target, metadata)
    elif suffix == ".csv":
        write_csv(table, target)
    elif suffix in (".jsonl", ".ndjson"):
        write_jsonl(table, target)
    else:
        raise UsageError(f"cannot write {target.name}: use a .parquet, .csv or .jsonl name")


def read_parquet_metadata(path: str | Path) -> dict[str, Any]:
    """The chatsignals provenance stored in a Parquet file written by :func:`write_parquet`."""
    meta = pq.read_schema(path).metadata or {}
    raw = meta.get(b"chatsignals")
    return json.loads(raw) if raw else {}
