"""Every deadline form of docs/PROMISES.md with its reference date and expected window."""

from __future__ import annotations

import datetime as dt

import pytest

from chatsignals.nlp.deadlines import find_deadline

D = dt.date
MON = D(2025, 3, 3)  # a Monday, the day the deposit arrived in the sample story
EVENTS = {
    "deposit": "2025-03-03",
    "balance": "2025-04-03",
    "sample_approval": "2025-02-20",
    "shipment": "2025-04-12",
    "delivery": "2025-04-30",
}

CASES = [
    # absolute dates in every common writing
    ("will ship on March 25", MON, D(2025, 3, 25), D(2025, 3, 25), "absolute"),
    ("ship 3/25", MON, D(2025, 3, 25), D(2025, 3, 25), "absolute"),
    ("ready 25th March", MON, D(2025, 3, 25), D(2025, 3, 25), "absolute"),
    ("ETD Mar 25th", MON, D(2025, 3, 25), D(2025, 3, 25), "absolute"),
    ("loading 2025.3.25", MON, D(2025, 3, 25), D(2025, 3, 25), "absolute"),
    ("loading 2025-03-25", MON, D(2025, 3, 25), D(2025, 3, 25), "absolute"),
    ("will finish before March 25", MON, MON, D(2025, 3, 25), "absolute"),
    ("goods ready by April 5 latest", D(2025, 3, 20), D(2025, 3, 20), D(2025, 4, 5), "absolute"),
    ("no later than March 25", MON, MON, D(2025, 3, 25), "absolute"),
    ("we ship after March 25", MON, D(2025, 3, 26), None, "absolute"),
    ("between March 20 and 25", MON, D(2025, 3, 20), D(2025, 3, 25), "absolute"),
    ("loading March 20-25", MON, D(2025, 3, 20), D(2025, 3, 25), "absolute"),
    # relative to the message
    ("production start today", MON, MON, MON, "message"),
    ("i send tonight", MON, MON, MON, "message"),
    ("tracking tmr", MON, D(2025, 3, 4), D(2025, 3, 4), "message"),
    ("white sample send the day after tomorrow", MON, D(2025, 3, 5), D(2025, 3, 5), "message"),
    ("sample will send out on Friday by DHL", MON, D(2025, 3, 7), D(2025, 3, 7), "message"),
    ("this Friday ship", D(2025, 3, 7), D(2025, 3, 14), D(2025, 3, 14), "message"),  # today excluded
    ("next Friday", MON, D(2025, 3, 14), D(2025, 3, 14), "message"),
    ("will send EN71 report this week", D(2025, 3, 5), D(2025, 3, 5), D(2025, 3, 9), "message"),
    ("ETD next week", MON, D(2025, 3, 10), D(2025, 3, 16), "message"),
    ("phone cases will finish end of this month", D(2025, 3, 27), D(2025, 3, 27), D(2025, 3, 31),
     "message"),
    ("finish end of this month", MON, D(2025, 3, 25), D(2025, 3, 31), "message"),
    ("end of April", MON, D(2025, 4, 25), D(2025, 4, 30), "absolute"),
    ("early April", MON, D(2025, 4, 1), D(2025, 4, 10), "absolute"),
    ("can ship mid April", MON, D(2025, 4, 11), D(2025, 4, 20), "absolute"),
    ("maybe late April", MON, D(2025, 4, 21), D(2025, 4, 30), "absolute"),
    ("in 2 weeks", MON, D(2025, 3, 17), D(2025, 3, 17), "message"),
    ("2 weeks later", MON, D(2025, 3, 17), D(2025, 3, 17), "message"),
    ("we will make the counter sample in 3 days", MON, D(2025, 3, 6), D(2025, 3, 6), "message"),
    ("we refund the difference within 3 days", MON, MON, D(2025, 3, 6), "message"),
    ("within 2 weeks", MON, MON, D(2025, 3, 17), "message"),
    ("production time 25 days", MON, D(2025, 3, 28), D(2025, 3, 28), "message"),
    ("lead time 25-30 days", MON, D(2025, 3, 28), D(2025, 4, 2), "message"),
    # chat and Chinese spellings (data/promises README convention 13)
    ("明天发 send tomorrow", MON, D(2025, 3, 4), D(2025, 3, 4), "message"),
    ("下周 ship", MON, D(2025, 3, 10), D(2025, 3, 16), "message"),
    ("3天后寄出", MON, D(2025, 3, 6), D(2025, 3, 6), "message"),
    ("nxt week ship", MON, D(2025, 3, 10), D(2025, 3, 16), "message"),
    ("by end of this month", D(2025, 3, 5), D(2025, 3, 5), D(2025, 3, 31), "message"),
    ("price valid for 7 days", MON, MON, D(2025, 3, 10), "message"),
    # relative to an event, resolved from the facts' events
    ("within 15 working days after deposit", MON, MON, D(2025, 3, 24), "deposit"),
    ("we will arrange shipment after receive your deposit", MON, MON, None, "deposit"),
    ("25-30 days after receiving payment", MON, D(2025, 3, 28), D(2025, 4, 2), "deposit"),
    ("shipment 3 days after balance", MON, D(2025, 4, 6), D(2025, 4, 6), "balance"),
    ("bulk 7 days after sample approval", MON, D(2025, 2, 27), D(2025, 2, 27), "sample_approval"),
    ("arrive 30 days after shipment", MON, D(2025, 5, 12), D(2025, 5, 12), "shipment"),
    ("we replace within 7 days after delivery", MON, D(2025, 4, 30), D(2025, 5, 7), "delivery"),
    # China working days: 2025-10-10 deposit, National Day already over, 45 working days
    ("completed 45 working days after receipt of the deposit", D(2025, 10, 9), None, None, "x"),
    # Chinese holidays (official arrangement from chinese_calendar)
    ("ok we try our best to ship before Chinese New Year", D(2023, 12, 18), D(2023, 12, 18),
     D(2024, 2, 9), "holiday"),
    ("dear we will load the container before CNY", D(2024, 1, 8), D(2024, 1, 8), D(2024, 2, 9),
     "holiday"),
    ("we ship first week after CNY", D(2024, 1, 8), D(2024, 2, 18), D(2024, 2, 18), "holiday"),
    ("we can arrange shipment after Golden Week", D(2023, 9, 18), D(2023, 10, 7), D(2023, 10, 7),
     "holiday"),
    ("after National Day holiday", D(2025, 9, 20), D(2025, 10, 9), D(2025, 10, 9), "holiday"),
]


