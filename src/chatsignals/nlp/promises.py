"""What the seller promised and claimed: the promises table (docs/PROMISES.md, CONTRACT.md).

Per seller message: sentences (``chat_sentences`` in the spaCy pipeline), then clauses that carry
their own promise, then for each clause

* grammar cues (:mod:`.clauses`): question, request, refusal, future, done, hedge, condition, "ok";
* a rule decision (commitment / claim / none, category) from those cues and the category words;
* the trained model (:mod:`.classifier`, TF-IDF n-grams + the cues and the rule decision as
  features), which has the last word on label and category when the shipped model is present;
* value (:mod:`.values`) and deadline window (:mod:`.deadlines`), always by rule.

Roles: only ``seller`` rows are analysed. When a conversation has no seller at all (the user named
nobody), its ``unknown`` rows are analysed instead; those promise rows keep ``role = "unknown"`` and
``DataFrame.attrs["notes"]`` says so. A seller's bare "ok / yes / no problem" right after a buyer's
request promises what was asked: it takes the request's category, value and deadline and points to
it in ``answers_message_id``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from ..table import finalize_promises, stable_id
from . import classifier, zh
from .clauses import Cues, cues_of, normalise, split_clauses
from .deadlines import Deadline, event_lookup, find_deadline
from .deadlines import _candidates as _deadline_candidates
from .pipeline import _EMOJI
from .values import Value, find_amounts, find_documents, find_quantities, find_value, spec_values

# --- category words -----------------------------------------------------------------------------

_DOC_NOUN = (
    r"invoice|\bpi\b|b/l|bill of lading|packing list|cert(?:ificate)?s?\s+(?:pdf|copy|file|scan)"
    r"|\bcert\b|report|photos?|pictures?|pics?|videos?|tracking|waybill|awb|documents?|\bcoa\b"
    r"|\bmsds\b|\bsds\b|certificate of origin|form e|drawings?|contract|catalog(?:ue)?|datasheet"
    r"|specification sheet|proof|artwork|(?:production|shipping|loading|revised|new|updated) schedule"
    r"|\bco\b|receipt|slip|telex|declaration|etgb"
    r"|hs code|size chart|lab dip (?:photo|picture)s?|\bdocs\b|certificates? (?:copy|of)|\border link|test result"
    r"|\bbl\b|shipping bill|insurance policy|a\.?tr\b|eur\.1|mock-?up|fcc id|flash data|e-?mail"
    r"|production plan|booking confirmation|\bpl\b|container (?:no|number)|proforma"
)
_QUALITY_STATE = re.compile(
    r"\b(?:have|has|with|certified|are|is|all|pass\w*)\b[^.]*\bcertificat|\bcertificat\w*\s+we have"
)
CATEGORY_WORDS: dict[str, re.Pattern[str]] = {
    k: re.compile(v)
    for k, v in {
        "refund": r"\b(?:refund\w*|compensat\w*|replace\w*|money back|return (?:the )?(?:money|goods)"
        r"|reimburs\w*|credit note|pay (?:you )?back|the difference|resend|remake|re-?make|change new"
        r"|send new|new ones|free of charge|cover (?:it|the)|compensation|take back|we return|i return"
        r"|discount (?:\d+ ?% )?for (?:the |this )?(?:wrong|problem|defect\w*|damage\w*|broken|mistake"
        r"|delay|late\w*))\b",
        "documents": rf"(?:{_DOC_NOUN})",
        "sample": r"\b(?:samples?|prototype|counter sample|pre-?production sample)\b",
        "communication": r"\b(?:update|updates|reply|tell you|inform you(?! that)|let you know|call"
        r"|(?:will|i|we) confirm (?:the|you|with)|talk to|spoke|report to|message|messages"
        r"|send you (?:an? )?e-?mail|status report|keep (?:you|us) informed"
        r"|contact you|revert|ask (?:my|the|our) \w+|i ask|we ask|check and|video call|voice message"
        r"|answer|get back|keep you posted|check and|feedback|notify|news|ask (?:the|our) (?:boss|factory)"
        r"|confirm with|check with|discuss)\b",
        "price": r"(?:\bprice\w*|\bcost\w*|\bdiscount\w*|\bsurcharge|\bper (?:pc|piece|set|unit|meter)"
        r"|\bquot\w+|\bcheaper|\bfob\b|\bcif\b|\bexw\b|\brates?\b|\bcharges?\b|\bfreight\b)",
        "payment": r"\b(?:deposit|balance|payment|paid|overpaid|t/t|tt|account|(?<!power )bank|paypal|western union"
        r"|transfer\w*|remittance|swift|l/c|money|credit|recie?ved|recived|trade assurance)\b",
        "quantity": r"\b(?:pcs|units|quantity|qty|pieces|cartons|ctns|sets|pallets|reels|rolls"
        r"|total \d[\d,]*|\d[\d,]* (?:pcs|units|sets|pieces))\b",
        "quality": r"\b(?:material|quality|grade|certified|certificates?|waterproof|brand new|original"
        r"|genuine|stainless|steel|cotton|capacity|pantone|colou?r|logo|printing|lamination|thickness"
        r"|standard|tested|test|made of|same as (?:the )?sample|fake|oak|wood|plastic|leather|fabric"
        r"|aluminium|aluminum|copper|brass|glass|finish(?:ing)? quality|spec\w*|size|weight"
        r"|registered|approved|compliant|rohs|ce\b|fcc|ul\b|qc|inspection|passed|efficiency|warranty"
        r"|layers?|corrugated|moisture|dried|fastness|print\w*|embroider\w*|matte|glossy"
        r"|scratch\w*|label\w*|packaging|carton|dyes?|organic|type[- ]c)\b",
        "delivery": r"\b(?:ship\w*|deliver\w*|production|produc\w*|finish\w*|ready|etd|eta|load\w*"
        r"|container|pick\w* up|dispatch\w*|pack\w*|delay\w*|lead time|arriv\w*|vessel|booking|book"
        r"|transit|complet\w*|start\w*|manufactur\w*|goods|fill\w*|depart\w*|send out|out of stock"
        r"|in stock|stock|courier|freight|forwarder|port|customs|workers|assembl\w*|on the way"
        r"|in transit|schedul\w*|mass production|mould|mold|lot|batch)\b",
    }.items()
}
_SEND = re.compile(
    r"\b(?:send|sent|sending|provide|attach\w*|share|upload|email|e-mail|give|prepare|forward"
    r"|issue|issued|show|shared|forward\w*|renew\w*|courier\w*|enclosed|mail)\b|\battached\b"
    r"|\bwith the shipment\b|" + zh.SEND
)
_RECURRING = re.compile(r"\b(?:every\s+(?:day|week|month|\w+day)|daily|weekly)\b")
_SHIPPED = re.compile(r"\b(?:shipped|dispatched|delivered|loaded|departed|picked up|sent out)\b|" + zh.SHIPPED)
_TRACKING = re.compile(r"\btracking\b|" + zh.TRACKING)
_SAMPLE_ACTION = re.compile(
    r"\b(?:send|sent|make|made|making|ship|prepare|ready|out|courier|dhl|fedex|ups|finish|do)\b"
)
_SAME_AS_SAMPLE = re.compile(
    r"same as (?:the |your |our )?(?:approved )?samples?|according to (?:the )?sample"
)
_TRIGGER = re.compile(r"[a-z\u4e00-\u9fff]", re.IGNORECASE)


def category_hits(norm: str) -> set[str]:
    """Every category whose words appear in the (normalised) clause."""
    return set(_category_hits(norm))


@lru_cache(maxsize=65536)
def _category_hits(norm: str) -> frozenset[str]:
    """:func:`category_hits`, once per text: a buyer's line is searched as the request a seller
    answers and as an earlier message that sets the topic, a one-clause line as its clause and
    as a message."""
    hits = {name for name, regex in CATEGORY_WORDS.items() if regex.search(norm)}
    if zh.has_cjk(norm):
        hits |= {name for name, regex in zh.CATEGORY_WORDS.items() if regex.search(norm)}
    return frozenset(hits)


def rule_category(norm: str, hits: set[str], deadline: Deadline | None, has_spec: bool) -> str | None:
    """One category by precedence: the specific action categories first, then what the clause is
    about. *Sending* a certificate is documents, *having* one is quality (docs/PROMISES.md).
    ``hits`` are found outside the deadline words, so "20 days after deposit" is not payment."""
    if _RECURRING.search(norm) and ("communication" in hits or "documents" in hits):
        return "communication"  # "i send you photos every week": recurring updates (README 14)
    if "sample" in hits and not _SAME_AS_SAMPLE.search(norm):
        return "sample"
    if "documents" in hits and _SHIPPED.search(norm) and _TRACKING.search(norm) \
            and not _SEND.search(norm):
        return "delivery"  # "goods shipped today by DHL, tracking 123": the claim is the shipping
    if "documents" in hits and (not _QUALITY_STATE.search(norm) or _SEND.search(norm)
                                or re.search(r"\bwill\b", norm)):
        return "documents"
    if "refund" in hits:
        return "refund"
    if "communication" in hits and not has_spec:
        return "communication"
    if "payment" in hits and "price" not in hits:
        return "payment"
    if "price" in hits or find_amounts(norm):
        return "price"
    if "delivery" in hits and deadline is not None:
        return "delivery"
    qty = find_quantities(norm)
    weak_spec = has_spec and all(a == "length" for a, _ in spec_values(norm))
    if qty and (not has_spec or weak_spec) and "quality" not in hits:
        return "quantity"
    if has_spec or "quality" in hits:
        return "quality"
    if "quantity" in hits or qty:
        return "quantity"
    if "delivery" in hits:
        return "delivery"
    if "documents" in hits:
        return "documents"
    return None


# --- one clause ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """What one clause promises (label ``none`` for everything else)."""

    label: str
    category: str | None
    strength: str | None
    deadline: Deadline | None
    value: Value | None
    condition: str | None
    confidence: float
    answers: bool = False  # a bare "ok" that takes the buyer's request as its content


@dataclass(frozen=True)
class ClauseInfo:
    """The date-independent analysis of one clause, cached per distinct text."""

    text: str
    norm: str
    cues: Cues
    hits: frozenset[str]
    has_spec: bool
    has_time: bool = False  # deadline words found (date-independent)

    @cached_property
    def has_value(self) -> bool:
        """A spec, amount, count or document is named. Worked out when first asked: most
        clauses answer the question by their category words first, and a buyer's request
        (whose features never ask) does not pay for it."""
        return self.has_spec or bool(find_amounts(self.norm) or find_quantities(self.norm)
                                     or find_documents(self.norm))

    @cached_property
    def tokens(self) -> tuple[str, ...]:
        """The model's cue and category-word tokens of the clause (the part of
        :func:`feature_tokens` that depends on nothing but its text)."""
        return (*self.cues.tokens(), *(f"hit_{h}" for h in sorted(self.hits)))


@lru_cache(maxsize=65536)
def clause_info(text: str) -> ClauseInfo:
    """Cues, category words and value presence of a clause (pure function of its text)."""
    cues = cues_of(text)
    norm = cues.text
    has_spec = bool(spec_values(text))
    span = find_deadline(text, _PROBE_DATE) if _has_time_words(norm) else None
    rest = norm if span is None else normalise(text[:span.start] + " " + text[span.end:])
    return ClauseInfo(text, norm, cues, frozenset(_hits_outside_condition(rest)), has_spec, span is not None)


def _hits_outside_condition(rest: str) -> set[str]:
    """Category words, not counting a Chinese condition's ("付清尾款后下周可以出货" is about
    shipping; the balance is its condition) unless nothing is left without it."""
    hits = category_hits(rest)
    if zh.has_cjk(rest):
        bare = category_hits(zh.CONDITION.sub(" ", rest))
        return bare or hits
    return hits


_PROBE_DATE = dt.date(2000, 6, 15)


def _future_window(deadline: Deadline | None, sent: dt.date) -> bool:
    """A deadline that still lies ahead (or is anchored on an event): a commitment's window."""
    if deadline is None:
        return False
    if deadline.anchor in ("message", "holiday") or deadline.event_anchored:
        return True
    latest = deadline.latest or deadline.earliest
    return latest is None or latest >= sent


