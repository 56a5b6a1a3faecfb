"""``wechat_paste``: WeChat messages selected and copied from the client into a text file.

Blocks open with ``昵称 YYYY-MM-DD HH:MM:SS`` (or ``昵称 YYYY/M/D H:MM``), or with ``昵称 HH:MM``
under a day separator (``2025年5月9日``, ``2025-05-09``; ``今天``/``昨天`` give no date, so the time
is kept raw). Lines up to the next block are the message. Notices (recalls, "以下为新消息") are
system rows; media markers (``[图片]``, ``[文件] name``) become attachments. The times are the
copying computer's clock: naive, read with ``--tz``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pandas as pd

from ...errors import InputError
from ...sources import Source
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from .common import CJK, MEDIA_MARKERS, NOTICE, RECALL, marker_kind
from .textio import head_text, plausible_name, read_chat_text

NAME_STAMP = re.compile(
    r"^(?P<name>\S.{0,60}?)\s+(?P<date>\d{4}[-/]\d{1,2}[-/]\d{1,2})\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)$"
)
NAME_TIME = re.compile(r"^(?P<name>\S.{0,60}?)\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?)$")
DAY = re.compile(
    r"^(?:(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日|(?P<y2>\d{4})[-/](?P<m2>\d{1,2})[-/](?P<d2>\d{1,2}))"
    r"(?:\s*(?:星期|周)[一二三四五六日天])?$|^(?P<word>今天|昨天|前天|星期[一二三四五六日天])$"
)
#: the Alibaba.com Messenger's page words: a paste holding them is an Alibaba paste
ALIBABA_CUES = re.compile(r"alibaba\.com|trade assurance|rate supplier|file a complaint|^local time\s*[:：]", re.I | re.M)
_MARKER_WORDS = "|".join(re.escape(k) for k in MEDIA_MARKERS if re.search(r"[\u3400-\u9fff]", k))
WECHAT_CUES = re.compile(rf"\[({_MARKER_WORDS})\]|撤回了一条消息|微信|WeChat|Weixin", re.I)


def _day(match: re.Match[str]) -> datetime | None:
    if match["word"]:
        return None
    y, m, d = (match["y"], match["m"], match["d"]) if match["y"] else (match["y2"], match["m2"], match["d2"])
    try:
        return datetime(int(y), int(m), int(d))
    except ValueError:
        return None


def _stamp(date: str, time: str) -> datetime | None:
    fmt = "%Y-%m-%d %H:%M:%S" if time.count(":") == 2 else "%Y-%m-%d %H:%M"
    try:
        return datetime.strptime(f"{date.replace('/', '-')} {time}", fmt)
    except ValueError:
        return None


def headers(lines: list[str]) -> list[tuple[int, str, str, datetime | None]]:
    """(index, name, raw time, time) of every block header line."""
    out = []
    day: re.Match[str] | None = None
    for i, raw in enumerate(lines):
        line = raw.strip()
        if (m := DAY.match(line)) is not None:
            day = m
        elif (m := NAME_STAMP.match(line)) is not None and plausible_name(m["name"]):
            out.append((i, m["name"], f"{m['date']} {m['time']}", _stamp(m["date"], m["time"])))
        elif day is not None and (m := NAME_TIME.match(line)) is not None and plausible_name(m["name"]):
            date = _day(day)
            when = None if date is None else _stamp(date.strftime("%Y-%m-%d"), m["time"])
            out.append((i, m["name"], f"{day.group(0)} {m['time']}", when))
    return out


@register
class WeChatPasteParser(Parser):
    name = "wechat_paste"
    platform = "wechat"
    description = (
        "WeChat messages copied from the client: '昵称 YYYY-MM-DD HH:MM:SS' blocks, or '昵称 HH:MM' "
        "under day separators, recognised with WeChat's markers or Chinese text"
    )
    suffixes = (".txt",)

    def detect(self, source: Source) -> float:
        text = head_text(source)
        if not text or text.lstrip().startswith(("<", "{", "[")):
            return 0.0
        found = len(headers(text.splitlines()))
        if found == 0:
            return 0.0
        if ALIBABA_CUES.search(text):
            return 0.3
        if WECHAT_CUES.search(text) or CJK.search(text):
            return 0.8 if found >= 2 else 0.5
        return 0.35 if found >= 2 else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        lines = read_chat_text(source, tally).lstrip("\ufeff").splitlines()
        found = headers(lines)
        if not found:
            raise InputError(source.display, "no '昵称 YYYY-MM-DD HH:MM' message lines found")
        rows = self._preamble(lines, found[0][0], tally)
        for row in rows:  # notices above the first message are placed with it
            row["timestamp"] = found[0][3]
        for n, (start, name, raw, when) in enumerate(found):
            end = found[n + 1][0] if n + 1 < len(found) else len(lines)
            rows += self._block(lines, start, end, name, raw, when, tally)
        if any(r["timestamp"] is None and r["timestamp_raw"] for r in rows):
            tally.warn("times under '今天'/'昨天' separators have no date: kept raw, time left empty")
        days = sum(1 for line in lines if DAY.match(line.strip()))
        if days:
            tally.warn(f"{days} day-separator lines read as the date of the messages under them")
        frame = pd.DataFrame(rows)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], errors="coerce")
        return ParseResult(frame, tally, naive_timestamps=True)

    @staticmethod
    def _preamble(lines: list[str], first: int, tally: ParseTally) -> list[dict[str, Any]]:
        """Lines above the first message: notices are kept, day separators are structure,
        anything else is reported as skipped."""
        rows = []
        for i, line in enumerate(lines[:first]):
            text = line.strip()
            if not text:
                tally.blank_lines += 1
            elif NOTICE.search(text) and len(text) <= 120:
                rows.append(_notice(lines, i, None))
                tally.system_lines += 1
            elif not DAY.match(text):
                tally.skip(f"L{i + 1}", "text before the first message")
        return rows

    @staticmethod
    def _block(
        lines: list[str], start: int, end: int, name: str, raw: str, when: datetime | None, tally: ParseTally
    ) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        body: list[int] = []
        for i in range(start + 1, end):
            line = lines[i].strip()
            if not line:
                tally.blank_lines += 1
            elif DAY.match(line):
                continue  # structure: counted once in parse()
            elif NOTICE.search(line) and len(line) <= 120:
                rows.append(_notice(lines, i, when))
                tally.system_lines += 1
            else:
                body.append(i)
        text_lines = [lines[i].rstrip() for i in body]
        row: dict[str, Any] = {
            "timestamp": when,
            "timestamp_raw": raw,
            "sender": name,
            "attachments": [],
            "is_system": False,
            "message_type": "text",
            "text": "\n".join(text_lines),
            "source_locator": f"L{start + 1}" if not body else f"L{start + 1}-L{body[-1] + 1}",
        }
        if len(text_lines) == 1 and (marker := marker_kind(text_lines[0])) is not None:
            kind, rest = marker
            row.update(text="", message_type=kind, attachments=[rest or kind])
        tally.messages += 1
        tally.continuation_lines += max(len(body) - 1, 0)
        return [row, *rows]


def _notice(lines: list[str], i: int, when: datetime | None) -> dict[str, Any]:
    text = lines[i].strip()
    return {
        "timestamp": when,  # placed with the block it appeared in
        "timestamp_raw": None,
        "sender": None,
        "attachments": [],
        "is_system": True,
        "is_deleted": bool(RECALL.search(text)),
        "message_type": "system",
        "text": text,
        "source_locator": f"L{i + 1}",
    }
