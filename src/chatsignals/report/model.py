"""The report's content as plain data: built once, rendered as HTML, PDF and JSON alike.

Keeping one model means the three renderings cannot disagree: the HTML and the PDF show the same
findings, the same exhibit numbers and the same control number.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from .._version import __version__
from ..analysis import Analysis
from .redact import redact

CONTEXT_BEFORE = 2
CONTEXT_AFTER = 2
TRADE_ASSURANCE_DAYS = 30
ON_PLATFORM = ("alibaba",)
SEVERITY_RANK = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

EVENT_LABELS = {
    "order_placed": "Order placed",
    "deposit_paid": "Deposit paid",
    "balance_paid": "Balance paid",
    "payment": "Payment",
    "sample_approved": "Sample approved",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "inspection": "Inspection",
    "refund_paid": "Refund paid",
    "dispute_opened": "Dispute opened",
    "other": "Other",
}


def exhibit_numbers(messages: pd.DataFrame) -> dict[str, str]:
    """Stable exhibit numbers (M-0001...) in table order: conversation, then time."""
    width = max(4, len(str(len(messages))))
    return {mid: f"M-{i + 1:0{width}d}" for i, mid in enumerate(messages["message_id"].astype(str))}


def _zone(name: str | None) -> ZoneInfo | None:
    if not name or name.startswith("UTC (assumed)"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def format_time(ts: Any, zone: ZoneInfo | None) -> str:
    """'2025-03-03 09:15 +01:00' in the case zone (UTC when none), or '' for no time."""
    if ts is None or pd.isna(ts):
        return ""
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    if zone is not None:
        stamp = stamp.tz_convert(zone)
    offset = stamp.strftime("%z")
    return f"{stamp:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"


def _date(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return value[:10]
    return pd.Timestamp(value).date().isoformat()


def _str(value: Any) -> str:
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ""
    return str(value)


def _plain(value: Any) -> Any:
    """Whole numbers without '.0' (5000, not 5000.0), recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _facts_dict(facts: Any) -> dict[str, Any]:
    if facts is None:
        return {}
    plain: dict[str, Any] = {}
    if hasattr(facts, "model_dump"):
        plain = _plain(facts.model_dump(mode="json", exclude_none=True))
    elif isinstance(facts, dict):
        plain = _plain(facts)
    return plain


