"""Outlook ``.msg`` files (OLE compound documents) through the optional extract-msg package.

extract-msg is imported only when a .msg is read, so the rest of chatsignals works without it;
a missing install is one clear error naming the extra to install.
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime
from typing import Any

from ...errors import InputError
from ...sources import Source
from .charsets import decode_bytes
from .mime import Parts, finish_row, header_columns, split_address

MISSING = "Outlook .msg needs the optional extra: pip install 'chatsignals[msg]'"


def _open(source: Source) -> Any:
    try:
        import extract_msg
    except ImportError:
        raise InputError(source.display, MISSING) from None
    try:
        return extract_msg.openMsg(str(source.path), delayAttachments=False)
    except Exception as exc:  # extract-msg raises many kinds for damaged files
        raise InputError(source.display, f"damaged Outlook .msg ({exc.__class__.__name__}: {exc})") from None


def _attachments(msg: Any, parts: Parts) -> None:
    for i, att in enumerate(getattr(msg, "attachments", None) or []):
        name = (
            getattr(att, "longFilename", None) or getattr(att, "shortFilename", None)
            or getattr(att, "displayName", None) or f"unnamed-attachment-{i}"
        )
        data = getattr(att, "data", None)
        if not isinstance(data, bytes | bytearray):
            inner = data
            data = (getattr(inner, "body", None) or "").encode("utf-8") if inner is not None else b""
            if not name.endswith(".msg"):
                name = f"{name}.msg"
        parts.attachments.append(str(name))
        parts.hashes.append(hashlib.sha256(bytes(data)).hexdigest())


def _head(msg: Any) -> dict[str, Any]:
    header = getattr(msg, "header", None)
    head = header_columns(header) if header is not None and len(header.keys()) else {}
    from_name, from_address = split_address(getattr(msg, "sender", None))
    defaults = {
        "subject": getattr(msg, "subject", None) or None,
        "from_name": from_name,
        "from_address": from_address,
        "email_message_id": getattr(msg, "messageId", None),
    }
    for key, value in defaults.items():
        if not head.get(key) and value:
            head[key] = value
    head["conversation_title"] = head.get("subject")
    head["sender"] = head.get("from_name") or head.get("from_address")
    head["sender_id"] = head.get("from_address")
    if not head.get("timestamp_raw"):
        when = getattr(msg, "date", None)
        head["timestamp_raw"] = format_datetime(when) if when is not None else None
    for key in ("to", "cc"):
        if not head.get(key):
            head[key] = _addresses(getattr(msg, key, None))
    return head


def _addresses(value: object) -> str | None:
    """Outlook's "Name <a@x>; Name <b@y>" recipient list as comma-separated addresses."""
    if not value:
        return None
    found = [split_address(item)[1] for item in str(value).split(";")]
    return ", ".join(a for a in found if a) or None


def read_msg(source: Source, problems: list[str]) -> dict[str, Any]:
    """The one row of an Outlook .msg file."""
    msg = _open(source)
    try:
        parts = Parts()
        body = getattr(msg, "body", None)
        if body:
            parts.plain.append(str(body))
        else:
            html = getattr(msg, "htmlBody", None)
            if html:
                parts.html.append(decode_bytes(html)[0] if isinstance(html, bytes) else str(html))
        _attachments(msg, parts)
        return finish_row(_head(msg), parts, "msg 0", problems)
    except InputError:
        raise
    except Exception as exc:
        raise InputError(source.display, f"damaged Outlook .msg ({exc.__class__.__name__})") from None
    finally:
        close = getattr(msg, "close", None)
        if close:
            close()
