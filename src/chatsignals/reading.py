"""From input paths to one validated message table.

Walks folders, hashes every file, detects its format, runs its parser, then does what every
format needs the same way: time zone, source columns, stable message ids, roles, dtypes. Each
file is read in isolation: a bad file becomes an error record and the others are still read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from .errors import ChatsignalsError, InputError, UsageError
from .parsers import ParseOptions, detect, get_parser
from .parsers.base import localize_naive
from .parties import Parties, assign_roles
from .sources import Limits, Source, limits_from
from .table import ParseTally, concat_tables, finalize, sort_table, validate

#: files met while walking a folder that are attachments or assets of an export, not chats
ASSET_SUFFIXES = frozenset(
    [".jpg", ".jpeg", ".png", ".gif", ".webp", ".heic", ".bmp", ".tif", ".tiff", ".svg", ".ico", ".opus", ".ogg", ".mp3", ".m4a", ".aac", ".wav", ".amr", ".mp4", ".mov", ".avi", ".mkv", ".3gp", ".webm", ".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".vcf", ".css", ".js", ".woff", ".woff2", ".ttf", ".otf", ".map", ".db", ".sqlite", ".lnk", ".ds_store", ".thumbs", ".exe", ".dll", ".apk"]
)
DATE_ORDERS = ("DMY", "MDY", "YMD")


@dataclass
class InputFailure:
    """One input that could not be read, for stderr and errors.jsonl."""

    source_file: str
    reason: str

    def line(self) -> str:
        return f"{self.source_file}: {self.reason}"

    def to_dict(self) -> dict[str, str]:
        return {"source_file": self.source_file, "reason": self.reason}


@dataclass
class ReadResult:
    """The message table plus what happened to every input."""

    table: pd.DataFrame
    tallies: list[ParseTally] = field(default_factory=list)
    failures: list[InputFailure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # walk notes: skipped assets, duplicates


def read_report_lines(result: Any, quiet: bool = False) -> list[str]:
    """The stderr lines for what was read (per-file summaries, warnings, notes unless ``quiet``)
    and for every input that failed (always). ``result`` is a ReadResult or an Analysis."""
    lines: list[str] = []
    if not quiet:
        for tally in result.tallies:
            lines.append(tally.summary())
            lines += [f"warning: {tally.source_file}: {w}" for w in tally.warnings]
        lines += [f"note: {note}" for note in result.notes]
    lines += [f"error: {failure.line()}" for failure in result.failures]
    return lines


def resolve_tz(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise UsageError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") from None


def make_options(
    tz: str | ZoneInfo | None = None,
    date_order: str | None = None,
    seller: Iterable[str] | str | None = None,
    buyer: Iterable[str] | str | None = None,
) -> ParseOptions:
    zone = tz if isinstance(tz, ZoneInfo) else resolve_tz(tz)
    if date_order is not None:
        date_order = date_order.upper()
        if date_order not in DATE_ORDERS:
            raise UsageError(f"--date-order must be one of {', '.join(DATE_ORDERS)}, not {date_order!r}")
    return ParseOptions(tz=zone, date_order=date_order, parties=Parties.of(seller, buyer))


@overload
def iter_input_files(paths: Iterable[str | os.PathLike[str]], notes: list[str]) -> Iterator[str]: ...
@overload
def iter_input_files(
    paths: Iterable[str | os.PathLike[str] | Source], notes: list[str]
) -> Iterator[str | Source]: ...
def iter_input_files(paths: Iterable[str | os.PathLike[str] | Source], notes: list[str]) -> Iterator[str | Source]:
    """Files named directly, and the files of named folders (sorted, hidden ones left out).
    An already opened :class:`Source` passes through (its hash is not taken again).

    Assets met in folders (media, stylesheets) are counted in ``notes``, not read as chats."""
    for given in paths:
        if isinstance(given, Source):
            yield given
            continue
        path = Path(given)
        if not path.is_dir():
            yield str(given)
            continue
        assets = 0
        hidden = 0
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    hidden += 1
                    continue
                if Path(name).suffix.lower() in ASSET_SUFFIXES:
                    assets += 1
                    continue
                yield os.path.join(root, name)
        if assets or hidden:
            notes.append(
                f"{given}: left out {assets} media/asset file(s) and {hidden} hidden file(s) found in the folder"
            )


def default_conversation_id(platform: str, sha256: str) -> str:
    return f"{platform}-{sha256[:12]}"


def read_one(
    source: Source | str, options: ParseOptions, format: str | None = None, limits: Limits | None = None
) -> tuple[pd.DataFrame, ParseTally]:
    """Parse one file (a path, or a Source already opened and hashed) into a finalized table
    (roles included)."""
    if not isinstance(source, Source):
        source = Source.open(source, limits)
    if source.size == 0:
        raise InputError(source.display, "empty file")
    parser = get_parser(format) if format else detect(source)
    try:
        result = parser.parse(source, options)
    except ChatsignalsError:
        raise
    except RecursionError:
        raise InputError(source.display, f"nesting too deep to read as {parser.name}") from None
    except MemoryError:
        raise InputError(source.display, "file too large to read in memory") from None
    frame, tally = result.frame, result.tally
    if len(frame) == 0 and not tally.skipped and tally.messages == 0 and tally.system_lines == 0:
        raise InputError(source.display, f"no messages found (read as {parser.name})")
    frame = frame.copy()
    n = len(frame)
    if n and result.naive_timestamps and "timestamp" in frame:
        frame["timestamp"] = localize_naive(frame["timestamp"], options, tally)
        zone = options.tz.key if options.tz else "UTC (assumed)"
        if "timezone" in frame:
            frame["timezone"] = frame["timezone"].fillna(zone)
        else:
            frame["timezone"] = zone
    frame["source_file"] = source.display
    frame["source_sha256"] = source.sha256
    if "source_format" not in frame:
        frame["source_format"] = parser.name
    if "source_index" not in frame:
        frame["source_index"] = range(n)
    if "platform" not in frame:
        frame["platform"] = parser.platform
    else:
        frame["platform"] = frame["platform"].fillna(parser.platform)
    default_conv = default_conversation_id(parser.platform, source.sha256)
    if "conversation_id" not in frame:
        frame["conversation_id"] = default_conv
    else:
        frame["conversation_id"] = frame["conversation_id"].fillna(default_conv).astype(str)
    auto_ids = (source.sha256[:12] + ":" + frame["source_index"].astype("int64").astype(str)).astype("object")
    if "message_id" not in frame:
        frame["message_id"] = auto_ids
    else:
        frame["message_id"] = frame["message_id"].astype("object").where(frame["message_id"].notna(), auto_ids)
    if "source_locator" not in frame:
        frame["source_locator"] = [f"record {i}" for i in frame["source_index"]]
    table = finalize(frame)
    _warn_unread_times(table, tally)
    return assign_roles(table, options.parties), tally  # validated once, with the others, by read_inputs


def _warn_unread_times(table: pd.DataFrame, tally: ParseTally) -> None:
    """A time written in the file that did not become a timestamp (an impossible date under the
    day/month order used, a typo) is said, whatever the format: the row stays, time empty."""
    lost = table["timestamp"].isna() & table["timestamp_raw"].notna() & (table["timestamp_raw"].str.strip() != "")
    n = int(lost.sum())
    if n:
        first = table.loc[lost, "timestamp_raw"].iloc[0]
        tally.warn(
            f"{n} time(s) as written could not be read as a date (impossible under the day/month "
            f"order used, or out of range), e.g. {first!r}: kept in timestamp_raw, time left empty"
        )


def read_inputs(
    paths: Iterable[str | os.PathLike[str] | Source] | str | os.PathLike[str],
    options: ParseOptions,
    format: str | None = None,
    limits: Limits | None = None,
    on_file: Callable[[str], object] | None = None,
    progress: bool = False,
) -> ReadResult:
    """Read every input; failures are collected, not raised (UsageError still raises).
    ``progress`` shows a bar over the files (for a person at a terminal)."""
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    result = ReadResult(table=pd.DataFrame())
    files = list(iter_input_files(paths, result.notes))  # walked once: the bar needs the count
    bar = None
    if progress and on_file is None:
        from tqdm import tqdm

        bar = tqdm(total=len(files), unit="file", desc="reading", dynamic_ncols=True, leave=False)
        on_file = lambda _path: bar.update(1)  # noqa: E731
    tables: list[pd.DataFrame] = []
    seen: dict[str, str] = {}
    for item in files:
        path = item.display if isinstance(item, Source) else item
        try:
            source = item if isinstance(item, Source) else Source.open(item, limits)
            digest = source.sha256
            if digest in seen:
                result.notes.append(f"{path}: same bytes as {seen[digest]} (SHA-256 {digest[:12]}...), read once")
                continue
            seen[digest] = path
            table, tally = read_one(source, options, format, limits)
            tables.append(table)
            result.tallies.append(tally)
        except InputError as exc:
            result.failures.append(InputFailure(exc.path, exc.reason))
        finally:
            if on_file:
                on_file(path)
    if bar is not None:
        bar.close()
    table = link_email_threads(concat_tables(tables))
    if tables and table["message_id"].duplicated().any():
        table = _dedupe_ids_across_files(table, result)
    result.table = sort_table(table)
    validate(result.table)
    result.table.attrs.update(
        tallies=[t.to_dict() for t in result.tallies],
        errors=[f.to_dict() for f in result.failures],
        notes=list(result.notes),
    )
    return result


def link_email_threads(table: pd.DataFrame) -> pd.DataFrame:
    """E-mails of one thread may arrive as separate files: join them into one conversation."""
    if table.empty or not (table["platform"] == "email").any():
        return table
    from .parsers.email.threads import link_threads

    return finalize(link_threads(table))


def _dedupe_ids_across_files(table: pd.DataFrame, result: ReadResult) -> pd.DataFrame:
    """Given message ids (generic tables) may repeat across files: make them unique by the file."""
    dup = table["message_id"].duplicated(keep=False)
    table = table.copy()
    table.loc[dup, "message_id"] = (
        table.loc[dup, "message_id"].astype(str) + "@" + table.loc[dup, "source_sha256"].str[:8]
    )
    result.notes.append(f"{int(dup.sum())} given message ids repeat across files: suffixed with @<file hash>")
    return finalize(table)


def read(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    format: str | None = None,
    tz: str | None = None,
    date_order: str | None = None,
    seller: Iterable[str] | str | None = None,
    buyer: Iterable[str] | str | None = None,
    errors: str = "raise",
    limits: Limits | Mapping[str, int] | Iterable[str] | None = None,
) -> pd.DataFrame:
    """Read chat exports and e-mails into the message table (the Python face of ``parse``).
    ``limits`` changes the resource limits (:class:`chatsignals.sources.Limits`), e.g.
    ``{"max_zip_members": 50000}``.

    ``errors="raise"`` raises the first input's :class:`InputError` when any input failed;
    ``errors="warn"`` keeps what could be read and lists failures in ``df.attrs["errors"]``.
    Per-file tallies are in ``df.attrs["tallies"]``.
    """
    options = make_options(tz, date_order, seller, buyer)
    result = read_inputs(paths, options, format, limits=limits_from(limits))
    if result.failures and errors == "raise":
        first = result.failures[0]
        raise InputError(first.source_file, first.reason)
    return result.table
