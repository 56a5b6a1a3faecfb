"""Splitting a body never loses a line: text + quoted_text + signature hold every line."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from chatsignals.parsers.email.quotes import split_quotes
from chatsignals.parsers.email.signature import split_signature

FRAGMENTS = [
    "Dear Tom,", "pls pay balance today", "> old line", "On Mon, Mar 17, 2025 at 1:01 AM Lily <l@x.com> wrote:",
    "-----Original Message-----", "From: Lily", "Sent: Monday", "To: Tom", "Subject: PI", "-- ",
    "Best regards,", "Lily Chen", "Sales Manager", "Tel: +86 138 0000 0000", "Sent from my iPhone",
    "-----原始邮件-----", "发件人：Tom", "发送时间：2025年4月7日", "主题：货期", "货物将于下周发出。", "",
    "在 2025-04-09 10:02，王经理 写道：", "Thanks,", "Kim", "www.brightway-lighting.com",
]


def _lines(*texts: str) -> Counter[str]:
    """Non-blank lines, with CR and CRLF read as line ends (as mail bodies are)."""
    normal = (t.replace("\r\n", "\n").replace("\r", "\n") for t in texts)
    return Counter(line.strip() for text in normal for line in text.split("\n") if line.strip())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=40), max_size=25))
def test_every_non_blank_line_survives_the_split(lines):
    text = "\n".join(lines)
    own, quoted = split_quotes(text)
    body, signature = split_signature(own, "Lily Chen", "lily@brightway-lighting.com")
    assert _lines(body, quoted, signature) == _lines(text)
