"""The timeline chart: promised windows against what happened, each slip drawn.

Rendered with matplotlib to SVG: text kept as text (escaped by matplotlib) for the HTML, and as
paths for the PDF (fpdf2 draws the SVG as vectors). Deterministic: no dates or ids in the file.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import matplotlib

matplotlib.use("Agg")
import itertools

import matplotlib.dates as mdates
import matplotlib.pyplot as plt

MAX_ROWS = 24
CATEGORY_COLORS = {
    "delivery": "#1f5fa8",
    "refund": "#b03a2e",
    "documents": "#7d6608",
    "sample": "#6c3483",
    "payment": "#117a65",
}
EVENT_COLORS = {
    "deposit_paid": "#117a65",
    "balance_paid": "#117a65",
    "payment": "#117a65",
    "shipped": "#1f5fa8",
    "delivered": "#1f5fa8",
    "inspection": "#b03a2e",
    "dispute_opened": "#b03a2e",
}


def _d(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def timeline_rows(model: dict[str, Any]) -> list[dict[str, Any]]:
    """Promises that carry a deadline window, delivery first, at most MAX_ROWS."""
    rows = []
    for p in model["promises"]:
        start, end = _d(p.get("deadline_earliest")), _d(p.get("deadline_latest"))
        made = _d(p.get("date")) if p.get("date") else None
        if not (start or end) or made is None:
            continue
        rows.append({**p, "made": made, "start": start or end, "end": end or start})
    rows.sort(key=lambda r: (r["category"] != "delivery", r["made"]))
    return rows[:MAX_ROWS]


def render_svg(model: dict[str, Any], *, text_as_paths: bool = False) -> str | None:
    """The chart as an SVG document, or None when there is nothing to draw."""
    rows = timeline_rows(model)
    events = [e for e in model["events"] if e.get("date")]
    if not rows and not events:
        return None
    matplotlib.rcParams["svg.fonttype"] = "path" if text_as_paths else "none"
    matplotlib.rcParams["svg.hashsalt"] = "chatsignals"
    height = 1.6 + 0.38 * max(len(rows), 1)
    fig, ax = plt.subplots(figsize=(9.5, height), dpi=100)
    try:
        _draw(ax, rows, events)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None})
    finally:
        plt.close(fig)
    return buf.getvalue()


def _draw(ax: Any, rows: list[dict[str, Any]], events: list[dict[str, Any]]) -> None:
    labels = []
    for y, row in enumerate(rows):
        color = CATEGORY_COLORS.get(row["category"], "#555555")
        start = mdates.date2num(row["start"])
        end = mdates.date2num(row["end"] + dt.timedelta(days=1))
        ax.barh(y, end - start, left=start, height=0.5, color=color, alpha=0.75)
        ax.plot([mdates.date2num(row["made"])], [y], marker="o", color=color, markersize=4)
        ax.plot([mdates.date2num(row["made"]), start], [y, y], color=color, linewidth=0.6, linestyle=":")
        status = {"broken": " ✗", "kept": " ✓"}.get(row["status"], "")
        labels.append(f"{row['exhibit']} {row['category']}{status}")
    delivery = [(y, r) for y, r in enumerate(rows) if r["category"] == "delivery"]
    for (y0, a), (y1, b) in itertools.pairwise(delivery):
        if b["end"] > a["end"]:  # the promised date slipped
            ax.annotate(
                "",
                xy=(mdates.date2num(b["end"] + dt.timedelta(days=1)), y1),
                xytext=(mdates.date2num(a["end"] + dt.timedelta(days=1)), y0),
                arrowprops={"arrowstyle": "->", "color": "#b03a2e", "linewidth": 1.0},
            )
    bottom = max(len(rows), 1) - 0.4
    for ev in events:
        x = mdates.date2num(dt.date.fromisoformat(ev["date"]))
        ax.axvline(x, color=EVENT_COLORS.get(ev["type"], "#888888"), linewidth=0.9, linestyle="--")
        ax.text(x, -0.65, ev["label"], rotation=60, fontsize=7, ha="left", va="bottom")
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_ylim(bottom, -0.6)  # first row at the top
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    ax.tick_params(axis="x", labelsize=7, rotation=30)
    ax.grid(axis="x", linewidth=0.3, alpha=0.5)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
