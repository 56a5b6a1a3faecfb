"""The command line: parse, analyze, formats, rules, facts, train, evaluate, verify.

Exit status (CONTRACT.md): 0 every input processed; 1 some inputs failed (the rest are still
processed and written; one line each on stderr); 2 usage error or nothing could be processed.
Bad input never produces a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._version import __version__
from .errors import EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, ChatsignalsError, InputError, UsageError


def _say(message: str) -> None:
    print(message, file=sys.stderr)


def show_progress() -> bool:
    """A progress bar only for a person at a terminal (not piped, not CI)."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _add_read_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("inputs", nargs="+", metavar="INPUT", help="export files or folders (walked)")
    p.add_argument("--format", help="force a format (see `chatsignals formats`)")
    p.add_argument("--tz", help="IANA zone of exports whose times carry no offset (default: UTC, with a warning)")
    p.add_argument("--date-order", choices=["DMY", "MDY", "YMD"], type=str.upper, help="force the day/month order")
    p.add_argument("--seller", action="append", default=[], metavar="NAME", help="a seller's name, address, @domain or phone (repeatable)")
    p.add_argument("--buyer", action="append", default=[], metavar="NAME", help="a buyer's name, address, @domain or phone (repeatable)")
    p.add_argument("--limit", action="append", default=[], metavar="NAME=VALUE",
                   help="change a resource limit (repeatable), e.g. max_zip_members=50000, "
                        "max_file_bytes=8G, max_nesting=200; names in chatsignals.sources.Limits")
    p.add_argument("-q", "--quiet", action="store_true", help="no per-file summaries on stderr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatsignals",
        description="Turn exported seller chats and e-mails into dispute-ready evidence.",
    )
    parser.add_argument("--version", action="version", version=f"chatsignals {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("parse", help="read exports into the message table")
    _add_read_options(p)
    p.add_argument("-o", "--output", help="OUT.parquet, .csv or .jsonl (CSV on stdout when omitted)")

    a = sub.add_parser("analyze", help="messages, promises, findings and the report for a case")
    _add_read_options(a)
    a.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="folder for the outputs")
    a.add_argument("--facts", help="the case facts (YAML or JSON): what actually happened")
    a.add_argument("--as-of", help="the analysis date (YYYY-MM-DD) for open deadlines; default today")
    a.add_argument("--engine", choices=["local", "dask"], default="local")
    a.add_argument("--scheduler", metavar="ADDR", help="a Dask scheduler address (with --engine dask)")
    a.add_argument("-j", "--jobs", type=int, default=1, help="worker processes for the local engine")
    a.add_argument("--batch", action="store_true", help="treat every input file as its own case")
    a.add_argument("--redact", action="store_true", help="mask phone numbers, addresses and account numbers in the report")
    a.add_argument("--font", help="a TTF/OTF font with CJK glyphs for the PDF")
    a.add_argument("--lang", default="en", help="report interface language")
    a.add_argument("--no-pdf", action="store_true", help="skip report.pdf")

    sub.add_parser("formats", help="the input formats it reads and how it detects each")

    r = sub.add_parser("rules", help="the scam-pattern rule library")
    r.add_argument("action", choices=["list", "test"])

    f = sub.add_parser("facts", help="the case facts file")
    f.add_argument("action", choices=["template", "check"])
    f.add_argument("file", nargs="?", help="the facts file to check")

    t = sub.add_parser("train", help="train the promise models from the labelled set in data/")
    t.add_argument("--data", help="labelled data folder (default: data/promises)")
    t.add_argument("--out", help="model folder (default: models/)")

    e = sub.add_parser("evaluate", help="precision, recall and F1 of the promise models on the test split")
    e.add_argument("--data", help="labelled data folder (default: data/promises)")
    e.add_argument("--model", help="model folder (default: the shipped models/)")
    e.add_argument("--json", action="store_true", help="print the metrics as JSON")
    e.add_argument("--show-misses", action="store_true",
                   help="print each test sentence the stage gets wrong (tuning on them spoils the test)")

    v = sub.add_parser("verify", help="recompute every hash in OUTDIR/manifest.json and say what changed")
    v.add_argument("outdir")
    return parser


def cmd_parse(args: argparse.Namespace) -> int:
    from .output import write_table
    from .reading import make_options, read_inputs, read_report_lines
    from .sources import limits_from

    options = make_options(args.tz, args.date_order, args.seller, args.buyer)
    result = read_inputs(args.inputs, options, args.format, limits=limits_from(args.limit),
                         progress=show_progress())
    for line in read_report_lines(result, args.quiet):
        _say(line)
    if result.table.empty and result.failures and not result.tallies:
        return EXIT_USAGE
    metadata = {
        "sources": [{"file": t.source_file, "sha256": t.source_sha256, "format": t.format} for t in result.tallies],
        "tallies": [t.to_dict() for t in result.tallies],
        "errors": [f.to_dict() for f in result.failures],
        "tz": args.tz,
    }
    write_table(result.table, args.output, metadata)
    return EXIT_PARTIAL if result.failures else EXIT_OK


def cmd_formats(_: argparse.Namespace) -> int:
    from .parsers import parsers

    for p in parsers():
        suffixes = " ".join(p.suffixes)
        print(f"{p.name:<16} {p.platform:<10} {suffixes:<24} {p.description}")
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    from .batch import run_analyze

    return run_analyze(args, say=_say, progress=show_progress())


def cmd_rules(args: argparse.Namespace) -> int:
    from .findings.rules import engine

    return engine.main_list(sys.stdout) if args.action == "list" else engine.main_test(sys.stdout)


def cmd_facts(args: argparse.Namespace) -> int:
    from . import facts

    if args.action == "template":
        sys.stdout.write(facts.template_text())
        return EXIT_OK
    if not args.file:
        raise UsageError("facts check needs a FILE")
    facts.load_facts(args.file)
    print(f"{args.file}: valid")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from .nlp import training

    return training.cli_train(args.data, args.out)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .nlp import training

    return training.cli_evaluate(args.data, args.model, as_json=args.json,
                                 show_misses=args.show_misses)


def cmd_verify(args: argparse.Namespace) -> int:
    from .report import manifest

    ok, lines = manifest.verify(Path(args.outdir))
    for line in lines:
        print(line)
    return EXIT_OK if ok else EXIT_PARTIAL


COMMANDS = {
    "parse": cmd_parse,
    "analyze": cmd_analyze,
    "formats": cmd_formats,
    "rules": cmd_rules,
    "facts": cmd_facts,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "verify": cmd_verify,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 on --help
        return int(exc.code or 0)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return COMMANDS[args.command](args)
    except UsageError as exc:
        _say(f"chatsignals: {exc}")
        return EXIT_USAGE
    except InputError as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except ChatsignalsError as exc:
        _say(f"chatsignals: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("chatsignals: interrupted")
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:  # a bug, not bad input: one line unless the user asks for more
        if os.environ.get("CHATSIGNALS_DEBUG"):
            raise
        _say(
            f"chatsignals: internal error: {exc.__class__.__name__}: {' '.join(str(exc).split())[:300]} "
            "(please report it; set CHATSIGNALS_DEBUG=1 to see the traceback)"
        )
        return EXIT_USAGE



if __name__ == "__main__":
    raise SystemExit(main())


__all__ = ["build_parser", "main"]
