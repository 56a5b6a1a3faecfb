"""Code detectors that rule files name under ``checks:`` (what words alone cannot decide).

Bank details are compared as accounts (``chatsignals.nlp.bank``), prices against the market price
the buyer gave in the facts, and links by their host name. Each check returns the character spans
of the original message text it rests on, so the finding can quote them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from ...nlp.bank import (
    BankAccount,
    BankDetail,
    account_from_details,
    extract_bank_details,
    swift_country,
)

Span = tuple[int, int]

#: host names (and their subdomains) that genuinely belong to the platform
PLATFORM_DOMAINS = (
    "alibaba.com", "alibaba-inc.com", "alibabagroup.com", "aliexpress.com", "alipay.com",
    "1688.com", "alicdn.com", "alibabacloud.com", "taobao.com", "tmall.com",
)
#: words of a company name; a beneficiary without any of them is probably a person
COMPANY_WORDS = frozenset(
    "co co. company ltd ltd. limited corp corporation inc inc. gmbh llc plc sa s.a. srl bv ag "
    "trading trade industrial industry industries technology technologies tech group factory "
    "manufacturing manufacturer import export imp exp international electronic electronics "
    "lighting enterprise enterprises holdings holding development supply supplies products "
    "textile textiles machinery equipment materials garment garments 有限公司 公司".split()
)
#: at most 10 labels before the TLD: an unbounded label run ("1.1.1.1...") was quadratic
_URL = re.compile(
    r"(?:https?://|www\.)[^\s<>\"']+|\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.){1,10}"
    r"(?:com|net|org|info|top|xyz|site|online|cn|hk|cc|co|io|biz|vip|shop|link|club)\b(?:/[^\s<>\"']*)?",
    re.IGNORECASE,
)
_PRICE = re.compile(
    r"(?:(?:usd|us\$|\$|eur|€|rmb|cny|¥)\s?(\d{1,6}(?:[.,]\d{1,3})?))|"
    r"(?:(\d{1,6}(?:[.,]\d{1,3})?)\s?(?:usd|us\$|\$|dollars?|eur|euros?))",
    re.IGNORECASE,
)
#: a price this far below the reference is "far below the market"
BELOW_MARKET_RATIO = 0.6


@dataclass
class CheckState:
    """What a conversation has established so far: the supplier's account(s) and country."""

    facts: Any = None
    known_accounts: list[BankAccount] = field(default_factory=list)
    supplier_country: str | None = None
    supplier_beneficiary: str | None = None

    @classmethod
    def from_facts(cls, facts: Any) -> CheckState:
        state = cls(facts=facts)
        pa = get_path(facts, "order", "payment_account")
        if pa is not None:
            swift = str(get_path(pa, "swift") or "") or None
            iban = str(get_path(pa, "iban") or "") or None
            account = str(get_path(pa, "account") or "") or None
            beneficiary = str(get_path(pa, "beneficiary") or "") or None
            acct = BankAccount(
                iban=re.sub(r"\s+", "", iban).upper() if iban else None,
                account=re.sub(r"\D", "", account) if account else None,
                swift=swift.upper() if swift else None,
                beneficiary=beneficiary,
            )
            acct.country = (acct.iban[:2] if acct.iban else None) or (
                swift_country(acct.swift) if acct.swift else None
            )
            if acct.iban or acct.account or acct.swift:
                state.known_accounts.append(acct)
            state.supplier_country = acct.country or country_code(get_path(pa, "country"))
            state.supplier_beneficiary = beneficiary
        return state

    def learn(self, account: BankAccount | None) -> None:
        """Remember the first account the seller gave; later ones are compared with it."""
        if account is None:
            return
        if not self.known_accounts:
            self.known_accounts.append(account)
        if self.supplier_country is None and account.country:
            self.supplier_country = account.country
        if self.supplier_beneficiary is None and account.beneficiary and is_company(account.beneficiary):
            self.supplier_beneficiary = account.beneficiary


COUNTRY_NAMES = {
    "china": "CN", "mainland china": "CN", "prc": "CN", "hong kong": "HK", "singapore": "SG",
    "taiwan": "TW", "germany": "DE", "turkey": "TR", "united arab emirates": "AE", "uae": "AE",
    "malaysia": "MY", "thailand": "TH", "vietnam": "VN", "india": "IN", "united states": "US",
    "usa": "US", "united kingdom": "GB", "uk": "GB",
}


