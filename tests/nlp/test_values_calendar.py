"""Values (amounts, quantities, tracking, documents, specs) and China working days/holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from chatsignals.nlp import calendar as cncal
from chatsignals.nlp.pipeline import get_nlp
from chatsignals.nlp.values import find_amounts, find_documents, find_tracking, find_value


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("price USD 2.80 per pc", "USD 2.80"),
        ("total $14,000", "USD 14,000"),
        ("balance 9800 usd before shipment", "USD 9,800"),
        ("RMB 500 for the shortage", "CNY 500"),
        ("¥300 refund", "CNY 300"),
        ("EUR 5.40 per meter", "EUR 5.40"),
        ("€20.5 each", "EUR 20.5"),
    ],
)
def test_amounts(text: str, amount: str) -> None:
    assert find_amounts(text) == [amount]


def test_tracking_documents_quantities_specs() -> None:
    assert find_tracking("goods shipped today by DHL, tracking 1234567890") == "DHL 1234567890"
    assert find_tracking("tracking no: 1Z999AA10123456784 UPS") == "UPS 1Z999AA10123456784"
    assert find_documents("B/L and commercial invoice attached") == ["B/L", "commercial invoice"]
    assert find_value("we ship 5000 pcs next week", "delivery").text == "5000 pcs"
    value = find_value("LED strip IP65 waterproof, CE and RoHS certified", "quality")
    assert value is not None and value.text.startswith("IP65")
    assert "CE" in value.text and "RoHS" in value.text


def test_working_days_skip_holidays_and_count_makeup_weekends() -> None:
    # 2025-01-26 (Sunday) was an official make-up working day before Spring Festival
    assert cncal.is_workday(dt.date(2025, 1, 26))
    assert not cncal.is_workday(dt.date(2025, 1, 29))  # Spring Festival
    assert not cncal.is_workday(dt.date(2025, 3, 8))  # an ordinary Saturday
    # 5 working days after Friday 2025-01-24: Sun 26 (make-up), Mon 27, then the holiday to
    # Feb 4, Wed 5, Thu 6, Fri 7 -> 2025-02-07
    assert cncal.add_working_days(dt.date(2025, 1, 24), 5) == dt.date(2025, 2, 7)


def test_holiday_periods() -> None:
    assert cncal.holiday_period("spring_festival", dt.date(2024, 1, 8)) == (
        dt.date(2024, 2, 10), dt.date(2024, 2, 17))
    # National Day 2025 merges with Mid-autumn: one Golden Week, Oct 1-8
    assert cncal.holiday_period("national_day", dt.date(2025, 9, 1)) == (
        dt.date(2025, 10, 1), dt.date(2025, 10, 8))
    # outside chinese_calendar's years the `holidays` package answers (no make-up days)
    start, _end = cncal.holiday_period("spring_festival", dt.date(2031, 1, 1))
    assert start.year == 2031


def test_chat_sentences_split_on_line_breaks_and_emoji() -> None:
    doc = get_nlp()("ok dear\nwill ship tomorrow 👍 tracking tmr")
    assert [s.text.strip() for s in doc.sents] == ["ok dear", "will ship tomorrow 👍", "tracking tmr"]
    doc = get_nlp()("price USD 2.80 ok? yes")
    assert [s.text.strip() for s in doc.sents] == ["price USD 2.80 ok?", "yes"]
