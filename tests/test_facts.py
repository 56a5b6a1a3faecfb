"""The facts file: schema, line-numbered errors, event lookups, tracking imports, template."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatsignals.errors import InputError
from chatsignals.facts import Facts, load_facts, load_tracking_csv, template_text


def _write(tmp_path: Path, text: str, name: str = "facts.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_facts(path)
    return info.value.reason


def test_template_is_valid_facts(tmp_path: Path) -> None:
    facts = load_facts(_write(tmp_path, template_text()))
    assert facts.seller_names()[0] == "Lily Chen"
    assert facts.order.items[0].specs == ["IP65 waterproof", "CE and RoHS certified"]
    assert facts.event_date("deposit") == dt.date(2025, 3, 3)
    delivered = facts.events_of("delivered")[0]
    assert delivered.date == dt.datetime(2025, 4, 30, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))


def test_sample_facts_tell_the_story(samples: Path) -> None:
    facts = load_facts(samples / "facts.yaml")
    assert facts.order.payment_account is not None
    assert facts.order.payment_account.swift == "BKCHCNBJ45A"
    assert facts.event_date("shipment") == dt.date(2025, 4, 12)
    assert facts.event_date("delivery") == dt.date(2025, 4, 30)
    assert facts.event_date("balance") == dt.date(2025, 4, 3)
    inspection = facts.events_of("inspection")[0]
    assert inspection.quantity_received == 4200
    assert "no CE marking on product or box" in inspection.findings
    # the tracking file repeats the shipped/delivered days: no duplicate events
    assert len(facts.events_of("shipped")) == 1
    assert "Tom Becker" in facts.buyer_names()


def test_typo_of_top_level_key_names_field_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "case: {id: X-1}\nparties:\n  seller: [Lily]\nevnts:\n  - {date: 2025-03-03, type: deposit_paid}\n")
    assert _error(path) == "evnts: unknown field (did you mean 'events'?) (line 4)"


def test_missing_event_date_and_bad_type(tmp_path: Path) -> None:
    text = (
        "events:\n"
        "  - {date: 2025-03-03, type: deposit_paid}\n"
        "  - type: shipped\n"
        "    carrier: DHL\n"
        "  - {date: 2025-04-30, type: deliverd}\n"
    )
    reason = _error(_write(tmp_path, text))
    assert "events[1].date: required field missing (line 3)" in reason
    assert "events[2].type: 'deliverd' is not one of" in reason and "(line 5)" in reason


def test_impossible_date_is_a_field_error(tmp_path: Path) -> None:
    text = "order:\n  placed: 2025-02-27\nevents:\n  - date: 2025-13-45\n    type: delivered\n"
    assert _error(_write(tmp_path, text)) == "events[0].date: '2025-13-45' is not a date (line 4)"


def test_bad_quantity_names_item_line(tmp_path: Path) -> None:
    text = "order:\n  items:\n    - name: LED strip\n      quantity: lots\n"
    reason = _error(_write(tmp_path, text))
    assert reason.startswith("order.items[0].quantity:") and reason.endswith("(line 4)")


def test_extra_fields_allowed_in_items_and_events(tmp_path: Path) -> None:
    text = (
        "order:\n  items:\n    - {name: mug, quantity: 100, colour: red, sku: M-1}\n"
        "events:\n  - {date: 2025-05-02, type: inspection, inspector: SGS, quantity_received: 98}\n"
    )
    facts = load_facts(_write(tmp_path, text))
    assert facts.order.items[0].model_extra == {"colour": "red", "sku": "M-1"}
    assert "inspector: SGS" in facts.events_frame()["details"].iloc[0]


def test_json_facts_with_times_and_offsets(tmp_path: Path) -> None:
    text = (
        '{"parties": {"seller": "Lily Chen"},\n'
        ' "events": [{"date": "2025-04-12T09:41:00+08:00", "type": "shipped"},\n'
        '            {"date": "2025-03-03", "type": "payment"}]}'
    )
    facts = load_facts(_write(tmp_path, text, "facts.json"))
    assert facts.seller_names() == ["Lily Chen"]
    assert facts.event_date("shipment") == dt.date(2025, 4, 12)
    assert facts.event_date("payment") == dt.date(2025, 3, 3)
    bad = _write(tmp_path, '{"events": [{"type": "shipped"}]}', "bad.json")
    assert _error(bad) == "events[0].date: required field missing (line 1)"


def test_hostile_yaml_refused(tmp_path: Path) -> None:
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    assert "aliases are not allowed" in _error(_write(tmp_path, bomb))
    assert "must be a mapping" in _error(_write(tmp_path, "- 1\n- 2\n"))
    assert _error(_write(tmp_path, "events: [\n")).startswith("not valid YAML")
    assert _error(tmp_path / "absent.yaml") == "no such file"


def test_event_date_kinds_and_order_fallback() -> None:
    facts = Facts.model_validate({
        "order": {"placed": "2025-02-27"},
        "events": [
            {"date": "2025-04-20", "type": "shipped"},
            {"date": "2025-04-12", "type": "shipped"},  # earliest wins, not the first written
            {"date": "2025-03-10", "type": "sample_approved"},
        ],
    })
    assert facts.event_date("order") == dt.date(2025, 2, 27)
    assert facts.event_date("shipment") == dt.date(2025, 4, 12)
    assert facts.event_date("sample_approval") == dt.date(2025, 3, 10)
    assert facts.event_date("deposit") is None
    frame = facts.events_frame()
    assert list(frame.columns) == ["date", "type", "source", "message_id", "details"]
    assert frame["type"].tolist() == ["order_placed", "sample_approved", "shipped", "shipped"]
    assert set(frame["source"]) == {"facts"}


def test_tracking_csv_first_real_scan_and_delivery(samples: Path) -> None:
    shipped, delivered = load_tracking_csv(samples / "tracking_dhl.csv")
    assert (shipped.type, shipped.day) == ("shipped", dt.date(2025, 4, 12))  # not label-created 04-10
    assert (delivered.type, delivered.day) == ("delivered", dt.date(2025, 4, 30))
    assert shipped.tracking == "1234567890"


def test_tracking_csv_fedex_and_17track_layouts(tmp_path: Path) -> None:
    fedex = _write(tmp_path, (
        "Date/Time;Activity;Location\n"
        "14/04/2025 10:00;Out for delivery;MUNICH DE\n"
        "15/04/2025 12:30;Delivered;MUNICH DE\n"
        "09/04/2025 08:00;Picked up;GUANGZHOU CN\n"
    ), "fedex.csv")
    events = load_tracking_csv(fedex)
    assert [(e.type, e.day) for e in events] == [
        ("shipped", dt.date(2025, 4, 9)), ("delivered", dt.date(2025, 4, 15))
    ]
    track17 = _write(tmp_path, "Time,Event\n2025-04-12 09:41,In transit\n", "17track.csv")
    assert [e.type for e in load_tracking_csv(track17)] == ["shipped"]  # not delivered yet


def test_tracking_csv_errors(tmp_path: Path) -> None:
    no_status = _write(tmp_path, "Date,Where\n2025-04-12,Shenzhen\n", "t.csv")
    with pytest.raises(InputError, match="needs a date and a status column"):
        load_tracking_csv(no_status)
    bad_date = _write(tmp_path, "Date,Status\nsoon,Picked up\n", "t2.csv")
    with pytest.raises(InputError, match="line 2: 'soon' is not a date"):
        load_tracking_csv(bad_date)


def test_tracking_file_relative_to_facts(tmp_path: Path) -> None:
    _write(tmp_path, "Date,Time,Status\n2025-04-12,09:41,Shipment picked up\n", "dhl.csv")
    facts = load_facts(_write(tmp_path, "tracking_file: dhl.csv\n"))
    assert facts.event_date("shipment") == dt.date(2025, 4, 12)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=8))
_KEYS = st.sampled_from(["case", "order", "events", "parties", "items", "date", "type", "specs",
                         "quantity", "placed", "seller", "findings", "tracking_file", "x"])
_DOCS = st.recursive(_SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=4)), max_leaves=12)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(doc=st.dictionaries(_KEYS, _DOCS, max_size=4))
def test_any_document_is_facts_or_one_line_error(tmp_path: Path, doc: dict) -> None:
    path = _write(tmp_path, json.dumps(doc), "facts.json")
    try:
        load_facts(path)
    except InputError as exc:
        assert "\n" not in str(exc) and exc.reason


def test_as_facts_accepts_dicts_and_names_bad_fields() -> None:
    from chatsignals.facts import as_facts

    facts = as_facts({"events": [{"date": "2025-04-12", "type": "shipped"}]})
    assert facts is not None and facts.event_date("shipment") == dt.date(2025, 4, 12)
    assert as_facts(None) is None and as_facts(facts) is facts
    with pytest.raises(InputError, match=r"events\[0\]\.date: required field missing"):
        as_facts({"events": [{"type": "shipped"}]})


def test_tab_indented_json_errors_have_lines(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n\t"events": [\n\t\t{"type": "shipped"}\n\t]\n}\n', "facts.json")
    assert _error(path) == "events[0].date: required field missing (line 3)"


def test_payment_in_full_anchors_deposit_deadlines() -> None:
    facts = Facts.model_validate({"events": [{"date": "2025-01-09", "type": "payment"}]})
    assert facts.event_date("deposit") == dt.date(2025, 1, 9)