def rule_label(info: ClauseInfo, deadline: Deadline | None, sent: dt.date, context_request: bool) -> str:
    """commitment / claim / none from the cues alone (docs/PROMISES.md's definitions)."""
    c = info.cues
    content = bool(info.hits) or info.has_value or deadline is not None
    if c.accept and context_request and (c.bare_accept or not (c.question or c.strong_refusal)):
        return "commitment"
    if c.question or c.request:
        return "none"
    if c.strong_refusal or (c.refusal and not c.state_negation):
        return "none"
    if c.state_negation:
        return "commitment"
    if not content:
        return "commitment" if c.future and c.first_person and c.words > 2 else "none"
    if c.info and not (info.hits - {"quality", "quantity"}):
        return "none"
    if c.future:
        return "commitment"
    past = c.done and (deadline is None or (deadline.latest or deadline.earliest or sent) < sent)
    if _future_window(deadline, sent) and not past and "already" not in info.norm \
            and not zh.PERFECTIVE.search(info.norm):
        return "commitment"
    return "claim"


def rule_strength(info: ClauseInfo, label: str, deadline: Deadline | None) -> str | None:
    """firm / hedged / conditional; conditional wins over hedged (docs/PROMISES.md)."""
    if label == "none":
        return None
    if info.cues.condition or (deadline is not None and (deadline.event_anchored
                                                         or deadline.anchor == "unknown")):
        return "conditional"
    if info.cues.hedge:
        return "hedged"
    return "firm"


