"""E-mail header and identity signals: who really sent the seller's mails.

Business e-mail compromise hijacks the seller's identity rather than its words: a look-alike
domain (brightway-lightings.com), a Reply-To that sends answers elsewhere, mail that fails SPF,
DKIM or DMARC, a free-mail address suddenly replacing the company one. These rules read the
e-mail columns of the message table (from_address, from_name, reply_to, auth_results,
received_first_hop) and compare them with the seller's known domains: the facts' seller
addresses, the addresses of rows with role seller, and the first seller address of each thread.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from rapidfuzz.distance import Levenshtein

from ..table import finalize_findings, stable_id

FREE_MAIL = frozenset(
    "gmail.com googlemail.com yahoo.com yahoo.com.hk yahoo.co.uk ymail.com hotmail.com "
    "outlook.com live.com msn.com aol.com icloud.com me.com mail.com gmx.com gmx.de gmx.net "
    "web.de proton.me protonmail.com yandex.com yandex.ru mail.ru zoho.com 163.com 126.com "
    "yeah.net qq.com foxmail.com sina.com sina.cn sohu.com aliyun.com 139.com 189.cn "
    "tom.com 21cn.com naver.com daum.net hanmail.net rediffmail.com".split()
)
#: second-level suffixes under which the registrable domain has three labels
TWO_LEVEL_SUFFIXES = frozenset(
    "co.uk org.uk ac.uk com.cn net.cn org.cn gov.cn edu.cn com.hk net.hk org.hk co.jp ne.jp "
    "com.au net.au co.nz com.tr com.sg com.my com.tw co.kr co.in com.br com.mx co.za com.vn "
    "co.th com.ph com.pk com.sa com.eg co.id".split()
)
#: characters that look like a Latin letter (a small confusables table: Cyrillic, Greek, digits)
CONFUSABLES = {
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "ԁ": "d", "ɡ": "g", "һ": "h", "ӏ": "l", "ո": "n", "ս": "u", "ԛ": "q", "ԝ": "w",
    "ν": "v", "ο": "o", "α": "a", "ε": "e", "ι": "i", "κ": "k", "τ": "t", "ρ": "p", "ь": "b",
    "0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "3": "e", "ı": "l", "ł": "l",
}
#: letter groups that read as one letter at a glance (applied after CONFUSABLES)
DIGRAPHS = (("rn", "m"), ("vv", "w"), ("cl", "d"), ("nn", "m"))
MAX_EDITS = 2
REFERENCES = [
    "https://www.fbi.gov/how-we-can-help-you/scams-and-safety/common-scams-and-crimes/business-email-compromise",
    "https://www.ic3.gov/PSA/2023/PSA230609",
    "https://www.scamwatch.gov.au/types-of-scams/payment-redirection-scams",
]
#: starts only where a local part can begin (not inside one: that made a long run quadratic)
_ADDRESS = re.compile(r"(?<![^\s<>@,;\"'])[^\s<>@,;\"']++@([^\s<>@,;\"']+\.[^\s<>@,;\"']+)")
_AUTH = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*(fail|softfail|permerror|temperror|none|neutral|pass)\b", re.I)


# --- domains ------------------------------------------------------------------------------------


def domain_of(address: Any) -> str | None:
    """The domain of an address ("Lily <lily@x.com>" -> "x.com"), lower-cased, IDNA decoded."""
    if not isinstance(address, str):
        return None
    m = _ADDRESS.search(address)
    if not m:
        return None
    return decode_idna(m.group(1).casefold().rstrip(".>"))


def decode_idna(domain: str) -> str:
    """``xn--`` labels decoded to Unicode (so homoglyph tricks become visible)."""
    labels = []
    for label in domain.split("."):
        if label.startswith("xn--"):
            with contextlib.suppress(UnicodeError, ValueError):
                label = label.encode("ascii").decode("idna")
        labels.append(label)
    return ".".join(labels)


def registrable(domain: str) -> str:
    """The registrable domain: mail.brightway-lighting.com -> brightway-lighting.com."""
    labels = domain.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in TWO_LEVEL_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def split_name(domain: str) -> tuple[str, str]:
    """(name, suffix) of a registrable domain: brightway-lighting.com -> (brightway-lighting, com)."""
    reg = registrable(domain)
    name, _, suffix = reg.partition(".")
    return name, suffix


def skeleton(text: str) -> str:
    """What a string looks like: confusable characters folded to one Latin letter."""
    text = unicodedata.normalize("NFKC", text).casefold()
    for _ in range(2):  # twice: Cyrillic і -> i -> l
        text = "".join(CONFUSABLES.get(ch, ch) for ch in text)
    for pair, single in DIGRAPHS:
        text = text.replace(pair, single)
    return text


def lookalike_reason(domain: str, known: str) -> str | None:
    """Why ``domain`` imitates ``known`` (a short phrase), or None when it does not."""
    if registrable(domain) == registrable(known):
        return None
    name, suffix = split_name(domain)
    kname, ksuffix = split_name(known)
    if not name or len(kname) < 4:
        return None
    if not name.isascii() and skeleton(name) == skeleton(kname):
        return "non-Latin look-alike characters (punycode)"
    if name == kname and suffix != ksuffix:
        return f"same name, different ending (.{suffix} instead of .{ksuffix})"
    if name.replace("-", "") == kname.replace("-", ""):
        return "a hyphen added or removed"
    if skeleton(name) == skeleton(kname):
        return "look-alike characters (such as rn for m, 0 for o, 1 for l)"
    edits = Levenshtein.distance(name, kname)
    if 0 < edits <= MAX_EDITS and len(kname) >= 6:
        return _edit_phrase(name, kname, edits)
    if kname in name and len(name) - len(kname) <= 8:
        return "the real name with extra words around it"
    return None


def _edit_phrase(name: str, known: str, edits: int) -> str:
    if edits == 1 and len(name) == len(known) + 1:
        return "one letter added"
    if edits == 1 and len(name) + 1 == len(known):
        return "one letter left out"
    if edits == 1:
        return "one letter changed"
    return f"{edits} letters changed"


# --- the thread ---------------------------------------------------------------------------------


@dataclass
class Known:
    """The seller's and the buyer's known addresses and domains."""

    seller_domains: set[str] = field(default_factory=set)
    seller_addresses: set[str] = field(default_factory=set)
    seller_names: set[str] = field(default_factory=set)  # from the facts
    seller_row_names: set[str] = field(default_factory=set)  # display names on seller-domain mail
    buyer_addresses: set[str] = field(default_factory=set)
    buyer_domains: set[str] = field(default_factory=set)

    def is_buyer(self, row: Any) -> bool:
        addr = _address(row.from_address)
        dom = domain_of(row.from_address)
        return row.role == "buyer" or addr in self.buyer_addresses or (
            dom is not None and registrable(dom) in self.buyer_domains
        )


def _address(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    m = re.search(r"[^\s<>@,;\"']+@[^\s<>@,;\"']+", value)
    return m.group(0).casefold().rstrip(".>") if m else None


def _party_list(facts: Any, side: str) -> list[str]:
    parties = getattr(facts, "parties", None) if not isinstance(facts, dict) else facts.get("parties")
    if parties is None:
        return []
    values = parties.get(side, []) if isinstance(parties, dict) else getattr(parties, side, [])
    return [str(v) for v in values or []]


def known_parties(emails: pd.DataFrame, facts: Any) -> Known:
    """Known domains from the facts, then from rows the user marked seller/buyer, then the first
    non-buyer address of each thread."""
    known = Known()
    for side, addrs, doms in (
        ("seller", known.seller_addresses, known.seller_domains),
        ("buyer", known.buyer_addresses, known.buyer_domains),
    ):
        for entry in _party_list(facts, side):
            entry = entry.strip()
            if entry.startswith("@") and "." in entry:
                doms.add(registrable(entry[1:].casefold()))
            elif (addr := _address(entry)) is not None:
                addrs.add(addr)
                dom = domain_of(addr)
                if dom and registrable(dom) not in FREE_MAIL:
                    doms.add(registrable(dom))
            elif side == "seller":
                known.seller_names.add(" ".join(entry.casefold().split()))
    if not known.seller_domains:
        _domains_from_rows(emails, known)
    return known


def _domains_from_rows(emails: pd.DataFrame, known: Known) -> None:
    """Seller rows' most common company domain, else each thread's first non-buyer domain."""
    seller_rows = emails[emails["role"] == "seller"]
    counts = Counter(
        registrable(d) for d in map(domain_of, seller_rows["from_address"]) if d
    )
    company = [(d, n) for d, n in counts.most_common() if d not in FREE_MAIL]
    if company:
        known.seller_domains.add(company[0][0])
        return
    for _conv, group in emails.groupby("conversation_id", sort=False):
        for row in group.itertuples(index=False):
            dom = domain_of(row.from_address)
            if dom and not known.is_buyer(row) and registrable(dom) not in FREE_MAIL:
                known.seller_domains.add(registrable(dom))
                break


# --- the signals --------------------------------------------------------------------------------


def _when(ts: Any) -> str:
    try:
        if ts is None or pd.isna(ts):
            return "an undated e-mail"
    except (TypeError, ValueError):
        return "an undated e-mail"
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _finding(rule_id: str, severity: str, title: str, explanation: str, row: Any, score: float,
             evidence: str) -> dict[str, Any]:
    return {
        "finding_id": stable_id("F", rule_id, row.message_id),
        "rule_id": rule_id,
        "kind": "email",
        "severity": severity,
        "title": title,
        "explanation": " ".join(explanation.split()),
        "message_ids": [str(row.message_id)],
        "promise_ids": [],
        "score": score,
        "conversation_id": row.conversation_id,
        "timestamp": row.timestamp,
        "evidence": evidence,
        "references": REFERENCES,
    }


def reply_to_mismatch(row: Any, known: Known) -> dict[str, Any] | None:
    """Reply-To in another organisation than From: answers go to someone else."""
    src, dst = domain_of(row.from_address), domain_of(row.reply_to)
    if not src or not dst or registrable(src) == registrable(dst):
        return None
    free = registrable(dst) in FREE_MAIL
    score, severity = (0.75, "high") if free or registrable(dst) not in known.seller_domains else (0.5, "medium")
    reply = _address(row.reply_to) or dst
    return _finding(
        "email.reply_to_mismatch", severity, "Reply-To differs from the sender's domain",
        f"On {_when(row.timestamp)}, the e-mail from {_address(row.from_address)} set Reply-To "
        f"{reply}, so replies go to {'a free-mail address' if free else 'another domain'} "
        f"({dst}) instead of {src}.",
        row, score, f"From: {row.from_address} | Reply-To: {row.reply_to}",
    )


def lookalike_domain(row: Any, known: Known) -> list[dict[str, Any]]:
    """From or Reply-To domains that imitate a known seller domain."""
    out = []
    for header in ("from_address", "reply_to"):
        dom = domain_of(getattr(row, header))
        if not dom or registrable(dom) in known.seller_domains or registrable(dom) in FREE_MAIL:
            continue
        for real in sorted(known.seller_domains):
            reason = lookalike_reason(dom, real)
            if reason is None:
                continue
            label = "From" if header == "from_address" else "Reply-To"
            finding = _finding(
                "email.lookalike_domain", "critical", "Look-alike of the seller's domain",
                f"On {_when(row.timestamp)}, an e-mail with {label} {_address(getattr(row, header))} "
                f"came from {dom}, a look-alike of the seller's domain {real} ({reason}); confirm "
                f"any payment instruction by phone on a known number.",
                row, 0.9, f"{label}: {getattr(row, header)} | known domain: {real} | {reason}",
            )
            finding["finding_id"] = stable_id("F", "email.lookalike_domain", row.message_id, header)
            out.append(finding)
            break
    return out


def auth_failure(row: Any, known: Known) -> dict[str, Any] | None:
    """SPF, DKIM or DMARC failing in the receiving server's Authentication-Results."""
    if not isinstance(row.auth_results, str):
        return None
    failed = []
    for mech, result in _AUTH.findall(row.auth_results):
        if result.lower() in ("fail", "softfail", "permerror"):
            failed.append(f"{mech.lower()}={result.lower()}")
    if not failed:
        return None
    hard = any(f.endswith("=fail") for f in failed)
    return _finding(
        "email.auth_failure", "high" if hard else "medium", "E-mail failed sender authentication",
        f"On {_when(row.timestamp)}, the e-mail from {_address(row.from_address)} failed the "
        f"receiving server's sender checks ({', '.join(failed)}), so it may not come from "
        f"{domain_of(row.from_address)} at all.",
        row, 0.7 if hard else 0.45, f"Authentication-Results: {row.auth_results[:300]}",
    )


