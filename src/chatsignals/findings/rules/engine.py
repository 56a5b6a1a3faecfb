"""The scam-pattern rule engine: load the YAML rules, match them on messages, run their tests.

Like Presidio recognizers (patterns + context words + a score, every result carrying its
explanation) and Semgrep rules (each rule file carries its own tests). Matching runs on a
spelling-normalised, lower-cased copy of every message ("pls pay to our new acount" reads as
"please pay to our new account") built token for token from the original, so every hit can quote
the seller's own words. Hits preceded by a negation or inside a yes/no question are dropped
("we never ask you to pay outside Alibaba", "did your account change?").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, TextIO

import pandas as pd
import yaml
from pydantic import ValidationError
from spacy.matcher import Matcher, PhraseMatcher
from spacy.pipeline import Lemmatizer
from spacy.tokens import Doc, Span, Token

from ...errors import ChatsignalsError
from ...nlp.bank import account_from_details
from ...nlp.pipeline import get_nlp
from ...prefilter import RegexIndex
from ...table import finalize_findings, stable_id
from .checks import CHECKS, CheckState, bank_details, get_path
from .schema import Patterns, Rule, TestCase, check_unique

#: common non-native and chat spellings, read as the word they mean
SPELLING = {
    "acount": "account", "accout": "account", "accont": "account", "acct": "account",
    "acc": "account", "a/c": "account", "accnt": "account", "acoount": "account",
    "pls": "please", "plz": "please", "plse": "please", "pleas": "please", "plez": "please",
    "u": "you", "ur": "your", "yr": "your", "r": "are", "thru": "through",
    "payement": "payment", "paymnet": "payment", "paymet": "payment", "paiment": "payment",
    "pyment": "payment", "paymant": "payment", "pay't": "payment",
    "westen": "western", "westem": "western", "wester": "western", "moneygramm": "moneygram",
    "money-gram": "moneygram", "tmr": "tomorrow", "tmrw": "tomorrow", "tomorow": "tomorrow",
    "tommorow": "tomorrow", "tommorrow": "tomorrow", "2day": "today", "todays": "today",
    "imediately": "immediately", "immediatly": "immediately", "inmediately": "immediately",
    "immidiately": "immediately", "beneficary": "beneficiary", "benificiary": "beneficiary",
    "benefeciary": "beneficiary", "deposite": "deposit", "refound": "refund", "refun": "refund",
    "finace": "finance", "finanace": "finance", "compnay": "company", "companny": "company",
    "shiping": "shipping", "inspecton": "inspection", "inspeciton": "inspection",
    "recieve": "receive", "recieved": "received", "recived": "received", "whatsap": "whatsapp",
    "whatapp": "whatsapp", "watsapp": "whatsapp", "whatsaap": "whatsapp", "watsap": "whatsapp", "wechatt": "wechat", "weixin": "wechat", "vx": "wechat",
    "telegramm": "telegram", "tt": "t/t", "transfere": "transfer", "tranfer": "transfer",
    "transfr": "transfer", "bussiness": "business", "busines": "business", "becuase": "because",
    "bcoz": "because", "bcz": "because", "coz": "because", "cuz": "because", "nd": "and",
    "thx": "thanks", "tks": "thanks", "pic": "picture", "wat": "what", "wil": "will",
    "goverment": "government", "paypall": "paypal",
    "bitcoins": "bitcoin", "btc": "bitcoin", "usdt": "usdt", "crypto": "crypto",
    "itunes": "itunes", "pay-ment": "payment",
}
NEGATIONS = frozenset("not n't nt never no without cannot nor neither none nobody".split())
#: "if not paid today", "whether or not": the negation belongs to a condition, not to the hit
CONDITION_WORDS = frozenset("if or whether unless".split())
LIMITERS = frozenset("until unless before till".split())
QUESTION_STARTS = frozenset("do does did is are was were has have had".split())
RHETORICAL_STARTS = frozenset({"why"})
_GREETING = r"^(?:(?:dear|hi|hello|hey|friend|my\s+friend|sir|madam|mr\.?\s+\w+|ms\.?\s+\w+)\W+)*"
_REQUEST = re.compile(
    # a request or proposal phrased as a question: "could you pay...?", "is it ok for you to
    # pay...?", "can we talk on Skype?", "how about paying by Western Union?"
    _GREETING + r"(?:please\W+|kindly\W+|pls\W+)?"
    r"(?:(?:can|could|would|will|may|shall|pls|please)\s+(?:you|u|we|i)\b|"
    r"(?:is|would)\s+it\s+(?:be\s+)?(?:ok|okay|possible|fine|convenient|better|acceptable)\b|"
    r"(?:how|what)\s+about\b|why\s+not\b|(?:do|would)\s+you\s+(?:mind|agree|accept)\b|"
    r"(?:are|r)\s+(?:you|u)\s+(?:ok|okay|fine|agree)\b)|"
    r"\b(?:please|pls|plz|kindly)\b"
)
# a statement with a question tag is a proposal, not a question: "we refund from our HK account,
# is that ok?", "pay by WU, ok?"
_TAG_QUESTION = re.compile(
    r"[,;]\s*(?:(?:is|would)\s+(?:that|this|it)\s+(?:be\s+)?(?:ok|okay|fine|alright|possible|acceptable)|"
    r"(?:ok|okay|right|agree|alright|can|fine|understand|clear)|(?:can|could)\s+(?:you|u)|"
    r"(?:do|can)\s+(?:you|u)\s+(?:agree|accept|understand)|no\s+problem|yes|no)\s*[?!.]*$"
)
# chat writers drop the comma: "pay there from now ok?"
_BARE_TAG = re.compile(r"\s(?:ok|okay|right|alright|agree|can)\s*\?+\s*$")
BOUNDARY = frozenset(",;:()[]—–-")
NEGATION_WINDOW = 6
#: how far back a denied request ("we never ask customers to pay to a personal account") reaches;
#: bounded so that a hit's look back stays constant in an unpunctuated wall of words
REQUEST_SCOPE = 24
# verbs whose denial ("we never ask you to...") covers the rest of the clause
REQUEST_VERBS = frozenset("ask asks asked request requests require requires tell tells demand demands".split())
SENTENCES_KEY = "chatsignals_sents"  # Doc.user_data: each sentence's words, for co-occurrences
QUOTE_MAX = 180


class RuleError(ChatsignalsError):
    """A rule file breaks the schema (the message names the file and the field)."""


# --- loading -----------------------------------------------------------------------------------


def rule_files() -> list[tuple[str, str]]:
    """(name, text) of every shipped rule file, sorted by name."""
    folder = resources.files(__package__)
    out = []
    for entry in folder.iterdir():
        if entry.name.endswith((".yaml", ".yml")):
            out.append((entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """A safe loader (libyaml's when present: ten times faster) that rejects a key written twice
    (YAML would silently keep the last one, and a rule would lose half its patterns without a
    word)."""


def _unique_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> Any:
    seen = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _unique_mapping)


def parse_rule(text: str, origin: str) -> Rule:
    """One rule from its YAML text; RuleError with file and field on any schema problem."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        raise RuleError(f"{origin}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RuleError(f"{origin}: a rule file holds one mapping")
    try:
        return Rule.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(rule)"
        raise RuleError(f"{origin}: {where}: {first['msg']} ({len(exc.errors())} problem(s))") from None


def load_rules(files: Iterable[tuple[str, str]] | None = None) -> list[Rule]:
    """Every rule, validated, ids unique."""
    files = list(rule_files() if files is None else files)
    rules = [parse_rule(text, name) for name, text in files]
    try:
        check_unique(rules, [name for name, _ in files])
    except ValueError as exc:
        raise RuleError(str(exc)) from None
    return rules


# --- the normalised document -------------------------------------------------------------------


#: abbreviations whose dot is no full stop: "contact our manager, Mr. Gary Lin, on WhatsApp" and
#: "pay to Hongda Co., Ltd." are one sentence, and the patterns' "[^.?!]" windows must reach across
ABBREVIATIONS = {
    "mr.": "mr", "mrs.": "mrs", "ms.": "ms", "dr.": "dr", "messrs.": "messrs", "co.": "co",
    "ltd.": "ltd", "inc.": "inc", "corp.": "corp", "dept.": "dept", "e.g.": "eg", "i.e.": "ie",
    "vs.": "vs", "a/c.": "account", "st.": "st", "jr.": "jr",
}
SPELLING.update(ABBREVIATIONS)
SPELLING.update({
    "psi": "inspection",  # trade shorthand: pre-shipment inspection
    # Chinese words that Chinglish chats leave in
    "财务": "finance", "老板": "boss", "会计": "accountant", "退款": "refund", "微信": "wechat",
})


def normal_word(word: str) -> str:
    low = word.lower()
    return SPELLING.get(low, low)


def analyse(text: str) -> tuple[Doc, Doc]:
    """(original tokens, normalised doc with lemmas and sentences), aligned token for token."""
    original, words, spaces = _normalise(text)
    return original, _normalised_doc(words, spaces)


def _normalise(text: str) -> tuple[Doc, tuple[str, ...], tuple[bool, ...]]:
    """The original tokens, and the normalised words with their trailing-space flags."""
    original = get_nlp().tokenizer(text)
    words = tuple(_word(tok, text) for tok in original)
    spaces = tuple(bool(ws) for ws in original.to_array("SPACY").tolist())
    return original, words, spaces


def _normalised_doc(words: Sequence[str], spaces: Sequence[bool]) -> Doc:
    """The normalised words through the pipeline (lemmas, sentences)."""
    nlp = get_nlp()
    doc = Doc(nlp.vocab, words=list(words), spaces=list(spaces))
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def _joined(words: Sequence[str], spaces: Sequence[bool]) -> str:
    """The text of a doc made of these words (``Doc.text``)."""
    return "".join([w + " " if space else w for w, space in zip(words, spaces, strict=True)])


@lru_cache(maxsize=1)
def _word_lemma() -> Callable[[str], str] | None:
    """The pipeline's lemma of a normalised word without building a doc, when the pipeline is
    the built-in one, whose lookup lemmatizer reads nothing but the word; None for any other
    pipeline (a model's lemmatizer may read the part of speech)."""
    nlp = get_nlp()
    if nlp.pipe_names != ["lemmatizer", "chat_sentences"]:
        return None
    lemmatizer = nlp.get_pipe("lemmatizer")
    if not isinstance(lemmatizer, Lemmatizer) or lemmatizer.mode != "lookup":
        return None
    table = lemmatizer.lookups.get_table("lemma_lookup", {})

    @lru_cache(maxsize=1 << 16)  # the table hashes every word it is asked; chats repeat theirs
    def lemma(word: str) -> str:  # as Lemmatizer.lookup_lemmatize, first of a list
        found = table.get(word, word)
        return found if isinstance(found, str) else found[0]

    return lemma


WRAPPED_LINE = 60  # a line this long that ends without punctuation was wrapped by a mail client


def _word(tok: Token, text: str) -> str:
    """The normalised word; a single line break inside hard-wrapped e-mail prose becomes a space
    so the wrapped sentence stays one sentence (chat lines are short and keep their breaks)."""
    if tok.is_space and tok.text.count("\n") == 1:
        line_start = text.rfind("\n", 0, tok.idx) + 1
        line = text[line_start : tok.idx].rstrip()
        if (len(line) >= WRAPPED_LINE and line[-1:].isalnum()) or line.endswith(","):
            return " "
        return tok.text
    return normal_word(tok.text) or tok.text


def _pattern_doc(phrase: str) -> Doc:
    return analyse(phrase)[1]


class CompiledPatterns:
    """One ``Patterns`` block compiled: pattern docs, token patterns and regexes. The matching
    itself is done by the run's :class:`RuleSet`, which holds every block's patterns at once."""

    def __init__(self, patterns: Patterns, key: str) -> None:
        self.key = key
        self.phrase_docs = [_pattern_doc(p) for p in patterns.phrases]
        self.lemma_docs = [_pattern_doc(p) for p in patterns.lemmas]
        self.token_patterns = list(patterns.tokens)
        # cheap prefilters: a phrase can only match where its first word occurs in the message
        self.phrase_cues = frozenset(d[0].lower_ for d in self.phrase_docs if len(d))
        self.lemma_cues = frozenset(d[0].lemma_ for d in self.lemma_docs if len(d))
        self.token_cues = _token_cues(patterns.tokens)
        self.regexes = [re.compile(rx, re.IGNORECASE) for rx in patterns.regexes]
        self.checks = list(patterns.checks)
        self.cooccur = [[_concept(group) for group in combo] for combo in patterns.cooccur]
        #: each combination's cue words, concept by concept: a message must hold one of every
        #: concept's for any sentence to hold them all
        self.cooccur_cues = [tuple(c.cues for c in combo) for combo in self.cooccur]
        self.empty = patterns.is_empty()

    def matcher_inputs(self) -> tuple[tuple[list[Any], frozenset[str] | None], ...]:
        """(patterns, cue words) for the LOWER phrase, LEMMA phrase and token matchers."""
        return ((self.phrase_docs, self.phrase_cues), (self.lemma_docs, self.lemma_cues),
                (self.token_patterns, self.token_cues))

    def spans(self, msg: Analysed, state: CheckState) -> list[Span]:
        """Token spans of the normalised doc where any pattern hits: the message's own hits for
        this block (worked out once per message) and the code checks, which depend on what the
        conversation has established so far."""
        found = msg.text_spans(self)
        for name in self.checks:
            for start, end in CHECKS[name](msg.text, state):
                orig = msg.original.char_span(start, end, alignment_mode="expand")
                if orig is not None and len(orig):
                    found.append(msg.doc[orig.start : orig.end])
        return found


def _token_cues(token_patterns: list[list[dict[str, Any]]]) -> frozenset[str] | None:
    """Words one of which must occur for any token pattern to match (from each pattern's first
    token: its LOWER/LEMMA/ORTH value or IN list), or None when a pattern starts less specifically."""
    cues: set[str] = set()
    for pattern in token_patterns or []:
        if not pattern:
            return None
        first = pattern[0]
        if first.get("OP") in ("?", "*"):
            return None
        values = [v for k, v in first.items() if k.upper() in ("LOWER", "LEMMA", "ORTH", "NORM")]
        if not values:
            return None
        for value in values:
            if isinstance(value, str):
                cues.add(value.lower())
            elif isinstance(value, dict) and isinstance(value.get("IN"), list):
                cues.update(str(v).lower() for v in value["IN"])
            else:
                return None
    return frozenset(cues)


@dataclass(frozen=True)
class Concept:
    """One word group of a ``cooccur`` entry: single words (matched on lower form and lemma)
    and phrases (matched on the token sequence)."""

    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...]
    #: words one of which a message must hold (as lower form or lemma) for any of its sentences
    #: to hold the concept: a combination one of whose concepts it lacks needs no sentence scan
    cues: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cues", self.words | {p[0] for p in self.phrases})


