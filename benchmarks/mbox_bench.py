"""How fast an mbox is read, and how much memory it takes.

    python benchmarks/mbox_bench.py                 # 20,000 plain-text messages
    python benchmarks/mbox_bench.py --messages 5000 --html 0.3

Generates a mailbox of realistic replies (Received chain, Authentication-Results, a quoted
history, a signature; optionally a share of HTML-only mails) in a temporary folder, then reads
it with the mbox parser on one core and reports messages per second and the peak resident
memory of the process (ru_maxrss), before and after the read. Target: >= 2,000 plain-text
messages/s.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from chatsignals.parsers import get_parser
from chatsignals.parsers.base import ParseOptions
from chatsignals.sources import Source

PLAIN = """From {addr} {asctime}
Received: from mx01.becker-shop.de (localhost [127.0.0.1])
\tby mailstore.becker-shop.de (Dovecot) with LMTP id {i}
\tfor <tom@becker-shop.de>; {date}
Received: from mail.brightway-lighting.com (mail.brightway-lighting.com [113.108.22.14])
\tby mx01.becker-shop.de (Postfix) with ESMTPS id {i:X}
Authentication-Results: mx01.becker-shop.de; dkim=pass header.d=brightway-lighting.com;
\tspf=pass smtp.mailfrom={addr}
X-GM-THRID: {thread}
X-Gmail-Labels: Posteingang
Date: {date}
From: {name} <{addr}>
To: Tom Becker <tom@becker-shop.de>
Subject: Re: Order {order} update
Message-ID: <{i}.bench@mail.brightway-lighting.com>
In-Reply-To: <{parent}.bench@mail.brightway-lighting.com>
References: <{root}.bench@mail.brightway-lighting.com> <{parent}.bench@mail.brightway-lighting.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

Dear Tom,

{sentence}
Production of order {order} is {pct}% finished, we will ship before {day} April.

Best regards,
{name}
Sales Manager
Shenzhen Brightway Lighting Co., Ltd
Tel/WhatsApp: +86 138 0000 0000

On Mon, Mar 17, 2025 at 9:30 AM Tom Becker <tom@becker-shop.de> wrote:
> Hi {name},
> could you send an update on order {order}?
> Thanks, Tom

"""
HTML = """From {addr} {asctime}
Date: {date}
From: {name} <{addr}>
To: tom@becker-shop.de
Subject: Re: Order {order} update
Message-ID: <{i}.bench@mail.brightway-lighting.com>
MIME-Version: 1.0
Content-Type: text/html; charset=utf-8

<html><body><div>Dear Tom,</div><div>{sentence}</div><div>Best regards,<br>{name}</div>
<div class="gmail_quote">On Mon Tom wrote:<blockquote>Hi, update on {order}?</blockquote></div></body></html>

"""
SENTENCES = [
    "we received your deposit, production start today.",
    "sorry dear, LED chips delay, goods ready by April 5 latest.",
    "pls pay balance today, price of chips going up.",
    "goods shipped today by DHL, tracking 1234567890.",
]


def generate(path: Path, n: int, html_share: float, seed: int = 7) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for i in range(n):
            template = HTML if rng.random() < html_share else PLAIN
            out.write(template.format(
                i=i, addr="lily@brightway-lighting.com", name="Lily Chen",
                asctime="Mon Mar 17 09:30:00 2025", date="Mon, 17 Mar 2025 09:30:00 +0800",
                thread=1827361122334455667 + i // 10, order=231145678901 + i % 50,
                parent=max(i - 1, 0), root=i - i % 10, sentence=rng.choice(SENTENCES),
                pct=rng.randint(10, 99), day=rng.randint(1, 28),
            ))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--html", type=float, default=0.0, help="share of HTML-only messages (0..1)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.mbox"
        generate(path, args.messages, args.html)
        size = path.stat().st_size
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        source = Source.open(path)
        mbox = get_parser("mbox")
        start, cpu_start = time.perf_counter(), time.process_time()
        result = mbox.parse(source, ParseOptions())
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rows = len(result.frame)
    print(f"mbox: {args.messages:,} messages ({args.html:.0%} HTML), {size / 1e6:.1f} MB")
    print(f"read {rows:,} rows in {elapsed:.2f} s wall = {rows / elapsed:,.0f} messages/s (one core)")
    print(f"CPU time {cpu:.2f} s = {rows / cpu:,.0f} messages per CPU-second (robust on a busy machine)")
    print(f"peak RSS {before / 1024:.0f} MiB before the read, {after / 1024:.0f} MiB after")
    print(f"skipped {len(result.tally.skipped)}, warnings {len(result.tally.warnings)}")
    return 0 if rows == args.messages else 1


if __name__ == "__main__":
    sys.exit(main())
