"""Facebook Messenger and Instagram direct messages: Meta's "Download your information" JSON.

Both products export ``{"participants": [...], "messages": [...], "title", "thread_path"}`` with
``sender_name``, ``timestamp_ms`` (UTC epoch ms), ``content``, media lists (``photos``,
``videos``, ``audio_files``, ``files``, ``gifs``, ``sticker``), ``share``, ``reactions`` and,
for Messenger, ``type`` (Generic, Share, Call, Subscribe, Unsubscribe) and ``is_unsent``.
Messenger's 2024 end-to-end-encrypted export (``senderName``, ``timestamp``, ``text``,
``media``, ``isUnsent``) is read too.

Meta writes the UTF-8 bytes of the text as if each byte were a latin-1 character
(``"\\u00e2\\u0080\\u0099"`` for ``'``); :func:`repair_mojibake` undoes that, and leaves text
alone that is already right (a character outside latin-1, or bytes that are not UTF-8).

Messages are newest first in the file; ``source_index`` keeps the file order (the table sorts
by time). Rows with neither content nor media (view-once or disappearing media that the
export leaves out) are kept with ``message_type`` ``unavailable``.

Messenger or Instagram? The files have the same shape, so :func:`which_product` weighs what the
content says, in this order:

1. media and share paths: ``your_instagram_activity/``, ``instagram.com``, ``ig.me/`` or
   ``cdninstagram`` mean Instagram; ``your_activity_across_facebook/``,
   ``your_facebook_activity/``, ``facebook.com``, ``messenger.com`` or ``fb.me/`` mean Messenger
   (the export's folder: ``messages/inbox`` sits under a product-named folder since 2023);
2. the file's own path, when a folder on it names the product (``instagram``, ``facebook``,
   ``messenger``);
3. Messenger-only message types (``"type": "Generic"``, ``Share``, ``Call``, ``Subscribe``,
   ``Unsubscribe``): Instagram exports since 2023 carry no message type;
4. otherwise Messenger.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from ..errors import InputError
from ..sources import Source
from ..table import ParseTally
from . import register
from .base import ParseOptions, Parser, ParseResult
from .telegram import EPOCH, head_text, load_json, short_hash

INSTAGRAM_MARKS = ("your_instagram_activity/", "instagram.com", "ig.me/", "cdninstagram")
MESSENGER_MARKS = (
    "your_activity_across_facebook/",
    "your_facebook_activity/",
    "facebook.com",
    "messenger.com",
    "fb.me/",
)
MESSENGER_TYPES = re.compile(r'"type"\s*:\s*"(Generic|Share|Call|Subscribe|Unsubscribe)"')
MEDIA_KEYS = (
    ("photos", "image"),
    ("videos", "video"),
    ("audio_files", "voice"),
    ("gifs", "image"),
    ("files", "file"),
)
#: Meta writes notices as ordinary messages whose text starts with the actor's name
#: ("Jane Doe joined the group.", "John Doe's poll has multiple updates."); they become system
#: rows. Only text that starts with the sender's own name (or "You") is tested, so a buyer's
#: "I added Lily to the group" stays a message.
ACTOR_NOTICES = re.compile(
    r"^(?:joined the group\.?$|left the group\.?$|added .+ to the group\.?$|removed .+ from the group\.?$"
    r"|named the group |changed the group photo|set the nickname|set your nickname|set (?:his|her|their) own nickname"
    r"|'s poll has multiple updates|created a poll: |voted for .+ in the poll|changed (?:his|her|their) vote"
    r"|liked a message|reacted .+ to your message|changed the theme|set the emoji to"
    r"|started sharing video|started a (?:video|audio) call|missed (?:a |an )?(?:video|audio) call"
    r"|joined the (?:video|audio) call|started a video chat)"
)
#: notices Meta writes without an actor prefix
BARE_NOTICES = re.compile(
    r"^(?:This poll is no longer available\.$|Reacted .+ to your message$|The video chat ended"
    r"|You are now connected on Messenger|You can now message and call each other)"
)


def is_notice(text: str, sender: str | None) -> bool:
    """True for Meta's notices written as messages (see :data:`ACTOR_NOTICES`)."""
    if not text or len(text) > 300:
        return False
    if BARE_NOTICES.match(text):
        return True
    for actor in (sender, "You"):
        if actor and text.startswith(actor):
            rest = text[len(actor) :]
            return bool(ACTOR_NOTICES.match(rest.lstrip(" ")))
    return False


def repair_mojibake(text: Any) -> str:
    """Undo Meta's latin-1 mis-encoding of UTF-8; text already right is returned unchanged."""
    if not isinstance(text, str):
        return "" if text is None else str(text)
    if text.isascii():
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def which_product(head: str, path_parts: tuple[str, ...]) -> str:
    """``instagram`` or ``messenger``: see the module docstring for the order of evidence."""
    low = head.casefold()
    ig = any(m in low for m in INSTAGRAM_MARKS)
    fb = any(m in low for m in MESSENGER_MARKS)
    if ig != fb:
        return "instagram" if ig else "messenger"
    folders = " ".join(p.casefold() for p in path_parts)
    if "instagram" in folders and not ("facebook" in folders or "messenger" in folders):
        return "instagram"
    if "facebook" in folders or "messenger" in folders:
        return "messenger"
    return "messenger"


def looks_like_meta(head: str) -> bool:
    """A JSON object with Meta's message fields (DYI or the 2024 E2EE layout)."""
    if not head.startswith("{") or '"messages"' not in head:
        return False
    dyi = '"sender_name"' in head and '"timestamp_ms"' in head
    e2ee = '"senderName"' in head and '"timestamp"' in head
    return dyi or e2ee