def _concept(group: list[str]) -> Concept:
    """Entries as the normalised doc spells them (a text word matches on its form or lemma)."""
    words, phrases = set(), []
    for entry in group:
        tokens = tuple(normal_word(t.text) for t in get_nlp().tokenizer(entry))
        if len(tokens) == 1:
            words.add(tokens[0])
        elif tokens:
            phrases.append(tokens)
    return Concept(frozenset(words), tuple(phrases))


STARTS_KEY = "chatsignals_sent_starts"  # Doc.user_data: each sentence's first token and the end
QUESTIONS_KEY = "chatsignals_questions"  # Doc.user_data: is_question per sentence start


def sentence_of(span: Span) -> Span:
    """The sentence holding the span's first token, as ``span.sent`` in spaCy 3.8, but found by
    bisecting the sentence starts worked out once per doc: ``span.sent`` walks the sentence
    token by token on every access, and one unpunctuated 20,000-word message made every hit's
    look at its sentence quadratic."""
    doc = span.doc
    starts = doc.user_data.get(STARTS_KEY)
    if starts is None:
        starts = doc.user_data[STARTS_KEY] = [sent.start for sent in doc.sents] + [len(doc)]
    k = bisect_right(starts, span.start) - 1
    return doc[starts[k] : starts[k + 1]]


