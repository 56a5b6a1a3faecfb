"""Hypothesis strategies that damage real exports the way the world (and an attacker) does.

Every strategy starts from a real fixture's bytes and applies one to three mutations: cut the
file, flip bytes, splice in another export, re-encode a stretch in a legacy encoding, plant
control and bidi characters, blow up one line, or nest markup/JSON/MIME absurdly deep.
"""

from __future__ import annotations

import os
import re

from hypothesis import strategies as st

#: per-parser examples in the default run; CHATSIGNALS_FUZZ_EXAMPLES raises it for a long run
EXAMPLES = int(os.environ.get("CHATSIGNALS_FUZZ_EXAMPLES", "40"))
#: a long run explores (random seeds, example database); the default run is derandomized
LONG_RUN = "CHATSIGNALS_FUZZ_EXAMPLES" in os.environ

#: characters that confuse parsers and readers: bidi overrides/isolates, NUL, C1, separators
HOSTILE_CHARS = (
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200f", "\u200b", "\ufeff", "\x00",
    "\x85", "\x9b", "\x1b", "\u2028", "\u2029", "\r", "\x0c", "\ufffd", "\U0001f4a9",
)
LEGACY_CODECS = ("gb18030", "latin-1", "utf-16", "utf-16-le", "big5", "cp1252", "shift_jis")


def _pos(draw: st.DrawFn, data: bytes) -> int:
    return draw(st.integers(0, len(data)))


@st.composite
def truncate(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    return data[: _pos(draw, data)]


@st.composite
def flip_bytes(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    if not data:
        return data
    out = bytearray(data)
    for _i in range(draw(st.integers(1, 8))):
        i = draw(st.integers(0, len(out) - 1))
        out[i] ^= draw(st.integers(1, 255))
    return bytes(out)


@st.composite
def splice(draw: st.DrawFn, data: bytes, other: bytes) -> bytes:
    """The head of one export glued to the tail of another (a bad copy/concatenation)."""
    return data[: _pos(draw, data)] + other[_pos(draw, other):]


@st.composite
def reencode(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    """A stretch of the text re-encoded in a legacy encoding (mixed-encoding files)."""
    text = data.decode("utf-8", errors="replace")
    a = draw(st.integers(0, len(text)))
    b = draw(st.integers(a, min(len(text), a + 2000)))
    codec = draw(st.sampled_from(LEGACY_CODECS))
    middle = text[a:b].encode(codec, errors="replace")
    return text[:a].encode() + middle + text[b:].encode()


@st.composite
def plant_chars(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    out = data
    for _i in range(draw(st.integers(1, 6))):
        i = _pos(draw, out)
        char = draw(st.sampled_from(HOSTILE_CHARS))
        raw = char.encode("utf-8") if draw(st.booleans()) or char >= "\x80" else char.encode("latin-1")
        out = out[:i] + raw * draw(st.integers(1, 3)) + out[i:]
    return out


@st.composite
def huge_line(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    """One very long run without a newline, inside a message or between records."""
    unit = draw(st.sampled_from([b"A", b" ", b"\xe4\xbd\xa0", b"ab,", b"<b>", b"=", b"\\", b'"']))
    size = draw(st.integers(1_000, 300_000))
    i = _pos(draw, data)
    return data[:i] + unit * (size // len(unit)) + data[i:]


@st.composite
def deep_nesting(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    """Nested JSON arrays/objects, HTML elements or MIME multiparts far past any sane depth."""
    depth = draw(st.sampled_from([200, 1_000, 5_000, 50_000]))
    kind = draw(st.sampled_from(["json_list", "json_obj", "html", "mime", "quote"]))
    if kind == "json_list":
        blob = b"[" * depth + b"1" + b"]" * depth
    elif kind == "json_obj":
        blob = b'{"a":' * depth + b"1" + b"}" * depth
    elif kind == "html":
        blob = b"<div><span>" * depth + b"x" + b"</span></div>" * depth
    elif kind == "mime":
        depth = min(depth, 2_000)
        blob = b"".join(
            b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i) for i in range(depth)
        )
    else:
        blob = b"> " * depth + b"quoted\n"
    i = _pos(draw, data)
    return data[:i] + blob + data[i:]


@st.composite
def drop_or_repeat_lines(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    lines = data.split(b"\n")
    a = draw(st.integers(0, len(lines)))
    b = draw(st.integers(a, min(len(lines), a + 20)))
    if draw(st.booleans()):
        return b"\n".join(lines[:a] + lines[b:])
    return b"\n".join(lines[:b] + lines[a:b] * draw(st.integers(2, 50)) + lines[b:])


ABSURD_NUMBERS = (
    b"0", b"00", b"0000", b"0001", b"1012", b"1677", b"2262", b"9999", b"99999", b"13", b"32", b"24",
    b"61", b"-1", b"99999999999999999999", b"18446744073709551616", b"1e20", b"NaN",
)
_DIGITS = re.compile(rb"\d+")


@st.composite
def warp_numbers(draw: st.DrawFn, data: bytes, _: bytes) -> bytes:
    """Dates and epochs outside every calendar: year 1012 or 99999, month 13, 24:61, 1e20 ms."""
    spans = [m.span() for m in _DIGITS.finditer(data)]
    if not spans:
        return data
    chosen = sorted(set(draw(st.lists(st.sampled_from(spans), min_size=1, max_size=4))), reverse=True)
    out = data
    for a, b in chosen:
        out = out[:a] + draw(st.sampled_from(ABSURD_NUMBERS)) + out[b:]
    return out


MUTATIONS = (
    truncate, flip_bytes, splice, reencode, plant_chars, huge_line, deep_nesting, drop_or_repeat_lines,
)


@st.composite
def mutated(draw: st.DrawFn, seeds: list[bytes], others: list[bytes]) -> bytes:
    """A fixture of this parser damaged by one to three mutations (splices take any fixture)."""
    data = draw(st.sampled_from(seeds))
    for _i in range(draw(st.integers(1, 3))):
        mutation = draw(st.sampled_from(MUTATIONS))
        data = draw(mutation(data, draw(st.sampled_from(others))))
    return data
