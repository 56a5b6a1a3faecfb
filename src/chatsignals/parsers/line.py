"""LINE chat history ``.txt`` (the app's "Send chat history" / "Save chat history").

Layout::

    [LINE] Chat history with Lily Chen          ([LINE] Lily Chenとのトーク履歴 / 與Lily Chen的聊天記錄)
    Saved on: 5/21/2025, 10:02                  (保存日時：2025/05/21 10:02)

    Mon, 3/3/2025                               (2025/03/03(Mon), 2025/03/03(月), 2025.03.03 Monday)
    09:15<TAB>Lily Chen<TAB>we received your deposit
    09:20<TAB>Tom Becker<TAB>"first line
    second line"
    09:30<TAB>Lily Chen unsent a message.       (two fields: a system line)

Times are 24 h or 12 h (``10:30 PM``, ``上午10:30``, ``午後3:05``) and carry no zone: naive,
``--tz`` applies. English day headers are month first (US) unless a day above 12 or
``--date-order DMY`` says otherwise. A message in quotes spans lines until its closing quote
(inner quotes doubled). Media show as ``[Photo]``, ``[Sticker]``, ``[写真]``...: kept in text,
named in attachments and message_type. The title and day header lines are reported in the
tally as skipped with their reason (their content lives on in conversation_title and timestamp).
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..errors import InputError
from ..sources import Source
from ..table import ParseTally
from . import register
from .base import ParseOptions, Parser, ParseResult

TITLE = re.compile(
    r"^\[LINE\]\s*(?:Chat history with (?P<en>.+)|(?P<ja>.+?)とのトーク履歴|與(?P<zh>.+?)的聊天記錄"
    r"|(?P<zh2>.+?)的聊天记录|Chat history in (?P<grp>.+)|(?P<other>.+))$"
)
SAVED = re.compile(r"^(Saved on|保存日時|儲存日期|保存日期)\s*[:：]")
DAY_MDY = re.compile(r"^(?:[A-Z][a-z]{2,8}),? (\d{1,2})/(\d{1,2})/(\d{4})$")
DAY_YMD = re.compile(
    r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})\s*(?:[(（][^)）]{1,10}[)）]|[A-Za-z]+day)?$"
)
TIME = re.compile(
    r"^(?P<pre>上午|下午|午前|午後|AM|PM)?\s?(?P<h>\d{1,2}):(?P<m>\d{2})\s?(?P<post>AM|PM|am|pm)?\t(?P<rest>.*)$"
)
MEDIA = {
    "photo": "image",
    "photos": "image",
    "album": "image",
    "写真": "image",
    "照片": "image",
    "圖片": "image",
    "sticker": "sticker",
    "スタンプ": "sticker",
    "貼圖": "sticker",
    "贴图": "sticker",
    "video": "video",
    "動画": "video",
    "影片": "video",
    "视频": "video",
    "file": "file",
    "ファイル": "file",
    "檔案": "file",
    "文件": "file",
    "voice message": "voice",
    "ボイスメッセージ": "voice",
    "語音訊息": "voice",
    "语音讯息": "voice",
    "location": "location",
    "位置情報": "location",
    "位置資訊": "location",
    "contact": "contact",
    "連絡先": "contact",
    "聯絡資訊": "contact",
}
PM = ("下午", "午後", "PM", "pm")
AM = ("上午", "午前", "AM", "am")


def _hour(match: re.Match[str]) -> int:
    hour = int(match["h"])
    mark = match["pre"] or match["post"]
    if mark in PM and hour < 12:
        return hour + 12
    if mark in AM and hour == 12:
        return 0
    return hour


def _media(text: str) -> tuple[list[str], str | None]:
    stripped = text.strip()
    if stripped.startswith("[") and stripped.endswith("]"):
        kind = MEDIA.get(stripped[1:-1].casefold())
        if kind:
            return [stripped], kind
    if stripped.startswith("☎"):
        return [], "call"
    return [], None


class _Reader:
    """State of one pass over the file: the current day, the open message, the rows so far."""

    def __init__(self, tally: ParseTally, date_order: str | None) -> None:
        self.tally = tally
        self.date_order = date_order
        self.day: tuple[int, int, int] | None = (
            None  # (first, second, year) as written, or (y, m, d)
        )
        self.day_is_ymd = False
        self.day_raw = ""
        self.rows: list[dict[str, Any]] = []
        self.open_quote = False
        self.title: str | None = None

    def header(self, line: str, lineno: int) -> bool:
        if lineno <= 3 and (m := TITLE.match(line)):
            self.title = next((v for v in m.groupdict().values() if v), None)
            self.tally.skip(f"L{lineno}", "export header (chat title kept as conversation_title)")
            return True
        if lineno <= 4 and SAVED.match(line):
            self.tally.skip(f"L{lineno}", "export header (time the history was saved)")
            return True
        if m := DAY_MDY.match(line):
            self.day, self.day_is_ymd = (int(m[1]), int(m[2]), int(m[3])), False
        elif m := DAY_YMD.match(line):
            self.day, self.day_is_ymd = (int(m[1]), int(m[2]), int(m[3])), True
        else:
            return False
        self.day_raw = line
        self.tally.skip(f"L{lineno}", "day header (its date is in the timestamps below)")
        return True

    def message(self, match: re.Match[str], lineno: int) -> None:
        parts = match["rest"].split("\t", 1)
        raw_time = match.group(0).split("\t", 1)[0]
        row: dict[str, Any] = {
            "_day": self.day,
            "_ymd": self.day_is_ymd,
            "_hm": (_hour(match), int(match["m"])),
            "timestamp_raw": f"{self.day_raw} {raw_time}".strip(),
            "source_locator": f"L{lineno}",
            "_start": lineno,
        }
        if self.day is None:
            self.tally.warn("messages before the first day header have no date (time left empty)")
        if len(parts) == 2 and parts[0].strip():
            text = parts[1]
            self.open_quote = text.startswith('"') and not (len(text) > 1 and text.endswith('"'))
            row.update(sender=parts[0].strip(), text=text, is_system=False)
            self.tally.messages += 1
        else:
            row.update(sender=None, text=parts[-1].strip(), is_system=True, message_type="system")
            self.open_quote = False
            self.tally.system_lines += 1
        self.rows.append(row)

    def continuation(self, line: str, lineno: int) -> None:
        row = self.rows[-1]
        row["text"] += "\n" + line
        row["source_locator"] = f"L{row['_start']}-L{lineno}"
        self.tally.continuation_lines += 1
        if self.open_quote and line.endswith('"') and not line.endswith('""'):
            self.open_quote = False
            row["_quoted"] = True


@register
class LineParser(Parser):
    name = "line"
    platform = "line"
    description = (
        "LINE chat history .txt (English, Japanese, Chinese): recognised by its '[LINE] Chat history "
        "with' / 'とのトーク履歴' header or TAB-separated 'HH:MM<TAB>name<TAB>text' lines"
    )
    suffixes = (".txt",)

    def detect(self, source: Source) -> float:
        head = source.head.decode("utf-8", errors="ignore").lstrip("\ufeff\r\n ")
        if head.startswith("[LINE]"):
            return 0.95
        lines = head.splitlines()[:40]
        days = sum(bool(DAY_MDY.match(ln) or DAY_YMD.match(ln)) for ln in lines)
        timed = sum(bool(TIME.match(ln)) and ln.count("\t") >= 1 for ln in lines)
        return 0.6 if days and timed >= 2 else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        text = source.read_text()
        tally = self.new_tally(source)
        reader = _Reader(tally, options.date_order)
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.rstrip("\r")
            if reader.open_quote and reader.rows and not TIME.match(line):
                reader.continuation(line, lineno)  # inside a quoted multi-line message
                continue
            if not line.strip():
                tally.blank_lines += 1
                continue
            if match := TIME.match(line):
                reader.message(match, lineno)
            elif reader.header(line.strip(), lineno):
                continue
            elif reader.rows:
                reader.continuation(line, lineno)
            else:
                tally.skip(f"L{lineno}", "text before the first LINE message")
        if not reader.rows and reader.title is None:
            raise InputError(source.display, "no LINE messages found")
        frame = self._frame(reader, options, tally)
        return ParseResult(frame, tally, naive_timestamps=True)

    @staticmethod
    def _frame(reader: _Reader, options: ParseOptions, tally: ParseTally) -> pd.DataFrame:
        rows = reader.rows
        dmy = options.date_order == "DMY" or (
            options.date_order is None
            and any(r["_day"] and not r["_ymd"] and r["_day"][0] > 12 for r in rows)
        )
        for row in rows:
            row["timestamp"] = LineParser._time(row, dmy)
            if row.pop("_quoted", False):
                row["text"] = row["text"][1:-1].replace('""', '"')
            attachments, kind = _media(row["text"])
            row["attachments"] = attachments
            if not row["is_system"]:
                row["message_type"] = kind or "text"
            for key in ("_day", "_ymd", "_hm", "_start"):
                row.pop(key, None)
            if reader.title:
                row["conversation_title"] = reader.title
        return pd.DataFrame(rows)

    @staticmethod
    def _time(row: dict[str, Any], dmy: bool) -> pd.Timestamp | None:
        day = row["_day"]
        if day is None:
            return None
        if row["_ymd"]:
            year, month, dom = day
        else:
            month, dom, year = (day[1], day[0], day[2]) if dmy else day
        hour, minute = row["_hm"]
        try:
            return pd.Timestamp(year=year, month=month, day=dom, hour=hour, minute=minute)
        except ValueError:
            return None