def _sentence_words(doc: Doc) -> list[tuple[int, list[str], list[str]]]:
    """(start, lower forms, lemmas) of every sentence, computed once per doc: rules ask for
    them many times per message, and spaCy rebuilds ``doc.sents`` on every access."""
    cached = doc.user_data.get(SENTENCES_KEY)
    if cached is None:
        cached = [(sent.start, [t.lower_ for t in sent], [t.lemma_ for t in sent]) for sent in doc.sents]
        doc.user_data[SENTENCES_KEY] = cached
    return cached


def _concept_hits(sentence: tuple[int, list[str], list[str]], concept: Concept) -> list[tuple[int, int]]:
    """(start, end) token positions in the sentence where the concept appears."""
    start, lowers, lemmas = sentence
    words = concept.words
    out = [(start + i, start + i + 1) for i, (low, lem) in enumerate(zip(lowers, lemmas, strict=True)) if low in words or lem in words]
    for phrase in concept.phrases:
        n = len(phrase)
        for i in range(len(lowers) - n + 1):
            if lowers[i] == phrase[0] and tuple(lowers[i : i + n]) == phrase:
                out.append((start + i, start + i + n))
    return sorted(out)


def _cooccurring(doc: Doc, combo: list[Concept]) -> list[Span]:
    """For each sentence holding every concept: the span from the first to the last of them
    (starting at the first group's word, so negation is checked where the idea starts)."""
    found = []
    for sentence in _sentence_words(doc):
        hits = []
        for concept in combo:
            hit = _concept_hits(sentence, concept)
            if not hit:
                break
            hits.append(hit)
        if len(hits) < len(combo):
            continue
        first = hits[0][0]
        others = [h[0] for h in hits[1:]]
        start = min(first[0], *(s for s, _ in others))
        end = max(first[1], *(e for _, e in others))
        found.append(doc[start:end] if first[0] == start else doc[first[0] : max(end, first[1])])
    return found


@dataclass(eq=False, slots=True)
class Analysed:
    """One message ready for matching, with what the run's rules found in its words (the same
    for every rule, so worked out once). Everything is worked out on first need: most messages
    hold nothing any rule could hit, the docs are only built for the ones that do, and a text
    the run has already found quiet needs no look at all (see :func:`_analysis`). Few objects
    stay alive per message: thousands of kept docs had Python's garbage collector walk the whole
    heap again and again."""

    text: str
    rules: RuleSet | None = None
    found: dict[Any, Any] = field(default_factory=dict, repr=False)  # RuleSet's per-message cache
    normal: tuple[tuple[str, ...], tuple[bool, ...], str] | None = field(default=None, repr=False)
    known: frozenset[str] | None = field(default=None, repr=False)
    built: Doc | None = field(default=None, repr=False)
    tokens: Doc | None = field(default=None, repr=False)

    @classmethod
    def of(cls, text: str, rules: RuleSet | None = None) -> Analysed:
        return cls(text, rules)

    def _normal(self) -> tuple[tuple[str, ...], tuple[bool, ...], str]:
        if self.normal is None:
            _original, words, spaces = _normalise(self.text)
            self.normal = (words, spaces, _joined(words, spaces))
        return self.normal

    @property
    def words(self) -> tuple[str, ...]:
        """The normalised words: the doc's tokens."""
        return self._normal()[0]

    @property
    def spaces(self) -> tuple[bool, ...]:
        """Whether each normalised word is followed by a space."""
        return self._normal()[1]

    @property
    def normal_text(self) -> str:
        """The normalised text (``doc.text``), known without building the doc."""
        return self._normal()[2]

    @property
    def lemmas(self) -> frozenset[str]:
        """The doc's lower forms and lemmas (with the built-in pipeline, read from the words)."""
        if self.known is None:
            lemma = _word_lemma()
            if lemma is None:  # another pipeline: the lemmas come from the doc
                self.known = frozenset({t.lemma_ for t in self.doc} | {t.lower_ for t in self.doc})
            else:
                self.known = frozenset({lemma(w) for w in self.words} | {w.lower() for w in self.words})
        return self.known

    @property
    def doc(self) -> Doc:
        """The normalised doc with lemmas and sentences."""
        if self.built is None:
            self.built = _normalised_doc(self.words, self.spaces)
        return self.built

    @property
    def original(self) -> Doc:
        """The message's own tokens (the tokenizer again: only hits need them)."""
        if self.tokens is None:
            self.tokens = get_nlp().tokenizer(self.text)
        return self.tokens

    def settle(self) -> None:
        """Keep only what a finding needs once the row is done (the doc its hits point into, the
        lemmas): hundreds of rows can wait in a conversation rule until the end, and each kept
        object is walked by the garbage collector again and again."""
        self.found.clear()
        if self.built is not None:
            self.built.user_data.pop(SENTENCES_KEY, None)

    def text_spans(self, block: CompiledPatterns) -> list[Span]:
        """The block's hits from words and regexes alone (a new list: callers extend it)."""
        spans = self.found.get(block)
        if spans is None:  # a tuple: the empty one is shared, and few objects live long
            spans = self.found[block] = tuple(self._rules(block).text_spans(block, self))
        return list(spans)

    def may_hit(self, block: CompiledPatterns) -> bool:
        """Can the block hit this message at all? (False: known without matching anything.)"""
        return block in self._rules(block).live(self)

    def _rules(self, block: CompiledPatterns) -> RuleSet:
        rules = self.rules
        if rules is None or not rules.holds(block):  # used outside a run: the block on its own
            rules = _block_set(block)
        return rules

    def quote(self, span: Span) -> str:
        return self.original[span.start : span.end].text

    def sentence(self, span: Span) -> str:
        sent = sentence_of(span)
        text = " ".join(self.original[sent.start : sent.end].text.split())
        if len(text) > QUOTE_MAX:
            text = text[: QUOTE_MAX - 1].rstrip() + "…"
        return text


