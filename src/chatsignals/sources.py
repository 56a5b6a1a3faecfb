"""Input files as evidence: path, SHA-256, size, safe reading, safe zip access, text decoding.

Every row of the message table points back to its file and that file's SHA-256, so the hash is
taken here, once, from the bytes on disk, before any parser sees them.
"""

from __future__ import annotations

import hashlib
import os
import stat
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cached_property
from pathlib import Path, PurePosixPath

from .errors import InputError, UsageError

MiB = 1024 * 1024
GiB = 1024 * MiB


@dataclass(frozen=True)
class Limits:
    """Resource limits for hostile input. Every limit is a plain, documented number."""

    max_file_bytes: int = 4 * GiB  # largest input file at all (streamed formats)
    max_text_bytes: int = 1 * GiB  # largest file a parser reads into memory whole
    max_zip_members: int = 20_000
    max_zip_member_bytes: int = 1 * GiB  # one member, uncompressed
    max_zip_total_bytes: int = 4 * GiB  # all members, uncompressed
    max_zip_ratio: int = 200  # uncompressed/compressed: a zip bomb beyond this is refused
    max_nesting: int = 100  # JSON/HTML/MIME nesting depth
    max_line_chars: int = 20 * MiB  # one line/message longer than this is cut and reported

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    def overridden(self, changes: Mapping[str, int] | Iterable[str] | None) -> Limits:
        """These limits with some changed: ``{"max_zip_members": 50000}`` or the command line's
        ``["max_zip_members=50000", "max_file_bytes=8GiB"]`` (sizes take K/M/G, KiB/MiB/GiB, KB/MB/GB,
        all powers of 1024). A wrong name or value is a usage error naming the valid ones."""
        if not changes:
            return self
        pairs = changes.items() if isinstance(changes, Mapping) else (_split_limit(c) for c in changes)
        values = {}
        for name, value in pairs:
            if name not in self.names():
                raise UsageError(f"unknown limit {name!r}; limits are: {', '.join(self.names())}")
            values[name] = _limit_value(name, value)
        return replace(self, **values)

    def changes(self) -> dict[str, int]:
        """The limits that differ from the defaults (recorded with an analysis' settings)."""
        return {name: getattr(self, name) for name in self.names()
                if getattr(self, name) != getattr(DEFAULT_LIMITS, name)}


_UNITS = {"": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": MiB, "mb": MiB, "mib": MiB,
          "g": GiB, "gb": GiB, "gib": GiB}


def _split_limit(item: str) -> tuple[str, str]:
    name, sep, value = item.partition("=")
    if not sep:
        raise UsageError(f"--limit takes NAME=VALUE, e.g. max_zip_members=50000, not {item!r}")
    return name.strip(), value.strip()


