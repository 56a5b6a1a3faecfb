"""The trained half of the scam-rule library: a multi-label text classifier over the engine's
normalised text, for the new wordings that hand-written patterns miss.

    python -m chatsignals.findings.rules.classifier train [--out models/scam_model.skops]
    python -m chatsignals.findings.rules.classifier evaluate [--json]

Patterns stay the first judge. The model only speaks for a rule when no pattern of that rule hit,
its probability is above a per-rule threshold chosen to be conservative (out-of-fold precision on
the training messages and a ceiling on real legitimate prose, see ``models/SCAM_MODEL_CARD.md``),
and the engine's own gates hold (speaker, question, negation, exclusions, conversation anchor).
Model findings score half the probability, so a pattern hit always outranks them, and their
evidence names the n-grams that drove the decision ("model: add wechat, talk"), never a verdict.

Features: word 1-2-gram and character 3-5-gram (``char_wb``) TF-IDF; one-vs-rest
``LogisticRegression`` with balanced class weights. Saved with skops (never pickle) and loaded
with the exact list of types below; without the file the engine runs on patterns alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ...nlp.classifier import default_model_dir
from .engine import normal_word

MODEL_FILE = "scam_model.skops"
ROOT = Path(__file__).resolve().parents[4]
DATA = ROOT / "data" / "scam"
LABELLED = DATA / "messages.jsonl"
EXTRA = DATA / "train_extra.jsonl"
REALDATA = ROOT.parent / "shared" / "realdata"

#: a rule needs this many training positives before the model may speak for it
MIN_POSITIVES = 15
#: rules the model never speaks for: real business prose is full of deadlines, so the prose ceiling
#: pushes pressure.urgency's threshold to ~0.99, where it caught 2-7% of its training positives out
#: of fold yet still flagged held-out prose ("I'm in Vancouver today and tomorrow"); its patterns decide
NO_MODEL_RULES = frozenset({"pressure.urgency"})
#: splits measured, never trained or tuned on (messages.jsonl test, holdout.jsonl, holdout2.jsonl)
HELD_OUT_SPLITS = frozenset({"test", "holdout", "holdout2"})
#: out-of-fold precision a threshold must reach on the training messages
TARGET_PRECISION = 0.8
#: no threshold below this, whatever cross-validation says
FLOOR = 0.5
#: at most this share of the calibration half of real prose may score above a rule's threshold
PROSE_CEILING = 0.0005
SEED = 13
FOLDS = 5
C = 8.0

#: every type the shipped model file may contain; skops refuses anything else
TRUSTED_TYPES = [
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.multiclass.OneVsRestClassifier",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.preprocessing._label.LabelBinarizer",
    "numpy.float64",
    "numpy.int64",
    "numpy.int32",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.NoneType",
]


# --- text ----------------------------------------------------------------------------------------


def model_text(text: str) -> str:
    """The engine's normalisation (spelling map, lower case) on tokenizer tokens only: the model
    sees "please pay to our new account" for "pls pay to our new acount", as the patterns do,
    without running the full spaCy pipeline over every message a second time."""
    from ...nlp.pipeline import get_nlp

    doc = get_nlp().tokenizer(text)
    return "".join(normal_word(t.text) + t.whitespace_ for t in doc)


# --- the model -----------------------------------------------------------------------------------


def new_pipeline() -> Any:
    """An unfitted pipeline: words catch phrasing, characters catch misspellings and inflection."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import FeatureUnion, Pipeline

    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b\w[\w/']*\b")
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=2)
    clf = OneVsRestClassifier(LogisticRegression(C=C, class_weight="balanced", solver="liblinear"))
    return Pipeline([("features", FeatureUnion([("words", words), ("chars", chars)])), ("clf", clf)])