def is_negated(span: Span) -> bool:
    """A negation cue in the few tokens before the hit, in the same clause. "Cannot be released
    until you pay the fee" negates the release, not the fee: an ``until/unless/before`` between
    the cue and the hit (or opening the hit) ends the negation's reach."""
    sent = sentence_of(span)
    first = span.doc[span.start].lower_
    if first in LIMITERS:
        return False
    i = span.start - 1
    while i >= max(sent.start, span.start - REQUEST_SCOPE):
        tok = span.doc[i]
        if tok.text in BOUNDARY or tok.text in {".", "!", "?"} or tok.lower_ in LIMITERS:
            return False
        if tok.lower_ in NEGATIONS:
            if i < span.start - NEGATION_WINDOW and not _negates_request(span.doc, i):
                return False
            if "why" in {t.lower_ for t in span.doc[max(sent.start, i - 2) : i]}:
                return False  # "why not we make the order off-platform?" proposes it
            if first == "without" or tok.lower_ == "without":
                # "will not open the mould without 100% payment": two negations make a demand
                return not _negation_before(span.doc, i if tok.lower_ == "without" else i + 1,
                                            sent.start)
            before = {t.lower_ for t in span.doc[max(sent.start, i - 3) : i]}
            return not before & CONDITION_WORDS
        i -= 1
    return False


def _negation_before(doc: Doc, i: int, start: int) -> bool:
    """Is there a negation in the clause before token ``i`` (within REQUEST_SCOPE tokens)?"""
    for j in range(i - 1, max(start, i - REQUEST_SCOPE) - 1, -1):
        tok = doc[j]
        if tok.text in BOUNDARY or tok.text in {".", "!", "?"}:
            return False
        if tok.lower_ in NEGATIONS:
            return True
    return False


def _negates_request(doc: Doc, i: int) -> bool:
    """Does the negation at ``i`` deny a request ("we never ask customers to pay to a personal
    account", "we do not require you to...")? Such a denial reaches to the end of its clause,
    beyond the usual few tokens."""
    after = [t.lower_ for t in doc[i + 1 : i + 3]]
    return bool(after) and (after[0] in REQUEST_VERBS or (len(after) > 1 and after[1] in REQUEST_VERBS))


def is_question(span: Span) -> bool:
    """A yes/no question about a state of affairs, not a request phrased as a question. A
    "why" question is neither: "why you need to visit?" and "why pay the Alibaba fee?" push the
    buyer, so the rules read them as statements. Decided once per sentence (every hit in a
    long sentence asks). A hit that runs past its first sentence ("your inspector want come next
    week? no, we cannot let him in") is read in its last: the answer, not the question."""
    sent = sentence_of(span)
    if len(span) > 1 and span.end > sent.end:
        sent = sentence_of(span[-1:])
    known: dict[int, bool] = span.doc.user_data.setdefault(QUESTIONS_KEY, {})
    if sent.start not in known:
        known[sent.start] = _is_question_sentence(sent)
    return known[sent.start]


def _is_question_sentence(sent: Span) -> bool:
    text = sent.text.strip()
    if not text:
        return False
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is not None and first.lower_ in RHETORICAL_STARTS:
        return False
    asks = text.endswith("?") or (first is not None and first.lower_ in QUESTION_STARTS and "?" in text)
    if not asks:
        return False
    lowered = text.lower()
    if _REQUEST.search(lowered) is not None:
        return False
    opens_question = first is not None and first.lower_ in QUESTION_STARTS
    return opens_question or (_TAG_QUESTION.search(lowered) is None and _BARE_TAG.search(lowered) is None)


