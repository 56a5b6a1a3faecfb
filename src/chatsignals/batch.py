"""Running ``analyze`` from the command line: one case, or a batch of many conversations.

One case (the default): every input is read into one message table and analysed together (a
buyer's WhatsApp chat, e-mails and Alibaba chat about the same order).

Batch (``--batch``, implied by ``--engine dask`` or ``-j N`` > 1): every input file is analysed in
isolation by :func:`analyze_file`, the same function on every engine (local processes or a Dask
cluster). Each call writes its own Parquet parts (``OUTDIR/<table>/input=<sha12>/part-0.parquet``,
a Hive-partitioned dataset pandas and Dask read directly) and returns a small summary, so memory
stays bounded however many files there are. A rerun skips inputs whose SHA-256 and settings are
unchanged (resume).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from ._version import __version__
from .analysis import Settings, analyze, analyze_table
from .errors import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, ChatsignalsError, InputError, UsageError
from .output import write_parquet
from .reading import InputFailure, iter_input_files, make_options, read_inputs, read_report_lines
from .sources import Source, limits_from
from .writer import ReportOptions, write_case, write_errors

TABLES = ("messages", "promises", "findings")
STATE_DIR = "_state"


# --- the per-partition function ------------------------------------------------------------------
def settings_key(settings: Settings) -> str:
    """What must be equal for a previous result to be reused: settings, tool and rule versions."""
    from .report.manifest import rules_version

    blob = json.dumps({"settings": settings.to_dict(), "tool": __version__, "rules": rules_version()}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _facts(settings: Settings) -> Any:
    if not settings.facts_file:
        return None
    from .facts import load_facts

    return load_facts(settings.facts_file)


def analyze_file(path: str, settings_dict: dict[str, Any], outdir: str) -> dict[str, Any]:
    """Analyse one input file in isolation and write its parts; return a JSON-ready summary.

    Never raises for bad input: a failure comes back as ``{"status": "error", "reason": ...}``.
    """
    settings = Settings.from_dict(settings_dict)
    try:
        limits = settings.read_limits()
        source = Source.open(path, limits)
        sha = source.sha256
    except InputError as exc:
        return {"file": path, "status": "error", "reason": exc.reason}
    key = settings_key(settings)
    state = Path(outdir) / STATE_DIR / f"{sha[:16]}-{key}.json"
    if state.is_file():
        done = json.loads(state.read_text(encoding="utf-8"))
        return {**done, "file": path, "status": "skipped"}
    try:
        options = make_options(settings.tz, settings.date_order, settings.seller, settings.buyer)
        read = read_inputs([source], options, settings.format, limits=limits)  # hashed above: not again
        if read.failures:
            return {"file": path, "sha256": sha, "status": "error", "reason": read.failures[0].reason}
        result = analyze_table(read.table, _facts(settings), settings)
    except ChatsignalsError as exc:
        return {"file": path, "sha256": sha, "status": "error", "reason": str(exc)}
    except Exception as exc:  # a bug on one file must not stop a batch of thousands
        if os.environ.get("CHATSIGNALS_DEBUG"):
            raise
        reason = f"internal error: {exc.__class__.__name__}: {' '.join(str(exc).split())[:200]}"
        return {"file": path, "sha256": sha, "status": "error", "reason": reason}
    part = f"input={sha[:12]}"
    meta = {"sources": [{"file": path, "sha256": sha}], "settings": settings.to_dict()}
    for name in TABLES:
        folder = Path(outdir) / name / part
        folder.mkdir(parents=True, exist_ok=True)
        write_parquet(getattr(result, name), folder / "part-0.parquet", meta)
    risk = result.risk if result.risk is not None else pd.DataFrame()
    summary = {
        "file": path,
        "sha256": sha,
        "status": "ok",
        "messages": len(result.messages),
        "promises": len(result.promises),
        "findings": len(result.findings),
        "tally": read.tallies[0].summary() if read.tallies else "",
        "notes": list(result.notes),
        "conversations": _risk_rows(risk, result.findings),
    }
    state.parent.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(summary, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    return summary


def _risk_rows(risk: pd.DataFrame, findings: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for _, r in risk.iterrows():
        cid = r.get("conversation_id")
        top = findings[findings["conversation_id"] == cid].head(3) if len(findings) else findings
        rows.append(
            {
                "conversation_id": str(cid),
                "risk_score": float(r.get("risk_score", 0.0) or 0.0),
                "level": str(r.get("level", "")),
                "n_findings": int(r.get("n_findings", 0) or 0),
                "reasons": [str(x) for x in _reasons(r.get("reasons"))],
                "top_findings": [f"{f.rule_id}: {f.title}" for f in top.itertuples()],
            }
        )
    return rows


# --- engines ---------------------------------------------------------------------------------------
def run_local(files: list[str], settings: Settings, outdir: Path, jobs: int) -> Iterator[dict[str, Any]]:
    """Yield one summary per file, in completion order, from ``jobs`` worker processes."""
    data = settings.to_dict()
    if jobs <= 1:
        for path in files:
            yield analyze_file(path, data, str(outdir))
        return
    from concurrent.futures import ProcessPoolExecutor, as_completed

    with ProcessPoolExecutor(max_workers=jobs) as pool:
        pending = {}
        it = iter(files)
        for path in _take(it, jobs * 4):  # bounded queue: memory does not grow with the batch
            pending[pool.submit(analyze_file, path, data, str(outdir))] = path
        while pending:
            for future in as_completed(list(pending)):
                pending.pop(future)
                yield future.result()
                for path in _take(it, 1):
                    pending[pool.submit(analyze_file, path, data, str(outdir))] = path
                break


def _reasons(value: Any) -> list[Any]:
    """A risk row's reasons: a list (or array, once read back from Parquet), or nothing."""
    return [] if value is None else list(value)


