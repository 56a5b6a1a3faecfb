"""Quoted history in plain-text mail: what the sender wrote versus what they quoted.

An e-mail's evidence value is in the words its sender wrote that day; the history below (or,
for bottom posters, above) repeats older mails that are rows of their own. Lines are marked and
split, not guessed at with one regex, because clients differ:

* ``>`` lines are quotes wherever they are (inline replies keep the sender's lines between them);
* an attribution line (``On ... wrote:``, ``在 ... 写道：``, ``Am ... schrieb:``), possibly wrapped
  over up to three lines, starts a quote that runs over the following ``>`` and blank lines, or
  to the end of the mail when the client quotes without ``>``;
* a forward/original-message header (``-----Original Message-----``, ``-----原始邮件-----``,
  an Outlook ``From:/Sent:/To:/Subject:`` block, ``发件人：/发送时间：`` with either colon) cuts
  everything below it: Outlook-style clients always put the history last.
"""

from __future__ import annotations

import re

_WROTE = re.compile(
    r"(wrote|writes|schrieb|a\s+écrit|escribió|ha\s+scritto|schreef|skrev|kirjoitti|napisał|"
    r"написал[аи]?|пишет|yazdı|escreveu|写道|寫道|寫了|写了)\s*[:：]\s*$",
    re.IGNORECASE,
)
_ORIGINAL = re.compile(
    r"^[-_=*\s]{2,}+(original\s+message|forwarded\s+message|ursprüngliche\s+nachricht|"
    r"message\s+d'origine|mensaje\s+original|messaggio\s+originale|oorspronkelijk\s+bericht|"
    r"原始邮件|原始郵件|原邮件|转发邮件|轉寄郵件|邮件原文|forwarded\s+by\s.{1,120}?)[-_=*\s]{2,}+$",
    re.IGNORECASE,
)
_BEGIN_FORWARD = re.compile(r"^\s*(begin\s+forwarded\s+message|以下是转发的邮件)\s*[:：]?\s*$", re.I)
_HEADER_FROM = re.compile(
    r"^\s*+\*?+\s*+(from|de|von|van|da|od|от|发件人|發件人|寄件者|寄件人)\s*+\*?+\s*+[:：]", re.IGNORECASE
)
_HEADER_OTHER = re.compile(
    r"^\s*+\*?+\s*+(sent|date|to|cc|subject|gesendet|datum|an|betreff|envoyé|objet|à|enviado|"
    r"para|asunto|inviato|oggetto|verzonden|aan|onderwerp|发送时间|發送時間|日期|时间|時間|"
    r"收件人|抄送|主题|主題|收件者|副本|寄件日期|отправлено|дата|кому|тема|копия)\s*+\*?+\s*+[:：]",
    re.IGNORECASE,
)
_RULE = re.compile(r"^\s*[_\-=]{8,}\s*$")
_QUOTE = re.compile(r"^\s*>")


def _is_header_block(lines: list[str], i: int) -> bool:
    """True when line ``i`` opens a quoted-header block: a From line followed closely by
    Sent/To/Subject lines (two of them, so a sentence starting with "From:" is not enough)."""
    if not _HEADER_FROM.match(lines[i].replace("\u200e", "")):
        return False
    seen = 0
    for line in lines[i + 1 : i + 10]:  # Outlook 2003/2010 HTML puts values and blanks between
        text = line.replace("\u200e", "").strip()
        if _HEADER_OTHER.match(text):
            seen += 1
            if seen >= 2:
                return True
        elif len(text) > 80:
            break
    return False


_START = re.compile(
    r"^(on|am|le|el|em|il|op|den|dne|w\s+dniu|в|на|在|於|于|\d|mon|tue|wed|thu|fri|sat|sun|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|lundi|mardi)",
    re.IGNORECASE,
)


def _attribution_start(lines: list[str], end: int) -> int:
    """First line of an attribution ending at ``end``: clients wrap long ones over up to three
    lines, so climb while the line above continues it (an attribution opener, or a line cut
    after "<" or ",")."""
    start = end
    for _ in range(2):
        if _START.match(lines[start].strip()):
            break
        above = start - 1
        if above < 0 or not lines[above].strip() or _QUOTE.match(lines[above]):
            break
        text = lines[above].strip()
        if _START.match(text) or text.endswith(("<", ",", "\"")):
            start = above
        else:
            break
    return start


_DATED_ADDRESS = re.compile(r"\d{1,2}:\d{2}.*@[\w.-]+\.\w+>?\s*[:：]$")


def _is_attribution(line: str) -> bool:
    """"On ... wrote:", or (mail.ru, Yandex) a time and an address ending in a colon."""
    tail = line.rstrip()
    if not tail.endswith((":", "：")) or len(tail) >= 400:
        return False
    return bool(_WROTE.search(tail)) or bool(_DATED_ADDRESS.search(tail))


def _cut_index(lines: list[str]) -> int | None:
    """The first line of a forward/original-message header, after which everything is quoted."""
    for i, line in enumerate(lines):
        if _ORIGINAL.match(line) or _BEGIN_FORWARD.match(line) or _is_header_block(lines, i):
            if i > 0 and _RULE.match(lines[i - 1]):
                return i - 1
            return i
    return None


def split_quotes(text: str) -> tuple[str, str]:
    """``(own, quoted)``: the sender's lines and the quoted history, both stripped."""
    if not text:
        return "", ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    cut = _cut_index(lines)
    quoted_mask = [False] * len(lines)
    if cut is not None:
        for k in range(cut, len(lines)):
            quoted_mask[k] = True
    limit = cut if cut is not None else len(lines)
    i = 0
    while i < limit:
        if quoted_mask[i]:
            i += 1
            continue
        if _QUOTE.match(lines[i]):
            quoted_mask[i] = True
            i += 1
            continue
        if not _is_attribution(lines[i]):
            i += 1
            continue
        begin = _attribution_start(lines, i)
        end = i + 1
        rest = lines[end:limit]
        if not any(_QUOTE.match(line) for line in rest):
            end = limit  # a client that quotes without ">": the rest is history
        else:
            while end < limit and (not lines[end].strip() or _QUOTE.match(lines[end])):
                end += 1
        for k in range(begin, end):
            quoted_mask[k] = True
        i = end
    own = [line for line, q in zip(lines, quoted_mask, strict=True) if not q]
    quoted = [line for line, q in zip(lines, quoted_mask, strict=True) if q]
    return _tidy(own), _tidy(quoted)


def _tidy(lines: list[str]) -> str:
    """Join lines, dropping leading/trailing blank lines and runs of more than one blank line."""
    out: list[str] = []
    blank = False
    for line in lines:
        line = line.rstrip()
        if not line:
            if out and not blank:
                out.append("")
            blank = True
            continue
        blank = False
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