@dataclass
class ScamModel:
    """The fitted pipeline, its rule ids (column order) and one threshold per rule."""

    pipeline: Any
    labels: list[str]
    thresholds: dict[str, float]
    meta: dict[str, Any]

    def proba(self, texts: Sequence[str]) -> np.ndarray:
        """(n, rules) probabilities of already normalised texts."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        return np.asarray(self.pipeline.predict_proba(list(texts)))

    def fired(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each normalised text: {rule: probability} of the rules above their threshold."""
        out = []
        for row in self.proba(texts):
            out.append({r: float(p) for r, p in zip(self.labels, row, strict=True)
                        if p >= self.thresholds.get(r, 2.0)})
        return out

    def top_ngrams(self, text: str, rule: str, n: int = 3) -> list[str]:
        """The word n-grams of ``text`` that pushed ``rule`` up most (the evidence a reader sees)."""
        union = self.pipeline.named_steps["features"]
        words = dict(union.transformer_list)["words"]
        vec = words.transform([text])
        est = self.pipeline.named_steps["clf"].estimators_[self.labels.index(rule)]
        coef = est.coef_[0][: vec.shape[1]]
        row = vec.tocoo()
        scored = sorted(((v * coef[j], j) for j, v in zip(row.col, row.data, strict=True)), reverse=True)
        names = words.get_feature_names_out()
        return [str(names[j]) for s, j in scored[:n] if s > 0]

    def save(self, path: Path) -> Path:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump({"pipeline": self.pipeline, "labels": list(self.labels),
                  "thresholds": dict(self.thresholds), "meta": self.meta}, path)
        return path


def read_model(path: str | os.PathLike[str]) -> ScamModel:
    """Load a model file, refusing any type outside :data:`TRUSTED_TYPES`."""
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    path = Path(path)
    try:  # load refuses any type not listed itself: no second pass over the file to check first
        blob = sio.load(path, trusted=TRUSTED_TYPES)
    except UntrustedTypesFoundException as exc:
        raise ValueError(f"{path}: refusing to load untrusted types: {exc}") from None
    if not isinstance(blob, dict) or not {"pipeline", "labels", "thresholds"} <= set(blob):
        raise ValueError(f"{path}: not a chatsignals scam model")
    return ScamModel(blob["pipeline"], list(blob["labels"]), dict(blob["thresholds"]),
                     dict(blob.get("meta") or {}))


def model_path() -> Path:
    return default_model_dir() / MODEL_FILE


@lru_cache(maxsize=1)
def load_model() -> ScamModel | None:
    """The shipped model, or None (patterns only) when it is absent or switched off with
    ``CHATSIGNALS_NO_MODEL`` (the same switch as the promise model)."""
    if os.environ.get("CHATSIGNALS_NO_MODEL"):
        return None
    path = model_path()
    if not path.is_file():
        return None
    return read_model(path)


# --- the gate the engine runs ------------------------------------------------------------------


@dataclass
class ModelGate:
    """The model's votes for one message table, computed in one batch, and the engine's checks
    a vote must pass before it becomes a finding."""

    model: ScamModel
    fired: dict[str, dict[str, float]]  # message_id -> {rule: probability above threshold}
    patterns: bool = True  # False: the model alone (to measure what it adds)

    @classmethod
    def of(cls, messages: Any, model: ScamModel, patterns: bool = True,
           roles: Collection[str] | None = None) -> ModelGate:
        """Score every distinct text once, in one batch (a batch is far cheaper than one call a
        message, and chats repeat their short lines); with ``roles``, only messages whose role
        (missing: ``unknown``, as the engine reads it) is among them."""
        ids, texts = [], []
        if messages is not None and len(messages) and "text" in messages.columns:
            n = len(messages)
            role_of = messages["role"] if "role" in messages.columns else [None] * n
            for mid, text, role in zip(messages["message_id"], messages["text"], role_of, strict=True):
                if roles is not None and (role if isinstance(role, str) else "unknown") not in roles:
                    continue
                if isinstance(text, str) and text.strip():
                    ids.append(str(mid))
                    texts.append(text)
        distinct = list(dict.fromkeys(texts))
        votes = dict(zip(distinct, model.fired([model_text(t) for t in distinct]), strict=True))
        fired = {m: votes[t] for m, t in zip(ids, texts, strict=True) if votes[t]}
        return cls(model, fired, patterns)

    def votes(self, message_id: str) -> dict[str, float]:
        """{rule: probability} of the rules the model speaks for on this message (maybe none)."""
        return self.fired.get(message_id, _NO_VOTES)

    def hit(self, crule: Any, row: Any, state: Any) -> tuple[Any, float, list[str]] | None:
        """(span, probability, n-grams) when the model speaks for ``crule`` on ``row`` and the
        rule's own exclusions, negation and question checks keep EVERY place where its strongest
        n-grams occur: "we pay to our company account, never to a personal account" is no vote
        for a personal account."""
        prob = self.fired.get(row.message_id, {}).get(crule.rule.id)
        if prob is None or row.msg is None:
            return None
        ngrams = self.model.top_ngrams(model_text(row.text), crule.rule.id)
        spans = [span for gram in ngrams for span in _ngram_spans(row.msg.doc, gram)]
        if not spans or len(crule.kept(spans, row.msg, state)) < len(spans):
            return None
        return spans[0], prob, ngrams


