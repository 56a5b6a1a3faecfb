"""Deadline windows: the words of a promise that say *when*, resolved to
[earliest, latest] + anchor exactly as docs/PROMISES.md tabulates them.

Why patterns first and a date library second: a whole-message date search misreads "We will" as
Wednesday and "5050" as a year. So we find the deadline *span* with explicit patterns (dates in every
common writing, relative words, lead times, event anchors, Chinese holidays) and only then hand an
absolute date span to ``dateutil``. Event anchors ("15 working days after deposit") resolve from the
case facts' events; without the event the anchor is named and the dates stay null (never guessed).
"""

from __future__ import annotations

import calendar as pycal
import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from dateutil import parser as dateparser
from dateutil.relativedelta import relativedelta

from . import calendar as cncal
from . import zh

Date = dt.date
EventLookup = Callable[[str], Date | None]


@dataclass(frozen=True)
class Deadline:
    """A deadline window; ``earliest``/``latest`` are None when unknown or open."""

    earliest: Date | None
    latest: Date | None
    anchor: str
    text: str
    start: int = 0  # span of the deadline words in the sentence
    end: int = 0

    @property
    def event_anchored(self) -> bool:
        """Anchored on a buyer action or event: makes the promise conditional."""
        return self.anchor in EVENT_KINDS


EVENT_KINDS = ("deposit", "balance", "order", "sample_approval", "shipment", "delivery")

# --- vocabulary ---------------------------------------------------------------------------------

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-five": 45, "sixty": 60, "couple of": 2, "few": 3,
}

MON = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
DAY = r"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?"
YEAR = r"(?:,?\s*20\d\d)?"
DATE = (
    rf"(?:{MON}\s*{DAY}\b{YEAR}"
    rf"|{DAY}(?:\s+of)?\s*{MON}{YEAR}"
    r"|20\d\d\s*[./\-年]\s*\d{1,2}\s*[./\-月]\s*\d{1,2}日?"
    r"|\d{1,2}\.\d{1,2}\.(?:20)?\d\d"
    r"|\d{1,2}/\d{1,2}(?:/(?:20)?\d\d)?"
    r"|\d{1,2}月\d{1,2}[日号]"
    r")"
)
NUM = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen" \
    r"|twenty|thirty|forty(?:-five)?|sixty|couple of|few)"
RANGE = rf"(?P<n>{NUM})(?:\s*(?:-|~|–|to)\s*(?P<m>{NUM}))?"
UNIT = r"(?P<work>(?:working|work|business)\s+)?(?P<unit>days?|weeks?|months?)"
EVENT = (
    r"(?:(?:we\s+|you\s+)?(?:receiv(?:e|ed|ing)|get(?:ting)?|got|(?:the\s+)?receipt\s+of)\s+)?"
    r"(?:(?:the|your|ur|you|ya)\s+)?"
    r"(?P<ev>deposit|advance(?:d)?\s+payment|down\s*payment|prepayment|balance(?:\s+payment)?"
    r"|full\s+payment|payments?"
    r"|samples?\s+(?:is\s+|are\s+)?(?:approv\w*|confirm\w*|ok)|(?:approv\w*|confirm\w*)\s+(?:of\s+)?"
    r"(?:the\s+|your\s+)?samples?"
    r"|(?:placing|confirm\w*)\s+(?:the\s+|your\s+)?order|order(?:\s+(?:confirm\w*|placed|placement))?"
    r"|shipment|shipping|dispatch|departure|delivery|receipt|arrival|(?:the\s+)?goods\s+arriv\w*"
    r"|receiv\w*\s+(?:the\s+)?goods|(?<=you\s)receiv\w*(?:\s+(?:the\s+)?(?:new\s+)?\w+)?)"
)
REL = r"(?:after|from|once|upon|when|since|as\s+soon\s+as|following)"
HOLIDAY = (
    r"(?P<hol>chinese\s+new\s+year|cny|(?:chinese\s+)?spring\s+festival|lunar\s+new\s+year"
    r"|golden\s+week|national\s+day|october\s+holiday|may\s+day|labou?r\s+day"
    r"|dragon\s+boat(?:\s+festival)?|mid[-\s]autumn(?:\s+festival)?|qingming|春节|国庆"
    r"|(?<=the\s)holidays?|(?<=after\s)holidays?)"
    r"(?:\s+(?:holidays?|vacation|festival))?"
)
BY = r"(?:by|before|b4|no\s+later\s+than|not\s+later\s+than|latest\s+by|at\s+the\s+latest\s+by" \
    r"|until|till|untill|prior\s+to)"

