"""Running ``analyze`` from the command line: one case, or many inputs in batch.

The local engine reads all inputs as one case; the batch and Dask engines come with issue 9.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .analysis import analyze
from .writer import ReportOptions, write_case

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


def run_analyze(args: argparse.Namespace, say: Callable[[str], None], progress: bool = False) -> int:
    """Analyse the inputs as one case and write OUTDIR; the exit status of CONTRACT.md."""
    result = analyze(
        args.inputs,
        facts=args.facts,
        tz=args.tz,
        date_order=args.date_order,
        seller=args.seller,
        buyer=args.buyer,
        format=args.format,
        as_of=args.as_of,
    )
    if not args.quiet:
        for tally in result.tallies:
            say(tally.summary())
            for warning in tally.warnings:
                say(f"warning: {tally.source_file}: {warning}")
        for note in result.notes:
            say(f"note: {note}")
    for failure in result.failures:
        say(f"error: {failure.line()}")
    outdir = Path(args.output)
    options = ReportOptions(redact=args.redact, font=args.font, lang=args.lang, pdf=not args.no_pdf)
    write_case(result, outdir, options)
    if not result.tallies:
        return EXIT_USAGE
    if not args.quiet:
        say(
            f"{outdir}: {len(result.messages)} messages, {len(result.promises)} promises, "
            f"{len(result.findings)} findings"
        )
    return EXIT_PARTIAL if result.failures else EXIT_OK
