"""Product specifications in chat text: IP rating, material grade, certificates, composition...

Why a dedicated extractor: a spec contradiction ("IP65" promised, "IP20" on the label) must be
found by *attribute*, not by shared words. ``find_specs`` turns a sentence into typed
:class:`Spec` values (negation aware: "no CE marking" is a CE spec with ``negated=True``), and
``compare_specs`` pairs a promised spec with an observed one of the same attribute that differs.

Plain regular expressions over the text (English plus the common Chinese spec words): specs are
formulaic tokens ("IP65", "SUS304", "180gsm", "12V") that patterns find more reliably than a
statistical model, and the extractor must stay cheap because it runs on every message.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from ..prefilter import best, caseless, required

__all__ = ["ATTRIBUTES", "Spec", "compare_specs", "find_specs", "spec_key"]


@dataclass(frozen=True)
class Spec:
    """One spec mentioned in a text.

    ``value`` is normalised (``IP65``, ``304 stainless steel``, ``CE``, ``100% cotton``, ``12V``,
    ``waterproof``); ``raw`` is the text as written and ``start``/``end`` its offsets, so a
    finding can quote the exact words. ``negated`` is True for "no CE", "not waterproof".
    """

    attribute: str
    value: str
    raw: str
    start: int
    end: int
    negated: bool = False

    def describe(self) -> str:
        """The spec as a short phrase for an explanation ("IP65", "no CE")."""
        if not self.negated:
            return self.value
        return f"not {self.value}" if self.attribute == "waterproof" else f"no {self.value}"


Maker = Callable[[re.Match[str]], str | None]


@dataclass(frozen=True)
class _Pattern:
    attribute: str
    regex: re.Pattern[str]
    value: Maker
    chinese: bool = False  # only tried on text with Chinese characters in it


def _p(attribute: str, pattern: str, value: Maker, flags: int = re.IGNORECASE,
       chinese: bool = False) -> _Pattern:
    return _Pattern(attribute, re.compile(pattern, flags), value, chinese)


def _num(text: str) -> str:
    """'12.0' -> '12', '14.40' -> '14.4': one spelling per number so values compare as text."""
    value = float(text)
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _ip(m: re.Match[str]) -> str:
    return f"IP{m.group(1).upper()}{m.group(2).upper()}{(m.group(3) or '').upper()}"


_STAINLESS_GRADES = r"201|202|301|304L?|316L?|310S?|321|410|420|430"
_ALU_GRADES = r"1060|1100|3003|5052|6061|6063|6082|7075"
_FIBRES = {
    "cotton": "cotton", "polyester": "polyester", "poly": "polyester", "spandex": "spandex",
    "elastane": "elastane", "lycra": "spandex", "nylon": "nylon", "polyamide": "nylon",
    "viscose": "viscose", "rayon": "viscose", "linen": "linen", "wool": "wool", "silk": "silk",
    "acrylic": "acrylic", "modal": "modal", "bamboo": "bamboo", "cashmere": "cashmere",
}
_FIBRE_RE = "|".join(sorted(_FIBRES, key=len, reverse=True))
_UNITS = {
    "mm": "mm", "cm": "cm", "m": "m", "meter": "m", "meters": "m", "metre": "m", "metres": "m",
    "inch": "inch", "inches": "inch", "in": "inch", '"': "inch", "ft": "ft", "feet": "ft",
    "毫米": "mm", "厘米": "cm", "公分": "cm",
}
_ZH_LEN_UNIT = r"mm|cm|毫米|厘米|公分"
_LEN_UNIT = r"mm|cm|meters?|metres?|(?-i:m)|inch(?:es)?|ft|feet"  # "5M" is money, "5m" a length
_CERTS: dict[str, str] = {
    # upper-case only tokens (they are also ordinary words or syllables in lower case)
    "CE": "CE", "UL": "UL", "CB": "CB", "GS": "GS", "FCC": "FCC", "FDA": "FDA", "ETL": "ETL",
    "SAA": "SAA", "CCC": "CCC", "UKCA": "UKCA", "REACH": "REACH", "ERP": "ErP", "ErP": "ErP",
    "VDE": "VDE", "TUV": "TÜV", "TÜV": "TÜV", "LFGB": "LFGB", "CPSIA": "CPSIA",
    "BSCI": "BSCI", "GOTS": "GOTS", "DLC": "DLC", "CQC": "CQC", "LVD": "LVD",
    "RoHS": "RoHS", "ROHS": "RoHS", "Rohs": "RoHS", "rohs": "RoHS", "OEKO-TEX": "OEKO-TEX",
    "Oeko-Tex": "OEKO-TEX", "Energy Star": "Energy Star", "ENERGY STAR": "Energy Star",
}
_CERT_RE = "|".join(re.escape(c) for c in sorted(_CERTS, key=len, reverse=True))
_CONDITIONS = {
    "brand new": "new", "100% new": "new", "new": "new", "original": "original",
    "genuine": "original", "authentic": "original", "refurbished": "refurbished",
    "renewed": "refurbished", "used": "used", "second hand": "used", "second-hand": "used",
    "secondhand": "used", "pre-owned": "used", "replica": "counterfeit", "fake": "counterfeit",
    "counterfeit": "counterfeit", "copy": "counterfeit", "1:1 copy": "counterfeit",
}
#: which condition values exclude each other: new vs used, original vs counterfeit
_CONDITION_GROUP = {
    "new": "wear", "refurbished": "wear", "used": "wear",
    "original": "authenticity", "counterfeit": "authenticity",
}


def _composition(m: re.Match[str]) -> str:
    parts = re.findall(rf"(\d{{1,3}}(?:\.\d)?)\s?%\s*({_FIBRE_RE})", m.group(0), re.IGNORECASE)
    return ", ".join(f"{_num(p)}% {_FIBRES[f.lower()]}" for p, f in parts)


def _blend(m: re.Match[str]) -> str:
    first, second = _FIBRES[m.group(3).lower()], _FIBRES[m.group(4).lower()]
    return f"{_num(m.group(1))}% {first}, {_num(m.group(2))}% {second}"


def _length(m: re.Match[str]) -> str | None:
    before = m.string[max(0, m.start() - 5) : m.start()]
    if re.search(r"(?:usd|\$|rmb|eur|€|¥)\s*$", before, re.IGNORECASE):
        return None  # "USD 5 m" is money, not a length
    if float(m.group(1)) == 0:
        return None  # "margin: 0cm" in pasted HTML
    unit = _UNITS[m.group(2).lower()]
    return f"{_num(m.group(1))}{unit}"


def _length_groups(m: re.Match[str], first: int) -> str | None:
    """A length from the number and unit groups ``first`` and ``first + 1`` (a pattern with two
    alternative spellings has two such pairs)."""
    if m.group(first) is None:
        return None
    value = float(m.group(first))
    return f"{_num(m.group(first))}{_UNITS[m.group(first + 1).lower()]}" if value else None


def _dimension(m: re.Match[str]) -> str:
    nums = [_num(g) for g in m.groups()[:3] if g]
    return "x".join(nums) + _UNITS.get(m.group(4).lower(), m.group(4).lower())


def _voltage(m: re.Match[str]) -> str:
    low, high = _num(m.group(1)), m.group(2)
    return f"{low}-{_num(high)}V" if high else f"{low}V"


def _power(m: re.Match[str]) -> str:
    unit = "kW" if m.group(2).lower() == "kw" else "W"
    return f"{_num(m.group(1))}{unit}" + ("/m" if m.group(3) else "")


def _colour_temperature(m: re.Match[str]) -> str | None:
    kelvin = int(m.group(1))
    return f"{kelvin}K" if 1500 <= kelvin <= 10000 else None


def _condition(m: re.Match[str]) -> str | None:
    word = re.sub(r"\s+", " ", m.group("cond").lower())
    return _CONDITIONS.get(word)


_CONDITION_GOODS = (
    r"(?:products?|goods|items?|units?|parts?|chips?|phones?|strips?|stock|condition|"
    r"brand|quality|packing|packaging|box(?:es)?|models?|devices?|machines?)"
)

_PATTERNS: tuple[_Pattern, ...] = (
    _p("ip_rating", r"(?<![A-Za-z0-9])IP\s?-?([0-6X])([0-9X])(K)?(?![A-Za-z0-9])", _ip),
    _p(
        "waterproof",
        r"(?<![A-Za-z])(?:water[\s-]?proof|water[\s-]?tight)(?![A-Za-z])|防水",
        lambda m: "waterproof",
    ),
    _p(
        "material_grade",
        rf"(?<![A-Za-z0-9])(?:(?:SUS|SS|AISI)\s?-?)?({_STAINLESS_GRADES})(?![0-9])\s*#?\s*"
        r"(?:stainless(?:\s+steel)?|不锈钢|SS(?![A-Za-z]))",
        lambda m: f"{m.group(1).upper()} stainless steel",
    ),
    _p(
        "material_grade",
        rf"stainless(?:\s+steel)?\s*(?:grade\s*|SUS\s?)?({_STAINLESS_GRADES})(?![0-9])",
        lambda m: f"{m.group(1).upper()} stainless steel",
    ),
    _p(
        "material_grade",
        rf"(?<![A-Za-z0-9])(?:SUS|SS|AISI)\s?-?({_STAINLESS_GRADES})(?![0-9])",
        lambda m: f"{m.group(1).upper()} stainless steel",
    ),
    _p(
        # "grade 201", "material is 304": the stainless grade named without the word stainless
        "material_grade",
        rf"(?<![A-Za-z])(?:grade|material(?:\s+is)?|type)\s*:?\s*({_STAINLESS_GRADES})(?![0-9A-Za-z])",
        lambda m: f"{m.group(1).upper()} stainless steel",
    ),
    _p(
        # Chinese: "全部304材质", "材质是304", "不锈钢304", "SUS304钢"
        "material_grade",
        rf"(?<![A-Za-z0-9.])(?:(?:SUS|SS)\s?)?({_STAINLESS_GRADES})(?![0-9])\s?的?\s?(?:材质|材料|钢材?)"
        rf"|(?:材质|材料|不锈钢)\s?(?:是|为|用|:|：)?\s?(?:SUS|SS)?\s?({_STAINLESS_GRADES})(?![0-9])",
        lambda m: f"{(m.group(1) or m.group(2)).upper()} stainless steel",
        chinese=True,
    ),
    _p(
        "material_grade",
        rf"(?<![0-9])({_ALU_GRADES})(?:-T\d+)?\s*(?:alumin(?:i)?um|alloy|铝)",
        lambda m: f"{m.group(1)} aluminium",
    ),
    _p(
        "material_grade",
        rf"alumin(?:i)?um(?:\s+alloy)?\s*({_ALU_GRADES})(?![0-9])",
        lambda m: f"{m.group(1)} aluminium",
    ),
    _p(
        "material",
        r"(?<![A-Za-z])(?:genuine|real|full[\s-]grain|top[\s-]grain)\s+leather|cowhide|真皮",
        lambda m: "genuine leather",
    ),
    _p(
        "material",
        r"(?<![A-Za-z])(?:PU|faux|synthetic|artificial|vegan)\s+leather|人造革",
        lambda m: "PU leather",
    ),
    _p(
        "conductor",
        r"(?<![A-Za-z])(?:pure|solid|oxygen[\s-]free)\s+copper|(?<![A-Za-z])OFC(?![A-Za-z])|纯铜",
        lambda m: "pure copper",
    ),
    _p(
        "conductor",
        r"(?<![A-Za-z])CCA(?![A-Za-z])|copper[\s-]clad\s+alumin(?:i)?um|铜包铝",
        lambda m: "copper-clad aluminium",
    ),
    _p("certificate", rf"(?<![A-Za-z])({_CERT_RE})(?![A-Za-z])", lambda m: _CERTS[m.group(1)], 0),
    _p(
        "certificate",
        r"(?<![A-Za-z])ISO\s?-?(9001|14001|45001|13485|22000|17025|50001)(?![0-9])",
        lambda m: f"ISO {m.group(1)}",
    ),
    _p(
        "certificate",
        r"(?<![A-Za-z])EN\s?-?(71|\d{4,5})(?:-\d+)?(?![0-9])",
        lambda m: f"EN {m.group(1)}" if m.group(1) != "71" else "EN71",
        0,
    ),
    _p(
        "composition",
        rf"\d{{1,3}}(?:\.\d)?\s?%\s*(?:{_FIBRE_RE})"
        rf"(?:\s*(?:[,/+&]|and)?\s*\d{{1,3}}(?:\.\d)?\s?%\s*(?:{_FIBRE_RE}))*",
        _composition,
    ),
    _p(
        "composition",
        rf"(?<![0-9])(\d{{2}})\s?/\s?(\d{{2}})\s+({_FIBRE_RE})[\s/-]?({_FIBRE_RE})",
        _blend,
    ),
    _p("composition", r"(?<![A-Za-z])pure\s+cotton|纯棉", lambda m: "100% cotton"),
    _p(
        "weight_gsm",
        r"(?<![0-9])(\d{2,4})\s?(?:gsm|g/m2|g/m²|grams?\s+per\s+square\s+met(?:er|re))(?![A-Za-z])",
        lambda m: f"{m.group(1)}gsm",
    ),
    _p(
        "condition",
        r"(?<![A-Za-z0-9])(?P<cond>brand[\s-]new|100%\s?new|refurbished|renewed|second[\s-]?hand"
        r"|pre-owned|replica|counterfeit|1:1 copy)(?![A-Za-z])",
        _condition,
    ),
    _p(
        "condition",
        rf"(?<![A-Za-z])(?P<cond>original|genuine|authentic|fake|used)\s+(?:and\s+\w+\s+)?"
        rf"{_CONDITION_GOODS}(?![A-Za-z])",
        _condition,
    ),
    _p(
        "condition",
        rf"(?<![A-Za-z]){_CONDITION_GOODS}\s+(?:is|are|were|was)\s+(?:not\s+)?"
        r"(?:all\s+|obviously\s+|clearly\s+|100%\s+)?"
        r"(?P<cond>new|original|genuine|authentic|fake|used)(?![A-Za-z])(?!\s+(?:to|for|in|by|as|with)\b)",
        _condition,
    ),
    _p(
        "condition",
        r"(?<![A-Za-z])(?:not|no\s+longer)\s+(?:brand\s+)?(?P<cond>new|original|genuine)(?![A-Za-z])",
        _condition,
    ),
    _p(
        "dimension",
        r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s?[x×*]\s?(\d+(?:\.\d+)?)(?:\s?[x×*]\s?(\d+(?:\.\d+)?))?\s?"
        r"(mm|cm|m|inch|in|\")(?![A-Za-z])",
        _dimension,
    ),
    _p(
        "thickness",
        rf"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s?({_LEN_UNIT})\s+(?:thick|thickness)(?![A-Za-z])",
        _length,
    ),
    _p(
        # Chinese: "厚度3.0mm", "壁厚为1.2毫米", "3mm厚"
        "thickness",
        rf"(?:厚度|壁厚|厚)\s?(?:是|为|:|：)?\s?(\d+(?:\.\d+)?)\s?({_ZH_LEN_UNIT})(?![A-Za-z])"
        rf"|(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s?({_ZH_LEN_UNIT})\s?厚",
        lambda m: _length_groups(m, 1) or _length_groups(m, 3),
        chinese=True,
    ),
    _p("length", rf"(?<![A-Za-z0-9.,])(\d+(?:\.\d+)?)\s?({_LEN_UNIT})(?![A-Za-z0-9²³])", _length),
    _p("length", r"(?<![A-Za-z0-9.,])(\d+(?:\.\d+)?)\s?(毫米|厘米|公分)", _length, chinese=True),
    _p(
        "size",
        r"(?<![A-Za-z-])(?<!font )size\s*:?\s*(XXS|XS|S|M|L|XL|XXL|XXXL|[2-6]XL|\d{2}(?:\.5)?)(?![A-Za-z0-9])",
        lambda m: m.group(1).upper(),
    ),
    _p(
        "voltage",
        r"(?<![A-Za-z0-9.])(?:(?:AC|DC)\s?)?(\d{1,4}(?:\.\d+)?)(?:\s?[-~]\s?(\d{1,4}))?\s?(?:V|volts?)"
        r"(?![A-Za-z])",
        _voltage,
    ),
    _p(
        "power",
        r"(?<![A-Za-z0-9.])(\d+(?:\.\d+)?)\s?(kW|W|watts?)(?![A-Za-z])(\s?/\s?m(?![A-Za-z])|\s?per\s?met(?:er|re))?",
        _power,
    ),
    _p("color_temperature", r"(?<![A-Za-z0-9.])(\d{4,5})\s?K(?![A-Za-z])", _colour_temperature),
    _p(
        "led_density",
        r"(?<![A-Za-z0-9.])(\d{2,3})\s?(?:LEDs?|D)\s?(?:/|per\s+)\s?(?:m|meter|metre)(?![A-Za-z])",
        lambda m: f"{m.group(1)} LEDs/m",
    ),
    _p(
        "chip_type",
        r"(?<![A-Za-z0-9])(?:SMD\s?(2835|3528|3014|5050|5630|5730|2216)|(2835|3528|3014|5050|5630"
        r"|5730|2216)\s?(?:SMD|LEDs?|chips?))(?![A-Za-z0-9])|LED\s+strips?\s+(2835|3528|5050|5630)",
        lambda m: next(g for g in m.groups() if g),
    ),
    _p("capacity", r"(?<![A-Za-z0-9.])(\d{3,6})\s?mAh(?![A-Za-z])", lambda m: f"{m.group(1)}mAh"),
    _p(
        "luminous_flux",
        r"(?<![A-Za-z0-9.])(\d{2,6})\s?(?:lm|lumens?)(?![A-Za-z])",
        lambda m: f"{m.group(1)}lm",
    ),
)

#: every attribute find_specs can return
ATTRIBUTES: tuple[str, ...] = tuple(dict.fromkeys(p.attribute for p in _PATTERNS))

# --- negation ----------------------------------------------------------------------------------

#: where a negation stops applying: punctuation and contrastive words start a new clause
_CLAUSE_BREAK = re.compile(r"[.;:!?\n。；！？，,]|\b(?:but|however|although|while|whereas)\b", re.I)
_NEG_BEFORE = re.compile(
    r"(?:\b(?:no|not|non|never|without|lacks?|lacking|missing|absent|neither|nor|none|fake|"
    r"false|cannot|can't|isn't|aren't|wasn't|weren't|doesn't|don't|didn't|hasn't|haven't|"
    r"hadn't|won't)\b|\bnon-|没有|不是|不(?!锈)|无|非(?!常))",
    re.IGNORECASE,
)
_NEG_AFTER = re.compile(
    r"^[\s\w-]{0,30}?\b(?:is|are|was|were)?\s*(?:missing|absent|fake|forged|false|invalid|expired|"
    r"not\s+(?:there|present|found|valid|real|genuine))\b|^\s*(?:不合格|没有|缺失)",
    re.IGNORECASE,
)
#: at most this many words between a negation and the spec it negates ("no CE or RoHS mark")
_NEG_WINDOW_WORDS = 4


#: how far back a spec's clause is looked for: a negation governs only the few words before it,
#: and scanning from the text's start for every spec made a long spec sheet quadratic
_CLAUSE_LOOKBACK = 300


def _clause_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max(0, start - _CLAUSE_LOOKBACK)
    if left:  # a window edge inside a word would cut "ano" to "no": start at the next word
        space = text.find(" ", left, start)
        left = space + 1 if space >= 0 else start
    for m in _CLAUSE_BREAK.finditer(text, left, start):
        if not (m.group(0) == "," and _inside_number(text, m.start())):
            left = m.end()
    right_m = _CLAUSE_BREAK.search(text, end)
    return left, (right_m.start() if right_m else len(text))


def _inside_number(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and text[i - 1].isdigit() and text[i + 1].isdigit()


def _is_negated(text: str, start: int, end: int) -> bool:
    """True when a negation word governs the spec at ``text[start:end]`` in its own clause."""
    left, right = _clause_bounds(text, start, end)
    before = text[left:start]
    for m in _NEG_BEFORE.finditer(before):
        gap = before[m.end() :]
        near = len(re.findall(r"[A-Za-z0-9]+", gap)) <= _NEG_WINDOW_WORDS
        if near and not re.search(r"\bonly\b", gap, re.I):  # "not only CE but also RoHS"
            return True
    if re.search(r"(?:^|\s)(?:not|no\s+longer)\s", text[start:end] + " ", re.I):
        return True  # the spec's own words: "not new", "the phones are not original"
    return bool(_NEG_AFTER.search(text[end:right]))


# --- extraction --------------------------------------------------------------------------------


#: a whitespace-free run longer than this is base64, a URL or a file name, not prose
_MAX_RUN = 40


def _in_long_run(text: str, start: int, end: int) -> bool:
    left = start
    while left > 0 and start - left <= _MAX_RUN and not text[left - 1].isspace():
        left -= 1
    right = end
    while right < len(text) and right - end <= _MAX_RUN and not text[right].isspace():
        right += 1
    return right - left > _MAX_RUN and not text[start:end].isspace() and " " not in text[start:end]


_CJK = re.compile("[\u4e00-\u9fff]")


@lru_cache(maxsize=1)
def _needs() -> tuple[tuple[str, ...] | None, ...]:
    """For each pattern, literal strings one of which every match contains ("ip", "mah",
    "stainless"), or None: a lower-cased text holding none of them cannot match, and the
    pattern is not run (exact: read from the regex's parse tree by :mod:`chatsignals.prefilter`)."""
    out = []
    for pattern in _PATTERNS:
        factors = required(pattern.regex.pattern, pattern.regex.flags)
        out.append(tuple(sorted(best(factors))) if factors else None)
    return tuple(out)


def _candidates(text: str) -> Iterable[Spec]:
    chinese = _CJK.search(text) is not None
    low = caseless(text)
    for pattern, needs in zip(_PATTERNS, _needs(), strict=True):
        if pattern.chinese and not chinese:
            continue
        if needs and low is not None and not any(literal in low for literal in needs):
            continue
        for m in pattern.regex.finditer(text):
            if not m.group(0).strip() or _in_long_run(text, m.start(), m.end()):
                continue
            value = pattern.value(m)
            if not value:
                continue
            raw = m.group(0).strip()
            start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
            yield Spec(pattern.attribute, value, raw, start, start + len(raw))


def find_specs(text: str) -> list[Spec]:
    """Every spec in ``text``, in order of appearance, overlapping matches resolved longest first.

    "IP65 waterproof, CE and RoHS certified" gives ip_rating IP65, waterproof, certificate CE,
    certificate RoHS; "label says IP20, strips are not waterproof" gives IP20 and a negated
    waterproof.
    """
    return list(_find_specs(text))


@lru_cache(maxsize=4096)
def _find_specs(text: str) -> tuple[Spec, ...]:
    """The specs of one text, worked out once: every clause of a long sentence is a promise of
    its own that carries the whole sentence, and each asks for its specs."""
    if not text:
        return ()
    chosen: list[Spec] = []
    taken = bytearray(len(text))  # characters already claimed by a longer spec
    ordered = sorted(_candidates(text), key=lambda s: (-(s.end - s.start), s.start))
    for spec in ordered:
        if any(taken[spec.start : spec.end]):
            continue
        taken[spec.start : spec.end] = b"\x01" * (spec.end - spec.start)
        chosen.append(spec)
    chosen.sort(key=lambda s: s.start)
    return tuple(
        Spec(s.attribute, s.value, s.raw, s.start, s.end, _is_negated(text, s.start, s.end))
        for s in chosen
    )


# --- comparison --------------------------------------------------------------------------------


def spec_key(spec: Spec) -> tuple[str, str]:
    """What a spec is *about*: two specs with the same key answer the same question.

    Certificates are about one certificate each (CE and RoHS do not contradict each other, CE and
    "no CE" do); stainless and aluminium grades are separate questions; conditions split into
    wear (new/used) and authenticity (original/counterfeit).
    """
    if spec.attribute == "certificate":
        return ("certificate", spec.value)
    if spec.attribute == "material_grade":
        return ("material_grade", spec.value.split(" ", 1)[-1])
    if spec.attribute == "condition":
        return ("condition", _CONDITION_GROUP.get(spec.value, spec.value))
    if spec.attribute in ("length", "thickness"):
        # "6 mm thick" and a measured "4 mm" answer the same question; "5 m" reels another one
        return ("measure", re.sub(r"[\d.]+", "", spec.value))
    return (spec.attribute, "")


def _ip_digits(value: str) -> tuple[int | None, int | None]:
    m = re.fullmatch(r"IP([0-6X])([0-9X])K?", value)
    if not m:
        return None, None
    solid, water = m.groups()
    return (None if solid == "X" else int(solid)), (None if water == "X" else int(water))


def _waterproof_from_ip(spec: Spec) -> bool | None:
    """IPx5 and above resist water jets: the usual meaning of "waterproof" for a product."""
    water = _ip_digits(spec.value)[1]
    if water is None:
        return None
    return (water >= 5) != spec.negated


def _ip_meets(promised: Spec, observed: Spec) -> bool:
    """An observed rating at least as protective as the promised one is no contradiction."""
    if promised.negated or observed.negated:
        return promised.negated == observed.negated and promised.value == observed.value
    p, o = _ip_digits(promised.value), _ip_digits(observed.value)
    for want, got in zip(p, o, strict=True):
        if want is not None and (got is None or got < want):
            return False
    return True


def _agrees(promised: Spec, observed: Spec) -> bool:
    if promised.attribute == "ip_rating" and observed.attribute == "ip_rating":
        return _ip_meets(promised, observed)
    return promised.value == observed.value and promised.negated == observed.negated


def _waterproof_view(spec: Spec) -> bool | None:
    if spec.attribute == "waterproof":
        return not spec.negated
    if spec.attribute == "ip_rating":
        return _waterproof_from_ip(spec)
    return None


def compare_specs(promised: Iterable[Spec], observed: Iterable[Spec]) -> list[tuple[Spec, Spec]]:
    """Pairs (promised, observed) about the same thing that disagree.

    A promised spec that some observed spec confirms gives no pair, even when another observed
    spec differs (a second mention is not a contradiction of a confirmed one). Waterproofing is
    also checked across IP ratings: "waterproof" against IP20, "IP65" against "not waterproof".
    """
    observed = list(observed)
    pairs: list[tuple[Spec, Spec]] = []
    for p in promised:
        same = [o for o in observed if spec_key(o) == spec_key(p)]
        if same and not any(_agrees(p, o) for o in same):
            pairs.append((p, same[0]))
            continue
        if same or _waterproof_view(p) is None:
            continue
        want = _waterproof_view(p)
        views = [(o, _waterproof_view(o)) for o in observed]
        views = [(o, v) for o, v in views if v is not None and o.attribute != p.attribute]
        if views and not any(v == want for _, v in views):
            pairs.append((p, views[0][0]))
    return pairs