_B = r"(?<![\w/.])"  # left boundary
_E = r"(?![\w/])"


def _num(word: str | None) -> int | None:
    if word is None:
        return None
    word = word.strip().lower()
    if word.isdigit():
        return int(word)
    return NUMBER_WORDS.get(" ".join(word.split()))


def _event_kind(words: str) -> str:
    w = words.lower()
    if "sample" in w:
        return "sample_approval"
    if "balance" in w:
        return "balance"
    if re.search(r"deposit|payment|advance|prepay", w):
        return "deposit"
    if "order" in w:
        return "order"
    if re.search(r"ship|dispatch|departure", w):
        return "shipment"
    return "delivery"


def _holiday_key(words: str) -> str:
    w = words.lower()
    if w.startswith("holiday"):
        return "next"
    if re.search(r"golden|national|october|国庆", w):
        return "national_day"
    if re.search(r"may day|labou?r", w):
        return "labour_day"
    if "dragon" in w:
        return "dragon_boat"
    if "autumn" in w:
        return "mid_autumn"
    if "qingming" in w:
        return "qingming"
    return "spring_festival"


# --- absolute dates -----------------------------------------------------------------------------


def _fix_year(day: Date, sent: Date, explicit_year: bool) -> Date:
    """A date written without a year is the one nearest the message (within half a year)."""
    if explicit_year:
        return day
    if (day - sent).days > 183:
        return _safe_date(day.year - 1, day.month, day.day)
    if (sent - day).days > 183:
        return _safe_date(day.year + 1, day.month, day.day)
    return day


def _safe_date(year: int, month: int, day: int) -> Date:
    return dt.date(year, month, min(day, pycal.monthrange(year, month)[1]))


@lru_cache(maxsize=65536)
def parse_date(span: str, sent: Date) -> Date | None:
    """One absolute date span (already found) -> a date; None when it is not a real date."""
    s = span.strip().lower().rstrip(".")
    try:
        m = re.fullmatch(r"(20\d\d)\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})日?", s)
        if m:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        m = re.fullmatch(r"(\d{1,2})月(\d{1,2})[日号]", s)
        if m:
            return _fix_year(dt.date(sent.year, int(m[1]), int(m[2])), sent, False)
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.((?:20)?\d\d)", s)
        if m:
            year = int(m[3]) + (2000 if len(m[3]) == 2 else 0)
            return dt.date(year, int(m[2]), int(m[1]))
        m = re.fullmatch(r"(\d{1,2})/(\d{1,2})(?:/((?:20)?\d\d))?", s)
        if m:
            a, b = int(m[1]), int(m[2])
            month, day = (b, a) if a > 12 else (a, b)  # chat writes month first unless impossible
            year = int(m[3]) + (2000 if m[3] and len(m[3]) == 2 else 0) if m[3] else sent.year
            return _fix_year(dt.date(year, month, day), sent, bool(m[3]))
        cleaned = re.sub(r"(\d)(st|nd|rd|th)\b", r"\1", s).replace(" of ", " ")
        parsed = _parse_words(cleaned, sent.year)
        if parsed is None:
            return None
        return _fix_year(parsed, sent, bool(re.search(r"20\d\d", s)))
    except (ValueError, OverflowError):
        return None