def _take(it: Iterator[str], n: int) -> list[str]:
    out = []
    for _ in range(n):
        try:
            out.append(next(it))
        except StopIteration:
            break
    return out


def run_dask(files: list[str], settings: Settings, outdir: Path, scheduler: str | None, jobs: int) -> Iterator[dict[str, Any]]:
    """The same per-file function on a Dask cluster (a LocalCluster when no scheduler is given).

    Workers write their parts to OUTDIR, so on a remote cluster OUTDIR must be shared storage."""
    try:
        from dask import bag as db
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask needs the optional extra: pip install 'chatsignals[dask]'") from None
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(jobs, 2), threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        data = settings.to_dict()
        bag = db.from_sequence(files, npartitions=max(1, min(len(files), 64)))
        futures = client.compute(bag.map(analyze_file, data, str(outdir.resolve())).to_delayed())
        from distributed import as_completed

        for future in as_completed(futures):
            yield from future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


@dataclass
class BatchResult:
    summaries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [s for s in self.summaries if s["status"] == "error"]

    @property
    def analysed(self) -> list[dict[str, Any]]:
        return [s for s in self.summaries if s["status"] in ("ok", "skipped")]


def run_batch(
    inputs: Iterable[str],
    settings: Settings,
    outdir: Path,
    *,
    engine: str = "local",
    jobs: int = 1,
    scheduler: str | None = None,
    progress: bool = False,
    say: Callable[[str], None] = lambda s: None,
) -> BatchResult:
    """Analyse every input file on its own and write the batch outputs into ``outdir``."""
    notes: list[str] = []
    files = list(iter_input_files(list(inputs), notes))
    for note in notes:
        say(f"note: {note}")
    outdir.mkdir(parents=True, exist_ok=True)
    stream = run_dask(files, settings, outdir, scheduler, jobs) if engine == "dask" else run_local(files, settings, outdir, jobs)
    result = BatchResult()
    bar = _progress(len(files), progress)
    for summary in stream:
        result.summaries.append(summary)
        if summary["status"] == "error":
            say(f"error: {summary['file']}: {summary['reason']}")
        if bar is not None:
            bar.update(1)
            bar.set_postfix(errors=len(result.errors), refresh=False)
    if bar is not None:
        bar.close()
    write_batch_outputs(result, outdir, settings)
    return result


def _progress(total: int, show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, unit="file", dynamic_ncols=True)


