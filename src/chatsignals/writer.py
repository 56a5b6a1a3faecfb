"""Writing one case's outputs into OUTDIR (CONTRACT.md: analyze outputs)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .analysis import Analysis
from .output import write_parquet


@dataclass
class ReportOptions:
    redact: bool = False
    font: str | None = None
    lang: str = "en"
    pdf: bool = True


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
    errors = outdir / "errors.jsonl"
    with errors.open("w", encoding="utf-8", newline="\n") as handle:
        for failure in analysis.failures:
            handle.write(json.dumps(failure.to_dict(), ensure_ascii=False) + "\n")
    written.append(errors)
    written += write_report(analysis, outdir, options)
    written.append(write_manifest(analysis, outdir, written))
    return written
