"""The WhatsApp parser on our own fixtures: one small B2B chat per header layout real exports use."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import chatsignals
from chatsignals.errors import InputError
from chatsignals.parsers import detect, get_parser
from chatsignals.parsers.base import ParseOptions
from chatsignals.parsers.whatsapp import is_chat_member, title_from_name
from chatsignals.parsers.whatsapp.layouts import infer_layout
from chatsignals.sources import Limits, Source

FIXTURES = Path(__file__).parent / "whatsapp_fixtures"
ENCRYPTED = (
    "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
    "WhatsApp, can read or listen to them."
)

#: every row of every fixture: (naive local time, sender or None for notices, text)
EXPECTED: dict[str, list[tuple[str, str | None, str]]] = {
    "android_us_12h_nnbsp.txt": [
        ("2025-03-14 09:02", None, ENCRYPTED + " Tap to learn more."),
        ("2025-03-14 09:02", "Mike Turner", "Hi Kevin, can you quote 2,000 pcs of the 20W panel light?"),
        ("2025-03-14 09:40", "Kevin Zhao", "Dear Mike, USD 3.15/pc FOB Ningbo, 25 days after deposit"),
        ("2025-03-14 12:05", "Mike Turner", "OK. Please send the PI."),
        ("2025-03-14 12:06", "Kevin Zhao", "<Media omitted>"),
        ("2025-03-15 20:30", "Kevin Zhao", "deposit 30% pls, then we start production"),
    ],
    "android_de_24h.txt": [
        (
            "2025-03-03 09:15",
            None,
            "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses Chats "
            "kann sie lesen oder anhören, nicht einmal WhatsApp. Tippe, um mehr zu erfahren.",
        ),
        ("2025-03-03 09:15", "Anna Vogel", "Guten Morgen Frau Lin, die Anzahlung von 3.000 EUR ist heute raus."),
        ("2025-03-03 09:52", "Lin Mei", "received, thank you. production start tomorrow"),
        ("2025-03-03 09:53", "Lin Mei", "Diese Nachricht wurde gelöscht."),
        ("2025-03-14 16:20", "Anna Vogel", "<Medien ausgeschlossen>"),
        ("2025-03-14 16:21", "Anna Vogel", "Bitte die Etiketten so drucken wie auf dem Foto."),
        ("2025-03-15 02:10", "Lin Mei", "ok no problem, we print tomorrow"),
    ],
    "android_uk_ddmmyyyy.txt": [
        (
            "2025-03-14 09:15",
            "Sarah Hill",
            "Morning Jack, quick check on PO 4471:\n- 500 x stainless hinges, grade 304\n"
            "- 200 x brackets\n\nCan you confirm the grade in writing?",
        ),
        ("2025-03-14 10:01", "Jack Wu", "yes grade 304 confirm, we send mill certificate"),
        ("2025-04-01 18:45", "Sarah Hill", "Still waiting for the mill certificate."),
        ("2025-04-02 03:12", "Jack Wu", "sorry, tomorrow"),
    ],
    "ios_us_12h.txt": [
        ("2025-03-14 09:15:32", "Kevin Zhao", ENCRYPTED),
        ("2025-03-14 09:15:32", "Mike Turner", "Hi Kevin, any update on the sample?"),
        ("2025-03-14 09:20:05", "Kevin Zhao", "<attached: 00000012-PHOTO-2025-03-14-09-20-05.jpg>"),
        ("2025-03-14 09:20:41", "Kevin Zhao", "sample ready, ship by DHL tomorrow"),
        ("2025-03-15 23:02:10", "Kevin Zhao", "image omitted"),
        ("2025-03-16 07:45:00", "Mike Turner", "Spec_sheet_v2.pdf • \u200e3 pages \u200edocument omitted"),
        ("2025-03-16 07:46:12", "Kevin Zhao", "This message was deleted."),
    ],
    "ios_de_24h.txt": [
        ("2025-03-14 09:15:32", "Anna Vogel", "Hallo Frau Lin, wann kommt die Ware?"),
        ("2025-03-14 09:40:11", "Lin Mei", "goods ready 20.03, ship 22.03"),
        ("2025-03-22 18:02:45", "Anna Vogel", "Heute ist der 22. Bitte Trackingnummer senden."),
        ("2025-03-23 03:15:00", "Lin Mei", "tracking 1Z999AA10123456784"),
    ],
    "android_es_am_pm.txt": [
        ("2025-03-14 09:15", "Carlos Ruiz", "Buenos días, ¿cuándo sale el contenedor?"),
        ("2025-03-14 23:48", "Wang Lei", "container loading 20/3, ETD 22/3"),
        ("2025-03-15 00:05", "Wang Lei", "<Multimedia omitido>"),
        ("2025-03-15 12:30", "Carlos Ruiz", "Se eliminó este mensaje."),
    ],
    "android_mx_nbsp.txt": [
        ("2025-03-14 09:15", "Lucía Gómez", "Hola Tony, ¿ya pagaron la muestra?"),
        ("2025-03-14 15:40", "Tony Li", "yes sample fee received USD 80"),
    ],
    "ymd_dash.txt": [
        ("2025-03-14 09:15", "Erik Lund", "Hej Amy, kan ni leverera 1 000 st före 1 april?"),
        ("2025-03-14 09:58", "Amy Chen", "yes we can, delivery before April 1"),
        ("2025-04-02 08:00", "Erik Lund", "Ingen leverans än."),
    ],
    "ymd_slash_trailing_dot.txt": [
        ("2025-03-14 09:15", "Kenji Sato", "Please confirm the carton size."),
        ("2025-03-14 09:31", "Linda Xu", "60x40x35 cm, 12 kg per carton"),
    ],
    "ios_mmddyy_dots.txt": [
        ("2025-03-14 09:15:32", "Mike Turner", "Did the QC team check the IP rating?"),
        ("2025-03-14 21:03:10", "Kevin Zhao", "yes all IP65 pass"),
    ],
    "android_fi_klo.txt": [
        ("2025-03-14 09:15", "Mikko Virtanen", "Hei Grace, milloin tavara lähtee?"),
        ("2025-03-14 10:02", "Grace Huang", "ship next Monday 17.3"),
    ],
    "android_en_dash.txt": [
        ("2025-03-14 09:15", "Mike Turner", "Can you do USD 2.90 for 5,000 pcs?"),
        ("2025-03-14 16:30", "Kevin Zhao", "best price 2.95, ok?"),
    ],
    "android_fr_a.txt": [
        ("2025-03-14 09:15", "Julie Martin", "Bonjour Zoe, le devis pour 800 lampes ?"),
        ("2025-03-14 09:40", "Zoe Wu", "<Médias omis>"),
        ("2025-03-14 09:41", "Zoe Wu", "please see PI, total EUR 2,240"),
    ],
    "android_rlm_crlf_bom.txt": [
        ("2025-03-14 09:15", "Omar Haddad", "Please send the invoice for the deposit."),
        ("2025-03-14 09:20", "王芳", "<媒体已忽略>"),
        ("2025-03-14 09:21", "王芳", "发票已发，请查收 invoice sent"),
    ],
}


def parse(path: Path | str, **options) -> tuple[pd.DataFrame, object]:
    """Run the parser itself (naive timestamps, file order) and return (frame, tally)."""
    result = get_parser("whatsapp").parse(Source.open(path), ParseOptions(**options))
    assert result.naive_timestamps
    return result.frame, result.tally


def rows(frame: pd.DataFrame) -> list[tuple[pd.Timestamp, str | None, str]]:
    senders = [None if pd.isna(s) else s for s in frame["sender"]]
    return list(zip(frame["timestamp"], senders, frame["text"], strict=True))


def expect(spec: list[tuple[str, str | None, str]]) -> list[tuple[pd.Timestamp, str | None, str]]:
    return [(pd.Timestamp(t), s, x) for t, s, x in spec]


def test_every_fixture_is_listed():
    assert sorted(p.name for p in FIXTURES.glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_rows(name):
    frame, tally = parse(FIXTURES / name)
    expected = expect(EXPECTED[name])
    assert rows(frame) == expected
    assert tally.messages + tally.system_lines == len(expected)
    assert not tally.skipped
    assert not [w for w in tally.warnings if "day and month" in w]  # each fixture has a day > 12


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_is_detected_as_whatsapp(name):
    assert detect(Source.open(FIXTURES / name)).name == "whatsapp"


def test_system_deleted_edited_and_media_columns():
    frame, tally = parse(FIXTURES / "android_de_24h.txt")
    assert frame["is_system"].tolist() == [True, False, False, True, False, False, False]
    assert frame["is_deleted"].tolist() == [False, False, False, True, False, False, False]
    assert frame["is_edited"].tolist() == [False] * 5 + [True, False]
    assert frame["message_type"].tolist() == ["system", "text", "text", "deleted", "media", "text", "text"]
    assert frame["attachments"].iloc[4] == ["<Medien ausgeschlossen>"]
    assert frame["sender"].iloc[3] == "Lin Mei"  # who deleted it stays on the row
    assert (tally.messages, tally.system_lines) == (5, 2)


def test_ios_attachments_notices_and_marks():
    frame, _ = parse(FIXTURES / "ios_us_12h.txt")
    assert frame["attachments"].iloc[2] == ["00000012-PHOTO-2025-03-14-09-20-05.jpg"]
    assert frame["message_type"].tolist() == ["system", "text", "image", "text", "image", "file", "deleted"]
    assert frame["attachments"].iloc[5] == ["Spec_sheet_v2.pdf"]
    # the iOS notice keeps the chat name it was written under but is a system row
    assert frame["is_system"].iloc[0] and frame["sender"].iloc[0] == "Kevin Zhao"
    # "\u200e[3/15/25 ..." (a mark before the bracket) still starts a message
    assert frame["source_locator"].tolist() == [f"L{i}" for i in range(1, 8)]
    assert frame["timestamp_raw"].iloc[4] == "3/15/25, 11:02:10\u202fPM"


def test_multi_line_message_locator_and_tally():
    frame, tally = parse(FIXTURES / "android_uk_ddmmyyyy.txt")
    assert frame["source_locator"].tolist() == ["L1-L5", "L6", "L7", "L8"]
    assert (tally.continuation_lines, tally.blank_lines) == (3, 1)


def test_timestamp_raw_is_as_written_and_times_are_naive():
    frame, _ = parse(FIXTURES / "android_mx_nbsp.txt")
    assert frame["timestamp_raw"].tolist() == ["14/03/2025, 9:15\u00a0a.\u00a0m.", "14/03/2025, 3:40\u00a0p.\u00a0m."]
    assert frame["timestamp"].dt.tz is None


def test_read_applies_tz_roles_and_title(samples):
    path = samples / "chats" / "WhatsApp Chat with Lily Chen.txt"
    df = chatsignals.read(path, tz="Europe/Berlin", seller="Lily Chen", buyer="+49 151 2345 6789")
    assert len(df) == 50 and (df["platform"] == "whatsapp").all()
    assert set(df["conversation_title"]) == {"Lily Chen"}
    shipped = df[df["text"] == "goods shipped today by DHL, tracking 1234567890"].iloc[0]
    assert shipped["timestamp"] == pd.Timestamp("2025-04-02T02:10Z")  # 04:10 CEST
    assert shipped["timestamp_raw"] == "02.04.25, 04:10" and shipped["role"] == "seller"
    assert shipped["timezone"] == "Europe/Berlin"
    first = df.iloc[0]
    assert first["is_system"] and first["role"] == "system" and pd.isna(first["sender"])
    deleted = df[df["is_deleted"]]
    assert deleted["sender"].tolist() == ["Lily Chen"] and deleted["role"].tolist() == ["seller"]
    edited = df[df["is_edited"]].iloc[0]
    assert edited["text"] == "we will refund the difference within 3 days"
    inspection = df[df["source_locator"] == "L39-L44"].iloc[0]
    assert inspection["text"].endswith("Please explain and tell us how you will solve this.")
    assert "2. The labels say IP20" in inspection["text"]
    assert (df["message_type"] == "media").sum() == 6
    tally = df.attrs["tallies"][0]
    assert (tally["messages"], tally["system_lines"], tally["continuation_lines"], tally["blank_lines"]) == (
        48, 2, 4, 1,
    )


def test_zip_sample_matches_attachments_to_members(samples):
    path = samples / "formats" / "whatsapp" / "WhatsApp Chat with Lily Chen.zip"
    assert detect(Source.open(path)).name == "whatsapp"
    df = chatsignals.read(path, tz="Europe/Berlin")
    media = df[df["attachments"].map(len) > 0]
    assert media["attachments"].tolist() == [
        ["PI_231145678901.pdf"],
        ["IMG-20250402-WA0003.jpg"],
        ["IMG-20250402-WA0004.jpg"],
        ["IMG-20250403-WA0005.jpg"],
    ]
    assert media["message_type"].tolist() == ["file", "image", "image", "image"]
    assert df["source_locator"].iloc[1] == "WhatsApp Chat with Lily Chen.txt:L2-L3"
    assert set(df["conversation_title"]) == {"Lily Chen"}
    assert df.attrs["tallies"][0]["warnings"] == []  # every attachment found, every member named


def _zip(tmp_path: Path, name: str, members: dict[str, bytes]) -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def test_ios_zip_reports_missing_and_unnamed_media(tmp_path):
    chat = (
        "[02.04.25, 04:10:12] Lily Chen: goods shipped today by DHL, tracking 1234567890\n"
        "[02.04.25, 04:11:40] Lily Chen: \u200e<attached: 00000031-PHOTO-2025-04-02-04-11-40.jpg>\n"
        "[02.04.25, 04:12:02] Lily Chen: \u200e<attached: 00000032-PHOTO-2025-04-02-04-12-02.jpg>\n"
    ).encode()
    path = _zip(
        tmp_path,
        "WhatsApp Chat - Lily Chen.zip",
        {"_chat.txt": chat, "00000031-PHOTO-2025-04-02-04-11-40.jpg": b"\xff\xd8jpeg", "extra.pdf": b"%PDF"},
    )
    frame, tally = parse(path)
    assert frame["attachments"].tolist()[1:] == [
        ["00000031-PHOTO-2025-04-02-04-11-40.jpg"],
        ["00000032-PHOTO-2025-04-02-04-12-02.jpg"],
    ]
    assert frame["conversation_title"].iloc[0] == "Lily Chen"
    assert frame["source_locator"].tolist() == ["_chat.txt:L1", "_chat.txt:L2", "_chat.txt:L3"]
    assert any("1 attachment(s) named in the chat are not in the zip" in w for w in tally.warnings)
    assert any("1 file(s) in the zip are not named in the chat" in w for w in tally.warnings)


def test_body_line_in_another_layout_stays_a_continuation(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text(
        "14/03/2025, 09:15 - Tom Becker: Your message from Alibaba said:\n"
        "[3/1/25, 10:02:11 AM] Lily Chen: production time 15 working days after deposit\n"
        "3/2/25, 9:00 PM - Lily Chen: IP65 waterproof\n"
        "14/03/2025, 09:20 - Lily Chen: yes dear\n",
        encoding="utf-8",
    )
    frame, tally = parse(path)
    assert len(frame) == 2 and tally.continuation_lines == 2
    assert frame["text"].iloc[0].splitlines()[1].startswith("[3/1/25, 10:02:11 AM] Lily Chen:")


def test_layout_is_chosen_by_majority():
    lines = [
        "[3/1/25, 10:02:11 AM] Lily Chen: hi",
        "14/03/2025, 09:15 - Tom: a",
        "15/03/2025, 09:15 - Tom: b",
    ]
    layout, hits = infer_layout(lines)
    assert hits == 2 and not layout.bracket and layout.year4


def test_ambiguous_day_month_is_warned_and_can_be_forced(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text(
        "03/04/25, 09:15 - Lily Chen: goods shipped today\n"
        "04/04/25, 10:00 - Tom Becker: thanks\n"
        "05/04/25, 08:00 - Tom Becker: tracking?\n",
        encoding="utf-8",
    )
    frame, tally = parse(path)
    # read day-first: 3, 4, 5 April are one day apart; month-first would be a month apart
    assert frame["timestamp"].dt.strftime("%Y-%m-%d").tolist() == ["2025-04-03", "2025-04-04", "2025-04-05"]
    assert any("day and month cannot be told apart" in w and "DMY" in w for w in tally.warnings)
    forced, tally2 = parse(path, date_order="MDY")
    assert forced["timestamp"].dt.strftime("%Y-%m-%d").tolist() == ["2025-03-04", "2025-04-04", "2025-05-04"]
    assert not any("day and month" in w for w in tally2.warnings)


def test_us_clock_tie_reads_month_first(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("3/4/25, 9:15 AM - Kevin: price list attached\n", encoding="utf-8")
    frame, tally = parse(path)
    assert frame["timestamp"].iloc[0] == pd.Timestamp("2025-03-04 09:15")
    assert any("US-style clock" in w for w in tally.warnings)


def test_impossible_date_keeps_the_row_without_time(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text(
        "14/03/2025, 09:15 - Tom: first\n31/02/2025, 09:15 - Tom: impossible\n15/03/2025, 25:10 - Tom: bad hour\n",
        encoding="utf-8",
    )
    frame, tally = parse(path)
    assert frame["text"].tolist() == ["first", "impossible", "bad hour"]
    assert frame["timestamp"].isna().tolist() == [False, True, True]
    assert frame["timestamp_raw"].iloc[1] == "31/02/2025, 09:15"
    assert any("2 message header(s) have an impossible date" in w for w in tally.warnings)


def test_text_before_first_header_is_skipped_with_a_reason(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text(
        "Exported by Tom for the dispute\n\n14/03/2025, 09:15 - Tom: hello\n", encoding="utf-8"
    )
    frame, tally = parse(path)
    assert len(frame) == 1
    assert [(s.locator, s.reason) for s in tally.skipped] == [("L1", "text before the first message header")]
    assert tally.blank_lines == 1


def test_colon_rules_for_authors_and_subject_changes(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text(
        "14/03/2025, 09:15 - Tom Becker: Note: price is USD 2.80\n"
        "14/03/2025, 09:16 - Tom Becker:\n"
        "14/03/2025, 09:17 - Tom Becker changed the subject from \"LED\" to \"LED: order 2311\"\n"
        "14/03/2025, 09:18 - \u202a+86 138 0000 0000\u202c: ok\n"
        "14/03/2025, 09:19 - Tom Becker added Lily Chen\n",
        encoding="utf-8",
    )
    frame, _ = parse(path)
    assert frame["sender"].tolist()[:2] == ["Tom Becker", "Tom Becker"]
    assert frame["text"].tolist()[:2] == ["Note: price is USD 2.80", ""]
    assert pd.isna(frame["sender"].iloc[2]) and frame["is_system"].iloc[2]
    assert frame["text"].iloc[2] == 'Tom Becker changed the subject from "LED" to "LED: order 2311"'
    assert frame["sender"].iloc[3] == "+86 138 0000 0000"
    assert frame["is_system"].tolist() == [False, False, True, False, True]


def test_utf16_export(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_bytes("14/03/2025, 09:15 - 李丽: 货已发出\n".encode("utf-16"))
    frame, _ = parse(path)
    assert rows(frame) == expect([("2025-03-14 09:15", "李丽", "货已发出")])


def test_titles_and_chat_members():
    assert title_from_name("WhatsApp Chat with Lily Chen.txt") == "Lily Chen"
    assert title_from_name("WhatsApp Chat mit Lily Chen (1).txt") == "Lily Chen"
    assert title_from_name("WhatsApp Chat - Lily Chen.zip") == "Lily Chen"
    assert title_from_name("Chat de WhatsApp con Wang Lei.txt") == "Wang Lei"
    assert title_from_name("chat.txt") is None
    assert is_chat_member("_chat.txt") and is_chat_member("WhatsApp Chat with Lily Chen.txt")
    assert is_chat_member("Discussion WhatsApp avec Zoe Wu.txt")
    assert not is_chat_member("IMG-20250402-WA0003.jpg") and not is_chat_member("notes.txt")


# --- bad input: one InputError line each -------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\n  \n", "empty file"),
        (b"\x00\x01\x02PK\xff" * 50, "binary"),
        ("14/03/2025, 09:15 - Tom: caf\xe9\n".encode("latin-1"), "not valid UTF-8"),
        (b"Dear Lily,\nplease send the invoice.\n", "no WhatsApp message header"),
    ],
)
def test_bad_text_input_is_one_clear_error(tmp_path, content, reason):
    path = tmp_path / "WhatsApp Chat with X.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=reason) as info:
        parse(path)
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)


def test_truncated_zip_is_one_clear_error(tmp_path, samples):
    data = (samples / "formats" / "whatsapp" / "WhatsApp Chat with Lily Chen.zip").read_bytes()
    path = tmp_path / "cut.zip"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="damaged or truncated zip"):
        chatsignals.read(path)
    with pytest.raises(InputError, match="damaged or truncated zip"):
        parse(path)


def test_zip_with_path_traversal_is_refused(tmp_path):
    path = _zip(tmp_path, "evil.zip", {"_chat.txt": b"14/03/2025, 09:15 - Tom: hi\n", "../../etc/x.jpg": b"x"})
    with pytest.raises(InputError, match="path traversal"):
        chatsignals.read(path, format="whatsapp")


def test_zip_with_oversized_member_is_refused(tmp_path):
    chat = b"14/03/2025, 09:15 - Tom: hi\n" + b"0" * 400_000
    path = _zip(tmp_path, "big.zip", {"_chat.txt": chat})
    source = Source.open(path, Limits(max_zip_ratio=2, max_zip_member_bytes=100_000))
    with pytest.raises(InputError, match=r"over the limit|zip bomb"):
        get_parser("whatsapp").parse(source, ParseOptions())


def test_zip_without_chat_member_is_refused(tmp_path):
    path = _zip(tmp_path, "photos.zip", {"IMG-1.jpg": b"\xff\xd8"})
    with pytest.raises(InputError, match="no WhatsApp chat text"):
        parse(path)
    assert get_parser("whatsapp").detect(Source.open(path)) == 0.0


def test_detection_is_by_content_not_suffix(tmp_path):
    path = tmp_path / "export.dat"
    path.write_bytes((FIXTURES / "ios_de_24h.txt").read_bytes())
    assert detect(Source.open(path)).name == "whatsapp"
    csv = tmp_path / "chat.txt"
    csv.write_text("timestamp,sender,text\n2025-03-14 09:15,Tom,hi\n", encoding="utf-8")
    assert get_parser("whatsapp").detect(Source.open(csv)) == 0.0


def test_signal_like_layout_scores_low(tmp_path):
    path = tmp_path / "signal.txt"
    path.write_text("[2025-03-14, 09:15] Tom: hi\n[2025-03-14, 09:16] Lily: ok\n", encoding="utf-8")
    assert get_parser("whatsapp").detect(Source.open(path)) <= 0.4


def test_frame_is_a_valid_message_table(samples):
    df = chatsignals.read(samples / "chats" / "WhatsApp Chat with Lily Chen.txt", tz="Asia/Shanghai")
    assert df["message_id"].is_unique
    assert df["attachments"].map(lambda v: isinstance(v, list)).all()
    assert str(df["timestamp"].dtype) == "datetime64[ns, UTC]"
    # file order is kept in source_index even where the table is sorted by time
    assert sorted(df["source_index"]) == list(range(50))


def test_zip_bytes_in_memory_roundtrip(tmp_path):
    """An Android zip whose chat member has a German name and CRLF lines."""
    chat = "14.03.25, 09:15 - Lily Chen: IMG-20250303-WA0001.jpg (Datei angehängt)\r\nRohmaterial\r\n"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("WhatsApp Chat mit Lily Chen.txt", chat.encode())
        zf.writestr("IMG-20250303-WA0001.jpg", b"\xff\xd8")
    path = tmp_path / "WhatsApp Chat mit Lily Chen.zip"
    path.write_bytes(buf.getvalue())
    frame, tally = parse(path)
    assert frame["attachments"].tolist() == [["IMG-20250303-WA0001.jpg"]]
    assert frame["text"].iloc[0] == "IMG-20250303-WA0001.jpg (Datei angehängt)\nRohmaterial"
    assert tally.warnings == []


def test_overlong_line_is_cut_and_reported(tmp_path):
    path = tmp_path / "chat.txt"
    path.write_text("14/03/2025, 09:15 - Tom: " + "x" * 500 + "\n14/03/2025, 09:16 - Lily: ok\n", encoding="utf-8")
    result = get_parser("whatsapp").parse(Source.open(path, Limits(max_line_chars=100)), ParseOptions())
    assert len(result.frame["text"].iloc[0]) == 100 - len("14/03/2025, 09:15 - Tom: ")
    assert result.frame["text"].iloc[1] == "ok"
    assert any("1 line(s) longer than 100 characters" in w for w in result.tally.warnings)


def test_zip_with_two_chats_gives_two_conversations(tmp_path):
    path = _zip(
        tmp_path,
        "exports.zip",
        {
            "WhatsApp Chat with Lily Chen.txt": b"14.03.25, 09:15 - Lily Chen: deposit received\n",
            "WhatsApp Chat with Wang Jianguo.txt": b"15.03.25, 10:00 - Wang Jianguo: ship next week\n",
        },
    )
    df = chatsignals.read(path, tz="UTC")
    by_title = df.set_index("conversation_title")["conversation_id"].to_dict()
    assert set(by_title) == {"Lily Chen", "Wang Jianguo"}
    assert len(set(by_title.values())) == 2
    assert sorted(df["source_locator"]) == [
        "WhatsApp Chat with Lily Chen.txt:L1",
        "WhatsApp Chat with Wang Jianguo.txt:L1",
    ]
