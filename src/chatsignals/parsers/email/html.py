"""HTML mail to text, with the quoted history and signature containers taken out first.

Webmail and desktop clients mark what they quote: Gmail ``div.gmail_quote``, Apple and
Thunderbird ``blockquote type=cite``, Outlook ``#divRplyFwdMsg`` after ``#appendonsend``, Yahoo
``div.yahoo_quoted``, Zimbra ``hr#zwchr``. Reading those marks is more reliable than reading the
flattened text, so they are handled on the tree; whatever remains still goes through the
plain-text splitter. Parsing is BeautifulSoup + lxml: no network, no entity resolution, scripts
and styles dropped.
"""

from __future__ import annotations

import re
import warnings

from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    MarkupResemblesLocatorWarning,
    ProcessingInstruction,
    Tag,
    XMLParsedAsHTMLWarning,
)
from bs4.element import NavigableString  # where it is defined (bs4 does not re-export it)

MAX_HTML_CHARS = 2_000_000  # larger HTML bodies are cut (and the cut reported by the caller)
CUT = "\u2063\u2063CHATSIGNALS-QUOTE-CUT\u2063\u2063"

_DROP = ("script", "style", "head", "title", "meta", "link", "noscript", "template", "iframe",
         "object", "embed", "svg", "xml")
_BLOCK = ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre",
          "hr", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer", "address",
          "center", "blockquote", "form", "fieldset")
#: classes and ids of containers holding quoted history
_QUOTE_CLASSES = frozenset({"gmail_quote", "yahoo_quoted", "moz-cite-prefix", "OutlookMessageHeader",
                            "protonmail_quote", "zmail_extra"})
_QUOTE_IDS = frozenset({"mail-editor-reference-message-container", "isForwardContent"})
#: ids of elements after which everything is quoted history (Outlook, Zimbra)
_CUT_IDS = frozenset({"appendonsend", "divRplyFwdMsg", "x_divRplyFwdMsg", "x_appendonsend",
                      "zwchr", "stopSpelling"})
_SIGNATURE_CLASSES = frozenset({"gmail_signature", "moz-signature", "signature"})
_SIGNATURE_IDS = frozenset({"Signature", "signature"})


def _kind(tag: Tag) -> str | None:
    """What a tag is for the split: drop, quote, cut, signature, or nothing."""
    name = tag.name
    if name in _DROP:
        return "drop"
    if name == "blockquote":
        return "quote"
    if name not in ("div", "hr", "span", "section"):
        return None
    classes = tag.get("class") or ()
    ident = tag.get("id")
    if ident in _CUT_IDS:
        return "cut"
    if ident in _SIGNATURE_IDS or tag.get("data-smartmail") == "gmail_signature":
        return "signature"
    if any(c in _SIGNATURE_CLASSES for c in classes):
        return "signature"
    if ident in _QUOTE_IDS or any(c in _QUOTE_CLASSES for c in classes):
        return "quote"
    return None


MAX_DEPTH = 200  # deeper markup is read by the flat fallback: tree work on it is quadratic
_TAG = re.compile(r"<(/?)([a-zA-Z][\w:-]*)[^>]*?(/?)>")
_VOID = frozenset(
    "area base br col embed hr img input link meta param source track wbr p li td tr th option "
    "dt dd".split()
)
_FLAT_BLOCK = re.compile(r"<\s*/?\s*(p|div|br|tr|li|h[1-6]|table|blockquote|pre|hr)\b[^>]*>", re.I)
_FLAT_DROP = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.I | re.S)


def nesting_depth(html: str, stop: int = MAX_DEPTH) -> int:
    """The deepest element nesting in ``html`` (a linear scan; stops counting at ``stop``)."""
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.casefold() in _VOID:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        if depth > deepest:
            deepest = depth
            if deepest > stop:
                break
    return deepest


def flat_text(html: str) -> str:
    """Text of hostile markup without building a tree: blocks to line breaks, tags dropped."""
    import html as html_lib

    text = _FLAT_DROP.sub(" ", html)
    text = _FLAT_BLOCK.sub("\n", text)
    text = html_lib.unescape(re.sub(r"<[^>]*>", "", text)).replace("\xa0", " ")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(html, "lxml")


_SKIP_STRINGS = (Comment, Declaration, Doctype, ProcessingInstruction)


def _text_of(node: Tag | BeautifulSoup) -> str:
    """Visible text with line breaks where blocks and <br> are.

    An explicit stack, not tree edits: inserting a newline before each of 20,000 sibling
    <div>s costs a linear search each time (quadratic), walking costs nothing extra.
    """
    out: list[str] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str) and not isinstance(item, NavigableString):
            out.append(item)  # a marker pushed below
        elif isinstance(item, NavigableString):
            if not isinstance(item, _SKIP_STRINGS):
                out.append(str(item))
        elif isinstance(item, Tag):
            if item.name == "br":
                out.append("\n")
                continue
            block = item.name in _BLOCK
            if block:
                out.append("\n")
                stack.append("\n")
            stack.extend(reversed(item.contents))
    text = "".join(out).replace("\xa0", " ").replace("\r", "")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> tuple[str, str, str]:
    """``(own_text, quoted_text, signature_text)`` of an HTML body."""
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    if nesting_depth(html) > MAX_DEPTH:
        return flat_text(html), "", ""
    soup = _soup(html)
    found: dict[str, list[Tag]] = {"drop": [], "quote": [], "cut": [], "signature": []}
    for tag in soup.find_all(True):  # one pass: CSS selectors per kind would be 15 passes
        kind = _kind(tag)
        if kind:
            found[kind].append(tag)
    for tag in found["drop"]:
        tag.decompose()
    taken: set[int] = set()
    signatures = [_take(tag, taken) for tag in found["signature"]]
    quoted = [_take(tag, taken) for tag in found["quote"]]
    cuts = [tag for tag in found["cut"] if not _inside(tag, taken) and not tag.decomposed]
    if cuts:
        cuts[0].insert_before(CUT)
    text = _text_of(soup)
    if CUT in text:
        text, after = text.split(CUT, 1)
        quoted.insert(0, after.strip())
    return text.strip(), "\n\n".join(q for q in quoted if q), "\n\n".join(s for s in signatures if s)


def _inside(tag: Tag, taken: set[int]) -> bool:
    return id(tag) in taken or any(id(parent) in taken for parent in tag.parents)


def _take(tag: Tag, taken: set[int]) -> str:
    """Text of ``tag``, taken out of the tree ("" when an outer container already took it)."""
    if tag.decomposed or _inside(tag, taken):
        return ""
    taken.add(id(tag))
    return _text_of(tag.extract())


def html_plain(html: str) -> str:
    """All visible text of an HTML fragment (for notices whose quote sits in a container)."""
    html = html[:MAX_HTML_CHARS]
    if nesting_depth(html) > MAX_DEPTH:
        return flat_text(html)
    soup = _soup(html)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    return _text_of(soup)