_SMALL_TALK = re.compile(
    r"^(?:(?:ok(?:ay)?|thanks?|thank you|thx|great|good|nice|fine|cool|hi|hello|dear|bye|"
    r"received|got it|noted|perfect|👍|🙏|😊)[\s,!.]*)+$"
)


@lru_cache(maxsize=65536)
def is_request(text: str | None) -> bool:
    """The other party's message gives the seller something to agree to (a request, a question,
    a proposal, a statement of need) rather than thanks or a greeting."""
    if not text or not text.strip():
        return False
    return not (_SMALL_TALK.match(" ".join(text.lower().split())) or zh.is_greeting(text))


def analyze_clause(
    text: str,
    sent: dt.date,
    events: Any = None,
    context: str | None = None,
    model: classifier.PromiseModel | None = None,
) -> Decision:
    """The full decision for one clause of a seller message (used by evaluate and the tests)."""
    return decide([text], [sent], [events], [context], model)[0]


def _deadline_for(info: ClauseInfo, sent: dt.date, lookup: Any) -> Deadline | None:
    if not info.has_time:
        return None
    return find_deadline(info.text, sent, lookup)


_TIME_WORDS = re.compile(
    r"\d|today|tonight|tomorrow|tmr|week|month|day|monday|tuesday|wednesday|thursday|friday|"
    r"saturday|sunday|jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|cny|new year|festival|holiday|"
    r"deposit|payment|balance|sample|order|shipment|delivery|receipt|arrival|golden|national|after|once"
    r"|when|upon|soon|wk|b4|valid|明天|下周|本周|这周|下个月|天后"
)


