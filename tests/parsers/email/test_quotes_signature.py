"""Quoted history and signature blocks in the shapes real clients write them."""

from __future__ import annotations

import pytest

from chatsignals.parsers.email.html import html_to_text
from chatsignals.parsers.email.quotes import split_quotes
from chatsignals.parsers.email.signature import split_signature


@pytest.mark.parametrize("colon", ["：", ":"])
def test_chinese_outlook_header_block_with_full_or_half_width_colons(colon):
    text = (
        f"收到，谢谢！\n\n"
        f"发件人{colon} Tom Becker <tom@becker-shop.de>\n"
        f"发送时间{colon} 2025年4月7日 16:05\n"
        f"收件人{colon} wang@brightway-lighting.com\n"
        f"主题{colon} Shipment of order 231145678901\n\n"
        "When will the goods really be shipped?\n"
    )
    own, quoted = split_quotes(text)
    assert own == "收到，谢谢！"
    assert quoted.startswith(f"发件人{colon} Tom Becker") and "really be shipped" in quoted


def test_foxmail_dashes_and_netease_attribution():
    foxmail = "好的\n\n------------------ 原始邮件 ------------------\n发件人: \"Tom\"<tom@becker-shop.de>\n\nok?"
    assert split_quotes(foxmail) == ("好的", foxmail.split("\n\n", 1)[1])
    netease = "明白。\n\n在 2025-04-09 10:02:33，\"王经理\" <wang@brightway-lighting.com> 写道：\n>货物将于下周发出。"
    own, quoted = split_quotes(netease)
    assert own == "明白。" and quoted.startswith("在 2025-04-09") and quoted.endswith("下周发出。")


def test_outlook_original_message_and_from_sent_block():
    original = "Paid today.\n\n-----Original Message-----\nFrom: Lily\nSent: Tuesday\nPls pay"
    assert split_quotes(original)[0] == "Paid today."
    block = (
        "Please check the labels.\n\n________________________________\nFrom: Lily Chen <lily@x.com>\n"
        "Sent: Friday, March 28, 2025 3:12 AM\nTo: Tom Becker\nSubject: PI\n\nDear Tom"
    )
    own, quoted = split_quotes(block)
    assert own == "Please check the labels."
    assert quoted.startswith("________________________________\nFrom: Lily Chen")


def test_a_sentence_starting_with_from_is_not_a_header_block():
    text = "From: the factory we heard nothing.\nPlease call me.\n\nTom"
    assert split_quotes(text) == (text, "")


def test_inline_reply_keeps_the_senders_lines_between_quotes():
    text = (
        "On Tue, Apr 1, 2025 at 9:03 AM Lily Chen <lily@brightway-lightings.com> wrote:\n"
        "> Please pay the balance today.\n"
        "Why a new account? The PI says Bank of China.\n"
        "> Beneficiary: WANG XIAOMING\n"
        "That is a person, not your company.\n"
    )
    own, quoted = split_quotes(text)
    assert own == "Why a new account? The PI says Bank of China.\nThat is a person, not your company."
    assert [line for line in quoted.split("\n") if line.startswith(">")] == [
        "> Please pay the balance today.",
        "> Beneficiary: WANG XIAOMING",
    ]
    assert quoted.startswith("On Tue, Apr 1, 2025")


def test_wrapped_attribution_over_two_lines():
    text = "Thanks\n\nOn Mon, Mar 17, 2025 at 1:01 AM Lily Chen <\nlily@brightway-lighting.com> wrote:\n\n> Dear Tom"
    own, quoted = split_quotes(text)
    assert own == "Thanks" and quoted.startswith("On Mon, Mar 17")


def test_client_quoting_without_angle_brackets_quotes_to_the_end():
    text = "Received, thanks.\n\nOn 2025-03-28 10:12, Lily Chen wrote:\nDear Tom,\nAttached is the PI."
    own, quoted = split_quotes(text)
    assert own == "Received, thanks." and quoted.endswith("Attached is the PI.")


@pytest.mark.parametrize(
    ("text", "body", "signature"),
    [
        ("Price is USD 2.80/pc.\n\n-- \nLily Chen\nSales Manager", "Price is USD 2.80/pc.", "-- \nLily Chen\nSales Manager"),
        ("ok we will ship next week\n\nSent from my iPhone", "ok we will ship next week", "Sent from my iPhone"),
        ("货物下周发出。\n\n发自我的iPhone", "货物下周发出。", "发自我的iPhone"),
        ("Please confirm.\n\nThanks,\n\nKim", "Please confirm.", "Thanks,\n\nKim"),
        ("Please confirm.\n\nThanks, Ben", "Please confirm.", "Thanks, Ben"),
        (
            "Pls confirm that you received the new card.   Thank you.\n\nCarolyn Graham\nEnron NetWorks LLC\n713-345-8008",
            "Pls confirm that you received the new card.   Thank you.",
            "Carolyn Graham\nEnron NetWorks LLC\n713-345-8008",
        ),
        ("We received your deposit.\n\n此致敬礼\n王经理", "We received your deposit.", "此致敬礼\n王经理"),
    ],
)
def test_signature_shapes(text, body, signature):
    assert split_signature(text) == (body, signature)


@pytest.mark.parametrize(
    "text",
    [
        "Please set me up for Thursday at 2:00.\n\nTHANK YOU!",
        "Thank you for your order.",
        "The goods are ready.\nProtocol Document and Data Copy Instructions\n\nCertification Document",
        "Hello",
        "Call me if you have any questions\nThanks",
    ],
)
def test_no_signature_in_plain_closing_lines(text):
    assert split_signature(text) == (text, "")


def test_lines_with_only_an_address_and_a_link_are_a_signature():
    contact = "Lily\nlily.chen+orders@brightway-lighting.com\nwww.brightway-lighting.com"
    text = f"Please confirm the order.\n\n{contact}"
    assert split_signature(text) == ("Please confirm the order.", contact)


def test_signature_line_recognised_by_the_senders_own_name():
    text = "I want to check with you one more time before I execute the documents.\n\nFrank"
    assert split_signature(text, "Vickers, Frank") == (text.rsplit("\n\n", 1)[0], "Frank")
    assert split_signature("Call me back.\n\nBT   3-1587.", "Barry Tycholiz")[1] == "BT   3-1587."


def test_html_quote_containers_signature_and_scripts():
    html = (
        "<html><head><style>p{color:red}</style><script>steal()</script></head><body>"
        "<div>We paid the balance.</div><div class='gmail_signature'>Tom Becker<br>Becker Shop GmbH</div>"
        "<div class='gmail_quote'>On Tue Lily wrote:<blockquote>pay to HSBC</blockquote></div>"
        "<blockquote type='cite'>older</blockquote></body></html>"
    )
    own, quoted, signature = html_to_text(html)
    assert own == "We paid the balance."
    assert "pay to HSBC" in quoted and "older" in quoted
    assert signature == "Tom Becker\nBecker Shop GmbH"
    assert "steal" not in own + quoted + signature and "color" not in own


def test_html_outlook_cut_after_appendonsend():
    html = (
        "<div>Shipping docs attached.</div><div id='appendonsend'></div><hr>"
        "<div id='divRplyFwdMsg'><b>From:</b> Lily<br><b>Sent:</b> Thursday</div><div>old text</div>"
    )
    own, quoted, _ = html_to_text(html)
    assert own == "Shipping docs attached."
    assert quoted.startswith("From: Lily") and quoted.endswith("old text")
