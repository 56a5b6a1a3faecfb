"""Writing one case's outputs into OUTDIR (CONTRACT.md: analyze outputs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .analysis import Analysis
from .output import write_parquet
from .reading import InputFailure


@dataclass
class ReportOptions:
    redact: bool = False
    font: str | None = None
    lang: str = "en"
    pdf: bool = True


def write_errors(failures: list[InputFailure], outdir: Path) -> Path:
    """OUTDIR/errors.jsonl: one JSON line per input that could not be read (empty when none)."""
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / "errors.jsonl"
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        for failure in failures:
            handle.write(json.dumps(failure.to_dict(), ensure_ascii=False) + "\n")
    return path


def write_case(analysis: Analysis, outdir: Path, options: ReportOptions | None = None) -> list[Path]:
    """Write the tables, errors.jsonl, the reports and manifest.json; return the files written."""
    from .report import write_report
    from .report.manifest import write_manifest

    options = options or ReportOptions()
    outdir.mkdir(parents=True, exist_ok=True)
    meta = {
        "sources": [{"file": t.source_file, "sha256": t.source_sha256, "format": t.format} for t in analysis.tallies],
        "settings": analysis.settings.to_dict(),
    }
    written: list[Path] = []
    for name, table in (
        ("messages", analysis.messages),
        ("promises", analysis.promises),
        ("findings", analysis.findings),
    ):
        path = outdir / f"{name}.parquet"
        write_parquet(table, path, meta)
        written.append(path)
    written.append(write_errors(analysis.failures, outdir))
    written += write_report(analysis, outdir, options)
    written.append(write_manifest(analysis, outdir, written))
    return written
