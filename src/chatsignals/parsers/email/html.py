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

from bs4 import BeautifulSoup, Comment, MarkupResemblesLocatorWarning, Tag

MAX_HTML_CHARS = 5_000_000  # larger HTML bodies are cut (and the cut reported by the caller)
CUT = "\u2063\u2063CHATSIGNALS-QUOTE-CUT\u2063\u2063"

_DROP = ("script", "style", "head", "title", "meta", "link", "noscript", "template", "iframe",
         "object", "embed", "svg", "xml")
_BLOCK = ("p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "pre",
          "hr", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer", "address",
          "center", "blockquote", "form", "fieldset")
#: containers holding quoted history
_QUOTE_SELECTORS = (
    "div.gmail_quote", "blockquote", "div.yahoo_quoted", "div.moz-cite-prefix",
    "div#mail-editor-reference-message-container", "div.OutlookMessageHeader",
    "div#isForwardContent", "div.protonmail_quote", "div.zmail_extra",
)
#: elements after which everything is quoted history (Outlook, Zimbra)
_CUT_SELECTORS = ("div#appendonsend", "div#divRplyFwdMsg", "hr#zwchr", "hr#stopSpelling",
                  "div#x_divRplyFwdMsg", "div#x_appendonsend")
_SIGNATURE_SELECTORS = ("div.gmail_signature", "div#Signature", "div.moz-signature",
                        "div[data-smartmail=gmail_signature]", "div#signature",
                        "div.signature")


def _soup(html: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        return BeautifulSoup(html, "lxml")


def _text_of(node: Tag | BeautifulSoup) -> str:
    """Visible text with line breaks where blocks and <br> are."""
    for br in node.find_all("br"):
        br.replace_with("\n")
    for tag in node.find_all(_BLOCK):
        tag.insert_before("\n")
        tag.insert_after("\n")
    text = node.get_text()
    text = text.replace("\xa0", " ").replace("\r", "")
    lines = [re.sub(r"[ \t]+", " ", line).strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def html_to_text(html: str) -> tuple[str, str, str]:
    """``(own_text, quoted_text, signature_text)`` of an HTML body."""
    if len(html) > MAX_HTML_CHARS:
        html = html[:MAX_HTML_CHARS]
    soup = _soup(html)
    for tag in soup.find_all(_DROP):
        tag.decompose()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    signatures = []
    for selector in _SIGNATURE_SELECTORS:
        for node in soup.select(selector):
            if node.parent is not None:
                signatures.append(_text_of(node.extract()))
    quoted = []
    for selector in _QUOTE_SELECTORS:
        for node in soup.select(selector):
            if node.parent is not None:  # not already taken out with an outer container
                quoted.append(_text_of(node.extract()))
    for selector in _CUT_SELECTORS:
        node = soup.select_one(selector)
        if node is not None and node.parent is not None:
            node.insert_before(CUT)
            break
    text = _text_of(soup)
    if CUT in text:
        text, after = text.split(CUT, 1)
        quoted.insert(0, after.strip())
    return text.strip(), "\n\n".join(q for q in quoted if q), "\n\n".join(s for s in signatures if s)


def html_plain(html: str) -> str:
    """All visible text of an HTML fragment (for notices whose quote sits in a container)."""
    soup = _soup(html[:MAX_HTML_CHARS])
    for tag in soup.find_all(_DROP):
        tag.decompose()
    return _text_of(soup)
