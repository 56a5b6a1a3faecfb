"""End-to-end acceptance: each folder in cases/ is a realistic dispute run through the real CLI.

Every case holds ``inputs/`` (exports written the way the apps write them), an optional
``facts.yaml`` and an ``expect.yaml`` with what a careful human reviewer concludes: rule ids that
must fire (and a message the finding must cite), rule ids that must not fire, and the promises a
reader finds in the chat. Where the tool is wrong today the single check is a strict xfail whose
reason names the defect, so the defect stays on record and the mark fails once it is fixed.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from chatsignals.cli import main

CASES = Path(__file__).parent / "cases"
_RUNS: dict[str, dict[str, Any]] = {}


def _expect(case: str) -> dict[str, Any]:
    return yaml.safe_load((CASES / case / "expect.yaml").read_text(encoding="utf-8"))


def _case_names() -> list[str]:
    return sorted(p.parent.name for p in CASES.glob("*/expect.yaml"))


def _run(case: str, tmp_root: Path) -> dict[str, Any]:
    """Analyze a case once per session (analysis is the slow part) and load its outputs."""
    if case in _RUNS:
        return _RUNS[case]
    exp = _expect(case)
    folder = CASES / case
    out = tmp_root / case
    argv = ["analyze", str(folder / "inputs"), "-o", str(out), "--as-of", str(exp["as_of"])]
    if exp.get("tz"):
        argv += ["--tz", exp["tz"]]
    if (folder / "facts.yaml").exists():
        argv += ["--facts", str(folder / "facts.yaml")]
    argv += [str(a) for a in exp.get("args", [])]
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = main(argv)
    run = {"status": status, "out": out, "exp": exp, "stderr": err.getvalue()}
    if (out / "messages.parquet").exists():
        run["messages"] = pd.read_parquet(out / "messages.parquet")
        run["promises"] = pd.read_parquet(out / "promises.parquet")
        run["findings"] = pd.read_parquet(out / "findings.parquet")
    _RUNS[case] = run
    return run


@pytest.fixture(scope="session")
def e2e_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e")


def _xfail_map(case: str) -> dict[str, str]:
    return {str(k): str(v) for k, v in (_expect(case).get("xfail") or {}).items()}


def _params(kind: str, items: list[tuple[str, Any]]) -> list[Any]:
    """One pytest.param per check, strict-xfailed where expect.yaml records a known defect."""
    params = []
    for case, item in items:
        key = f"{kind}:{item}" if item is not None else kind
        reason = _xfail_map(case).get(key)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(case, item, id=f"{case}-{key}", marks=marks))
    return params


def _all(kind: str, field: str | None) -> list[Any]:
    items: list[tuple[str, Any]] = []
    for case in _case_names():
        if field is None:
            items.append((case, None))
            continue
        for i, entry in enumerate(_expect(case).get(field) or []):
            items.append((case, _key(entry, i)))
    return _params(kind, items)


def _key(entry: Any, index: int) -> Any:
    """A check's name in test ids and xfail keys: its id, else its rule, else its position."""
    if isinstance(entry, str):
        return entry
    return entry.get("id") or entry.get("rule") or index


def _entry(case: str, field: str, item: Any) -> Any:
    entries = _expect(case).get(field) or []
    return next(e for i, e in enumerate(entries) if _key(e, i) == item)


def _texts(messages: pd.DataFrame, ids: Any) -> list[str]:
    by_id = messages.set_index("message_id")["text"]
    return [str(by_id.get(i, "")) for i in list(ids)]


@pytest.mark.parametrize(("case", "item"), _all("outputs", None))
def test_outputs_and_verify(case: str, item: None, e2e_root: Path) -> None:
    """Exit 0, the three report files and a manifest that `chatsignals verify` accepts."""
    run = _run(case, e2e_root)
    assert run["status"] == 0
    for name in ("report.html", "report.pdf", "report.json", "manifest.json"):
        assert (run["out"] / name).stat().st_size > 0, name
    assert main(["verify", str(run["out"])]) == 0


@pytest.mark.parametrize(("case", "item"), _all("parsed", None))
def test_every_input_parsed(case: str, item: None, e2e_root: Path) -> None:
    """Each input file yields messages; no errors.jsonl rows; the expected message count."""
    run = _run(case, e2e_root)
    errors = run["out"] / "errors.jsonl"
    rows = [json.loads(x) for x in errors.read_text().splitlines() if x.strip()] \
        if errors.exists() else []
    assert rows == []
    msgs = run["messages"]
    inputs = [p for p in (CASES / case / "inputs").rglob("*") if p.is_file()]
    parsed = {Path(s).name for s in msgs["source_file"].unique()}
    assert {p.name for p in inputs} <= parsed
    want = run["exp"].get("messages") or {}
    real = msgs[~msgs["is_system"]]
    assert len(real) >= want.get("min", 1)
    for needle in want.get("contains", []):
        assert real["text"].str.contains(needle, regex=False).any(), needle
    for needle in want.get("absent", []):
        assert not msgs["text"].fillna("").str.contains(needle, regex=False).any(), needle


_SUMMARY = re.compile(r"^(?P<file>.+?) \[(?P<fmt>[\w-]+)\]: .*?(?P<n>\d+) skipped", re.M)