def country_code(value: Any) -> str | None:
    """An ISO code from the facts' ``payment_account.country`` ("CN", "China", "Hong Kong")."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    return COUNTRY_NAMES.get(text.casefold())


def get_path(obj: Any, *path: str) -> Any:
    """``obj.a.b`` for pydantic models, dataclasses or dicts (and pydantic extra fields)."""
    for name in path:
        if obj is None:
            return None
        if isinstance(obj, dict):
            obj = obj.get(name)
            continue
        value = getattr(obj, name, None)
        if value is None:
            extra = getattr(obj, "model_extra", None) or {}
            value = extra.get(name)
        obj = value
    return obj


def is_company(name: str) -> bool:
    words = re.findall(r"[\w.]+", name.casefold())
    return any(w.strip(".") in COMPANY_WORDS or w in COMPANY_WORDS for w in words) or "公司" in name


@lru_cache(maxsize=16)  # the same message asks several times in a row; a long e-mail is not kept
def _bank_details(text: str) -> tuple[BankDetail, ...]:
    return tuple(extract_bank_details(text))


def bank_details(text: str) -> list[BankDetail]:
    """``extract_bank_details``, worked out once per text: the engine asks for a message's bank
    details up to four times (three checks and the account the conversation learns)."""
    return list(_bank_details(text))


def _account_spans(details: list[BankDetail], kinds: tuple[str, ...]) -> list[Span]:
    return [(d.start, d.end) for d in details if d.kind in kinds]


def bank_account_change(text: str, state: CheckState) -> list[Span]:
    """An account that differs from the supplier's known one (facts or first in the thread)."""
    account = account_from_details(bank_details(text))
    if account is None or not state.known_accounts:
        return []
    if any(same_account(account, known) for known in state.known_accounts):
        return []
    return _account_spans(account.details, ("iban", "account", "swift"))


def same_account(a: BankAccount, b: BankAccount) -> bool:
    """Same destination by what identifies it: IBAN, else account number, else SWIFT. A
    beneficiary spelled differently ("Co., Ltd" vs "Co. Ltd.") is not another account."""
    for name in ("iban", "account", "swift"):
        x, y = getattr(a, name), getattr(b, name)
        if x and y:
            return bool(re.sub(r"\W", "", x).upper() == re.sub(r"\W", "", y).upper())
    return True  # nothing comparable: no evidence of a change


def bank_person_beneficiary(text: str, state: CheckState) -> list[Span]:
    """A beneficiary that is a person, or a company other than the supplier."""
    details = bank_details(text)
    spans = []
    for d in details:
        if d.kind != "beneficiary":
            continue
        company = is_company(d.value)
        if (not company and looks_like_name(d.value)) or (
            company and state.supplier_beneficiary and _other_company(d.value, state.supplier_beneficiary)
        ):
            spans.append((d.start, d.end))
    return spans


#: words that follow "beneficiary" without being a name ("updated beneficiary details", "the
#: beneficiary is us")
_NOT_PAYEE = frozenset(
    "details detail info information is are us we our your their the same below above as new updated "
    "changed bank account name company".split()
)


def looks_like_name(value: str) -> bool:
    """A person's name: two to four alphabetic words, none of them a filler word ("WANG XIAOMING",
    "Li Mei"), or two to four Chinese characters; not "details" or "is us"."""
    words = value.replace("-", " ").split()
    if len(words) == 1 and 2 <= len(words[0]) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in words[0]):
        return True
    return 2 <= len(words) <= 4 and all(w.isalpha() and w.casefold() not in _NOT_PAYEE for w in words)


def _other_company(name: str, supplier: str) -> bool:
    from rapidfuzz import fuzz

    return fuzz.token_set_ratio(name.casefold(), supplier.casefold()) < 70


def bank_foreign_account(text: str, state: CheckState) -> list[Span]:
    """An IBAN/SWIFT country other than the supplier's (from the facts or the first account)."""
    if not state.supplier_country:
        return []
    return [
        (d.start, d.end)
        for d in bank_details(text)
        if d.kind in ("iban", "swift") and d.country and d.country != state.supplier_country
    ]


def reference_price(facts: Any) -> float | None:
    """The market price the buyer gave: the lowest ``order.items[].market_price``, else
    ``case.reference_price``."""
    prices = []
    for item in get_path(facts, "order", "items") or []:
        value = get_path(item, "market_price")
        if value is not None:
            prices.append(float(value))
    if prices:
        return min(prices)
    value = get_path(facts, "case", "reference_price")
    return float(value) if value is not None else None


