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
        x = transform(self.features, rows)
        proba = self.label.predict_proba(x)
        classes = list(self.label.classes_)
        cat_probas: list[dict[str, float] | None] = [None] * len(rows)
        if self.category is not None:
            names = list(self.category.classes_)
            # tolist() gives the same Python floats as float() on each element, in one call
            cat_probas = [dict(zip(names, p, strict=True))
                          for p in self.category.predict_proba(x).tolist()]
        out = []
        for p, best, cp in zip(proba.tolist(), proba.argmax(axis=1).tolist(), cat_probas, strict=True):
            cat = max(cp, key=cp.__getitem__) if cp else None
            out.append(Prediction(classes[best], p[best], cat, cp))
        return out

    def save(self, path: Path) -> Path:
        import skops.io as sio

        path.parent.mkdir(parents=True, exist_ok=True)
        sio.dump({"features": self.features, "label": self.label, "category": self.category,
                  "meta": self.meta}, path)
        return path


def transform(features: Any, rows: list[FeatureRow]) -> Any:
    """``features.transform(frame(rows))``, the same matrix to the last bit, faster: the text
    n-grams are computed once per distinct text (many clauses share one wording with other cue
    tokens), and the character n-grams once per distinct word (:func:`_char_wb_counts`). A
    layout other than :func:`build_features`' falls back to scikit-learn's own transform."""
    from scipy import sparse  # type: ignore[import-untyped]  # no stubs; used as Any

    names = [(name, column) for name, _tr, column in features.transformers_]
    if names != [("word", "text"), ("char", "text"), ("cues", "cues")] or not features.sparse_output_:
        return features.transform(frame(rows))
    texts = list(dict.fromkeys(r.text for r in rows))
    where = {t: n for n, t in enumerate(texts)}
    inverse = [where[r.text] for r in rows]
    weights = features.transformer_weights or {}
    blocks = []
    for name, tr, _column in features.transformers_:
        if name == "cues" and _plain_tokens(tr):
            block = _token_presence(tr, rows)
        elif name == "cues":
            block = tr.transform(pd.Series([" ".join(r.tokens) for r in rows]))
        elif name == "char" and _plain_char_wb(tr):
            block = tr._tfidf.transform(_char_wb_counts(tr, texts), copy=False)[inverse]
        else:
            block = tr.transform(pd.Series(texts))[inverse]
        weight = weights.get(name)
        blocks.append(block if weight is None else block * weight)
    stacked = sparse.hstack(blocks).tocsr()
    # the matrix class scikit-learn's own transform returns (its blocks are spmatrix)
    return sparse.csr_matrix(stacked) if not isinstance(stacked, sparse.spmatrix) else stacked


def _plain_tokens(vectorizer: Any) -> bool:
    """A binary count of whitespace-separated tokens as they are (the cue tokens' layout)."""
    return bool(
        vectorizer.analyzer == "word" and vectorizer.binary and not vectorizer.lowercase
        and vectorizer.token_pattern == r"\S+" and vectorizer.tokenizer is None
        and vectorizer.preprocessor is None and vectorizer.strip_accents is None
        and vectorizer.stop_words is None and tuple(vectorizer.ngram_range) == (1, 1)
        and vectorizer.input == "content"
    )


def _token_presence(vectorizer: Any, rows: list[FeatureRow]) -> Any:
    """What ``vectorizer.transform`` gives for the rows' joined tokens: 1 where a known token
    occurs (``\\S+`` finds exactly what ``str.split`` does), in its dtype, sorted indices."""
    import numpy as np
    from scipy import sparse

    vocabulary = vectorizer.vocabulary_
    indices: list[int] = []
    indptr = [0]
    for row in rows:
        found = {j for t in " ".join(row.tokens).split() if (j := vocabulary.get(t)) is not None}
        indices.extend(sorted(found))
        indptr.append(len(indices))
    return sparse.csr_array(
        (np.ones(len(indices), dtype=vectorizer.dtype), np.asarray(indices, dtype=np.int64),
         np.asarray(indptr, dtype=np.int64)),
        shape=(len(rows), len(vocabulary)), dtype=vectorizer.dtype)


def _plain_char_wb(vectorizer: Any) -> bool:
    """A TF-IDF char_wb vectorizer with the default preprocessing that :func:`_char_wb_counts`
    reproduces (lower-casing only, no accents stripping, counts not binary)."""
    return bool(
        vectorizer.analyzer == "char_wb" and vectorizer.preprocessor is None
        and vectorizer.ngram_range[0] <= 3  # a padded word has at least 3 characters
        and vectorizer.strip_accents is None and not vectorizer.binary
        and vectorizer.input == "content" and hasattr(vectorizer, "_tfidf")
    )


def _char_wb_counts(vectorizer: Any, texts: list[str]) -> Any:
    """The count matrix ``vectorizer`` builds for ``texts`` (scikit-learn's ``_count_vocab``
    with its fitted vocabulary: the same counts, sorted indices, float64), with each word's
    in-vocabulary n-grams looked up once per batch (char_wb n-grams never cross a word boundary
    and chat words repeat across clauses) and the counting done by scipy, not per n-gram."""
    import numpy as np
    from scipy import sparse

    vocabulary = vectorizer.vocabulary_
    low, high = vectorizer.ngram_range
    per_word: dict[str, Any] = {}
    columns: list[Any] = []
    lengths = np.zeros(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        if vectorizer.lowercase:
            text = text.lower()
        for word in vectorizer._white_spaces.sub(" ", text).split():
            found = per_word.get(word)
            if found is None:
                found = per_word[word] = np.array(
                    [j for g in _word_ngrams(word, low, high) if (j := vocabulary.get(g)) is not None],
                    dtype=np.int64)
            columns.append(found)
            lengths[row] += len(found)
    cols = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int64)
    rows = np.repeat(np.arange(len(texts)), lengths)
    matrix = sparse.csr_array((np.ones(len(cols), dtype=vectorizer.dtype), (rows, cols)),
                              shape=(len(texts), len(vocabulary)), dtype=vectorizer.dtype)
    matrix.sum_duplicates()  # sorted indices, one entry per n-gram and row, as scikit-learn's
    return matrix


def _word_ngrams(word: str, low: int, high: int) -> list[str]:
    """scikit-learn's char_wb n-grams of one word (padded with a space on both sides; a word
    shorter than n gives itself once)."""
    padded = f" {word} "
    size = len(padded)
    return [padded[i:i + n] for n in range(low, min(high, size) + 1) for i in range(size - n + 1)]


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
