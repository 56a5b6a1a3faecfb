"""Throughput and peak memory of the promise stage on a generated 100,000-message chat.

    python benchmarks/analyze_bench.py [--messages 100000] [--seed 7] [--analysis]

Prints messages/s through ``extract_promises`` (target >= 5,000/s on one core) and the process's
peak RSS; with ``--analysis`` also through ``chatsignals.analysis.analyze_table`` when the
findings stage is importable (skipped with a note otherwise). The chat mixes seller and buyer
lines from realistic templates with random numbers, dates, greetings and (for half the messages) an order reference, so about half
the texts are distinct and the per-text caches do not make the figure.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import time

import pandas as pd

from chatsignals.table import finalize

SELLER = [
    "we received your deposit, production start today, will finish before March {d}",
    "sorry dear, LED chips delay, goods ready by April {d} latest",
    "goods shipped today by DHL, tracking {n}",
    "price USD {p} per pc will keep for this order",
    "i send you photo of the IP65 test tomorrow",
    "production time {k} working days after deposit",
    "we can not ship before CNY, pls understand",
    "ok dear",
    "pls pay the balance today, after today we can not keep price",
    "no need third party inspection, we check every reel ourselves",
    "we will refund the difference within {k} days",
    "finance is processing, pls wait",
    "all {q} pcs packed already 👍",
    "hello dear good morning",
    "sample will send out on Friday by FedEx",
    "our factory holiday from {d} Feb to 20 Feb",
    "maybe can ship mid April, depends on the chips",
    "the strips are IP65 waterproof, CE and RoHS certificate we have",
]
BUYER = [
    "Can you ship the remaining {q} pcs on Friday?",
    "Please send me the commercial invoice.",
    "Thanks, any update on production?",
    "That is two weeks late. Can you not speed up?",
    "ok thanks",
    "The labels say IP20, the strips are not waterproof.",
]


ADDRESS = ["", "dear ", "hi Tom, ", "Tom ", "my friend "]
TAIL = ["", " 👍", " thanks", " pls check", " 🙏"]


def generate(n: int, seed: int, unique_share: float = 0.5) -> pd.DataFrame:
    """A message table: 20 seller/buyer chats over a year. ``unique_share`` of the messages get
    an order reference so their text occurs once (a real chat repeats "ok dear" a lot, but most
    longer lines are distinct; the per-text caches must not make the figure)."""
    rng = random.Random(seed)
    start = pd.Timestamp("2025-01-01T01:00:00Z")
    rows = []
    for i in range(n):
        seller = rng.random() < 0.6
        template = rng.choice(SELLER if seller else BUYER)
        text = template.format(d=rng.randint(1, 28), n=rng.randint(10**9, 10**10 - 1),
                               p=f"{rng.uniform(1, 9):.2f}", k=rng.randint(3, 30),
                               q=rng.randint(1, 50) * 100)
        text = rng.choice(ADDRESS) + text + rng.choice(TAIL)
        if rng.random() < unique_share:
            text += f" (PO {rng.randint(100000, 999999)}-{i})"
        rows.append({
            "conversation_id": f"c{i // 5000}",
            "message_id": f"m{i}",
            "timestamp": start + pd.Timedelta(minutes=5 * i),
            "sender": "Lily Chen" if seller else "Tom Becker",
            "role": "seller" if seller else "buyer",
            "text": text,
            "platform": "whatsapp",
            "timezone": "Asia/Shanghai",
            "source_index": i,
        })
    return finalize(pd.DataFrame(rows))


def peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--unique-share", type=float, default=0.5,
                    help="share of messages whose text occurs only once")
    ap.add_argument("--analysis", action="store_true", help="also time analysis.analyze_table")
    args = ap.parse_args()

    from chatsignals.nlp.classifier import load_model
    from chatsignals.nlp.pipeline import get_nlp
    from chatsignals.nlp.promises import extract_promises

    get_nlp(), load_model()  # built once per process; not part of the per-message figure
    table = generate(args.messages, args.seed, args.unique_share)
    print(f"generated {len(table):,} messages ({table['text'].nunique():,} distinct texts); "
          f"peak RSS so far {peak_mib():.0f} MiB")
    t0, c0 = time.perf_counter(), time.process_time()
    promises = extract_promises(table)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"extract_promises: {len(table) / took:,.0f} messages/s wall ({took:.1f} s), "
          f"{len(table) / cpu:,.0f} messages per CPU-second ({cpu:.1f} s: the one-core figure on a "
          f"shared machine), {len(promises):,} promises, peak RSS {peak_mib():.0f} MiB")
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if not args.analysis:
        return
    try:
        from chatsignals.analysis import analyze_table
    except ImportError as exc:
        print(f"analyze_table: skipped ({exc})")
        return
    t0, c0 = time.perf_counter(), time.process_time()
    try:
        result = analyze_table(table)
    except (ImportError, NotImplementedError) as exc:
        print(f"analyze_table: skipped, findings stage not ready ({exc})")
        return
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"analyze_table: {len(table) / took:,.0f} messages/s wall ({took:.1f} s), "
          f"{len(table) / cpu:,.0f} per CPU-second, {len(result.findings):,} findings, "
          f"peak RSS {peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