@dataclass(eq=False)  # hashed by identity: a tuple of them keys the cached RuleSet
class CompiledRule:
    rule: Rule
    patterns: CompiledPatterns
    requires: list[CompiledPatterns]
    exclusions: CompiledPatterns
    anchor: CompiledPatterns | None
    context: frozenset[str]
    unanchored: CompiledPatterns | None = None
    message_exclusions: CompiledPatterns | None = None

    @classmethod
    def of(cls, rule: Rule) -> CompiledRule:
        conv = rule.conversation
        anchor = CompiledPatterns(conv.after, rule.id + "#after") if conv and conv.after else None
        nlp_context = frozenset(
            t.lemma_ for w in rule.context.words for t in _pattern_doc(w)
        ) | frozenset(w.lower() for w in rule.context.words)
        return cls(
            rule,
            CompiledPatterns(rule.patterns, rule.id),
            [CompiledPatterns(p, f"{rule.id}#req{i}") for i, p in enumerate(rule.requires)],
            CompiledPatterns(rule.exclusions, rule.id + "#not"),
            anchor,
            nlp_context,
            CompiledPatterns(conv.unanchored, rule.id + "#free") if conv and conv.unanchored else None,
            CompiledPatterns(rule.message_exclusions, rule.id + "#notmsg")
            if rule.message_exclusions != Patterns() else None,
        )

    def blocks(self) -> list[CompiledPatterns]:
        """Every pattern block of the rule."""
        extra = [b for b in (self.anchor, self.unanchored, self.message_exclusions) if b is not None]
        return [self.patterns, *self.requires, self.exclusions, *extra]

    def kept(self, spans: list[Span], msg: Analysed, state: CheckState,
             questions: bool = True) -> list[Span]:
        """Hits that survive exclusions, negation and (with ``questions``) question handling."""
        if not spans:  # nothing to keep: the exclusions need not be looked for
            return []
        rule = self.rule
        excluded_sents = set()
        if not self.exclusions.empty:
            excluded_sents = {sentence_of(s).start for s in self.exclusions.spans(msg, state)}
        if self.message_exclusions is not None and msg.may_hit(self.message_exclusions) \
                and any(not is_negated(s) for s in self.message_exclusions.spans(msg, state)):
            return []  # "...I cannot reply on Alibaba much" vetoes nothing
        out = []
        for span in spans:
            if sentence_of(span).start in excluded_sents:
                continue
            if rule.negation and is_negated(span):
                continue
            if questions and rule.questions == "skip" and is_question(span):
                continue
            out.append(span)
        return out

    def hits(self, msg: Analysed, state: CheckState) -> list[Span]:
        """The kept main hits, or [] when a required block has no hit in the message (or, with
        ``requires_scope: sentence``, in the hit's own sentence)."""
        if not msg.may_hit(self.patterns):
            return []
        main = self.kept(self.patterns.spans(msg, state), msg, state)
        if not main:
            return []
        for req in self.requires:
            found = self.kept(req.spans(msg, state), msg, state)
            if self.rule.requires_scope == "sentence":
                sents = {sentence_of(s).start for s in found}
                main = [h for h in main if sentence_of(h).start in sents]
            if not found or not main:
                return []
        return sorted(main, key=lambda s: (s.start, -len(s)))

    def unanchored_hits(self, msg: Analysed, state: CheckState) -> list[Span]:
        """The kept hits of the words that count without an anchor."""
        if self.unanchored is None or not msg.may_hit(self.unanchored):
            return []
        return self.kept(self.unanchored.spans(msg, state), msg, state)

    def anchored(self, msg: Analysed, state: CheckState) -> bool:
        """Does the message set the scene the rule waits for? A question does: "Refund?" and
        "can we book SGS for Monday?" bring the refund and the inspection into the chat."""
        return self.anchor is not None and msg.may_hit(self.anchor) \
            and bool(self.kept(self.anchor.spans(msg, state), msg, state, questions=False))

    def score(self, msg: Analysed, hits: list[Span], extra_messages: int = 0) -> float:
        rule = self.rule
        value = rule.score
        if self.context & msg.lemmas:
            value += rule.context.boost
        distinct = {h.text for h in hits}
        value += min(0.1, 0.05 * (len(distinct) - 1)) + min(0.2, 0.1 * extra_messages)
        return round(min(1.0, value), 3)


@lru_cache(maxsize=1)
def compiled_rules() -> tuple[CompiledRule, ...]:
    return tuple(CompiledRule.of(rule) for rule in load_rules())


class RuleSet:
    """The blocks of a run's rules matched together, so a message meets each matcher once rather
    than once per block: one PhraseMatcher on LOWER, one on LEMMA and one token Matcher hold every
    block's patterns under the block's own key, and one regex index (``prefilter.RegexIndex``)
    says which of all the blocks' regexes can match a message at all. Most messages contain none
    of the words most regexes need, and running every regex on every message was most of the
    engine's time."""

    def __init__(self, blocks: Iterable[CompiledPatterns]) -> None:
        nlp = get_nlp()
        self.matchers = (PhraseMatcher(nlp.vocab, attr="LOWER"), PhraseMatcher(nlp.vocab, attr="LEMMA"),
                         Matcher(nlp.vocab))
        self.keys: dict[CompiledPatterns, int] = {}  # the block's match id in the matchers
        #: (matcher number, cue words) of the matchers the block has patterns in
        self.uses: dict[CompiledPatterns, list[tuple[int, frozenset[str] | None]]] = {}
        self.regexes: list[re.Pattern[str]] = []  # every block's regexes, numbered in block order
        self.owner: list[CompiledPatterns] = []  # the block of each regex
        self.worded: list[CompiledPatterns] = []  # blocks with matcher patterns or co-occurrences
        for block in blocks:
            if block in self.keys:
                continue
            name = f"chatsignals-block-{len(self.keys)}"
            self.keys[block] = nlp.vocab.strings.add(name)
            self.uses[block] = []
            for kind, (items, cues) in enumerate(block.matcher_inputs()):
                if items:
                    self.matchers[kind].add(name, items)
                    self.uses[block].append((kind, cues))
            self.regexes += block.regexes
            self.owner += [block] * len(block.regexes)
            if self.uses[block] or block.cooccur:
                self.worded.append(block)
        self.checked = frozenset(b for b in self.keys if b.checks)  # blocks with code checks
        self.index = RegexIndex([rx.pattern for rx in self.regexes], re.IGNORECASE)
        #: every cue word of the worded blocks (a message holding none of them cues none of
        #: them), and the blocks with a matcher that has no cue words (always worth a look)
        self.cue_words = frozenset().union(
            *(cues for b in self.worded for _kind, cues in self.uses[b] if cues is not None),
            *(c for b in self.worded for combo in b.cooccur_cues for c in combo))
        self.uncued = frozenset(b for b in self.worded if any(cues is None for _k, cues in self.uses[b]))
        #: what the set makes of a quiet message, the common case: only code checks can hit
        self.quiet = _Seen({}, _NOTHING, self.checked)

    @classmethod
    def of(cls, rules: Iterable[CompiledRule]) -> RuleSet:
        return cls(block for crule in rules for block in crule.blocks())

    def holds(self, block: CompiledPatterns) -> bool:
        return block in self.keys

    def live(self, msg: Analysed) -> frozenset[CompiledPatterns]:
        """The blocks that may hit the message: those with a regex the index lets through, a
        matcher or co-occurrence whose cue words the message holds, or a code check (which
        depends on the conversation so far). Any other block finds nothing there."""
        return self._seen(msg).live

    def is_quiet(self, msg: Analysed) -> bool:
        """Has the message been found to hold nothing the blocks' words or regexes could hit?"""
        return msg.found.get(self) is self.quiet

    def _seen(self, msg: Analysed) -> _Seen:
        """What this set makes of the message's words (worked out once per message)."""
        seen = msg.found.get(self)
        if seen is None:
            seen = msg.found[self] = self._look(msg)
        return seen

    def _look(self, msg: Analysed) -> _Seen:
        possible = self.index.possible(msg.normal_text)
        grouped: dict[CompiledPatterns, list[int]] = {}
        for i in range(len(self.regexes)) if possible is None else sorted(possible):
            grouped.setdefault(self.owner[i], []).append(i)
        textual = set(grouped) | self.uncued
        words = msg.lemmas & self.cue_words
        if words:
            textual.update(b for b in self.worded if b not in textual and self._cued(b, words))
        if not textual:
            return self.quiet
        return _Seen({b: tuple(ids) for b, ids in grouped.items()}, frozenset(textual),
                     frozenset(textual) | self.checked)

    def _cued(self, block: CompiledPatterns, words: frozenset[str]) -> bool:
        """Does the message hold the cue words of one of the block's matchers or co-occurrences?"""
        for _kind, cues in self.uses[block]:
            if cues is None or not cues.isdisjoint(words):
                return True
        return any(not any(map(words.isdisjoint, cues)) for cues in block.cooccur_cues)

    def text_spans(self, block: CompiledPatterns, msg: Analysed) -> list[Span]:
        """What the block's phrases, lemmas, token patterns, regexes and co-occurring words hit
        in the message, in the order separate per-block matchers reported them. The regexes run
        on the normalised text first: the doc is only built when something is found or a
        matcher or co-occurrence has its cue words."""
        seen = self._seen(msg)
        if block not in seen.textual:
            return []
        words, text = msg.lemmas, msg.normal_text
        matches = [m.span() for i in seen.regexes.get(block, ()) for m in self.regexes[i].finditer(text)]
        kinds = [kind for kind, cues in self.uses[block] if cues is None or not cues.isdisjoint(words)]
        combos = [combo for combo, cues in zip(block.cooccur, block.cooccur_cues, strict=True)
                  if not any(map(words.isdisjoint, cues))]
        if not (matches or kinds or combos):
            return []
        doc = msg.doc
        found: list[Span] = []
        for kind in kinds:
            found += [doc[s:e] for s, e in self._matches(seen, doc, kind).get(self.keys[block], ())]
        for start, end in matches:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is not None and len(span):
                found.append(span)
        for combo in combos:
            found += _cooccurring(doc, combo)
        return found

    def _matches(self, seen: _Seen, doc: Doc, kind: int) -> dict[int, list[tuple[int, int]]]:
        """One shared matcher's matches in the message by block key (run on first need)."""
        by_key = seen.matches.get(kind)
        if by_key is None:
            by_key = seen.matches[kind] = {}
            for match_id, start, end in self.matchers[kind](doc):
                by_key.setdefault(match_id, []).append((start, end))
        return by_key