def _has_time_words(norm: str) -> bool:
    return bool(_TIME_WORDS.search(norm) or zh.TIME_WORDS.search(norm))


def decide(
    texts: list[str],
    sents: list[dt.date],
    events: list[Any],
    contexts: list[str | None],
    model: classifier.PromiseModel | None = None,
    use_model: bool = True,
    full: bool = False,
    topics: list[str | None] | None = None,
) -> list[Decision]:
    """Decisions for many clauses at once (the model predicts in one batch). ``model`` defaults to
    the shipped one; ``use_model=False`` gives the rules alone (for comparison in evaluate);
    ``full=True`` fills category, strength and deadline even for ``none`` (to score each part of
    the stage on every gold promise, independent of detection). ``topics`` are the
    conversation's topic per clause (:func:`conversation_topics`), a feature of the model."""
    if topics is None:
        topics = [None] * len(texts)
    if not use_model:
        model = None
    elif model is None:
        model = classifier.load_model()
    prepared = []
    # one clause comes with many requests and topics: its deadline is found once per date and
    # events, its rule category (which asks only whether there is a deadline) once
    deadlines: dict[tuple[str, dt.date, int], Deadline | None] = {}
    categories: dict[tuple[str, bool], str | None] = {}
    lookups: dict[int, Any] = {}
    for text, sent, ev, ctx, topic in zip(texts, sents, events, contexts, topics, strict=True):
        info = clause_info(text)
        if id(ev) not in lookups:  # ``events`` holds ``ev``: its id is unique during the call
            lookups[id(ev)] = event_lookup(ev)
        lookup = lookups[id(ev)]
        at = (text, sent, id(ev))
        if at not in deadlines:
            deadlines[at] = _deadline_for(info, sent, lookup)
        deadline = deadlines[at]
        ctx_request = is_request(ctx)
        about = (text, deadline is not None)
        if about not in categories:
            categories[about] = rule_category(info.norm, set(info.hits), deadline, info.has_spec)
        # the rule decision, worked out once: the model sees it as features, then it is combined
        rules = (rule_label(info, deadline, sent, ctx_request), categories[about])
        prepared.append((info, sent, lookup, ctx, ctx_request, deadline, topic, rules))
    predictions: list[classifier.Prediction | None] | None = None
    if model is not None and prepared:
        predictions = _predict(model, prepared)
    out = []
    for i, (info, sent, lookup, ctx, ctx_request, deadline, _topic, rules) in enumerate(prepared):
        label, category = rules
        confidence = 0.6
        pred = predictions[i] if predictions is not None else None
        if pred is not None and not _hard_none(info, ctx_request) and not zh.mostly_chinese(info.text):
            label, category, confidence = _combine(label, category, pred)
        out.append(_finish(info, sent, lookup, ctx, ctx_request, deadline, label, category, confidence,
                           full))
    return out


#: how much the rule's category adds to the model's probability for it: the rules know words the
#: small training set never showed the model ("CPC", "galvanized"), the model knows wordings the
#: rules miss; chosen by grouped cross-validation on the training split (MODEL_CARD.md)
RULE_CATEGORY_BONUS = float(os.environ.get("CHATSIGNALS_RULE_BONUS", "0.25"))


def _predict(model: classifier.PromiseModel, prepared: list[tuple[Any, ...]]) -> list[
        classifier.Prediction | None]:
    """Model predictions, one per distinct input, None where the prefilter says no promise."""
    keys: list[tuple[str, str] | None] = []
    firsts: dict[tuple[str, str], classifier.FeatureRow] = {}
    for item in prepared:
        info, sent, _lookup, ctx, ctx_request, deadline, topic, rules = item
        if not _worth_model(item):
            keys.append(None)
            continue
        row = classifier.FeatureRow(model_text(info, ctx, ctx_request),
                                    feature_tokens(info, deadline, sent, ctx, ctx_request, topic, rules))
        key = (row.text, " ".join(row.tokens))
        firsts.setdefault(key, row)
        keys.append(key)
    order = {k: n for n, k in enumerate(firsts)}
    predicted = model.predict(list(firsts.values())) if firsts else []
    return [predicted[order[k]] if k is not None else None for k in keys]