@lru_cache(maxsize=65536)
def _parse_words(cleaned: str, year: int) -> Date | None:
    """dateutil's reading of a written date ("march 25") in ``year`` when it names none, or None
    when it is no date. Cached per year: the message's year is all it depends on, and a chat
    repeats "before March 5" on hundreds of days (dateutil takes ~0.1 ms a call)."""
    try:
        return dateparser.parse(cleaned, default=dt.datetime(year, 1, 1), fuzzy=False).date()
    except (ValueError, OverflowError):
        return None


def _month_of(word: str) -> int:
    return MONTHS[word.strip(". ").lower()[:3]]


def _month_last(year: int, month: int) -> Date:
    return dt.date(year, month, pycal.monthrange(year, month)[1])


def _month_year(month: int, sent: Date) -> int:
    """The year of a month named without one: this year, or next when it is long past."""
    if month < sent.month - 6:
        return sent.year + 1
    if month > sent.month + 6:
        return sent.year - 1
    return sent.year


# --- the patterns -------------------------------------------------------------------------------

Handler = Callable[[re.Match[str], Date, EventLookup], tuple[Date | None, Date | None, str] | None]
_PATTERNS: list[tuple[re.Pattern[str], Handler, tuple[str, ...]]] = []
DURATION = ("day", "week", "month")
MONTH_STEMS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DIGIT = "#digit"


def _pattern(regex: str, needs: tuple[str, ...] = ()) -> Callable[[Handler], Handler]:
    """Register a deadline pattern; ``needs`` are words one of which must occur in the text
    (a cheap gate: most chat lines skip most patterns; ``DIGIT`` = any digit)."""

    def wrap(fn: Handler) -> Handler:
        _PATTERNS.append((re.compile(regex, re.IGNORECASE), fn, needs))
        return fn

    return wrap


def _add(day: Date, n: int, unit: str, working: bool) -> Date:
    if unit.startswith("week"):
        return day + dt.timedelta(weeks=n)
    if unit.startswith("month"):
        return day + relativedelta(months=n)
    return cncal.add_days(day, n, working)


@_pattern(rf"{_B}(?:within|in|less\s+than)\s+(?:about\s+|around\s+|approx\w*\s+)?{RANGE}\s*{UNIT}"
          rf"\s+(?:{REL}|of)\s+{EVENT}", needs=DURATION)
