"""Measure the rule library: recall on the labelled scam set, false positives on real prose.

    python -m chatsignals.findings.rules_eval [--split test] [--data data/scam/messages.jsonl]
                                             [--realdata ../shared/realdata] [--show N] [--json]

Recall is counted per (message, rule) label of the chosen split: a label is found when the rule
flags that message. The false-positive rate is the share of real, legitimate business messages
(Enron e-mail bodies and Enron sentences, each read as a seller's message) that any rule flags.
Tune on the ``dev`` split; report ``test``. ``--data data/scam/train_extra.jsonl --split probe``
measures the held-out probe rows (never tuned or trained on).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .rules.engine import run_rules

ROOT = Path(__file__).resolve().parents[3]
DEFAULT_DATA = ROOT / "data" / "scam" / "messages.jsonl"
DEFAULT_REALDATA = ROOT.parent / "shared" / "realdata"


@dataclass
class Recall:
    """Per-rule recall and over-flagging on the labelled set."""

    labelled: Counter[str] = field(default_factory=Counter)
    found: Counter[str] = field(default_factory=Counter)
    extra: Counter[str] = field(default_factory=Counter)  # rule fired, message not labelled with it
    legit_total: int = 0
    legit_flagged: int = 0
    misses: list[tuple[str, str, str]] = field(default_factory=list)  # (rule, id, text)
    extras: list[tuple[str, str, str]] = field(default_factory=list)

    @property
    def overall(self) -> float:
        total = sum(self.labelled.values())
        return sum(self.found.values()) / total if total else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "overall_recall": round(self.overall, 4),
            "labels": sum(self.labelled.values()),
            "per_rule": {
                r: {"labelled": n, "found": self.found[r], "recall": round(self.found[r] / n, 4),
                    "extra_flags": self.extra[r]}
                for r, n in sorted(self.labelled.items())
            },
            "legitimate_messages": self.legit_total,
            "legitimate_flagged": self.legit_flagged,
        }


def as_messages(texts: list[str], roles: list[str], ids: list[str]) -> pd.DataFrame:
    """Each text its own one-message conversation (no state carries between them)."""
    return pd.DataFrame(
        {
            "conversation_id": ids,
            "message_id": ids,
            "timestamp": pd.Series(pd.NaT, index=range(len(ids)), dtype="datetime64[ns, UTC]"),
            "sender": [None] * len(ids),
            "role": roles,
            "text": texts,
            "is_system": [False] * len(ids),
        }
    )


def flags(frame: pd.DataFrame, use_model: bool = True) -> dict[str, set[str]]:
    """message_id -> the rule ids that flagged it (the patterns alone with ``use_model=False``)."""
    found = run_rules(frame, use_model=use_model)
    out: dict[str, set[str]] = {}
    for rule_id, ids in zip(found["rule_id"], found["message_ids"], strict=True):
        for mid in ids:
            out.setdefault(str(mid), set()).add(str(rule_id))
    return out


def load_labelled(path: Path, split: str) -> list[dict[str, Any]]:
    rows = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise SystemExit(f"{path}:{n}: not JSON: {exc}") from None
            if split == "all" or row.get("split") == split:
                rows.append(row)
    return rows


def measure_recall(rows: list[dict[str, Any]]) -> Recall:
    frame = as_messages([r["text"] for r in rows], [r.get("speaker", "seller") for r in rows],
                        [str(r["id"]) for r in rows])
    flagged = flags(frame)
    result = Recall()
    for row in rows:
        labels = set(row.get("rules") or [])
        got = flagged.get(str(row["id"]), set())
        if not labels:
            result.legit_total += 1
            result.legit_flagged += bool(got)
        for rule in labels:
            result.labelled[rule] += 1
            if rule in got:
                result.found[rule] += 1
            else:
                result.misses.append((rule, str(row["id"]), row["text"]))
        for rule in got - labels:
            result.extra[rule] += 1
            result.extras.append((rule, str(row["id"]), row["text"]))
    return result


def real_prose(realdata: Path) -> list[tuple[str, str]]:
    """(id, text) of every Enron body (signature marks removed) and every Parakweet sentence."""
    out = []
    sig = realdata / "email" / "forge-enron-signatures"
    for folder in ("P", "N"):
        for path in sorted((sig / folder).glob("*_body")):
            text = path.read_text(encoding="utf-8", errors="replace").replace("#sig#", "")
            out.append((f"enron-{folder}-{path.name}", text))
    parakweet = realdata / "intent" / "parakweet-train.txt"
    if parakweet.is_file():
        for n, line in enumerate(parakweet.read_text(encoding="utf-8", errors="replace").splitlines()):
            _label, _tab, sentence = line.partition("\t")
            if sentence.strip():
                out.append((f"parakweet-{n + 1}", sentence))
    return out


def measure_false_positives(realdata: Path) -> tuple[int, int, list[tuple[str, str, str]]]:
    """(flagged, total, examples) over real legitimate prose read as seller messages."""
    prose = real_prose(realdata)
    if not prose:
        return 0, 0, []
    ids = [i for i, _ in prose]
    frame = as_messages([t for _, t in prose], ["seller"] * len(prose), ids)
    flagged = flags(frame)
    texts = dict(prose)
    examples = [(", ".join(sorted(r)), i, texts[i]) for i, r in flagged.items()]
    return len(flagged), len(prose), sorted(examples)


def _print_report(recall: Recall | None, fp: tuple[int, int, list[tuple[str, str, str]]] | None,
                  split: str, show: int) -> None:
    if recall is not None:
        print(f"recall on the {split} split: {recall.overall:.3f} "
              f"({sum(recall.found.values())}/{sum(recall.labelled.values())} labels)")
        for rule, n in sorted(recall.labelled.items()):
            print(f"  {rule:36} {recall.found[rule]:3}/{n:<3} {recall.found[rule] / n:.2f}"
                  f"   extra flags {recall.extra[rule]}")
        print(f"  legitimate messages flagged: {recall.legit_flagged}/{recall.legit_total}")
        for rule, mid, text in recall.misses[:show]:
            print(f"  MISS  {rule:30} {mid}: {text[:150]}")
        for rule, mid, text in recall.extras[:show]:
            print(f"  EXTRA {rule:30} {mid}: {text[:150]}")
    if fp is not None:
        flagged, total, examples = fp
        rate = flagged / total if total else 0.0
        print(f"false positives on real prose: {flagged}/{total} messages flagged = {100 * rate:.2f} per 100")
        for rules, mid, text in examples[:show]:
            print(f"  FP {rules:30} {mid}: {' '.join(text.split())[:150]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chatsignals.findings.rules_eval", description=__doc__)
    ap.add_argument("--split", default="test", choices=["dev", "test", "probe", "train", "holdout", "holdout2", "all"],
                    help="probe and train are splits of data/scam/train_extra.jsonl, holdout the "
                         "only split of data/scam/holdout.jsonl, holdout2 of holdout2.jsonl (use --data)")
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--realdata", type=Path, default=DEFAULT_REALDATA)
    ap.add_argument("--show", type=int, default=0, help="print up to N misses and false positives")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    recall = measure_recall(load_labelled(args.data, args.split)) if args.data.is_file() else None
    fp = measure_false_positives(args.realdata) if args.realdata.is_dir() else None
    if recall is None and fp is None:
        print("nothing to measure: neither the labelled set nor the real data was found", file=sys.stderr)
        return 2
    if args.json:
        out: dict[str, Any] = {"split": args.split}
        if recall is not None:
            out["recall"] = recall.to_dict()
        if fp is not None:
            out["false_positives"] = {"flagged": fp[0], "total": fp[1],
                                      "per_100": round(100 * fp[0] / fp[1], 3) if fp[1] else 0.0}
        print(json.dumps(out, indent=2))
    else:
        _print_report(recall, fp, args.split, args.show)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
