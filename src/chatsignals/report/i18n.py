"""The report's interface text, kept in data (``locales/<lang>.yaml``) so translations are files."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import yaml

from ..errors import UsageError


@lru_cache(maxsize=8)
def texts(lang: str = "en") -> dict[str, str]:
    """The interface strings for ``lang``, English for any key a translation lacks."""
    base = _load("en")
    if lang == "en":
        return base
    return {**base, **_load(lang)}


def _load(lang: str) -> dict[str, str]:
    name = f"{lang}.yaml"
    folder = resources.files("chatsignals.report") / "locales"
    path = folder / name
    if not path.is_file():
        known = sorted(p.name.removesuffix(".yaml") for p in folder.iterdir() if p.name.endswith(".yaml"))
        raise UsageError(f"no report translation for {lang!r} (available: {', '.join(known)})")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): str(v) for k, v in data.items()}
