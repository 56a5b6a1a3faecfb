"""The real fixtures the fuzzers mutate, grouped by the parser that reads each one.

Mutating real exports reaches far deeper into a parser than random bytes do: the mutants keep
enough of the format to pass detection and the header checks. Fixtures are grouped by what
``chatsignals.parsers.detect`` says about them, so a new fixture joins the right group by itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from chatsignals.errors import ChatsignalsError
from chatsignals.parsers import detect, parsers
from chatsignals.sources import Source

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "data" / "samples"
PARSER_FIXTURES = ROOT / "tests" / "parsers"
REALDATA = ROOT.parent / "shared" / "realdata"

#: parser families: one atheris harness run each (members share most of their code)
FAMILIES: dict[str, tuple[str, ...]] = {
    "whatsapp": ("whatsapp",),
    "email": ("email", "mbox", "msg"),
    "generic": ("generic",),
    "alibaba": ("alibaba_page", "alibaba_paste"),
    "wechat": ("wechat_csv", "wechat_html", "wechat_paste", "wechat_txt"),
    "telegram": ("telegram", "telegram_html"),
    "skype": ("skype",),
    "meta": ("messenger", "instagram"),
    "line": ("line",),
    "signal": ("signal",),
}

SKIP_SUFFIXES = {".py", ".pyc", ".md5", ".yaml", ".yml", ".gold"}
MAX_FIXTURE_BYTES = 2 * 1024 * 1024


def _candidate_files(roots: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if _usable(path):
                files.append(path)
    return files


def _usable(path: Path) -> bool:
    return (
        path.is_file()
        and path.suffix.lower() not in SKIP_SUFFIXES
        and "__pycache__" not in path.parts
        and path.stat().st_size <= MAX_FIXTURE_BYTES
    )


def _detected(path: Path) -> str | None:
    try:
        return detect(Source.open(path)).name
    except ChatsignalsError:
        return None


@lru_cache(maxsize=2)
def fixtures_by_parser(include_realdata: bool = False) -> dict[str, tuple[Path, ...]]:
    """Parser name -> the fixture files detected as that format (sorted, stable)."""
    roots = [SAMPLES, PARSER_FIXTURES]
    if include_realdata:
        roots.append(REALDATA)
    groups: dict[str, list[Path]] = {p.name: [] for p in parsers()}
    for path in _candidate_files(roots):
        name = _detected(path)
        if name is not None:
            groups.setdefault(name, []).append(path)
    return {name: tuple(paths) for name, paths in groups.items()}


def family_of(parser_name: str) -> str:
    for family, members in FAMILIES.items():
        if parser_name in members:
            return family
    return parser_name


def family_members(name: str) -> tuple[str, ...]:
    """The parser names of a family, or the one parser ``name`` names."""
    return FAMILIES.get(name, (name,))


#: generic tables have no exporter to take fixtures from: three small ones in the sample story
GENERIC_SEEDS: dict[str, bytes] = {
    "generic.csv": (
        b"timestamp,sender,text,conversation_id,message_id,role\n"
        b"2025-03-03T09:12:00+01:00,Lily Chen,\"we received your deposit, production start today\",c1,m1,seller\n"
        b"2025-03-03T09:15:00+01:00,Tom Becker,\"Thanks, please send photos\nof the reels\",c1,m2,buyer\n"
        b"1743494400,Lily Chen,pls pay balance today,c1,m3,\n"
    ),
    "generic.jsonl": (
        b'{"timestamp": "2025-04-01 10:00", "sender": "Lily Chen", "text": "our new account is HSBC"}\n'
        b'{"timestamp": 1743501600000, "sender": "Tom Becker", "text": "why a person\'s name?",'
        b' "attachments": ["invoice.pdf"]}\n'
    ),
    "generic.json": (
        b'[{"timestamp": "2025-04-02T08:00:00Z", "sender": "Lily Chen", "text": "goods shipped today",'
        b' "is_system": false},'
        b' {"timestamp": "2025-04-02T08:05:00Z", "sender": "Tom Becker", "text": "tracking?"}]'
    ),
}


def seed_bytes(parser_name: str, include_realdata: bool = False) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every seed for one parser: its fixtures, or the generic seeds."""
    if parser_name == "generic":
        return sorted(GENERIC_SEEDS.items())
    return [(p.name, p.read_bytes()) for p in fixtures_by_parser(include_realdata).get(parser_name, ())]
