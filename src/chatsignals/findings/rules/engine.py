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
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any, TextIO

import pandas as pd
import yaml
from pydantic import ValidationError
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span, Token

from ...errors import ChatsignalsError
from ...nlp.bank import account_from_details, extract_bank_details
from ...nlp.pipeline import get_nlp
from ...table import finalize_findings, stable_id
from .checks import CHECKS, CheckState, get_path
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
_REQUEST = re.compile(
    r"^(?:(?:dear|hi|hello|friend|sir|madam)\W+)*(?:please\W+|kindly\W+)?"
    r"(?:can|could|would|will|may|pls|please)\s+(?:you|u)\b|\bplease\b|\bkindly\b|"
    r"^is it (?:ok|okay|possible|fine)\b"
)
BOUNDARY = frozenset(",;:()[]—–-")
NEGATION_WINDOW = 6
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


class _UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key written twice (YAML would silently keep the last one,
    and a rule would lose half its patterns without a word)."""


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


def normal_word(word: str) -> str:
    low = word.lower()
    return SPELLING.get(low, low)


def analyse(text: str) -> tuple[Doc, Doc]:
    """(original tokens, normalised doc with lemmas and sentences), aligned token for token."""
    nlp = get_nlp()
    original = nlp.tokenizer(text)
    words = [_word(t, text) for t in original]
    spaces = [bool(t.whitespace_) for t in original]
    doc = Doc(nlp.vocab, words=words, spaces=spaces)
    for _name, proc in nlp.pipeline:
        doc = proc(doc)
    return original, doc


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
    """One ``Patterns`` block compiled to spaCy matchers and regexes."""

    def __init__(self, patterns: Patterns, key: str) -> None:
        nlp = get_nlp()
        self.key = key
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.lemmas = PhraseMatcher(nlp.vocab, attr="LEMMA")
        self.tokens = Matcher(nlp.vocab)
        phrase_docs = [_pattern_doc(p) for p in patterns.phrases]
        lemma_docs = [_pattern_doc(p) for p in patterns.lemmas]
        if phrase_docs:
            self.phrases.add(key, phrase_docs)
        if lemma_docs:
            self.lemmas.add(key, lemma_docs)
        if patterns.tokens:
            self.tokens.add(key, patterns.tokens)
        # cheap prefilters: a phrase can only match where its first word occurs in the message
        self.phrase_cues = frozenset(d[0].lower_ for d in phrase_docs if len(d))
        self.lemma_cues = frozenset(d[0].lemma_ for d in lemma_docs if len(d))
        self.token_cues = _token_cues(patterns.tokens)
        self.regexes = [re.compile(rx, re.IGNORECASE) for rx in patterns.regexes]
        self.checks = list(patterns.checks)
        self.cooccur = [[_concept(group) for group in combo] for combo in patterns.cooccur]
        self.empty = patterns.is_empty()

    def spans(self, msg: Analysed, state: CheckState) -> list[Span]:
        """Token spans of the normalised doc where any pattern hits."""
        doc = msg.doc
        found: list[Span] = []
        words = msg.lemmas
        for matcher, cues in ((self.phrases, self.phrase_cues), (self.lemmas, self.lemma_cues), (self.tokens, self.token_cues)):
            if len(matcher) and (cues is None or not cues.isdisjoint(words)):
                found += [doc[s:e] for _id, s, e in matcher(doc)]
        text = doc.user_data.get("chatsignals_text")
        if text is None:  # Doc.text joins every token again on each access: keep it once
            text = doc.user_data["chatsignals_text"] = doc.text
        for rx in self.regexes:
            for m in rx.finditer(text):
                span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
                if span is not None and len(span):
                    found.append(span)
        for combo in self.cooccur:
            found += _cooccurring(doc, combo)
        for name in self.checks:
            for start, end in CHECKS[name](msg.text, state):
                orig = msg.original.char_span(start, end, alignment_mode="expand")
                if orig is not None and len(orig):
                    found.append(doc[orig.start : orig.end])
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


def _sentence_words(doc: Doc) -> list[tuple[int, list[str], list[str]]]:
    """(start, lower forms, lemmas) of every sentence, computed once per doc: rules ask for
    them many times per message, and spaCy rebuilds ``doc.sents`` on every access."""
    cached = doc.user_data.get("chatsignals_sents")
    if cached is None:
        cached = [(sent.start, [t.lower_ for t in sent], [t.lemma_ for t in sent]) for sent in doc.sents]
        doc.user_data["chatsignals_sents"] = cached
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


@dataclass
class Analysed:
    """One message ready for matching."""

    text: str
    original: Doc
    doc: Doc
    lemmas: frozenset[str]

    @classmethod
    def of(cls, text: str) -> Analysed:
        original, doc = analyse(text)
        return cls(text, original, doc, frozenset(t.lemma_ for t in doc) | frozenset(t.lower_ for t in doc))

    def quote(self, span: Span) -> str:
        return self.original[span.start : span.end].text

    def sentence(self, span: Span) -> str:
        sent = span.sent
        text = " ".join(self.original[sent.start : sent.end].text.split())
        if len(text) > QUOTE_MAX:
            text = text[: QUOTE_MAX - 1].rstrip() + "…"
        return text


def is_negated(span: Span) -> bool:
    """A negation cue in the few tokens before the hit, in the same clause. "Cannot be released
    until you pay the fee" negates the release, not the fee: an ``until/unless/before`` between
    the cue and the hit (or opening the hit) ends the negation's reach."""
    sent = span.doc[span.start].sent
    if span.doc[span.start].lower_ in LIMITERS:
        return False
    i = span.start - 1
    while i >= max(sent.start, span.start - NEGATION_WINDOW):
        tok = span.doc[i]
        if tok.text in BOUNDARY or tok.text in {".", "!", "?"} or tok.lower_ in LIMITERS:
            return False
        if tok.lower_ in NEGATIONS:
            before = {t.lower_ for t in span.doc[max(sent.start, i - 3) : i]}
            return not before & CONDITION_WORDS
        i -= 1
    return False


