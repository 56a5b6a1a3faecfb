"""WhatsApp parse speed and peak memory: chatsignals.read vs whatstk on the same generated export.

    python benchmarks/parse_bench.py                  # 1,000,000 messages
    python benchmarks/parse_bench.py --messages 100000 --no-whatstk

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

    Imports happen before the clock starts: the figure is the parse, not interpreter start-up."""
    if name == "chatsignals":
        import chatsignals
        from chatsignals.parsers import parsers

        parsers()  # import every format module before timing
        start = time.perf_counter()
        rows = len(chatsignals.read(path, format="whatsapp", tz="Europe/Berlin"))
    else:
        from whatstk import df_from_whatsapp

        start = time.perf_counter()
        rows = len(
            df_from_whatsapp(path, auto_header=False, hformat="%d.%m.%y, %H:%M - %name:", max_size=None)
        )
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": rows, "seconds": seconds, "peak_mib": peak_kib / 1024}


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
        names = ["chatsignals"] + ([] if args.no_whatstk else ["whatstk"])
        print(f"{'parser':<12} {'rows':>10} {'seconds':>9} {'msgs/s':>10} {'peak MiB':>9}")
        for name in names:
            r = measure(name, path, args.pythonpath if name == "chatsignals" else None)
            rate = args.messages / r["seconds"]
            print(f"{name:<12} {r['rows']:>10,} {r['seconds']:>9.2f} {rate:>10,.0f} {r['peak_mib']:>9.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
