"""Property tests: random chats rendered in every layout read back to the same rows; random
input never raises anything but InputError, and every line is accounted for."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers.base import ParseOptions
from chatsignals.parsers.whatsapp import WhatsAppParser, parse_text
from chatsignals.parsers.whatsapp.layouts import MARKS, infer_layout
from chatsignals.sources import Source
from chatsignals.table import ParseTally

NB = "\u00a0"
AM_NB, PM_NB = f"a.{NB}m.", f"p.{NB}m."


def _h12(d: datetime) -> int:
    return d.hour % 12 or 12


def _ap(d: datetime, am: str, pm: str) -> str:
    return am if d.hour < 12 else pm


#: name -> (render header for a datetime, date order, seconds shown)
LAYOUTS: dict[str, tuple[Callable[[datetime], str], str, bool]] = {
    "android_de": (lambda d: f"{d:%d.%m.%y}, {d:%H:%M} - ", "DMY", False),
    "android_us_nnbsp": (
        lambda d: f"{d.month}/{d.day}/{d:%y}, {_h12(d)}:{d:%M}\u202f{_ap(d, 'AM', 'PM')} - ", "MDY", False
    ),
    "ios_us": (
        lambda d: f"[{d.month}/{d.day}/{d:%y}, {_h12(d)}:{d:%M:%S} {_ap(d, 'AM', 'PM')}] ", "MDY", True
    ),
    "ios_de": (lambda d: f"[{d:%d.%m.%y}, {d:%H:%M:%S}] ", "DMY", True),
    "android_es": (
        lambda d: f"{d.day}/{d.month}/{d:%y}, {_h12(d)}:{d:%M} {_ap(d, 'a. m.', 'p. m.')} - ", "DMY", False
    ),
    "android_uk": (lambda d: f"{d:%d/%m/%Y}, {d:%H:%M} - ", "DMY", False),
    "ymd_dash": (lambda d: f"{d:%Y-%m-%d}, {d:%H:%M} - ", "YMD", False),
    "ymd_trailing_dot": (lambda d: f"{d:%Y/%m/%d}, {d:%H:%M}. - ", "YMD", False),
    "mmddyy_dots": (lambda d: f"[{d:%m.%d.%y}, {d:%H:%M:%S}] ", "MDY", True),
    "finnish_klo": (lambda d: f"{d.day}.{d.month}.{d:%Y} klo {d.hour}.{d:%M} - ", "DMY", False),
    "en_dash_lower": (
        lambda d: f"{d.month}/{d.day}/{d:%y}, {_h12(d)}:{d:%M} {_ap(d, 'am', 'pm')} – ", "MDY", False
    ),
    "french_a": (lambda d: f"{d:%d/%m/%Y} à {d:%H:%M} - ", "DMY", False),
    "mx_nbsp": (
        lambda d: f"{d:%d/%m/%Y}, {_h12(d)}:{d:%M}{NB}{_ap(d, AM_NB, PM_NB)} - ",
        "DMY",
        False,
    ),
    "rtl_mark": (lambda d: f"\u200f{d:%d/%m/%Y}, {d:%H:%M} - ", "DMY", False),
    "mmddyyyy_12h_no_comma": (
        lambda d: f"{d.month}/{d.day}/{d:%Y} {_h12(d)}:{d:%M} {_ap(d, 'a.m.', 'p.m.')} - ", "MDY", False
    ),
}

_EXCLUDED = set(MARKS) | {"\n", "\r", ":", "<", ">"}
_chars = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="".join(_EXCLUDED)
)
names = st.text(_chars, min_size=1, max_size=20).map(str.strip).filter(bool)
lines = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\n\r<>" + MARKS), max_size=40)


@st.composite
def bodies(draw) -> str:
    """One to three lines; the last is not blank (trailing blank lines are not part of a message)."""
    parts = draw(st.lists(lines, min_size=1, max_size=3))
    if len(parts) > 1:
        parts[-1] = draw(lines.filter(lambda s: s.strip(" \t\u00a0\u202f\u3000")))
    return "\n".join(parts)


stamps = st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31))


@st.composite
def chats(draw) -> tuple[str, list[tuple[datetime, str, str]]]:
    layout = draw(st.sampled_from(sorted(LAYOUTS)))
    _, _, seconds = LAYOUTS[layout]
    people = draw(st.lists(names, min_size=1, max_size=3, unique=True))
    n = draw(st.integers(1, 8))
    rows = []
    for _ in range(n):
        ts = draw(stamps).replace(microsecond=0)
        ts = ts if seconds else ts.replace(second=0)
        rows.append((ts, draw(st.sampled_from(people)), draw(bodies())))
    return layout, rows


def render(layout: str, rows: list[tuple[datetime, str, str]]) -> str:
    header = LAYOUTS[layout][0]
    return "".join(f"{header(ts)}{who}: {text}\n" for ts, who, text in rows)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chats())
def test_random_chats_round_trip_in_every_layout(chat):
    layout, rows = chat
    text = render(layout, rows)
    lay, _ = infer_layout(text.split("\n"))
    pattern = lay.compiled()
    # a body line that happens to be a header of the same layout would rightly start a message
    assume(not any(pattern.match(line) for _, _, body in rows for line in body.split("\n")[1:]))
    assume(not any(line.startswith("\ufeff") for _, _, body in rows for line in body.split("\n")))
    order = LAYOUTS[layout][1]
    tally = ParseTally("random.txt")
    frame = parse_text(text, "random.txt", ParseOptions(date_order=order), tally)
    got = list(zip(frame["timestamp"], frame["sender"].astype(object), frame["text"], strict=True))
    assert got == [(pd.Timestamp(ts), who, body) for ts, who, body in rows]
    assert tally.messages + tally.system_lines == len(rows)
    assert (frame["timestamp_raw"].map(len) > 0).all()


@settings(max_examples=150, deadline=None)
@given(chats())
def test_day_above_twelve_decides_the_order_without_help(chat):
    layout, rows = chat
    order = LAYOUTS[layout][1]
    days = [ts.day for ts, _, _ in rows]
    assume(order != "YMD" and any(d > 12 for d in days))
    text = render(layout, rows)
    tally = ParseTally("random.txt")
    frame = parse_text(text, "random.txt", ParseOptions(), tally)
    assert frame["timestamp"].tolist() == [pd.Timestamp(ts) for ts, _, _ in rows]
    assert not any("day and month" in w for w in tally.warnings)


def _check(path: Path) -> None:
    """Parse with the parser and through chatsignals.read: only InputError may escape."""
    try:
        result = WhatsAppParser().parse(Source.open(path), ParseOptions())
    except InputError:
        pass
    else:
        _accounted(path, result)
    with contextlib.suppress(InputError):
        chatsignals.read(path)


def _accounted(path: Path, result) -> None:
    """Every line is a header, a continuation, a blank line or a reported skip."""
    tally = result.tally
    text = path.read_bytes().decode("utf-8", errors="replace")
    n_lines = len(text.replace("\r\n", "\n").split("\n")) - (1 if text.endswith("\n") else 0)
    headers = tally.messages + tally.system_lines
    assert headers == len(result.frame)
    assert headers + tally.continuation_lines + tally.blank_lines + len(tally.skipped) == n_lines


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_raise_only_input_error(data):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "WhatsApp Chat with X.txt"
        path.write_bytes(data)
        _check(path)


header_ish = st.sampled_from(
    ["12/24/19, 11:23 - ", "[14.03.25, 09:15:32] ", "2025-03-14, 09:15 - ", "31/02/25, 25:99 - ", "\u200e[", ""]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(header_ish, st.text(max_size=30)), max_size=12), st.sampled_from(["\n", "\r\n"]))
def test_random_header_like_text_never_loses_a_line(parts, newline):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chat.txt"
        path.write_bytes(newline.join(h + t.replace("\r", "") for h, t in parts).encode("utf-8", "surrogatepass"))
        _check(path)
