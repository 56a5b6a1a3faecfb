"""``wechat_csv``: the CSV that WeChatMsg (LC044/WeChatMsg) writes for one chat.

UTF-8 with a BOM, columns ``localId, TalkerId, Type, SubType, IsSender, CreateTime, Status,
StrContent, StrTime, Remark, NickName, Sender``. ``CreateTime`` (epoch seconds) is the moment
the server recorded, so it is the timestamp (UTC); ``StrTime`` is that moment as wall-clock
text on the exporting computer, kept as ``timestamp_raw``. ``IsSender=1`` marks the account
that exported the chat: kept as ``is_exporter``; it says "me", not "buyer", so the role is set
only by the user's ``--seller/--buyer``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import pandas as pd

from ...errors import InputError
from ...sources import Source
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from .common import APP_SUBTYPES, RECALL, TYPE_NAMES, app_message, strip_tags
from .textio import head_text, read_chat_text

COLUMNS = (
    "localId", "TalkerId", "Type", "SubType", "IsSender", "CreateTime", "Status", "StrContent",
    "StrTime", "Remark", "NickName", "Sender",
)
REQUIRED = ("Type", "IsSender", "CreateTime", "StrContent")
MEDIA_TYPES = ("image", "voice", "video", "sticker", "location", "contact_card")


def _header(text: str) -> list[str]:
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    try:
        return [f.strip() for f in next(csv.reader([first]))]
    except (csv.Error, StopIteration):
        return []


@register
class WeChatCsvParser(Parser):
    name = "wechat_csv"
    platform = "wechat"
    description = (
        "WeChatMsg chat CSV (UTF-8 with BOM): recognised by its header localId, TalkerId, Type, "
        "SubType, IsSender, CreateTime, ... StrContent, StrTime"
    )
    suffixes = (".csv",)
    priority = 1

    def detect(self, source: Source) -> float:
        fields = set(_header(head_text(source)))
        if set(REQUIRED) <= fields and {"StrTime", "localId"} & fields:
            return 0.95
        return 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        text = read_chat_text(source, tally)
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""), strict=True)
        try:
            fields = [f.strip() for f in reader.fieldnames or []]
        except csv.Error as exc:
            raise InputError(source.display, f"WeChat CSV header is not valid CSV ({exc})") from None
        missing = [c for c in REQUIRED if c not in fields]
        if missing:
            raise InputError(source.display, f"WeChat CSV lacks the column(s) {', '.join(missing)}")
        reader.fieldnames = fields
        rows = self._rows(reader, tally)
        frame = pd.DataFrame(rows)
        if len(frame):
            frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
            others = frame.loc[~frame["is_exporter"] & frame["sender"].notna(), "sender"]
            if len(others):
                frame["conversation_title"] = others.iloc[0]
        return ParseResult(frame, tally)

    def _rows(self, reader: csv.DictReader[str], tally: ParseTally) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        start = 2
        try:
            for record in reader:
                end = reader.line_num
                loc = f"L{start}" if start == end else f"L{start}-L{end}"
                start = end + 1
                row = self._row(record, loc, tally)
                if row is not None:
                    rows.append(row)
        except csv.Error as exc:
            tally.skip(f"L{start}-", f"CSV broken ({exc}): truncated or damaged file, rest unreadable")
        return rows

    def _row(self, record: dict[str, Any], loc: str, tally: ParseTally) -> dict[str, Any] | None:
        if None in record:
            tally.skip(loc, "record has more cells than the header")
            return None
        if not any((v or "").strip() for v in record.values()):
            tally.blank_lines += 1
            return None
        if any(value is None for value in record.values()):
            tally.skip(loc, "record has fewer cells than the header (truncated line)")
            return None
        when = _epoch(record.get("CreateTime"))
        if when is None:
            tally.skip(loc, f"CreateTime {record.get('CreateTime')!r} is not an epoch time")
            return None
        try:
            type_code = int(record.get("Type") or 0)
            sub_code = int(record.get("SubType") or 0)
        except ValueError:
            tally.skip(loc, f"Type {record.get('Type')!r} is not a number")
            return None
        exporter = (record.get("IsSender") or "").strip() == "1"
        sender = next((record[k].strip() for k in ("Remark", "NickName") if (record.get(k) or "").strip()), None)
        sender_id = (record.get("Sender") or "").strip() or None
        row: dict[str, Any] = {
            "timestamp": when,
            "timestamp_raw": (record.get("StrTime") or "").strip() or str(record.get("CreateTime")),
            "sender": sender or sender_id,
            "sender_id": sender_id,
            "is_exporter": exporter,
            "wechat_type": type_code,
            "wechat_subtype": sub_code,
            "wechat_local_id": (record.get("localId") or "").strip() or None,
            "attachments": [],
            "is_system": False,
            "source_locator": loc,
        }
        fill_content(row, type_code, sub_code, record.get("StrContent") or "", tally)
        if row["is_system"]:
            row["sender"] = row["sender_id"] = None
            tally.system_lines += 1
        else:
            tally.messages += 1
            tally.continuation_lines += row["text"].count("\n")
        return row


def _epoch(value: Any) -> pd.Timestamp | None:
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    unit = "ms" if number > 1e11 else "s"
    try:
        return pd.Timestamp(number, unit=unit, tz="UTC")
    except (OverflowError, ValueError):
        return None


def fill_content(row: dict[str, Any], type_code: int, sub_code: int, content: str, tally: ParseTally) -> None:
    """Set text, message_type, attachments (and quote/system flags) from WeChat's type codes."""
    kind = TYPE_NAMES.get(type_code)
    if kind is None:
        tally.warn(f"unknown WeChat message type {type_code}: content kept as text")
        row.update(text=content, message_type=f"type_{type_code}")
        return
    if kind == "system":
        row.update(text=strip_tags(content), message_type="system", is_system=True)
        row["is_deleted"] = bool(RECALL.search(content))
        return
    if kind in MEDIA_TYPES:
        row.update(text="", message_type=kind, attachments=[kind])
        return
    if kind == "link":
        _app_content(row, sub_code, content, tally)
        return
    row.update(text=content if kind in ("text", "call") else strip_tags(content), message_type=kind)


def _app_content(row: dict[str, Any], sub_code: int, content: str, tally: ParseTally) -> None:
    if not content.strip():
        tally.warn("some file/link cards have no content in the CSV (WeChat keeps it compressed): names unknown")
    card: dict[str, Any] = app_message(content, tally) if "<" in content else {"title": content or None}
    subtype = int(card.get("subtype") or sub_code)
    kind = APP_SUBTYPES.get(subtype, "link")
    title, des = card.get("title"), card.get("des")
    row["message_type"] = kind
    if kind == "file":
        row["attachments"] = [card.get("filename") or title or "file"]
        row["text"] = ""
    elif kind == "quote":
        row["text"] = title or ""
        row["quoted_text"] = card.get("quoted")
    elif kind == "transfer":
        row["text"] = " ".join(str(p) for p in (card.get("amount"), card.get("memo") or title) if p)
    else:
        row["text"] = "\n".join(p for p in (title, des, card.get("url")) if p)