def write_batch_outputs(result: BatchResult, outdir: Path, settings: Settings) -> None:
    """errors.jsonl, batch_summary.json/.parquet (conversations ranked by risk), manifest.json."""
    result.summaries.sort(key=lambda s: s["file"])
    write_errors([InputFailure(s["file"], s["reason"]) for s in result.errors], outdir)
    ranked = sorted(
        ({"file": s["file"], "sha256": s["sha256"], **c} for s in result.analysed for c in s.get("conversations", [])),
        key=lambda r: (-r["risk_score"], r["file"], r["conversation_id"]),
    )
    summary = {
        "inputs": len(result.summaries),
        "analysed": len(result.analysed),
        "skipped_unchanged": sum(s["status"] == "skipped" for s in result.summaries),
        "errors": len(result.errors),
        "messages": sum(s.get("messages", 0) for s in result.analysed),
        "promises": sum(s.get("promises", 0) for s in result.analysed),
        "findings": sum(s.get("findings", 0) for s in result.analysed),
        "conversations_by_risk": ranked,
        "settings": settings.to_dict(),
    }
    (outdir / "batch_summary.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    frame = pd.DataFrame(ranked, columns=["file", "sha256", "conversation_id", "risk_score", "level", "n_findings", "reasons", "top_findings"])
    write_parquet(frame, outdir / "batch_summary.parquet", {"settings": settings.to_dict()})
    _write_batch_manifest(result, outdir, settings)


def _write_batch_manifest(result: BatchResult, outdir: Path, settings: Settings) -> None:
    from .report.manifest import MANIFEST, file_entry, rules_version

    outputs = []
    for path in sorted(p for p in outdir.rglob("*") if p.is_file()):
        rel = path.relative_to(outdir).as_posix()
        if rel == MANIFEST or rel.startswith(STATE_DIR + "/"):
            continue
        outputs.append(file_entry(path, rel))
    manifest = {
        "tool": "chatsignals",
        "tool_version": __version__,
        "rules_version": rules_version(),
        "time_zone": settings.tz or "UTC (no --tz given)",
        "settings": settings.to_dict(),
        "inputs": [{"file": s["file"], "sha256": s["sha256"]} for s in result.analysed],
        "failed_inputs": [{"source_file": s["file"], "reason": s["reason"]} for s in result.errors],
        "outputs": outputs,
    }
    (outdir / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")


# --- the CLI entry ---------------------------------------------------------------------------------
def settings_from_args(args: argparse.Namespace) -> Settings:
    import datetime as dt

    return Settings(
        tz=args.tz,
        date_order=args.date_order,
        seller=list(args.seller),
        buyer=list(args.buyer),
        format=args.format,
        facts_file=os.path.abspath(args.facts) if args.facts else None,
        as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
        limits=limits_from(args.limit).changes(),
    )


def run_analyze(args: argparse.Namespace, say: Callable[[str], None], progress: bool = False) -> int:
    """``chatsignals analyze``: one case, or a batch; the exit status of CONTRACT.md."""
    if args.scheduler and args.engine != "dask":
        raise UsageError("--scheduler goes with --engine dask")
    if args.as_of:
        try:
            import datetime as dt

            dt.date.fromisoformat(args.as_of)
        except ValueError:
            raise UsageError(f"--as-of must be a date like 2025-05-20, not {args.as_of!r}") from None
    outdir = Path(args.output)
    if args.batch or args.engine == "dask" or args.jobs > 1:
        settings = settings_from_args(args)
        make_options(settings.tz, settings.date_order)  # validate before starting workers
        batch = run_batch(
            args.inputs, settings, outdir, engine=args.engine, jobs=args.jobs, scheduler=args.scheduler,
            progress=progress, say=say,
        )
        if not args.quiet:
            say(
                f"{outdir}: {len(batch.analysed)} inputs analysed, {len(batch.errors)} failed "
                f"(see {outdir / 'errors.jsonl'}); summary in {outdir / 'batch_summary.json'}"
            )
        if not batch.analysed:
            return EXIT_USAGE
        return EXIT_PARTIAL if batch.errors else EXIT_OK
    return _run_case(args, outdir, say, progress)


def _run_case(args: argparse.Namespace, outdir: Path, say: Callable[[str], None], progress: bool = False) -> int:
    result = analyze(
        args.inputs,
        facts=args.facts,
        tz=args.tz,
        date_order=args.date_order,
        seller=args.seller,
        buyer=args.buyer,
        format=args.format,
        as_of=args.as_of,
        progress=progress,
        limits=args.limit,
    )
    for line in read_report_lines(result, args.quiet):
        say(line)
    if not result.tallies:
        write_errors(result.failures, outdir)
        return EXIT_USAGE
    options = ReportOptions(redact=args.redact, font=args.font, lang=args.lang, pdf=not args.no_pdf)
    write_case(result, outdir, options)
    for problem in result.output_problems:
        say(f"error: {problem}")
    if not args.quiet:
        say(
            f"{outdir}: {len(result.messages)} messages, {len(result.promises)} promises, "
            f"{len(result.findings)} findings"
        )
    return EXIT_PARTIAL if (result.failures or result.output_problems) else EXIT_OK
