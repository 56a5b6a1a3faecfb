"""The dispute-ready report: report.html, report.pdf, report.json (manifest.json in manifest.py).

One model (:mod:`.model`) is built from the analysis and rendered three ways, so the HTML, the PDF
and the JSON always show the same findings, exhibit numbers and control number.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import UsageError
from ..output import records
from .html import render_html
from .model import build_model

if TYPE_CHECKING:
    from ..analysis import Analysis
    from ..writer import ReportOptions


REDACTED_FIELDS = {
    "messages": ("text", "sender", "sender_id", "from_address", "from_name", "reply_to", "to", "cc", "quoted_text", "signature", "subject"),
    "promises": ("text", "sender", "value"),
    "findings": ("explanation", "evidence", "title"),
}


def report_json(analysis: Analysis, model: dict[str, Any], redact_text: bool = False) -> dict[str, Any]:
    """Everything in the report, machine-readable: the model plus the three tables (with
    ``--redact``, their text columns masked like the report; the Parquet tables keep the evidence)."""
    from .redact import redact

    tables = {"messages": analysis.messages, "promises": analysis.promises, "findings": analysis.findings}
    out: dict[str, Any] = {"control_number": model["control_number"], "report": model}
    for name, table in tables.items():
        rows = records(table)
        if redact_text:
            for row in rows:
                for field in REDACTED_FIELDS[name]:
                    if isinstance(row.get(field), str):
                        row[field] = redact(row[field])
        out[name] = rows
    out["risk"] = records(analysis.risk) if analysis.risk is not None else []
    return out


def write_report(analysis: Analysis, outdir: Path, options: ReportOptions) -> list[Path]:
    """Write report.html, report.json and (unless disabled) report.pdf; return their paths."""
    from .pdf import write_pdf

    model = build_model(analysis, redact_text=options.redact, lang=options.lang)
    html_path = outdir / "report.html"
    html_path.write_text(render_html(model), encoding="utf-8")
    json_path = outdir / "report.json"
    json_path.write_text(
        json.dumps(report_json(analysis, model, options.redact), ensure_ascii=False, indent=1, default=str) + "\n", encoding="utf-8"
    )
    written = [html_path, json_path]
    if options.pdf:
        try:
            written += write_pdf(model, outdir, options.font)
        except UsageError as exc:  # no font for the Chinese text: the other outputs still stand
            analysis.output_problems.append(f"report.pdf not written: {exc}")
    return written
