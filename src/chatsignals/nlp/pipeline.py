"""The spaCy pipeline, built once per process.

``spacy.blank("en")`` plus a lookup lemmatizer (tables from the spacy-lookups-data package,
installed with chatsignals: nothing is downloaded) and ``chat_sentences``, our sentence splitter for
chat English: line breaks, sentence punctuation, emoji and bullet characters end a sentence, because
sellers write "ok dear\\nwill ship tomorrow 👍 tracking tmr" with no full stops at all, and spaCy's
punctuation-only sentencizer would glue those promises together. A larger installed English model
may be used instead (``CHATSIGNALS_SPACY_MODEL``), never required; ``chat_sentences`` is added to it.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

import numpy
import spacy
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.tokens import Doc

_END_PUNCT = {".", "!", "?", "。", "！", "？", ";", "；", "…", "...", "!!", "??", "?!"}
_EMOJI = re.compile(
    "[\U0001f300-\U0001faff\U00002600-\U000027bf\U0001f000-\U0001f2ff\u2b50\u2b06\u2934\u2935]"
)
_BULLET = {"•", "·", "●", "▪", "-", "*"}


def _ends_sentence(token_text: str) -> bool:
    if token_text in _END_PUNCT or (token_text and set(token_text) <= {".", "!", "?"}):
        return True
    return bool(_EMOJI.fullmatch(token_text))


@Language.component("chat_sentences")
def chat_sentences(doc: Doc) -> Doc:
    """Sentence starts for chat text: after a line break, after . ! ? ; … and after emoji."""
    if len(doc) == 0:
        return doc
    starts = numpy.full((len(doc), 1), -1, dtype="int32")
    starts[0, 0] = 1
    for i in range(1, len(doc)):
        prev, tok = doc[i - 1], doc[i]
        start = (
            "\n" in prev.whitespace_
            or (prev.is_space and "\n" in prev.text)
            or (_ends_sentence(prev.text) and not _ends_sentence(tok.text))
            or (tok.text in _BULLET and i > 0 and "\n" in doc[i - 1].text_with_ws)
        )
        if start:
            starts[i, 0] = 1
    # one array write: setting Token.is_sent_start one by one rescans the doc each time
    # (quadratic: a 100 KB message took seconds)
    # spaCy annotates the array as thinc's Ints2d; any 2-D integer numpy array is what it reads
    doc.from_array([SENT_START], starts.astype("uint64"))  # type: ignore[arg-type]
    return doc


#: the longest text the built-in pipeline takes in one piece (tokenizer, lookup lemmatizer and
#: sentence splitter only: memory grows linearly with the text)
MAX_MESSAGE_CHARS = 50_000_000


@lru_cache(maxsize=1)
def get_nlp() -> Language:
    """The shared pipeline: tokenizer, lookup lemmatizer, chat sentence splitter."""
    name = os.environ.get("CHATSIGNALS_SPACY_MODEL")
    if name:
        try:
            nlp = spacy.load(name, exclude=["senter", "sentencizer"])
            if "parser" in nlp.pipe_names:
                nlp.add_pipe("chat_sentences", before="parser")
            else:
                nlp.add_pipe("chat_sentences")
            return nlp
        except OSError:
            pass  # not installed: fall back to the built-in pipeline
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.add_pipe("chat_sentences")
    # spaCy's 1,000,000-character cap guards the parser and NER (about 1 GB per 100,000
    # characters); this pipeline has neither, and a hostile or pasted 10 MB message must be read,
    # not crash the run
    nlp.max_length = MAX_MESSAGE_CHARS
    return nlp
