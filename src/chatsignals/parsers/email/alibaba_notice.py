"""Alibaba.com notification e-mails: the supplier's message inside a platform notice.

When a supplier writes on Alibaba Messenger while the buyer is away, Alibaba mails "You have a
new message from Lily Chen" / "Lily Chen sent you a message" with the message quoted. That
quote is the supplier's words, so it becomes a row with platform ``alibaba`` and the supplier
as sender; the notice's header columns (from_address, auth results, Message-ID) stay on the row
as provenance.
"""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

from .html import html_plain

if TYPE_CHECKING:
    from .mime import Parts

_DOMAINS = ("alibaba.com", "alibaba-inc.com", "alibaba.com.cn", "alibabacloud.com", "1688.com")
_SUBJECT_FROM = re.compile(
    r"(?:new\s+message|new\s+inquiry|new\s+reply)\s+from\s+(?P<name>.+?)(?:\s+on\s+alibaba\.com)?\s*[.!]?$"
    r"|您有(?:一条)?来自(?P<zh>.+?)的新消息",
    re.IGNORECASE,
)
_SENT_YOU = re.compile(
    r"^[^\S\n]*+(?P<who>.+?)(?<!\s)\s++(?:has\s++)?sent\s++you\s++(?:a\s++|an\s++|\d++\s++)?(?:new\s++)?"
    r"(?:message|messages|reply|inquiry)s?\s*(?:[:：.]\s*)?$"
    r"|^[^\S\n]*+(?P<zh>.+?)给您发送了(?:一条)?(?:新)?消息\s*(?:[:：]\s*)?$",
    re.IGNORECASE | re.MULTILINE,
)
_END = re.compile(
    r"^\s*(reply(\s+now)?|view\s+(the\s+)?(message|details|conversation|inquiry)|"
    r"this\s+e-?mail\s+was\s+sent|to\s+unsubscribe|立即回复|回复消息|查看详情|查看消息|"
    r"do\s+not\s+reply|download\s+the\s+alibaba)",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’「」"


def is_alibaba_sender(address: str | None) -> bool:
    if not address or "@" not in address:
        return False
    domain = address.rsplit("@", 1)[1].casefold()
    return any(domain == d or domain.endswith("." + d) for d in _DOMAINS)


def _body_text(parts: Parts) -> str:
    plain = "\n\n".join(p for p in parts.plain if p.strip())
    if plain:
        return plain.replace("\r\n", "\n")
    return html_plain("\n".join(parts.html)) if parts.html else ""


def _split_who(who: str) -> tuple[str, str | None]:
    """"Lily Chen from Shenzhen Brightway Lighting Co., Ltd" -> (name, company)."""
    who = who.strip().strip(_QUOTES).strip()
    if " from " in who:
        name, company = who.split(" from ", 1)
        return name.strip(), company.strip() or None
    return who, None


def extract(subject: str | None, body: str) -> tuple[str, str | None, str] | None:
    """``(supplier, company, message)`` of a notice, or None when this is not one."""
    name = company = None
    start = 0
    match = _SENT_YOU.search(body)
    if match:
        name, company = _split_who(match.group("who") or match.group("zh") or "")
        start = match.end()
    subject_match = _SUBJECT_FROM.search(subject or "")
    if subject_match:
        sname, scompany = _split_who(subject_match.group("name") or subject_match.group("zh") or "")
        name, company = name or sname, company or scompany
    if not name or (not match and not subject_match):
        return None
    lines = []
    for line in body[start:].split("\n"):
        if _END.match(line):
            break
        lines.append(line.strip())
    message = "\n".join(lines).strip().strip(_QUOTES).strip()
    if not match:
        return None if not message else (name, company, message)
    return name, company, message


def notice_row(row: dict[str, Any], parts: Parts) -> dict[str, Any] | None:
    """The supplier's message as an ``alibaba`` row, or None when ``row`` is no notice."""
    if not is_alibaba_sender(row.get("from_address")):
        return None
    found = extract(row.get("subject"), _body_text(parts))
    if found is None:
        return None
    name, company, message = found
    out = dict(row)
    key = hashlib.sha256(f"notice:{name.casefold()}".encode()).hexdigest()[:12]
    out.update(
        platform="alibaba",
        sender=name,
        sender_id=None,
        text=message,
        quoted_text=None,
        signature=None,
        message_type="text",
        conversation_id=f"alibaba-{key}",
        conversation_title=f"{name} ({company})" if company else name,
    )
    return out
