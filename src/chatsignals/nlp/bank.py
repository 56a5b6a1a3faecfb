"""Bank details in message text: IBANs (mod-97 checked), SWIFT/BIC codes with their country,
account numbers and beneficiary names.

Scams change where the money goes, so payment findings compare *accounts*, not words. This module
turns free text ("Beneficiary: WANG XIAOMING, A/C no. 848-123456-838, SWIFT HSBCHKHHHKH") into
normalised details that can be compared across messages.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# ISO 13616 IBAN lengths per country (the common ones; others accepted on mod-97 alone)
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20,
    "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
    "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IS": 26, "IT": 27, "JO": 30,
    "KW": 30, "KZ": 20, "LB": 28, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24,
    "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28,
    "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "TN": 24, "TR": 26, "UA": 29, "VG": 24, "XK": 20,
}

_IBAN = re.compile(r"\b([A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?)\b")
_SWIFT_CONTEXT = re.compile(
    r"\b(?:swift|bic|swift\s*code|swift/bic|bic/swift)\b[\s:：#.\-]*(?:code)?[\s:：#.\-]*([A-Za-z0-9]{8}(?:[A-Za-z0-9]{3})?)\b",
    re.IGNORECASE,
)
_SWIFT_BARE = re.compile(r"\b([A-Z]{4}(?:[A-Z]{2})[A-Z0-9]{2}(?:[A-Z0-9]{3})?)\b")
_ACCOUNT = re.compile(
    r"(?:\b(?:a/?c|acc(?:oun)?t|acount|accout|account\s*(?:no|number|num|#)|a/c\s*no|"
    r"bank\s*account|账号|帐号|账户)\b\.?|账号|帐号|账户)"
    r"[\s:：#.\-]*(?:no\.?|number|num)?[\s:：#.\-]*(\d[\d \-]{5,32}\d)",
    re.IGNORECASE,
)
_BENEFICIARY = re.compile(
    r"(?:\b(?:beneficiary(?:\s*name)?|benificiary|beneficary|account\s*name|acc(?:oun)?t\s*holder|"
    r"payee|receiver\s*name|in\s*the\s*name\s*of)\b|收款人|户名)"
    r"[\s:：#.\-]*((?:[^\n,;:：]|,\s*(?=(?:ltd|limited|inc|llc|gmbh|co\b|corp)))+)",
    re.IGNORECASE,
)
_BANK = re.compile(
    r"(?:\bbank\s*name\b|\bbeneficiary\s*bank\b|\bbank\b\s*[:：]|开户行|开户银行)[\s:：#.\-]*([^\n,;:：]{3,80})",
    re.IGNORECASE,
)
# words that are not a SWIFT code even though they look like one (8 or 11 capitals)
_NOT_SWIFT = frozenset(
    "ATTACHED CUSTOMER SHIPMENT SHIPPING QUANTITY DELIVERY BUSINESS TRANSFER PAYMENTS CONTRACT "
    "PLEASANT REMITTANCE ACCOUNTS FACTORYS QUESTION PRODUCTS SAMPLESS".split()
)
# ISO 3166 codes SWIFT codes use (only codes that occur as country there)
_COUNTRIES = frozenset(
    "AD AE AF AG AI AL AM AO AR AS AT AU AW AZ BA BB BD BE BF BG BH BI BJ BM BN BO BR BS BT BW BY BZ "
    "CA CD CF CG CH CI CK CL CM CN CO CR CU CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FK "
    "FM FO FR GA GB GD GE GG GH GI GL GM GN GQ GR GT GU GW GY HK HN HR HT HU ID IE IL IM IN IQ IR IS "
    "IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG "
    "MH MK ML MM MN MO MP MR MS MT MU MV MW MX MY MZ NA NC NE NG NI NL NO NP NR NZ OM PA PE PF PG PH "
    "PK PL PR PS PT PW PY QA RO RS RU RW SA SB SC SD SE SG SI SK SL SM SN SO SR SS ST SV SX SY SZ TC "
    "TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE VG VI VN VU WS XK YE ZA ZM ZW".split()
)


@dataclass(frozen=True)
class BankDetail:
    """One bank detail found in text. ``value`` is normalised for comparison."""

    kind: str  # iban, swift, account, beneficiary, bank
    value: str
    raw: str
    start: int
    end: int
    valid: bool | None = None  # IBAN mod-97 / SWIFT shape; None where there is no check
    country: str | None = None  # ISO country of an IBAN or SWIFT code


@dataclass
class BankAccount:
    """The account a message asks to pay to, assembled from its details."""

    iban: str | None = None
    account: str | None = None
    swift: str | None = None
    beneficiary: str | None = None
    bank: str | None = None
    country: str | None = None
    details: list[BankDetail] = field(default_factory=list)

    def key(self) -> str:
        """What identifies the account: the IBAN, else the account number, else SWIFT+name."""
        if self.iban:
            return f"iban:{self.iban}"
        if self.account:
            return f"acct:{self.account}"
        return f"swift:{self.swift or ''}|{self.beneficiary or ''}"

    def differences(self, other: BankAccount) -> list[str]:
        """The fields both accounts state and that differ (e.g. ['account', 'swift'])."""
        out = []
        for name in ("iban", "account", "swift", "beneficiary"):
            a, b = getattr(self, name), getattr(other, name)
            if a and b and normalise_name(a) != normalise_name(b):
                out.append(name)
        return out

    def describe(self) -> str:
        parts = []
        if self.beneficiary:
            parts.append(f"beneficiary {self.beneficiary}")
        if self.bank:
            parts.append(self.bank)
        if self.iban:
            parts.append(f"IBAN {self.iban}")
        if self.account:
            parts.append(f"account {self.account}")
        if self.swift:
            parts.append(f"SWIFT {self.swift}")
        return ", ".join(parts) or "an account"


def normalise_name(value: str) -> str:
    return " ".join(re.sub(r"[^\w]+", " ", value.casefold()).split())


def iban_is_valid(iban: str) -> bool:
    """ISO 13616 check: country length (where known) and mod-97 == 1."""
    code = re.sub(r"\s+", "", iban).upper()
    if not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]{8,30}", code):
        return False
    expected = IBAN_LENGTHS.get(code[:2])
    if expected and len(code) != expected:
        return False
    rearranged = code[4:] + code[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def swift_country(code: str) -> str | None:
    """The ISO country in a SWIFT/BIC code (letters 5-6), or None when the shape is wrong."""
    code = code.upper()
    if not re.fullmatch(r"[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?", code):
        return None
    return code[4:6] if code[4:6] in _COUNTRIES else None


def _clean_name(value: str) -> str:
    value = value[:80]
    value = re.split(r"\s{2,}|\b(?:bank|swift|account|a/c|iban|address)\b", value, maxsplit=1, flags=re.I)[0]
    return value.strip(" .:-\t\"'")


def extract_bank_details(text: str) -> list[BankDetail]:
    """Every IBAN, SWIFT/BIC, account number, beneficiary and bank name in ``text``, in order."""
    if not text:
        return []
    found: list[BankDetail] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for m in _IBAN.finditer(text.upper()):
        raw = text[m.start(1) : m.end(1)]
        value = re.sub(r"\s+", "", raw).upper()
        if len(value) < 15 or not value[2:4].isdigit():
            continue
        valid = iban_is_valid(value)
        if not valid and not re.search(r"iban", text[max(0, m.start() - 20) : m.start()], re.I):
            continue  # an invalid code without the word IBAN is probably something else
        found.append(BankDetail("iban", value, raw, m.start(1), m.end(1), valid, value[:2]))
        taken.append((m.start(1), m.end(1)))
    for m in _SWIFT_CONTEXT.finditer(text):
        code = m.group(1).upper()
        country = swift_country(code)
        if free(m.start(1), m.end(1)):
            found.append(BankDetail("swift", code, m.group(1), m.start(1), m.end(1), country is not None, country))
            taken.append((m.start(1), m.end(1)))
    for m in _SWIFT_BARE.finditer(text):
        code = m.group(1)
        if code in _NOT_SWIFT or not free(m.start(1), m.end(1)):
            continue
        country = swift_country(code)
        if country is None or (not re.search(r"\d|X{3}$", code[6:]) and code[6:8].isalpha() and len(code) == 8):
            continue  # bare 8-letter words are too often ordinary words
        found.append(BankDetail("swift", code, code, m.start(1), m.end(1), True, country))
        taken.append((m.start(1), m.end(1)))
    for m in _ACCOUNT.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if len(digits) < 6 or not free(m.start(1), m.end(1)):
            continue
        found.append(BankDetail("account", digits, m.group(1), m.start(1), m.end(1)))
        taken.append((m.start(1), m.end(1)))
    for kind, pattern in (("beneficiary", _BENEFICIARY), ("bank", _BANK)):
        for m in pattern.finditer(text):
            name = _clean_name(m.group(1))
            if len(name) < 3 or not free(m.start(1), m.start(1) + len(name)):
                continue
            found.append(BankDetail(kind, name, m.group(1), m.start(1), m.start(1) + len(name)))
            taken.append((m.start(1), m.start(1) + len(name)))
    found.sort(key=lambda d: d.start)
    return found


def account_from_details(details: list[BankDetail]) -> BankAccount | None:
    """The account the details describe (the first of each kind), or None when there is no
    IBAN, account number or SWIFT code among them (a name alone is no account)."""
    first: dict[str, BankDetail] = {}
    for d in details:
        first.setdefault(d.kind, d)
    if not any(k in first for k in ("iban", "account", "swift")):
        return None
    acct = BankAccount(
        iban=first["iban"].value if "iban" in first else None,
        account=first["account"].value if "account" in first else None,
        swift=first["swift"].value if "swift" in first else None,
        beneficiary=first["beneficiary"].value if "beneficiary" in first else None,
        bank=first["bank"].value if "bank" in first else None,
        details=list(details),
    )
    acct.country = (first["iban"].country if "iban" in first else None) or (
        first["swift"].country if "swift" in first else None
    )
    return acct


def account_in_text(text: str) -> BankAccount | None:
    """Shortcut: the account stated in ``text``, if any."""
    return account_from_details(extract_bank_details(text))
