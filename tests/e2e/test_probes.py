"""Hand probes turned into checks: party matching, forced date order, bad inputs in a folder.

These run `chatsignals parse|analyze` in-process on the e2e case files (read in place) the way a
user would on the command line, and assert what the user should see.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from chatsignals.cli import main

CASES = Path(__file__).parent / "cases"
IOS_ZIP = CASES / "towels-whatsapp-ios" / "inputs" / "WhatsApp Chat - Dawson _ Denizli towel order.zip"
MBOX = CASES / "hardware-mbox-gmail-switch" / "inputs" / "Inbox - YSH order.mbox"
ANDROID = CASES / "bamboo-legit-whatsapp-android" / "inputs" / \
    "WhatsApp Chat with Grace Lin Mingxi Bamboo.txt"
LINE = CASES / "tshirts-cny-line" / "inputs" / "[LINE] Chat with Amy Zhou (Huacheng Garments).txt"
EXPORTED_AS = "+90 532 123 45 67"     # how WhatsApp iOS writes the unsaved Turkish number


def _parse(tmp_path: Path, *argv: str) -> pd.DataFrame:
    out = tmp_path / "out.parquet"
    assert main(["parse", *argv, "-q", "-o", str(out)]) == 0
    return pd.read_parquet(out)


@pytest.mark.parametrize("phone", ["+905321234567", "+90 (532) 123-45-67", "00905321234567",
                                   "0532 123 45 67", "+90-532-123-4567"])
def test_seller_by_phone_in_any_format(phone: str, tmp_path: Path) -> None:
    """A phone typed the way the user has it still names the sender the export wrote."""
    df = _parse(tmp_path, str(IOS_ZIP), "--tz", "America/New_York", "--seller", phone)
    assert set(df.loc[df["sender"] == EXPORTED_AS, "role"]) == {"seller"}
    assert set(df.loc[df["sender"] == "Mike Dawson", "role"]) == {"unknown"}


def test_seller_by_domain_leaves_the_gmail_impostor_out(tmp_path: Path) -> None:
    """@ysh-hardware.com names the real company mail; the gmail.com impostor is not matched."""
    df = _parse(tmp_path, str(MBOX), "--seller", "@ysh-hardware.com",
                "--buyer", "sarah@whitfield-interiors.co.uk")
    roles = {a: set(g["role"]) for a, g in df.groupby("from_address")}
    assert roles["anna@ysh-hardware.com"] == {"seller"}
    assert roles["liwei@ysh-hardware.com"] == {"seller"}
    assert roles["anna.ysh.hardware@gmail.com"] == {"unknown"}
    assert roles["sarah@whitfield-interiors.co.uk"] == {"buyer"}


def test_ios_times_read_in_the_given_zone(tmp_path: Path) -> None:
    """'[2/27/25, 4:31:47 AM]' on a New York phone is 09:31:47 UTC; 12-hour PM handled."""
    df = _parse(tmp_path, str(IOS_ZIP), "--tz", "America/New_York")
    stamps = df.set_index("timestamp_raw")["timestamp"]
    assert stamps["2/27/25, 4:31:47 AM"] == pd.Timestamp("2025-02-27 09:31:47", tz="UTC")
    assert stamps["4/18/25, 4:22:19 PM"] == pd.Timestamp("2025-04-18 20:22:19", tz="UTC")


def test_android_spanish_day_first_detected_without_date_order(tmp_path: Path) -> None:
    """'24/3/25' settles day-first for the whole file; no --date-order needed."""
    df = _parse(tmp_path, str(ANDROID), "--tz", "Europe/Madrid")
    assert df["timestamp"].notna().all()
    assert df["timestamp"].min() == pd.Timestamp("2025-03-03 08:12", tz="UTC")


def test_forced_wrong_date_order_is_reported(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Forcing DMY on a month-first LINE export must say which headers became impossible."""
    out = tmp_path / "line.parquet"
    assert main(["parse", str(LINE), "--tz", "Asia/Tokyo", "--date-order", "DMY",
                 "-o", str(out)]) == 0
    df = pd.read_parquet(out)
    lost = int(df["timestamp"].isna().sum())
    assert lost == 0 or "impossible" in capsys.readouterr().err


def test_bad_inputs_beside_a_good_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Exit 1, one stderr line and one errors.jsonl row per bad file, the good file analysed."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(ANDROID, folder / "chat.txt")
    (folder / "empty.txt").write_bytes(b"")
    (folder / "truncated.zip").write_bytes(IOS_ZIP.read_bytes()[:300])
    (folder / "cut.json").write_text('{"messages": [{"id": 1, "date": ', encoding="utf-8")
    (folder / "noise.csv").write_bytes(bytes(range(256)) * 8)
    out = tmp_path / "out"
    facts = CASES / "bamboo-legit-whatsapp-android" / "facts.yaml"
    status = main(["analyze", str(folder), "-o", str(out), "--tz", "Europe/Madrid",
                   "--facts", str(facts), "--as-of", "2025-06-01", "--no-pdf"])
    assert status == 1
    err = capsys.readouterr().err
    rows = [json.loads(x) for x in (out / "errors.jsonl").read_text().splitlines() if x]
    bad = {"empty.txt", "truncated.zip", "cut.json", "noise.csv"}
    assert {Path(r["source_file"]).name for r in rows} == bad
    for name in bad:
        lines = [x for x in err.splitlines() if name in x]
        assert len(lines) == 1 and "Traceback" not in err, lines
    msgs = pd.read_parquet(out / "messages.parquet")
    assert len(msgs) == 19
    assert (out / "report.html").exists()


def test_redact_masks_phone_and_accounts(tmp_path: Path) -> None:
    """--redact: no seller phone and no bank account number left in report.html."""
    case = CASES / "machinery-wechat-bec"
    out = tmp_path / "out"
    assert main(["analyze", str(case / "inputs"), "-o", str(out), "--facts",
                 str(case / "facts.yaml"), "--tz", "Asia/Kolkata", "--as-of", "2025-04-10",
                 "--redact", "--no-pdf", "-q"]) == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    for secret in ("012-875-2-019384-6", "1102 0287 0920 0123 456", "+86 139 1234 5678"):
        assert secret not in page, secret
