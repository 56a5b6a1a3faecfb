"""``--redact``: mask phone numbers, e-mail addresses and account numbers (all but the last 4
digits) in everything the report shows. The tables in OUTDIR keep the evidence as it was."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+\-])([A-Za-z0-9._%+\-]++)@([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,4})?\b")
# digit runs of 7+ digits, possibly split by spaces, dashes or dots (phones, accounts, cards)
_DIGITS = re.compile(r"(?<![\w/])\+?\d(?:[\d \-.()]{5,}\d)(?![\w/])")


_DATE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}(?!\d)")


def _mask_digits(match: re.Match[str]) -> str:
    raw = match.group(0)
    digits = sum(ch.isdigit() for ch in raw)
    if digits < 7 or _DATE.match(raw):
        return raw
    keep = 4
    seen = 0
    out = []
    for ch in raw:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - keep else "•")
        else:
            out.append(ch)
    return "".join(out)


def _mask_email(match: re.Match[str]) -> str:
    user, domain = match.group(1), match.group(2)
    return f"{user[:1]}•••@{domain}"


def _mask_iban(match: re.Match[str]) -> str:
    raw = match.group(0)
    compact = raw.replace(" ", "")
    return compact[:2] + "•" * (len(compact) - 6) + compact[-4:]


def redact(text: str | None) -> str | None:
    """``text`` with e-mail addresses, IBANs and long digit runs masked (last 4 digits kept)."""
    if not text:
        return text
    text = _EMAIL.sub(_mask_email, text)
    text = _IBAN.sub(_mask_iban, text)
    return _DIGITS.sub(_mask_digits, text)
