"""One RFC 5322 message (bytes) into one message-table row.

Parsing uses the stdlib ``email`` package with the ``compat32`` policy: it never raises on
broken mail, records defects instead, and is several times faster than ``policy.default`` on
large mailboxes. Headers are then decoded here, so every encoded word goes through the charset
rules of :mod:`.charsets` (gb2312 read as gb18030, big5 as big5hkscs...).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC
from email import errors as email_errors
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

import pandas as pd

from . import alibaba_notice
from .charsets import decode_bytes, decode_header_value, scrub
from .html import MAX_HTML_CHARS, html_to_text
from .quotes import split_quotes
from .signature import split_signature
from .threads import conversation_for

MAX_DEPTH = 50  # MIME nesting deeper than this is reported, not followed
_PARSER = BytesParser(policy=compat32)
_ANGLE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+)\s*>")
#: starts only where a local part can begin (not inside one: that made a long run quadratic)
_BARE = re.compile(r"(?<![^\s<>@,;:\"'])[^\s<>@,;:\"']++@[^\s<>@,;:\"']+\.[^\s<>@,;:\"']+")
_HTML_META = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_:.-]+)", re.IGNORECASE)
_BASE64_DEFECTS = (
    email_errors.InvalidBase64PaddingDefect,
    email_errors.InvalidBase64CharactersDefect,
    getattr(email_errors, "InvalidBase64LengthDefect", email_errors.InvalidBase64PaddingDefect),
)


class BadMessage(Exception):
    """A message that cannot become a row; the reason goes into the tally as a skip."""


@dataclass
class Parts:
    """What a message's MIME tree holds."""

    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[str] = field(default_factory=list)
    hashes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def parse_bytes(data: bytes) -> Message:
    try:
        return _PARSER.parsebytes(data)
    except RecursionError:
        raise BadMessage("MIME nesting too deep") from None
    except Exception as exc:  # compat32 is forgiving; anything else is a broken message
        raise BadMessage(f"unreadable MIME ({exc.__class__.__name__})") from None


def raw_get(msg: Message, name: str) -> str | None:
    """A header as stored (8-bit bytes still surrogate-escaped), not compat32's Header object
    whose str() would turn them into U+FFFD."""
    key = name.casefold()
    for field_name, value in msg.raw_items():
        if field_name.casefold() == key:
            return value
    return None


def _index(msg: Message) -> dict[str, list[str]]:
    """Headers by lower-case name, as stored, in order (one pass instead of one per look-up)."""
    out: dict[str, list[str]] = {}
    for field_name, value in msg.raw_items():
        out.setdefault(field_name.casefold(), []).append(value)
    return out


def _first(index: dict[str, list[str]], name: str) -> str | None:
    values = index.get(name)
    return values[0] if values else None


def _header(index: dict[str, list[str]], name: str) -> str | None:
    value = _first(index, name)
    if value is None:
        return None
    text = decode_header_value(value).strip()
    return text or None


def _raw_header(index: dict[str, list[str]], name: str) -> str | None:
    value = _first(index, name)
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def split_address(raw: str | None) -> tuple[str | None, str | None]:
    """``(display name, address)`` from a From-like header, decoding the name afterwards so
    an encoded comma ("Last, First") cannot split it."""
    if not raw:
        return None, None
    raw = " ".join(str(raw).split())
    match = _ANGLE.search(raw)
    if match:
        name = raw[: match.start()].strip().strip('"').strip()
        address = match.group(1)
    else:
        pairs = [p for p in getaddresses([raw]) if p[1]]
        if pairs:
            name, address = pairs[0]
        else:
            bare = _BARE.search(raw)
            name, address = ("", bare.group(0)) if bare else (raw, "")
    name = decode_header_value(name).strip().strip('"').strip() if name else ""
    address = decode_header_value(address).strip().casefold() if address else ""
    return name or None, address or None


def address_list(raw: str | None) -> str | None:
    """Comma-separated addresses of a To/Cc header."""
    if not raw:
        return None
    if not any(ch in raw for ch in "\"()\\=") and raw.count("@") == len(_BARE.findall(raw)):
        found = [a.casefold() for a in _BARE.findall(raw)]  # plain lists: skip the slow parser
        return ", ".join(dict.fromkeys(found)) or None
    found = [decode_header_value(a).strip().casefold() for _, a in getaddresses([raw]) if a and "@" in a]
    if not found:
        found = [m.casefold() for m in _BARE.findall(raw)]
    return ", ".join(dict.fromkeys(found)) or None


def parse_date(raw: str | None) -> tuple[pd.Timestamp | None, str | None]:
    """``(utc timestamp, problem)``; a missing or unreadable Date gives ``(None, why)``."""
    if not raw:
        return None, "no Date header"
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None, f"unreadable Date {raw[:60]!r}"
    if when is None:
        return None, f"unreadable Date {raw[:60]!r}"
    if not 1971 <= when.year <= 2100:
        return None, f"implausible Date {raw[:60]!r}"
    if when.tzinfo is None:  # "-0000" or no zone: the sender's zone is unknown
        when = when.replace(tzinfo=UTC)
        if not re.search(r"-0000\s*$", raw):
            return pd.Timestamp(when), f"Date {raw[:60]!r} has no time zone: read as UTC"
    return pd.Timestamp(when).tz_convert("UTC"), None


