"""Line-level precision and recall of signature removal on forge-enron-signatures.

Run: ``python -m tests.parsers.email.enron_eval`` (from the repository root). The data set marks
every signature line of 192 real Enron bodies with ``#sig#``; a predicted signature line is one
at or below the start :func:`signature_start` returns. Only non-empty lines count.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatsignals.parsers.email.mime import split_address
from chatsignals.parsers.email.signature import signature_start

MARK = "#sig#"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    bodies: int = 0
    exact: int = 0  # bodies whose predicted signature lines equal the marked ones

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


def load(folder: Path) -> list[tuple[str, list[str], set[int], str | None, str | None]]:
    """(name, lines, gold signature line indices, sender name, sender address) per body."""
    out = []
    for body in sorted(folder.glob("*/*_body")):
        raw = body.read_text(encoding="utf-8", errors="replace").replace("\r\n", "\n").split("\n")
        gold = {i for i, line in enumerate(raw) if line.startswith(MARK)}
        lines = [line[len(MARK):] if line.startswith(MARK) else line for line in raw]
        sender_file = body.with_name(body.name.replace("_body", "_sender"))
        sender = sender_file.read_text(encoding="utf-8", errors="replace").strip() if sender_file.exists() else ""
        name, address = split_address(sender) if "@" in sender else (sender or None, None)
        out.append((str(body.relative_to(folder)), lines, gold, name, address))
    return out


def evaluate(folder: Path) -> tuple[Score, list[str]]:
    score = Score()
    errors = []
    for name, lines, gold, sender, address in load(folder):
        start = signature_start(lines, sender, address)
        predicted = set(range(start, len(lines))) if start is not None else set()
        nonblank = {i for i, line in enumerate(lines) if line.strip()}
        predicted &= nonblank
        gold &= nonblank
        score.bodies += 1
        score.tp += len(predicted & gold)
        score.fp += len(predicted - gold)
        score.fn += len(gold - predicted)
        if predicted == gold:
            score.exact += 1
        else:
            errors.append(name)
    return score, errors


def main() -> None:
    folder = Path(__file__).resolve().parents[3].parent / "shared" / "realdata" / "email" / "forge-enron-signatures"
    score, errors = evaluate(folder)
    print(
        f"forge-enron-signatures: {score.bodies} bodies, line precision {score.precision:.3f}, "
        f"recall {score.recall:.3f} (tp {score.tp}, fp {score.fp}, fn {score.fn}), "
        f"exact bodies {score.exact}/{score.bodies}"
    )
    print("mismatched:", " ".join(errors[:60]))


if __name__ == "__main__":
    main()
