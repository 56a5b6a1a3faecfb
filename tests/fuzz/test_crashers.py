"""Every crash the fuzzers found, kept as a reproducer file: ``crashers/<parser>-<short>.bin``.

Each is read with its parser forced and by detection; only InputError may escape. A crash whose
fix is pending in a module this suite does not own is a strict xfail naming the module, so the
day it is fixed the xfail turns into a failure that says "remove me from PENDING".
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import chatsignals
from chatsignals.cli import main
from chatsignals.errors import InputError
from chatsignals.parsers import parsers

CRASHERS = Path(__file__).parent / "crashers"

#: reproducer file name -> (the exception it still raises, why and where the fix belongs).
#: Fixed and removed: the seven *-year*.bin crashes (OutOfBoundsDatetime in table._as_utc),
#: fixed in table.py by d05d9a6; the WeChat HTML epoch, WeChat CSV header and zlib crashes were
#: fixed in html_export.py, csv_export.py and sources.py.
PENDING: dict[str, tuple[type[BaseException], str]] = {}


def parser_of(path: Path) -> str:
    """The parser named by the file's prefix (the longest registered name that fits)."""
    names = sorted((p.name for p in parsers()), key=len, reverse=True)
    return next(n for n in names if path.name.startswith(n + "-"))


def _cases() -> list[object]:
    cases: list[object] = []
    for path in sorted(CRASHERS.glob("*.bin")):
        marks = []
        if path.name in PENDING:
            raises, reason = PENDING[path.name]
            marks.append(pytest.mark.xfail(strict=True, raises=raises, reason=reason))
        cases.append(pytest.param(path, marks=marks, id=path.name))
    return cases


def test_pending_list_names_only_existing_reproducers() -> None:
    assert set(PENDING) <= {p.name for p in CRASHERS.glob("*.bin")}


@pytest.mark.parametrize("crasher", _cases())
def test_crasher_only_raises_input_error(crasher: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    name = parser_of(crasher)
    suffixes = next(p.suffixes for p in parsers() if p.name == name)
    path = tmp_path / f"input{'.zip' if crasher.read_bytes()[:2] == b'PK' else suffixes[0] or '.dat'}"
    shutil.copyfile(crasher, path)
    for kwargs in ({"format": name}, {}):
        try:
            chatsignals.read(path, **kwargs)
        except InputError as exc:
            assert "\n" not in str(exc)
    code = main(["parse", str(path), "-o", str(tmp_path / "m.parquet"), "-q"])
    err = capsys.readouterr().err
    assert code in (0, 1, 2) and "Traceback" not in err
