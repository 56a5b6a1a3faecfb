"""The schema of one rule file (pydantic, unknown fields rejected).

A rule file is data a reviewer can read without reading Python: what the rule looks for, why it
matters (public guidance it comes from), what it must and must not match. The schema makes a typo
in a field name, a duplicate id, a rule without references or a rule without its own tests an error
at load time rather than a silently dead rule.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: code detectors a rule may name (implemented in ``checks.py``)
CHECK_NAMES = (
    "bank_account_change",
    "bank_person_beneficiary",
    "bank_foreign_account",
    "price_below_market",
    "non_platform_link",
    "person_payee",
    "platform_lookalike_link",
)
RULE_ID = re.compile(r"^[a-z_]+\.[a-z_]+$")
MIN_TESTS = 4


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Patterns(_Strict):
    """Ways of matching: any one hit counts.

    ``phrases`` match token by token on the lower-cased, spelling-normalised text; ``lemmas`` on
    the lemmas ("paid accounts" matches "pay account"); ``tokens`` are spaCy Matcher patterns
    (keys LOWER/LEMMA/IS_DIGIT/OP...); ``regexes`` run on the normalised sentence text;
    ``checks`` name code detectors (bank details, prices, links).
    """

    phrases: list[str] = Field(default_factory=list)
    lemmas: list[str] = Field(default_factory=list)
    tokens: list[list[dict[str, Any]]] = Field(default_factory=list)
    regexes: list[str] = Field(default_factory=list)
    checks: list[str] = Field(default_factory=list)
    #: concept groups that must all appear in one sentence (words or lemmas, or short phrases):
    #: [[western union, moneygram], [pay, send]] reads "a method and a payment verb together"
    cooccur: list[list[list[str]]] = Field(default_factory=list)

    @field_validator("cooccur")
    @classmethod
    def _groups(cls, value: list[list[list[str]]]) -> list[list[list[str]]]:
        for combo in value:
            if len(combo) < 2 or any(not group for group in combo):
                raise ValueError("a cooccur entry needs at least two non-empty word groups")
        return value

    @field_validator("regexes")
    @classmethod
    def _compiles(cls, value: list[str]) -> list[str]:
        for rx in value:
            try:
                re.compile(rx)
            except re.error as exc:
                raise ValueError(f"regex {rx!r} does not compile: {exc}") from None
        return value

    @field_validator("checks")
    @classmethod
    def _known_checks(cls, value: list[str]) -> list[str]:
        unknown = sorted(set(value) - set(CHECK_NAMES))
        if unknown:
            raise ValueError(f"unknown check(s) {unknown}; known: {list(CHECK_NAMES)}")
        return value

    def is_empty(self) -> bool:
        return not (
            self.phrases or self.lemmas or self.tokens or self.regexes or self.checks or self.cooccur
        )


class Context(_Strict):
    """Words that make a hit more telling when they appear in the same message."""

    words: list[str] = Field(default_factory=list)
    boost: float = Field(0.1, ge=0, le=0.5)


class Conversation(_Strict):
    """A condition across the conversation: hits count only after an anchor, and/or only when
    several messages hit (a refund promise then repeated delays; a deposit then a new price)."""

    after: Patterns | None = None  # a message matching these is the anchor
    after_speaker: Literal["seller", "buyer", "any"] = "any"
    after_events: list[str] = Field(default_factory=list)  # facts event types (deposit_paid)
    after_promise_categories: list[str] = Field(default_factory=list)  # promises table categories
    #: facts event types that end the pattern: from the day the facts record one, messages no
    #: longer count (a "sorry again" sent the day the refund was paid stalls nothing)
    until_events: list[str] = Field(default_factory=list)
    #: hits that count without any anchor, because their own words carry the context
    #: ("finance is processing your refund, pls wait"): scored lower than anchored hits
    unanchored: Patterns | None = None
    unanchored_penalty: float = Field(0.15, ge=0, le=0.5)
    min_messages: int = Field(1, ge=1)
    explanation: str | None = None  # template used instead of the rule's for the stacked finding


class Reference(_Strict):
    title: str
    url: str

    @field_validator("url")
    @classmethod
    def _is_url(cls, value: str) -> str:
        if not value.startswith("https://"):
            raise ValueError(f"reference url must start with https://: {value!r}")
        return value


class TestCase(_Strict):
    """One self-test: a message (optionally after earlier messages and with case facts)."""

    text: str
    speaker: Literal["seller", "buyer", "unknown", "platform"] = "seller"
    history: list[dict[str, str]] = Field(default_factory=list)  # [{speaker, text}]
    facts: dict[str, Any] | None = None


class RuleTests(_Strict):
    match: list[str | TestCase]
    no_match: list[str | TestCase]

    @model_validator(mode="after")
    def _enough(self) -> RuleTests:
        if len(self.match) < MIN_TESTS or len(self.no_match) < MIN_TESTS:
            raise ValueError(f"a rule needs at least {MIN_TESTS} match and {MIN_TESTS} no_match tests")
        return self


class Rule(_Strict):
    """One scam-pattern rule, as written in its YAML file."""

    id: str
    title: str
    description: str
    level: Literal["info", "low", "medium", "high", "critical"]
    category: str
    speaker: Literal["seller", "buyer", "any"] = "seller"
    score: float = Field(ge=0, le=1)
    patterns: Patterns
    requires: list[Patterns] = Field(default_factory=list)  # each must also hit in the message
    requires_scope: Literal["message", "sentence"] = "message"
    context: Context = Field(default_factory=Context)
    exclusions: Patterns = Field(default_factory=Patterns)  # a hit in the sentence vetoes
    #: a hit anywhere in the message (not itself negated) vetoes every hit of the rule ("...or on
    #: WhatsApp. In any case, please keep the order and payment on Alibaba")
    message_exclusions: Patterns = Field(default_factory=Patterns)
    negation: bool = True  # drop hits preceded by a negation ("we do not accept Western Union")
    questions: Literal["skip", "keep"] = "skip"  # drop hits in yes/no questions (not requests)
    conversation: Conversation | None = None
    false_positives: list[str] = Field(min_length=1)
    references: list[Reference] = Field(min_length=1)
    explanation: str
    #: the explanation for a conversation with no marketplace (a Telegram or e-mail-only deal):
    #: without "the platform" or Trade Assurance, which the buyer there never had
    explanation_no_marketplace: str | None = None
    tests: RuleTests

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not RULE_ID.match(value):
            raise ValueError(f"rule id {value!r} must look like 'category.name'")
        return value

    @model_validator(mode="after")
    def _has_patterns(self) -> Rule:
        if self.patterns.is_empty():
            raise ValueError("a rule needs at least one pattern")
        for template in (self.explanation, self.explanation_no_marketplace):
            if template is not None and "{quote}" not in template:
                raise ValueError("the explanation template must quote the matched words ({quote})")
        return self


def check_unique(rules: list[Rule], origins: list[str]) -> None:
    """Raise ValueError naming both files when two rules share an id."""
    seen: dict[str, str] = {}
    for rule, origin in zip(rules, origins, strict=True):
        if rule.id in seen:
            raise ValueError(f"duplicate rule id {rule.id!r} in {seen[rule.id]} and {origin}")
        seen[rule.id] = origin
