"""Clauses and the grammar cues of one clause: the rule half of promise detection.

Chat English from suppliers has no reliable punctuation or grammar ("we will arrange shipment after
receive your deposit", "goods is ready", "tracking tmr"), so the cues are lexical and robust rather
than parse-based: modal/future markers, past-tense "done" verbs, questions, requests, refusals,
hedges and conditions. They feed both the rule decision and the trained model (as extra features),
and they are what makes a decision explainable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache

from . import zh

# --- normalisation ------------------------------------------------------------------------------

_CHAT_WORDS = {
    r"\bpls\b|\bplz\b|\bplease\b|\bpl\b": "please",
    r"\bu\b": "you",
    r"\bur\b": "your",
    r"\btmr\b|\btmrw\b|\btomorow\b": "tomorrow",
    r"\bthx\b|\bthks\b|\btks\b": "thanks",
    r"\bwont\b": "won't",
    r"\bcant\b": "can't",
    r"\bdont\b": "don't",
    r"\bim\b": "i'm",
    r"\bi'll\b": "i will",
    r"\bwe'll\b": "we will",
    r"\bwill't\b": "won't",
    r"’": "'",
}
_NORMALISE = [(re.compile(p, re.IGNORECASE), r) for p, r in _CHAT_WORDS.items()]


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Lower-case chat text with the common chat spellings expanded ("pls" -> "please") and
    Chinese full-width punctuation as ASCII ("，" -> ", "). Cached: the promise stage normalises
    a buyer's line as a request and as the conversation's topic, a one-clause line twice too."""
    out = " ".join(zh.ascii_punctuation(text).lower().split())
    for regex, repl in _NORMALISE:
        out = regex.sub(repl, out)
    return out


# --- cue vocabularies ---------------------------------------------------------------------------

