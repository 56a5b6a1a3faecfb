"""Charsets of real e-mail: declared names that lie, superset codecs, and detection.

Chinese mail is labelled gb2312 (or gbk, cp936, euc-cn) while holding characters only GBK or
GB18030 has; Hong Kong and Taiwan mail is labelled big5 while holding HKSCS characters. Reading
every such label with the superset codec loses nothing and never costs a character. Parts with no
label, or a label their bytes contradict, are detected with charset-normalizer, so a U+FFFD only
appears where the bytes are really not text.
"""

from __future__ import annotations

import codecs
import re
from email.header import decode_header

#: declared names read with a superset codec (the declared one would fail on real mail)
SUPERSETS: dict[str, str] = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "euccn": "gb18030",
    "x-gbk": "gb18030",
    "gb_2312-80": "gb18030",
    "chinese": "gb18030",
    "csgb2312": "gb18030",
    "big5": "big5hkscs",
    "big-5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "x-x-big5": "big5hkscs",
    "cp950": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "iso-8859-1": "cp1252",  # mail labelled Latin-1 routinely holds Windows-1252 quotes
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "utf-8",  # undeclared 8-bit bytes under an ascii label are most often UTF-8
    "ascii": "utf-8",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}


#: tie-break order when detection scores several codecs the same (Western Latin before Central)
PREFERRED = ("utf_8", "cp1252", "gb18030", "big5hkscs", "shift_jis", "euc_kr", "cp1251", "koi8_r")


def codec_for(declared: str | None) -> str | None:
    """The codec to read a declared charset with, or None when Python knows no such codec."""
    if not declared:
        return None
    name = declared.strip().strip('"').casefold()
    name = SUPERSETS.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def detect(data: bytes) -> str | None:
    """charset-normalizer's best guess for ``data`` (None for no plausible text)."""
    from charset_normalizer import from_bytes

    results = list(from_bytes(data[:200_000]))
    if not results:
        return None
    best = results[0]
    tied = [r.encoding for r in results if (r.chaos, r.coherence) == (best.chaos, best.coherence)]
    for preferred in PREFERRED:  # a tie is broken towards the codec mail most often uses
        if preferred in tied:
            return codec_for(preferred) or preferred
    return codec_for(best.encoding) or best.encoding


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode a body part: ``(text, how)`` where ``how`` names the codec used.

    Order: pure ASCII; valid UTF-8 (real UTF-8 is never valid by accident, and mail labelled
    Latin-1 or us-ascii often is UTF-8); the declared charset through :data:`SUPERSETS`; the
    declared charset with a few replacements when only a few bytes are broken (a cut
    multi-byte character); detection; replacement characters as the last resort.
    """
    if data.isascii():
        return data.decode("ascii"), "ascii"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    codec = codec_for(declared)
    if codec and codec != "utf-8":
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            if codec == "cp1252":  # the 5 bytes cp1252 leaves undefined are still Latin-1
                return data.decode("latin-1"), "latin-1"
    if codec:
        text = data.decode(codec, errors="replace")
        if text.count("\ufffd") <= max(2, len(data) // 2000):
            return text, f"{codec} (undecodable bytes replaced)"
    guess = detect(data)
    if guess:
        try:
            return data.decode(guess), guess
        except (UnicodeDecodeError, LookupError):
            pass
    fallback = codec or "utf-8"
    return data.decode(fallback, errors="replace"), f"{fallback} (with replacements)"


def decode_header_value(value: object) -> str:
    """An RFC 2047 header as text, every encoded word read with its superset codec.

    ``value`` is what compat32 gives: a str (undecoded words, 8-bit bytes surrogate-escaped)
    or an ``email.header.Header``.
    """
    if value is None:
        return ""
    raw = str(value)
    raw = _unescape_8bit(raw)
    if "=?" not in raw:
        return " ".join(raw.split()) if "\n" in raw else raw
    try:
        pieces = decode_header(raw)
    except Exception:  # malformed encoded words: keep the header as written
        return raw
    out: list[str] = []
    for chunk, charset in pieces:
        if isinstance(chunk, str):
            out.append(chunk)
            continue
        text, _ = decode_bytes(chunk, charset)
        out.append(text)
    return " ".join("".join(out).split()) if "\n" in "".join(out) else "".join(out)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _unescape_8bit(raw: str) -> str:
    """Raw 8-bit header bytes (compat32 keeps them as surrogate escapes) decoded properly."""
    if not _SURROGATE.search(raw):
        return raw
    data = raw.encode("utf-8", errors="surrogateescape")
    try:
        return decode_bytes(data)[0]
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", raw)


def scrub(value: str) -> str:
    """``value`` with any surrogate-escaped raw bytes decoded (a table cell must be valid
    Unicode, or Arrow refuses it)."""
    return _unescape_8bit(value) if _SURROGATE.search(value) else value
