"""The trained half of promise detection: scikit-learn models over n-grams plus grammar cues.

Two linear models share one fitted feature layout (a ``ColumnTransformer`` over a two-column
frame, computed once per batch for both):
word 1-2-gram and character 2-5-gram TF-IDF of the clause, and the clause's grammar cues and rule
decision as binary tokens (``cue_future``, ``rule_label_claim``, ``hit_documents``...). The cues
carry what the small labelled set cannot teach (a modal, a refusal, a deadline); the n-grams learn
the wording the cues miss. ``label`` predicts commitment/claim/none, ``category`` the category of a
promise (trained on gold promises only).

Saved with skops (never pickle) as ``models/promise_model.skops`` and loaded with an explicit list of
trusted types; a file asking for any other type is refused.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

MODEL_FILE = "promise_model.skops"

#: every type the shipped model file may contain; skops refuses anything else
TRUSTED_TYPES = [
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.feature_extraction.text.CountVectorizer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "numpy.ndarray",
    "builtins.dict",
    "builtins.list",
    "builtins.tuple",
    "builtins.str",
    "builtins.int",
    "builtins.float",
    "builtins.bool",
    "builtins.slice",
    "builtins.NoneType",
]


@dataclass(frozen=True)
class FeatureRow:
    """One clause as the model sees it: its words and its cue tokens."""

    text: str
    tokens: list[str]


@dataclass(frozen=True)
class Prediction:
    label: str
    label_proba: float
    category: str | None
    category_proba: dict[str, float] | None = None


def frame(rows: list[FeatureRow]) -> pd.DataFrame:
    """The two-column input both pipelines take."""
    return pd.DataFrame(
        {"text": [r.text for r in rows], "cues": [" ".join(r.tokens) for r in rows]}
    )


#: weight of the cue tokens against the n-grams (grouped CV on the training split, extra rows in
#: the fitting folds: 0.75 gave category 0.885 where 1.0 gave 0.883 and 1.5 0.877, detection equal)
CUE_WEIGHT = 0.75


def build_features(cue_weight: float = CUE_WEIGHT) -> Any:
    """A fresh, unfitted feature layout (shared by both models, computed once per batch)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    return ColumnTransformer(
        [
            ("word", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1), "text"),
            ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                                     min_df=1), "text"),
            ("cues", CountVectorizer(binary=True, token_pattern=r"\S+", lowercase=False), "cues"),
        ],
        transformer_weights={"word": 1.0, "char": 1.0, "cues": cue_weight},
    )


def build_classifier(c: float) -> Any:
    """A fresh linear model (balanced classes: claims and rare categories are few)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000)


class PromiseModel:
    """The fitted feature layout and the label and category models on top of it."""

    def __init__(self, features: Any, label: Any, category: Any | None,
                 meta: dict[str, Any] | None = None) -> None:
        self.features = features
        self.label = label
        self.category = category
        self.meta = meta or {}

    def predict(self, rows: list[FeatureRow]) -> list[Prediction]:
        """Label (with its probability) and category probabilities for each clause."""
        x = self.features.transform(frame(rows))
        proba = self.label.predict_proba(x)
        classes = list(self.label.classes_)
        cat_probas: list[dict[str, float] | None] = [None] * len(rows)
        if self.category is not None:
            names = list(self.category.classes_)
            cat_probas = [dict(zip(names, map(float, p), strict=True))
                          for p in self.category.predict_proba(x)]
        out = []
        for p, cp in zip(proba, cat_probas, strict=True):
            best = int(p.argmax())
            cat = max(cp, key=cp.__getitem__) if cp else None
            out.append(Prediction(classes[best], float(p[best]), cat, cp))
        return out

    def save(self, path: Path) -> Path:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump({"features": self.features, "label": self.label, "category": self.category,
                  "meta": self.meta}, path)
        return path


def default_model_dir() -> Path:
    """Where the shipped models live: ``$CHATSIGNALS_MODELS``, else ``models/`` of the source
    checkout (``<repo>/models``), else ``<prefix>/share/chatsignals/models`` where ``pip install``
    puts them (pyproject's data-files), else ``./models``."""
    env = os.environ.get("CHATSIGNALS_MODELS")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    installed = Path(sys.prefix) / "share" / "chatsignals" / "models"  # pip install . puts them here
    for candidate in (here.parents[3] / "models", installed, here.parents[1] / "models"):
        if (candidate / MODEL_FILE).is_file():
            return candidate
    repo = here.parents[3] / "models"
    return repo if repo.is_dir() else Path.cwd() / "models"


def read_model(path: str | os.PathLike[str]) -> PromiseModel:
    """Load a model file, refusing any type outside :data:`TRUSTED_TYPES`."""
    import skops.io as sio

    path = Path(path)
    if path.is_dir():
        path = path / MODEL_FILE
    untrusted = [t for t in sio.get_untrusted_types(file=path) if t not in TRUSTED_TYPES]
    if untrusted:
        raise ValueError(f"{path}: refusing to load untrusted types {untrusted}")
    blob = sio.load(path, trusted=TRUSTED_TYPES)
    if not isinstance(blob, dict) or "features" not in blob or "label" not in blob:
        raise ValueError(f"{path}: not a chatsignals promise model")
    return PromiseModel(blob["features"], blob["label"], blob.get("category"), blob.get("meta"))


@lru_cache(maxsize=1)
def load_model() -> PromiseModel | None:
    """The shipped model, or None (rules only) when no model file is there."""
    if os.environ.get("CHATSIGNALS_NO_MODEL"):
        return None
    path = default_model_dir() / MODEL_FILE
    if not path.is_file():
        return None
    return read_model(path)