_NOTHING: frozenset[Any] = frozenset()
_NO_VOTES: dict[str, float] = {}


@dataclass(slots=True)
class _Seen:
    """What a RuleSet made of one message: the regexes the index lets through, by block; the
    blocks whose words or regexes may hit; those and the blocks with code checks; and the
    shared matchers' matches by block key, per matcher (filled on first need)."""

    regexes: dict[CompiledPatterns, tuple[int, ...]]
    textual: frozenset[CompiledPatterns]
    live: frozenset[CompiledPatterns]
    matches: dict[int, dict[int, list[tuple[int, int]]]] = field(default_factory=dict)


@lru_cache(maxsize=32)
def rule_set(rules: tuple[CompiledRule, ...]) -> RuleSet:
    """The RuleSet of these rules, built once (the rule self-tests run one rule many times)."""
    return RuleSet.of(rules)


@lru_cache(maxsize=64)
def _block_set(block: CompiledPatterns) -> RuleSet:
    return RuleSet([block])


# --- running on a message table ----------------------------------------------------------------

SPEAKER_ROLES = {
    "seller": frozenset({"seller", "unknown"}),
    "buyer": frozenset({"buyer", "unknown"}),
    "any": frozenset({"seller", "buyer", "unknown", "platform"}),
}


@dataclass(slots=True)  # ten thousand rows make fewer objects for the garbage collector
class Row:
    message_id: str
    conversation_id: str
    timestamp: Any
    sender: str | None
    role: str
    text: str
    msg: Analysed | None = None
    platform: str | None = None


@dataclass
class Pending:
    """A conversation rule collecting its anchor and its hits."""

    anchor_ids: list[str] = field(default_factory=list)
    anchored: bool = False
    hits: list[tuple[Row, list[Span]]] = field(default_factory=list)
    unanchored_hits: int = 0
    model_hits: dict[str, tuple[float, list[str]]] = field(default_factory=dict)  # id -> (p, n-grams)


ROW_COLUMNS = ("conversation_id", "message_id", "timestamp", "sender", "role", "text", "is_system",
               "platform")


def _rows(messages: pd.DataFrame) -> Iterator[list[Row]]:
    """The messages as rows, grouped by conversation, in time order."""
    if messages is None or not len(messages):
        return
    frame = messages
    for col in ("sender", "role", "timestamp", "is_system"):
        if col not in frame.columns:
            frame = frame.assign(**{col: None if col != "is_system" else False})
    # only the columns a row needs: reading the table's other columns row by row was slow
    frame = frame[[c for c in ROW_COLUMNS if c in frame.columns]]
    frame = frame.reset_index(drop=True).assign(_order=range(len(frame)))
    for conv, group in frame.groupby("conversation_id", sort=True, dropna=False):
        group = group.sort_values(["timestamp", "_order"], kind="mergesort", na_position="last")
        rows = []
        platforms = group["platform"].tolist() if "platform" in group.columns else [None] * len(group)
        columns = (group[c].tolist() for c in ("message_id", "timestamp", "sender", "role", "text", "is_system"))
        for (message_id, timestamp, sender, role, text, is_system), platform in zip(
                zip(*columns, strict=True), platforms, strict=True):
            text = text if isinstance(text, str) else ""
            if not text.strip() or (bool(is_system) and role in (None, "system")):
                continue
            rows.append(Row(str(message_id), str(conv), timestamp,
                            sender if isinstance(sender, str) else None,
                            role if isinstance(role, str) else "unknown", text,
                            platform=platform if isinstance(platform, str) else None))
        yield rows


def _date(ts: Any) -> str:
    if ts is None or ts is pd.NaT or (isinstance(ts, float) and pd.isna(ts)):
        return "an undated message"
    try:
        if pd.isna(ts):
            return "an undated message"
    except (TypeError, ValueError):
        pass
    return pd.Timestamp(ts).strftime("%Y-%m-%d")


def _who(row: Row) -> str:
    if row.sender:
        return row.sender
    return {"seller": "the seller", "buyer": "the buyer"}.get(row.role, "the sender")


def _explain(template: str, row: Row, quote: str, **extra: Any) -> str:
    values = {"date": _date(row.timestamp), "sender": _who(row), "quote": quote.replace('"', "'")}
    values.update(extra)
    try:
        return " ".join(template.format(**values).split())
    except (KeyError, IndexError):
        return " ".join(template.split())


def _finding(crule: CompiledRule, rows: list[tuple[Row, list[Span]]], anchor_ids: list[str],
             promise_ids: list[str], marketplace: bool = True) -> dict[str, Any]:
    rule = crule.rule
    first_row, first_hits = rows[0]
    assert first_row.msg is not None
    quote = first_row.msg.sentence(first_hits[0])
    evidence = []
    for row, hits in rows:
        assert row.msg is not None
        for h in hits:
            words = " ".join(row.msg.quote(h).split())
            if words not in evidence:
                evidence.append(words)
    message_ids = list(dict.fromkeys([*anchor_ids, *(r.message_id for r, _ in rows)]))
    template = rule.explanation
    if not marketplace and rule.explanation_no_marketplace:
        template = rule.explanation_no_marketplace
    if rule.conversation and rule.conversation.explanation and len(rows) > 1:
        template = rule.conversation.explanation
    last_row = rows[-1][0]
    explanation = _explain(
        template, first_row, quote, count=len(rows), last_date=_date(last_row.timestamp),
    )
    score = crule.score(first_row.msg, first_hits, extra_messages=len(rows) - 1)
    return {
        "finding_id": stable_id("F", rule.id, *message_ids),
        "rule_id": rule.id,
        "kind": "scam_pattern",
        "severity": rule.level,
        "title": rule.title,
        "explanation": explanation,
        "message_ids": message_ids,
        "promise_ids": promise_ids,
        "score": score,
        "conversation_id": first_row.conversation_id,
        "timestamp": first_row.timestamp,
        "evidence": " | ".join(evidence),
        "references": [r.url for r in rule.references],
    }


