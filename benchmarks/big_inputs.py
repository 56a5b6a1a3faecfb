"""Time and peak memory reading big inputs: a generated mbox (default 1 GB, streamed) and a
chat whose one message is a 10 MB single line (WhatsApp, generic JSONL, e-mail).

    python benchmarks/big_inputs.py                    # both, mbox of 1,000 MB
    python benchmarks/big_inputs.py mbox --mb 200      # only the mbox, 200 MB
    python benchmarks/big_inputs.py line --mb 10       # only the single-line chats
    python benchmarks/big_inputs.py analyze --kb 100   # NLP+findings on one long message, 1x and 2x
    python benchmarks/big_inputs.py analyze --shape wall   # one shape of long message only

Each read runs in a fresh child process so its peak RSS (ru_maxrss) is its own; the figure
"grown" is the peak minus the RSS after imports. Files are generated in a temporary folder
(or --workdir) and deleted afterwards. Wall time is reported next to CPU time: on a busy
machine CPU time is the robust figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from mbox_bench import HTML, PLAIN, SENTENCES

MB = 1_000_000


def generate_mbox(path: Path, target_bytes: int, html_share: float = 0.1) -> int:
    """Write realistic replies until the file reaches ``target_bytes``; returns the count."""
    import random

    rng = random.Random(7)
    written = count = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        while written < target_bytes:
            template = HTML if rng.random() < html_share else PLAIN
            text = template.format(
                i=count, addr="lily@brightway-lighting.com", name="Lily Chen",
                asctime="Mon Mar 17 09:30:00 2025", date="Mon, 17 Mar 2025 09:30:00 +0800",
                thread=1827361122334455667 + count // 10, order=231145678901 + count % 50,
                parent=max(count - 1, 0), root=count - count % 10, sentence=rng.choice(SENTENCES),
                pct=rng.randint(10, 99), day=rng.randint(1, 28),
            )
            out.write(text)
            written += len(text.encode("utf-8"))
            count += 1
    return count


def generate_line(path: Path, fmt: str, size: int) -> None:
    body = ("pls pay balance today to our new account " * (size // 41 + 1))[:size]
    if fmt == "whatsapp":
        text = (
            "03/03/2025, 09:12 - Lily Chen: we received your deposit\n"
            f"03/03/2025, 09:13 - Lily Chen: {body}\n13/03/2025, 09:14 - Tom Becker: ok\n"
        )
    elif fmt == "generic":
        rows = [{"timestamp": "2025-03-03T09:13:00Z", "sender": "Lily Chen", "text": body},
                {"timestamp": "2025-03-03T09:14:00Z", "sender": "Tom Becker", "text": "ok"}]
        text = "".join(json.dumps(r) + "\n" for r in rows)
    else:
        text = (
            "From: Lily Chen <lily@brightway-lighting.com>\nTo: tom@becker-shop.de\nSubject: PI\n"
            "Date: Fri, 28 Mar 2025 10:00:00 +0800\nContent-Type: text/plain; charset=utf-8\n\n"
            f"Dear Tom,\n{body}\nBest regards, Lily\n"
        )
    path.write_text(text, encoding="utf-8")


def measure(path: str, fmt: str) -> None:
    """Child process: read one file with chatsignals.read and print the figures as JSON."""
    import chatsignals
    import chatsignals.parsers as registry

    registry.parsers()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start, cpu = time.perf_counter(), time.process_time()
    table = chatsignals.read(path, format=fmt, tz="Europe/Berlin", errors="warn")
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tallies = table.attrs.get("tallies", [])
    print(json.dumps({
        "rows": len(table), "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
        "rss_after_imports_mib": base // 1024, "peak_rss_mib": peak // 1024,
        "longest_text": int(table["text"].str.len().max()) if len(table) else 0,
        "skipped": sum(len(t["skipped"]) for t in tallies), "errors": table.attrs.get("errors", []),
    }))


def run_child(path: Path, fmt: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "_measure", str(path), fmt], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"reading {path.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def report(label: str, size: int, fig: dict) -> None:
    grown = fig["peak_rss_mib"] - fig["rss_after_imports_mib"]
    print(
        f"{label}: {size / MB:,.1f} MB, {fig['rows']:,} rows, {fig['wall_s']:.1f} s wall, "
        f"{fig['cpu_s']:.1f} s CPU, peak RSS {fig['peak_rss_mib']:,} MiB (+{grown:,} MiB over imports), "
        f"longest text {fig['longest_text']:,} chars, {fig['skipped']} skipped, errors {fig['errors']}"
    )


def bench_mbox(work: Path, mb: int) -> None:
    path = work / "big.mbox"
    start = time.perf_counter()
    count = generate_mbox(path, mb * MB)
    size = path.stat().st_size
    print(f"generated {count:,} messages ({size / MB:,.0f} MB) in {time.perf_counter() - start:.0f} s")
    report("mbox", size, run_child(path, "mbox"))
    path.unlink()


def bench_lines(work: Path, mb: int) -> None:
    for fmt, name in (("whatsapp", "chat.txt"), ("generic", "chat.jsonl"), ("email", "mail.eml")):
        path = work / name
        generate_line(path, fmt, mb * MB)
        report(f"one {mb} MB line, {fmt}", path.stat().st_size, run_child(path, fmt))
        path.unlink()


#: long-message shapes that each once made a stage quadratic: many sentences of promises, one
#: wall of scam words cut by commas, the same with no punctuation at all (a negation's look back
#: once ran to the sentence start), Chinese clauses without a full stop, a spec sheet, comma
#: clauses in one sentence
SHAPES = {
    "sentences": "pls pay balance today to our new account. ",
    "promises": "we ship tomorrow. ",
    "wall": "pls pay to new account, ",
    "bare": "please pay to my personal account by western union today ",
    "chinese": "我们下周发货，",
    "specs": "IP65, 304 steel, ",
    "clauses": "goods will ship tomorrow, invoice will send today, ",
}


def bench_analyze(kb: int, shapes: list[str]) -> None:
    """CPU time of the NLP and findings stages when one sample message is ``kb`` KB, then twice
    that: a ratio near 2 is linear, near 4 quadratic (a long message as a denial of service)."""
    for shape in shapes:
        _bench_shape(kb, shape, SHAPES[shape])


def _bench_shape(kb: int, shape: str, sentence: str) -> None:
    import datetime as dt

    import chatsignals
    from chatsignals.analysis import Settings, analyze_table
    from chatsignals.facts import load_facts
    from chatsignals.table import finalize

    samples = Path(__file__).resolve().parents[1] / "data" / "samples"
    facts = load_facts(samples / "facts.yaml")
    base = chatsignals.read(samples / "chats", tz="Europe/Berlin")
    analyze_table(base, facts, Settings(as_of=dt.date(2025, 5, 25)))  # warm: models, rules
    times = []
    for size in (kb * 1000, 2 * kb * 1000):
        messages = base.copy()
        messages.loc[5, "text"] = (sentence * (size // len(sentence) + 1))[:size]
        messages = finalize(messages)
        start = time.process_time()
        analyze_table(messages, facts, Settings(as_of=dt.date(2025, 5, 25)))
        times.append(time.process_time() - start)
        print(f"{shape}: analyze_table, one message of {size / 1000:,.0f} KB "
              f"({sentence.strip()!r} repeated): {times[-1]:.1f} s CPU")
    print(f"{shape}: doubling the message multiplied the CPU time by {times[1] / max(times[0], 1e-9):.1f}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_measure"]:
        measure(argv[1], argv[2])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("case", nargs="?", choices=["all", "mbox", "line", "analyze"], default="all")
    parser.add_argument("--kb", type=int, default=100, help="message size for the analyze case, KB")
    parser.add_argument("--mb", type=int, help="mbox size (default 1000) or line size (default 10), MB")
    parser.add_argument("--shape", choices=sorted(SHAPES), action="append",
                        help="long-message shape for the analyze case (repeatable; default all)")
    parser.add_argument("--workdir", type=Path, help="where to generate (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.case == "analyze":
        bench_analyze(args.kb, args.shape or list(SHAPES))
        return 0
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        if args.case in ("all", "line"):
            bench_lines(work, args.mb if args.case == "line" and args.mb else 10)
        if args.case in ("all", "mbox"):
            bench_mbox(work, args.mb if args.case == "mbox" and args.mb else 1000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
