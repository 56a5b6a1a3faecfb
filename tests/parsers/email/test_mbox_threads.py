"""mbox streaming (Google Takeout included), corrupt messages, and thread linking."""

from __future__ import annotations

import pandas as pd

import chatsignals
from chatsignals.parsers import detect
from chatsignals.parsers.email import mbox as mbox_reader
from chatsignals.parsers.email.threads import link_threads, normalize_subject
from chatsignals.reading import make_options, read_one
from chatsignals.sources import Source
from chatsignals.table import concat_tables, finalize, validate

from .conftest import read_all, write_mail


def test_takeout_mbox_rows_threads_and_corrupt_message(samples):
    path = samples / "formats" / "email" / "google_takeout.mbox"
    assert b"\r\n" in path.read_bytes()[:200]  # Takeout's CRLF line ends
    assert detect(Source.open(path)).name == "mbox"
    table, tallies, failures = read_all([path])
    assert failures == []
    tally = tallies["google_takeout.mbox"]
    assert tally.messages == 3
    assert [(s.locator, s.reason) for s in tally.skipped] == [
        ("msg 2", "no e-mail headers (From, Date, Subject, Message-ID, To)")
    ]
    assert "msg 3: no Date header: timestamp left empty" in tally.warnings
    by_loc = table.set_index("source_locator")
    assert list(by_loc.index) == ["msg 0", "msg 1", "msg 3"]
    assert by_loc.loc["msg 0", "conversation_id"] == by_loc.loc["msg 1", "conversation_id"] == "gmail-1827361122334455667"
    # mboxrd: the ">From now on" body line is unescaped, and did not split the message
    assert by_loc.loc["msg 1", "text"].endswith("From now on please also copy our QC agent.")
    assert by_loc.loc["msg 3", "signature"] == "Sent from my iPhone"


def test_iter_messages_splits_only_on_separators_after_blank_lines(tmp_path):
    data = (
        b"From a@b Mon Mar 17 09:30:00 2025\nFrom: a@b\nSubject: one\n\nbody line\n"
        b"From the factory we heard nothing\n\n"
        b"From c@d Tue Mar 18 10:00:00 2025\nFrom: c@d\nSubject: two\n\nsecond\n"
    )
    path = tmp_path / "box.mbox"
    path.write_bytes(data)
    with path.open("rb") as handle:
        messages = list(mbox_reader.iter_messages(handle))
    assert [(m.index, m.first_line, m.last_line) for m in messages] == [(0, 1, 7), (1, 8, 12)]
    assert b"From the factory" in messages[0].data


def _mail(i: int, subject: str, mid: str, refs: str | None = None, date: str = "Mon, 17 Mar 2025 08:01:00 +0800") -> str:
    head = f"From: Lily Chen <lily@brightway-lighting.com>\nTo: tom@becker-shop.de\nSubject: {subject}\nDate: {date}\nMessage-ID: {mid}\n"
    if refs:
        head += f"In-Reply-To: {refs.split()[-1]}\nReferences: {refs}\n"
    return head + f"\nmessage {i}\n"


def test_link_threads_joins_a_thread_spread_over_eml_files(tmp_path):
    write_mail(tmp_path, "a.eml", _mail(0, "Order", "<a@x>"))
    write_mail(tmp_path, "c.eml", _mail(2, "Re: Order", "<c@x>", "<b@x>"))  # its parent b is in another file
    write_mail(tmp_path, "b.eml", _mail(1, "Re: Order", "<b@x>", "<a@x>"))
    write_mail(tmp_path, "z.eml", _mail(3, "Other", "<z@x>"))
    options = make_options()
    per_file = concat_tables([read_one(str(p), options)[0] for p in sorted(tmp_path.glob("*.eml"))])
    assert per_file["conversation_id"].nunique() == 3  # c names only b: not linked file by file
    linked = link_threads(per_file)
    convs = dict(zip(linked["text"], linked["conversation_id"], strict=True))
    assert convs["message 0"] == convs["message 1"] == convs["message 2"] != convs["message 3"]
    assert linked["conversation_id"].str.startswith("email-").all()
    validate(finalize(linked))  # dtypes survive
    read = chatsignals.read(tmp_path)  # the reading layer links after concatenation
    assert read["conversation_id"].nunique() == 2


