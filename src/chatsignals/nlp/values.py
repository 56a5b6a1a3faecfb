"""The value a promise is about: spec, quantity with unit, amount with currency, tracking number
with carrier, or the document named; normalised lightly as docs/PROMISES.md shows (``USD 2.80``,
``5000 pcs``, ``DHL 1234567890``, ``B/L``, ``IP65, CE, RoHS``).

Specs come from :mod:`chatsignals.nlp.specs` (typed, negation aware); the rest are plain patterns
because these tokens are formulaic and the extractor runs on every promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import zh
from .specs import find_specs

CURRENCIES = {
    "usd": "USD", "us$": "USD", "$": "USD", "dollar": "USD", "dollars": "USD", "u$": "USD",
    "rmb": "CNY", "cny": "CNY", "¥": "CNY", "yuan": "CNY", "元": "CNY",
    "eur": "EUR", "€": "EUR", "euro": "EUR", "euros": "EUR",
    "gbp": "GBP", "£": "GBP", "hkd": "HKD", "aud": "AUD", "cad": "CAD", "jpy": "JPY",
}
_CUR = r"(?:usd|us\$|u\$|rmb|cny|eur|gbp|hkd|aud|cad|jpy|dollars?|euros?|yuan|[$¥€£元])"
_AMOUNT = r"\d{1,3}(?:[,\s]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?k?"
AMOUNT_RE = re.compile(
    rf"(?<![\w.])(?:(?P<c1>{_CUR})\s*(?P<a1>{_AMOUNT})|(?P<a2>{_AMOUNT})\s*(?P<c2>{_CUR}))(?![\w])",
    re.IGNORECASE,
)
UNITS = {
    "pcs": "pcs", "pc": "pcs", "pieces": "pcs", "piece": "pcs", "units": "units", "unit": "units",
    "sets": "sets", "set": "sets", "cartons": "cartons", "carton": "cartons", "ctns": "cartons", "ctn": "cartons",
    "bales": "bales", "bale": "bales", "cbm": "cbm", "doz": "dozen", "meter": "m", "m": "m",
    "boxes": "boxes", "box": "boxes", "pallets": "pallets", "pallet": "pallets", "rolls": "rolls",
    "reels": "reels", "reel": "reels", "pairs": "pairs", "pair": "pairs", "meters": "m",
    "kg": "kg", "kgs": "kg", "tons": "tons", "ton": "tons", "mt": "tons", "containers": "containers",
    "container": "containers", "bags": "bags", "bottles": "bottles", "dozen": "dozen",
}
QUANTITY_RE = re.compile(
    r"(?<![\w.])(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s*(?P<u>"
    + "|".join(sorted(UNITS, key=len, reverse=True))
    + r")\b",
    re.IGNORECASE,
)
CARRIERS = r"(?P<carrier>dhl|fedex|ups|tnt|ems|usps|sf express|sf|aramex|dpd|gls|maersk|cosco|msc)"
TRACKING_RE = re.compile(
    rf"{CARRIERS}?[^\d\n]{{0,30}}?(?:tracking|waybill|awb|track)\s*(?:no\.?|number|num|#)?\s*(?:is|:)?\s*"
    r"(?P<num>[A-Z]{0,4}\d[\dA-Z]{7,24})\b|" + CARRIERS.replace("carrier", "carrier2")
    + r"\s*(?:no\.?|#|:)?\s*(?P<num2>\d{9,22})\b",
    re.IGNORECASE,
)
DOCUMENTS = {
    r"b/l|bill of lading|\bbl\b": "B/L",
    r"commercial invoice": "commercial invoice",
    r"proforma invoice|\bpi\b": "PI",
    r"\binvoice": "invoice",
    r"packing list": "packing list",
    r"certificate of origin|\bc/o\b|form a|form e": "certificate of origin",
    r"test report|inspection report|\breport\b": "test report",
    r"\bmsds\b|\bsds\b": "MSDS",
    r"\bcoa\b": "COA",
    r"certificates?|\bcert\b": "certificate",
    r"photos?|pictures?|pics?": "photos",
    r"videos?": "video",
    r"contract": "contract",
    r"drawings?": "drawing",
}
_DOC_RES = [(re.compile(p, re.IGNORECASE), name) for p, name in DOCUMENTS.items()]


@dataclass(frozen=True)
class Value:
    """A promise's value as text plus what kind of value it is (the table's ``attribute``)."""

    text: str
    attribute: str


def _amount_text(cur: str, amount: str) -> str:
    code = CURRENCIES.get(cur.lower(), cur.upper())
    amount = amount.replace(" ", ",")
    if amount.lower().endswith("k"):
        amount = f"{float(amount[:-1]) * 1000:,.0f}"
    elif amount.isdigit() and len(amount) > 3:
        amount = f"{int(amount):,}"  # "9800 usd" -> "USD 9,800": one spelling per amount
    return f"{code} {amount}"


def find_amounts(text: str) -> list[str]:
    """Money amounts normalised as ``USD 2.80`` / ``CNY 9,800`` in order of appearance."""
    found = []
    for m in AMOUNT_RE.finditer(text):
        cur, amount = (m["c1"], m["a1"]) if m["c1"] else (m["c2"], m["a2"])
        found.append((m.start(), m.end(), _amount_text(cur, amount)))
    if zh.has_cjk(text):  # "2000元" after a Chinese character has no word boundary
        spans = [(a, b) for a, b, _ in found]
        found += [(i, i, _amount_text(code, amount)) for i, code, amount in zh.amounts(text)
                  if not any(a <= i < b for a, b in spans)]
        found.sort()
    return [amount for _, _, amount in found]


def find_quantities(text: str) -> list[str]:
    """Counts of goods with their unit (``5000 pcs``; a Chinese measure word as written:
    ``5000套``), in order of appearance."""
    found = [(m.start(), f"{m['n']} {UNITS[m['u'].lower()]}") for m in QUANTITY_RE.finditer(text)]
    if zh.has_cjk(text):
        found = sorted(found + zh.quantities(text))
    return [q for _, q in found]


def find_tracking(text: str) -> str | None:
    """``DHL 1234567890`` (carrier when named) for a tracking number in ``text``."""
    m = TRACKING_RE.search(text)
    if not m:
        return None
    carrier = m["carrier"] or m["carrier2"]
    number = m["num"] or m["num2"]
    if carrier is None:
        near = re.search(CARRIERS, text, re.IGNORECASE)
        carrier = near["carrier"] if near else None
    return f"{carrier.upper()} {number}" if carrier else number


def find_documents(text: str) -> list[str]:
    """Documents named in ``text`` (one name per kind, most specific first)."""
    found: list[tuple[int, str]] = []
    taken: list[tuple[int, int]] = []
    for regex, name in _DOC_RES:
        for m in regex.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append((m.start(), name))
    return list(dict.fromkeys(name for _, name in sorted(found)))


@lru_cache(maxsize=65536)
def _spec_values(text: str) -> tuple[tuple[str, str], ...]:
    return tuple((s.attribute, s.value) for s in find_specs(text) if not s.negated)


def spec_values(text: str) -> list[tuple[str, str]]:
    """(attribute, value) of each non-negated spec in order of appearance (cached per text: the
    stage asks twice, for the cues and for the value)."""
    return list(_spec_values(text))


def find_value(text: str, category: str | None) -> Value | None:
    """The value that fits the promise's category, or the first kind found otherwise."""
    order = {
        "quality": ("spec", "quantity"),
        "price": ("amount",),
        "payment": ("amount",),
        "refund": ("amount", "quantity"),
        "quantity": ("quantity",),
        "documents": ("tracking", "document"),
        "delivery": ("tracking", "quantity"),
        "sample": ("quantity",),
    }.get(category or "", ("spec", "amount", "quantity", "tracking"))
    for kind in order:
        value = _value_of(kind, text)
        if value is not None:
            return value
    return None


def _value_of(kind: str, text: str) -> Value | None:
    if kind == "spec":
        specs = spec_values(text)
        if specs:
            attrs = {a for a, _ in specs}
            attribute = specs[0][0] if len(attrs) == 1 else "specs"
            return Value(", ".join(dict.fromkeys(v for _, v in specs)), attribute)
        return None
    if kind == "amount":
        amounts = find_amounts(text)
        return Value(amounts[0], "amount") if amounts else None
    if kind == "quantity":
        qty = find_quantities(text)
        return Value(qty[0], "quantity") if qty else None
    if kind == "tracking":
        tracking = find_tracking(text)
        return Value(tracking, "tracking") if tracking else None
    if kind == "document":
        docs = find_documents(text)
        return Value(", ".join(docs), "document") if docs else None
    return None
