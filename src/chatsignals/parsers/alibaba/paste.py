"""``alibaba_paste``: a conversation copied from the Alibaba.com web Messenger into a text file.

The layout is read by :mod:`.transcript`; this module recognises the file and wires the reader
to the registry. Times are the buyer's screen (local) time, so they are naive and ``--tz`` says
where they were read.
"""

from __future__ import annotations

import re

from ...errors import InputError
from ...sources import Source
from .. import register
from ..base import ParseOptions, Parser, ParseResult
from ..wechat.textio import head_text, read_chat_text
from .transcript import NAME_STAMP_LINE, STAMP_LINE, TranscriptReader, classify, rows_frame

#: words only the Alibaba.com Messenger page (or its order cards) puts around a conversation
ALIBABA_CUES = re.compile(
    r"alibaba\.com|trade assurance|rate supplier|file a complaint|^local time\s*[:：]|"
    r"^translate$|^show original$|^quick replies$|press\s+[\"“]?enter[\"”]?\s+to\s+send|"
    r"verified supplier|gold supplier",
    re.I | re.M,
)


def stamp_lines(text: str) -> int:
    """How many lines of ``text`` are Messenger stamps (alone or after a name)."""
    count = 0
    for line in text.splitlines():
        line = line.strip()
        if STAMP_LINE.match(line) or NAME_STAMP_LINE.match(line):
            count += 1
    return count


@register
class AlibabaPasteParser(Parser):
    name = "alibaba_paste"
    platform = "alibaba"
    description = (
        "Alibaba.com Messenger conversation pasted into a .txt: name and YYYY-MM-DD HH:MM(:SS) "
        "stamp lines plus the page's words (Translate, Rate supplier, Trade Assurance order cards)"
    )
    suffixes = (".txt",)

    def detect(self, source: Source) -> float:
        text = head_text(source)
        if not text or text.lstrip().startswith(("<", "{", "[")):
            return 0.0
        stamps = stamp_lines(text)
        cues = len(ALIBABA_CUES.findall(text))
        if stamps == 0:  # "HH:MM" lines under day separators ("Today", "Feb 20, 2025")
            kinds = [line.kind for line in classify(text.splitlines()[:2000])]
            dated = "day" in kinds and "time" in kinds[kinds.index("day") :]
            return 0.7 if dated and cues else 0.0
        if cues:
            return 0.85
        return 0.4 if stamps >= 2 else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        text = read_chat_text(source, tally)
        lines = classify(text.splitlines())
        reader = TranscriptReader(tally, options.parties)
        rows = reader.read(lines)
        if not rows:
            raise InputError(source.display, "no Alibaba Messenger message stamps (YYYY-MM-DD HH:MM) found")
        frame = rows_frame(rows)
        if reader.title:
            frame["conversation_title"] = reader.title
        return ParseResult(frame, tally, naive_timestamps=True)