def test_subject_is_only_a_last_resort(tmp_path):
    write_mail(tmp_path, "a.eml", _mail(0, "Invoice", "<a@x>"))
    write_mail(tmp_path, "b.eml", "From: tom@becker-shop.de\nSubject: AW: Invoice\nDate: Tue, 18 Mar 2025 08:00:00 +0100\n\nok\n")
    write_mail(tmp_path, "c.eml", _mail(2, "Invoice", "<c@x>", date="Wed, 19 Mar 2025 08:00:00 +0800"))
    linked = link_threads(chatsignals.read(tmp_path))
    convs = dict(zip(linked["text"], linked["conversation_id"], strict=True))
    assert convs["ok"] == convs["message 0"]  # a reply without references joins by subject
    assert convs["message 2"] != convs["message 0"]  # a new mail with the same subject does not


def test_normalize_subject_prefixes():
    assert normalize_subject("回复: 答复：Re: FW: AW: WG: 转发: [EXT] Shipment") == "shipment"
    assert normalize_subject("Re[2]: PI 231145678901") == "pi 231145678901"


def test_link_threads_leaves_chat_rows_alone():
    chat = finalize(pd.DataFrame({"conversation_id": ["wa-1"], "message_id": ["m"], "platform": ["whatsapp"], "text": ["hi"]}))
    assert link_threads(chat)["conversation_id"].tolist() == ["wa-1"]


def test_large_generated_mbox_is_streamed_with_every_message_read(tmp_path):
    path = tmp_path / "big.mbox"
    with path.open("wb") as handle:
        for i in range(500):
            handle.write(f"From lily@x Mon Mar 17 08:01:00 2025\n{_mail(i, f'Order {i % 7}', f'<m{i}@x>')}\n".encode())
    table, tallies, _ = read_all([path])
    assert tallies["big.mbox"].messages == 500 and len(table) == 500
    assert set(table["source_locator"]) == {f"msg {i}" for i in range(500)}


def test_reply_to_message_id_points_at_the_answered_row(samples):
    table = chatsignals.read(samples / "chats" / "email").set_index("email_message_id")
    invoice = table.loc["<20250328101245.4471.lily@mail.brightway-lighting.com>"]
    lookalike = table.loc["<CAF7x9Q2kd0pLm3Hq8vW@mail.brightway-lightings.com>"]
    buyer = table.loc["<5F1E2A7C-93B0-4C1E-9D7E-1B2C3D4E5F60@becker-shop.de>"]
    assert lookalike["reply_to_message_id"] == invoice["message_id"]
    assert buyer["reply_to_message_id"] == lookalike["message_id"]
    assert pd.isna(invoice["reply_to_message_id"])


def test_lotus_notes_forwarded_by_header_starts_the_quote():
    from chatsignals.parsers.email.quotes import split_quotes

    text = "Vince, see below.\n\n---------------------- Forwarded by Vince J Kaminski/HOU/ECT on 01/04/2000 08:07 AM ---------------------------\n\nold"
    assert split_quotes(text)[0] == "Vince, see below."


class _CountingLines:
    """A binary handle that counts how many lines the reader has pulled."""

    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines
        self.pulled = 0

    def __iter__(self):
        for line in self.lines:
            self.pulled += 1
            yield line


def test_mbox_is_streamed_not_read_whole():
    one = [b"From a@b Mon Mar 17 09:30:00 2025\n", b"From: a@b\n", b"Subject: s\n", b"\n", b"body\n", b"\n"]
    handle = _CountingLines(one * 1000)
    messages = mbox_reader.iter_messages(handle)  # type: ignore[arg-type]
    first = next(messages)
    assert first.index == 0 and b"body" in first.data
    assert handle.pulled <= len(one) + 1  # only up to the next separator was read


def test_oversized_message_is_skipped_and_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(mbox_reader, "MAX_MESSAGE_BYTES", 200)
    path = tmp_path / "box.mbox"
    path.write_bytes(
        b"From a@b Mon Mar 17 09:30:00 2025\nFrom: a@b\nSubject: big\n\n" + b"x" * 500 + b"\n\n"
        b"From c@d Tue Mar 18 10:00:00 2025\nFrom: c@d\nSubject: ok\nDate: Tue, 18 Mar 2025 10:00:00 +0000\n\nfine\n"
    )
    table, tallies, _ = read_all([path])
    assert table["text"].tolist() == ["fine"]
    assert [(s.locator, s.reason) for s in tallies["box.mbox"].skipped] == [("msg 0", "message over 200 bytes")]
