"""Evidence integrity: the same inputs and settings give the same bytes, and tampering shows.

A buyer's exhibit must be reproducible by the other side: run the tool again on the same exports
and get byte-identical tables and reports. Each run here is a fresh process with a different
hash seed and a different machine time zone, so set-iteration order and local-time leaks (the
classic sources of "it differs on your laptop") are caught too.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "data" / "samples"
SETTINGS = ["--facts", "facts.yaml", "--tz", "Europe/Berlin", "--as-of", "2025-05-25"]
#: (PYTHONHASHSEED, machine TZ) of the two runs compared
RUNS = (("1", "UTC"), ("2", "America/Los_Angeles"))
ANALYZE_OUTPUTS = (
    "messages.parquet", "promises.parquet", "findings.parquet", "report.json", "report.html", "manifest.json",
)


def cli(args: list[str], cwd: Path, seed: str = "0", tz: str = "UTC") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": tz, "CI": "1"}
    return subprocess.run(
        [sys.executable, "-m", "chatsignals", *args], cwd=cwd, env=env, capture_output=True, text=True,
        check=False, timeout=1200,
    )


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the sample case (chats, facts, tracking CSV), addressed by relative paths."""
    root = tmp_path_factory.mktemp("case")
    shutil.copytree(SAMPLES / "chats", root / "chats")
    shutil.copytree(SAMPLES / "formats", root / "formats")
    for name in ("facts.yaml", "tracking_dhl.csv"):
        shutil.copyfile(SAMPLES / name, root / name)
    return root


@pytest.mark.parametrize("suffix", ["parquet", "csv", "jsonl"])
def test_parse_is_byte_identical_across_processes(case: Path, suffix: str) -> None:
    outputs = []
    for i, (seed, tz) in enumerate(RUNS):
        out = f"parse{i}.{suffix}"
        done = cli(["parse", "chats", "formats", "--tz", "Europe/Berlin", "-o", out, "-q"], case, seed, tz)
        assert done.returncode in (0, 1), done.stderr[-2000:]
        assert "Traceback" not in done.stderr
        outputs.append((case / out).read_bytes())
    assert len(outputs[0]) > 1000
    assert outputs[0] == outputs[1]


@pytest.fixture(scope="module")
def analyses(case: Path) -> tuple[Path, Path]:
    """Two analyze runs of the sample case; skipped while analyze does not work end to end."""
    dirs = []
    for i, (seed, tz) in enumerate(RUNS):
        done = cli(["analyze", "chats", *SETTINGS, "-o", f"out{i}", "-q"], case, seed, tz)
        outdir = case / f"out{i}"
        missing = [n for n in ANALYZE_OUTPUTS if not (outdir / n).is_file()]
        if done.returncode != 0 or missing:
            last = (done.stderr.strip().splitlines() or ["no stderr"])[-1]
            if i == 0:
                pytest.skip(f"analyze does not work end to end yet (exit {done.returncode}, missing {missing}): {last}")
            pytest.fail(f"the second analyze run failed where the first worked: {last}")
        dirs.append(outdir)
    return dirs[0], dirs[1]


@pytest.mark.parametrize("name", [*ANALYZE_OUTPUTS, "report.pdf", "errors.jsonl"])
def test_analyze_outputs_are_byte_identical(analyses: tuple[Path, Path], name: str) -> None:
    first, second = (d / name for d in analyses)
    if name in ("report.pdf", "errors.jsonl") and not first.exists():
        pytest.skip(f"{name} not written by this build")
    assert first.read_bytes() == second.read_bytes(), f"{name} differs between two identical runs"


def test_verify_passes_on_untouched_output(analyses: tuple[Path, Path], case: Path) -> None:
    done = cli(["verify", analyses[0].name], case)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "report.html" in done.stdout


def _copy_case_with_output(case: Path, outdir: Path, dest: Path) -> Path:
    shutil.copytree(case / "chats", dest / "chats")
    shutil.copyfile(case / "facts.yaml", dest / "facts.yaml")
    shutil.copyfile(case / "tracking_dhl.csv", dest / "tracking_dhl.csv")
    shutil.copytree(outdir, dest / outdir.name)
    return dest / outdir.name


def _flagged(stdout: str, name: str) -> list[str]:
    return [line for line in stdout.splitlines() if name in line and not line.startswith("ok")]


@pytest.mark.parametrize("name", ["findings.parquet", "report.html", "report.json"])
def test_verify_detects_a_tampered_output(analyses: tuple[Path, Path], case: Path, tmp_path: Path, name: str) -> None:
    outdir = _copy_case_with_output(case, analyses[0], tmp_path)
    target = outdir / name
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01  # one bit: the smallest forgery
    target.write_bytes(bytes(data))
    done = cli(["verify", outdir.name], tmp_path)
    assert done.returncode == 1
    assert _flagged(done.stdout, name), done.stdout


def test_verify_detects_a_tampered_input(analyses: tuple[Path, Path], case: Path, tmp_path: Path) -> None:
    outdir = _copy_case_with_output(case, analyses[0], tmp_path)
    chat = tmp_path / "chats" / "WhatsApp Chat with Lily Chen.txt"
    chat.write_text(chat.read_text(encoding="utf-8").replace("March 25", "March 28"), encoding="utf-8")
    done = cli(["verify", outdir.name], tmp_path)
    assert done.returncode == 1
    assert _flagged(done.stdout, "WhatsApp Chat with Lily Chen.txt"), done.stdout


def test_verify_detects_a_removed_output(analyses: tuple[Path, Path], case: Path, tmp_path: Path) -> None:
    outdir = _copy_case_with_output(case, analyses[0], tmp_path)
    (outdir / "promises.parquet").unlink()
    done = cli(["verify", outdir.name], tmp_path)
    assert done.returncode == 1
    assert _flagged(done.stdout, "promises.parquet"), done.stdout
