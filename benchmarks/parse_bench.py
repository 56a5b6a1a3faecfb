"""WhatsApp parse speed and peak memory: chatsignals.read vs whatstk on the same generated export.

    python benchmarks/parse_bench.py                  # 1,000,000 messages
    python benchmarks/parse_bench.py --messages 100000 --no-whatstk

Rows: ``chatsignals`` is the whole ``chatsignals.read`` (parse, tz, ids, roles, validation,
sort); ``parser-only`` is the WhatsApp parser's ``parse`` alone; ``whatstk`` is
``df_from_whatsapp`` with the header format given (no auto-detection).

The export is a German Android chat (``03.03.25, 09:15 - Lily Chen: ...``) between a buyer and a
seller with multi-line messages (~5%), media lines (~2%), deleted and edited messages and system
notices, like the sample in data/samples/chats. Each contender runs in its own child process so
its peak resident memory (``ru_maxrss``, which also counts pyarrow's buffers that tracemalloc
cannot see) is its own. Times are wall-clock for the whole call, file read included.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

PHRASES = (
    "we received your deposit, production start today",
    "pls pay balance today, price of chips going up",
    "goods shipped today by DHL, tracking 1234567890",
    "sorry dear, LED chips delay, goods ready by April 5 latest",
    "Can you send photos of the reels before shipment?",
    "no need third party inspection, we check every reel ourselves",
    "finance is processing, pls wait",
    "Please confirm IP65 and the CE certificate.",
    "ok",
    "Thanks, Lily. When will the goods be ready?",
)
PEOPLE = ("Lily Chen", "Tom Becker")


def generate(path: Path, messages: int, seed: int = 7) -> None:
    """Write a WhatsApp export with ``messages`` headers (German Android layout)."""
    rng = random.Random(seed)
    t = datetime(2021, 1, 4, 8, 0)
    out: list[str] = ["03.01.21, 07:59 - Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt."]
    for i in range(messages - 1):
        t += timedelta(seconds=rng.randint(20, 400))
        head = t.strftime("%d.%m.%y, %H:%M - ")
        who = PEOPLE[i % 2]
        r = rng.random()
        if r < 0.05:
            out.append(f"{head}{who}: {rng.choice(PHRASES)}\n{rng.choice(PHRASES)}\n{rng.choice(PHRASES)}")
        elif r < 0.07:
            out.append(f"{head}{who}: <Medien ausgeschlossen>")
        elif r < 0.075:
            out.append(f"{head}{who}: Diese Nachricht wurde gelöscht.")
        elif r < 0.08:
            out.append(f"{head}{who}: {rng.choice(PHRASES)} <Diese Nachricht wurde bearbeitet>")
        elif r < 0.082:
            out.append(f"{head}{who} hat die Gruppenbeschreibung geändert")
        else:
            out.append(f"{head}{who}: {rng.choice(PHRASES)}")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def run_one(name: str, path: str) -> dict[str, float]:
    """Parse ``path`` with one contender in this process; return rows, seconds, peak MiB.

    Imports happen before the clock starts: the figure is the parse, not interpreter start-up.
    Arrow is held to one thread, so CPU seconds are one core's work even on a shared machine
    (wall seconds there include waiting for the CPU)."""
    import pyarrow

    pyarrow.set_cpu_count(1)
    if name == "chatsignals":
        import chatsignals
        from chatsignals.parsers import parsers

        parsers()  # import every format module before timing
        start, cpu = time.perf_counter(), time.process_time()
        rows = len(chatsignals.read(path, format="whatsapp", tz="Europe/Berlin"))
    elif name == "parser-only":
        from chatsignals.parsers import get_parser
        from chatsignals.parsers.base import ParseOptions
        from chatsignals.sources import Source

        start, cpu = time.perf_counter(), time.process_time()
        rows = len(get_parser("whatsapp").parse(Source.open(path), ParseOptions()).frame)
    else:
        from whatstk import df_from_whatsapp

        start, cpu = time.perf_counter(), time.process_time()
        rows = len(
            df_from_whatsapp(path, auto_header=False, hformat="%d.%m.%y, %H:%M - %name:", max_size=None)
        )
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "cpu_seconds": cpu_seconds, "peak_mib": peak_kib / 1024}


def measure(name: str, path: Path, pythonpath: str | None = None) -> dict[str, float]:
    """Run :func:`run_one` in a fresh interpreter so peak memory is not shared."""
    env = dict(os.environ, PYTHONPATH=pythonpath) if pythonpath else None
    proc = subprocess.run(
        [sys.executable, __file__, "--child", name, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--no-whatstk", action="store_true", help="time chatsignals only")
    parser.add_argument("--pythonpath", help="run chatsignals from this source folder (a patched copy)")
    parser.add_argument("--child", nargs=2, metavar=("NAME", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_one(*args.child)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "WhatsApp Chat mit Lily Chen.txt"
        generate(path, args.messages)
        size = path.stat().st_size
        print(f"generated {args.messages:,} messages, {size / 2**20:.1f} MiB: {path.name}")
        names = ["chatsignals", "parser-only"] + ([] if args.no_whatstk else ["whatstk"])
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"{'parser':<12} {'rows':>10} {'wall s':>8} {'cpu s':>8} {'msgs/s wall':>12} "
              f"{'msgs/s cpu':>11} {'peak MiB':>9}")
        for name in names:
            r = measure(name, path, args.pythonpath if name != "whatstk" else None)
            wall, cpu = args.messages / r["seconds"], args.messages / r["cpu_seconds"]
            print(f"{name:<12} {r['rows']:>10,} {r['seconds']:>8.2f} {r['cpu_seconds']:>8.2f} "
                  f"{wall:>12,.0f} {cpu:>11,.0f} {r['peak_mib']:>9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