@pytest.mark.parametrize(("case", "item"), _all("skipped", None))
def test_nothing_skipped_unexpectedly(case: str, item: None, e2e_root: Path) -> None:
    """Per-file summaries on stderr: skips only where expect.yaml allows them (page headers)."""
    run = _run(case, e2e_root)
    allowed = run["exp"].get("skipped") or {}
    seen = {Path(m["file"]).name: int(m["n"]) for m in _SUMMARY.finditer(run["stderr"])}
    assert seen, run["stderr"]
    for name, count in seen.items():
        assert count <= allowed.get(name, 0), f"{name}: {count} skipped\n{run['stderr']}"


@pytest.mark.parametrize(("case", "item"), _all("roles", None))
def test_roles(case: str, item: None, e2e_root: Path) -> None:
    """Senders named by --seller/--buyer or the facts get the role a reader would give them."""
    run = _run(case, e2e_root)
    msgs = run["messages"]
    for sender, role in (run["exp"].get("roles") or {}).items():
        got = set(msgs.loc[msgs["sender"] == sender, "role"])
        assert got == {role}, f"{sender}: {got}"


@pytest.mark.parametrize(("case", "item"), _all("must", "must"))
def test_must_fire(case: str, item: Any, e2e_root: Path) -> None:
    """The rule fires, and one of its findings cites the message a reviewer would point at."""
    run = _run(case, e2e_root)
    want = _entry(case, "must", item)
    hits = run["findings"][run["findings"]["rule_id"] == want["rule"]]
    assert len(hits) > 0, f"{want['rule']} did not fire"
    if want.get("cites"):
        cited = [t for ids in hits["message_ids"] for t in _texts(run["messages"], ids)]
        assert any(want["cites"] in t for t in cited), cited
    if want.get("not_cites"):
        wrong = [t for ids in hits["message_ids"] for t in _texts(run["messages"], ids)
                 if want["not_cites"] in t]
        assert not wrong, f"{want['rule']} cites a message it should not: {wrong}"
    if want.get("says"):
        assert hits["explanation"].str.contains(want["says"], regex=False).any()
    if want.get("not_says"):
        assert not hits["explanation"].str.contains(want["not_says"], regex=False).any()
    if want.get("at_most"):
        assert len(hits) <= want["at_most"], list(hits["explanation"])


@pytest.mark.parametrize(("case", "item"), _all("must_not", "must_not"))
def test_must_not_fire(case: str, item: str, e2e_root: Path) -> None:
    """False positives are defects: a rule a reviewer would reject stays silent."""
    run = _run(case, e2e_root)
    hits = run["findings"][run["findings"]["rule_id"] == item]
    assert hits.empty, list(hits["explanation"])


@pytest.mark.parametrize(("case", "item"), _all("quiet", None))
def test_severity_ceiling(case: str, item: None, e2e_root: Path) -> None:
    """Cases a reviewer calls clean have no finding above the ceiling in expect.yaml."""
    run = _run(case, e2e_root)
    ceiling = run["exp"].get("max_severity")
    if ceiling is None:
        pytest.skip("no severity ceiling for this case")
    order = ["info", "low", "medium", "high", "critical"]
    f = run["findings"]
    loud = f[f["severity"].map(order.index) > order.index(ceiling)]
    assert loud.empty, list(zip(loud["rule_id"], loud["explanation"], strict=True))


@pytest.mark.parametrize(("case", "item"), _all("pdf", None))
def test_pdf_text(case: str, item: None, e2e_root: Path) -> None:
    """report.pdf carries the cited words as extractable text, Chinese too (pdftotext)."""
    run = _run(case, e2e_root)
    needles = run["exp"].get("pdf_contains") or []
    tool = shutil.which("pdftotext")
    if not needles or tool is None:
        pytest.skip("no pdf_contains in expect.yaml, or pdftotext is not installed")
    text = subprocess.run([tool, "-enc", "UTF-8", str(run["out"] / "report.pdf"), "-"],
                          capture_output=True, check=True).stdout.decode("utf-8")
    for needle in needles:
        assert needle in text, needle


def _day(value: Any) -> date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


@pytest.mark.parametrize(("case", "item"), _all("promise", "promises"))
def test_promise(case: str, item: int, e2e_root: Path) -> None:
    """A promise a reader finds is extracted with its category, kind and deadline window."""
    run = _run(case, e2e_root)
    want = _entry(case, "promises", item)
    p = run["promises"]
    rows = p[p["text"].str.contains(want["text"], regex=False)]
    for col in ("category", "kind", "deadline_anchor"):
        if col in want:
            rows = rows[rows[col] == want[col]]
    assert len(rows) > 0, f"no {want} among {list(p['text'])}"
    if "deadline_latest" in want:
        got = {_day(v) for v in rows["deadline_latest"]}
        assert want["deadline_latest"] in got, got
    if "deadline_latest_between" in want:
        low, high = want["deadline_latest_between"]
        got = {_day(v) for v in rows["deadline_latest"]}
        assert any(d is not None and low <= d <= high for d in got), got
    if "value_contains" in want:
        assert rows["value"].fillna("").str.contains(want["value_contains"], regex=False).any()