def _limit_value(name: str, value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = str(value).strip().lower().replace("_", "").replace(",", "")
        digits = text.rstrip("kmgib")
        unit = text[len(digits):]
        if not digits.isdigit() or unit not in _UNITS:
            raise UsageError(f"limit {name}: {value!r} is not a whole number (sizes may end in K, M or G)")
        number = int(digits) * _UNITS[unit]
    if number <= 0:
        raise UsageError(f"limit {name}: must be above 0, not {value!r}")
    return number


DEFAULT_LIMITS = Limits()


def limits_from(limits: Limits | Mapping[str, int] | Iterable[str] | None) -> Limits:
    """The limits a caller asks for: a :class:`Limits` as it is, changes to the defaults as
    ``{"max_zip_members": 50000}`` or ``["max_zip_members=50000"]`` (the command line), or None."""
    return limits if isinstance(limits, Limits) else DEFAULT_LIMITS.overridden(limits)


def sha256_file(path: Path, chunk: int = 4 * MiB) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class Source:
    """One input file. ``display`` is the path as the user gave it (the table's source_file)."""

    path: Path
    display: str
    limits: Limits = field(default_factory=Limits)

    @classmethod
    def open(cls, path: str | os.PathLike[str], limits: Limits | None = None) -> Source:
        p = Path(path)
        display = os.fspath(path)  # str(path) for a str or Path; the path itself for other PathLikes
        try:
            st = p.stat()
        except FileNotFoundError:
            raise InputError(display, "no such file") from None
        except OSError as exc:
            raise InputError(display, f"cannot read: {exc.strerror or exc}") from None
        if stat.S_ISDIR(st.st_mode):
            raise InputError(display, "is a folder, not a file")
        if not stat.S_ISREG(st.st_mode):
            raise InputError(display, "is not a regular file")
        lim = limits or DEFAULT_LIMITS
        if st.st_size > lim.max_file_bytes:
            raise InputError(
                display, f"file is {st.st_size:,} bytes, over the limit of {lim.max_file_bytes:,}"
            )
        return cls(p, display, lim)

    @cached_property
    def size(self) -> int:
        return self.path.stat().st_size

    @cached_property
    def sha256(self) -> str:
        try:
            return sha256_file(self.path)
        except OSError as exc:
            raise InputError(self.display, f"cannot read: {exc.strerror or exc}") from None

    @cached_property
    def head(self) -> bytes:
        """The first 64 KiB, for format detection."""
        with self.path.open("rb") as handle:
            return handle.read(64 * 1024)

    @property
    def suffix(self) -> str:
        return self.path.suffix.lower()

    @property
    def name(self) -> str:
        return self.path.name

    def read_bytes(self) -> bytes:
        if self.size > self.limits.max_text_bytes:
            raise InputError(
                self.display,
                f"file is {self.size:,} bytes, over the in-memory limit of "
                f"{self.limits.max_text_bytes:,} for this format",
            )
        try:
            return self.path.read_bytes()
        except OSError as exc:
            raise InputError(self.display, f"cannot read: {exc.strerror or exc}") from None

    def read_text(self) -> str:
        return decode_utf(self.read_bytes(), self.display)

    def is_zip(self) -> bool:
        return self.head[:4] in (b"PK\x03\x04", b"PK\x05\x06")


def decode_utf(data: bytes, display: str) -> str:
    """Decode a text export: UTF-8 (with or without BOM) or UTF-16 with a BOM.

    Chat exports are Unicode; anything else is reported, never guessed silently.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(display, f"invalid UTF-16 at byte {exc.start}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            display, f"not valid UTF-8 text (bad byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def looks_binary(head: bytes) -> bool:
    """True for data that is not text: NUL bytes (outside UTF-16) or mostly control bytes."""
    if not head:
        return False
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    control = sum(1 for b in head if b < 9 or 13 < b < 32)
    return control > len(head) * 0.05


def safe_member_name(name: str) -> bool:
    """False for zip member names that would escape a folder (absolute, '..', drive letters)."""
    if not name or name.startswith(("/", "\\")) or "\x00" in name:
        return False
    if len(name) > 1 and name[1] == ":":
        return False
    parts = PurePosixPath(name.replace("\\", "/")).parts
    return ".." not in parts


class SafeZip:
    """A zip archive opened with the checks hostile input needs: path traversal, member count,
    member and total size, and compression ratio (zip bombs). Members are read into memory only
    through :meth:`read`, which enforces the limits while reading, not from the declared sizes."""

    def __init__(self, source: Source) -> None:
        self.source = source
        lim = source.limits
        try:
            self.zip = zipfile.ZipFile(source.path)
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise InputError(source.display, f"damaged or truncated zip file ({exc})") from None
        if len(infos) > lim.max_zip_members:
            raise InputError(
                source.display, f"zip has {len(infos):,} members, over the limit of {lim.max_zip_members:,}"
            )
        for info in infos:
            if not safe_member_name(info.filename):
                raise InputError(
                    source.display, f"zip member {info.filename!r} has an unsafe path (path traversal)"
                )
        total = sum(i.file_size for i in infos)
        if total > lim.max_zip_total_bytes:
            raise InputError(
                source.display, f"zip expands to {total:,} bytes, over the limit of {lim.max_zip_total_bytes:,}"
            )
        self.infos = infos

    def names(self) -> list[str]:
        return [i.filename for i in self.infos if not i.is_dir()]

    def read(self, name: str) -> bytes:
        """Read one member, stopping as soon as it exceeds the member limit or the ratio."""
        lim = self.source.limits
        info = self.zip.getinfo(name)
        cap = min(lim.max_zip_member_bytes, max(info.compress_size, 1) * lim.max_zip_ratio + 1 * MiB)
        if info.file_size > cap:
            raise InputError(
                self.source.display,
                f"zip member {name!r} is {info.file_size:,} bytes uncompressed, over the limit of {cap:,}",
            )
        chunks: list[bytes] = []
        read = 0
        try:
            with self.zip.open(info) as handle:
                while block := handle.read(1 * MiB):
                    read += len(block)
                    if read > cap:
                        raise InputError(
                            self.source.display,
                            f"zip member {name!r} expands beyond {cap:,} bytes (zip bomb?)",
                        )
                    chunks.append(block)
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise InputError(self.source.display, f"zip member {name!r} is damaged ({exc})") from None
        return b"".join(chunks)

    def close(self) -> None:
        self.zip.close()

    def __enter__(self) -> SafeZip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
