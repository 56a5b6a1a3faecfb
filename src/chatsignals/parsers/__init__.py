"""The format registry: one module per format, detection by content, one table out.

Importing this package imports every built-in parser module, each of which registers its parser.
"""

from __future__ import annotations

import importlib

from ..errors import InputError, UsageError
from ..sources import Source, looks_binary
from .base import ParseOptions, Parser, ParseResult

_REGISTRY: dict[str, Parser] = {}

#: built-in parser modules, imported on first use of the registry
BUILTIN_MODULES = (
    "generic",
    "whatsapp",
    "email",
    "alibaba",
    "wechat",
    "telegram",
    "skype",
    "meta",
    "line",
    "signal",
)
_loaded = False

#: the lowest detection score that counts as a match
MIN_SCORE = 0.3


def register(parser_class: type[Parser]) -> type[Parser]:
    """Class decorator: add a parser to the registry under its ``name``."""
    parser = parser_class()
    if not parser.name:
        raise ValueError(f"{parser_class.__name__} has no name")
    _REGISTRY[parser.name] = parser
    return parser_class


def _load_builtins() -> None:
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in BUILTIN_MODULES:
        try:
            importlib.import_module(f"{__name__}.{module}")
        except ModuleNotFoundError as exc:
            # a format module not written yet; a missing *dependency* must still fail loudly
            if exc.name != f"{__name__}.{module}":
                raise


def parsers() -> list[Parser]:
    """Every registered parser, in name order."""
    _load_builtins()
    return [_REGISTRY[k] for k in sorted(_REGISTRY)]


def get_parser(name: str) -> Parser:
    _load_builtins()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise UsageError(f"unknown format {name!r} (known: {known})") from None


def detect(source: Source) -> Parser:
    """The parser whose content test scores highest for ``source``; InputError when none fits."""
    _load_builtins()
    if source.size == 0:
        raise InputError(source.display, "empty file")
    scored: list[tuple[float, int, str]] = []
    for parser in _REGISTRY.values():
        try:
            score = float(parser.detect(source))
        except InputError:
            raise
        except Exception:  # a detector must never take the run down; treat as no match
            score = 0.0
        if score >= MIN_SCORE:
            scored.append((score, parser.priority, parser.name))
    if not scored:
        if looks_binary(source.head) and not source.is_zip():
            raise InputError(source.display, "binary file, not a chat export or e-mail")
        raise InputError(source.display, "unknown format (no parser recognised its content)")
    scored.sort(key=lambda x: (-x[0], -x[1], x[2]))  # score, then priority; names only for a stable order
    return _REGISTRY[scored[0][2]]


__all__ = [
    "ParseOptions",
    "ParseResult",
    "Parser",
    "detect",
    "get_parser",
    "parsers",
    "register",
]
