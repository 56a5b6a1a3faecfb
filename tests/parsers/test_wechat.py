"""WeChat: WeChatMsg CSV/TXT/HTML exports and copied text, on the case's samples and fixtures for
message types, hostile cards and pages, encodings and damaged files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect
from chatsignals.sources import Source

HERE = Path(__file__).parent
FIX = HERE / "wechat_fixtures"
SAMPLES = HERE.parents[1] / "data" / "samples"
CSV = SAMPLES / "chats" / "wechat_lily.csv"
FORMATS = SAMPLES / "formats" / "wechat"
TXT = FORMATS / "wechatmsg_lily.txt"
HTML = FORMATS / "wechatmsg_lily.html"
COPIED = FORMATS / "wechat_copied.txt"
COPIED_DAYS = FORMATS / "wechat_copied_days.txt"


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def tally(df: pd.DataFrame) -> dict:
    return df.attrs["tallies"][0]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (CSV, "wechat_csv"),
        (TXT, "wechat_txt"),
        (HTML, "wechat_html"),
        (COPIED, "wechat_paste"),
        (COPIED_DAYS, "wechat_paste"),
        (FIX / "rendered.html", "wechat_html"),
        (FIX / "wechatmsg_gb18030.txt", "wechat_txt"),
        (FIX / "cards.csv", "wechat_csv"),
    ],
)
def test_each_file_is_detected_as_its_own_format(path, expected):
    assert detect(Source.open(path)).name == expected


def test_csv_sample_create_time_is_the_truth_and_str_time_is_kept_raw():
    df = chatsignals.read(CSV)
    with CSV.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    assert len(df) == len(records) == 16
    assert df["timestamp"].tolist() == [pd.Timestamp(int(r["CreateTime"]), unit="s", tz="UTC") for r in records]
    assert df["timestamp_raw"].tolist() == [r["StrTime"] for r in records]
    assert df["timestamp"].iloc[0] == utc("2025-05-03 07:20:11")  # 15:20:11 in Shanghai
    assert df["platform"].unique().tolist() == ["wechat"]
    assert df["conversation_title"].unique().tolist() == ["Lily Chen 明路照明"]
    assert tally(df)["messages"] == 15 and tally(df)["system_lines"] == 1 and not tally(df)["skipped"]


def test_csv_mixed_chinese_text_survives_without_mojibake():
    df = chatsignals.read(CSV)
    assert df["text"].iloc[5] == "finance is processing, pls wait\n财务在处理，请耐心等待"
    assert "亲，老板下周回来，一定给你处理" in df["text"].iloc[12]
    assert df["text"].iloc[15].endswith("I promise 🙏")


def test_csv_exporter_flag_is_kept_and_roles_need_the_user():
    df = chatsignals.read(CSV)
    assert df.loc[df["sender"] == "Tom Becker", "is_exporter"].all()
    assert not df.loc[df["sender"] == "Lily Chen 明路照明", "is_exporter"].any()
    assert set(df.loc[~df["is_system"], "role"]) == {"unknown"}
    named = chatsignals.read(CSV, seller="lily_brightway", buyer="Tom Becker")
    people = named[~named["is_system"]]
    assert set(zip(people["sender"], people["role"], strict=True)) == {
        ("Lily Chen 明路照明", "seller"),
        ("Tom Becker", "buyer"),
    }


def test_csv_message_types_media_file_card_quote_and_recall():
    df = chatsignals.read(CSV)
    kinds = df.set_index("wechat_local_id")["message_type"]
    assert kinds[["1842", "1847", "1848", "1854"]].tolist() == ["image", "voice", "file", "sticker"]
    file_row = df[df["message_type"] == "file"].iloc[0]
    assert file_row["attachments"] == ["Inspection_Report_Becker_20250502.pdf"]
    quote = df[df["message_type"] == "quote"].iloc[0]
    assert quote["text"] == "3 days is over. Where is the refund?"
    assert quote["quoted_text"] == "Lily Chen 明路照明: we will refund the difference within 3 days"
    recall = df[df["is_system"]].iloc[0]
    assert recall["text"] == '"Lily Chen 明路照明" 撤回了一条消息'
    assert recall["is_deleted"] and recall["role"] == "system" and pd.isna(recall["sender"])
    assert df.loc[df["message_type"] == "image", "text"].tolist() == [""]


def test_csv_cards_links_transfers_and_an_xxe_card():
    df = chatsignals.read(FIX / "cards.csv")
    assert df["message_type"].tolist() == ["text", "file", "link", "transfer", "file", "type_9999"]
    assert df["attachments"].iloc[4] == ["file"]  # an empty card: the kind is known, the name is not
    assert df["attachments"].iloc[1] == ["invoice.pdf"]
    assert not df["text"].str.contains("root:|passwd").any()
    assert df["text"].iloc[2] == "Brightway 2025 catalogue\nLED strips, IP65\nhttps://brightway-lighting.com/catalogue.pdf"
    assert df["text"].iloc[3] == "￥500.00 sample freight"
    warnings = tally(df)["warnings"]
    assert any("DTD or entities: not resolved" in w for w in warnings)
    assert "unknown WeChat message type 9999: content kept as text" in warnings
    assert any("no content in the CSV" in w for w in warnings)


def test_truncated_csv_keeps_the_complete_rows_and_reports_the_cut_one():
    df = chatsignals.read(FIX / "truncated.csv")
    assert len(df) == 3
    assert tally(df)["skipped"] == [{"locator": "L5", "reason": "record has fewer cells than the header (truncated line)"}]


def test_csv_row_with_missing_cells_is_skipped_with_its_line():
    df = chatsignals.read(FIX / "short_row.csv")
    assert df["wechat_local_id"].tolist() == ["1841", "1842", "1843", "1844"]
    assert [s["locator"] for s in tally(df)["skipped"]] == ["L4"]


def test_csv_in_gb18030_is_decoded_with_a_warning(tmp_path):
    path = tmp_path / "lily_gbk.csv"
    path.write_bytes(CSV.read_text(encoding="utf-8-sig").replace("😞 ", "").replace(" 🙏", "").encode("gb18030"))
    df = chatsignals.read(path)
    assert df["text"].iloc[5] == "finance is processing, pls wait\n财务在处理，请耐心等待"
    assert any("decoded as GB18030" in w for w in tally(df)["warnings"])


def test_csv_in_an_unknown_encoding_is_one_clear_error(tmp_path):
    path = tmp_path / "lily_latin1.csv"
    header = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender\n"
    path.write_bytes((header + "1,87,1,0,0,1746256811,4,Caf\xe9 cr\xe8me br\xfbl\xe9e,x,a,b,c\n").encode("latin-1"))
    with pytest.raises(InputError, match=r"not valid UTF-8.*not GB18030 or Big5") as info:
        chatsignals.read(path)
    assert "\n" not in str(info.value)


def test_csv_missing_columns_is_one_clear_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("localId,TalkerId,Type,IsSender,StrTime\n1,2,1,0,2025-05-03 15:20:11\n", encoding="utf-8")
    with pytest.raises(InputError, match="lacks the column"):
        chatsignals.read(path, format="wechat_csv")


# --- TXT ------------------------------------------------------------------------------------

def test_txt_export_blocks_markers_quote_and_system_line():
    df = chatsignals.read(TXT, tz="Asia/Shanghai")
    reference = chatsignals.read(CSV)
    assert df["timestamp"].tolist() == reference["timestamp"].tolist()
    assert df["text"].iloc[5] == "finance is processing, pls wait\n财务在处理，请耐心等待"
    assert df["message_type"].tolist()[:8] == ["text", "image", "text", "text", "quote", "text", "voice", "file"]
    assert df["quoted_text"].iloc[4] == "Lily Chen 明路照明:we will refund the difference within 3 days"
    system = df[df["is_system"]].iloc[0]
    assert system["text"] == '"Lily Chen 明路照明" 撤回了一条消息' and system["is_deleted"]
    assert tally(df)["messages"] == 15 and tally(df)["system_lines"] == 1
    assert tally(df)["blank_lines"] == sum(1 for line in TXT.read_text(encoding="utf-8").splitlines() if not line)


def test_txt_export_in_gb18030():
    df = chatsignals.read(FIX / "wechatmsg_gb18030.txt", tz="Asia/Shanghai")
    assert df["text"].iloc[5] == "finance is processing, pls wait\n财务在处理，请耐心等待"
    assert df["sender"].iloc[2] == "Lily Chen 明路照明"
    assert any("decoded as GB18030" in w for w in tally(df)["warnings"])


# --- HTML -----------------------------------------------------------------------------------

def test_html_export_reads_the_chat_messages_list_not_the_placeholder():
    df = chatsignals.read(HTML)
    reference = chatsignals.read(CSV)
    assert df["timestamp"].tolist() == reference["timestamp"].tolist()
    assert df.loc[df["message_type"] == "text", "text"].tolist() == reference.loc[reference["message_type"] == "text", "text"].tolist()
    assert not df["text"].str.contains("很抱歉|好的").any()
    voice = df[df["message_type"] == "voice"].iloc[0]
    assert voice["text"] == "老板出差了，下周回来给你处理" and voice["attachments"] == ["1841_7.mp3"]
    assert df["attachments"][df["message_type"] == "file"].tolist() == [["Inspection_Report_Becker_20250502.pdf"]]
    assert df["message_type"].iloc[13] == "sticker"
    assert df["conversation_title"].iloc[0] == "Lily Chen 明路照明"
    assert df.loc[df["sender"] == "Tom Becker", "is_exporter"].all()


def test_html_export_javascript_and_html_escapes_are_decoded_not_run():
    df = chatsignals.read(FIX / "escapes.html")
    assert df["text"].iloc[0] == "It's <b>not</b> IP65, see C:\\reports\nline two <script>alert(1)</script>"
    assert df["text"].iloc[1] == "￥500.00 已收款" and df["message_type"].iloc[1] == "transfer"
    assert df["is_system"].tolist() == [False, False, True, False]
    assert df["text"].iloc[3] == "Brightway catalogue\nIP65 strips\nhttps://brightway-lighting.com/c.pdf"


def test_html_page_saved_after_rendering_reads_the_bubbles():
    df = chatsignals.read(FIX / "rendered.html", tz="Asia/Shanghai")
    assert df["text"].tolist()[:2] == [
        "If the refund is not paid by tomorrow I will open a dispute on Alibaba.",
        "pls dont open dispute, it is bad for our shop. we will refund, I promise",
    ]
    assert df["is_exporter"].tolist()[:3] == [True, False, False]
    assert df["timestamp"].iloc[1] == utc("2025-05-20 14:47:18")
    assert df["message_type"].tolist() == ["text", "text", "image", "system"]
    assert any("rendered bubbles" in w for w in tally(df)["warnings"])


def test_html_export_with_no_messages_is_one_clear_error():
    with pytest.raises(InputError, match="holds no messages"):
        chatsignals.read(FIX / "placeholder_only.html")


# --- copied text ----------------------------------------------------------------------------

def test_copied_text_blocks_with_full_stamps():
    df = chatsignals.read(COPIED, tz="Europe/Berlin")
    reference = chatsignals.read(CSV).iloc[:9]
    assert df["timestamp"].tolist() == reference["timestamp"].tolist()  # copied on a Berlin computer
    assert df["sender"].tolist() == reference["sender"].tolist()
    assert df["message_type"].tolist()[:2] == ["text", "image"]
    assert df["attachments"].iloc[7] == ["Inspection_Report_Becker_20250502.pdf"]
    assert df["text"].iloc[5] == "finance is processing, pls wait\n财务在处理，请耐心等待"


def test_copied_text_under_day_separators_with_a_notice():
    df = chatsignals.read(COPIED_DAYS, tz="Europe/Berlin")
    people = df[~df["is_system"]]
    assert people["timestamp_raw"].iloc[0] == "2025年5月9日 12:41"
    assert people["timestamp"].iloc[0] == utc("2025-05-09 10:41")
    notice = df[df["is_system"]].iloc[0]
    assert notice["text"] == '"Lily Chen 明路照明" 撤回了一条消息' and notice["is_deleted"]
    assert notice["timestamp"] == people["timestamp"].iloc[0]  # placed with the first message
    assert df.index[df["is_system"]].tolist() == [0]  # and stays above it
    assert df.loc[df["message_type"] == "sticker", "attachments"].tolist() == [["sticker"]]
    assert tally(df)["messages"] == 6 and tally(df)["system_lines"] == 1


def test_copied_text_today_has_no_date_and_preamble_is_reported(tmp_path):
    path = tmp_path / "copied.txt"
    path.write_text(
        "和 Lily Chen 的聊天\n今天\nLily Chen 09:05\n亲，定金付了吗？\nTom Becker 09:10\n[图片]\n", encoding="utf-8"
    )
    df = chatsignals.read(path, tz="Asia/Shanghai")
    assert df["timestamp_raw"].tolist() == ["今天 09:05", "今天 09:10"]
    assert df["timestamp"].isna().all()
    assert tally(df)["skipped"] == [{"locator": "L1", "reason": "text before the first message"}]
    assert df["message_type"].tolist() == ["text", "image"]


def test_txt_export_link_card_and_unknown_quote(tmp_path):
    path = tmp_path / "export.txt"
    path.write_text(
        "2025-05-09 18:45:10 Lily Chen 明路照明\n"
        "            [链接]:title:Brightway 2025 catalogue\n"
        "            description:LED strips IP65\n"
        "            url:https://brightway-lighting.com/catalogue.pdf\n"
        "            name:None\n"
        "            \n\n\n"
        "2025-05-09 18:46:00 Tom Becker\n"
        "This catalogue says IP65 too\n"
        "引用:未知\n\n",
        encoding="utf-8",
    )
    df = chatsignals.read(path, tz="Asia/Shanghai")
    assert df["message_type"].tolist() == ["link", "quote"]
    assert df["text"].tolist() == [
        "Brightway 2025 catalogue\nLED strips IP65\nhttps://brightway-lighting.com/catalogue.pdf",
        "This catalogue says IP65 too",
    ]
    assert df["quoted_text"].iloc[1] == "未知"
    assert df["source_locator"].tolist() == ["L1-L5", "L9-L11"]


def test_html_export_cut_inside_the_message_list_keeps_what_was_complete(tmp_path):
    page = HTML.read_text(encoding="utf-8")
    path = tmp_path / "cut.html"
    path.write_text(page[: page.index("Lily, it is 11 days now")], encoding="utf-8")
    df = chatsignals.read(path)
    assert len(df) == 11 and df["text"].iloc[-1] == "收到 received. boss is travelling, next week he decide"
    assert tally(df)["skipped"] == [{"locator": "chatMessages[11]", "reason": "message list ends early (truncated file)"}]
    path.write_text(page[: page.index("const chatMessages") + 30], encoding="utf-8")
    with pytest.raises(InputError, match="WeChatMsg page holds no"):
        chatsignals.read(path)