def _worth_model(prepared: tuple[Any, ...]) -> bool:
    """Cheap prefilter: a clause with no category word, value, deadline, future/done cue or
    request to answer cannot be a promise; the model is not asked (greetings, thanks, emoji)."""
    info, ctx_request = prepared[0], prepared[4]
    c = info.cues
    return bool(info.hits or info.has_value or info.has_time or c.future or c.done or c.ready
                or c.state or c.words >= 4 or (c.accept and ctx_request))


def _hard_none(info: ClauseInfo, ctx_request: bool) -> bool:
    """Refusals ("we cannot ship before CNY") and real questions are never promises, whatever the
    n-grams say: docs/PROMISES.md defines them out."""
    c = info.cues
    if c.accept and ctx_request and not c.strong_refusal:
        return False
    return c.strong_refusal or info.norm.rstrip().endswith("?")


def _combine(label: str, category: str | None, pred: classifier.Prediction) -> tuple[str, str | None, float]:
    """The model's label (it saw the rule decision as features) and a blend of the model's
    category probabilities with the rule's category."""
    new_category = pred.category or category
    if pred.category_proba:
        scores = dict(pred.category_proba)
        if category is not None:
            scores[category] = scores.get(category, 0.0) + RULE_CATEGORY_BONUS
        new_category = max(scores, key=scores.__getitem__)
    return pred.label, new_category, float(pred.label_proba)


def _finish(
    info: ClauseInfo,
    sent: dt.date,
    lookup: Any,
    ctx: str | None,
    ctx_request: bool,
    deadline: Deadline | None,
    label: str,
    category: str | None,
    confidence: float,
    full: bool = False,
) -> Decision:
    if label == "none" and not full:
        return Decision("none", None, None, None, None, None, confidence)
    answers = info.cues.accept and ctx_request and ctx is not None
    value = _value(info.text, category)
    if answers and ctx is not None:
        ctx_info = clause_info(ctx)
        ctx_deadline = _deadline_for(ctx_info, sent, lookup)
        if category is None:
            category = rule_category(ctx_info.norm, set(ctx_info.hits), ctx_deadline, ctx_info.has_spec)
        deadline = deadline or ctx_deadline
        value = value or _value(ctx, category)
    if category is None:
        # no category word at all: a statement about the goods ("lid is BPA free PP", "we use
        # E1 board") is quality; an action without an object ("sending now") is delivery
        category = "quality" if info.cues.state or re.search(r"\b(?:use|using)\b", info.norm) \
            else "delivery"
    strength = rule_strength(info, "commitment" if label == "none" else label, deadline)
    if label == "claim" and strength == "conditional":
        strength = "firm"
    return Decision(label, category, strength, deadline, value, info.cues.condition, confidence, answers)


@lru_cache(maxsize=65536)
def _value(text: str, category: str | None) -> Value | None:
    """:func:`find_value` (pure, its Value immutable) once per clause and category: a chat
    repeats one wording on many days, each its own decision."""
    return find_value(text, category)


def model_text(info: ClauseInfo, ctx: str | None, ctx_request: bool) -> str:
    """The words the model reads: the clause, plus the request it accepts ("ok dear" alone says
    nothing about the category; the buyer's "pls send the invoice" does)."""
    if ctx and ctx_request and info.cues.accept:
        return f"{info.text} || {ctx}"
    return info.text


def feature_tokens(
    info: ClauseInfo, deadline: Deadline | None, sent: dt.date, ctx: str | None, ctx_request: bool,
    topic: str | None = None, rules: tuple[str, str | None] | None = None,
) -> list[str]:
    """The grammar and rule features the trained model sees beside the n-grams; ``topic`` is
    what the conversation was just about (:func:`conversation_topics`); ``rules`` the clause's
    (:func:`rule_label`, :func:`rule_category`) when the caller has them already."""
    if rules is None:
        rules = (rule_label(info, deadline, sent, ctx_request),
                 rule_category(info.norm, set(info.hits), deadline, info.has_spec))
    label, category = rules
    toks = [*info.tokens, f"rule_label_{label}", f"rule_cat_{category or 'none'}"]
    if topic:
        toks.append(f"topic_{topic}")
    if deadline is not None:
        toks += ["has_deadline", f"anchor_{deadline.anchor}"]
    if info.has_spec:
        toks.append("has_spec")
    if info.has_value:
        toks.append("has_value")
    if ctx_request and ctx:
        toks += _context_tokens(ctx)
    return toks


@lru_cache(maxsize=65536)
def _context_tokens(ctx: str) -> tuple[str, ...]:
    """The features of the request a clause may answer (a pure function of its text, worked out
    once per request: several clauses and dates may share it)."""
    ctx_info = clause_info(ctx)
    toks = ["ctx_request"] + [f"ctx_hit_{h}" for h in sorted(ctx_info.hits)]
    ctx_cat = rule_category(ctx_info.norm, set(ctx_info.hits), None, ctx_info.has_spec)
    toks.append(f"ctx_cat_{ctx_cat or 'none'}")
    if ctx_info.cues.question:
        toks.append("ctx_question")
    return tuple(toks)