def price_below_market(text: str, state: CheckState) -> list[Span]:
    """Prices in the message far below the facts' reference price."""
    ref = reference_price(state.facts)
    if not ref:
        return []
    spans = []
    for m in _PRICE.finditer(text):
        number = (m.group(1) or m.group(2)).replace(",", ".")
        try:
            value = float(number)
        except ValueError:
            continue
        if 0 < value < BELOW_MARKET_RATIO * ref:
            spans.append((m.start(), m.end()))
    return spans


def is_platform_host(host: str) -> bool:
    host = host.casefold().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in PLATFORM_DOMAINS)


def link_host(url: str) -> str:
    if not re.match(r"^[a-z][a-z0-9+.-]*://", url, re.I):
        url = "http://" + url
    try:
        return (urlsplit(url).hostname or "").casefold()
    except ValueError:
        return ""


def non_platform_link(text: str, state: CheckState) -> list[Span]:
    """Links whose host is not the platform's own (alibaba.com and its group's domains)."""
    spans = []
    for m in _URL.finditer(text):
        host = link_host(m.group(0))
        if host and "." in host and not is_platform_host(host):
            spans.append((m.start(), m.end()))
    return spans


_PAYEE = re.compile(
    r"\b(?:to|name|named|beneficiary|receiver|payee|holder|account\s+of)\s*[:：]?\s+"
    r"(?:(?:Mr|Mrs|Ms|Miss|Madam)\.?\s+)?((?:[A-Z][a-z]+|[A-Z]{2,})(?:[ -](?:[A-Z][a-z]+|[A-Z]{2,})){1,2})\b"
)
_MONEY = re.compile(
    r"\b(?:pay|paid|payment|remit|remittance|transfer|wire|western\s+union|moneygram|deposit|"
    r"balance|fee|usd|rmb|money|beneficiary|account|a/c|alipay|paypal)\b|\$",
    re.IGNORECASE,
)
_NOT_NAMES = frozenset(
    "bank china hong kong union western trade assurance alibaba alipay paypal dhl fedex ups "
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday usd rmb eur swift iban account "
    "company ltd limited co shenzhen guangzhou shanghai beijing ningbo yiwu the our your my "
    "dear sir madam mr mrs ms miss team department office branch new old "
    # banks: "only pay to ICBC Zhangjiagang as in PI" names the bank, not a person
    "icbc boc ccb abc hsbc citi citibank dbs ocbc uob bnp santander barclays commerzbank deutsche "
    "standard chartered cmb spdb cib bocom agricultural industrial construction merchants "
    "communications".split()
)


def person_payee(text: str, state: CheckState) -> list[Span]:
    """A person's name as the one to pay ("send by Western Union to Chen Xiaoli")."""
    spans = []
    for m in _PAYEE.finditer(text):
        before = text[max(0, m.start() - 80) : m.start()]
        if not _MONEY.search(before):
            continue  # "send these updates to Lance Schuler" names no payee
        name = m.group(1)
        words = name.casefold().replace("-", " ").split()
        if any(w in _NOT_NAMES for w in words) or is_company(name):
            continue
        spans.append((m.start(1), m.end(1)))
    return spans


_PLATFORM_WORDS = re.compile(r"ali(?:baba|pay|express)|trade-?assurance|tradeassurance|\bali-|1688", re.I)


def platform_lookalike_link(text: str, state: CheckState) -> list[Span]:
    """Links whose host names the platform (alibaba-secure-pay.com, alipay-global.net) without
    being one of its domains: the core of a phishing notice."""
    spans = []
    for m in _URL.finditer(text):
        host = link_host(m.group(0))
        if host and "." in host and not is_platform_host(host) and _PLATFORM_WORDS.search(host):
            spans.append((m.start(), m.end()))
    return spans


CHECKS: dict[str, Callable[[str, CheckState], list[Span]]] = {
    "bank_account_change": bank_account_change,
    "bank_person_beneficiary": bank_person_beneficiary,
    "bank_foreign_account": bank_foreign_account,
    "price_below_market": price_below_market,
    "non_platform_link": non_platform_link,
    "person_payee": person_payee,
    "platform_lookalike_link": platform_lookalike_link,
}
