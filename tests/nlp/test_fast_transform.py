"""The model's fast feature transform gives scikit-learn's matrix to the last bit (issue #5):
a faster path that changed one n-gram count would silently change promise decisions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatsignals.nlp import classifier, training

DATA = Path(__file__).resolve().parents[2] / "data" / "promises" / "test.jsonl"

ODD = [
    "OK dear  👍  we will ship\ttomorrow\n\nby DHL",
    "Ｗe will send the PI today，pls check",
    "我们下周五之前发货 ok",
    "a",
    "",
    "I  ",
    "GOODS SHIPPED (PO 123456-77) tracking 1234567890",
    "ok dear || Can you ship the remaining 300 pcs on Friday?",
]


def _rows() -> list[classifier.FeatureRow]:
    texts = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines()[:400]]
    texts += ODD
    # the same wording with different cue tokens, as many clauses of a chat have
    return [classifier.FeatureRow(t, ["cue_future", "rule_label_commitment"][: n % 3])
            for n, t in enumerate(texts + texts[:50])]


def _trained() -> classifier.PromiseModel:
    model = classifier.load_model()
    if model is not None:
        return model
    examples, _ = training.load_training(DATA.parent)
    return training.train(examples[:300])


def test_fast_transform_is_bit_identical_to_sklearn() -> None:
    model = _trained()
    rows = _rows()
    expected = model.features.transform(classifier.frame(rows))
    got = classifier.transform(model.features, rows)
    assert type(got) is type(expected)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert (got.indptr == expected.indptr).all() and (got.indices == expected.indices).all()
    assert (got.data == expected.data).all()


def test_cue_presence_matches_sklearn() -> None:
    vectorizer = dict((n, t) for n, t, _c in _trained().features.transformers_)["cues"]
    rows = [*_rows(), classifier.FeatureRow("x", ["cue_future", "cue_future", "unknown_token"])]
    expected = vectorizer.transform(classifier.frame(rows)["cues"])
    got = classifier._token_presence(vectorizer, rows)
    assert got.dtype == expected.dtype and (got != expected).nnz == 0 and expected.nnz > 100


def test_char_counts_match_sklearn_counts() -> None:
    vectorizer = dict((n, t) for n, t, _c in _trained().features.transformers_)["char"]
    texts = [r.text for r in _rows()]
    _, expected = vectorizer._count_vocab(texts, fixed_vocab=True)
    got = classifier._char_wb_counts(vectorizer, texts)
    assert (got != expected).nnz == 0
    assert got.nnz == expected.nnz > 1000


@pytest.mark.parametrize("word", ["a", "ok", "dear", "shipment", "👍"])
def test_word_ngrams_follow_sklearn(word: str) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    sk = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5))._char_wb_ngrams(word)
    assert classifier._word_ngrams(word, 2, 5) == sk
