"""Signature blocks: the sign-off, name, title, phone and company lines below a mail's words.

The signature repeats in every mail, so it would drown the words that differ; it is kept in its
own column because a changed phone number or company line is itself evidence. The block is found
from the bottom of the sender's own text: a ``-- `` delimiter, a mobile footer ("Sent from my
iPhone", "发自我的iPhone"), a sign-off ("Best regards,", "Thanks,", "此致敬礼"), or a trailing
run of short signature-like lines that starts at a name, each such line short and none of them a
sentence. Real Enron mail (forge-enron-signatures) shows the common shapes: "Thanks,\\n\\nKim",
"Carolyn Graham / Enron NetWorks LLC / Vendor Management / 713-345-8008", a bare first name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

MAX_SIGNATURE_LINES = 12  # non-empty lines; longer trailing blocks are prose or a footer
MAX_LINE = 72

_DELIMITER = re.compile(r"^(--|-{4,}|—+|_{2,}|={4,})\s*$")
_MOBILE = re.compile(
    r"^(sent from my \w[\w\s-]*|sent from (mail|outlook|yahoo mail|my mobile|samsung|huawei)\b.*|"
    r"get outlook for \w+.*|sent (with|via|using) \S.*|envoyé de mon \w+.*|von meinem \w+ gesendet.*|"
    r"enviado desde mi \w+.*|发自我的.+|来自我的.+|从我的.+发送|发自.+(手机|客户端|邮箱).*)$",
    re.IGNORECASE,
)
_SIGNOFF = re.compile(
    r"^((best|kind|warm|warmest|kindest|many|with|best and)\s+(regards|wishes|thanks)|regards|rgds|"
    r"br|b\.r\.|thanks|thank\s+you|thx|tks|many\s+thanks|thanks\s+(again|a lot|so much|in advance)|"
    r"thank\s+you\s+(again|very much|so much|in advance)|thanks\s*(and|&)\s*(best\s+)?regards|"
    r"cheers|sincerely|yours(\s+(truly|sincerely|faithfully))?|sincerely\s+yours|best|"
    r"respectfully|take\s+care|love|all\s+the\s+best|talk\s+soon|greetings|mit\s+freundlichen\s+grüßen|"
    r"viele\s+grüße|cordialement|saludos|your\s+(pal|friend|buddy)|此致|此致敬礼|敬礼|祝好|谢谢|多谢|顺祝商祺|祝商祺|顺颂商祺|"
    r"祝.{1,6}(顺利|愉快|商祺)|best\s+regards\s+and\s+thanks)"
    r"\s*[,，.!！。]?(?-i:(\s*[A-Z\u4e00-\u9fff][\w.\u4e00-\u9fff-]*(\s+[A-Z][\w.-]*){0,2})?)\s*$",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(\+?\d[\d\s().\-/]{6,}\d)|(\b(x|ext\.?)\s?-?\d{3,6}\b)|(^|\s)\d-\d{4}\b", re.IGNORECASE
)
#: an address is tried only from the start of its local part (inside a long run it was quadratic)
_EMAIL_OR_URL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++\.[\w.-]+|https?://|www\.", re.IGNORECASE)
_TITLE = re.compile(
    r"\b(manager|director|sales|engineer|president|ceo|cfo|cto|coo|vp|analyst|assistant|"
    r"coordinator|specialist|officer|department|dept|tel|phone|mobile|mob|fax|cell|whatsapp|wechat|"
    r"skype|address|add|office|head of|lead|associate|consultant|counsel|attorney|trader|"
    r"representative|supervisor|executive|administrator|secretary|founder|owner|partner)\b|"
    r"电话|手机|传真|经理|总监|地址|邮箱|微信|主管|业务员|销售|总经理|董事长|部门",
    re.IGNORECASE,
)
_COMPANY = re.compile(
    r"\b(co\.?,?\s*ltd|ltd|llc|l\.l\.c|inc|corp|corporation|gmbh|ag|plc|limited|company|"
    r"group|industries|industrial|trading|technology|technologies|factory|enron)\b\.?|"
    r"有限公司|公司|工厂|集团",
    re.IGNORECASE,
)
_DISCLAIMER = re.compile(
    r"^(this (e-?mail|message|communication)|confidential|disclaimer|the information (contained|in)|"
    r"notice:|please consider the environment|本邮件|此邮件|免责声明)",
    re.IGNORECASE,
)
_NAME_TOKEN = re.compile(r"^([A-Z][a-zA-Z'\-]*\.?|[A-Z]\.|[\u4e00-\u9fff]{1,4})$")
_CONNECTORS = frozenset({"and", "&", "van", "von", "de", "der", "la", "le", "du", "y", "|", "-"})
_DISCLAIMER_WORDS = re.compile(
    r"confidential|privileged|intended\s+(solely\s+|only\s+)?for\s+the|intended\s+recipient|"
    r"disclaimer|unsubscribe|virus|保密|免责", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.?:;]$")


_NOT_NAMES = frozenset(
    "hello hi hey dear ok okay yes no sure thanks thank great good fine noted done attached "
    "see below pls please sorry urgent update reminder fyi ps p.s. bye welcome".split()
)


@lru_cache(maxsize=65536)
def _is_name_like(line: str) -> bool:
    """A short line that reads as a name: 1 to 4 capitalised words (or 1 to 4 Han characters)."""
    s = line.strip().rstrip(",")
    if not s or len(s) > 40 or line.strip().endswith((":", "?", ";", "!")):
        return False
    if s.split()[0].casefold().strip(".!,") in _NOT_NAMES:
        return False
    tokens = s.split()
    if not 1 <= len(tokens) <= 5 or not _NAME_TOKEN.match(tokens[0]):
        return False
    return all(_NAME_TOKEN.match(t) or t in _CONNECTORS for t in tokens)


@lru_cache(maxsize=65536)
def _is_strong(line: str) -> bool:
    """A line only a signature has: phone, address, URL, job title, company."""
    s = line.strip()
    return bool(
        _PHONE.search(s) or _EMAIL_OR_URL.search(s) or _TITLE.search(s) or _COMPANY.search(s)
        or _MOBILE.match(s)
    )


@lru_cache(maxsize=65536)
def _is_sig_like(line: str) -> bool:
    """Short and not a sentence: the raw material of a signature block."""
    s = line.strip()
    if not s:
        return True
    if len(s) > MAX_LINE or s.endswith("?"):
        return False
    if _is_strong(s):
        return True
    words = s.split()
    if _lowercase_words(words) >= 4:  # prose: "Call me if you have any questions"
        return False
    return not (len(words) >= 6 and _SENTENCE_END.search(s))


def _lowercase_words(words: list[str]) -> int:
    return sum(1 for w in words if w[:1].islower())


@dataclass
class _Sender:
    """What a signature line may repeat of its sender: name parts, initials, address."""

    tokens: set[str] = field(default_factory=set)
    initials: str = ""
    address: str = ""

    @classmethod
    def of(cls, name: str | None, address: str | None) -> _Sender:
        tokens: set[str] = set()
        for value in (name or "", (address or "").split("@")[0]):
            for token in re.split(r"[^\w]+", value):
                if len(token) >= 2 and not token.isdigit():
                    tokens.add(token.casefold())
        words = [w for w in re.split(r"[^\w]+", name or "") if w and w[0].isalpha()]
        initials = "".join(w[0] for w in words).casefold() if 2 <= len(words) <= 3 else ""
        return cls(tokens, initials, (address or "").casefold())

    def named_in(self, line: str) -> bool:
        """The line starts with the sender's name (or is their address, or initials + phone)."""
        s = line.strip()
        if self.address and self.address in s.casefold():
            return True
        words = [w.casefold() for w in re.split(r"[^\w]+", s) if w]
        if not words or not self.tokens:
            return False
        if words[0] in self.tokens and (_is_name_like(s) or _is_strong(s)):
            return True
        if len(words) == 1 and _is_name_like(s) and any(t in words[0] for t in self.tokens if len(t) >= 3):
            return True  # "JohnAnderson"
        return bool(self.initials) and words[0] == self.initials and _is_strong(s)


