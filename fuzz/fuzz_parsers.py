"""Coverage-guided fuzzing of one parser (or one parser family) with atheris.

    python fuzz/fuzz_parsers.py PARSER_OR_FAMILY [CORPUS_DIR ...] [libFuzzer flags]

Each input is written to a temporary file and read with ``chatsignals.read(path, format=NAME)``
for every parser of the family. Only :class:`chatsignals.errors.InputError` may escape: anything
else is a crash. Crashes are saved (deduplicated by exception type and innermost chatsignals
frame) as ``$FUZZ_ARTIFACTS/<parser>-<sig>.bin`` plus a ``.txt`` traceback, and fuzzing goes on,
so one run finds every distinct crash instead of stopping at the first. Set ``FUZZ_RAISE=1`` to
let libFuzzer stop on the first crash instead.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import traceback
from pathlib import Path

import atheris

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# heavy third-party modules first, uninstrumented: coverage is wanted in chatsignals only
import bs4  # noqa: E402,F401
import lxml.html  # noqa: E402,F401
import pandas  # noqa: E402,F401
import pyarrow  # noqa: E402,F401

with atheris.instrument_imports(include=["chatsignals"]):
    import chatsignals
    from chatsignals import parsers as registry
    from chatsignals.errors import InputError

    registry.parsers()  # imports (and so instruments) every parser module

from tests.fuzz.corpus import family_members  # noqa: E402

ARTIFACTS = Path(os.environ.get("FUZZ_ARTIFACTS", "/tmp/chatsignals-fuzz/artifacts"))
RAISE = os.environ.get("FUZZ_RAISE") == "1"
SEEN: set[str] = set()
WORK = Path(tempfile.mkdtemp(prefix="chatsignals-fuzz-"))


def signature(exc: BaseException) -> str:
    """Exception type plus the innermost frame in chatsignals: one crash, one signature."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if "chatsignals" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    return f"{type(exc).__name__}@{where}"


def save_crash(name: str, data: bytes, exc: BaseException) -> None:
    sig = signature(exc)
    if sig in SEEN:
        return
    SEEN.add(sig)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    short = hashlib.sha1(sig.encode()).hexdigest()[:8]
    stem = ARTIFACTS / f"{name}-{short}"
    stem.with_suffix(".bin").write_bytes(data)
    text = "".join(traceback.format_exception(exc))
    stem.with_suffix(".txt").write_text(f"{sig}\n\n{text}", encoding="utf-8")
    print(f"\n=== new crash {name} {sig} -> {stem}.bin", file=sys.stderr, flush=True)


def suffix_for(parser_name: str, data: bytes) -> str:
    """A plausible file name ending: some parsers use it as a hint (zip vs text, .md)."""
    if data[:4] == b"PK\x03\x04":
        return ".zip"
    suffixes = registry.get_parser(parser_name).suffixes
    return suffixes[0] if suffixes and suffixes[0] else ".bin"


def make_target(names: tuple[str, ...]):  # type: ignore[no-untyped-def]
    def test_one_input(data: bytes) -> None:
        for name in names:
            path = WORK / f"input{suffix_for(name, data)}"
            path.write_bytes(data)
            try:
                chatsignals.read(path, format=name)
            except InputError:
                pass
            except Exception as exc:
                if RAISE:
                    raise
                save_crash(name, data, exc)
            finally:
                path.unlink(missing_ok=True)

    return test_one_input


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    names = family_members(sys.argv[1])
    for name in names:
        registry.get_parser(name)  # UsageError for an unknown name, before fuzzing starts
    argv = [sys.argv[0], *sys.argv[2:]]
    atheris.Setup(argv, make_target(names))
    atheris.Fuzz()


if __name__ == "__main__":
    main()
