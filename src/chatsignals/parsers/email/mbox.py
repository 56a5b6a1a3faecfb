"""mbox files streamed message by message (Thunderbird, Apple Mail, Google Takeout).

A mailbox can be gigabytes; it is read line by line and each message is parsed and dropped
before the next is read, so memory stays at one message plus the rows. A message starts at a
``From `` line that follows a blank line (or opens the file) and looks like an mbox separator
(``From sender date``); an unescaped "From " sentence in a body does not split a message.
Google Takeout files (CRLF line ends, ``X-GM-THRID``, ``X-Gmail-Labels``) need nothing special.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

MAX_MESSAGE_BYTES = 256 * 1024 * 1024  # one message larger than this is skipped and reported

_SEPARATOR = re.compile(rb"^From \S*\s.*(\d{1,2}:\d{2}|\d{4})", re.DOTALL)
_ESCAPED = re.compile(rb"(?m)^>(>*From )")


@dataclass
class RawMessage:
    """One message cut out of the mailbox: its 0-based index, 1-based line range, bytes."""

    index: int
    first_line: int
    last_line: int
    data: bytes
    too_large: bool = False


def is_separator(line: bytes) -> bool:
    return line.startswith(b"From ") and bool(_SEPARATOR.match(line))


def iter_messages(handle: BinaryIO, preamble: list[int] | None = None) -> Iterator[RawMessage]:
    """Yield the messages of an open mbox. Non-blank lines before the first separator are
    counted in ``preamble`` (their line numbers) so the caller can report them."""
    chunks: list[bytes] = []
    size = 0
    index = -1
    first = 0
    previous_blank = True
    too_large = False
    lineno = 0
    for lineno, line in enumerate(handle, 1):
        if previous_blank and is_separator(line):
            if index >= 0:
                yield _finish(index, first, lineno - 1, chunks, too_large)
            index += 1
            first, chunks, size, too_large = lineno, [], 0, False
            previous_blank = False
            continue
        previous_blank = line in (b"\n", b"\r\n")
        if index < 0:
            if not previous_blank and preamble is not None:
                preamble.append(lineno)
            continue
        size += len(line)
        if size > MAX_MESSAGE_BYTES:
            too_large = True
            continue
        chunks.append(line)
    if index >= 0:
        yield _finish(index, first, lineno, chunks, too_large)


def _finish(index: int, first: int, last: int, chunks: list[bytes], too_large: bool) -> RawMessage:
    data = b"".join(chunks)
    if b">From " in data:  # mboxrd escaping of body lines that start with "From "
        data = _ESCAPED.sub(rb"\1", data)
    return RawMessage(index, first, last, b"" if too_large else data, too_large)
