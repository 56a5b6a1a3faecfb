"""Contradictions: what the seller promised or claimed against later messages and the case facts.

Each finding quotes the promise, gives the dates and says by how much it was missed, in ONE
sentence a buyer can paste into a dispute. It is an indicator for a person to weigh, never a
verdict, so every rule stays quiet on the common honest cases: a delay announced before the
deadline and then met, a spec the inspection confirms, a partial shipment the buyer agreed to, a
buyer asking whether the account changed.

Rules (CONTRACT.md): delivery.missed_deadline, delivery.shifting_deadline,
delivery.claim_vs_record, quality.spec_mismatch, quantity.shortfall,
price.changed_after_agreement, payment.account_changed.
"""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, TypeVar

import pandas as pd
from rapidfuzz import fuzz

from ..facts import as_facts
from ..nlp import calendar as cncal
from ..nlp.bank import BankAccount, account_from_details, extract_bank_details, normalise_name
from ..nlp.deadlines import EVENT_KINDS, find_deadline
from ..nlp.specs import Spec, compare_specs, find_specs, spec_key
from ..nlp.values import AMOUNT_RE, CURRENCIES, QUANTITY_RE, UNITS
from ..table import finalize_findings, finalize_promises, stable_id
from .message_events import SENTENCE, EventBook, local_day, message_events

KIND = "contradiction"
Date = dt.date


# --- shared context --------------------------------------------------------------------------------


@dataclass
class Msg:
    """The parts of a message row the rules use."""

    message_id: str
    conversation_id: str
    timestamp: Any
    day: Date | None
    role: str
    text: str
    is_system: bool

    @property
    def from_buyer(self) -> bool:
        return self.role == "buyer"


@dataclass
class Context:
    """Everything the rules share, built once per call."""

    messages: list[Msg]
    by_id: dict[str, Msg]
    promises: pd.DataFrame
    facts: Any
    as_of: Date
    book: EventBook
    stated: pd.DataFrame  # events stated in messages (message_events)
    promise_ids_by_message: dict[str, list[str]] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def build(cls, messages: pd.DataFrame, promises: pd.DataFrame | None, facts: Any,
              as_of: Date) -> Context:
        rows = _messages(messages)
        promises = finalize_promises(promises if promises is not None else pd.DataFrame())
        promises = promises.sort_values("timestamp", kind="mergesort").reset_index(drop=True)
        stated = message_events(messages) if len(messages) else message_events(messages.iloc[:0])
        by_msg: dict[str, list[str]] = {}
        for pid, mid in zip(promises["promise_id"], promises["message_id"], strict=True):
            by_msg.setdefault(str(mid), []).append(str(pid))
        return cls(rows, {m.message_id: m for m in rows}, promises, facts, as_of,
                   EventBook(facts, stated), stated, by_msg)

    def conversation(self, conversation_id: str) -> list[Msg]:
        """The conversation's messages in time order (grouped once)."""
        if "by_conversation" not in self.cache:
            groups: dict[str, list[Msg]] = {}
            for m in self.messages:
                groups.setdefault(m.conversation_id, []).append(m)
            self.cache["by_conversation"] = groups
        return list(self.cache["by_conversation"].get(conversation_id, []))

    def promise_day(self, p: Any) -> Date | None:
        msg = self.by_id.get(str(p.message_id))
        if msg is not None and msg.day is not None:
            return msg.day
        return local_day(p.timestamp)


def _messages(messages: pd.DataFrame) -> list[Msg]:
    out = []
    zones = messages["timezone"] if "timezone" in messages.columns else [None] * len(messages)
    for row, zone in zip(messages.itertuples(index=False), zones, strict=True):
        text = row.text if isinstance(row.text, str) else ""
        role = row.role if isinstance(row.role, str) else "unknown"
        out.append(Msg(str(row.message_id), str(row.conversation_id), row.timestamp,
                       local_day(row.timestamp, zone), role, text, bool(row.is_system)))
    out.sort(key=lambda m: (m.day or Date.max, _ts_key(m.timestamp)))
    return out


def _ts_key(ts: Any) -> float:
    return float("inf") if ts is None or pd.isna(ts) else pd.Timestamp(ts).timestamp()


def _quote(text: Any, limit: int = 140) -> str:
    words = " ".join(str(text).split())
    if len(words) > limit:
        words = words[: limit - 1].rsplit(" ", 1)[0] + "…"
    return f"\u201c{words.replace(chr(0x201c), '').replace(chr(0x201d), '')}\u201d"


def _day(value: Any) -> Date:
    return pd.Timestamp(value).date()