# --- conversation topic -------------------------------------------------------------------------

#: how many earlier messages of the conversation may set its topic (grouped CV on the training
#: split: 1-2 beat 0, 3 and 5; MODEL_CARD.md)
TOPIC_WINDOW = 2


@lru_cache(maxsize=65536)
def message_topic(text: str) -> str | None:
    """The category a message is about by its category words alone (the rules' precedence), or
    None. Deliberately lighter than :func:`clause_info` (no specs, deadlines or values): it runs
    on every earlier message, most of which are never promises."""
    norm = normalise(text)
    return rule_category(norm, category_hits(norm), None, False)


def conversation_topics(conversations: Sequence[Any], texts: Sequence[str | None],
                        wanted: Sequence[bool] | None = None,
                        window: int = TOPIC_WINDOW) -> list[str | None]:
    """For each row (in conversation order), the topic of the nearest of the ``window`` earlier
    messages of its conversation that has one. Terse lines take their category from what was
    just discussed: "sent" after "sample ready tomorrow" is about the sample, "finance is
    processing" after a refund chase is about the refund. ``wanted`` limits the work to the rows
    that need a topic (the earlier rows are still read)."""
    recent: dict[Any, list[str]] = {}
    out: list[str | None] = [None] * len(texts)
    for i, (conv, text) in enumerate(zip(conversations, texts, strict=True)):
        earlier = recent.setdefault(conv, [])
        if wanted is None or wanted[i]:
            out[i] = next((t for t in map(message_topic, reversed(earlier)) if t), None)
        if isinstance(text, str) and text.strip():
            earlier.append(text)
            del earlier[:-window]
    return out


# --- the table ----------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except Exception:
        return ZoneInfo("UTC")


def analysed_rows(messages: pd.DataFrame) -> tuple[pd.Series, list[str]]:
    """Which rows are the seller's (a boolean mask) and notes on any role assumption."""
    text_ok = messages["text"].notna() & ~messages["is_system"].astype(bool)
    role = messages["role"].fillna("unknown")
    seller_convs = set(messages.loc[role == "seller", "conversation_id"].dropna())
    no_seller = ~messages["conversation_id"].isin(seller_convs)
    mask = text_ok & ((role == "seller") | (no_seller & (role == "unknown")))
    notes = []
    assumed = messages.loc[mask & (role == "unknown"), "conversation_id"].dropna().unique()
    if len(assumed):
        notes.append(
            f"{len(assumed)} conversation(s) name no seller: their unknown-role messages were "
            "analysed as possible seller messages (promise rows keep role 'unknown'); pass --seller"
        )
    return mask, notes


def _contexts(messages: pd.DataFrame) -> tuple[list[str | None], list[str | None]]:
    """For each row, the immediately preceding non-system message of another sender in the same
    conversation (the request an "ok" may answer) and its message_id."""
    texts: list[str | None] = [None] * len(messages)
    ids: list[str | None] = [None] * len(messages)
    prev: dict[Any, tuple[Any, Any, Any]] = {}
    conv = messages["conversation_id"].tolist()
    sender = messages["sender"].tolist()
    role = messages["role"].tolist()
    text = messages["text"].tolist()
    mid = messages["message_id"].tolist()
    system = messages["is_system"].tolist()
    for i in range(len(messages)):
        if system[i] or text[i] is None or text[i] is pd.NA:
            continue
        last = prev.get(conv[i])
        if last is not None and last[0] != (sender[i], role[i]) and last[0][1] != "seller":
            texts[i], ids[i] = last[1], last[2]
        prev[conv[i]] = ((sender[i], role[i]), text[i], mid[i])
    return texts, ids


@lru_cache(maxsize=65536)
def message_clauses(text: str) -> tuple[tuple[int, str, str], ...]:
    """(sentence index, sentence, clause) for each clause of a message text."""
    return _clauses_of(text, _sentences(text))


def _sentences(text: str) -> list[str]:
    from .pipeline import get_nlp

    return [s.text.strip() for s in get_nlp()(text).sents if s.text.strip()]


def _clauses_of(text: str, sentences: list[str]) -> tuple[tuple[int, str, str], ...]:
    out = []
    # a Chinese sentence ends at "。" with no space after it, where the tokenizer does not cut
    pieces = [piece for sentence in sentences for piece in zh.split_sentences(sentence)]
    for i, sentence in enumerate(pieces):
        for a, b in split_clauses(sentence, _has_content):
            clause = sentence[a:b].strip(" ,;")
            if clause:
                out.append((i, sentence, clause))
    return tuple(out)


