"""Who is who: mapping senders (names, phone numbers, e-mail addresses, domains) to roles.

A party is named by a display name, an e-mail address, a domain (``@brightway.com``) or a phone
number. Phone numbers match on their digits (the last 9 when both have that many, so
``+86 138 0000 0000`` matches ``138-0000-0000``); names match case- and space-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

# starts only where an address can start: no retry inside a long run of letters (ReDoS)
_EMAIL = re.compile(r"(?<![^\s<>@,;])[^\s<>@,;]++@[^\s<>@,;]+\.[^\s<>@,;]+")
_PHONE_CHARS = re.compile(r"^[\s+()\-.\d\u202a\u202c\u200e\u200f]+$")
PHONE_MATCH_DIGITS = 9


def normalize_name(name: str) -> str:
    text = unicodedata.normalize("NFKC", name)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf",))
    return " ".join(text.casefold().split())


def phone_digits(value: str) -> str | None:
    """The digits of a phone number, or None when ``value`` is not one."""
    if not _PHONE_CHARS.match(value or ""):
        return None
    digits = re.sub(r"\D", "", value)
    return digits if len(digits) >= 6 else None


def email_address(value: str) -> str | None:
    match = _EMAIL.search(value or "")
    return match.group(0).casefold() if match else None


@dataclass
class Party:
    """One way of naming a party."""

    raw: str
    role: str
    kind: str = field(init=False)  # name, phone, email, domain
    key: str = field(init=False)

    def __post_init__(self) -> None:
        raw = self.raw.strip()
        if raw.startswith("@") and "." in raw and " " not in raw:
            self.kind, self.key = "domain", raw[1:].casefold()
        elif (addr := email_address(raw)) and " " not in raw.strip("<>"):
            self.kind, self.key = "email", addr
        elif (digits := phone_digits(raw)) is not None:
            self.kind, self.key = "phone", digits
        else:
            self.kind, self.key = "name", normalize_name(raw)

    def matches(self, sender: str | None, sender_id: str | None = None, address: str | None = None) -> bool:
        return any(bool(value) and self._matches_one(value) for value in (sender, sender_id, address) if value)

    def _matches_one(self, value: str) -> bool:
        if self.kind == "name":
            return normalize_name(value) == self.key
        if self.kind == "phone":
            digits = phone_digits(value)
            if not digits:
                return False
            n = min(len(digits), len(self.key), PHONE_MATCH_DIGITS)
            return digits[-n:] == self.key[-n:] and n >= 6
        addr = email_address(value)
        if not addr:
            return False
        if self.kind == "email":
            return addr == self.key
        domain = addr.rsplit("@", 1)[1]
        return domain == self.key or domain.endswith("." + self.key)


@dataclass
class Parties:
    """The user's statement of who is the seller and who is the buyer."""

    seller: list[str] = field(default_factory=list)
    buyer: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, seller: Iterable[str] | str | None = None, buyer: Iterable[str] | str | None = None) -> Parties:
        def as_list(v: Iterable[str] | str | None) -> list[str]:
            if v is None:
                return []
            return [v] if isinstance(v, str) else [str(x) for x in v]

        return cls(as_list(seller), as_list(buyer))

    @property
    def entries(self) -> list[Party]:
        return [Party(s, "seller") for s in self.seller] + [Party(b, "buyer") for b in self.buyer]

    def __bool__(self) -> bool:
        return bool(self.seller or self.buyer)

    def role_of(self, sender: str | None, sender_id: str | None = None, address: str | None = None) -> str | None:
        for party in self.entries:
            if party.matches(sender, sender_id, address):
                return party.role
        return None


def assign_roles(table: pd.DataFrame, parties: Parties) -> pd.DataFrame:
    """Set ``role`` for every row: the user's naming wins, then what the format said, then
    ``unknown``; system rows keep ``system`` (no sender) or ``platform`` (a platform notice).

    Works on the distinct (sender, sender_id, from_address) triples, so a million-row chat
    between two people costs two look-ups.
    """
    role = table["role"].astype("object").where(table["role"].notna(), None)
    if parties and len(table):
        keys = pd.DataFrame(
            {
                "sender": table["sender"].astype("object"),
                "sender_id": table["sender_id"].astype("object"),
                "from_address": table["from_address"].astype("object"),
            }
        ).fillna("")
        codes, uniques = pd.factorize(pd.MultiIndex.from_frame(keys))
        found = [parties.role_of(s or None, i or None, a or None) for s, i, a in uniques]
        lookup = pd.Series(found, dtype="object").to_numpy()
        per_row = pd.Series(lookup[codes], index=table.index)
        fixed = role.isin(["system", "platform"])
        role = role.where(per_row.isna() | fixed, per_row)
    is_sys = table["is_system"].astype(bool)
    no_sender = table["sender"].isna()
    default = pd.Series("unknown", index=table.index, dtype="object")
    default[is_sys & no_sender] = "system"
    default[is_sys & ~no_sender] = "platform"
    role = role.where(role.notna(), default)
    table = table.copy()
    table["role"] = role.astype("string")
    return table
