"""No regular expression in chatsignals may take seconds on hostile text.

Chat text is written by the people the tool accuses, and a message may be megabytes long. A
backtracking regex that goes exponential (or quadratic at every start position) on a crafted
message is a denial of service against the evidence run. This walks every compiled pattern held
at module level in ``chatsignals.*`` (also inside dicts, lists, tuples, class attributes and
module-level objects) and every regex of the YAML rule library, and runs each on adversarial
strings under a time budget.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import signal
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest

import chatsignals

#: CPU seconds one search may take on one adversarial string before the pattern is an offender
#: (CPU time, not wall time: the test must not flake on a busy machine)
BUDGET = 1.0
#: CPU seconds after which a search is abandoned (an offender whatever it would have taken)
ABORT = 3.0

#: known offenders whose fix is pending in a module this test does not own: id -> reason.
#: Not strict: a timing can dip under the budget on an idle machine. Keep it empty: every pattern
#: now runs in well under a tenth of the budget (``python -m tests.test_regex_safety`` lists the slowest).
KNOWN_SLOW: dict[str, str] = {}


def _modules() -> Iterator[ModuleType]:
    yield chatsignals
    for info in pkgutil.walk_packages(chatsignals.__path__, "chatsignals."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command line
        try:
            yield importlib.import_module(info.name)
        except ImportError:  # an optional extra (dask...) absent: its regexes are out of reach
            continue


def _walk(value: Any, depth: int = 0) -> Iterator[re.Pattern[str]]:
    if isinstance(value, re.Pattern):
        yield value
    elif depth >= 4:
        return
    elif isinstance(value, dict):
        for v in value.values():
            yield from _walk(v, depth + 1)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            yield from _walk(v, depth + 1)
    elif _ours(value):
        for v in vars(value).values():
            yield from _walk(v, depth + 1)


def _ours(value: Any) -> bool:
    """A class or an object defined in chatsignals (walked for patterns held as attributes)."""
    if isinstance(value, type):
        return value.__module__.startswith("chatsignals")
    return type(value).__module__.startswith("chatsignals") and hasattr(value, "__dict__")


def _rule_regexes() -> Iterator[tuple[str, re.Pattern[str]]]:
    """The regexes of the YAML rule library, compiled as the engine compiles them."""
    try:
        from chatsignals.findings.rules.engine import load_rules
    except ImportError:
        return
    for rule in load_rules():
        found: list[str] = []
        _collect_regex_fields(rule.model_dump(), found)
        for i, rx in enumerate(found):
            yield f"rules/{rule.id}[{i}]", re.compile(rx, re.IGNORECASE)


def _collect_regex_fields(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, v in value.items():
            if key == "regexes" and isinstance(v, list):
                out.extend(str(x) for x in v)
            else:
                _collect_regex_fields(v, out)
    elif isinstance(value, list):
        for v in value:
            _collect_regex_fields(v, out)


def collect_patterns() -> dict[str, re.Pattern[str]]:
    """id (module:name[i]) -> pattern, each distinct pattern once."""
    found: dict[str, re.Pattern[str]] = {}
    seen: set[tuple[Any, int]] = set()
    for module in _modules():
        for name, value in sorted(vars(module).items()):
            if isinstance(value, type) and value.__module__ != module.__name__:
                continue  # an imported class is walked in its own module
            for i, pattern in enumerate(_walk(value)):
                key = (pattern.pattern, pattern.flags)
                if key in seen:
                    continue
                seen.add(key)
                found[f"{module.__name__}:{name}[{i}]"] = pattern
    for ident, pattern in _rule_regexes():
        if (pattern.pattern, pattern.flags) not in seen:
            seen.add((pattern.pattern, pattern.flags))
            found[ident] = pattern
    return found


PATTERNS = collect_patterns()

META = set("\\^$.|?*+()[]{}")


def literal_chars(pattern: re.Pattern[Any]) -> str:
    """The characters the pattern names literally (a crude but effective attack alphabet)."""
    source = pattern.pattern if isinstance(pattern.pattern, str) else pattern.pattern.decode("latin-1")
    out: list[str] = []
    escaped = False
    for ch in source:
        if escaped:
            escaped = False
            if ch in "sSdDwWbBAZnrtfv":
                out.append({"s": " ", "d": "1", "w": "a", "n": "\n", "t": "\t"}.get(ch, ""))
            else:
                out.append(ch)
            continue
        if ch == "\\":
            escaped = True
            continue
        if ch not in META:
            out.append(ch)
    return "".join(dict.fromkeys(c for c in out if c))


def adversarial(pattern: re.Pattern[Any]) -> Iterator[tuple[str, str]]:
    """(label, text) attack strings: runs of the pattern's own literals and classic traps."""
    n = 50_000
    yield "a*50k+!", "a" * n + "!"
    yield "spaces20k", " " * 20_000 + "x"
    yield "spaces20k+nl", " " * 20_000 + "\n"
    yield "digits20k", "1" * 20_000 + "x"
    yield "digit-dots", "1." * 10_000 + "x"
    yield "date-ish", "12/12/12 12:12 " * 2_000 + "!"
    yield "commas", ", " * 10_000 + "!"
    yield "dashes", "-" * 20_000 + "!"
    yield "newlines", "\n" * 20_000 + "!"
    yield "word-spaces", "ab " * 15_000 + "!"
    yield "mixed", "aA1 ." * 8_000 + "!"
    yield "nested-parens", "(" * 10_000 + "a" + ")" * 5_000
    yield "nested-brackets", "[(<{" * 5_000 + "!"
    yield "email-ish", "a." * 10_000 + "@" + "b." * 5_000
    yield "quote-marks", "> " * 10_000 + "x"
    yield "cjk", "你好，" * 10_000 + "!"
    lits = literal_chars(pattern)
    if lits:
        yield "own-literals", (lits * (n // max(len(lits), 1) + 1))[:n] + "\x00!"
        for ch in lits[:12]:
            yield f"run-of-{ch!r}", ch * 20_000 + "\x00"
            yield f"run-of-{ch!r}-space", (ch + " ") * 10_000 + "\x00"


class _Abort(Exception):
    pass


def _on_alarm(signum: int, frame: Any) -> None:
    raise _Abort


def slowest(pattern: re.Pattern[Any]) -> tuple[float, str]:
    """The worst search time over the attack strings (ABORT seconds when abandoned)."""
    worst, label_worst = 0.0, ""
    previous = signal.signal(signal.SIGVTALRM, _on_alarm)
    try:
        for label, text in adversarial(pattern):
            subject: Any = text if isinstance(pattern.pattern, str) else text.encode("utf-8")
            start = time.process_time()
            signal.setitimer(signal.ITIMER_VIRTUAL, ABORT)  # the re engine checks signals
            try:
                pattern.search(subject)
                elapsed = time.process_time() - start
            except _Abort:
                elapsed = ABORT
            finally:
                signal.setitimer(signal.ITIMER_VIRTUAL, 0)
            if elapsed > worst:
                worst, label_worst = elapsed, label
            if worst >= ABORT:
                break
    finally:
        signal.signal(signal.SIGVTALRM, previous)
    return worst, label_worst


def test_every_part_of_the_package_was_searched() -> None:
    """The walk must reach the parsers, the NLP and the rules, or it proves nothing."""
    modules = {ident.split(":")[0].split("[")[0] for ident in PATTERNS}
    assert any(m.startswith("chatsignals.parsers.whatsapp") for m in modules)
    assert any(m.startswith("chatsignals.parsers.email") for m in modules)
    assert any(m.startswith("chatsignals.nlp") for m in modules)
    assert len(PATTERNS) > 100


def test_the_harness_catches_a_catastrophic_pattern() -> None:
    worst, _ = slowest(re.compile(r"^(a+)+$"))
    assert worst > BUDGET


def _case(ident: str):  # type: ignore[no-untyped-def]
    if ident in KNOWN_SLOW:
        return pytest.param(ident, marks=pytest.mark.xfail(strict=False, reason=KNOWN_SLOW[ident]))
    return ident


@pytest.mark.parametrize("ident", [_case(i) for i in sorted(PATTERNS)])
def test_no_catastrophic_backtracking(ident: str) -> None:
    pattern = PATTERNS[ident]
    worst, label = slowest(pattern)
    assert worst <= BUDGET, f"{ident} /{pattern.pattern}/ took {worst:.2f}s on {label}"


def report(top: int = 20) -> None:
    """Print the slowest patterns with the attack that hurts each (to find the next offender)."""
    rows = sorted(((*slowest(p), ident) for ident, p in PATTERNS.items()), reverse=True)
    for worst, label, ident in rows[:top]:
        print(f"{worst:.3f} {ident} {label}")
    print(f"{len(rows)} patterns")


if __name__ == "__main__":
    report()