@lru_cache(maxsize=65536)
def _has_content(piece: str) -> bool:
    """A clause that makes a promise of its own: a future/done/ready cue or deadline words, plus
    something it is about (a category word, an amount or count). Deliberately lighter than
    :func:`clause_info` (no spec or document search): it only decides where to cut."""
    c = cues_of(piece)
    if c.question or c.request:
        return True
    has_time = _has_time_words(c.text) and bool(_deadline_candidates(piece))
    if not (c.future or c.done or c.ready or has_time):
        return False
    about = bool(category_hits(c.text)) or bool(find_amounts(c.text) or find_quantities(c.text))
    if not (c.future or c.done or c.ready):
        # a bare time phrase ("..., around Feb 10") pins down its neighbour's date; alone it
        # promises nothing unless it names what ("sample next week")
        return has_time and about
    return has_time or about


def _prime_sentences(texts: list[str]) -> None:
    """Split many distinct texts with ``nlp.pipe`` (batched) and fill the per-text cache."""
    from .pipeline import get_nlp

    todo = []
    for text in dict.fromkeys(texts):
        if not _TRIGGER.search(text):
            continue
        if _one_sentence(text):  # cheap prefilter: most chat lines are one sentence
            _CLAUSE_CACHE[text] = _clauses_of(text, [text.strip()])
        else:
            todo.append(text)
    if not todo:
        return
    nlp = get_nlp()
    # sentence boundaries are all this step needs: the lemmatizer is skipped for speed
    disabled = [name for name in ("lemmatizer",) if name in nlp.pipe_names]
    for text, doc in zip(todo, nlp.pipe(todo, batch_size=1000, disable=disabled), strict=True):
        sentences = [s.text.strip() for s in doc.sents if s.text.strip()]
        _CLAUSE_CACHE[text] = _clauses_of(text, sentences)


_CLAUSE_CACHE: dict[str, tuple[tuple[int, str, str], ...]] = {}
_BOUNDARY = re.compile(r"[.!?;。！？；…\n\r\u2028]|" + _EMOJI.pattern)


def _one_sentence(text: str) -> bool:
    """No sentence boundary before the end (no line break, stop, emoji inside): spaCy would
    return the whole text as one sentence, so it is not asked."""
    return _BOUNDARY.search(_TRAILING.sub("", text)) is None


_TAIL_CHAR = r"(?:[.!?;。！？；…\s\ufe0f\u200d]|" + _EMOJI.pattern + r")"
#: the run of stops, blanks and emoji at the end; tried only from the start of a run (from inside
#: one, a long run of spaces not at the end was rescanned from every position: quadratic)
_TRAILING = re.compile(rf"(?<!{_TAIL_CHAR}){_TAIL_CHAR}++$")


def _clauses_cached(text: str) -> tuple[tuple[int, str, str], ...]:
    found = _CLAUSE_CACHE.get(text)
    if found is None:
        found = message_clauses(text)
    return found


def _local_dates(messages: pd.DataFrame) -> list[dt.date | None]:
    """Each row's local date, converted per distinct zone (vectorised: 100k rows, few zones)."""
    stamps = messages["timestamp"]
    zones = messages["timezone"] if "timezone" in messages.columns else pd.Series(
        [None] * len(messages), index=messages.index)
    out: list[dt.date | None] = [None] * len(messages)
    names = zones.astype("object").where(zones.notna(), "UTC").map(lambda z: str(z).split(" ")[0])
    for name, positions in names.groupby(names).groups.items():
        idx = messages.index.get_indexer(positions)
        local = stamps.iloc[idx].dt.tz_convert(_zone(str(name)))
        for j, value in zip(idx, local.dt.date, strict=True):
            out[j] = None if pd.isna(value) else value
    return out


def extract_promises(messages: pd.DataFrame, facts: Any = None) -> pd.DataFrame:
    """The promises table (PROMISE_COLUMNS) for a message table; ``facts`` (a Facts object with
    ``event_date(kind)`` or a dict {kind: date}) resolves event-anchored deadlines."""
    if messages is None or len(messages) == 0:
        return finalize_promises(pd.DataFrame())
    messages = messages.reset_index(drop=True)
    mask, notes = analysed_rows(messages)
    ctx_texts, ctx_ids = _contexts(messages)
    text_col = messages["text"].tolist()
    idx = [i for i in mask[mask].index if _TRIGGER.search(str(text_col[i]))]
    texts = [str(text_col[i]) for i in idx]
    _CLAUSE_CACHE.clear()
    _prime_sentences(texts)
    dates = _local_dates(messages)
    topics = _topics(messages, idx)
    today = dt.date.today()
    jobs: list[tuple[int, int, str, str, int]] = []
    keys: list[tuple[str, dt.date, str | None, str | None]] = []
    for i, text in zip(idx, texts, strict=True):
        sent = dates[i] or today
        clauses = _clauses_cached(text)
        seen: dict[int, int] = {}  # clauses so far per sentence (a linear count: a hostile
        for s_index, sentence, clause in clauses:  # message may hold 100,000s of them)
            sub = seen.get(s_index, 0)
            seen[s_index] = sub + 1
            jobs.append((i, s_index, sentence, clause, sub))
            keys.append((clause, sent, ctx_texts[i] if s_index == 0 else None, topics[i]))
    unique = list(dict.fromkeys(keys))  # one decision per distinct (clause, date, request, topic)
    decided = decide([k[0] for k in unique], [k[1] for k in unique], [facts] * len(unique),
                     [k[2] for k in unique], topics=[k[3] for k in unique])
    by_key = dict(zip(unique, decided, strict=True))
    cols = {c: messages[c].tolist() for c in ("message_id", "conversation_id", "sender", "role")}
    kept = [(job, key) for job, key in zip(jobs, keys, strict=True) if by_key[key].label != "none"]
    rows = [
        _row(cols, i, s_index, sentence, clause, sub, by_key[key], ctx_ids[i], dates[i] is None)
        for (i, s_index, sentence, clause, sub), key in kept
    ]
    frame = pd.DataFrame(rows)
    if len(frame):  # taken as one array, not 100,000s of Timestamp objects; all-NaT stays UTC
        stamps = messages["timestamp"].array.take([job[0] for job, _key in kept])
        frame["timestamp"] = pd.to_datetime(stamps, utc=True)
    table = finalize_promises(frame)
    table.attrs["notes"] = notes
    return table


