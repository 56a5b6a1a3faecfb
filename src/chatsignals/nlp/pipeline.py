"""The spaCy pipeline, built once per process.

``spacy.blank("en")`` plus a lookup lemmatizer (tables from the spacy-lookups-data package,
installed with chatsignals: nothing is downloaded) and sentence boundaries; the promise stage adds
its own components. A larger installed English model may be used instead (``CHATSIGNALS_SPACY_MODEL``),
never required.
"""

from __future__ import annotations

import os
from functools import lru_cache

import spacy
from spacy.language import Language


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: tokenizer, lookup lemmatizer, sentencizer."""
    name = os.environ.get("CHATSIGNALS_SPACY_MODEL")
    if name:
        try:
            return spacy.load(name)
        except OSError:
            pass  # not installed: fall back to the built-in pipeline
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.add_pipe("sentencizer")
    return nlp