def sender_changes(group: pd.DataFrame, known: Known) -> list[dict[str, Any]]:
    """The seller's address or domain changing mid-thread, or free-mail replacing a company one."""
    out = []
    baseline: str | None = None
    for row in group.itertuples(index=False):
        if known.is_buyer(row):
            continue
        addr, dom = _address(row.from_address), domain_of(row.from_address)
        if not addr or not dom:
            continue
        if baseline is None:
            baseline = addr
            continue
        base_dom = registrable(domain_of(baseline) or "")
        now = registrable(dom)
        if now == base_dom:
            continue
        free = now in FREE_MAIL and base_dom not in FREE_MAIL
        what = "a free-mail address replaced the company address" if free else "the sender's domain changed"
        out.append(_finding(
            "email.sender_changed", "high", "Seller's e-mail address changed mid-thread",
            f"On {_when(row.timestamp)}, the seller's side wrote from {addr} instead of {baseline} "
            f"earlier in the same thread: {what}.",
            row, 0.65 if free else 0.55, f"earlier: {baseline} | now: {row.from_address}",
        ))
    return out


def free_mail_impostor(row: Any, known: Known) -> dict[str, Any] | None:
    """A free-mail sender using a known seller's name while the seller writes from a company
    domain (across threads: the impostor often starts a new one)."""
    dom = domain_of(row.from_address)
    if not dom or registrable(dom) not in FREE_MAIL or not known.seller_domains:
        return None
    name = " ".join(str(row.from_name or row.sender or "").casefold().split())
    if not name or name not in known.seller_names | known.seller_row_names:
        return None
    return _finding(
        "email.sender_changed", "high", "Seller's name used from a free-mail address",
        f"On {_when(row.timestamp)}, an e-mail signed {row.from_name or row.sender} came from the "
        f"free-mail address {_address(row.from_address)}, while the seller writes from "
        f"{', '.join(sorted(known.seller_domains))}.",
        row, 0.6, f"From: {row.from_address} | known domains: {', '.join(sorted(known.seller_domains))}",
    )


