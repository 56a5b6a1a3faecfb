"""Helpers for the e-mail parser tests: write raw messages as bytes, read them back."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatsignals.reading import make_options, read_inputs


def write_mail(folder: Path, name: str, text: str | bytes, crlf: bool = True) -> Path:
    data = text if isinstance(text, bytes) else text.encode("utf-8")
    if crlf:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    path = folder / name
    path.write_bytes(data)
    return path


def read_all(paths, **options):
    """(table, tallies by file name, failures) for ``paths``."""
    result = read_inputs(paths if isinstance(paths, list) else [paths], make_options(**options))
    tallies = {Path(t.source_file).name: t for t in result.tallies}
    return result.table, tallies, result.failures


@pytest.fixture
def mailbox_dir(tmp_path: Path) -> Path:
    return tmp_path