_NO_VOTES: dict[str, float] = {}


def _ngram_spans(doc: Any, ngram: str) -> list[Any]:
    """Every place the n-gram occurs in the normalised doc, as token spans."""
    words = ngram.split()
    rx = re.compile(r"(?<!\w)" + r"\W+".join(re.escape(w) for w in words) + r"(?!\w)")
    out = []
    for m in rx.finditer(doc.text.lower()):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None and len(span):
            out.append(span)
    return out


def as_model_finding(finding: dict[str, Any], prob: float, ngrams: list[str]) -> dict[str, Any]:
    """A model finding scores half its probability (below any pattern hit) and names its n-grams."""
    finding["score"] = round(0.5 * prob, 3)
    finding["evidence"] = "model: " + ", ".join(ngrams)
    return finding


# --- data ----------------------------------------------------------------------------------------


def read_jsonl(path: Path, splits: Iterable[str]) -> list[dict[str, Any]]:
    """Rows of the chosen splits. The held-out splits are refused: they are for the final figures
    only."""
    wanted = set(splits)
    if wanted & HELD_OUT_SPLITS:
        raise ValueError("the test and holdout splits never train or tune the model")
    rows = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                if row.get("split") in wanted:
                    rows.append(row)
    return rows


def training_rows(extra_only: bool = False) -> list[dict[str, Any]]:
    """dev + train_extra + the rules' own YAML tests (or without dev, to measure the model on dev
    as unseen text)."""
    rows = [] if extra_only else read_jsonl(LABELLED, ["dev"])
    return rows + read_jsonl(EXTRA, ["train"]) + rule_test_rows()


def rule_test_rows() -> list[dict[str, Any]]:
    """Every rule's single-message YAML tests as training rows. A rule's ``no_match`` cases are
    near misses written for it (a refund done, an inspection welcomed): without them the model
    learnt to flag them. The labels of the OTHER rules come from the patterns, since a near miss
    of one rule may show another (a buyer's message shows none)."""
    from ..rules_eval import as_messages, flags
    from .engine import compiled_rules

    cases = []
    for crule in compiled_rules():
        for kind in ("match", "no_match"):
            for case in getattr(crule.rule.tests, kind):
                if isinstance(case, str):
                    cases.append((crule.rule.id, kind, case, "seller"))
                elif not case.history and not case.facts:
                    cases.append((crule.rule.id, kind, case.text, case.speaker))
    ids = [f"yaml{i}" for i in range(len(cases))]
    found = flags(as_messages([c[2] for c in cases], [c[3] for c in cases], ids), use_model=False)
    rows = []
    for mid, (rule_id, kind, text, speaker) in zip(ids, cases, strict=True):
        others = found.get(mid, set()) - {rule_id}
        labels = set() if speaker == "buyer" else others | ({rule_id} if kind == "match" else set())
        rows.append({"id": mid, "text": text, "speaker": speaker, "rules": sorted(labels),
                     "split": "train"})
    return rows


def label_matrix(rows: list[dict[str, Any]]) -> tuple[list[str], np.ndarray]:
    """Rule ids with enough positives, and the (n, rules) 0/1 matrix."""
    counts: dict[str, int] = {}
    for row in rows:
        for rule in row.get("rules") or []:
            counts[rule] = counts.get(rule, 0) + 1
    labels = sorted(r for r, n in counts.items() if n >= MIN_POSITIVES and r not in NO_MODEL_RULES)
    y = np.array([[int(r in (row.get("rules") or [])) for r in labels] for row in rows])
    return labels, y