def _anchor(line: str, sender: _Sender) -> str | None:
    """What kind of signature start ``line`` can be, if any."""
    s = line.strip()
    if _DELIMITER.match(s):
        return "delimiter"
    if _MOBILE.match(s):
        return "mobile"
    if _SIGNOFF.match(s):
        return "signoff"
    if sender.named_in(s):
        return "sender"
    if _is_name_like(s):
        return "name"
    return None


def split_signature(
    text: str, sender_name: str | None = None, sender_address: str | None = None
) -> tuple[str, str]:
    """``(body, signature)`` of the sender's own text; signature is "" when none is found."""
    if not text:
        return "", ""
    lines = text.split("\n")
    start = signature_start(lines, sender_name, sender_address)
    if start is None:
        return text.strip("\n"), ""
    body = "\n".join(lines[:start]).rstrip()
    signature = "\n".join(lines[start:]).strip("\n")
    if not body.strip():  # a mail that is only a signature keeps its words as the body
        return text.strip("\n"), ""
    return body, signature


def signature_start(
    lines: list[str], sender_name: str | None = None, sender_address: str | None = None
) -> int | None:
    """Index of the first signature line in ``lines``, or None."""
    start = _delimiter_start(lines)
    block_start = _block_start(lines[: start if start is not None else len(lines)], sender_name, sender_address)
    if block_start is not None:
        start = block_start
    if start is None:
        start = _disclaimer_start(lines)
    return start


