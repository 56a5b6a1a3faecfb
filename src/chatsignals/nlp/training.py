"""Train and evaluate the shipped promise models (``chatsignals train`` / ``chatsignals evaluate``).

Data: ``data/promises/{train,test}.jsonl`` (schema in that folder's README and the task brief);
``train`` also reads ``train_extra.jsonl`` when that file is there, and never reads
``test.jsonl``. Where they look by default: ``--data`` else ``$CHATSIGNALS_DATA/promises`` else
``<repo>/data/promises`` (the source checkout this package runs from) else ``./data/promises``;
the model folder: ``--out``/``--model`` else
:func:`classifier.default_model_dir` (``$CHATSIGNALS_MODELS``, ``<repo>/models``, ``./models``).

Evaluation runs the stage as ``extract_promises`` does (sentence -> clauses -> cues, rules, model,
deadlines), per docs/PROMISES.md: detection P/R/F1 (commitment or claim vs none); category,
deadline window (earliest, latest and anchor all equal) and strength accuracy on gold promises,
each part scored on every gold promise whether or not detection found it (the stage's category,
window and strength for that sentence), and also end to end (a missed promise counts wrong).
Buyer sentences are never promises: the stage does not analyse them.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import classifier
from .promises import (
    Decision,
    clause_info,
    conversation_topics,
    decide,
    feature_tokens,
    is_request,
    message_clauses,
    model_text,
)

REPO = Path(__file__).resolve().parents[3]
#: the category model's inverse regularisation (grouped CV on train: 10 beat 4 slightly)
CATEGORY_C = float(os.environ.get("CHATSIGNALS_CATEGORY_C", "10"))
LABEL_C = 4.0
PARAKWEET = REPO.parent / "shared" / "realdata" / "intent" / "parakweet-train.txt"


def default_data_dir() -> Path:
    env = os.environ.get("CHATSIGNALS_DATA")
    if env:
        return Path(env) / "promises"
    repo = REPO / "data" / "promises"
    return repo if repo.is_dir() else Path.cwd() / "data" / "promises"


def load_split(folder: Path, split: str) -> list[dict[str, Any]]:
    """The examples of ``split`` (train or test); a bad line is an error naming the line."""
    path = folder / f"{split}.jsonl"
    rows = []
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise ValueError(f"{path}:{n}: not JSON ({exc.msg})") from exc
    return rows


#: extra training files read after ``train.jsonl`` when present (never the test split)
EXTRA_TRAINING_SPLITS = ("train_extra",)


def load_training(folder: Path) -> tuple[list[dict[str, Any]], list[Path]]:
    """Every training example: ``train.jsonl`` (required) plus each extra training file that
    exists, so more labelled rows can be added in their own file without touching the split;
    returns the examples and the files read, for the report."""
    examples, files = load_split(folder, "train"), [folder / "train.jsonl"]
    for split in EXTRA_TRAINING_SPLITS:
        path = folder / f"{split}.jsonl"
        if path.is_file():
            examples += load_split(folder, split)
            files.append(path)
    return examples, files


def _sent(example: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(str(example["sent"])[:10])


def _gold_deadline(example: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    d = example.get("deadline")
    if not d:
        return None
    return (d.get("earliest"), d.get("latest"), d.get("anchor"))


# --- training -----------------------------------------------------------------------------------


def example_topics(examples: list[dict[str, Any]]) -> list[str | None]:
    """Each labelled sentence's conversation topic, from the sentences before it in its group
    (the files keep a conversation's sentences in order), as extract_promises computes it."""
    groups = [str(ex.get("group") or ex.get("id")) for ex in examples]
    return conversation_topics(groups, [ex.get("text") for ex in examples])


def training_rows(examples: Iterable[dict[str, Any]]) -> tuple[list[classifier.FeatureRow], list[str],
                                                                  list[str | None]]:
    """Features (seller sentences only), gold labels and gold categories."""
    from .deadlines import event_lookup, find_deadline

    examples = list(examples)
    feats, labels, cats = [], [], []
    for ex, topic in zip(examples, example_topics(examples), strict=True):
        if ex.get("speaker") != "seller":
            continue
        text, sent = ex["text"], _sent(ex)
        info = clause_info(text)
        deadline = find_deadline(text, sent, event_lookup(ex.get("events") or {}))
        ctx = ex.get("context")
        request = is_request(ctx)
        tokens = feature_tokens(info, deadline, sent, ctx, request, topic)
        # the words the model reads at run time: an "ok" answer carries the request it accepts
        feats.append(classifier.FeatureRow(model_text(info, ctx, request), tokens))
        labels.append(ex["label"])
        cats.append(ex.get("category"))
    return feats, labels, cats


def train(examples: list[dict[str, Any]]) -> classifier.PromiseModel:
    """Fit the label model on every seller sentence and the category model on gold promises."""
    feats, labels, cats = training_rows(examples)
    features = classifier.build_features().fit(classifier.frame(feats))
    x = features.transform(classifier.frame(feats))
    label_model = classifier.build_classifier(LABEL_C).fit(x, labels)
    keep = [i for i, c in enumerate(cats) if c]
    category_model = None
    if len({cats[i] for i in keep}) >= 2:
        category_model = classifier.build_classifier(CATEGORY_C).fit(x[keep], [cats[i] for i in keep])
    meta = {"examples": len(feats), "trained": dt.date.today().isoformat()}
    return classifier.PromiseModel(features, label_model, category_model, meta)


def cross_validate(examples: list[dict[str, Any]], folds: int = 5) -> dict[str, Any]:
    """Grouped k-fold on the training split (a conversation's sentences stay in one fold): the
    model's and the rules' figures on sentences the model did not see, to choose honestly."""
    groups = sorted({str(ex.get("group") or ex.get("id")) for ex in examples})
    fold_of = {g: i % folds for i, g in enumerate(groups)}
    scored: dict[str, list[dict[str, Any]]] = {"model": [], "rules_only": []}
    for k in range(folds):
        fit = [ex for ex in examples if fold_of[str(ex.get("group") or ex.get("id"))] != k]
        held = [ex for ex in examples if fold_of[str(ex.get("group") or ex.get("id"))] == k]
        if not held or not fit:
            continue
        scored["model"].append(evaluate(held, train(fit)))
        scored["rules_only"].append(evaluate(held, None))
    return {name: _pool(runs) for name, runs in scored.items()}


def _pool(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool fold results by summing the counts behind each figure."""
    tp = sum(r["detection"]["tp"] for r in runs)
    fp = sum(r["detection"]["fp"] for r in runs)
    fn = sum(r["detection"]["fn"] for r in runs)
    p, r_ = _ratio(tp, tp + fp) or 0.0, _ratio(tp, tp + fn) or 0.0
    gold = sum(r["gold_promises"] for r in runs)
    dls = sum(r["gold_deadlines"] for r in runs)

    def pooled(key: str, base: str) -> float | None:
        total = sum(round((r[key] or 0) * r[base]) for r in runs)
        return _ratio(total, sum(r[base] for r in runs))

    return {
        "detection": {"precision": p, "recall": r_, "f1": round(2 * p * r_ / (p + r_), 4) if p + r_ else 0.0},
        "kind_accuracy": pooled("kind_accuracy", "gold_promises"),
        "category_accuracy": pooled("category_accuracy", "gold_promises"),
        "deadline_window_accuracy": pooled("deadline_window_accuracy", "gold_deadlines"),
        "strength_accuracy": pooled("strength_accuracy", "gold_promises"),
        "gold_promises": gold,
        "gold_deadlines": dls,
    }


# --- evaluation ---------------------------------------------------------------------------------


def predict_example(example: dict[str, Any], model: classifier.PromiseModel | None,
                    topic: str | None = None) -> Decision:
    """The stage's decision for one labelled sentence: its first promise-bearing clause (or, when
    none is, the first clause's category/strength/deadline, for the per-part scores); ``topic``
    is its conversation's (:func:`example_topics`)."""
    none = Decision("none", None, None, None, None, None, 1.0)
    if example.get("speaker") != "seller":
        return none
    sent, events, ctx = _sent(example), example.get("events") or {}, example.get("context")
    clauses = [c[2] for c in message_clauses(example["text"])] or [example["text"]]
    decisions = decide(clauses, [sent] * len(clauses), [events] * len(clauses),
                       [ctx] + [None] * (len(clauses) - 1), model, use_model=model is not None,
                       full=True, topics=[topic] * len(clauses))
    promises = [d for d in decisions if d.label != "none"] or decisions[:1]
    first = promises[0]
    if first.deadline is None:
        dated = [d for d in promises if d.deadline is not None]
        if dated:
            first = Decision(first.label, first.category, first.strength, dated[0].deadline,
                             first.value, first.condition, first.confidence, first.answers)
    return first


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def evaluate(examples: list[dict[str, Any]], model: classifier.PromiseModel | None) -> dict[str, Any]:
    """Detection P/R/F1, kind, category, deadline-window and strength accuracy, with the misses."""
    tp = fp = fn = 0
    kind_ok = cat_ok = dl_ok = st_ok = gold_promises = gold_deadlines = 0
    e2e = {"category": 0, "deadline": 0, "strength": 0}
    errors = []
    for ex, topic in zip(examples, example_topics(examples), strict=True):
        d = predict_example(ex, model, topic)
        gold_pos, pred_pos = ex["label"] != "none", d.label != "none"
        tp += gold_pos and pred_pos
        fp += pred_pos and not gold_pos
        fn += gold_pos and not pred_pos
        problems = []
        if gold_pos != pred_pos:
            problems.append(f"label {d.label} (gold {ex['label']})")
        if gold_pos:
            gold_promises += 1
            kind_ok += d.label == ex["label"]
            cat_ok += d.category == ex.get("category")
            st_ok += d.strength == ex.get("strength")
            e2e["category"] += pred_pos and d.category == ex.get("category")
            e2e["strength"] += pred_pos and d.strength == ex.get("strength")
            if d.category != ex.get("category"):
                problems.append(f"category {d.category} (gold {ex.get('category')})")
            gold = _gold_deadline(ex)
            if gold is not None:
                gold_deadlines += 1
                got = (None, None, None) if d.deadline is None else (
                    _iso(d.deadline.earliest), _iso(d.deadline.latest), d.deadline.anchor)
                dl_ok += got == gold
                e2e["deadline"] += pred_pos and got == gold
                if got != gold:
                    problems.append(f"deadline {got} (gold {gold})")
        if problems:
            errors.append({"id": ex.get("id"), "text": ex["text"], "problems": problems})
    precision, recall = _ratio(tp, tp + fp), _ratio(tp, tp + fn)
    f1 = (round(2 * precision * recall / (precision + recall), 4)
          if precision and recall else 0.0)
    return {
        "examples": len(examples),
        "detection": {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn},
        "kind_accuracy": _ratio(kind_ok, gold_promises),
        "category_accuracy": _ratio(cat_ok, gold_promises),
        "deadline_window_accuracy": _ratio(dl_ok, gold_deadlines),
        "strength_accuracy": _ratio(st_ok, gold_promises),
        "end_to_end": {
            "category_accuracy": _ratio(e2e["category"], gold_promises),
            "deadline_window_accuracy": _ratio(e2e["deadline"], gold_deadlines),
            "strength_accuracy": _ratio(e2e["strength"], gold_promises),
        },
        "gold_promises": gold_promises,
        "gold_deadlines": gold_deadlines,
        "errors": errors,
    }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def parakweet_check(model: classifier.PromiseModel | None, path: Path = PARAKWEET) -> dict[str, Any] | None:
    """Out-of-domain check on Enron sentences labelled for intent (Yes = the writer commits to
    an action): detection P/R/F1 of the stage, every sentence treated as the seller's."""
    if not path.is_file():
        return None
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        label, _, text = line.partition("\t")
        if label in ("Yes", "No") and text.strip():
            rows.append((label == "Yes", text.strip()))
    today = dt.date(2025, 1, 1)
    decisions = decide([t for _, t in rows], [today] * len(rows), [None] * len(rows),
                       [None] * len(rows), model, use_model=model is not None)
    tp = sum(g and d.label != "none" for (g, _), d in zip(rows, decisions, strict=True))
    fp = sum((not g) and d.label != "none" for (g, _), d in zip(rows, decisions, strict=True))
    fn = sum(g and d.label == "none" for (g, _), d in zip(rows, decisions, strict=True))
    p, r = _ratio(tp, tp + fp) or 0.0, _ratio(tp, tp + fn) or 0.0
    return {"sentences": len(rows), "precision": p, "recall": r,
            "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0}


# --- command line -------------------------------------------------------------------------------


def cli_train(data: str | None, out: str | None) -> int:
    """Train on ``train.jsonl`` (+ ``train_extra.jsonl`` when present) and write
    ``promise_model.skops``; prints what it did."""
    folder = Path(data) if data else default_data_dir()
    target = Path(out) if out else classifier.default_model_dir()
    try:
        examples, files = load_training(folder)
    except (OSError, ValueError) as exc:
        print(f"chatsignals train: {exc}", file=sys.stderr)
        return 2
    model = train(examples)
    path = model.save(target / classifier.MODEL_FILE)
    fit = evaluate(examples, model)
    print(f"trained on {len(examples)} examples from {', '.join(str(f) for f in files)} -> {path}")
    print(f"training-set fit: detection F1 {fit['detection']['f1']}, "
          f"category {fit['category_accuracy']}")
    return 0


def cli_evaluate(data: str | None, model: str | None, as_json: bool = False,
                 show_misses: bool = False) -> int:
    """Score the stage on ``test.jsonl`` with the model in ``model`` (default the shipped one),
    beside the rules alone; prints a table or JSON. The missed sentences are printed only with
    ``show_misses``: whoever reads them while changing the rules or the data is tuning on the
    test split, so by default only their number is shown."""
    folder = Path(data) if data else default_data_dir()
    try:
        examples = load_split(folder, "test")
        loaded = classifier.read_model(model) if model else classifier.load_model()
    except (OSError, ValueError) as exc:
        print(f"chatsignals evaluate: {exc}", file=sys.stderr)
        return 2
    result = {
        "data": str(folder / "test.jsonl"),
        "model": evaluate(examples, loaded) if loaded is not None else None,
        "rules_only": evaluate(examples, None),
        "out_of_domain_parakweet": parakweet_check(loaded),
    }
    if not show_misses:
        for part in ("model", "rules_only"):
            scores = result[part]
            if isinstance(scores, dict):
                scores["errors"] = len(scores["errors"])
    if as_json:
        print(json.dumps(result, indent=2))
        return 0
    _print_table(result)
    return 0


def _print_table(result: dict[str, Any]) -> None:
    print(f"test set: {result['data']}")
    for name in ("model", "rules_only"):
        m = result[name]
        if m is None:
            print(f"{name}: no model file (rules only)")
            continue
        det = m["detection"]
        print(f"{name:10} examples {m['examples']}  detection P {det['precision']} R {det['recall']}"
              f" F1 {det['f1']}  category {m['category_accuracy']}  deadline window "
              f"{m['deadline_window_accuracy']} ({m['gold_deadlines']})  strength "
              f"{m['strength_accuracy']}  kind {m['kind_accuracy']}")
        e = m["end_to_end"]
        print(f"{'':10} end to end (a missed promise counts wrong): category "
              f"{e['category_accuracy']}  deadline window {e['deadline_window_accuracy']}  "
              f"strength {e['strength_accuracy']}")
    errors = (result["model"] or result["rules_only"])["errors"]
    if isinstance(errors, int):
        print(f"  {errors} test sentences with a wrong part (--show-misses prints them: reading them "
              "while changing rules or data tunes on the test split)")
    else:
        for err in errors:
            print(f"  miss {err['id']}: {err['text']!r}: {'; '.join(err['problems'])}")
    ood = result.get("out_of_domain_parakweet")
    if ood:
        print(f"out of domain (Parakweet Enron intent, {ood['sentences']} sentences): "
              f"P {ood['precision']} R {ood['recall']} F1 {ood['f1']}")