def prose_texts(realdata: Path, half: int | None = None) -> list[str]:
    """Real legitimate prose (the rules_eval set); ``half`` 0 or 1 keeps every other item, so
    thresholds are calibrated on one half and the false-positive rate is also read on the other."""
    from ..rules_eval import real_prose

    texts = [t for _, t in real_prose(realdata)] if realdata.is_dir() else []
    return texts if half is None else texts[half::2]


# --- training ------------------------------------------------------------------------------------


def out_of_fold(texts: list[str], y: np.ndarray) -> np.ndarray:
    """Probabilities of each training text from a model that did not see it."""
    from sklearn.model_selection import KFold

    oof = np.zeros(y.shape, dtype=float)
    for train, held in KFold(FOLDS, shuffle=True, random_state=SEED).split(texts):
        pipe = new_pipeline().fit([texts[i] for i in train], y[train])
        oof[held] = pipe.predict_proba([texts[i] for i in held])
    return oof


def precise_threshold(scores: np.ndarray, truth: np.ndarray) -> float:
    """The lowest threshold at which the out-of-fold precision (everything at or above it) still
    reaches TARGET_PRECISION, never below FLOOR."""
    order = np.argsort(-scores)
    hits = np.cumsum(truth[order])
    precision = hits / np.arange(1, len(order) + 1)
    good = np.flatnonzero((precision >= TARGET_PRECISION) & (truth[order] == 1))
    if not len(good):
        return 1.0
    return max(FLOOR, float(scores[order][good[-1]]))


def prose_threshold(scores: np.ndarray) -> float:
    """Just above the score that would let more than PROSE_CEILING of real prose through."""
    if not len(scores):
        return 0.0
    allowed = int(PROSE_CEILING * len(scores))
    ranked = np.sort(scores)[::-1]
    return float(ranked[allowed]) + 1e-6


def fit(rows: list[dict[str, Any]], realdata: Path | None = REALDATA,
        say: Any = print) -> tuple[ScamModel, dict[str, Any]]:
    """Train on ``rows``; thresholds from out-of-fold precision and the prose calibration half."""
    texts = [model_text(r["text"]) for r in rows]
    labels, y = label_matrix(rows)
    say(f"{len(rows)} training messages, {len(labels)} rules, {int(y.sum())} positive labels")
    oof = out_of_fold(texts, y)
    pipeline = new_pipeline().fit(texts, y)
    calib = [model_text(t) for t in prose_texts(realdata, half=0)] if realdata else []
    prose = np.asarray(pipeline.predict_proba(calib)) if calib else np.zeros((0, len(labels)))
    thresholds, report = {}, {}
    for j, rule in enumerate(labels):
        t_cv = precise_threshold(oof[:, j], y[:, j])
        t_prose = prose_threshold(prose[:, j]) if len(prose) else 0.0
        thresholds[rule] = round(min(0.99, max(t_cv, t_prose)), 4)
        hit = oof[:, j] >= thresholds[rule]
        report[rule] = {"positives": int(y[:, j].sum()), "threshold": thresholds[rule],
                        "t_cv": round(t_cv, 4), "t_prose": round(t_prose, 4),
                        "oof_recall": round(float(hit[y[:, j] == 1].mean()), 3),
                        "oof_false_flags": int((hit & (y[:, j] == 0)).sum())}
    meta = {"rows": len(rows), "labels": labels, "C": C, "folds": FOLDS, "seed": SEED,
            "target_precision": TARGET_PRECISION, "floor": FLOOR, "prose_ceiling": PROSE_CEILING,
            "calibration_prose": len(calib), "per_rule": report}
    return ScamModel(pipeline, labels, thresholds, meta), meta