def _delimiter_start(lines: list[str]) -> int | None:
    """The ``-- `` line (or a bare ``--``) with a signature-sized tail below it."""
    for i, line in enumerate(lines):
        if _DELIMITER.match(line.rstrip()) and (line.startswith("-- ") or line.strip() == "--"):
            tail = [t for t in lines[i + 1 :] if t.strip()]
            if 0 < len(tail) <= 15:
                return i
    return None


def _block_start(lines: list[str], sender_name: str | None, sender_address: str | None) -> int | None:
    """The top of the trailing signature block, by scanning upward over signature-like lines."""
    sender = _Sender.of(sender_name, sender_address)
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    if not end:
        return None
    candidates: list[int] = []
    strong = False
    nonblank = 0
    i = end - 1
    while i >= 0:
        line = lines[i]
        if line.strip():
            if not _is_sig_like(line) and not _MOBILE.match(line.strip()):
                break
            nonblank += 1
            if nonblank > MAX_SIGNATURE_LINES:
                break
            kind = _anchor(line, sender)
            strong = strong or _is_strong(line)
            if kind and _accept(kind, strong, lines, i):
                candidates.append(i)
        i -= 1
    for start in reversed(candidates):  # the topmost start that leaves the mail some words
        if any(t.strip() for t in lines[:start]):
            return start
    return None


def _accept(kind: str, strong_below: bool, lines: list[str], i: int) -> bool:
    """Is a block starting at line ``i`` with an anchor of ``kind`` a signature?"""
    tail = [t.strip() for t in lines[i + 1 :] if t.strip()]
    if kind == "signoff":
        if re.search(r"[,，.!]\s*\S", lines[i]):  # "Thanks, Ben" / "Thanks. BT"
            return True
        if lines[i].strip().endswith((".", "!")):  # "Thank you very much." is a sentence...
            return bool(tail) and _is_name_like(tail[0])  # ...unless a name follows at once
        return bool(tail)  # a bare "Thanks" closing the mail is not a signature
    if kind in ("mobile", "sender", "delimiter"):
        return True
    above = _line_above(lines, i)
    after_signoff = bool(above) and bool(_SIGNOFF.match(above))
    separated = i == 0 or not lines[i - 1].strip() or after_signoff
    if not (after_signoff or _finished_prose(above)):
        return False  # a signature follows finished prose, not a list or a heading
    if strong_below:
        return separated or _is_strong(lines[i])
    return separated and not tail  # a lone name below a blank line, at the very end


def _line_above(lines: list[str], i: int) -> str:
    for k in range(i - 1, -1, -1):
        if lines[k].strip():
            return lines[k].strip()
    return ""


def _finished_prose(line: str) -> bool:
    """The line above a signature: empty, a finished sentence, or running prose (not a title
    or a list item, which a capitalised line below would merely continue)."""
    if not line or _lowercase_words(line.split()) >= 4:
        return True
    return line.endswith((".", "!", "?", ",", ")", "。", "！", "？", "，", "…", ":", ";", "：", "\""))


def _disclaimer_start(lines: list[str]) -> int | None:
    """A trailing confidentiality/company footer paragraph."""
    for i, line in enumerate(lines):
        if _DISCLAIMER.match(line.strip()) and (i == 0 or not lines[i - 1].strip()):
            paragraph = " ".join(lines[i : i + 8])
            if _DISCLAIMER_WORDS.search(paragraph):
                return i
    return None
