"""What the WeChat formats share: message type codes, app-message XML, media markers, notices.

WeChat stores a message's kind as a number (``Type``; ``SubType`` for type 49 "app messages":
files, links, quotes, transfers). Type 49 content is an XML document written by the sender's
client: it is read with defusedxml, so a crafted card cannot declare entities or reach out.
"""

from __future__ import annotations

import re
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from ...table import ParseTally

TYPE_NAMES: dict[int, str] = {
    1: "text",
    3: "image",
    34: "voice",
    37: "friend_request",
    42: "contact_card",
    43: "video",
    47: "sticker",
    48: "location",
    49: "link",
    50: "call",
    10000: "system",
    10002: "system",
}
#: type 49 sub-types
APP_SUBTYPES: dict[int, str] = {
    3: "music",
    4: "link",
    5: "link",
    6: "file",
    8: "sticker",
    19: "chat_history",
    33: "mini_program",
    36: "mini_program",
    51: "channel",
    57: "quote",
    2000: "transfer",
    2001: "red_packet",
}
#: the bracketed markers WeChat's text exports put where media was
MEDIA_MARKERS: dict[str, str] = {
    "图片": "image", "照片": "image", "image": "image", "photo": "image",
    "语音": "voice", "voice": "voice",
    "视频": "video", "video": "video",
    "表情": "sticker", "表情包": "sticker", "动画表情": "sticker", "sticker": "sticker",
    "文件": "file", "file": "file",
    "链接": "link", "link": "link", "音乐分享": "link", "小程序": "mini_program",
    "位置": "location", "location": "location", "名片": "contact_card",
    "转账": "transfer", "红包": "red_packet", "聊天记录": "chat_history",
    "语音通话": "call", "视频通话": "call",
}
MARKER = re.compile(r"^\[(?P<label>[^\[\]]{1,8})\](?P<rest>.*)$", re.S)
#: system notices WeChat writes into the conversation (recalls, greetings, new-message bars)
NOTICE = re.compile(
    r"撤回了一条消息|recalled a message|以下为新消息|以上是打招呼的内容|你已添加了|"
    r"现在可以开始聊天了|you have added .* as your (weixin|wechat) contact|"
    r"开启了朋友验证|消息已发出，但被对方拒收了|拍了拍|"
    r"^(以下|以上)是.*消息$",
    re.I,
)
RECALL = re.compile(r"撤回了一条消息|recalled a message", re.I)
#: a DOCTYPE with its internal subset; the subset does not run into the next "<!DOCTYPE" (each of
#: many unterminated ones scanned to the end of the text: quadratic)
DOCTYPE = re.compile(r"<!DOCTYPE[^\[>]*+(\[(?:[^<]|<(?!!DOCTYPE))*?\]\s*)?>", re.S | re.I)
UNKNOWN_ENTITY = re.compile(r"&(?!(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)")
_TAGS = re.compile(r"<[^>]{0,2000}>")
CJK = re.compile(r"[\u3400-\u9fff]")


def strip_tags(text: str) -> str:
    """Plain text from a notice that carries a little markup (recall links, CDATA)."""
    text = text.replace("<![CDATA[", "").replace("]]>", "")
    return " ".join(_TAGS.sub(" ", text).split())


def app_message(xml: str, tally: ParseTally) -> dict[str, Any]:
    """Title, description, file name, url and sub-type of a type-49 XML card.

    Hostile cards (DTDs, entities, external references) are not resolved: their text is kept
    with the tags stripped and a warning, so the message is still there."""
    body = xml.strip()
    if "<msg" in body and not body.startswith("<"):
        body = body[body.index("<msg") :]  # WeChat prefixes group messages with "wxid:\n"
    try:
        root = fromstring(body, forbid_dtd=True)
    except DefusedXmlException:
        # a crafted card: drop its DTD, keep entity references as the literal text they are
        tally.warn("a file/link card declared a DTD or entities: not resolved, kept as literal text")
        body = UNKNOWN_ENTITY.sub("&amp;", DOCTYPE.sub("", body))
        try:
            root = fromstring(body, forbid_dtd=True)
        except (DefusedXmlException, ParseError, ValueError):
            return {"title": strip_tags(body) or None, "des": None, "filename": None, "url": None, "subtype": None}
    except (ParseError, ValueError):
        return {"title": strip_tags(body) or None, "des": None, "filename": None, "url": None, "subtype": None}
    app = root.find("appmsg") if root.tag != "appmsg" else root
    if app is None:
        return {"title": None, "des": None, "filename": None, "url": None, "subtype": None}

    def text(path: str) -> str | None:
        node = app.find(path)
        value = (node.text or "").strip() if node is not None else ""
        return value or None

    subtype = text("type")
    refer = app.find("refermsg")
    quoted = None
    if refer is not None:
        who = (refer.findtext("displayname") or "").strip()
        what = (refer.findtext("content") or "").strip()
        quoted = f"{who}: {what}" if who else what
    return {
        "title": text("title"),
        "des": text("des"),
        "filename": text("appattach/filename") or (text("title") if subtype == "6" else None),
        "url": text("url"),
        "subtype": int(subtype) if subtype and subtype.isdigit() else None,
        "quoted": quoted or None,
        "amount": text("wcpayinfo/feedesc"),
        "memo": text("wcpayinfo/pay_memo"),
    }


def marker_kind(text: str) -> tuple[str, str] | None:
    """(message_type, rest) when a text-export body is a media marker like ``[图片]``."""
    match = MARKER.match(text.strip())
    if not match:
        return None
    kind = MEDIA_MARKERS.get(match["label"].strip().casefold())
    return (kind, match["rest"].strip()) if kind else None