def find_email_signals(messages: pd.DataFrame, facts: Any = None) -> pd.DataFrame:
    """Every e-mail header and identity finding (kind ``email``) in ``messages``."""
    emails = _email_rows(messages)
    if not len(emails):
        return finalize_findings(pd.DataFrame())
    known = known_parties(emails, facts)
    known.seller_row_names = _seller_row_names(emails, known)
    found: list[dict[str, Any]] = []
    for row in emails.itertuples(index=False):
        if known.is_buyer(row):
            continue
        for check in (reply_to_mismatch, auth_failure, free_mail_impostor):
            if (f := check(row, known)) is not None:
                found.append(f)
        found += lookalike_domain(row, known)
    for _conv, group in emails.groupby("conversation_id", sort=False):
        found += sender_changes(group, known)
    return _table(found)


def _seller_row_names(emails: pd.DataFrame, known: Known) -> set[str]:
    """Display names used on mail from the seller's known domains."""
    names = set()
    for row in emails.itertuples(index=False):
        dom = domain_of(row.from_address)
        if dom and registrable(dom) in known.seller_domains and isinstance(row.from_name, str):
            names.add(" ".join(row.from_name.casefold().split()))
    return names


def _email_rows(messages: pd.DataFrame | None) -> pd.DataFrame:
    """Rows with a From address, in thread then time order, with every column used present."""
    if messages is None or not len(messages) or "from_address" not in messages.columns:
        return pd.DataFrame()
    rows = messages[messages["from_address"].notna()].copy()
    for col in ("from_name", "reply_to", "auth_results", "received_first_hop", "sender", "role",
                "timestamp"):
        if col not in rows.columns:
            rows[col] = None
    rows = rows.astype({"role": "object"}).assign(_order=range(len(rows)))
    rows["role"] = rows["role"].where(rows["role"].notna(), "unknown")
    rows = rows.sort_values(["conversation_id", "timestamp", "_order"], kind="mergesort",
                            na_position="last")
    return rows.reset_index(drop=True)


def _table(found: Iterable[dict[str, Any]]) -> pd.DataFrame:
    rows = list(found)
    if not rows:
        return finalize_findings(pd.DataFrame())
    frame = pd.DataFrame(rows).drop_duplicates("finding_id")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    return finalize_findings(frame)