def _defect_names(defects: list[Any]) -> list[str]:
    return [d.__class__.__name__ for d in defects]


_NAME_PARAM = re.compile(r"""(?:file)?name\s*=\s*(?:"([^"]*)"|([^;\s]+))""", re.IGNORECASE)


def _attachment_name(part: Message, index: int) -> str:
    raw = f"{raw_get(part, 'Content-Disposition') or ''};{raw_get(part, 'Content-Type') or ''}"
    if any("\udc80" <= ch <= "\udcff" for ch in raw):  # raw 8-bit name: decode the bytes
        match = _NAME_PARAM.search(raw)
        if match:
            return decode_header_value(match.group(1) or match.group(2))
    name = part.get_filename()
    if name:
        return decode_header_value(name).strip() or f"part-{index}"
    subtype = part.get_content_subtype() or "bin"
    return f"unnamed-part-{index}.{subtype}"


def _decode_text(part: Message, payload: bytes, is_html: bool) -> str:
    declared = part.get_content_charset()
    if declared is None and is_html:
        meta = _HTML_META.search(payload[:4096])
        declared = meta.group(1).decode("ascii", "ignore") if meta else None
    text, _how = decode_bytes(payload, declared)
    return text


def walk(part: Message, parts: Parts, depth: int = 0, counter: list[int] | None = None) -> None:
    """Collect bodies and attachments of ``part`` (depth-bounded, defects noted)."""
    counter = counter if counter is not None else [0]
    counter[0] += 1
    index = counter[0] - 1
    if depth > MAX_DEPTH:
        parts.problems.append(f"MIME nesting deeper than {MAX_DEPTH}: inner parts not read")
        return
    ctype = part.get_content_type()
    if ctype == "message/rfc822" or (part.is_multipart() and ctype.startswith("message/")):
        name = part.get_filename() or "forwarded-message.eml"
        data = _inner_bytes(part)
        parts.attachments.append(decode_header_value(name))
        parts.hashes.append(hashlib.sha256(data).hexdigest())
        return
    if part.is_multipart():
        for sub in part.get_payload():
            if isinstance(sub, Message):
                walk(sub, parts, depth + 1, counter)
        return
    _leaf(part, ctype, index, parts)


def _inner_bytes(part: Message) -> bytes:
    """The bytes of an attached message, for its hash (what the sender attached)."""
    inner = part.get_payload()
    try:
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            return inner[0].as_bytes()
        if isinstance(inner, str):
            return inner.encode("utf-8", "surrogateescape")
    except Exception:  # an attached message too broken to serialise: hash its text form
        return str(inner).encode("utf-8", "replace")
    return b""


def _leaf(part: Message, ctype: str, index: int, parts: Parts) -> None:
    disposition = str(raw_get(part, "Content-Disposition") or "").split(";")[0].strip().casefold()
    try:
        payload = part.get_payload(decode=True)
    except Exception as exc:
        parts.problems.append(f"part {index} ({ctype}) undecodable ({exc.__class__.__name__})")
        return
    if not isinstance(payload, bytes):
        payload = b""
    broken = [d for d in part.defects if isinstance(d, _BASE64_DEFECTS)]
    if broken:
        parts.problems.append(
            f"part {index} ({ctype}) has broken base64 ({', '.join(_defect_names(broken))}); "
            "decoded what was readable"
        )
    is_body = ctype in ("text/plain", "text/html") and disposition != "attachment"
    if ctype.startswith("multipart/"):  # a multipart whose boundary never appears
        parts.problems.append(f"part {index} ({ctype}) has no readable boundary; read as plain text")
        is_body, ctype = True, "text/plain"
    if is_body:
        text = _decode_text(part, payload, ctype == "text/html")
        if ctype == "text/html" and len(text) > MAX_HTML_CHARS:
            parts.problems.append(f"part {index} (text/html) over {MAX_HTML_CHARS:,} characters: cut")
        (parts.html if ctype == "text/html" else parts.plain).append(text)
        return
    parts.attachments.append(_attachment_name(part, index))
    parts.hashes.append(hashlib.sha256(payload).hexdigest())


def body_columns(
    parts: Parts, from_name: str | None, from_address: str | None
) -> dict[str, str | None]:
    """text, quoted_text and signature from the bodies (plain preferred, else HTML)."""
    quoted_html = signature_html = ""
    if parts.plain and any(p.strip() for p in parts.plain):
        raw = "\n\n".join(p for p in parts.plain if p.strip())
    elif parts.html:
        raw, quoted_html, signature_html = html_to_text("\n".join(parts.html))
    else:
        raw = ""
    own, quoted = split_quotes(raw)
    text, signature = split_signature(own, from_name, from_address)
    quoted = "\n\n".join(q for q in (quoted, quoted_html) if q)
    signature = "\n\n".join(s for s in (signature, signature_html) if s)
    return {"text": text, "quoted_text": quoted or None, "signature": signature or None}


