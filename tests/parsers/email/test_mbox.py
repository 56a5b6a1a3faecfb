"""The mailbox reader's row store: chunked into DataFrames as it reads."""

from __future__ import annotations


def test_rows_in_chunks_make_the_same_table_as_rows_at_once(monkeypatch) -> None:
    """Rows are turned into DataFrames every CHUNK mails (Arrow keeps the text once); a column
    first seen in a later chunk, or missing from one, comes out as if the rows had been kept
    whole: first-seen column order, None where a mail had no value, one 0..n-1 index."""
    import pandas as pd

    from chatsignals.parsers.email import Rows

    records = [{"text": f"mail {i}", "subject": "Order" if i % 2 else None, "n": i} for i in range(7)]
    records[5]["reply_to"] = "x@example.com"
    chunked = Rows()
    monkeypatch.setattr(Rows, "CHUNK", 3)
    for record in records:
        chunked.append(record)
    frame = chunked.frame()
    expected = pd.DataFrame(records, columns=["text", "subject", "n", "reply_to"])
    assert list(frame.columns) == list(expected.columns)
    assert list(frame.index) == list(range(7))
    assert frame["text"].tolist() == expected["text"].tolist()
    assert frame["reply_to"].isna().sum() == 6 and frame.loc[5, "reply_to"] == "x@example.com"
    assert frame["subject"].isna().tolist() == [i % 2 == 0 for i in range(7)]
