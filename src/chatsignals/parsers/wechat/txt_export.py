"""``wechat_txt``: the TXT that WeChatMsg (LC044/WeChatMsg) writes for one chat.

Each message is ``{StrTime} {display name}`` then its content, then a blank line; a system
notice is ``{StrTime} {notice}`` with no content under it. Media are markers (``[图片]``,
``[语音]``, ``[文件]``...), a quote adds an ``引用:name:text`` line, a shared link an indented
``[链接]:title:...`` card. ``StrTime`` is the exporting computer's clock: naive, read with ``--tz``.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ...errors import InputError
from ...sources import Source
from ...table import ParseTally
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from .common import RECALL, marker_kind
from .textio import head_text, read_chat_text

HEADER = re.compile(r"^(?P<stamp>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?P<rest>\S.*?)\s*$")
QUOTE = re.compile(r"^引用\s*[:：]\s*(?P<quote>.*)$")
CARD_FIELD = re.compile(r"^(\[链接\]\s*:\s*)?(?P<key>title|description|url|name)\s*:(?P<value>.*)$")


def block_starts(lines: list[str]) -> list[int]:
    """Header lines that open a block: the first line, or a header after a blank line."""
    return [
        i for i, line in enumerate(lines)
        if HEADER.match(line) and (i == 0 or not lines[i - 1].strip())
    ]


@register
class WeChatTxtParser(Parser):
    name = "wechat_txt"
    platform = "wechat"
    description = (
        "WeChatMsg chat TXT: blocks of 'YYYY-MM-DD HH:MM:SS name' then the content, "
        "separated by blank lines"
    )
    suffixes = (".txt",)

    def detect(self, source: Source) -> float:
        lines = head_text(source).lstrip("\ufeff\r\n ").splitlines()
        if not lines or not HEADER.match(lines[0]):
            return 0.0
        return 0.85 if len(block_starts(lines)) >= 2 else 0.5

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        lines = read_chat_text(source, tally).lstrip("\ufeff").splitlines()
        starts = block_starts(lines)
        if not starts:
            raise InputError(source.display, "no 'YYYY-MM-DD HH:MM:SS name' message lines found")
        for i, line in enumerate(lines[: starts[0]]):
            if line.strip():
                tally.skip(f"L{i + 1}", "text before the first message")
            else:
                tally.blank_lines += 1
        rows = []
        for n, start in enumerate(starts):
            end = starts[n + 1] if n + 1 < len(starts) else len(lines)
            rows.append(self._block(lines, start, end, tally))
        frame = pd.DataFrame(rows)
        frame["timestamp"] = pd.to_datetime(frame["timestamp"], format="%Y-%m-%d %H:%M:%S", errors="coerce")
        if frame["timestamp"].isna().any():
            tally.warn("some stamps are not valid dates: kept raw, time left empty")
        return ParseResult(frame, tally, naive_timestamps=True)

    @staticmethod
    def _block(lines: list[str], start: int, end: int, tally: ParseTally) -> dict[str, Any]:
        header = HEADER.match(lines[start])
        assert header is not None  # block_starts only returns header lines
        body = [line.rstrip() for line in lines[start + 1 : end]]
        while body and not body[-1].strip():
            body.pop()
            tally.blank_lines += 1
        tally.blank_lines += sum(1 for line in body if not line.strip())
        last = start + 1 + len(body)
        row: dict[str, Any] = {
            "timestamp": header["stamp"],
            "timestamp_raw": header["stamp"],
            "source_locator": f"L{start + 1}" if last == start + 1 else f"L{start + 1}-L{last}",
            "attachments": [],
            "is_system": False,
        }
        if not body:  # "{StrTime} {notice}": a system line
            row.update(sender=None, text=header["rest"], message_type="system", is_system=True)
            row["is_deleted"] = bool(RECALL.search(header["rest"]))
            tally.system_lines += 1
            return row
        row["sender"] = header["rest"]
        tally.messages += 1
        tally.continuation_lines += len(body) - 1
        fill_body(row, body)
        return row


def fill_body(row: dict[str, Any], body: list[str]) -> None:
    """Text, media markers, quote and link card of a text-export message body."""
    first = body[0].strip()
    if first.startswith("[链接]"):
        fields = {m["key"]: m["value"].strip() for line in body if (m := CARD_FIELD.match(line.strip()))}
        parts = [fields.get(k) for k in ("title", "description", "url")]
        row.update(text="\n".join(p for p in parts if p and p != "None"), message_type="link")
        return
    marker = marker_kind(first) if len(body) == 1 else None
    if marker is not None:
        kind, rest = marker
        row.update(text="", message_type=kind, attachments=[rest or kind])
        return
    text_lines = list(body)
    if len(body) > 1 and (quote := QUOTE.match(body[-1].strip())):
        row["quoted_text"] = quote["quote"]
        row["message_type"] = "quote"
        text_lines = body[:-1]
    row["text"] = "\n".join(text_lines)
    row.setdefault("message_type", "text")