def is_question(span: Span) -> bool:
    """A yes/no question about a state of affairs, not a request phrased as a question. A
    "why" question is neither: "why you need to visit?" and "why pay the Alibaba fee?" push the
    buyer, so the rules read them as statements."""
    sent = span.sent
    text = sent.text.strip()
    if not text:
        return False
    first = next((t for t in sent if not t.is_punct and not t.is_space), None)
    if first is not None and first.lower_ in RHETORICAL_STARTS:
        return False
    asks = text.endswith("?") or (first is not None and first.lower_ in QUESTION_STARTS and "?" in text)
    if not asks:
        return False
    return _REQUEST.search(text.lower()) is None


@dataclass
class CompiledRule:
    rule: Rule
    patterns: CompiledPatterns
    requires: list[CompiledPatterns]
    exclusions: CompiledPatterns
    anchor: CompiledPatterns | None
    context: frozenset[str]
    unanchored: CompiledPatterns | None = None

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
        )

    def kept(self, spans: list[Span], msg: Analysed, state: CheckState) -> list[Span]:
        """Hits that survive exclusions, negation and question handling."""
        rule = self.rule
        excluded_sents = set()
        if not self.exclusions.empty:
            excluded_sents = {s.sent.start for s in self.exclusions.spans(msg, state)}
        out = []
        for span in spans:
            if span.sent.start in excluded_sents:
                continue
            if rule.negation and is_negated(span):
                continue
            if rule.questions == "skip" and is_question(span):
                continue
            out.append(span)
        return out

    def hits(self, msg: Analysed, state: CheckState) -> list[Span]:
        """The kept main hits, or [] when a required block has no hit in the message (or, with
        ``requires_scope: sentence``, in the hit's own sentence)."""
        main = self.kept(self.patterns.spans(msg, state), msg, state)
        if not main:
            return []
        for req in self.requires:
            found = self.kept(req.spans(msg, state), msg, state)
            if self.rule.requires_scope == "sentence":
                sents = {s.sent.start for s in found}
                main = [h for h in main if h.sent.start in sents]
            if not found or not main:
                return []
        return sorted(main, key=lambda s: (s.start, -len(s)))

    def anchored(self, msg: Analysed, state: CheckState) -> bool:
        return self.anchor is not None and bool(self.kept(self.anchor.spans(msg, state), msg, state))

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


# --- running on a message table ----------------------------------------------------------------

SPEAKER_ROLES = {
    "seller": frozenset({"seller", "unknown"}),
    "buyer": frozenset({"buyer", "unknown"}),
    "any": frozenset({"seller", "buyer", "unknown", "platform"}),
}


@dataclass
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


