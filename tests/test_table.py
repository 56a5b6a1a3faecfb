import pandas as pd
import pytest

from chatsignals.errors import TableError
from chatsignals.table import (
    COLUMNS,
    REQUIRED_COLUMNS,
    empty_table,
    finalize,
    finalize_findings,
    finalize_promises,
    sort_table,
    stable_id,
    validate,
)


def test_empty_table_has_every_contract_column_typed():
    table = empty_table()
    assert list(table.columns)[: len(REQUIRED_COLUMNS)] == list(REQUIRED_COLUMNS)
    assert str(table["timestamp"].dtype) == "datetime64[ns, UTC]"
    assert table["is_system"].dtype == bool
    validate(table)


def test_finalize_fills_defaults_and_keeps_extra_columns():
    frame = pd.DataFrame(
        {
            "message_id": ["a", "b"],
            "conversation_id": ["c", "c"],
            "text": ["hello", "world"],
            "timestamp": pd.to_datetime(["2025-03-01T10:00:00+08:00", None], utc=True),
            "attachments": [None, "photo.jpg"],
            "role": ["seller", "buyer"],
            "platform": ["whatsapp", "whatsapp"],
            "my_extra": [1, 2],
        }
    )
    table = finalize(frame)
    assert table["attachments"].tolist() == [[], ["photo.jpg"]]
    assert table["timestamp"].iloc[0] == pd.Timestamp("2025-03-01T02:00:00Z")
    assert pd.isna(table["timestamp"].iloc[1])
    assert table["is_deleted"].tolist() == [False, False]
    assert "my_extra" in table.columns and list(table.columns)[: len(COLUMNS)] == list(COLUMNS)
    validate(table)


def test_validate_rejects_duplicate_ids_and_unknown_roles():
    table = finalize(pd.DataFrame({"message_id": ["x", "x"], "role": ["seller", "buyer"]}))
    with pytest.raises(TableError, match="duplicate"):
        validate(table)
    table = finalize(pd.DataFrame({"message_id": ["x"], "role": ["boss"]}))
    with pytest.raises(TableError, match="role"):
        validate(table)


def test_finalize_refuses_naive_timestamps():
    with pytest.raises(TableError, match="naive"):
        finalize(pd.DataFrame({"timestamp": pd.to_datetime(["2025-01-01 10:00"])}))


def test_sort_is_conversation_then_time_then_source_order():
    frame = pd.DataFrame(
        {
            "message_id": ["1", "2", "3", "4"],
            "conversation_id": ["b", "a", "a", "a"],
            "timestamp": pd.to_datetime(["2025-01-01", "2025-01-02", "2025-01-01", "2025-01-01"], utc=True),
            "source_file": ["f"] * 4,
            "source_index": [0, 1, 2, 3],
        }
    )
    assert sort_table(finalize(frame))["message_id"].tolist() == ["3", "4", "2", "1"]


def test_downstream_tables_and_stable_ids():
    promises = finalize_promises(pd.DataFrame({"promise_id": ["P-1"], "deadline_latest": ["2025-03-25"]}))
    assert str(promises["deadline_latest"].dtype) == "datetime64[ns]"
    findings = finalize_findings(pd.DataFrame({"finding_id": ["F-1"], "message_ids": [("m1", "m2")]}))
    assert findings["message_ids"].iloc[0] == ["m1", "m2"]
    assert stable_id("F", "rule", "m1") == stable_id("F", "rule", "m1") != stable_id("F", "rule", "m2")


def test_undated_rows_keep_their_place_in_the_file():
    frame = pd.DataFrame(
        {
            "message_id": ["a", "b", "c"],
            "conversation_id": ["x"] * 3,
            "timestamp": pd.to_datetime(["2025-01-01 10:00", None, "2025-01-01 11:00"], utc=True),
            "source_file": ["f"] * 3,
            "source_index": [0, 1, 2],
        }
    )
    assert sort_table(finalize(frame))["message_id"].tolist() == ["a", "b", "c"]