FUTURE = re.compile(
    r"\b(?:will|shall|going to|gonna|would|promise|guarantee|plan to|try to|try our best|"
    r"do (?:our|my) best|arrange|ensure|make sure|keep you|let you know|can|could|able to|"
    r"will be|to be)\b"
)
DONE = re.compile(
    r"\b(?:received|got|shipped|sent|packed|finished|done|completed|delivered|loaded|paid|"
    r"produced|made|arrived|attached|prepared|checked|booked|tested|confirmed|started|dispatched|"
    r"picked up|collected|passed|approved|refunded|transferred|issued|uploaded|printed|"
    r"inspected|already|delay|delayed)\b"
)
STATE = re.compile(
    r"\b(?:is|are|was|were|have|has|had|'s|'re|be|been|certified|registered|approved|"
    r"made of|made from|with|same as|standard|real|genuine|original|brand new)\b"
)
READY = re.compile(r"\b(?:is|are|was|were)\s+(?:all\s+)?(?:ready|finished|done|complete|packed|ok)\b")
QUESTION_START = re.compile(
    r"^(?:(?:so|and|but|ok|dear|hi|hello)[, ]+)*(?:can|could|would|will|do|does|did|have|has"
    r"|shall|should|may)\s+(?:you|u)\b|^(?:(?:so|and|but|ok|dear)[, ]+)*(?:is|are)\s+(?:it|they|there)\b"
    r"|^(?:(?:so|and|but|ok|dear)[, ]+)*(?:what|how|why|where|which|who|whose|any\s+update)\b"
)
REQUEST_START = re.compile(
    r"^(?:(?:ok|dear|hi|hello|sir|friend|and|so|also)[, ]+)*(?!(?:please|kindly) find)(?:please|kindly|could you|can you|"
    r"would you|let me know|let us know|need you|you need to|you should|you must|remember to|"
    r"don't forget|make sure you|help (?:me|us) to|advise|pay|send (?:us|me)|confirm)\b"
)
REFUSAL = re.compile(
    r"\b(?:can ?not|can't|could not|couldn't|unable to|not able to|won't|will not|would not|"
    r"not possible|impossible|no way|do not|don't|did not|didn't|not promise|no longer|"
    r"not in a position|never)\b(?!\s+(?:worry|to worry))"
)
STRONG_REFUSAL = re.compile(
    r"\b(?:can ?not|can't|could not|couldn't|unable to|not able to|not possible|impossible|no way"
    r"|not promise|not in a position)\b"
)
STATE_NEGATION = re.compile(
    r"\b(?:won't|will not|not|no|never|don't|do not)\s+(?:be\s+)?(?:change|changed|increase|increased"
    r"|raise|go up|goes up|delay|delayed|late|let you down|disappoint|affect|be late|be changed"
    r"|be delayed|extra charges?|additional (?:cost|charge)s?)\b|\bno extra (?:charge|cost)s?\b"
    r"|\bdon't need (?:to )?pay\b|\bno change\b"
)
INFO = re.compile(
    r"\b(?:closed?|holidays?|vacation|busy|exhibition|fair|travel\w*|sick|not in (?:the )?"
    r"(?:factory|office)|since \d{4}|workers|production lines|manufacturer|established|founded)\b"
)
HEDGE = re.compile(
    r"\b(?:try|trying|should|maybe|may be|probably|perhaps|around|about|approx\w*|asap|"
    r"as soon as possible|as fast as possible|as quick as possible|hope|hopefully|expect|"
    r"if no problem|if no accident|do (?:our|my) best|try our best|might|may|possibly|soon|"
    r"as close as possible|depends on|depend on|estimated|estimate)\b"
)
CONDITION = re.compile(
    r"\b(?:if\s+(?:you|your|the\s+(?:deposit|payment|balance|sample|order)|deposit|payment|balance"
    r"|sample|order|we\s+(?:receive|get)|received)[^,.;]*"
    r"|after\s+(?:we\s+)?(?:receiv\w*|get|getting|got)\s+[^,.;]*"
    r"|once\s+[^,.;]*|as soon as\s+(?:you|your|we receive|the deposit|the balance|the payment)[^,.;]*"
    r"|when\s+(?:you|your|we receive|we get|the\s+(?:deposit|balance|payment|sample)|deposit|balance"
    r"|payment)[^,.;]*|upon\s+[^,.;]*|provided\s+(?:that\s+)?[^,.;]*"
    r"|after\s+(?:the\s+)?(?:deposit|payment|balance|sample\s+(?:approv|confirm))[^,.;]*)"
)
ACCEPT = re.compile(
    r"^(?:(?:ok(?:ay|ey)?|k|yes|yeah|yep|yup|sure|noted|well noted|no problem|np|of course|certainly"
    r"|definitely|understood|got it|fine|agree|agreed|done|alright|all right|confirm|confirmed"
    r"|correct|exactly|deal|no prob|dear|sir|boss|friend|my friend|tamam|inshaallah|insha allah"
    r"|好的|好|收到|行|对|可以|没问题|明白|👌|👍|🙏|😊)(?:[\s,!.]+|$))+"
)
GREETING = re.compile(
    r"^(?:(?:hi|hello|dear|friend|sir|madam|boss|chi|good (?:morning|afternoon|evening)|thanks"
    r"|thank you|with thanks|ok(?:ay)?|yes|yes yes|sure|noted|no problem|will do|we will|i will|do"
    r"|it|for us|still ok|this is fine|that is correct|is fine|we understand|no problem for us"
    r"|definitely|confirm|confirmed)[\s,!.]*)+$"
)
FIRST_PERSON = re.compile(r"\b(?:i|we|our|my|us|me|factory|company)\b")


@dataclass
class Cues:
    """What a clause's words say about it (each a plain flag the model also sees)."""

    text: str
    question: bool = False
    request: bool = False
    refusal: bool = False
    strong_refusal: bool = False
    info: bool = False
    state_negation: bool = False
    future: bool = False
    done: bool = False
    state: bool = False
    ready: bool = False
    hedge: bool = False
    condition: str | None = None
    accept: bool = False
    bare_accept: bool = False
    first_person: bool = False
    words: int = 0
    tags: list[str] = field(default_factory=list)

    def tokens(self) -> list[str]:
        """The flags as feature tokens for the trained model."""
        flags = [
            name
            for name in ("question", "request", "refusal", "strong_refusal", "info", "state_negation", "future", "done",
                         "state", "ready", "hedge", "accept", "bare_accept", "first_person")
            if getattr(self, name)
        ]
        if self.condition:
            flags.append("condition")
        if self.words <= 3:
            flags.append("short")
        return [f"cue_{f}" for f in flags] + self.tags