def _d(day: Any) -> str:
    return pd.Timestamp(day).date().isoformat()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _finding(ctx: Context, rule_id: str, severity: str, title: str, explanation: str,
             message_ids: Iterable[Any], promise_ids: Iterable[Any], score: float,
             evidence: str, id_parts: Iterable[Any] = ()) -> dict[str, Any]:
    mids = [str(m) for m in dict.fromkeys(m for m in message_ids if m is not None and not pd.isna(m))]
    pids = [str(p) for p in dict.fromkeys(p for p in promise_ids if p is not None and not pd.isna(p))]
    cited = sorted((ctx.by_id[m] for m in mids if m in ctx.by_id), key=lambda m: _ts_key(m.timestamp))
    first = cited[0] if cited else None
    return {
        "finding_id": stable_id("F", rule_id, *mids, *id_parts),
        "rule_id": rule_id, "kind": KIND, "severity": severity, "title": title,
        "explanation": explanation, "message_ids": mids, "promise_ids": pids,
        "score": round(max(0.0, min(1.0, score)), 3),
        "conversation_id": first.conversation_id if first else None,
        "timestamp": first.timestamp if first else None, "evidence": evidence,
    }


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without ``attrs``: pandas deep-copies attrs on every operation, which made a
    large promise table (its attrs carry notes) many times slower to filter."""
    if not frame.attrs:
        return frame
    frame = frame.copy(deep=False)
    frame.attrs = {}
    return frame


def find_contradictions(messages: pd.DataFrame, promises: pd.DataFrame | None, facts: Any,
                        as_of: Date) -> pd.DataFrame:
    """Every contradiction finding for the case (finalize_findings rows, kind contradiction)."""
    if messages is None:
        messages = pd.DataFrame(columns=["message_id", "conversation_id", "timestamp", "role",
                                         "text", "is_system", "attachments"])
    promises = promises if promises is not None else pd.DataFrame()
    ctx = Context.build(_plain(messages), _plain(promises), as_facts(facts), as_of)
    rows: list[dict[str, Any]] = []
    for rule in (missed_deadlines, missed_refunds, shifting_deadlines, claims_vs_record, spec_mismatches,
                 quantity_shortfalls, price_changes, account_changes):
        rows.extend(rule(ctx))
    frame = finalize_findings(pd.DataFrame(rows))
    return frame.drop_duplicates("finding_id").reset_index(drop=True)


# --- delivery: deadlines -----------------------------------------------------------------------

_ARRIVAL = re.compile(r"\b(?:arriv\w*|reach(?:es)?\s+(?:you|your|hamburg|port)|eta|in\s+your\s+hands|"
                      r"you\s+(?:will\s+)?(?:receive|get)\s+(?:the\s+)?goods|delivered\s+to\s+you)\b"
                      r"|到港|到货|送达|收到货", re.I)
_PRODUCTION = re.compile(r"\b(?:produc\w*|finish\w*|ready|complet\w*|manufactur\w*|done)\b"
                         r"|生产|完成|做好", re.I)
_WORKING = re.compile(r"working|business|工作日", re.I)
_PAYMENT_ANCHORS = ("deposit", "balance", "payment")
_REPROMISE = re.compile(r"\b(?:delay\w*|sorry|because|due\s+to|postpon\w*|late|unfortunately|problem"
                        r"|reschedul\w*|new\s+date|need\s+more\s+time|extend\w*)\b|抱歉|不好意思|推迟|延迟"
                        r"|延期|因为|延误|耽误|晚了", re.I)
_EXCUSE_PATTERNS = (
    re.compile(r"\b(?:because(?:\s+of)?|due\s+to|caused\s+by|since)\s+([^.,;!?\n]{3,80})", re.I),
    # the reason stated as a fact: "Cotton yarn arrived late", "the truck was not available",
    # "our dyeing house had a machine breakdown". The reason starts outside a word and the
    # keyword's first letter is checked before its alternatives: tried from every character,
    # each start costing a 60-character scan, long texts took a tenth of a second per search
    re.compile(r"(?<!\w)([^.,;!?\n]{2,60}\b(?=[acwi])(?:arrived|came|was|were|is|are)\s+(?:\w+\s+)?late\b)",
               re.I),
    re.compile(r"(?<!\w)([^.,;!?\n]{2,60}\b(?=[bnpstoh])(?:breakdown|broke\s+down|broken|not\s+available|shortage|"
               r"power\s+cut|strike|typhoon|storm|sick|out\s+of\s+stock|holiday)\b[^.,;!?\n]{0,30})",
               re.I),
    re.compile(r"([^.,;!?\n]{0,60}\bdelay(?:ed|s)?\b[^.,;!?\n]{0,40})", re.I),
    re.compile(r"因为([^，。；！？\n]{2,40})"),
    # Chinese, the reason stated as a fact: "国庆放假工人回来晚了", "电镀厂排期延误"
    re.compile(r"([^，。；！？,.;!?\n]{0,20}(?:延误|延迟|推迟|晚了|放假|停电|限电|缺料|缺货|坏了|生病|台风"
               r"|出差)[^，。；！？,.;!?\n]{0,20})"),
    re.compile(r"(\bsorry\b[^.;!?\n]{0,80})", re.I),
)


_DELIVERS = re.compile(
    r"\b(?:ship\w*|send|sent|deliver\w*|dispatch\w*|etd|eta|loading|loaded|load\s+(?:the\s+)?"
    r"(?:container|goods|truck)|ready|finish\w*|complet\w*|"
    r"done|arriv\w*|reach\w*|(?:production|lead|delivery)\s+time|out\s+of\s+(?:the\s+)?factory)\b"
    r"|发货|出货|完成|做好|到货|交货", re.I)


_REFUNDS = re.compile(r"\b(?:refund\w*|pay\w*\s+(?:you\s+)?back|money\s+back|compensat\w*|"
                      r"reimburs\w*|the\s+difference|credit\s+note)\b|退款|退钱|赔", re.I)
#: a delivery promise is about goods only when its message says so ("will finish before March 25"
#: in a message about production), not "finish our Christmas shopping" or "arriving on Wednesday"
_GOODS = re.compile(
    r"\b(?:goods|production|produc(?:e|ing|ed)|order|shipment|ship(?:ping|ped)?|container|cargo|pcs|"
    r"units|factory|bulk|delivery|parcel|package|items?|products?|samples?|reels?|cartons?|pallets?|"
    r"etd|eta|b/l|tracking|loading|loaded|truck|vessel|booking)\b|货|生产|订单|工厂|装柜", re.I)
#: a deadline further than this from the promise is a misread date, not a lead time
_MAX_HORIZON_DAYS = 366
#: a deadline is only checked against the records when the promise says what is due by it: the
#: goods made/shipped/arrived (not "production start today"), or money paid back
_CHECKABLE = {"delivery": _DELIVERS, "refund": _REFUNDS}


@lru_cache(maxsize=8192)
def _has(rx: re.Pattern[str], text: str) -> bool:
    """``rx.search(text)``, remembered: every clause of a long sentence is a promise of its own
    that carries the whole sentence, and each would search it again."""
    return rx.search(text) is not None


def _stage(text: str) -> str:
    """Which delivery a promise is about: arrival at the buyer, or the goods leaving the seller
    (production and shipment are one chain: "ready by" is re-promised as "ship next week")."""
    return "arrival" if _has(_ARRIVAL, text) else "dispatch"


@dataclass
class Window:
    """A delivery commitment with its resolved deadline."""

    promise: Any
    day: Date  # when it was promised
    earliest: Date | None
    latest: Date
    working: bool
    stage: str
    estimate: bool = False  # "ETA March 10": a carrier's estimate, not a promised date

    @cached_property
    def plausible_latest(self) -> Date:
        """The last day a fair reading allows: a working-day count may start the next day and a
        T/T payment takes up to two working days to arrive, so those windows get that slack; a
        carrier's ETA is an estimate that routinely moves by days, so it gets a week."""
        latest = self.latest
        if self.working:
            slack = 1 + (2 if str(self.promise.deadline_anchor) in _PAYMENT_ANCHORS else 0)
            latest = cncal.add_working_days(latest, slack)
        return latest + dt.timedelta(days=_ESTIMATE_SLACK_DAYS) if self.estimate else latest


_ESTIMATE = re.compile(r"\b(?:eta|etd|estimated|expected|approx\w*|around|about)\b|预计", re.I)
_ESTIMATE_SLACK_DAYS = 7
_START = re.compile(r"\b(?:start\w*|begin\w*|began|arrange\s+production)\b|开始|开工", re.I)
_CLAUSE = re.compile(r"[^,;.!?\n，。；！？]+")


