"""Batch analysis benchmark: many generated conversations through ``chatsignals analyze --batch``.

Generates N WhatsApp exports (default 5,000 of 200 messages = 1,000,000 messages) of supplier chats,
then times the local engine with 1 and 2 processes and the Dask engine with 2 workers, each as a
fresh ``chatsignals`` process, and reports wall time, messages/s and peak memory (the largest
resident set of any process of the run, from getrusage of the waited-for children).

    python benchmarks/batch_bench.py                       # the full 5,000 x 200 run
    python benchmarks/batch_bench.py --conversations 200   # a quick look
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SELLER = [
    "Dear friend, we will ship within 15 working days after receive your deposit",
    "production finished, goods ready for shipment",
    "pls pay the balance today, after today price will go up",
    "we have CE and RoHS certificate, IP65 waterproof",
    "sorry for delay, the goods will be ready by next Friday",
    "tracking number is 1234567890 by DHL, shipped yesterday",
    "our company account changed, pls pay to our new account in Hong Kong",
    "no need third party inspection, we check ourselves",
    "ok no problem",
    "we will refund you within 3 days",
]
BUYER = [
    "Hi, can you confirm the delivery date?",
    "Please send photos of the goods before shipment",
    "I paid the deposit by T/T today",
    "Did your bank account change?",
    "The goods are not waterproof, I want a refund",
    "Thanks, noted",
]


def write_chat(path: Path, n_messages: int, rng: random.Random) -> None:
    start = dt.datetime(2025, 1, 1, 9, 0) + dt.timedelta(days=rng.randint(0, 300))
    lines = []
    t = start
    for i in range(n_messages):
        t += dt.timedelta(minutes=rng.randint(1, 600))
        seller = i % 3 != 1
        name = "Lily Chen" if seller else "Tom Becker"
        text = rng.choice(SELLER if seller else BUYER)
        lines.append(f"{t:%d.%m.%y, %H:%M} - {name}: {text}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def generate(folder: Path, conversations: int, per_chat: int, seed: int = 7) -> int:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(conversations):
        write_chat(folder / f"WhatsApp Chat with Supplier {n:05d}.txt", per_chat, rng)
    return conversations * per_chat


_MEASURE = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
)


def run(label: str, args: list[str], total: int) -> dict[str, object]:
    """Run one engine in its own wrapper process, so its peak memory is its own."""
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - t0
    last = done.stderr.strip().splitlines()[-1].split()
    code, peak_kib = int(last[0]), int(last[1])
    if code not in (0, 1):
        print(done.stderr[-2000:], file=sys.stderr)
    return {
        "engine": label,
        "exit": code,
        "wall_s": round(wall, 1),
        "messages_per_s": round(total / wall),
        "peak_rss_mib": round(peak_kib / 1024),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--conversations", type=int, default=5000)
    ap.add_argument("--messages", type=int, default=200, help="messages per conversation")
    ap.add_argument("--engines", default="local1,local2,dask2")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chatsignals-batch-"))
    try:
        inputs = work / "inputs"
        total = generate(inputs, args.conversations, args.messages)
        exe = [sys.executable, "-m", "chatsignals", "analyze", str(inputs), "--batch", "-q",
               "--seller", "Lily Chen", "--buyer", "Tom Becker", "--tz", "Asia/Shanghai", "--as-of", "2025-12-31"]
        runs = {
            "local1": ["-j", "1"],
            "local2": ["-j", "2"],
            "dask2": ["--engine", "dask", "-j", "2"],
        }
        print(f"{args.conversations} conversations x {args.messages} messages = {total:,} messages")
        print(f"{'engine':<8} {'exit':>4} {'wall s':>8} {'msg/s':>8} {'peak MiB':>9}")
        for name in args.engines.split(","):
            out = work / f"out-{name}"
            result = run(name, [*exe, *runs[name], "-o", str(out)], total)
            print(f"{result['engine']:<8} {result['exit']:>4} {result['wall_s']:>8} {result['messages_per_s']:>8} {result['peak_rss_mib']:>9}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
