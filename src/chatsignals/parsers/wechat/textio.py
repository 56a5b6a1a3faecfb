"""Text decoding and bounded-structure helpers shared by the WeChat and Alibaba parsers.

Chinese exports are not always UTF-8: files saved by Windows tools (Notepad "ANSI" on a Chinese
system, old WeChat backup tools) are GBK/GB18030. Those are decoded here, with a tally warning,
instead of failing, because refusing a seller's GBK chat would lose evidence; anything that is
neither Unicode nor a Chinese legacy encoding is refused with one clear line.
"""

from __future__ import annotations

import re

import charset_normalizer

from ...errors import InputError
from ...sources import Source, decode_utf
from ...table import ParseTally

#: legacy encodings read (all as their superset): charset-normalizer names on the left
_CHINESE_LEGACY = {
    "gb18030": "gb18030",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "hz": "gb18030",
    "big5": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "cp950": "big5hkscs",
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def head_text(source: Source) -> str:
    """The first 64 KiB as text for detection: UTF-8 (a cut last character ignored), else
    GB18030, else an empty string. Never raises."""
    head = source.head
    if head.startswith(b"\xef\xbb\xbf"):
        return head[3:].decode("utf-8", errors="ignore")
    if head.startswith(b"\xff\xfe"):
        return head[2:].decode("utf-16-le", errors="ignore")
    if head.startswith(b"\xfe\xff"):
        return head[2:].decode("utf-16-be", errors="ignore")
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4:
            return head[: exc.start].decode("utf-8")
    for cut in range(4):  # the 64 KiB head may end inside a multi-byte character
        try:
            return head[: len(head) - cut].decode("gb18030")
        except UnicodeDecodeError:
            continue
    return head.decode("utf-8", errors="replace")  # detection only: an ASCII header still shows


def decode_chat_bytes(data: bytes, display: str, tally: ParseTally) -> str:
    """Decode a chat file: UTF-8/UTF-16 (with BOM) first, then GB18030/Big5 with a warning.

    Raises :class:`InputError` when the bytes are neither (one line, naming the first bad byte).
    """
    try:
        return decode_utf(data, display)
    except InputError as utf_error:
        legacy = _legacy_text(data)
        if legacy is None:
            raise InputError(display, f"{utf_error.reason}, and not GB18030 or Big5 Chinese text either") from None
        codec, text = legacy
        tally.warn(f"file is not UTF-8: decoded as {codec.upper()} (Chinese legacy encoding)")
        return text


def _legacy_text(data: bytes) -> tuple[str, str] | None:
    best = charset_normalizer.from_bytes(data[: 4 * 1024 * 1024]).best()
    candidates: list[str] = []
    if best is not None and best.encoding in _CHINESE_LEGACY:
        candidates.append(_CHINESE_LEGACY[best.encoding])
    candidates += [c for c in ("gb18030", "big5hkscs") if c not in candidates]
    for codec in candidates:
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        if _CJK.search(text):  # a legacy Chinese file that decodes cleanly and holds Chinese
            return codec, text
    return None


def read_chat_text(source: Source, tally: ParseTally) -> str:
    """The whole file as text (see :func:`decode_chat_bytes`); a NUL byte means not text."""
    data = source.read_bytes()
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(source.display, "binary data, not a text export")
    return decode_chat_bytes(data, source.display, tally)


_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def json_depth(text: str) -> int:
    """The deepest bracket nesting of a JSON text, strings ignored: checked before ``json.loads``
    so a hostile file cannot exhaust the stack."""
    depth = deepest = 0
    for match in _JSON_TOKENS.finditer(text):
        token = match.group(0)
        if token in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif token in "]}":
            depth -= 1
    return deepest


_SENTENCE = re.compile(r"[，。！？；、]|[,!?;:：]\s*$|[!?;]\s")
_SENTENCE_END_WORDS = frozenset(
    {"at", "on", "by", "before", "after", "until", "till", "is", "be", "from", "to", "in", "latest"}
)


def plausible_name(text: str) -> bool:
    """Could the words before a stamp be a display name, not a sentence ending in a date
    ("goods ready by 2025-04-05 18:00")? Names are short and carry no sentence punctuation."""
    words = text.split()
    if not words or len(words) > 8 or _SENTENCE.search(text):
        return False
    return words[-1].casefold() not in _SENTENCE_END_WORDS