def _topics(messages: pd.DataFrame, rows: list[int]) -> list[str | None]:
    """The conversation topic (:func:`conversation_topics`) of the rows to decide, from the
    non-system messages before them."""
    text = messages["text"].where(~messages["is_system"].astype(bool), None).tolist()
    wanted = [False] * len(messages)
    for i in rows:
        wanted[i] = True
    return conversation_topics(messages["conversation_id"].tolist(), text, wanted)


#: the longest sentence a promise row quotes whole; past it the row quotes the clause with this
#: much of the sentence on either side (the message keeps the rest). A pasted wall of text is one
#: "sentence" of 100,000s of characters, and each of its thousands of clauses would copy it.
MAX_QUOTED_SENTENCE = 600
QUOTE_CONTEXT = 200


def quoted_sentence(sentence: str, clause: str, focus: str | None = None) -> str:
    """The sentence a promise quotes: the whole sentence, or for a very long one the clause in
    its immediate context (a very long clause: the part around ``focus``, the deadline words),
    cut at word boundaries and marked with "…"."""
    if len(sentence) <= MAX_QUOTED_SENTENCE:
        return sentence
    at = sentence.find(clause)
    if at < 0:
        sentence, at = clause, 0
    if len(clause) > MAX_QUOTED_SENTENCE - 2 * QUOTE_CONTEXT:
        found = sentence.find(focus, at, at + len(clause)) if focus else -1
        centre = found if found >= 0 else at
        start, end = max(0, centre - QUOTE_CONTEXT), centre + len(focus or "") + QUOTE_CONTEXT
    else:
        start, end = max(0, at - QUOTE_CONTEXT), at + len(clause) + QUOTE_CONTEXT
    end = min(len(sentence), end)
    if start > 0 and " " in sentence[start:start + QUOTE_CONTEXT // 2]:
        start = sentence.index(" ", start) + 1
    if end < len(sentence) and " " in sentence[end - QUOTE_CONTEXT // 2:end]:
        end = sentence.rindex(" ", 0, end)
    return ("…" if start > 0 else "") + sentence[start:end].strip() + ("…" if end < len(sentence) else "")


def _row(
    cols: dict[str, list[Any]], i: int, s_index: int, sentence: str, clause: str, sub: int,
    d: Decision, answers_id: str | None, undated: bool = False,
) -> dict[str, Any]:
    message_id = cols["message_id"][i]
    part = s_index if sub == 0 else f"{s_index}.{sub}"
    deadline = d.deadline
    if undated and deadline is not None and deadline.anchor in ("message", "holiday", "absolute"):
        # a message without a time has no reference date: name the anchor, never guess dates
        deadline = replace(deadline, earliest=None, latest=None)
    return {
        "promise_id": stable_id("P", message_id, part),
        "message_id": message_id,
        "conversation_id": cols["conversation_id"][i],
        "timestamp": None,  # filled for all rows at once by extract_promises
        "sender": cols["sender"][i],
        "category": d.category,
        "kind": d.label,
        "text": quoted_sentence(sentence, clause, deadline.text if deadline else None),
        "strength": d.strength,
        "deadline_earliest": deadline.earliest if deadline else None,
        "deadline_latest": deadline.latest if deadline else None,
        "deadline_anchor": deadline.anchor if deadline else None,
        "value": d.value.text if d.value else None,
        "role": cols["role"][i],
        "deadline_text": deadline.text if deadline else None,
        "condition": d.condition,
        "answers_message_id": answers_id if d.answers else None,
        "confidence": round(d.confidence, 3),
        "attribute": d.value.attribute if d.value else None,
        "clause": clause,
    }


__all__ = ["Decision", "analyze_clause", "decide", "extract_promises"]
