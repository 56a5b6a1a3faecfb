"""The scam-pattern rule library: one YAML file per rule (with its own tests), run by ``engine``."""

from __future__ import annotations

from typing import Any

__all__ = ["run_rules"]


def run_rules(messages: Any, promises: Any = None, facts: Any = None) -> Any:
    """Every scam-pattern finding in ``messages`` (see :func:`engine.run_rules`)."""
    from .engine import run_rules as _run

    return _run(messages, promises, facts)