def cues_of(text: str) -> Cues:
    """The grammar cues of one clause (``text`` as written; normalised here)."""
    norm = normalise(text)
    cond = CONDITION.search(norm)
    accept = ACCEPT.match(norm)
    rest = norm[accept.end():] if accept else norm
    cues = Cues(
        text=norm,
        question=norm.rstrip().endswith("?") or bool(QUESTION_START.search(norm)),
        request=bool(REQUEST_START.search(norm)),
        refusal=bool(REFUSAL.search(norm)),
        strong_refusal=bool(STRONG_REFUSAL.search(norm)),
        info=bool(INFO.search(norm)),
        state_negation=bool(STATE_NEGATION.search(norm)),
        future=bool(FUTURE.search(norm)),
        done=bool(DONE.search(norm)),
        state=bool(STATE.search(norm)),
        ready=bool(READY.search(norm)),
        hedge=bool(HEDGE.search(norm)),
        condition=cond.group(0).strip() if cond else None,
        accept=bool(accept),
        bare_accept=bool(accept) and (not rest.strip() or bool(GREETING.fullmatch(rest.strip()))),
        first_person=bool(FIRST_PERSON.search(norm)),
        words=zh.word_count(norm),
    )
    return _with_chinese(cues, rest) if zh.has_cjk(norm) else cues


def _with_chinese(c: Cues, rest: str) -> Cues:
    """The cues with the Chinese words' added (:mod:`.zh`): a flag is set by either language."""
    z = zh.cues(c.text)
    return replace(
        c,
        question=c.question or z.question,
        request=c.request or z.request,
        refusal=c.refusal or z.refusal,
        strong_refusal=c.strong_refusal or z.strong_refusal,
        info=c.info or z.info,
        state_negation=c.state_negation or z.state_negation,
        future=c.future or z.future,
        done=c.done or z.done,
        state=c.state or z.state,
        ready=c.ready or z.ready,
        hedge=c.hedge or z.hedge,
        condition=c.condition or z.condition,
        bare_accept=c.bare_accept or (c.accept and zh.is_greeting(rest)),
        first_person=c.first_person or z.first_person,
    )


# --- clause splitting ---------------------------------------------------------------------------

#: the same cuts as ``\s*(?:,|;|\s-\s|\bbut\b)\s*``, but leading blanks are taken only from the
#: start of their run: trying every position inside a long run of spaces was quadratic
_SPLIT = re.compile(r"(?:(?<!\s)\s++)?(?:,|;|\bbut\b)\s*+|(?<!\s)\s++-\s++", re.IGNORECASE)


_CONDITION_START = re.compile(
    r"^\s*(?:if|should|once|when|after|as soon as|in case|unless|upon|before)\b", re.IGNORECASE
)


#: "Pay today and we ship in 7 days": the buyer's part, then the seller's own promise
_AND_WE = re.compile(r"\s++and\s++(?=(?:we|i)\s)", re.IGNORECASE)


def _request_then_promise_cuts(sentence: str) -> list[tuple[int, int]]:
    """A cut before "and we/I ..." in a sentence that opens with a request to the buyer, so the
    seller's promise after it is not lost in the request ("pls confirm and we start tomorrow")."""
    if " and " not in sentence.lower() or not cues_of(sentence).request:
        return []
    return [(m.start(), m.end()) for m in _AND_WE.finditer(sentence)]


def _split_cuts(sentence: str) -> list[tuple[int, int]]:
    """The spans of :data:`_SPLIT` in ``sentence``; a sentence with none of its literals (a comma,
    semicolon, dash or "but": most chat lines) is not scanned character by character."""
    if "," not in sentence and ";" not in sentence and "-" not in sentence \
            and "but" not in sentence.lower():
        return []
    return [(m.start(), m.end()) for m in _SPLIT.finditer(sentence)]


def split_clauses(sentence: str, has_content: Callable[[str], bool]) -> list[tuple[int, int]]:
    """Character spans of the clauses of ``sentence`` that each carry their own promise.

    A sentence is cut at commas/semicolons/"but" only when the pieces on both sides make a
    promise of their own (``has_content(piece)``: a future, done or deadline cue with a category
    word); a hedge (", we try our best"), an explanation (", MOQ is 1000 pcs") or a leading
    condition ("if you pay today, we ship") stays with the clause it qualifies.
    """
    cuts = sorted(_split_cuts(sentence) + zh.clause_cuts(sentence) + _request_then_promise_cuts(sentence))
    if not cuts:
        return [(0, len(sentence))]
    pieces: list[tuple[int, int]] = []
    start = 0
    for a, b in cuts:
        pieces.append((start, a))
        start = b
    pieces.append((start, len(sentence)))
    merged: list[tuple[int, int]] = []
    for a, b in pieces:
        text = sentence[a:b].strip()
        if merged:
            prev = sentence[merged[-1][0]:merged[-1][1]]
            if (
                zh.word_count(text) < 2
                or not has_content(text)
                or not has_content(prev)
                or _CONDITION_START.match(prev)
                or zh.CONDITION_START.match(prev)
            ):
                merged[-1] = (merged[-1][0], b)
                continue
        merged.append((a, b))
    return merged