def _promise_anchors(promises: pd.DataFrame | None) -> dict[str, list[tuple[str, str]]]:
    """message_id -> [(category, promise_id)] from the promises table."""
    out: dict[str, list[tuple[str, str]]] = {}
    if promises is None or not len(promises) or "message_id" not in promises.columns:
        return out
    columns = (promises[c].tolist() for c in ("message_id", "category", "promise_id"))
    for message_id, category, promise_id in zip(*columns, strict=True):  # lists: no row objects
        out.setdefault(str(message_id), []).append((str(category), str(promise_id)))
    return out


def _event_times(facts: Any, types: list[str]) -> list[pd.Timestamp]:
    times = []
    for event in get_path(facts, "events") or []:
        if str(get_path(event, "type")) in types:
            ts = pd.to_datetime(str(get_path(event, "date")), errors="coerce", utc=True)
            if ts is not pd.NaT and not pd.isna(ts):
                times.append(ts)
    return times


def _before(ts: Any, times: list[pd.Timestamp]) -> bool:
    """An event on or before the message's day (undated messages: any event counts)."""
    if not times:
        return False
    try:
        if ts is None or pd.isna(ts):
            return True
    except (TypeError, ValueError):
        return True
    day = pd.Timestamp(ts).tz_convert("UTC").normalize() + pd.Timedelta(days=1)
    return any(t < day for t in times)


#: table platforms that are marketplaces, and marketplace names in the facts' ``case.platform``
MARKETPLACES = frozenset({"alibaba"})
_MARKETPLACE_NAME = re.compile(r"alibaba|aliexpress|\b1688\b|made-in-china|global\s*sources|dhgate", re.I)


def _marketplace(rows: list[Row], facts: Any) -> bool:
    """Does the conversation run on a marketplace (an Alibaba table, a platform row, or facts
    naming one)? Only then may an explanation speak of "the platform" or Trade Assurance: in a
    Telegram or e-mail-only deal the buyer could not paste such a sentence into a dispute."""
    if any(r.platform in MARKETPLACES or r.role == "platform" for r in rows):
        return True
    name = get_path(facts, "case", "platform")
    return isinstance(name, str) and bool(_MARKETPLACE_NAME.search(name))


def _analysis(quiet: set[str], text: str, rules: RuleSet) -> Analysed:
    """The text's analysis. A text the run has already found quiet (nothing in it any rule's
    words or regexes could hit: "ok dear", "thanks") is known to be so again without a look."""
    msg = Analysed.of(text, rules)
    if text in quiet:
        msg.found[rules] = rules.quiet
    return msg


def _held(pending: dict[str, Pending]) -> int:
    """How many rows the conversation rules hold for their findings."""
    return sum(len(p.hits) for p in pending.values())


def _run_conversation(rows: list[Row], rules: tuple[CompiledRule, ...], facts: Any,
                      promise_anchors: dict[str, list[tuple[str, str]]],
                      gate: Any = None, ruleset: RuleSet | None = None,
                      quiet: set[str] | None = None) -> list[dict[str, Any]]:
    ruleset = ruleset if ruleset is not None else rule_set(rules)
    quiet = quiet if quiet is not None else set()
    state = CheckState.from_facts(facts)
    market = _marketplace(rows, facts)
    pending = {c.rule.id: Pending() for c in rules if c.rule.conversation}
    promise_hits: dict[str, list[str]] = {}
    findings = []
    event_times = {
        c.rule.id: _event_times(facts, c.rule.conversation.after_events)
        for c in rules if c.rule.conversation and c.rule.conversation.after_events
    }
    end_times = {
        c.rule.id: _event_times(facts, c.rule.conversation.until_events)
        for c in rules if c.rule.conversation and c.rule.conversation.until_events
    }
    patterns = gate is None or gate.patterns
    for row in rows:
        row.msg = _analysis(quiet, row.text, ruleset)
        held = _held(pending)
        # what may hit this message, and the model's votes: asked once, not once per rule
        live = ruleset.live(row.msg)
        votes = gate.votes(row.message_id) if gate is not None else _NO_VOTES
        for crule in rules:
            rule = crule.rule
            conv = rule.conversation
            if conv is not None:
                if _before(row.timestamp, end_times.get(rule.id, [])) and row.timestamp is not None \
                        and not pd.isna(row.timestamp):
                    continue  # the facts record the end of what the rule looks for
                _advance(crule, row, state, pending[rule.id], promise_anchors, event_times,
                         promise_hits, gate, live, votes)
                continue
            if row.role not in SPEAKER_ROLES[rule.speaker]:
                continue
            hits = crule.hits(row.msg, state) if patterns and crule.patterns in live else []
            if hits:
                findings.append(_finding(crule, [(row, hits)], [], [], market))
            elif rule.id in votes and (voted := gate.hit(crule, row, state)):
                finding = _finding(crule, [(row, [voted[0]])], [], [], market)
                findings.append(_model_finding(finding, voted[1], voted[2]))
        if row.role in ("seller", "unknown"):
            state.learn(account_from_details(bank_details(row.text)))
        if ruleset.is_quiet(row.msg):
            quiet.add(row.text)
        if _held(pending) == held:
            row.msg = None  # no rule holds the row: its analysis can go
        else:
            row.msg.settle()
    for crule in rules:
        conv = crule.rule.conversation
        if conv is None:
            continue
        p = pending[crule.rule.id]
        if len(p.hits) >= conv.min_messages:
            finding = _finding(crule, p.hits, p.anchor_ids, promise_hits.get(crule.rule.id, []),
                               market)
            if p.unanchored_hits == len(p.hits):  # no anchor at all: a weaker indicator
                finding["score"] = round(max(0.05, finding["score"] - conv.unanchored_penalty), 3)
            if len(p.model_hits) == len(p.hits):  # the model alone: its score and n-grams
                prob = max(v[0] for v in p.model_hits.values())
                ngrams = list(dict.fromkeys(g for v in p.model_hits.values() for g in v[1]))
                finding = _model_finding(finding, prob, ngrams[:3])
            findings.append(finding)
    return findings


