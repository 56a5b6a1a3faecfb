"""The result object's notebook face: summaries, filters and plots over the three tables.

:class:`~chatsignals.analysis.Analysis` inherits these, so ``chatsignals.analyze(...)`` and
``chatsignals.load(OUTDIR)`` (one case or a batch output) give the same object in Jupyter.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

SEVERITIES = ("critical", "high", "medium", "low", "info")


class ResultViews:
    """Mixin: needs ``messages``, ``promises``, ``findings`` and ``risk`` attributes."""

    messages: pd.DataFrame
    promises: pd.DataFrame
    findings: pd.DataFrame
    risk: pd.DataFrame | None

    # -- filters -----------------------------------------------------------------------------
    def findings_where(
        self,
        rule: str | None = None,
        severity: str | None = None,
        kind: str | None = None,
        conversation: str | None = None,
        min_score: float = 0.0,
    ) -> pd.DataFrame:
        """Findings filtered by rule id (prefix allowed: ``payment.``), minimum severity, kind,
        conversation and score."""
        f = self.findings
        mask = pd.Series(True, index=f.index)
        if rule:
            mask &= f["rule_id"].astype(str).str.startswith(rule)
        if severity:
            allowed = SEVERITIES[: SEVERITIES.index(severity) + 1]
            mask &= f["severity"].isin(allowed)
        if kind:
            mask &= f["kind"] == kind
        if conversation:
            mask &= f["conversation_id"] == conversation
        mask &= f["score"].fillna(0) >= min_score
        return f[mask.fillna(False)]

    def promises_where(self, category: str | None = None, kind: str | None = None, conversation: str | None = None) -> pd.DataFrame:
        p = self.promises
        mask = pd.Series(True, index=p.index)
        if category:
            mask &= p["category"] == category
        if kind:
            mask &= p["kind"] == kind
        if conversation:
            mask &= p["conversation_id"] == conversation
        return p[mask.fillna(False)]

    def cited_messages(self, finding_id: str) -> pd.DataFrame:
        """The messages a finding cites, in table order."""
        row = self.findings[self.findings["finding_id"] == finding_id]
        if row.empty:
            raise KeyError(f"no finding {finding_id!r}")
        ids = set(row.iloc[0]["message_ids"])
        return self.messages[self.messages["message_id"].isin(ids)]

    def conversation(self, conversation_id: str) -> Any:
        """A copy of this result holding one conversation only."""
        from copy import copy

        sub = copy(self)
        sub.messages = self.messages[self.messages["conversation_id"] == conversation_id]
        sub.promises = self.promises[self.promises["conversation_id"] == conversation_id]
        sub.findings = self.findings[self.findings["conversation_id"] == conversation_id]
        if self.risk is not None and len(self.risk):
            sub.risk = self.risk[self.risk["conversation_id"] == conversation_id]
        return sub

    # -- summaries ------------------------------------------------------------------------------
    def findings_per_rule(self) -> pd.Series:
        return self.findings["rule_id"].value_counts().sort_index()

    def summary(self) -> dict[str, Any]:
        return {
            "conversations": int(self.messages["conversation_id"].nunique()),
            "messages": len(self.messages),
            "promises": len(self.promises),
            "findings": len(self.findings),
            "findings_by_severity": {s: int((self.findings["severity"] == s).sum()) for s in SEVERITIES},
        }

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><td>{html.escape(str(r.severity))}</td><td>{html.escape(str(r.rule_id))}</td>"
            f"<td>{html.escape(str(r.title))}</td><td>{_score_text(r.score)}</td></tr>"
            for r in self.findings.head(10).itertuples()
        )
        sev = ", ".join(f"{k}: {v}" for k, v in s["findings_by_severity"].items() if v)
        return (
            f"<div><b>chatsignals result</b>: {s['conversations']} conversation(s), {s['messages']} messages, "
            f"{s['promises']} promises, {s['findings']} findings ({html.escape(sev) or 'none'})"
            f"<table><tr><th>severity</th><th>rule</th><th>title</th><th>score</th></tr>{rows}</table>"
            f"<small>Findings are indicators for a person to weigh, never verdicts.</small></div>"
        )

    def __repr__(self) -> str:
        s = self.summary()
        return f"<chatsignals result: {s['conversations']} conversations, {s['messages']} messages, {s['promises']} promises, {s['findings']} findings>"

    # -- plots ------------------------------------------------------------------------------------
    def plot_findings_per_rule(self, ax: Any = None) -> Any:
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(7, 3.5))[1]
        counts = self.findings_per_rule()
        counts.plot.barh(ax=ax, color="#1f5fa8")
        ax.set_xlabel("findings")
        ax.set_title("Findings per rule")
        return ax

    def plot_risk(self, ax: Any = None) -> Any:
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(6, 3))[1]
        risk = self.risk if self.risk is not None else pd.DataFrame({"risk_score": []})
        ax.hist(risk["risk_score"].astype(float), bins=20, range=(0, 1), color="#b03a2e")
        ax.set_xlabel("conversation risk score")
        ax.set_ylabel("conversations")
        ax.set_title("Risk distribution")
        return ax

    def plot_timeline(self, ax: Any = None) -> Any:
        """Promised deadline windows over time (one bar per promise with a deadline)."""
        import matplotlib.dates as mdates
        import matplotlib.pyplot as plt

        p = self.promises.dropna(subset=["deadline_latest"]).sort_values("timestamp")
        ax = ax or plt.subplots(figsize=(8, 0.4 * max(len(p), 3) + 1))[1]
        row: Any  # the stubs type a row's fields as any scalar; these are Timestamps or NaT
        for y, row in enumerate(p.itertuples()):
            start = row.deadline_earliest if not pd.isna(row.deadline_earliest) else row.deadline_latest
            left = mdates.date2num(start)
            ax.barh(y, mdates.date2num(row.deadline_latest) - left + 1, left=left, height=0.5)
            if not pd.isna(row.timestamp):
                ax.plot(mdates.date2num(row.timestamp.tz_convert(None)), y, "ko", markersize=3)
        ax.set_yticks(range(len(p)))
        ax.set_yticklabels([f"{c}: {str(t)[:40]}" for c, t in zip(p["category"], p["text"], strict=True)], fontsize=7)
        ax.xaxis_date()
        ax.invert_yaxis()
        ax.set_title("Promised windows (dot: when promised)")
        return ax


def _score_text(score: Any) -> str:
    """A finding's score with two decimals, empty when it has none."""
    return "" if pd.isna(score) else f"{score:.2f}"


def _read_table(outdir: Path, name: str) -> pd.DataFrame:
    single = outdir / f"{name}.parquet"
    if single.is_file():
        return pd.read_parquet(single)
    folder = outdir / name
    if folder.is_dir():
        # parts of different formats carry different extra columns: read each, then concatenate
        parts = []
        for part in sorted(folder.glob("*/*.parquet")):
            frame = pd.read_parquet(part)
            frame["input"] = part.parent.name.split("=", 1)[-1]
            parts.append(frame)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    raise FileNotFoundError(f"{outdir}: no {name}.parquet or {name}/ dataset (is this an analyze OUTDIR?)")


def load(outdir: str | Path) -> Any:
    """Load an ``analyze`` output folder (one case or a batch) as a result object."""
    from .analysis import Analysis
    from .findings.risk import conversation_risk
    from .table import finalize, finalize_findings, finalize_promises

    out = Path(outdir)
    messages = finalize(_read_table(out, "messages"))
    promises = finalize_promises(_read_table(out, "promises"))
    findings = finalize_findings(_read_table(out, "findings"))
    risk = conversation_risk(findings, messages)
    return Analysis(messages, promises, findings, risk)
