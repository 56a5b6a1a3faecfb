"""The case facts file (``--facts``): what actually happened, as the buyer knows it.

Why a schema: the findings compare the seller's words with these facts, so a typo ("evnts:"), a
date that is not a date or an event without a type must stop the run with one line naming the
field and the line of the file, not silently drop a fact. The models are pydantic v2; YAML is
composed with PyYAML's node marks so every validation error points at its line.

Carrier tracking exports (DHL/FedEx/UPS/17track-like CSVs) import as ``shipped`` (first carrier
scan) and ``delivered`` events, named in the facts file as ``tracking_file:`` or loaded alone.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import io
import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from dateutil import parser as dateparser
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InputError
from .sources import Source

EventType = Literal[
    "order_placed", "deposit_paid", "balance_paid", "payment", "sample_approved", "shipped",
    "delivered", "inspection", "refund_paid", "dispute_opened", "other",
]
EVENT_TYPES: tuple[str, ...] = EventType.__args__  # type: ignore[attr-defined]

#: Facts.event_date(kind): the deadline anchors (nlp/deadlines.py) -> event types
KIND_TO_TYPES: dict[str, tuple[str, ...]] = {
    "deposit": ("deposit_paid", "payment"),  # "25 days after payment" of an order paid in full
    "balance": ("balance_paid",),
    "payment": ("payment", "deposit_paid"),
    "order": ("order_placed",),
    "sample_approval": ("sample_approved",),
    "shipment": ("shipped",),
    "delivery": ("delivered",),
    "inspection": ("inspection",),
    "refund": ("refund_paid",),
    "dispute": ("dispute_opened",),
}
EVENT_COLUMNS = ("date", "type", "source", "message_id", "details")
MAX_FACTS_BYTES = 5 * 1024 * 1024  # a facts file is typed by hand: anything larger is not one

DateLike = dt.datetime | dt.date


def _parse_when(value: Any) -> DateLike:
    """A date, or a datetime when a time is given (offset kept): YAML, JSON and CSV spellings."""
    if isinstance(value, dt.datetime | dt.date):
        return value
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a date like 2025-04-12 (a time and offset may follow)")
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        parsed = dateparser.parse(text)
    except (ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a date") from None
    has_time = bool(re.search(r"\d:\d", text))
    return parsed if has_time else parsed.date()


def day_of(value: DateLike) -> dt.date:
    """The calendar day of a date or datetime, as written (a datetime keeps its own offset)."""
    return value.date() if isinstance(value, dt.datetime) else value


def _listify(value: Any) -> Any:
    if value is None:
        return []
    return [value] if isinstance(value, str | int | float) else value


class _Strict(BaseModel):
    """Known-only keys: a typo must be an error, not a silently ignored fact."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Case(_Strict):
    id: str | None = None
    platform: str | None = None
    order_id: str | None = None
    currency: str | None = None
    title: str | None = None
    notes: str | None = None
    reference_price: float | None = None  # a market unit price, for price.below_market

    @field_validator("id", "order_id", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class Parties(_Strict):
    seller: list[str] = Field(default_factory=list)
    buyer: list[str] = Field(default_factory=list)
    seller_company: str | None = None
    buyer_company: str | None = None

    @field_validator("seller", "buyer", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return [str(x) if isinstance(x, int) else x for x in _listify(v)]


class PaymentAccount(_Strict):
    beneficiary: str | None = None
    bank: str | None = None
    account: str | None = None
    iban: str | None = None
    swift: str | None = None
    bank_address: str | None = None
    country: str | None = None
    notes: str | None = None

    @field_validator("account", "iban", "swift", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class Item(BaseModel):
    """One ordered item; extra keys (sku, color, hs_code...) are kept."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    name: str | None = None
    quantity: float | None = Field(default=None, ge=0)
    unit: str | None = None
    unit_price: float | None = Field(default=None, ge=0)
    currency: str | None = None
    specs: list[str] = Field(default_factory=list)

    @field_validator("specs", mode="before")
    @classmethod
    def _specs(cls, v: Any) -> Any:
        return _listify(v)


class Order(_Strict):
    id: str | None = None
    placed: DateLike | None = None
    items: list[Item] = Field(default_factory=list)
    payment_account: PaymentAccount | None = None
    total: float | None = Field(default=None, ge=0)
    currency: str | None = None
    deposit: float | None = Field(default=None, ge=0)
    balance: float | None = Field(default=None, ge=0)
    incoterm: str | None = None
    payment_terms: str | None = None
    delivery_terms: str | None = None
    notes: str | None = None

    @field_validator("placed", mode="before")
    @classmethod
    def _when(cls, v: Any) -> Any:
        return None if v is None else _parse_when(v)

    @field_validator("id", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v


class Event(BaseModel):
    """One thing that happened; ``type`` and ``date`` are required, other keys are kept."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    date: DateLike
    type: EventType
    amount: float | None = None
    currency: str | None = None
    method: str | None = None
    carrier: str | None = None
    tracking: str | None = None
    note: str | None = None
    quantity_received: float | None = Field(default=None, ge=0)
    findings: list[str] = Field(default_factory=list)
    source: Literal["facts", "message"] = "facts"
    message_id: str | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _when(cls, v: Any) -> Any:
        return _parse_when(v)

    @field_validator("findings", mode="before")
    @classmethod
    def _findings(cls, v: Any) -> Any:
        return _listify(v)

    @field_validator("tracking", mode="before")
    @classmethod
    def _as_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int) else v

    @property
    def day(self) -> dt.date:
        return day_of(self.date)

    def details(self) -> str:
        """The event's other fields as one readable line (for the timeline and findings)."""
        skip = {"date", "type", "source", "message_id"}
        parts = []
        for key, value in self.model_dump(exclude_none=True).items():
            if key in skip or value in ([], ""):
                continue
            shown = "; ".join(map(str, value)) if isinstance(value, list) else value
            if isinstance(shown, float) and shown.is_integer():
                shown = int(shown)
            parts.append(f"{key}: {shown}")
        return ", ".join(parts)


class Facts(_Strict):
    """The whole facts file. ``path`` is where it was read from (None when built in code)."""

    case: Case = Field(default_factory=Case)
    parties: Parties = Field(default_factory=Parties)
    order: Order = Field(default_factory=Order)
    events: list[Event] = Field(default_factory=list)
    tracking_file: str | None = None
    notes: str | None = None

    def seller_names(self) -> list[str]:
        return list(self.parties.seller)

    def buyer_names(self) -> list[str]:
        return list(self.parties.buyer)

    def events_of(self, *types: str) -> list[Event]:
        """Events of these types, earliest first."""
        return sorted((e for e in self.events if e.type in types), key=lambda e: e.day)

    def event_date(self, kind: str) -> dt.date | None:
        """The date of the first event of ``kind`` (deposit, balance, order, sample_approval,
        shipment, delivery, ...; event type names work too); ``order`` falls back to
        ``order.placed``."""
        types = KIND_TO_TYPES.get(kind, (kind,))
        found = self.events_of(*types)
        if found:
            return found[0].day
        if kind in ("order", "order_placed") and self.order.placed is not None:
            return day_of(self.order.placed)
        return None

    def events_frame(self) -> pd.DataFrame:
        """Every event (plus ``order.placed`` when no order_placed event says it) as a table:
        date, type, source ("facts" | "message"), message_id, details."""
        rows = [
            {"date": e.day, "type": e.type, "source": e.source, "message_id": e.message_id,
             "details": e.details()}
            for e in self.events
        ]
        if self.order.placed is not None and not self.events_of("order_placed"):
            rows.append({"date": day_of(self.order.placed), "type": "order_placed",
                         "source": "facts", "message_id": None, "details": "order.placed"})
        return events_table(rows)


def events_table(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """An events frame with the standard columns and dtypes, sorted by date (stable)."""
    extras = [k for row in rows for k in row if k not in EVENT_COLUMNS]
    frame = pd.DataFrame(rows, columns=list(dict.fromkeys([*EVENT_COLUMNS, *extras])))
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    for name in ("type", "source", "message_id", "details"):
        frame[name] = frame[name].astype("string")
    return frame.sort_values("date", kind="mergesort").reset_index(drop=True)


# --- loading -------------------------------------------------------------------------------------


def as_facts(value: Any) -> Facts | None:
    """A Facts object from a Facts, a plain dict (as a notebook user may pass) or None.

    Raises ``InputError("facts", ...)`` for a dict that is not valid facts."""
    if value is None or isinstance(value, Facts):
        return value
    if isinstance(value, dict):
        try:
            return Facts.model_validate(value)
        except ValidationError as exc:
            problems = [_describe_error(dict(e), {}) for e in exc.errors()]
            raise InputError("facts", "; ".join(problems[:3])) from None
    raise InputError("facts", f"expected a facts file, a dict or None, not {type(value).__name__}")



class _NoAliasLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors/aliases: no billion-laughs expansion of a hostile file."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            # types-PyYAML leaves Parser.peek_event unannotated (it returns an Event)
            event = self.peek_event()  # type: ignore[no-untyped-call]
            raise yaml.YAMLError(f"YAML aliases are not allowed (line {event.start_mark.line + 1})")
        return super().compose_node(parent, index)


# dates stay text until the schema reads them: "2025-13-45" must be a field error, not a crash
_NoAliasLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


#: a field path (keys and list indexes; ``(*path, "__key__")`` for a key itself) -> 1-based line
LineMap = dict[tuple[Any, ...], int]


def _line_map(node: Any, path: tuple[Any, ...] = (), out: LineMap | None = None) -> LineMap:
    """Field path -> 1-based line, for every node of a composed YAML document."""
    out = {} if out is None else out
    if node is None:
        return out
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            name = key.value
            out[(*path, name, "__key__")] = key.start_mark.line + 1
            _line_map(value, (*path, name), out)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            _line_map(value, (*path, i), out)
    return out


def _line_of(lines: LineMap, loc: tuple[Any, ...], extra_key: bool) -> int | None:
    if extra_key and (*loc, "__key__") in lines:
        return lines[(*loc, "__key__")]
    for n in range(len(loc), -1, -1):
        if loc[:n] in lines:
            return lines[loc[:n]]
    return None


def _field_name(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The keys the model accepts where ``loc`` points (for "did you mean" hints)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = current.model_fields.get(part)
        if field is None:
            return []
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        candidates = [ann, *args, *(a for x in args for a in getattr(x, "__args__", ()))]
        current = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
    return list(current.model_fields) if current is not None else []


def _describe_error(err: dict[str, Any], lines: LineMap) -> str:
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and "[" in p))
    extra = err["type"] == "extra_forbidden"
    if extra:
        known = _known_keys(Facts, loc)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        reason = f"unknown field{hint}"
    elif err["type"] == "missing":
        reason = "required field missing"
    elif err["type"] == "literal_error":
        reason = f"{err.get('input')!r} is not one of {', '.join(EVENT_TYPES)}"
    else:
        reason = str(err["msg"]).removeprefix("Value error, ")
    line = _line_of(lines, loc, extra)
    where = f" (line {line})" if line else ""
    return f"{_field_name(loc)}: {reason}{where}"


def _read_document(source: Source) -> tuple[Any, LineMap]:
    if source.size > MAX_FACTS_BYTES:
        raise InputError(source.display, f"facts file is over {MAX_FACTS_BYTES:,} bytes")
    text = source.read_text().lstrip("\ufeff")
    lines: LineMap = {}
    try:
        # JSON is YAML for line numbers, once its tab indentation (never inside JSON strings,
        # where raw tabs are invalid) is made spaces
        shown = text.replace("\t", " ") if source.suffix == ".json" else text
        node = yaml.compose(shown, Loader=_NoAliasLoader)
        lines = _line_map(node)
    except yaml.YAMLError as exc:
        if source.suffix != ".json":
            mark = getattr(exc, "problem_mark", None)
            where = f" (line {mark.line + 1})" if mark is not None else ""
            reason = getattr(exc, "problem", None) or str(exc)
            raise InputError(source.display, f"not valid YAML: {reason}{where}") from None
    try:
        if source.suffix == ".json":
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_NoAliasLoader)  # a SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise InputError(source.display, f"not valid JSON: {exc.msg} (line {exc.lineno})") from None
    except RecursionError:
        raise InputError(source.display, "nested too deeply") from None
    except (yaml.YAMLError, ValueError) as exc:
        raise InputError(source.display, f"not valid YAML: {exc}") from None
    return data, lines


def load_facts(path: str | os.PathLike[str]) -> Facts:
    """Read and validate a facts file (YAML or JSON); a named ``tracking_file`` is imported too.

    Raises ``InputError(path, "<field>: <reason> (line N)")`` for the first problems found.
    """
    source = Source.open(path)
    data, lines = _read_document(source)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise InputError(source.display, "the facts file must be a mapping (case:, order:, events: ...)")
    try:
        facts = Facts.model_validate(data)
    except ValidationError as exc:
        problems = [_describe_error(dict(e), lines) for e in exc.errors()]
        more = f" (+{len(problems) - 3} more)" if len(problems) > 3 else ""
        raise InputError(source.display, "; ".join(problems[:3]) + more) from None
    if facts.tracking_file:
        tracking = Path(facts.tracking_file)
        if not tracking.is_absolute():
            tracking = Path(path).parent / tracking
        known = {(e.type, e.day) for e in facts.events}
        facts.events.extend(e for e in load_tracking_csv(tracking) if (e.type, e.day) not in known)
    return facts


# --- carrier tracking exports ---------------------------------------------------------------------

_HEADER_ROLES: dict[str, tuple[str, ...]] = {
    "datetime": ("date/time", "datetime", "date time", "timestamp", "scan date/time", "event time",
                 "time (local)", "local date/time", "checkpoint time"),
    "date": ("date", "scan date", "event date", "activity date", "checkpoint date", "日期"),
    "time": ("time", "local time", "scan time", "activity time", "时间"),
    "status": ("status", "event", "activity", "description", "details", "checkpoint",
               "milestone", "message", "status description", "event description", "tracking event",
               "scan", "状态", "描述"),
    "location": ("location", "place", "city", "service area", "scan location", "address",
                 "facility", "地点", "位置"),
    "tracking": ("tracking number", "waybill", "waybill number", "awb", "tracking no",
                 "tracking no.", "tracking", "number", "运单号"),
}
_DELIVERED = re.compile(
    r"\bdelivered\b|zugestellt|已签收|签收|妥投|已送达", re.IGNORECASE
)
_NOT_DELIVERED = re.compile(
    r"out for delivery|attempt|not delivered|undeliver|delivery exception|failed|will be delivered"
    r"|scheduled|estimated|expected",
    re.IGNORECASE,
)
_PRE_SCAN = re.compile(
    r"label (?:created|printed)|shipment information received|electronic (?:shipment )?"
    r"(?:notification|information)|order (?:processed|created)|awaiting|info received"
    r"|pre-?advice|shipper created|not yet (?:received|picked)|电子信息|已下单",
    re.IGNORECASE,
)


def _column_roles(header: list[str]) -> dict[str, int]:
    roles: dict[str, int] = {}
    names = [h.strip().lower().lstrip("\ufeff") for h in header]
    for role, aliases in _HEADER_ROLES.items():
        for i, name in enumerate(names):
            if name in aliases and i not in roles.values():
                roles.setdefault(role, i)
    if "datetime" not in roles and "date" not in roles and "time" in roles:
        roles["datetime"] = roles.pop("time")  # 17track-style "Time" holds the full timestamp
    return roles


def _dayfirst(values: list[str]) -> bool:
    """Slash/dot dates: day first when some first number exceeds 12 (European exports)."""
    for v in values:
        m = re.match(r"\s*(\d{1,2})[/.](\d{1,2})[/.]\d{2,4}", v)
        if m and int(m.group(1)) > 12:
            return True
    return False


def _tracking_when(text: str, dayfirst: bool) -> dt.datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        pass
    try:
        return dateparser.parse(text, dayfirst=dayfirst)
    except (ValueError, OverflowError):
        return None


def load_tracking_csv(path: str | Path) -> list[Event]:
    """``shipped`` (first real carrier scan, not "label created") and ``delivered`` events from a
    carrier tracking export (CSV/TSV with date, status and location columns)."""
    source = Source.open(path)
    if source.size > MAX_FACTS_BYTES:
        raise InputError(source.display, f"tracking file is over {MAX_FACTS_BYTES:,} bytes")
    text = source.read_text().lstrip("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = [r for r in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in r)]
    if not rows:
        raise InputError(source.display, "tracking file is empty")
    roles = _column_roles(rows[0])
    if "status" not in roles or not ({"date", "datetime"} & roles.keys()):
        raise InputError(source.display, "tracking file needs a date and a status column "
                         f"(header was: {', '.join(rows[0])})")
    scans = _scans(rows[1:], roles, source.display)
    return _tracking_events(scans, source.display)


def _scans(rows: list[list[str]], roles: dict[str, int], display: str) -> list[dict[str, Any]]:
    def cell(row: list[str], role: str) -> str:
        i = roles.get(role)
        return row[i].strip() if i is not None and i < len(row) else ""

    stamps = [(cell(r, "datetime") or f"{cell(r, 'date')} {cell(r, 'time')}").strip() for r in rows]
    dayfirst = _dayfirst(stamps)
    scans: list[dict[str, Any]] = []
    for n, (row, stamp) in enumerate(zip(rows, stamps, strict=True), start=2):
        when = _tracking_when(stamp, dayfirst)
        if when is None:
            raise InputError(display, f"line {n}: {stamp!r} is not a date")
        scans.append({"when": when, "status": cell(row, "status"),
                      "location": cell(row, "location"), "tracking": cell(row, "tracking")})
    scans.sort(key=lambda s: _naive(s["when"]))
    return scans


def _naive(when: dt.datetime) -> dt.datetime:
    """Sort key: scans mixing offsets and none compare on their wall-clock time."""
    return when.replace(tzinfo=None)


def _tracking_events(scans: list[dict[str, Any]], display: str) -> list[Event]:
    name = Path(display).name
    events: list[Event] = []
    first = next((s for s in scans if not _PRE_SCAN.search(s["status"])), None)
    delivered = next(
        (s for s in scans if _DELIVERED.search(s["status"]) and not _NOT_DELIVERED.search(s["status"])),
        None,
    )
    pairs: tuple[tuple[EventType, dict[str, Any] | None, str], ...] = (
        ("shipped", first, "first carrier scan"), ("delivered", delivered, ""))
    for kind, scan, why in pairs:
        if scan is None:
            continue
        note = "; ".join(p for p in (why, scan["status"], scan["location"], f"from {name}") if p)
        events.append(Event(date=scan["when"], type=kind, tracking=scan["tracking"] or None,
                            note=note))
    return events


# --- template -----------------------------------------------------------------------------------

_TEMPLATE = """\
# chatsignals case facts: what actually happened (YAML; JSON works too).
# Every field is optional except each event's `type` and `date`.
# Check it with:  chatsignals facts check FILE
case:
  id: TA-2025-0117                # your own reference
  platform: alibaba
  order_id: "231145678901"        # quote long numbers so they stay text
  currency: USD
parties:                          # names, e-mail addresses, phone numbers as they appear in chats
  seller: ["Lily Chen", "lily@brightway-lighting.com", "+86 138 0000 0000"]
  buyer: ["Tom Becker", "tom@becker-shop.de"]
order:
  placed: 2025-02-27
  items:
    - name: LED strip 5050
      quantity: 5000
      unit: pcs
      unit_price: 2.8
      specs: ["IP65 waterproof", "CE and RoHS certified"]   # what was agreed
  payment_account:                # the account first agreed for payment
    beneficiary: Shenzhen Brightway Lighting Co., Ltd
    bank: Bank of China Shenzhen Branch
    account: "7561 2345 6789 0123"
    swift: BKCHCNBJ45A
# tracking_file: tracking_dhl.csv # a carrier export (date, status, location), next to this file
events:                           # types: order_placed deposit_paid balance_paid payment
                                  # sample_approved shipped delivered inspection refund_paid
                                  # dispute_opened other; a date may carry a time and offset
  - {date: 2025-03-03, type: deposit_paid, amount: 4200, method: T/T}
  - {date: 2025-04-12, type: shipped, carrier: DHL, tracking: "1234567890", note: first carrier scan}
  - {date: "2025-04-30T14:05:00+02:00", type: delivered}
  - date: 2025-05-02
    type: inspection
    quantity_received: 4200
    findings: ["label says IP20, strips are not waterproof", "no CE marking on product or box"]
"""


def template_text() -> str:
    """A commented example facts file (``chatsignals facts template``); it validates as is."""
    return _TEMPLATE