def header_columns(msg: Message) -> dict[str, Any]:
    """Every header-derived column of one message."""
    index = _index(msg)
    from_name, from_address = split_address(_first(index, "from"))
    if not from_address and _first(index, "sender"):
        from_name, from_address = split_address(_first(index, "sender"))
    _, reply_to = split_address(_first(index, "reply-to"))
    auth = [" ".join(str(v).split()) for v in index.get("authentication-results", [])]
    if not auth:
        auth = ["Received-SPF: " + " ".join(str(v).split()) for v in index.get("received-spf", [])]
    received = index.get("received", [])
    date_raw = _raw_header(index, "date")
    subject = _header(index, "subject")
    return {
        "subject": subject,
        "conversation_title": subject,
        "from_name": from_name,
        "from_address": from_address,
        "sender": from_name or from_address,
        "sender_id": from_address,
        "reply_to": reply_to,
        "to": address_list(_raw_header(index, "to")),
        "cc": address_list(_raw_header(index, "cc")),
        "email_message_id": _raw_header(index, "message-id"),
        "in_reply_to": _raw_header(index, "in-reply-to"),
        "references": _raw_header(index, "references"),
        "auth_results": "\n".join(auth) or None,
        "received_first_hop": " ".join(str(received[-1]).split()) if received else None,
        "timestamp_raw": date_raw,
        "gmail_thread": _raw_header(index, "x-gm-thrid"),
    }


def message_row(msg: Message, locator: str, problems: list[str]) -> dict[str, Any]:
    """The row of one parsed message; ``problems`` collects what the tally must hear about."""
    if not msg.keys() and not msg.get_payload():
        raise BadMessage("empty message")
    if not any(raw_get(msg, h) for h in ("From", "Date", "Subject", "Message-ID", "To", "Sender")):
        raise BadMessage("no e-mail headers (From, Date, Subject, Message-ID, To)")
    head = header_columns(msg)
    parts = Parts()
    walk(msg, parts)
    problems.extend(parts.problems)
    if msg.defects:
        names = sorted(set(_defect_names(msg.defects)))
        problems.append(f"malformed MIME ({', '.join(names)}); read what was readable")
    return finish_row(head, parts, locator, problems)


def finish_row(head: dict[str, Any], parts: Parts, locator: str, problems: list[str]) -> dict[str, Any]:
    """Shared by .eml/mbox and .msg: body split, date, thread, Alibaba notices."""
    timestamp, date_problem = parse_date(head.get("timestamp_raw"))
    if date_problem:
        problems.append(date_problem if timestamp is not None else f"{date_problem}: timestamp left empty")
    row = dict(head)
    gmail_thread = row.pop("gmail_thread", None)
    row.update(body_columns(parts, head.get("from_name"), head.get("from_address")))
    row.update(
        timestamp=timestamp,
        source_locator=locator,
        attachments=list(parts.attachments),
        attachment_sha256=list(parts.hashes),
        is_system=False,
        is_deleted=False,
        is_edited=False,
        message_type="text" if row["text"] or not parts.attachments else "file",
        conversation_id=conversation_for(
            head.get("email_message_id"), head.get("in_reply_to"), head.get("references"),
            head.get("subject"), gmail_thread,
        ),
        reply_to_message_id=None,
    )
    for key, value in row.items():
        if isinstance(value, str):
            row[key] = scrub(value)
        elif isinstance(value, list):
            row[key] = [scrub(v) if isinstance(v, str) else v for v in value]
    notice = alibaba_notice.notice_row(row, parts)
    return notice if notice is not None else row


_BODY_BOUNDARY = re.compile(rb"(?m)^--([^\s\"]{6,200}?)\r?\n(?=content-)", re.IGNORECASE)
_HEADER_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"[^"]*"|[^;\s]+)""", re.IGNORECASE)


def _recover_boundary(data: bytes, msg: Message) -> Message | None:
    """Spam kits declare one boundary and use another; when the declared one never appears,
    re-read the message with the boundary its body actually uses."""
    if not any(isinstance(d, email_errors.StartBoundaryNotFoundDefect) for d in msg.defects):
        return None
    split = re.search(rb"\r?\n\r?\n", data)
    if not split:
        return None
    head, body = data[: split.start()], data[split.start() :]
    found = _BODY_BOUNDARY.search(body)
    if not found or not _HEADER_BOUNDARY.search(head):
        return None
    fixed = _HEADER_BOUNDARY.sub(b'boundary="' + found.group(1).replace(b"\\", b"") + b'"', head, count=1)
    retry = parse_bytes(fixed + body)
    return retry if retry.is_multipart() else None


def read_message(data: bytes, locator: str, problems: list[str]) -> dict[str, Any]:
    """Bytes of one message to its row; raises :class:`BadMessage` for an unreadable one."""
    msg = parse_bytes(data)
    recovered = _recover_boundary(data, msg)
    if recovered is not None:
        problems.append("declared MIME boundary never appears; read with the boundary the body uses")
        msg = recovered
    return message_row(msg, locator, problems)

