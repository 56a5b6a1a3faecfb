"""Which literal strings a regex cannot match without: an exact prefilter (the scam rules' regexes, the spec patterns).

The rule files hold some 340 regexes and every message used to meet each of them, although most
messages contain none of the words most of them need. From a regex's parse tree we read the
literal strings no match can do without, as an AND of OR-sets ("``\\bpay\\w* ... (?:today|tonight)``"
needs "pay" and one of "today", "tonight"), index the regexes by the first three characters of
those strings, and run a regex only on a text that holds what it needs. The test is exact: a
regex it skips could not have matched (``tests/findings/test_rule_prefilter.py`` checks this on
the rule tests and real messages).

Case: the rules' regexes are case-insensitive and the text is compared lower-cased. That is exact
for ASCII and for characters without case (CJK, emoji); a text with another cased character (``ſ``
matches ``s`` under ``re.IGNORECASE`` but does not lower-case to it) runs every regex.
"""

from __future__ import annotations

import re
import re._constants as sre  # the parse tree's opcodes
import re._parser as sre_parse
from collections.abc import Sequence
from typing import Any

#: an OR-set of literal strings (lower-cased); a regex needs one of them in the text
Factor = frozenset[str]
#: the index key: how many leading characters of a literal are looked up
GRAM = 3
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT)
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _uncased(ch: str) -> bool:
    """A character only equal to itself under ``re.IGNORECASE`` and under ``str.lower``."""
    return ch.lower() == ch and ch.upper() == ch


def caseless(text: str) -> str | None:
    """``text`` lower-cased when lower-casing is exact for the regexes (see the module doc),
    else None."""
    if not text.isascii() and not all(_uncased(ch) for ch in _NON_ASCII.findall(text)):
        return None
    return text.lower()


def required(pattern: str, flags: int = 0) -> list[Factor]:
    """The factors every match of ``pattern`` contains ([] when nothing is certain)."""
    try:
        tree = sre_parse.parse(pattern, flags)
    except (re.error, RecursionError):
        return []
    return _sequence(tree)


def _sequence(items: Any) -> list[Factor]:
    """Factors of a sequence: its runs of literal characters, and what its parts need."""
    factors: list[Factor] = []
    run: list[str] = []

    def flush() -> None:
        if run:
            factors.append(frozenset(["".join(run)]))
            run.clear()

    for op, arg in items:
        if op is sre.LITERAL and (arg < 128 or _uncased(chr(arg))):
            run.append(chr(arg).lower())
            continue
        flush()  # anything else ends the run (lookarounds and \b too: simpler, still exact)
        if op is sre.SUBPATTERN:
            factors += _sequence(arg[-1])
        elif op is sre.ATOMIC_GROUP:
            factors += _sequence(arg)
        elif op in _REPEATS and arg[0] >= 1:
            factors += _sequence(arg[2])
        elif op is sre.BRANCH:
            either = _any_of([_sequence(branch) for branch in arg[1]])
            if either:
                factors.append(either)
    flush()
    return factors


def _any_of(branches: list[list[Factor]]) -> Factor:
    """One factor for an alternation: each branch's best factor, joined (empty when a branch
    needs nothing)."""
    if not branches or any(not b for b in branches):
        return frozenset()
    return frozenset().union(*(best(b) for b in branches))


def best(factors: Sequence[Factor]) -> Factor:
    """The factor to look a regex up by: the one whose shortest string is longest, preferring
    factors without short words ("in", "my" occur in nearly every text and would make the regex
    a candidate everywhere)."""
    telling = [f for f in factors if all(len(s) >= GRAM or not s.isalnum() for s in f)]
    return max(telling or factors, key=lambda f: min(map(len, f)))


class RegexIndex:
    """Regexes numbered 0..n-1, looked up by the strings of their best factor. A text finds its
    candidates by testing only the strings whose first GRAM characters it contains, then keeps
    the candidates whose other factors it meets: a few dozen substring tests a message instead
    of hundreds of regex scans."""

    def __init__(self, patterns: Sequence[str], flags: int = 0) -> None:
        factors = [required(p, flags) for p in patterns]
        self.always = {i for i, f in enumerate(factors) if not f}  # nothing certain: always run
        #: the factors besides the one looked up by, each as (its strings' first GRAM
        #: characters, or None when a string is shorter; its strings)
        self.rest: list[list[tuple[frozenset[str] | None, tuple[str, ...]]]] = []
        keys: dict[str, set[int]] = {}
        for i, found in enumerate(factors):
            key = best(found) if found else frozenset()
            self.rest.append([(_heads(f), tuple(sorted(f))) for f in found if f is not key])
            for literal in key:
                keys.setdefault(literal, set()).add(i)
        self.by_gram: dict[str, list[tuple[str, frozenset[int]]]] = {}
        self.short: list[tuple[str, frozenset[int]]] = []  # shorter than GRAM: tested on every text
        for literal, ids in sorted(keys.items()):
            if len(literal) < GRAM:
                self.short.append((literal, frozenset(ids)))
            else:
                self.by_gram.setdefault(literal[:GRAM], []).append((literal, frozenset(ids)))
        self.size = len(factors)

    def __len__(self) -> int:
        return self.size

    def possible(self, text: str) -> set[int] | None:
        """The regexes that may match ``text`` (None: any may, the text defeats the prefilter)."""
        low = caseless(text)
        if low is None:
            return None
        candidates = set(self.always)
        for literal, ids in self.short:
            if literal in low:
                candidates |= ids
        grams = {low[i : i + GRAM] for i in range(len(low) - GRAM + 1)}
        for gram in grams.intersection(self.by_gram):
            for literal, ids in self.by_gram[gram]:
                if literal in low:
                    candidates |= ids
        return {i for i in candidates if _met(self.rest[i], low, grams)}


def _heads(factor: Factor) -> frozenset[str] | None:
    """The first GRAM characters of each string (None if one is shorter)."""
    if min(map(len, factor)) < GRAM:
        return None
    return frozenset(s[:GRAM] for s in factor)


def _met(factors: list[tuple[frozenset[str] | None, tuple[str, ...]]], low: str, grams: set[str]) -> bool:
    """Every factor has one of its strings in the lower-cased text (whose GRAM-character
    substrings are ``grams``: a factor none of whose heads is among them is absent at once)."""
    for heads, literals in factors:
        if heads is not None and heads.isdisjoint(grams):
            return False
        for literal in literals:
            if literal in low:
                break
        else:
            return False
    return True