def _rows(messages: pd.DataFrame) -> Iterator[list[Row]]:
    """The messages as rows, grouped by conversation, in time order."""
    if messages is None or not len(messages):
        return
    frame = messages
    for col in ("sender", "role", "timestamp", "is_system"):
        if col not in frame.columns:
            frame = frame.assign(**{col: None if col != "is_system" else False})
    frame = frame.reset_index(drop=True).assign(_order=range(len(frame)))
    for conv, group in frame.groupby("conversation_id", sort=True, dropna=False):
        group = group.sort_values(["timestamp", "_order"], kind="mergesort", na_position="last")
        rows = []
        for rec in group.itertuples(index=False):
            text = rec.text if isinstance(rec.text, str) else ""
            if not text.strip() or (bool(rec.is_system) and rec.role in (None, "system")):
                continue
            role = rec.role if isinstance(rec.role, str) else "unknown"
            sender = rec.sender if isinstance(rec.sender, str) else None
            platform = getattr(rec, "platform", None)
            rows.append(Row(str(rec.message_id), str(conv), rec.timestamp, sender, role, text,
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
    for rec in promises[["message_id", "category", "promise_id"]].itertuples(index=False):
        out.setdefault(str(rec.message_id), []).append((str(rec.category), str(rec.promise_id)))
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


def _run_conversation(rows: list[Row], rules: tuple[CompiledRule, ...], facts: Any,
                      promise_anchors: dict[str, list[tuple[str, str]]],
                      gate: Any = None) -> list[dict[str, Any]]:
    state = CheckState.from_facts(facts)
    market = _marketplace(rows, facts)
    pending = {c.rule.id: Pending() for c in rules if c.rule.conversation}
    promise_hits: dict[str, list[str]] = {}
    findings = []
    event_times = {
        c.rule.id: _event_times(facts, c.rule.conversation.after_events)
        for c in rules if c.rule.conversation and c.rule.conversation.after_events
    }
    for row in rows:
        row.msg = Analysed.of(row.text)
        for crule in rules:
            rule = crule.rule
            conv = rule.conversation
            if conv is not None:
                _advance(crule, row, state, pending[rule.id], promise_anchors, event_times,
                         promise_hits, gate)
                continue
            if row.role not in SPEAKER_ROLES[rule.speaker]:
                continue
            hits = crule.hits(row.msg, state) if gate is None or gate.patterns else []
            if hits:
                findings.append(_finding(crule, [(row, hits)], [], [], market))
            elif gate is not None and (voted := gate.hit(crule, row, state)):
                finding = _finding(crule, [(row, [voted[0]])], [], [], market)
                findings.append(_model_finding(finding, voted[1], voted[2]))
        if row.role in ("seller", "unknown"):
            state.learn(account_from_details(extract_bank_details(row.text)))
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
             gate: Any = None) -> None:
    """Feed one message to a conversation rule: does it anchor, does it hit after the anchor."""
    rule = crule.rule
    conv = rule.conversation
    assert conv is not None and row.msg is not None
    needs_anchor = bool(conv.after or conv.after_events or conv.after_promise_categories)
    if not p.anchored and needs_anchor:
        if crule.anchor is not None and row.role in SPEAKER_ROLES[conv.after_speaker] \
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
        if crule.unanchored is None or not patterns:
            return
        hits = crule.kept(crule.unanchored.spans(row.msg, state), row.msg, state)
        if hits:
            p.hits.append((row, hits))
            p.unanchored_hits += 1
        return
    hits = crule.hits(row.msg, state) if patterns else []
    if crule.unanchored is not None and patterns:  # words that count alone count after the anchor
        hits += crule.kept(crule.unanchored.spans(row.msg, state), row.msg, state)
    if hits:
        p.hits.append((row, sorted(hits, key=lambda s: (s.start, -len(s)))))
    elif gate is not None and (voted := gate.hit(crule, row, state)):
        p.hits.append((row, [voted[0]]))
        p.model_hits[row.message_id] = (voted[1], voted[2])


def run_rules(messages: pd.DataFrame, promises: pd.DataFrame | None = None, facts: Any = None,
              rules: Iterable[CompiledRule] | None = None, use_model: bool = True,
              model: Any = None, patterns: bool = True) -> pd.DataFrame:
    """Every scam-pattern finding in ``messages`` (FINDING_COLUMNS rows, kind scam_pattern).

    With ``use_model`` the shipped classifier (``classifier.py``; or ``model``) adds findings for
    rules no pattern matched; ``patterns=False`` leaves the model alone (to measure it)."""
    active = tuple(compiled_rules() if rules is None else rules)
    anchors = _promise_anchors(promises)
    gate = _model_gate(messages, use_model, model, patterns)
    found: list[dict[str, Any]] = []
    for rows in _rows(messages):
        found += _run_conversation(rows, active, facts, anchors, gate)
    if not found:
        return finalize_findings(pd.DataFrame())
    frame = pd.DataFrame(found).drop_duplicates("finding_id")
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True, errors="coerce")
    return finalize_findings(frame)


def _model_gate(messages: pd.DataFrame, use_model: bool, model: Any, patterns: bool) -> Any:
    """The classifier's votes for the table, or None (patterns only: no model file, or off)."""
    if not use_model or messages is None or not len(messages):
        return None
    from .classifier import ModelGate, load_model

    model = model if model is not None else load_model()
    return None if model is None else ModelGate.of(messages, model, patterns)


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
