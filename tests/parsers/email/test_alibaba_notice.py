"""Alibaba.com notification mails: the supplier's words become an alibaba row."""

from __future__ import annotations

import chatsignals

from .conftest import write_mail

HEAD = (
    "From: Alibaba.com <notification@notice.alibaba.com>\nTo: tom@becker-shop.de\n"
    "Date: Tue, 25 Feb 2025 09:10:00 +0800\nMessage-ID: <n1@notice.alibaba.com>\n"
)


def test_html_only_notice(tmp_path):
    html = (
        "<html><body><p>Hi Tom,</p><p><b>Lily Chen</b> from Shenzhen Brightway Lighting Co., Ltd "
        "sent you a message:</p><blockquote>sample will send tomorrow by DHL</blockquote>"
        "<p><a href='https://message.alibaba.com/'>Reply now</a></p></body></html>"
    )
    path = write_mail(
        tmp_path, "n.eml",
        HEAD + "Subject: Lily Chen sent you a message\nContent-Type: text/html; charset=utf-8\n\n" + html,
    )
    row = chatsignals.read(path, seller="Lily Chen").iloc[0]
    assert row["platform"] == "alibaba" and row["sender"] == "Lily Chen" and row["role"] == "seller"
    assert row["text"] == "sample will send tomorrow by DHL"


def test_chinese_notice(tmp_path):
    body = "Tom 您好，\n\n陈莉莉给您发送了一条新消息：\n\n样品明天用DHL寄出。\n\n立即回复\n"
    path = write_mail(
        tmp_path, "zh.eml",
        HEAD + "Subject: =?utf-8?B?5oKo5pyJ5LiA5p2h5p2l6Ieq6ZmI6I6J6I6J55qE5paw5raI5oGv?=\n"
        "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + body,
    )
    row = chatsignals.read(path).iloc[0]
    assert row["subject"] == "您有一条来自陈莉莉的新消息"
    assert row["platform"] == "alibaba" and row["sender"] == "陈莉莉"
    assert row["text"] == "样品明天用DHL寄出。"


def test_other_alibaba_mail_stays_an_email(tmp_path):
    path = write_mail(
        tmp_path, "order.eml",
        HEAD + "Subject: Your order 231145678901 is awaiting payment\nContent-Type: text/plain\n\n"
        "Order 231145678901: USD 14,000. Please pay the deposit.\n",
    )
    row = chatsignals.read(path).iloc[0]
    assert row["platform"] == "email" and row["sender"] == "Alibaba.com"
    assert row["text"] == "Order 231145678901: USD 14,000. Please pay the deposit."


def test_notice_text_from_a_lookalike_domain_is_not_trusted_as_alibaba(tmp_path):
    path = write_mail(
        tmp_path, "fake.eml",
        HEAD.replace("notice.alibaba.com>", "alibaba-notice.com>", 1)
        + "Subject: You have a new message from Lily Chen\nContent-Type: text/plain\n\n"
        "Lily Chen sent you a message:\n\npay to our new account\n\nReply now\n",
    )
    row = chatsignals.read(path).iloc[0]
    assert row["platform"] == "email" and row["from_address"] == "notification@alibaba-notice.com"