class ReportBuilder:
    """Builds the report model from an :class:`Analysis`."""

    def __init__(self, analysis: Analysis, *, redact_text: bool = False, lang: str = "en") -> None:
        self.a = analysis
        self.lang = lang
        self.redacted = redact_text
        self.mask: Callable[[str | None], str | None] = redact if redact_text else (lambda s: s)
        self.messages = analysis.messages.reset_index(drop=True)
        self.exhibits = exhibit_numbers(self.messages)
        self.position = {mid: i for i, mid in enumerate(self.messages["message_id"].astype(str))}
        self.zone = _zone(analysis.settings.tz)
        self.facts = _facts_dict(analysis.facts)
        self.as_of = analysis.settings.as_of_date()

    # -- pieces -------------------------------------------------------------------------------
    def message_view(self, row: pd.Series, cited: bool = False) -> dict[str, Any]:
        zone = self.zone or _zone(_str(row.get("timezone")))
        return {
            "exhibit": self.exhibits[str(row["message_id"])],
            "message_id": str(row["message_id"]),
            "conversation_id": _str(row["conversation_id"]),
            "time": format_time(row["timestamp"], zone),
            "time_utc": format_time(row["timestamp"], None),
            "time_raw": _str(row["timestamp_raw"]),
            "sender": self.mask(_str(row["sender"])) or "",
            "role": _str(row["role"]),
            "platform": _str(row["platform"]),
            "text": self.mask(_str(row["text"])) or "",
            "subject": self.mask(_str(row.get("subject"))) or "",
            "attachments": [self.mask(str(a)) for a in (row["attachments"] if row["attachments"] is not None else [])],
            "is_system": bool(row["is_system"]),
            "is_deleted": bool(row.get("is_deleted", False)),
            "is_edited": bool(row.get("is_edited", False)),
            "source": f"{_str(row['source_file'])} {_str(row['source_locator'])}",
            "cited": cited,
        }

    def parties(self) -> dict[str, list[str]]:
        named = self.facts.get("parties") or {}
        out: dict[str, list[str]] = {}
        for role in ("seller", "buyer"):
            names = list(named.get(role) or [])
            seen = self.messages.loc[self.messages["role"] == role, "sender"].dropna().astype(str).unique()
            for name in seen:
                if name not in names:
                    names.append(name)
            out[role] = [self.mask(n) or "" for n in names]
        return out

    def events(self) -> list[dict[str, Any]]:
        events = []
        for ev in self.facts.get("events") or []:
            events.append(
                {
                    "date": _date(ev.get("date")),
                    "type": ev.get("type", "other"),
                    "label": EVENT_LABELS.get(ev.get("type", "other"), str(ev.get("type"))),
                    "amount": ev.get("amount"),
                    "details": "; ".join(
                        f"{k}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
                        for k, v in ev.items()
                        if k not in ("date", "type") and v not in (None, [], "")
                    ),
                }
            )
        return sorted(events, key=lambda e: e["date"] or "")

    def first_event(self, kind: str) -> str | None:
        dates = [e["date"] for e in self.events() if e["type"] == kind and e["date"]]
        return min(dates) if dates else None

    def deadlines_now(self) -> list[dict[str, Any]]:
        out = []
        delivered = self.first_event("delivered")
        if delivered:
            due = dt.date.fromisoformat(delivered) + dt.timedelta(days=TRADE_ASSURANCE_DAYS)
            out.append(
                {
                    "label": "Trade Assurance: open a dispute within 30 days after receipt of the goods",
                    "date": due.isoformat(),
                    "days_left": (due - self.as_of).days,
                    "basis": f"delivered {delivered}",
                }
            )
        opened = self.first_event("dispute_opened")
        if opened:
            out.append(
                {"label": "Dispute opened", "date": opened, "days_left": None, "basis": "case facts"}
            )
        return out

    def finding_views(self) -> list[dict[str, Any]]:
        views: list[dict[str, Any]] = []
        findings = self.a.findings.copy()
        if findings.empty:
            return views
        findings["_rank"] = findings["severity"].map(SEVERITY_RANK).fillna(5)
        findings = findings.sort_values(["_rank", "score", "finding_id"], ascending=[True, False, True], kind="mergesort")
        for n, (_, f) in enumerate(findings.iterrows(), 1):
            mids = [str(m) for m in f["message_ids"]]
            views.append(
                {
                    "n": n,
                    "finding_id": _str(f["finding_id"]),
                    "rule_id": _str(f["rule_id"]),
                    "kind": _str(f["kind"]),
                    "severity": _str(f["severity"]),
                    "title": _str(f["title"]),
                    "explanation": self.mask(_str(f["explanation"])) or "",
                    "evidence": self.mask(_str(f.get("evidence"))) or "",
                    "score": round(float(f["score"]), 2) if not pd.isna(f["score"]) else None,
                    "exhibits": [self.exhibits[m] for m in mids if m in self.exhibits],
                    "promise_ids": [str(p) for p in f["promise_ids"]],
                    "context": self.context(mids),
                }
            )
        return views

    def context(self, message_ids: list[str]) -> list[dict[str, Any]]:
        """The cited messages with their neighbours in the same conversation, whole, in order."""
        cited = {m for m in message_ids if m in self.position}
        rows: set[int] = set()
        for mid in cited:
            i = self.position[mid]
            conv = str(self.messages.at[i, "conversation_id"])  # str: never compare NA with NA
            for j in range(max(0, i - CONTEXT_BEFORE), min(len(self.messages), i + CONTEXT_AFTER + 1)):
                if str(self.messages.at[j, "conversation_id"]) == conv:
                    rows.add(j)
        return [self.message_view(self.messages.iloc[j], str(self.messages.at[j, "message_id"]) in cited) for j in sorted(rows)]

    def promise_views(self, finding_views: list[dict[str, Any]]) -> list[dict[str, Any]]:
        broken: dict[str, list[str]] = {}
        for f in finding_views:
            if f["kind"] == "contradiction":
                for pid in f["promise_ids"]:
                    broken.setdefault(pid, []).append(f"{f['title']} (finding {f['n']})")
        shipped = self.first_event("shipped") or self.first_event("delivered")
        views: list[dict[str, Any]] = []
        for _, p in self.a.promises.iterrows():
            pid = _str(p["promise_id"])
            latest = _date(p["deadline_latest"])
            earliest = _date(p["deadline_earliest"])
            status, evidence = self._status(p, broken.get(pid), shipped, latest, earliest)
            deadline = ""
            if earliest or latest:
                deadline = (earliest or "") if earliest == latest else f"{earliest or '…'} – {latest or '…'}"
            anchor = _str(p["deadline_anchor"])
            if anchor and anchor not in ("absolute", "message"):
                deadline = f"{deadline} ({anchor})".strip()
            mid = _str(p["message_id"])
            views.append(
                {
                    "promise_id": pid,
                    "exhibit": self.exhibits.get(mid, ""),
                    "date": format_time(p["timestamp"], self.zone)[:10],
                    "sender": self.mask(_str(p["sender"])) or "",
                    "category": _str(p["category"]),
                    "kind": _str(p["kind"]),
                    "strength": _str(p["strength"]),
                    "text": self.mask(_str(p["text"])) or "",
                    "value": self.mask(_str(p["value"])) or "",
                    "deadline": deadline,
                    "deadline_earliest": earliest,
                    "deadline_latest": latest,
                    "anchor": anchor,
                    "status": status,
                    "evidence": evidence,
                }
            )
        views.sort(key=lambda v: (v["date"], v["exhibit"]))
        return views

    def _status(
        self, p: pd.Series, broken_by: list[str] | None, shipped: str | None, latest: str | None, earliest: str | None
    ) -> tuple[str, str]:
        """kept, broken, overdue (window closed with no record either way), open or no_deadline."""
        if broken_by:
            return "broken", "; ".join(broken_by)
        if latest and p["category"] == "delivery" and shipped:
            if shipped <= latest:
                return "kept", f"shipped {shipped}, by {latest}"
            return "broken", f"shipped {shipped}, after {latest}"
        if latest and latest < self.as_of.isoformat():
            return "overdue", f"window closed {latest}; no record that it was kept"
        if latest or earliest or _str(p["deadline_anchor"]):
            return "open", ""
        return "no_deadline", ""

    def transcript(self) -> dict[str, list[dict[str, Any]]]:
        on: list[dict[str, Any]] = []
        off: list[dict[str, Any]] = []
        for _, row in self.messages.iterrows():
            (on if row["platform"] in ON_PLATFORM else off).append(self.message_view(row))
        return {"on_platform": on, "off_platform": off}

    def provenance(self) -> dict[str, Any]:
        from .manifest import rules_version

        inputs = []
        for t in self.a.tallies:
            try:
                size = os.path.getsize(t.source_file)
            except OSError:
                size = None
            inputs.append(
                {
                    "file": t.source_file,
                    "size": size,
                    "sha256": t.source_sha256,
                    "format": t.format,
                    "summary": t.summary(),
                    "skipped": [{"locator": s.locator, "reason": s.reason} for s in t.skipped][:200],
                    "skipped_total": len(t.skipped),
                    "warnings": list(t.warnings),
                }
            )
        return {
            "inputs": inputs,
            "failures": [f.to_dict() for f in self.a.failures],
            "notes": list(self.a.notes),
            "tool_version": __version__,
            "rules_version": rules_version(),
            "time_zone": self.a.settings.tz or "UTC (no --tz given)",
            "settings": self.settings_view(),
        }

    def settings_view(self) -> dict[str, str]:
        """The settings as a reader wants them: lists joined, unset values as '—', parties masked
        under --redact."""
        out = {}
        for key, value in self.a.settings.to_dict().items():
            if isinstance(value, list):
                value = ", ".join(self.mask(str(v)) or "" for v in value)
            elif value is None:
                value = "—"
            out[key] = str(value) or "—"
        return out

    def risk(self) -> list[dict[str, Any]]:
        risk = self.a.risk
        if risk is None or len(risk) == 0:
            return []
        out = []
        for _, r in risk.iterrows():
            item = {k: (v.tolist() if hasattr(v, "tolist") else v) for k, v in r.items()}
            out.append(json.loads(json.dumps(item, default=str)))
        return out

    def order(self) -> dict[str, Any]:
        order = dict(self.facts.get("order") or {})
        items = order.get("items") or []
        currency = (self.facts.get("case") or {}).get("currency", "")
        total = 0.0
        for item in items:
            q, p = item.get("quantity"), item.get("unit_price")
            if isinstance(q, int | float) and isinstance(p, int | float):
                total += q * p
        order["items"] = list(items)  # always a list: templates must not fall back to dict.items
        order.setdefault("placed", None)
        order["total"] = f"{currency} {total:,.2f}".strip() if total else ""
        order.pop("payment_account", None) if self.redacted else None
        return order

    def amounts(self) -> list[dict[str, Any]]:
        currency = (self.facts.get("case") or {}).get("currency", "")
        return [
            {"date": e["date"], "label": e["label"], "amount": f"{currency} {e['amount']:,.2f}".strip()}
            for e in self.events()
            if isinstance(e.get("amount"), int | float)
        ]

    # -- the whole --------------------------------------------------------------------------
    def build(self) -> dict[str, Any]:
        findings = self.finding_views()
        model: dict[str, Any] = {
            "lang": self.lang,
            "redacted": self.redacted,
            "as_of": self.as_of.isoformat(),
            "case": self.facts.get("case") or {},
            "parties": self.parties(),
            "order": self.order(),
            "amounts": self.amounts(),
            "events": self.events(),
            "deadlines_now": self.deadlines_now(),
            "findings": findings,
            "promises": self.promise_views(findings),
            "risk": self.risk(),
            "transcript": self.transcript(),
            "provenance": self.provenance(),
            "counts": {
                "messages": len(self.messages),
                "promises": len(self.a.promises),
                "findings": len(self.a.findings),
                "conversations": int(self.messages["conversation_id"].nunique()) if len(self.messages) else 0,
            },
        }
        model["control_number"] = control_number(model)
        return model


def control_number(model: dict[str, Any]) -> str:
    """A short code derived from the report's content: the same evidence gives the same number."""
    canonical = json.dumps(model, sort_keys=True, ensure_ascii=False, default=str)
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest().upper()
    return f"CS-{digest[:4]}-{digest[4:8]}-{digest[8:12]}"


def build_model(analysis: Analysis, *, redact_text: bool = False, lang: str = "en") -> dict[str, Any]:
    return ReportBuilder(analysis, redact_text=redact_text, lang=lang).build()
