"""China working days and public-holiday periods, for deadlines such as "15 working days" or
"after CNY".

Suppliers count lead times in *China* working days: official holidays are off and the official
make-up weekends ("调休") are worked. ``chinese_calendar`` knows those exact days for the years the
State Council has published; outside them the ``holidays`` package gives the fixed and lunar holidays
(without make-up days), and weekends are off. Both are installed with chatsignals: nothing is fetched.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar as cc
import holidays as pyholidays

#: our holiday keys -> (chinese_calendar name, `holidays` name fragment)
HOLIDAY_NAMES: dict[str, tuple[str, str]] = {
    "spring_festival": ("Spring Festival", "Chinese New Year"),
    "national_day": ("National Day", "National Day"),
    "labour_day": ("Labour Day", "Labor Day"),
    "dragon_boat": ("Dragon Boat Festival", "Dragon Boat"),
    "mid_autumn": ("Mid-autumn Festival", "Mid-Autumn"),
    "qingming": ("Tomb-sweeping Day", "Tomb-Sweeping"),
    "new_year": ("New Year's Day", "New Year's Day"),
}

_CC_YEARS = {d.year for d in cc.holidays}
_CC_LAST = max(cc.holidays)


def _covered(day: dt.date) -> bool:
    """True when chinese_calendar has the official arrangement for ``day``'s year."""
    return day.year in _CC_YEARS and day <= dt.date(_CC_LAST.year, 12, 31)


@lru_cache(maxsize=32)
def _fallback_year(year: int) -> dict[dt.date, str]:
    return dict(pyholidays.country_holidays("CN", years=year).items())


def holiday_name(day: dt.date) -> str | None:
    """The official holiday ``day`` belongs to (chinese_calendar naming), or None."""
    if _covered(day):
        name = cc.holidays.get(day)
        return str(name) if name else None
    name = _fallback_year(day.year).get(day)
    if not name:
        return None
    for cc_name, fragment in HOLIDAY_NAMES.values():
        if fragment.lower() in name.lower():
            return cc_name
    return name


@lru_cache(maxsize=8192)
def is_workday(day: dt.date) -> bool:
    """A China working day: not an official holiday, weekends off unless a make-up working day.
    Cached: working-day deadlines walk the same weeks for every promise of a conversation."""
    if _covered(day):
        return bool(cc.is_workday(day))
    return day.weekday() < 5 and day not in _fallback_year(day.year)


@lru_cache(maxsize=8192)
def add_working_days(start: dt.date, n: int) -> dt.date:
    """The date ``n`` China working days after ``start`` (``start`` itself not counted)."""
    day = start
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return day


def add_days(start: dt.date, n: int, working: bool) -> dt.date:
    """``start`` plus ``n`` calendar days, or ``n`` China working days when ``working``."""
    return add_working_days(start, n) if working else start + dt.timedelta(days=n)


def next_workday(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def _off(day: dt.date) -> bool:
    """Part of a holiday run: an official holiday day (any name)."""
    return holiday_name(day) is not None


@lru_cache(maxsize=256)
def holiday_period(key: str, ref: dt.date) -> tuple[dt.date, dt.date] | None:
    """First and last day off of the holiday ``key`` (see :data:`HOLIDAY_NAMES`) that has not
    ended by ``ref``: the one buyers mean by "before CNY" / "after Golden Week".

    The run is the consecutive official days off around the named days, so a National Day that
    merges with Mid-autumn (2025: Oct 1-8) is one Golden Week.
    """
    if key == "next":
        return _next_long_holiday(ref)
    cc_name = HOLIDAY_NAMES[key][0]
    for year in (ref.year, ref.year + 1):
        days = [
            dt.date(year, 1, 1) + dt.timedelta(days=i)
            for i in range(366 if year % 4 == 0 else 365)
        ]
        named = [d for d in days if holiday_name(d) == cc_name]
        if not named:
            continue
        start, end = named[0], named[-1]
        while _off(start - dt.timedelta(days=1)):
            start -= dt.timedelta(days=1)
        while _off(end + dt.timedelta(days=1)):
            end += dt.timedelta(days=1)
        if end >= ref:
            return start, end
    return None


def _next_long_holiday(ref: dt.date) -> tuple[dt.date, dt.date] | None:
    """"The holiday" said without a name: the next multi-day official break (CNY, Labour Day,
    National Day) that has not ended by ``ref``."""
    found = [holiday_period(k, ref) for k in ("spring_festival", "labour_day", "national_day")]
    periods = [p for p in found if p is not None]
    return min(periods) if periods else None
