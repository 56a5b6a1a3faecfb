import json
import subprocess
import sys

import pandas as pd

from chatsignals.cli import main
from chatsignals.output import read_parquet_metadata

CSV = (
    "timestamp,sender,text\n"
    "2025-04-01T10:00:00+02:00,Lily Chen,=HYPERLINK(\"http://evil\")\n"
    "2025-04-01T10:01:00+02:00,Tom Becker,ok\n"
)


def test_parse_writes_parquet_with_provenance(tmp_path, capsys):
    src = tmp_path / "chat.csv"
    src.write_text(CSV, encoding="utf-8")
    out = tmp_path / "m.parquet"
    assert main(["parse", str(src), "-o", str(out), "--seller", "Lily Chen"]) == 0
    df = pd.read_parquet(out)
    assert df["role"].tolist() == ["seller", "unknown"]
    meta = read_parquet_metadata(out)
    assert meta["sources"][0]["file"] == str(src)
    assert len(meta["sources"][0]["sha256"]) == 64
    assert "2 messages" in capsys.readouterr().err


def test_parse_csv_to_stdout_neutralises_formulas(tmp_path, capsys):
    src = tmp_path / "chat.csv"
    src.write_text(CSV, encoding="utf-8")
    assert main(["parse", str(src), "-q"]) == 0
    out = capsys.readouterr().out
    assert "'=HYPERLINK" in out


def test_jsonl_output_and_partial_failure_exit_1(tmp_path, capsys):
    good = tmp_path / "chat.csv"
    good.write_text(CSV, encoding="utf-8")
    bad = tmp_path / "broken.txt"
    bad.write_bytes(b"\x00\xff" * 50)
    out = tmp_path / "m.jsonl"
    assert main(["parse", str(good), str(bad), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"error: {bad}: binary file" in err
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 2 and rows[0]["timestamp"] == "2025-04-01T08:00:00+00:00"


def test_nothing_readable_is_exit_2_and_usage_errors_too(tmp_path, capsys):
    assert main(["parse", str(tmp_path / "missing.txt")]) == 2
    assert main(["parse", "x.csv", "--tz", "Mars/Olympus"]) == 2
    assert "unknown time zone" in capsys.readouterr().err


def test_module_entry_point_runs(tmp_path):
    done = subprocess.run([sys.executable, "-m", "chatsignals", "formats"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "generic" in done.stdout