@pytest.mark.parametrize(("text", "sent", "earliest", "latest", "anchor"), CASES)
def test_deadline_window(text: str, sent: dt.date, earliest, latest, anchor: str) -> None:
    if anchor == "x":
        deadline = find_deadline(text, sent, {"deposit": "2025-10-10"})
        assert deadline is not None
        # 2025-10-10 + 45 China working days; the make-up Saturday 2025-10-11 counts
        assert (deadline.earliest, deadline.latest, deadline.anchor) == (
            D(2025, 12, 11), D(2025, 12, 11), "deposit")
        return
    deadline = find_deadline(text, sent, EVENTS)
    assert deadline is not None, text
    assert (deadline.earliest, deadline.latest, deadline.anchor) == (earliest, latest, anchor)


def test_event_anchor_without_the_event_is_named_never_guessed() -> None:
    deadline = find_deadline("bulk production 30-35 days after deposit", MON, {})
    assert deadline is not None
    assert (deadline.earliest, deadline.latest, deadline.anchor) == (None, None, "deposit")
    assert deadline.text == "30-35 days after deposit"


def test_an_event_we_cannot_date_is_unknown() -> None:
    for text in ("Printing will start after the artwork is finalised.",
                 "Production will begin as soon as the raw material arrives."):
        deadline = find_deadline(text, MON, EVENTS)
        assert deadline is not None
        assert (deadline.earliest, deadline.latest, deadline.anchor) == (None, None, "unknown")
    assert find_deadline("after new year we talk", MON) is None


def test_facts_object_with_event_date_is_accepted() -> None:
    class Facts:
        def event_date(self, kind: str) -> dt.date | None:
            return D(2024, 5, 16) if kind == "deposit" else None

    deadline = find_deadline("the sinks can be ready within 25 days after receive your deposit",
                             D(2024, 5, 14), Facts())
    assert deadline is not None
    assert (deadline.earliest, deadline.latest) == (D(2024, 5, 16), D(2024, 6, 10))


@pytest.mark.parametrize(
    "text",
    ["We will send it", "LED strip 5050 IP65, USD 2.80", "ASAP", "will ship soon", "Wed is fine?"],
)
def test_no_deadline_words_no_window(text: str) -> None:
    """'We will' is not Wednesday, '5050' is not a year, ASAP/soon set no window."""
    assert find_deadline(text, MON) is None


def test_relative_time_uses_the_message_date() -> None:
    assert find_deadline("ship tomorrow", D(2025, 12, 31)).earliest == D(2026, 1, 1)
    # a month-day without a year is the one nearest the message
    assert find_deadline("ship on Jan 10", D(2025, 12, 20)).earliest == D(2026, 1, 10)


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "anchor"),
    [
        # the date written after a holiday anchor is the day the seller means
        ("We will ship right after the holiday, around Feb 10.", D(2025, 2, 10), D(2025, 2, 10), "absolute"),
        # a "before" holiday keeps its start: by Jan 25, from the message on
        ("Ship before CNY (Jan 25) no problem", D(2025, 1, 10), D(2025, 1, 25), "absolute"),
        # a date later in the sentence about something else does not replace the holiday
        ("After the holiday we ship, and the sample we send on March 3", D(2025, 2, 5), D(2025, 2, 5), "holiday"),
    ],
)
def test_a_date_in_apposition_pins_down_a_holiday(text: str, earliest: dt.date, latest: dt.date,
                                                  anchor: str) -> None:
    d = find_deadline(text, D(2025, 1, 10))
    assert d is not None
    assert (d.earliest, d.latest, d.anchor) == (earliest, latest, anchor)