@lru_cache(maxsize=1024)
def _start_clauses(text: str, words: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The text's clauses and those that start production (holding the deadline words), split
    once per sentence: every clause of a long sentence is a promise that carries it whole."""
    clauses = tuple(c.group(0) for c in _CLAUSE.finditer(text))
    return clauses, tuple(c for c in clauses if _START.search(c) and (words is None or words in c))


def _goods_clause_deadline(ctx: Context, p: Any, day: Date) -> tuple[Date | None, Date | None] | None:
    """When the promise's deadline belongs to a "production start today" clause, the deadline of
    its finish/ship clause instead ("production start today, will finish before March 25");
    None when the deadline words are not in a start clause."""
    words = p.deadline_text if isinstance(p.deadline_text, str) else None
    clauses, start = _start_clauses(str(p.text), words)
    if not start:
        return None
    for clause in clauses:
        if clause in start or not _DELIVERS.search(clause):
            continue
        found = find_deadline(clause, day, ctx.book)
        if found is not None and found.latest is not None:
            return found.earliest, found.latest
    return (None, None)


def _resolve(ctx: Context, p: Any, day: Date) -> tuple[Date | None, Date | None]:
    if p.category == "delivery":
        goods = _goods_clause_deadline(ctx, p, day)
        if goods is not None:
            return goods
    lo = None if pd.isna(p.deadline_earliest) else pd.Timestamp(p.deadline_earliest).date()
    hi = None if pd.isna(p.deadline_latest) else pd.Timestamp(p.deadline_latest).date()
    if hi is None and str(p.deadline_anchor) in EVENT_KINDS:
        for words in (p.deadline_text, p.text):
            if isinstance(words, str) and words:
                found = find_deadline(words, day, ctx.book)
                if found is not None and found.latest is not None:
                    return found.earliest, found.latest
    return lo, hi


_BARE_OK_WORDS = 6


def _said(ctx: Context, p: Any) -> str:
    """What the promise commits to: its own words, plus the buyer's request an "ok" answers."""
    answered = getattr(p, "answers_message_id", None)
    request = ctx.by_id.get(answered) if isinstance(answered, str) else None
    return f"{p.text} {request.text}" if request is not None else str(p.text)


@lru_cache(maxsize=4096)
def _word_count(text: str) -> int:
    return len(text.split())


@lru_cache(maxsize=4096)
def _folded(text: str) -> str:
    """Case- and space-folded text, for containment tests (once per text)."""
    return _fold(text)


def _deadline_is_own(ctx: Context, p: Any) -> bool:
    """The deadline words are the seller's own (in the promise or its message), or the promise is
    an "ok" to a buyer's request that named them; a date borrowed from the buyer's previous line
    ("it is April 15") is no deadline of "the refund will be processed after the upgrade"."""
    words = p.deadline_text if isinstance(p.deadline_text, str) else ""
    if not words:
        return True
    bare_ok = _word_count(str(p.text)) <= _BARE_OK_WORDS
    if bare_ok and isinstance(getattr(p, "answers_message_id", None), str):
        return True  # "ok dear" to "can you ship by Friday?" takes the request's deadline
    folded = _folded(words)
    if folded in _folded(str(p.text)):
        return True
    return folded in _per_message(ctx, p, "folded", _fold)


_T = TypeVar("_T")


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _per_message(ctx: Context, p: Any, what: str, compute: Callable[[str], _T]) -> _T:
    """``compute`` of the promise's message text, once per message and run: a long message
    holds thousands of promises, and each working on its whole text was quadratic."""
    seen: dict[str, _T] = ctx.cache.setdefault(what, {})
    key = str(p.message_id)
    if key not in seen:
        seen[key] = compute(_message_text(ctx, p))
    return seen[key]


def _names_goods(text: str) -> bool:
    return _GOODS.search(text) is not None


def _gives_excuse(text: str) -> bool:
    return _REPROMISE.search(text) is not None


def _windows(ctx: Context, category: str = "delivery") -> list[Window]:
    """Delivery (or refund) commitments with a resolvable latest date, in the order made."""
    out = []
    pr = ctx.promises
    chosen = pr[(pr["category"] == category) & (pr["kind"] == "commitment")]
    for p in chosen.itertuples(index=False):
        day = ctx.promise_day(p)
        said = _said(ctx, p)
        if day is None or not _has(_CHECKABLE[category], said):
            continue
        if category == "delivery" and not (_has(_GOODS, said) or _per_message(ctx, p, "goods", _names_goods)):
            continue
        if not _deadline_is_own(ctx, p):
            continue
        lo, hi = _resolve(ctx, p, day)
        if hi is None or hi < day or (hi - day).days > _MAX_HORIZON_DAYS:
            continue  # a deadline before the promise, or years after it, is a misread date
        words = f"{p.deadline_text if isinstance(p.deadline_text, str) else ''} {p.text}"
        stage = _stage(said) if category == "delivery" else category
        out.append(Window(p, day, lo, hi, _has(_WORKING, words), stage,
                          _has(_ESTIMATE, str(p.text))))
    out.sort(key=lambda w: (w.day, _ts_key(w.promise.timestamp)))
    return out


def _next_message(windows: list[Window]) -> list[int]:
    """For each window, the index of the first later window from another message (a message's
    windows are adjacent: same day, same time)."""
    out = [len(windows)] * len(windows)
    for j in range(len(windows) - 2, -1, -1):
        same = windows[j + 1].promise.message_id == windows[j].promise.message_id
        out[j] = out[j + 1] if same else j + 1
    return out


def _superseded(ctx: Context, windows: list[Window], i: int, next_message: list[int]) -> bool:
    """Re-promised with a later date *before* its deadline passed and without the buyer having to
    chase: the delay was announced. The windows after ``i`` are in the order promised, so the
    scan stops at the first one made too late, and skips the rest of a message's own windows at
    once (a pasted message can hold thousands)."""
    w = windows[i]
    j = i + 1
    while j < len(windows):
        q = windows[j]
        if q.day > w.plausible_latest:
            return False
        if q.promise.message_id == w.promise.message_id:
            j = next_message[j]
            continue
        if q.stage == w.stage and w.day <= q.day and q.latest > w.latest and not _chased(ctx, q):
            return True
        j += 1
    return False


_CHASE_DAYS = 3


def _previous_message(ctx: Context, msg: Msg) -> Msg | None:
    """The last dated, non-system message sent before ``msg`` in its conversation (the
    conversation's keys are computed once, then bisected: this is asked for every promise)."""
    cache = ctx.cache.setdefault("dated_keys", {})
    if msg.conversation_id not in cache:
        dated = [m for m in ctx.conversation(msg.conversation_id) if not m.is_system and m.day is not None]
        dated.sort(key=lambda m: (m.day, _ts_key(m.timestamp)))
        cache[msg.conversation_id] = (dated, [(m.day, _ts_key(m.timestamp)) for m in dated])
    dated, keys = cache[msg.conversation_id]
    i = bisect.bisect_left(keys, (msg.day, _ts_key(msg.timestamp)))
    return dated[i - 1] if i > 0 else None


def _chased(ctx: Context, w: Window) -> bool:
    """The new date came only as the answer to the buyer's question ("any news? has the
    container left?"): a delay the buyer had to find out about was not announced."""
    msg = ctx.by_id.get(str(w.promise.message_id))
    if msg is None or msg.day is None:
        return False
    last = _previous_message(ctx, msg)
    if last is None:
        return False
    return (last.from_buyer and ("?" in last.text or "？" in last.text) and last.day is not None
            and (msg.day - last.day).days <= _CHASE_DAYS)


def missed_deadlines(ctx: Context) -> Iterator[dict[str, Any]]:
    """One finding per missed deadline: "March 14 for sure" then "yes, March 14 is final" is one
    deadline said twice, cited together."""
    windows = _windows(ctx)
    missed: dict[tuple[str, Date], list[Window]] = {}
    next_message = _next_message(windows)
    for i, w in enumerate(windows):
        if not _superseded(ctx, windows, i, next_message):
            missed.setdefault((w.stage, w.latest), []).append(w)
    for group in missed.values():
        row = _missed(ctx, group[0], group[1:])
        if row is not None:
            yield row


def missed_refunds(ctx: Context) -> Iterator[dict[str, Any]]:
    """``refund.missed_deadline``: a refund promised by a date with no refund_paid by then."""
    windows = _windows(ctx, "refund")
    next_message = _next_message(windows)
    for i, w in enumerate(windows):
        if not _superseded(ctx, windows, i, next_message):
            row = _missed(ctx, w)
            if row is not None:
                yield row


_STAGE_EVENT = {"arrival": ("delivery", "delivery"), "dispatch": ("shipment", "shipment"),
                "refund": ("refund", "refund payment")}


def _missed(ctx: Context, w: Window, restated: list[Window] | None = None) -> dict[str, Any] | None:
    kind, noun = _STAGE_EVENT[w.stage]
    event = ctx.book.first(kind)
    balance = ctx.book.first("balance", source="facts")
    if w.stage == "dispatch" and balance is not None and _day(balance["date"]) > w.latest \
            and _ready_before(ctx, w):
        return None  # ready in time, waiting for the buyer's balance: the late payment explains it
    limit = w.plausible_latest
    if event is not None:
        happened = pd.Timestamp(event["date"]).date()
        if happened <= limit:
            return None
        days = (happened - w.latest).days
        whose = ("the case facts record" if event["source"] == "facts"
                 else "the seller's own later message reports")
        outcome = f"{whose} the {noun} only on {happened.isoformat()}, {_plural(days, 'day')} late"
        mids = [w.promise.message_id, event.get("message_id")]
    else:
        until, why = _looked_until(ctx)
        if until <= limit:
            return None
        days = (until - w.latest).days
        outcome = (f"no {noun} is recorded by {until.isoformat()}{why}, "
                   f"{_plural(days, 'day')} after the deadline")
        mids = [w.promise.message_id]
    counted = " (China working days)" if w.working else ""
    restated = [r for r in restated or [] if str(r.promise.message_id) != str(w.promise.message_id)]
    again = ", ".join(dict.fromkeys(r.day.isoformat() for r in restated))
    repeat = f"; confirmed again on {again}" if again else ""
    explanation = (f"On {w.day.isoformat()} the seller promised {_quote(w.promise.text)} "
                   f"(deadline {w.latest.isoformat()}{counted}{repeat}), but {outcome}.")
    mids = [mids[0], *(r.promise.message_id for r in restated), *mids[1:]]
    base = {"firm": 0.9, "hedged": 0.65, "conditional": 0.8}.get(str(w.promise.strength), 0.75)
    severity = "high" if days >= 14 else "medium" if days >= 3 else "low"
    rule_id = "refund.missed_deadline" if w.stage == "refund" else "delivery.missed_deadline"
    return _finding(ctx, rule_id, severity, f"{'Refund' if w.stage == 'refund' else 'Delivery'} "
                    f"deadline missed by {_plural(days, 'day')}", explanation, mids,
                    [w.promise.promise_id, *(r.promise.promise_id for r in restated)],
                    base * min(1.0, 0.55 + 0.05 * days), str(w.promise.text))


_ASKS_BALANCE = re.compile(
    r"\b(?:pls|please|kindly)\s+(?:arrange|pay|transfer|send)\s+(?:the\s+)?(?:balance|rest\s+payment)|"
    r"\bbalance\s+(?:payment\s+)?(?:now|please|pls)\b|请.{0,4}(?:付|安排).{0,2}尾款", re.I)


def _ready_before(ctx: Context, w: Window) -> bool:
    """The seller said the goods were ready, or asked for the balance, by the deadline: then a
    dispatch after the buyer's later balance payment is not the seller's delay."""
    return any(
        not m.from_buyer and m.day is not None and w.day <= m.day <= w.plausible_latest
        and (_PRODUCTION_DONE.search(m.text) or _ASKS_BALANCE.search(m.text))
        for m in ctx.messages
    )


def _looked_until(ctx: Context) -> tuple[Date, str]:
    """How far the record goes: ``as_of``, or the day the dispute was opened when the facts say
    so (what was missing then is what the dispute is about)."""
    opened = ctx.facts.event_date("dispute") if ctx.facts is not None else None
    if opened is not None and opened < ctx.as_of:
        return opened, " (the day the dispute was opened)"
    return ctx.as_of, ""


def _excuse(text: str) -> str | None:
    for regex in _EXCUSE_PATTERNS:
        m = regex.search(text)
        if m:
            reason = " ".join(m.group(1).split())
            reason = re.sub(r"\s+(?:so|then|and\s+(?:we|the)|we|i|the\s+goods|goods|will)\b.*$", "",
                            reason, flags=re.I)
            reason = re.sub(r"^(?:(?:hi|hello|dear|sorry|i\s+am\s+sorry|mike|tom)\W+)+", "",
                            reason.strip(" ,"), flags=re.I).strip(" ,")
            if reason:
                return reason
    return None


def _message_text(ctx: Context, p: Any) -> str:
    msg = ctx.by_id.get(str(p.message_id))
    return msg.text if msg is not None else str(p.text)


def _has_excuse(ctx: Context, p: Any) -> bool:
    """Whether the promise's message gives a delay or excuse word."""
    return _per_message(ctx, p, "excuse", _gives_excuse)


def _chains(ctx: Context, windows: list[Window]) -> list[list[Window]]:
    """Successive re-promises of the same delivery: a later date, on a later day, given with a
    delay/excuse word or after the previous deadline had passed."""
    chains: list[list[Window]] = []
    shipped_in = set(ctx.stated.loc[ctx.stated["type"] == "shipped", "message_id"].astype(str))
    for stage in ("dispatch", "arrival"):
        chain: list[Window] = []
        # "goods shipped today" carries a date but moves nothing; shipping the missing part or a
        # sample ("少的500套我们下周补发") is another delivery
        for w in (x for x in windows if x.stage == stage and str(x.promise.message_id) not in shipped_in
                  and not _has(_PART, str(x.promise.text))):
            if not chain:
                chain = [w]
                continue
            last = chain[-1]
            excuse = _has_excuse(ctx, w.promise)
            repromise = w.day > last.day and w.latest > last.latest and (
                excuse or w.day > last.plausible_latest)
            if repromise:
                chain.append(w)
            elif w.day > last.day and not excuse:
                if len(chain) >= 2:
                    chains.append(chain)
                chain = [w]
        if len(chain) >= 2:
            chains.append(chain)
    # a chain with no delay or excuse word at all is a series of different deadlines; a single
    # move counts only when it was not announced: made after the deadline passed, or chased
    return [c for c in chains
            if any(_has_excuse(ctx, w.promise) for w in c[1:])
            and (len(c) >= 3 or c[1].day > c[0].plausible_latest or _chased(ctx, c[1]))]


def _repromise_text(ctx: Context, w: Window) -> str:
    reason = _excuse(_message_text(ctx, w.promise))
    why = f"reason given: {_quote(reason, 80)}" if reason else "no reason given"
    return f"{w.latest.isoformat()} on {w.day.isoformat()} ({why})"


def shifting_deadlines(ctx: Context) -> Iterator[dict[str, Any]]:
    for chain in _chains(ctx, _windows(ctx)):
        first, rest = chain[0], chain[1:]
        moves = "; then ".join(_repromise_text(ctx, w) for w in rest)
        times = "once to a later date" if len(rest) == 1 else f"{len(rest)} times to later dates"
        explanation = (f"The seller moved the same delivery {times}: first "
                       f"{first.latest.isoformat()} ({_quote(first.promise.text, 90)}, "
                       f"{first.day.isoformat()}); then {moves}.")
        severity = "high" if len(rest) >= 3 else "medium"
        yield _finding(ctx, "delivery.shifting_deadline", severity,
                       f"Delivery date moved {_plural(len(rest), 'time')}", explanation,
                       [w.promise.message_id for w in chain], [w.promise.promise_id for w in chain],
                       0.5 + 0.15 * len(rest), " | ".join(str(w.promise.text) for w in chain))


# --- delivery: claims against the records ---------------------------------------------------------

_PRODUCTION_DONE = re.compile(
    r"\bproduction\s+(?:is\s+|was\s+|has\s+been\s+)?(?:finished|completed|done|over)\b|"
    r"\bgoods\s+(?:are|is)\s+(?:all\s+|now\s+|already\s+)?ready\b(?!\s+(?:by|on|before)\b)|\\bgoods\\s+(?:already|now)\\s+ready\\b|\bfinished\s+production\b|生产完成|已经做好|做好了", re.I)
_STILL_PRODUCING = re.compile(
    r"\bstill\s+(?:in\s+)?produc\w*|\bproduction\s+(?:is\s+)?(?:not\s+(?:yet\s+)?(?:finished|done|"
    r"complete\w*)|delay\w*|in\s+progress)|\bnot\s+(?:yet\s+)?(?:finished|ready)\b|\b(?:chips?|"
    r"material|raw\s+material|parts?)\s+(?:is\s+|are\s+)?delay\w*|还在生产|没做好|还没完成", re.I)


#: a later message saying the goods have not left yet: the seller's "will ship next week", "still
#: producing", or the buyer's "tracking shows no movement / label created only"
_NOT_LEFT = re.compile(
    r"\b(?:will|shall|going\s+to)\s+(?:be\s+)?(?:ship|dispatch|sen[dt]\s+out)\w*|\bnot\s+(?:yet\s+)?"
    r"(?:been\s+)?(?:shipped|dispatched|picked\s+up|scanned)|\bhave(?:n't|\s+not)\s+(?:yet\s+)?shipped"
    r"|\bstill\s+(?:in\s+)?produc\w*|\bno\s+movement\b|shipment\s+information\s+received|"
    r"label\s+created|\bno\s+(?:carrier\s+)?scan|将于.{0,10}(?:发出|发货)|下周.{0,6}(?:发|出货)|"
    r"(?:正在|还在).{0,6}生产|还没(?:有)?发货|尚未发货",
    re.I,
)
_LATER_WINDOW_DAYS = 30


def claims_vs_record(ctx: Context) -> Iterator[dict[str, Any]]:
    yield from _shipping_claims(ctx)
    yield from _shipping_claims_vs_messages(ctx)
    yield from _production_claims(ctx)


def _shipping_claims_vs_messages(ctx: Context) -> Iterator[dict[str, Any]]:
    """A shipping claim followed by a message saying the goods have not left: no records needed."""
    stated = ctx.stated[ctx.stated["type"] == "shipped"]
    record = ctx.book.first("shipment", source="facts")
    for ev in stated.itertuples(index=False):
        claim = ctx.by_id.get(str(ev.message_id))
        if claim is None or claim.day is None:
            continue
        if record is not None and _day(record["date"]) <= claim.day + dt.timedelta(days=1):
            continue  # the record shows the goods left: a later "not yet" is about something else
        later = next((m for m in _after(ctx, claim, _matching(ctx, _NOT_LEFT), _LATER_WINDOW_DAYS)
                      if not _PART.search(m.text)), None)  # "少的500套下周补发": the missing part
        if later is None:
            continue
        who = "the buyer" if later.from_buyer else "the seller"
        explanation = (f"On {claim.day.isoformat()} the seller wrote {_quote(claim.text)}, but on "
                       f"{later.day.isoformat() if later.day else '?'} {who} wrote "
                       f"{_quote(later.text)}, so the goods had not left as claimed.")
        yield _finding(ctx, "delivery.claim_vs_record", "high",
                       "Shipping claim contradicted by a later message", explanation,
                       [claim.message_id, later.message_id],
                       ctx.promise_ids_by_message.get(claim.message_id, []),
                       0.8 if later.from_buyer else 0.85, f"{claim.text} | {later.text}")


def _matching(ctx: Context, regex: re.Pattern[str]) -> list[Msg]:
    """The non-system messages whose text matches, in time order (searched once per case)."""
    key = f"match:{regex.pattern}"
    if key not in ctx.cache:
        ctx.cache[key] = [m for m in ctx.messages if not m.is_system and m.day is not None
                          and regex.search(m.text)]
    found: list[Msg] = ctx.cache[key]
    return found


def _after(ctx: Context, msg: Msg, candidates: list[Msg], days: int) -> Iterator[Msg]:
    """The candidates sent after ``msg`` and within ``days`` of it, in time order."""
    if msg.day is None:
        return
    key = (msg.day, _ts_key(msg.timestamp))
    for other in candidates:
        if other.day is None or other.message_id == msg.message_id:
            continue
        if (other.day, _ts_key(other.timestamp)) <= key:
            continue
        if (other.day - msg.day).days > days:
            break
        yield other


def _shipping_claims(ctx: Context) -> Iterator[dict[str, Any]]:
    stated = ctx.stated[ctx.stated["type"].isin(["shipped", "delivered"])]
    for ev in stated.itertuples(index=False):
        record = ctx.book.first("shipment" if ev.type == "shipped" else "delivery", source="facts")
        if record is None:
            continue
        claimed = _day(ev.date)
        actual = _day(record["date"])
        gap = (actual - claimed).days
        if gap <= 1:  # a day's slack for time zones and late-evening pickups
            continue
        msg = ctx.by_id.get(str(ev.message_id))
        sent = msg.day.isoformat() if msg and msg.day else claimed.isoformat()
        details = str(ev.details)
        tracking_only = details.startswith("tracking number sent")
        noun = "first shipment" if ev.type == "shipped" else "delivery"
        note = record.get("details") or ""
        scan = " (first carrier scan)" if "scan" in str(note) else ""
        quote = _quote(msg.text if msg else details)
        explanation = (f"On {sent} the seller wrote {quote}, which says the goods were "
                       f"{'shipped' if ev.type == 'shipped' else 'delivered'} by {claimed.isoformat()}, "
                       f"but the case facts record the {noun}{scan} on {actual.isoformat()}, "
                       f"{_plural(gap, 'day')} later.")
        yield _finding(ctx, "delivery.claim_vs_record", "high",
                       f"Seller's {'shipping' if ev.type == 'shipped' else 'delivery'} claim "
                       f"contradicted by the record", explanation, [ev.message_id],
                       ctx.promise_ids_by_message.get(str(ev.message_id), []),
                       0.6 if tracking_only else 0.9, details)


def _production_claims(ctx: Context) -> Iterator[dict[str, Any]]:
    ongoing = _matching(ctx, _STILL_PRODUCING)
    for msg in ctx.messages:
        if msg.from_buyer or msg.is_system or "?" in msg.text or not _PRODUCTION_DONE.search(msg.text):
            continue
        for later in _after(ctx, msg, ongoing, 60):
            if not later.from_buyer and msg.day is not None and later.day is not None \
                    and later.day > msg.day:
                explanation = (f"On {msg.day.isoformat()} the seller wrote {_quote(msg.text)}, but on "
                               f"{later.day.isoformat()} wrote {_quote(later.text)}, so production "
                               f"was not finished when it was said to be.")
                yield _finding(ctx, "delivery.claim_vs_record", "medium",
                               "Production claimed finished, later said to be ongoing", explanation,
                               [msg.message_id, later.message_id],
                               ctx.promise_ids_by_message.get(msg.message_id, []), 0.7,
                               f"{msg.text} | {later.text}")
                break


# --- quality: specs --------------------------------------------------------------------------------

#: attributes a chat message can be trusted to state (lengths and sizes in chat are too often about
#: something else: a cable, a carton)
_MESSAGE_ATTRIBUTES = frozenset({
    "ip_rating", "waterproof", "material_grade", "material", "conductor", "certificate",
    "composition", "weight_gsm", "condition", "voltage", "power", "color_temperature",
    "led_density", "chip_type", "capacity",
})
_REFERENCE = re.compile(
    r"\b(?:you\s+(?:promised|said|told|claimed|wrote|confirmed)|as\s+(?:promised|agreed|ordered)|"
    r"instead\s+of|rather\s+than|supposed\s+to\s+be|should\s+(?:be|have)|we\s+ordered|i\s+ordered|"
    r"the\s+order\s+(?:says|was)|not\s+the|agreed|listing|advertised|quoted)\b[^.;!?\n]*",
    re.I,
)


@dataclass
class Stated:
    """Specs stated by one source (a promise, the order, an inspection, a message)."""

    specs: list[Spec]
    day: Date | None
    message_id: str | None
    promise_id: str | None
    text: str
    label: str
    order: float = float("-inf")  # the message time; the order's own specs come first

    def before(self, other: Stated) -> bool:
        """Stated earlier than ``other`` (and not in the same message)."""
        if self.message_id is not None and self.message_id == other.message_id:
            return False
        if self.day is None or other.day is None:
            return True
        return (self.day, self.order) < (other.day, other.order)


def _promised_specs(ctx: Context) -> list[Stated]:
    out = []
    if ctx.facts is not None:
        lines = [line for item in ctx.facts.order.items for line in item.specs]
        specs = [s for line in lines for s in find_specs(line)]
        if specs:
            out.append(Stated(specs, None, None, None, "; ".join(lines), "the order"))
    # every promise row, not only quality ones: "6mm TPE, 183x61cm, USD 4500 total" is filed as
    # a price claim but states specs all the same
    for p in ctx.promises.itertuples(index=False):
        specs = find_specs(str(p.text))
        if specs:
            out.append(Stated(specs, ctx.promise_day(p), str(p.message_id), str(p.promise_id),
                              str(p.text), "the seller", _ts_key(p.timestamp)))
    return out


def _observed_specs(ctx: Context) -> list[Stated]:
    """The inspection's findings, then every later message's stated specs (a seller's later
    claim that differs from an earlier one is an observation too)."""
    out = []
    if ctx.facts is not None:
        for ev in ctx.facts.events_of("inspection"):
            specs = [s for line in ev.findings for s in _observations(line, False, None)]
            if specs:
                out.append(Stated(specs, ev.day, None, None, "; ".join(ev.findings),
                                  f"the inspection on {ev.day.isoformat()}"))
    for msg in ctx.messages:
        if msg.is_system:
            continue
        specs = _message_observations(msg.text, msg.from_buyer)
        if specs:
            who = "the buyer" if msg.from_buyer else "the seller"
            out.append(Stated(specs, msg.day, msg.message_id, None, msg.text,
                              f"on {msg.day.isoformat() if msg.day else '?'} {who}",
                              _ts_key(msg.timestamp)))
    return out


_REQUEST = re.compile(r"\b(?:need|want|would\s+like|require\w*|can\s+you|could\s+you|please|pls|"
                      r"prefer|looking\s+for|do\s+you\s+have|must\s+be)\b|需要|请", re.I)


def _message_observations(text: str, from_buyer: bool) -> list[Spec]:
    return _observations(text, from_buyer, _MESSAGE_ATTRIBUTES)


def _observations(text: str, from_buyer: bool, attributes: frozenset[str] | None) -> list[Spec]:
    """Specs a text reports as found: questions, a buyer's requests ("we need IP67") and
    references to the promise ("4 mm instead of 6 mm", "not 304 as you promised") are dropped."""
    specs: list[Spec] = []
    for m in SENTENCE.finditer(text):
        sentence = m.group(0)
        if "?" in sentence or "？" in sentence or (from_buyer and _REQUEST.search(sentence)):
            continue
        cleaned = _REFERENCE.sub(lambda r: " " * len(r.group(0)), sentence)
        specs.extend(s for s in find_specs(cleaned) if attributes is None or s.attribute in attributes)
    return specs


def spec_mismatches(ctx: Context) -> Iterator[dict[str, Any]]:
    promised = _promised_specs(ctx)
    if not promised:
        return
    observed = _observed_specs(ctx)
    # each distinct promised spec once, with every source that stated it: a long chat repeats
    # "IP65" many times and each observation is compared with the distinct specs only
    distinct: dict[tuple[str, str, bool], tuple[Spec, list[Stated]]] = {}
    for src in promised:
        for spec in src.specs:
            distinct.setdefault((spec.attribute, spec.value, spec.negated), (spec, []))[1].append(src)
    reported: set[tuple[Any, ...]] = set()
    for obs in observed:
        row = _spec_finding(ctx, list(distinct.values()), obs, reported)
        if row is not None:
            yield row


def _spec_finding(ctx: Context, promised: list[tuple[Spec, list[Stated]]], obs: Stated,
                  reported: set[tuple[Any, ...]]) -> dict[str, Any] | None:
    """One finding per observation; an observation that only repeats mismatches already
    reported (the buyer quoting the inspection) adds nothing."""
    # any() stops at the first earlier source (the order and early promises come first): lists are
    # built only for the specs that turn out to differ, which keeps long chats near linear
    specs = [spec for spec, srcs in promised if any(s.before(obs) for s in srcs)]
    if not specs:
        return None
    sources_of = {id(spec): srcs for spec, srcs in promised}
    pairs: dict[tuple[str, str], tuple[Spec, Spec]] = {}
    sources: list[Stated] = []
    taken: set[int] = set()
    for p, o in compare_specs(specs, obs.specs):
        pairs.setdefault(spec_key(p), (p, o))
        for src in (s for s in sources_of[id(p)] if s.before(obs)):
            if id(src) not in taken:
                taken.add(id(src))
                sources.append(src)
    sources.sort(key=lambda s: (s.day is not None, s.day or dt.date.min))
    seen = {(o.attribute, o.value, o.negated) for _, o in pairs.values()}
    if not pairs or seen <= reported:
        return None
    reported |= seen
    said = ", ".join(p.describe() for p, _ in pairs.values())
    found = ", ".join(dict.fromkeys(o.describe() for _, o in pairs.values()))
    src = next((s for s in sources if s.message_id), sources[0])
    where = (f"the seller wrote {_quote(src.text, 100)} on {src.day.isoformat()}" if src.message_id
             and src.day else f"the order specifies {_quote(src.text, 100)}")
    if src.message_id and sources[0].message_id is None:
        where = f"the order specifies {_quote(sources[0].text, 100)} and {where}"
    verb = "found" if obs.label.startswith("the inspection") else "wrote"
    explanation = (f"Promised {said} ({where}), but {obs.label} {verb} {found} "
                   f"({_quote(obs.text, 120)}).")
    # the inspection is a record; a buyer's report is evidence; a seller's later differing claim
    # may be about another product line, so it weighs least
    score = 0.9 if obs.message_id is None else (0.6 if obs.label.endswith("seller") else 0.75)
    mids = [s.message_id for s in sources] + [obs.message_id]
    severity = "medium" if obs.label.endswith("seller") else "high"
    return _finding(ctx, "quality.spec_mismatch", severity, f"Spec mismatch: {said} vs {found}",
                    explanation, mids, [s.promise_id for s in sources], score,
                    f"{' | '.join(s.text for s in sources)} || {obs.text}",
                    id_parts=() if obs.message_id else (f"inspection:{obs.day}",))


# --- quantity -----------------------------------------------------------------------------------

_RECEIPT = re.compile(r"\b(?:received|got|counted|arrived|delivered|shipped|short|missing)\b"
                      r"|收到|少了", re.I)
#: counts of part of the goods: a sample, the remainder, a second batch
_PART = re.compile(r"\b(?:samples?|remaining|rest|remainder|second|another|first\s+batch|"
                   r"balance\s+qty|extra|spare|defective|broken|damaged)\b|样品|剩下|剩余|补发|补寄|少的",
                   re.I)
_PARTIAL_OK = re.compile(
    r"\b(?:partial|split|separate|two|2)\s+(?:shipments?|shipping|deliver\w*|batch\w*|lots?)\b|"
    r"\b(?:rest|remaining|remainder|others?|balance\s+qty)\b[^.?!]{0,40}\b(?:later|next|second)\b|"
    r"\bship\s+\d[\d,]*\s*\w*\s+(?:first|now)\b|分批", re.I)
_AGREE = re.compile(r"\b(?:ok|okay|agree\w*|fine|accept\w*|yes|no\s+problem|sure|approved?)\b|可以|同意", re.I)


def _unit_of(unit: str | None) -> str:
    return UNITS.get((unit or "pcs").lower(), (unit or "pcs").lower())


def _ordered(ctx: Context) -> tuple[float, str, str, list[str]] | None:
    """(quantity, unit, how it is known, promise ids) of the order."""
    if ctx.facts is not None:
        items = [i for i in ctx.facts.order.items if i.quantity]
        if items:
            unit = _unit_of(items[0].unit)
            total = sum(i.quantity or 0 for i in items if _unit_of(i.unit) == unit)
            return total, unit, "the order", []
    pr = ctx.promises
    # the seller's quantity promise, else the quantity a price was quoted for ("Price for 5000 pcs")
    for category in ("quantity", "price"):
        for p in pr[pr["category"] == category].itertuples(index=False):
            if _PART.search(str(p.text)):
                continue
            m = QUANTITY_RE.search(str(p.value) if category == "quantity" and isinstance(p.value, str)
                                   else str(p.text))
            if m:
                qty = float(m["n"].replace(",", ""))
                return (qty, UNITS[m["u"].lower()], f"the seller's {_quote(p.text, 80)}",
                        [str(p.promise_id)])
    return None


def _partial_agreed(ctx: Context) -> bool:
    return any(m.from_buyer and _PARTIAL_OK.search(m.text) and _AGREE.search(m.text)
               and "?" not in m.text for m in ctx.messages)


def quantity_shortfalls(ctx: Context) -> Iterator[dict[str, Any]]:
    ordered = _ordered(ctx)
    if ordered is None or _partial_agreed(ctx):
        return
    total, unit, known, pids = ordered
    counts: set[float] = set()
    for got, day, label, text, mid in _received(ctx, unit):
        if got >= total or got in counts:
            continue  # the same count reported again (the buyer quoting the inspection)
        counts.add(got)
        short = total - got
        pct = short / total * 100
        explanation = (f"The order is for {total:,.0f} {unit} ({known}), but {label} "
                       f"{got:,.0f} {unit}, {short:,.0f} {unit} ({pct:.0f}%) short"
                       f"{f' ({_quote(text, 100)})' if mid else ''}.")
        yield _finding(ctx, "quantity.shortfall", "high" if pct >= 5 else "low",
                       f"Quantity short by {short:,.0f} {unit}", explanation, [mid], pids,
                       0.6 + min(0.4, pct / 50), text, id_parts=() if mid else (f"received:{day}",))


def _received(ctx: Context, unit: str) -> Iterator[tuple[float, Date | None, str, str, str | None]]:
    if ctx.facts is not None:
        for ev in ctx.facts.events_of("inspection", "delivered"):
            if ev.quantity_received is not None:
                yield (ev.quantity_received, ev.day, f"the {ev.type} on {ev.day.isoformat()} counted",
                       f"quantity_received: {ev.quantity_received:g}", None)
    placed = ctx.book.event_date("order")
    item_words = _item_words(ctx)
    for msg in ctx.messages:
        if msg.is_system or "?" in msg.text or not _RECEIPT.search(msg.text) or _PART.search(msg.text):
            continue
        if placed is not None and (msg.day is None or msg.day < placed):
            continue
        got = _count_in(msg.text, unit, item_words)
        if got is not None:
            who = "the buyer" if msg.from_buyer else "the seller"
            day = msg.day.isoformat() if msg.day else "?"
            yield got, msg.day, f"on {day} {who} reported", msg.text, msg.message_id


_PACK_SIZE = re.compile(r"\b(?:cartons?|boxes|box|bags?|packs?|ctns?|bundles?|rolls?)\s+of\s*$", re.I)


def _item_words(ctx: Context) -> list[str]:
    """Nouns of the ordered items ("towel" from "bath towel 70x140"): a count may name the goods
    instead of a unit ("we counted 2,600 towels")."""
    if ctx.facts is None:
        return []
    words = {w.casefold().rstrip("s") for i in ctx.facts.order.items
             for w in re.findall(r"[A-Za-z]{4,}", i.name or "")}
    return sorted(words)


def _count_in(text: str, unit: str, item_words: list[str]) -> float | None:
    """The first count of the goods received in ``text``: "N pcs" or "N <item noun>s", not a pack
    size ("cartons of 100 pcs") and only near a receipt word."""
    found: list[tuple[int, float]] = []
    for m in QUANTITY_RE.finditer(text):
        if UNITS[m["u"].lower()] == unit and not _PACK_SIZE.search(text[max(0, m.start() - 20):m.start()]):
            found.append((m.start(), float(m["n"].replace(",", ""))))
    if item_words:
        nouns = "|".join(re.escape(w) for w in item_words)
        for m in re.finditer(rf"(?<![\w.,])(\d{{1,3}}(?:,\d{{3}})+|\d+)\s+(?:\w+\s+)?(?:{nouns})(?:e?s)?\b",
                             text, re.I):
            found.append((m.start(), float(m.group(1).replace(",", ""))))
    for start, count in sorted(found):
        if _RECEIPT.search(text[max(0, start - 50):start + 40]):
            return count
    return None


# --- price --------------------------------------------------------------------------------------

_PER_UNIT = re.compile(r"^\s*(?:/|per\s+|a\s+)\s*(?:pcs?|pieces?|units?|sets?|reels?|rolls?|pairs?|m|"
                       r"meters?|metres?)\b|^\s*each\b", re.I)
_UNIT_PRICE_BEFORE = re.compile(r"\b(?:unit\s+price|price\s+per\s+\w+|each|per\s+(?:pc|piece))"
                                r"[\s:：is]*$", re.I)
_HYPOTHETICAL = re.compile(r"\b(?:if|for\s+(?:more|larger|bigger)|moq|would\s+be|could\s+be|next\s+order)\b", re.I)


@dataclass
class Price:
    amount: float
    currency: str
    day: Date | None
    message_id: str | None
    text: str
    label: str


def _unit_prices(text: str) -> list[tuple[float, str]]:
    out = []
    for m in AMOUNT_RE.finditer(text):
        after = text[m.end(): m.end() + 14]
        before = text[max(0, m.start() - 25): m.start()]
        if not (_PER_UNIT.search(after) or _UNIT_PRICE_BEFORE.search(before)):
            continue
        cur, amount = (m["c1"], m["a1"]) if m["c1"] else (m["c2"], m["a2"])
        try:
            value = float(amount.replace(",", "").replace(" ", "").rstrip("kK"))
        except ValueError:
            continue
        out.append((value, CURRENCIES.get(cur.lower(), cur.upper())))
    return out


def _agreed_prices(ctx: Context) -> list[tuple[Price, str | None]]:
    """(agreed unit price, item name) for each priced item of the order; without facts, the
    seller's first unit-price claim (item unnamed)."""
    if ctx.facts is not None:
        items = [i for i in ctx.facts.order.items if i.unit_price is not None]
        placed = ctx.facts.event_date("order")
        out = []
        for item in items:
            cur = (item.currency or ctx.facts.order.currency or ctx.facts.case.currency or "USD").upper()
            price = Price(float(item.unit_price or 0), cur, placed, None,
                          f"{item.name or 'item'} at {cur} {item.unit_price:g}", "the order")
            out.append((price, item.name if len(items) > 1 else None))
        if out:
            return out
    pr = ctx.promises
    for p in pr[pr["category"] == "price"].itertuples(index=False):
        found = _unit_prices(str(p.text))
        if found:
            return [(Price(found[0][0], found[0][1], ctx.promise_day(p), str(p.message_id),
                           str(p.text), "the seller"), None)]
    return []


def _names_item(text: str, name: str) -> bool:
    """The sentence is about this item: its name (or most of it) appears, typos allowed."""
    return fuzz.partial_ratio(name.casefold(), text.casefold()) >= 85


def price_changes(ctx: Context) -> Iterator[dict[str, Any]]:
    for agreed, item in _agreed_prices(ctx):
        yield from _price_changes(ctx, agreed, item)


def _price_changes(ctx: Context, agreed: Price, item: str | None) -> Iterator[dict[str, Any]]:
    for msg in ctx.messages:
        if msg.from_buyer or msg.is_system or msg.message_id == agreed.message_id:
            continue
        if agreed.day is not None and (msg.day is None or msg.day < agreed.day):
            continue  # before the agreement: negotiation
        if "?" in msg.text or _HYPOTHETICAL.search(msg.text):
            continue
        if item is not None and not _names_item(msg.text, item):
            continue  # several items: only a price said for this one counts
        for amount, cur in _unit_prices(msg.text):
            if cur != agreed.currency or abs(amount - agreed.amount) <= 0.005 * agreed.amount:
                continue
            if agreed.message_id is not None and amount < agreed.amount:
                continue  # without a written agreement a lower price is negotiation, not a change
            yield _price_finding(ctx, agreed, msg, amount, item)
            break


def _price_finding(ctx: Context, agreed: Price, msg: Msg, amount: float,
                   item: str | None) -> dict[str, Any]:
    change = (amount - agreed.amount) / agreed.amount * 100
    where = ("in the order" if agreed.message_id is None
             else f"in the seller's message of {agreed.day} {_quote(agreed.text, 80)}")
    explanation = (f"The agreed unit price{' of ' + agreed.text.rsplit(' at ', 1)[0] if agreed.message_id is None else ''} "
                   f"was {agreed.currency} {agreed.amount:.2f} ({where}), but on "
                   f"{msg.day.isoformat() if msg.day else '?'} the seller wrote {_quote(msg.text)} "
                   f"({agreed.currency} {amount:.2f}, {abs(change):.1f}% "
                   f"{'higher' if change > 0 else 'lower'}).")
    return _finding(ctx, "price.changed_after_agreement", "high" if change > 0 else "medium",
                    f"Unit price changed after agreement ({change:+.1f}%)", explanation,
                    [agreed.message_id, msg.message_id],
                    ctx.promise_ids_by_message.get(msg.message_id, []),
                    0.6 + min(0.35, abs(change) / 40), msg.text,
                    id_parts=(item,) if item else ())


# --- payment account ----------------------------------------------------------------------------


def _facts_account(ctx: Context) -> BankAccount | None:
    acct = ctx.facts.order.payment_account if ctx.facts is not None else None
    if acct is None:
        return None
    iban, account = acct.iban, acct.account
    if not iban and account and re.fullmatch(r"[A-Za-z]{2}\d{2}[A-Za-z0-9 ]{10,40}", account.strip()):
        iban, account = account, None  # an IBAN written in the account field
    out = BankAccount(
        iban=re.sub(r"\s+", "", iban).upper() if iban else None,
        account=re.sub(r"\D", "", account) if account else None,
        swift=acct.swift.replace(" ", "").upper() if acct.swift else None,
        beneficiary=acct.beneficiary, bank=acct.bank,
    )
    return out if (out.iban or out.account or out.swift or out.beneficiary) else None


def _differences(base: BankAccount, other: BankAccount) -> list[str]:
    diffs = base.differences(other)
    if "beneficiary" in diffs and base.beneficiary and other.beneficiary:
        a, b = normalise_name(base.beneficiary), normalise_name(other.beneficiary)
        if a in b or b in a:  # "Shenzhen Brightway Lighting" vs the full "... Co., Ltd"
            diffs.remove("beneficiary")
    return diffs


def account_changes(ctx: Context) -> Iterator[dict[str, Any]]:
    base = _facts_account(ctx)
    base_msg: Msg | None = None
    reported: set[str] = set()
    for msg in ctx.messages:
        if msg.from_buyer or msg.is_system:
            continue
        acct = account_from_details(extract_bank_details(msg.text))
        if acct is None:
            continue
        if base is None:
            base, base_msg = acct, msg
            continue
        diffs = _differences(base, acct)
        if not diffs or acct.key() in reported:
            continue
        reported.add(acct.key())
        yield _account_finding(ctx, base, base_msg, acct, msg, diffs)


def _account_finding(ctx: Context, base: BankAccount, base_msg: Msg | None, acct: BankAccount,
                     msg: Msg, diffs: list[str]) -> dict[str, Any]:
    origin = ("the case facts" if base_msg is None
              else f"the seller's message of {base_msg.day.isoformat() if base_msg.day else '?'}")
    names = {"iban": "IBAN", "account": "account number", "swift": "SWIFT code",
             "beneficiary": "beneficiary"}
    what = ", ".join(names[d] for d in diffs)
    country = f" in {acct.country}" if acct.country else ""
    explanation = (f"On {msg.day.isoformat() if msg.day else '?'} a message asked for payment to "
                   f"{acct.describe()}{country}, not the account first given ({base.describe()}, "
                   f"from {origin}): the {what} differ.")
    strong = {"iban", "account"} & set(diffs)
    score = 0.95 if strong else 0.85 if "swift" in diffs else 0.7
    return _finding(ctx, "payment.account_changed", "critical" if strong or "swift" in diffs
                    else "high", "Bank account for payment changed", explanation,
                    [base_msg.message_id if base_msg else None, msg.message_id],
                    ctx.promise_ids_by_message.get(msg.message_id, []), score, msg.text)