def _within_after_event(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    kind = _event_kind(m["ev"] + m[0])
    base = events(kind)
    if base is None:
        return None, None, kind
    n = _num(m["m"] or m["n"]) or 0
    return base, _add(base, n, m["unit"], bool(m["work"])), kind


@_pattern(rf"{_B}{RANGE}\s*{UNIT}(?:\s+(?:later|more))?\s+{REL}\s+{EVENT}", needs=DURATION)
def _n_after_event(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    kind = _event_kind(m["ev"] + m[0])
    base = events(kind)
    if base is None:
        return None, None, kind
    n, hi = _num(m["n"]) or 0, _num(m["m"]) or _num(m["n"]) or 0
    work = bool(m["work"])
    return _add(base, n, m["unit"], work), _add(base, hi, m["unit"], work), kind


@_pattern(rf"{_B}{REL}\s+{EVENT}", needs=("after", "from", "once", "upon", "when", "since", "soon", "following"))
def _after_event(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    kind = _event_kind(m["ev"] + m[0])
    base = events(kind)
    return base, None, kind


@_pattern(rf"{_B}(?P<pre>{BY}|after)\s+(?:the\s+)?{HOLIDAY}", needs=("year", "cny", "festival", "golden", "national", "october", "may day", "labo", "dragon", "autumn", "qingming", "春节", "国庆", "holiday"))
def _holiday(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    period = cncal.holiday_period(_holiday_key(m["hol"]), sent)
    if period is None:
        return None, None, "holiday"
    start, end = period
    if m["pre"].lower() == "after":
        day = cncal.next_workday(end + dt.timedelta(days=1))
        return day, day, "holiday"
    return sent, start - dt.timedelta(days=1), "holiday"


@_pattern(rf"{_B}(?:between\s+)?(?P<a>{DATE})\s*(?:-|~|–|to|and|until)\s*(?P<b>{DATE}){_E}", needs=(DIGIT,))
def _date_range(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    a, b = parse_date(m["a"], sent), parse_date(m["b"], sent)
    if a is None or b is None or b < a:
        return None
    return a, b, "absolute"


@_pattern(rf"{_B}(?:between\s+)?(?P<mon>{MON})\s*(?P<a>{DAY})\s*(?:-|~|–|to|and)\s*(?P<b>{DAY})"
          rf"(?!\s*(?:days?|pcs|weeks?)){_E}", needs=(DIGIT,))
def _month_day_range(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    return _day_range(m, sent)


@_pattern(rf"{_B}(?:between\s+)?(?P<a>{DAY})\s*(?:-|~|–|to|and)\s*(?P<b>{DAY})(?:\s+of)?\s+(?P<mon>{MON})"
          rf"{_E}", needs=(DIGIT,))
def _day_month_range(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    return _day_range(m, sent)


def _day_range(m: re.Match[str], sent: Date) -> Any:
    month = _month_of(m["mon"])
    year = _month_year(month, sent)
    try:
        a = dt.date(year, month, int(re.sub(r"\D", "", m["a"])))
        b = dt.date(year, month, int(re.sub(r"\D", "", m["b"])))
    except ValueError:
        return None
    return (a, b, "absolute") if a <= b else None


@_pattern(rf"{_B}(?:(?P<pre>{BY}|after|on|at|etd|eta|ready)\s+)?(?:the\s+)?(?P<d>{DATE}){_E}"
          r"(?P<late>\s*(?:at\s+the\s+)?latest)?", needs=(DIGIT,))
def _one_date(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    day = parse_date(m["d"], sent)
    if day is None:
        return None
    pre = (m["pre"] or "").lower()
    if pre == "after":
        return day + dt.timedelta(days=1), None, "absolute"
    if re.fullmatch(BY, pre) or m["late"]:
        return sent, day, "absolute"
    return day, day, "absolute"


@_pattern(rf"{_B}(?P<w>yesterday|last\s+night)\b", needs=("yesterday", "last night"))
def _yesterday(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    day = sent - dt.timedelta(days=1)
    return day, day, "message"


@_pattern(rf"{_B}(?:(?P<pre>{BY})\s+)?(?P<w>today|2day|tonight|this\s+(?:afternoon|evening|morning))\b",
          needs=("today", "2day", "tonight", "this "))
def _today(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    return sent, sent, "message"


@_pattern(rf"{_B}(?:(?P<pre>{BY})\s+)?(?P<after>(?:the\s+)?day\s+after\s+)?(?:tomorrow|tmr|tmrw|tomorow|明天)(?:\b|(?<=天))", needs=("tom", "tmr", "明天"))
def _tomorrow(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    day = sent + dt.timedelta(days=2 if m["after"] else 1)
    return (sent if m["pre"] else day), day, "message"


@_pattern(rf"{_B}(?:(?P<pre>{BY}|on)\s+)?(?P<which>this\s+|next\s+|coming\s+|this\s+coming\s+)?"
          rf"(?P<wd>{'|'.join(WEEKDAYS)})\b", needs=("day",))
def _weekday(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    target = WEEKDAYS.index(m["wd"].lower())
    which = " ".join((m["which"] or "").lower().split())
    if which == "next":
        monday = sent - dt.timedelta(days=sent.weekday()) + dt.timedelta(weeks=1)
        day = monday + dt.timedelta(days=target)
    else:
        ahead = (target - sent.weekday()) % 7 or 7
        day = sent + dt.timedelta(days=ahead)
    pre = (m["pre"] or "").lower()
    return (sent if pre and pre != "on" else day), day, "message"


@_pattern(rf"{_B}(?:(?P<pre>{BY}|within|in|during)\s+)?(?:the\s+)?(?P<which>this|next|nxt|coming|the\s+following)"
          r"\s+(?P<unit>week|wk|month)(?:\s+end)?\b|(?P<zh>下周|本周|这周|下个月)",
          needs=("week", "wk", "month", "下周", "本周", "这周", "下个月"))
def _this_next(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    zh = m["zh"]
    which = ("this" if zh in ("本周", "这周") else "next") if zh else m["which"].lower()
    unit = ("month" if zh == "下个月" else "week") if zh else m["unit"].lower()
    if unit.startswith("w"):
        monday = sent - dt.timedelta(days=sent.weekday())
        if which == "this":
            lo, hi = sent, monday + dt.timedelta(days=6)
        else:
            lo, hi = monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)
    elif which == "this":
        lo, hi = sent, _month_last(sent.year, sent.month)
    else:
        first = dt.date(sent.year, sent.month, 1) + relativedelta(months=1)
        lo, hi = first, _month_last(first.year, first.month)
    pre = (m["pre"] or "").lower()
    if pre and re.fullmatch(BY, pre):
        lo = sent
    return lo, hi, "message"


@_pattern(rf"{_B}(?:(?P<pre>{BY})\s+)?(?:the\s+)?(?:end\s+(?:of\s+)?(?:the\s+|this\s+)?(?P<this>month)"
          r"|(?:this\s+)?month[-\s]end|end\s+of\s+next\s+(?P<next>month))\b", needs=("month",))
def _month_end(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    """End of (this/next) month: 25th (or ``sent`` if later) to the last day; "by/before end
    of this month" runs from ``sent`` (data/promises README, convention 6)."""
    base = sent + relativedelta(months=1) if m["next"] else sent
    lo = dt.date(base.year, base.month, 25)
    if m["pre"]:
        lo = sent
    return max(lo, sent), _month_last(base.year, base.month), "message"


# never starts on a blank or dash (a bare month is rejected anyway): trying every position of a
# long run of spaces was quadratic
@_pattern(rf"{_B}(?![\s-])(?:(?P<pre>{BY}|in|at|on|around)\s++)?(?:the\s++)?(?P<part>early|beginning\s+of"
          r"|start\s+of|mid(?:dle)?(?:\s+of)?|late|end\s+of|the\s+end\s+of)?[\s-]*+(?P<mon>" + MON + r")"
          r"(?!\s*\d)\b", needs=MONTH_STEMS)
def _month_part(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    part = (m["part"] or "").lower()
    pre = (m["pre"] or "").lower()
    if not part and not pre:
        return None  # a bare month name ("may") is too weak
    if m["mon"].lower().startswith("may") and not part and pre not in ("in", "by", "before"):
        return None
    month = _month_of(m["mon"])
    year = _month_year(month, sent)
    last = _month_last(year, month)
    if part.startswith(("early", "beginning", "start")):
        lo, hi = dt.date(year, month, 1), dt.date(year, month, 10)
    elif part.startswith("mid"):
        lo, hi = dt.date(year, month, 11), dt.date(year, month, 20)
    elif part == "late":
        lo, hi = dt.date(year, month, 21), last
    elif "end" in part:
        lo, hi = dt.date(year, month, 25), last
    else:
        lo, hi = dt.date(year, month, 1), last
    if re.fullmatch(BY, pre) and not part:
        lo = sent
        if not part:
            hi = last if pre not in ("before", "prior to") else dt.date(year, month, 1) - dt.timedelta(1)
    return lo, hi, "absolute"


@_pattern(rf"{_B}(?:(?P<pre>early|mid(?:dle)?(?:\s+of)?|late|beginning\s+of)\s+)(?:the\s+)?(?:next|coming)\s+month\b", needs=("month",))
def _next_month_part(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    first = dt.date(sent.year, sent.month, 1) + relativedelta(months=1)
    pre = m["pre"].lower()
    if pre.startswith(("early", "beginning")):
        return first, first.replace(day=10), "message"
    if pre.startswith("mid"):
        return first.replace(day=11), first.replace(day=20), "message"
    return first.replace(day=21), _month_last(first.year, first.month), "message"


@_pattern(rf"{_B}(?:within|in\s+less\s+than|less\s+than|not\s+more\s+than|max(?:imum)?|valid\s+for)\s+"
          rf"(?:about\s+|around\s+|approx\w*\s+)?{RANGE}\s*{UNIT}{_E}(?!\s+ago)", needs=DURATION)
def _within(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    n = _num(m["m"] or m["n"]) or 0
    return sent, _add(sent, n, m["unit"], bool(m["work"])), "message"


@_pattern(rf"{_B}(?:(?:in|after)\s+(?:about\s+|around\s+|approx\w*\s+)?{RANGE}\s*{UNIT}{_E}(?!\s+ago)"
          rf"|{RANGE.replace('?P<n>', '?P<n2>').replace('?P<m>', '?P<m2>')}\s*"
          rf"{UNIT.replace('?P<work>', '?P<work2>').replace('?P<unit>', '?P<unit2>')}\s+later)", needs=DURATION)
def _in_n(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    n = _num(m["n"] or m["n2"]) or 0
    hi = _num(m["m"] or m["m2"]) or n
    unit, work = m["unit"] or m["unit2"], bool(m["work"] or m["work2"])
    return _add(sent, n, unit, work), _add(sent, hi, unit, work), "message"


@_pattern(r"(?P<n>\d{1,3})\s*(?:个)?(?P<unit>天|周|星期)后", needs=(DIGIT,))
def _zh_in_n(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    n = int(m["n"]) * (1 if m["unit"] == "天" else 7)
    day = sent + dt.timedelta(days=n)
    return day, day, "message"


@_pattern(rf"{_B}{RANGE}\s*{UNIT}{_E}(?!\s+ago)", needs=DURATION)
def _lead_time(m: re.Match[str], sent: Date, events: EventLookup) -> Any:
    if not m["n"][0].isdigit() and m["n"].lower() in ("a", "an"):
        return None  # "a day" is small talk more often than a lead time
    n = _num(m["n"]) or 0
    hi = _num(m["m"]) or n
    work = bool(m["work"])
    return _add(sent, n, m["unit"], work), _add(sent, hi, m["unit"], work), "message"


# Chinese deadline words (下周五之前, 收到定金后15个工作日内, 月底, 春节前): registered last, so the
# English patterns keep their ranks; the leftmost, longest span still wins
for _regex, _handler, _needs in zh.DEADLINE_PATTERNS:
    _pattern(_regex, _needs)(_handler)


# --- entry points -------------------------------------------------------------------------------


def _gate_regex() -> re.Pattern[str]:
    words = sorted({w for _, _, needs in _PATTERNS for w in needs if w != DIGIT}, key=len,
                   reverse=True)
    # a lookahead finds every gate word, also one inside another ("day" in "today")
    return re.compile("(?=(" + "|".join(re.escape(w) for w in words) + r"|\d))")


_GATE = _gate_regex()


def event_lookup(events: Any) -> EventLookup:
    """A ``kind -> date`` function from a facts object (``event_date(kind)``), a plain dict
    {kind: date | "YYYY-MM-DD"} or None. ``payment`` falls back to ``deposit`` and vice versa."""

    def lookup(kind: str) -> Date | None:
        if events is None:
            return None
        if hasattr(events, "event_date"):
            value = events.event_date(kind)
        elif isinstance(events, Mapping):
            value = events.get(kind)
        else:
            return None
        return _as_date(value)

    return lookup


def _as_date(value: Any) -> Date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _candidates(text: str) -> tuple[tuple[tuple[int, int, int], Handler, re.Match[str]], ...]:
    """Every deadline-phrase match in ``text``, best first (leftmost, longest, pattern rank).

    The spans do not depend on the message date, so they are found once per distinct text; only
    the cheap resolution to dates runs per message."""
    found = []
    present = {DIGIT if w.isdigit() else w for w in _GATE.findall(text.lower())}
    for rank, (regex, handler, needs) in enumerate(_PATTERNS):
        if needs and present.isdisjoint(needs):
            continue
        for m in regex.finditer(text):
            found.append(((m.start(), -(m.end() - m.start()), rank), handler, m))
    found.sort(key=lambda item: item[0])
    return tuple(found)


def find_deadline(text: str, sent: Date, events: Any = None) -> Deadline | None:
    """The deadline window set by ``text`` (one sentence) sent on local date ``sent``.

    The leftmost, then longest, deadline phrase wins; event anchors come first among equals so
    "15 days after deposit" is not read as a bare 15-day lead time.
    """
    lookup = events if callable(events) and not hasattr(events, "event_date") else event_lookup(events)
    bounding = zh.buyer_condition_spans(text)  # "如果你今天付款": the buyer's date (convention 9)
    for _key, handler, m in _candidates(text):
        if bounding and any(a <= m.start() < b for a, b in bounding):
            continue
        result = handler(m, sent, lookup)
        if result is not None:
            lo, hi, anchor = result
            found = Deadline(lo, hi, anchor, text[m.start():m.end()].strip(), m.start(), m.end())
            if anchor == "holiday":
                return _dated_apposition(text, found, sent, lookup) or found
            return found
    other = _OTHER_EVENT.search(text)
    if other:  # "after the artwork is finalised": an event we cannot date, named as unknown
        return Deadline(None, None, "unknown", other.group(0).strip(), other.start(), other.end())
    return None


#: what may stand between a holiday and the date that pins it down: "after the holiday, around
#: Feb 10", "before CNY (Jan 25)"
_APPOSITION = re.compile(r"\s{0,3}[,(]?\s{0,3}(?:around|about|approx\w*|roughly|maybe|i\.?e\.?|on|latest)?\s{0,3}$",
                         re.IGNORECASE)


def _dated_apposition(text: str, holiday: Deadline, sent: Date, lookup: EventLookup) -> Deadline | None:
    """A calendar date written right after a holiday anchor names the day the seller means:
    "ship right after the holiday, around Feb 10" promises Feb 10, not the first working day."""
    for _key, handler, m in _candidates(text):
        if m.start() < holiday.end or not _APPOSITION.match(text[holiday.end:m.start()]):
            continue
        result = handler(m, sent, lookup)
        if result is not None and result[2] == "absolute":
            lo, hi, anchor = result
            if holiday.earliest and holiday.latest and holiday.earliest < holiday.latest and lo is not None \
                    and holiday.earliest <= lo:
                lo = holiday.earliest  # "before CNY (Jan 25)": by that day, from the message on
            return Deadline(lo, hi, anchor, text[m.start():m.end()].strip(), m.start(), m.end())
    return None


_OTHER_EVENT = re.compile(
    r"(?<![\w-])(?:after|upon|once|when|as\s+soon\s+as)\s+(?!(?:that|this|sales|all|now|then|lunch"
    r"|dinner|new\s+year|possible|we\s+(?:check|discuss)|it\s+is|is|are|do|can|will)\b)(?:the\s+|our\s+|your\s+)?[a-z][a-z-]+(?:\s+(?!we\b|i\b|"
    r"will\b)[a-z][a-z-]+){0,4}",
    re.IGNORECASE,
)