def _advance(crule: CompiledRule, row: Row, state: CheckState, p: Pending,
             promise_anchors: dict[str, list[tuple[str, str]]],
             event_times: dict[str, list[pd.Timestamp]], promise_hits: dict[str, list[str]],
             gate: Any, live: frozenset[CompiledPatterns], votes: dict[str, float]) -> None:
    """Feed one message to a conversation rule: does it anchor, does it hit after the anchor.
    ``live`` holds the blocks that may hit the message, ``votes`` the model's votes for it."""
    rule = crule.rule
    conv = rule.conversation
    assert conv is not None and row.msg is not None
    needs_anchor = bool(conv.after or conv.after_events or conv.after_promise_categories)
    if not p.anchored and needs_anchor:
        if crule.anchor in live and row.role in SPEAKER_ROLES[conv.after_speaker] \
                and crule.anchored(row.msg, state):
            p.anchored = True
            p.anchor_ids.append(row.message_id)
        for category, pid in promise_anchors.get(row.message_id, []):
            if category in conv.after_promise_categories:
                p.anchored = True
                promise_hits.setdefault(rule.id, []).append(pid)
                if row.message_id not in p.anchor_ids:
                    p.anchor_ids.append(row.message_id)
        if not p.anchored and _before(row.timestamp, event_times.get(rule.id, [])):
            p.anchored = True
    if row.role not in SPEAKER_ROLES[rule.speaker]:
        return
    patterns = gate is None or gate.patterns
    if needs_anchor and not p.anchored:  # the model never speaks before the anchor
        if crule.unanchored not in live or not patterns:
            return
        hits = crule.unanchored_hits(row.msg, state)
        if hits:
            p.hits.append((row, hits))
            p.unanchored_hits += 1
        return
    hits = crule.hits(row.msg, state) if patterns and crule.patterns in live else []
    if patterns and crule.unanchored in live:  # words that count alone count after the anchor
        hits += crule.unanchored_hits(row.msg, state)
    if hits:
        p.hits.append((row, sorted(hits, key=lambda s: (s.start, -len(s)))))
    elif rule.id in votes and (voted := gate.hit(crule, row, state)):
        p.hits.append((row, [voted[0]]))
        p.model_hits[row.message_id] = (voted[1], voted[2])


def run_rules(messages: pd.DataFrame, promises: pd.DataFrame | None = None, facts: Any = None,
              rules: Iterable[CompiledRule] | None = None, use_model: bool = True,
              model: Any = None, patterns: bool = True) -> pd.DataFrame:
    """Every scam-pattern finding in ``messages`` (FINDING_COLUMNS rows, kind scam_pattern).

    With ``use_model`` the shipped classifier (``classifier.py``; or ``model``) adds findings for
    rules no pattern matched; ``patterns=False`` leaves the model alone (to measure it)."""
    active = tuple(compiled_rules() if rules is None else rules)
    ruleset = rule_set(active)
    anchors = _promise_anchors(promises)
    listens = frozenset().union(*(SPEAKER_ROLES[c.rule.speaker] for c in active))
    gate = _model_gate(messages, use_model, model, patterns, listens)
    found: list[dict[str, Any]] = []
    quiet: set[str] = set()  # texts nothing can hit, shared by the conversations
    for rows in _rows(messages):
        found += _run_conversation(rows, active, facts, anchors, gate, ruleset, quiet)
    if not found:
        return finalize_findings(pd.DataFrame())
    frame = pd.DataFrame(found).drop_duplicates("finding_id")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    return finalize_findings(frame)


def _model_gate(messages: pd.DataFrame, use_model: bool, model: Any, patterns: bool,
                roles: frozenset[str] | None = None) -> Any:
    """The classifier's votes for the table, or None (patterns only: no model file, or off).
    Only messages in ``roles`` are scored: the rules never consult the model for a speaker they
    do not listen to (every shipped rule listens to the seller, so buyer lines are skipped)."""
    if not use_model or messages is None or not len(messages):
        return None
    from .classifier import ModelGate, load_model

    model = model if model is not None else load_model()
    return None if model is None else ModelGate.of(messages, model, patterns, roles)


def _model_finding(finding: dict[str, Any], prob: float, ngrams: list[str]) -> dict[str, Any]:
    from .classifier import as_model_finding

    return as_model_finding(finding, prob, ngrams)


# --- self-tests and listing ----------------------------------------------------------------------


def _case_frame(case: TestCase) -> pd.DataFrame:
    records = [*case.history, {"speaker": case.speaker, "text": case.text}]
    base = pd.Timestamp("2025-03-01T08:00:00Z")
    return pd.DataFrame(
        {
            "conversation_id": ["test"] * len(records),
            "message_id": [f"t{i}" for i in range(len(records))],
            "timestamp": [base + pd.Timedelta(days=i) for i in range(len(records))],
            "sender": [None] * len(records),
            "role": [r.get("speaker", "seller") for r in records],
            "text": [r["text"] for r in records],
            "is_system": [False] * len(records),
        }
    )


def run_case(crule: CompiledRule, case: str | TestCase) -> bool:
    """Does the rule flag the case's last message?"""
    if isinstance(case, str):
        case = TestCase(text=case)
    frame = _case_frame(case)
    last = frame["message_id"].iloc[-1]
    found = run_rules(frame, None, case.facts, rules=[crule], use_model=False)  # the YAML alone
    return any(last in ids for ids in found["message_ids"])


def test_rule(crule: CompiledRule) -> list[str]:
    """The failures of one rule's own tests (empty when all pass)."""
    failures = []
    for case in crule.rule.tests.match:
        if not run_case(crule, case):
            failures.append(f"missed: {_case_text(case)!r}")
    for case in crule.rule.tests.no_match:
        if run_case(crule, case):
            failures.append(f"false match: {_case_text(case)!r}")
    return failures


test_rule.__test__ = False  # type: ignore[attr-defined]  # not a pytest test


def _case_text(case: str | TestCase) -> str:
    return case if isinstance(case, str) else case.text


def main_list(stream: TextIO) -> int:
    """``chatsignals rules list``: one line per rule (id, severity, speaker, title)."""
    try:
        rules = load_rules()
    except RuleError as exc:
        stream.write(f"error: {exc}\n")
        return 1
    for rule in rules:
        stream.write(f"{rule.id:36} {rule.level:8} {rule.speaker:6} {rule.title}\n")
    stream.write(f"{len(rules)} rules\n")
    return 0


def main_test(stream: TextIO) -> int:
    """``chatsignals rules test``: run every rule's own tests; 1 on any failure."""
    try:
        rules = compiled_rules()
    except RuleError as exc:
        stream.write(f"error: {exc}\n")
        return 1
    failed = 0
    for crule in rules:
        failures = test_rule(crule)
        tests = crule.rule.tests
        n = len(tests.match) + len(tests.no_match)
        status = "ok  " if not failures else "FAIL"
        stream.write(f"{status} {crule.rule.id:36} {n - len(failures)}/{n}\n")
        for line in failures:
            stream.write(f"     {line}\n")
        failed += bool(failures)
    stream.write(f"{len(rules) - failed}/{len(rules)} rules pass their tests\n")
    return 1 if failed else 0
