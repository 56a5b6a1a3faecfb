"""Batch analysis: isolation of bad files, resume, partitioned outputs, Dask = local."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import chatsignals
from chatsignals.cli import main

SUPPLIER_LINES = [
    ("Lily", "Dear friend, production time 15 days after deposit"),
    ("Tom", "OK, can you confirm IP65 waterproof?"),
    ("Lily", "yes IP65 waterproof, CE and RoHS we have"),
    ("Lily", "pls pay balance today, after today price will go up"),
    ("Tom", "I will pay by Trade Assurance"),
    ("Lily", "goods shipped yesterday by DHL tracking 1234567890"),
]


def write_chat(path, n: int) -> None:
    rows = ["timestamp,sender,text,conversation_id"]
    for i, (sender, text) in enumerate(SUPPLIER_LINES):
        rows.append(f'2025-03-{1 + i:02d}T10:{n % 60:02d}:00+08:00,{sender},"{text} ({n})",chat-{n:03d}')
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def batch_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    for n in range(197):
        write_chat(folder / f"chat_{n:03d}.csv", n)
    (folder / "corrupt_binary.csv").write_bytes(b"\x00\x01\xff\xfe" * 64)
    (folder / "corrupt_empty.txt").write_bytes(b"")
    (folder / "corrupt_utf8.csv").write_bytes(b"timestamp,sender,text\n2025-03-01,Lily,\xff\xfe bad bytes\n")
    return folder


def test_200_files_with_3_corrupt_exit_1_and_resume(batch_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyze", str(batch_folder), "-o", str(out), "--batch", "--seller", "Lily", "--as-of", "2025-06-01"]) == 1
    summary = json.loads((out / "batch_summary.json").read_text())
    assert (summary["inputs"], summary["analysed"], summary["errors"]) == (200, 197, 3)
    errors = [json.loads(line) for line in (out / "errors.jsonl").read_text().splitlines()]
    assert sorted(e["source_file"].rsplit("/", 1)[1] for e in errors) == ["corrupt_binary.csv", "corrupt_empty.txt", "corrupt_utf8.csv"]
    err = capsys.readouterr().err
    assert err.count("error: ") == 3
    messages = chatsignals.load(out).messages
    assert messages["conversation_id"].nunique() == 197 and len(messages) == 197 * len(SUPPLIER_LINES)
    assert summary["conversations_by_risk"][0]["risk_score"] >= summary["conversations_by_risk"][-1]["risk_score"]
    result = chatsignals.load(out)
    assert len(result.messages) == len(messages) and len(result.findings) == summary["findings"]

    # resume: nothing changed, nothing re-analysed
    assert main(["analyze", str(batch_folder), "-o", str(out), "--batch", "--seller", "Lily", "--as-of", "2025-06-01", "-q"]) == 1
    again = json.loads((out / "batch_summary.json").read_text())
    assert again["skipped_unchanged"] == 197 and again["findings"] == summary["findings"]


@pytest.mark.slow
def test_dask_engine_gives_the_same_tables_as_local(batch_folder, tmp_path):
    pytest.importorskip("distributed")
    files = sorted(batch_folder.glob("chat_00*.csv"))[:6]
    args = ["--seller", "Lily", "--as-of", "2025-06-01", "-q", "--batch"]
    local, dask = tmp_path / "local", tmp_path / "dask"
    assert main(["analyze", *map(str, files), "-o", str(local), *args]) == 0
    assert main(["analyze", *map(str, files), "-o", str(dask), *args, "--engine", "dask", "-j", "2"]) == 0
    for table in ("messages", "promises", "findings"):
        a = pd.read_parquet(local / table).sort_values(list(pd.read_parquet(local / table).columns[:2])).reset_index(drop=True)
        b = pd.read_parquet(dask / table).sort_values(list(a.columns[:2])).reset_index(drop=True)
        pd.testing.assert_frame_equal(a.astype(str), b.astype(str))