def _uris(value: Any) -> list[str]:
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [repair_mojibake(v["uri"]) for v in value if isinstance(v, dict) and v.get("uri")]


def _media(msg: dict[str, Any]) -> tuple[list[str], str | None]:
    attachments: list[str] = []
    kind: str | None = None
    for key, what in MEDIA_KEYS:
        found = _uris(msg.get(key))
        if found:
            attachments += found
            kind = kind or what
    if sticker := _uris(msg.get("sticker")):
        attachments += sticker
        kind = kind or "sticker"
    if media := _uris(msg.get("media")):  # 2024 E2EE layout
        attachments += media
        kind = kind or "file"
    share = msg.get("share")
    if isinstance(share, dict) and share.get("link"):
        attachments.append(repair_mojibake(share["link"]))
        kind = kind or "link"
    return attachments, kind


def _reactions(msg: dict[str, Any]) -> str | None:
    """``"❤️ Jane Doe; 👍 Tom Becker"``: one string, so the extra column writes to any output."""
    return "; ".join(_reaction_list(msg)) or None


def _reaction_list(msg: dict[str, Any]) -> list[str]:
    out = []
    for r in msg.get("reactions") or []:
        if isinstance(r, dict):
            out.append(
                f"{repair_mojibake(r.get('reaction'))} {repair_mojibake(r.get('actor'))}".strip()
            )
    return out


def _time(msg: dict[str, Any]) -> tuple[datetime | None, str | None]:
    """``timestamp_ms`` (or the E2EE ``timestamp``, also ms) as a UTC datetime, and the raw value."""
    raw = msg.get("timestamp_ms", msg.get("timestamp"))
    try:
        return EPOCH + timedelta(milliseconds=int(raw)), str(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None, None if raw is None else str(raw)


class MetaParser(Parser):
    """Shared reading of Messenger and Instagram files; the subclasses name the product."""

    suffixes = (".json",)

    def detect(self, source: Source) -> float:
        head = head_text(source)
        if not looks_like_meta(head):
            return 0.0
        return 0.9 if which_product(head, source.path.parts[:-1]) == self.platform else 0.0

    def parse(self, source: Source, options: ParseOptions) -> ParseResult:
        tally = self.new_tally(source)
        data = load_json(source)
        if not isinstance(data, dict) or not isinstance(data.get("messages"), list):
            product = "an Instagram" if self.platform == "instagram" else "a Messenger"
            raise InputError(source.display, f"JSON is not {product} export (no messages list)")
        title = repair_mojibake(data.get("title") or data.get("threadName")) or None
        thread = data.get("thread_path")
        conv = (
            f"{self.platform}-{short_hash(thread)}" if isinstance(thread, str) and thread else None
        )
        rows = []
        for i, msg in enumerate(data["messages"]):
            loc = f"$.messages[{i}]"
            if not isinstance(msg, dict):
                tally.skip(loc, "message is not a JSON object")
                continue
            row = self._row(msg, loc, tally)
            if row is None:
                continue
            row["conversation_title"] = title
            if conv:
                row["conversation_id"] = conv
            rows.append(row)
        return ParseResult(pd.DataFrame(rows), tally)

    @staticmethod
    def _row(msg: dict[str, Any], loc: str, tally: ParseTally) -> dict[str, Any] | None:
        sender = repair_mojibake(msg.get("sender_name", msg.get("senderName"))).strip() or None
        ts, raw = _time(msg)
        if ts is None:
            tally.skip(loc, "message without a readable timestamp_ms")
            return None
        text = repair_mojibake(msg.get("content", msg.get("text")))
        share = msg.get("share")
        if isinstance(share, dict) and share.get("share_text"):
            shared = repair_mojibake(share["share_text"])
            text = f"{text}\n{shared}" if text and shared not in text else text or shared
        attachments, kind = _media(msg)
        mtype = str(msg.get("type") or "")
        deleted = bool(msg.get("is_unsent") or msg.get("isUnsent"))
        system = (
            mtype in ("Subscribe", "Unsubscribe")
            or "users" in msg
            or (not attachments and is_notice(text, sender))
        )
        if mtype == "Call":
            system, kind = True, "call"
        if system:
            tally.system_lines += 1
        else:
            tally.messages += 1
        if deleted:
            kind = "deleted"
        elif not text and not attachments and not system:
            kind = "unavailable"
        return {
            "timestamp": ts,
            "timestamp_raw": raw,
            "sender": None if system else sender,
            "actor": sender if system else None,  # who triggered a notice
            "text": text,
            "is_system": system,
            "attachments": attachments,
            "message_type": "system" if system and kind != "call" else (kind or "text"),
            "is_deleted": deleted,
            "is_edited": False,
            "reactions": _reactions(msg),
            "source_locator": loc,
        }


@register
class MessengerParser(MetaParser):
    name = "messenger"
    platform = "messenger"
    description = (
        "Facebook Messenger JSON (Download your information, and the 2024 E2EE export): "
        "'messages' with sender_name/timestamp_ms; told from Instagram by media paths, folder, types"
    )


@register
class InstagramParser(MetaParser):
    name = "instagram"
    platform = "instagram"
    description = (
        "Instagram direct messages JSON (Download your information): 'messages' with "
        "sender_name/timestamp_ms; told from Messenger by instagram paths/links or the folder name"
    )