def train_scam_model(out_path: str | os.PathLike[str] | None = None, realdata: Path | None = REALDATA,
                     say: Any = print) -> Path:
    """Train on dev + train_extra and write the skops file (default ``models/scam_model.skops``)."""
    model, meta = fit(training_rows(), realdata, say)
    path = model.save(Path(out_path) if out_path else model_path())
    for rule, info in meta["per_rule"].items():
        say(f"  {rule:36} threshold {info['threshold']:.3f} (cv {info['t_cv']:.3f}, prose "
            f"{info['t_prose']:.3f})  out-of-fold recall {info['oof_recall']:.2f}, "
            f"false flags {info['oof_false_flags']}")
    say(f"wrote {path}")
    load_model.cache_clear()
    return path


# --- evaluation ----------------------------------------------------------------------------------


def evaluate(realdata: Path = REALDATA) -> dict[str, Any]:
    """Honest figures without the test split: a model trained on train_extra ALONE, run through
    the engine's gates on the dev split (text it never saw), as the model-only recall and the
    combined (patterns + model) recall; and the shipped model's prose rate on the held-out half."""
    from ..rules_eval import as_messages, flags, load_labelled
    from .engine import run_rules

    model, _meta = fit(training_rows(extra_only=True), realdata, say=lambda *_: None)
    dev = load_labelled(LABELLED, "dev")
    frame = as_messages([r["text"] for r in dev], [r.get("speaker", "seller") for r in dev],
                        [str(r["id"]) for r in dev])
    out: dict[str, Any] = {"heldout_dev": {}}
    for name, kwargs in (("patterns", {"use_model": False}),
                         ("patterns+model", {"model": model}),
                         ("model_only", {"model": model, "patterns": False})):
        found = run_rules(frame, **kwargs)
        got: dict[str, set[str]] = {}
        for rule_id, ids in zip(found["rule_id"], found["message_ids"], strict=True):
            for mid in ids:
                got.setdefault(str(mid), set()).add(str(rule_id))
        labelled = hit = legit = legit_flagged = 0
        for row in dev:
            rules = set(row.get("rules") or [])
            mine = got.get(str(row["id"]), set())
            labelled += len(rules)
            hit += len(rules & mine)
            if not rules:
                legit += 1
                legit_flagged += bool(mine)
        out["heldout_dev"][name] = {"recall": round(hit / labelled, 4), "labels": labelled,
                                    "legit_flagged": legit_flagged, "legit": legit}
    shipped = load_model()
    if shipped is not None and realdata.is_dir():
        for half in (0, 1):
            texts = prose_texts(realdata, half)
            frame = as_messages(texts, ["seller"] * len(texts), [f"p{i}" for i in range(len(texts))])
            flagged_with = len(flags(frame))
            flagged_without = len(_flags_without_model(frame))
            out[f"prose_half_{half}"] = {"messages": len(texts), "flagged_with_model": flagged_with,
                                         "flagged_patterns_only": flagged_without}
    return out


def _flags_without_model(frame: Any) -> set[str]:
    from .engine import run_rules

    found = run_rules(frame, use_model=False)
    return {str(m) for ids in found["message_ids"] for m in ids}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m chatsignals.findings.rules.classifier",
                                 description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    tr = sub.add_parser("train", help="train on dev + train_extra, write the skops file")
    tr.add_argument("--out", type=Path, default=None)
    tr.add_argument("--realdata", type=Path, default=REALDATA)
    ev = sub.add_parser("evaluate", help="held-out dev recall of a train_extra-only model; prose rate")
    ev.add_argument("--realdata", type=Path, default=REALDATA)
    ev.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    if args.command == "train":
        train_scam_model(args.out, args.realdata if args.realdata.is_dir() else None)
        return 0
    result = evaluate(args.realdata)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, info in result["heldout_dev"].items():
            print(f"dev (unseen by a train_extra-only model), {name:15} recall {info['recall']:.3f} "
                  f"of {info['labels']} labels, legitimate flagged {info['legit_flagged']}/{info['legit']}")
        for key in ("prose_half_0", "prose_half_1"):
            if key in result:
                info = result[key]
                role = "calibration" if key.endswith("0") else "held-out"
                print(f"real prose, {role} half: {info['flagged_with_model']}/{info['messages']} flagged "
                      f"with the model, {info['flagged_patterns_only']} with patterns only")
    return 0


if __name__ == "__main__":
    sys.exit(main())
