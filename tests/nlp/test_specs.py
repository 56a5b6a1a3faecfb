"""find_specs / compare_specs on the spec sentences sellers and inspectors actually write."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatsignals.nlp.specs import Spec, compare_specs, find_specs


def _triples(text: str) -> list[tuple[str, str, bool]]:
    return [(s.attribute, s.value, s.negated) for s in find_specs(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "IP65 waterproof, CE and RoHS certificate we have",
            [("ip_rating", "IP65", False), ("waterproof", "waterproof", False),
             ("certificate", "CE", False), ("certificate", "RoHS", False)],
        ),
        (
            "label says IP20, strips are not waterproof",
            [("ip_rating", "IP20", False), ("waterproof", "waterproof", True)],
        ),
        ("no CE marking on product or box", [("certificate", "CE", True)]),
        ("The bowls are SUS304 stainless steel", [("material_grade", "304 stainless steel", False)]),
        ("magnet test shows 201 stainless", [("material_grade", "201 stainless steel", False)]),
        ("frame is 6061 aluminium", [("material_grade", "6061 aluminium", False)]),
        (
            "fabric 65/35 poly-cotton, 180gsm",
            [("composition", "65% polyester, 35% cotton", False), ("weight_gsm", "180gsm", False)],
        ),
        ("100% cotton 200 g/m2", [("composition", "100% cotton", False), ("weight_gsm", "200gsm", False)]),
        ("we have CE, FCC and ISO 9001, EN71 test report",
         [("certificate", "CE", False), ("certificate", "FCC", False),
          ("certificate", "ISO 9001", False), ("certificate", "EN71", False)]),
        ("all phones brand new", [("condition", "new", False)]),
        ("the phones are refurbished, not new",
         [("condition", "refurbished", False), ("condition", "new", True)]),
        ("DC 12V 14.4W/m 60 LEDs/m 3000K",
         [("voltage", "12V", False), ("power", "14.4W/m", False),
          ("led_density", "60 LEDs/m", False), ("color_temperature", "3000K", False)]),
        ("IP65防水，有CE认证", [("ip_rating", "IP65", False), ("waterproof", "waterproof", False),
                            ("certificate", "CE", False)]),
        ("灯带不防水", [("waterproof", "waterproof", True)]),
        ("carton 60x40x30 cm", [("dimension", "60x40x30cm", False)]),
    ],
)
def test_find_specs(text: str, expected: list[tuple[str, str, bool]]) -> None:
    assert _triples(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "we received your deposit, production start today",
        "pls pay balance USD 9,800 today",
        "Hi dear, how are you? ceo will check",  # lower-case 'ce' inside words is no certificate
        "new account at HSBC, original invoice attached",  # 'new'/'original' not about goods
        "we can reach you tomorrow",  # 'reach' the verb is not REACH
        "price USD 5 m total",
    ],
)
def test_no_specs_in_ordinary_sentences(text: str) -> None:
    assert find_specs(text) == []


def test_offsets_quote_the_exact_words() -> None:
    text = "Dear Tom, our strips are IP65 waterproof."
    spec = find_specs(text)[0]
    assert text[spec.start : spec.end] == spec.raw == "IP65"


def test_not_only_is_no_negation() -> None:
    assert _triples("not only CE but also RoHS") == [
        ("certificate", "CE", False), ("certificate", "RoHS", False)
    ]


def test_negation_stops_at_clause_break() -> None:
    # "not" negates the first clause only; IP20 after "but" is asserted
    assert _triples("it is not IP65 but IP20") == [
        ("ip_rating", "IP65", True), ("ip_rating", "IP20", False)
    ]


def _pairs(promised: str, observed: str) -> list[tuple[str, str]]:
    return [(p.describe(), o.describe())
            for p, o in compare_specs(find_specs(promised), find_specs(observed))]


def test_story_inspection_contradicts_the_promise() -> None:
    pairs = _pairs(
        "IP65 waterproof, CE and RoHS certified",
        "label says IP20, strips are not waterproof; no CE marking on product or box",
    )
    assert pairs == [("IP65", "IP20"), ("waterproof", "not waterproof"), ("CE", "no CE")]


def test_confirmed_spec_gives_no_pair() -> None:
    assert _pairs("IP65 waterproof, CE certified", "IP65 on the label, CE mark on every reel") == []


def test_better_ip_rating_is_no_contradiction() -> None:
    assert _pairs("IP65", "tested to IP67") == []
    assert _pairs("IP67", "tested to IP65") == [("IP67", "IP65")]


def test_different_certificates_do_not_contradict() -> None:
    assert _pairs("CE certified", "RoHS report attached") == []


def test_material_grade_mismatch() -> None:
    assert _pairs("304 stainless steel", "lab says 201 stainless") == [
        ("304 stainless steel", "201 stainless steel")
    ]


def test_waterproof_checked_against_ip_rating() -> None:
    assert _pairs("waterproof strips", "the label says IP20") == [("waterproof", "IP20")]
    assert _pairs("waterproof strips", "the label says IP67") == []


def test_condition_groups() -> None:
    assert _pairs("brand new phones", "the phones are used") == [("new", "used")]
    assert _pairs("brand new phones", "these are fake goods") == []  # new vs fake: other question


def test_spec_is_hashable_value() -> None:
    spec = Spec("certificate", "CE", "CE", 0, 2)
    assert spec.describe() == "CE" and not spec.negated and {spec}


def test_no_specs_in_real_business_prose(realdata: Path) -> None:
    """3,657 Enron sentences (parakweet intent set) and 192 Enron bodies: ordinary business prose
    must yield no certificates, grades, ratings or conditions ("new product", "it is used")."""
    lines = (realdata / "intent" / "parakweet-train.txt").read_text(encoding="utf-8", errors="replace")
    sentences = [line.split("\t", 1)[1] for line in lines.splitlines() if "\t" in line]
    bodies = [p.read_text(encoding="utf-8", errors="replace")
              for p in (realdata / "email" / "forge-enron-signatures").glob("[PN]/*")]
    assert len(sentences) > 3000 and len(bodies) > 150
    strict = {"ip_rating", "waterproof", "certificate", "material_grade", "condition", "composition"}
    found = [(s.attribute, s.raw) for text in [*sentences, *bodies] for s in find_specs(text)
             if s.attribute in strict]
    assert found == []


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("IPX0123456789 %/-.,;CEROHSVWKmcgsnotwaerpf防水不")), max_size=60))
def test_offsets_always_quote_the_text(text: str) -> None:
    for spec in find_specs(text):
        assert text[spec.start : spec.end] == spec.raw and spec.raw.strip() == spec.raw
        assert spec.value


def test_thickness_and_measured_length_compare_by_unit() -> None:
    assert _pairs("6 mm thick", "measured 4 mm") == [("6mm", "4mm")]
    assert _pairs("5 m reels, 2 mm thick", "reels are 5 m") == []  # metres and millimetres differ


def test_grade_named_without_the_word_stainless() -> None:
    assert _triples("XRF shows grade 201, not SUS304") == [
        ("material_grade", "201 stainless steel", False), ("material_grade", "304 stainless steel", True)
    ]
    assert _triples("Our material is 304, see the MTC.") == [("material_grade", "304 stainless steel", False)]


def test_find_specs_answers_each_caller_with_its_own_list() -> None:
    """Specs are worked out once per text; a caller that edits its list changes no one else's."""
    first = find_specs("IP65 waterproof, 304 stainless steel")
    first.clear()
    assert [s.value for s in find_specs("IP65 waterproof, 304 stainless steel")][:1] == ["IP65"]


def test_a_long_spec_sheet_keeps_every_spec_and_resolves_overlaps() -> None:
    """Thousands of specs in one pasted sheet: each is found once, overlaps still resolved
    longest first (the '304' inside 'SUS304' is not a spec of its own)."""
    specs = find_specs("IP65, SUS304, 6mm thick. " * 1500)
    assert len(specs) == 4500
    assert sorted({s.attribute for s in specs}) == sorted({s.attribute for s in specs[:3]})


def test_the_literal_gate_never_skips_a_spec_pattern_that_matches() -> None:
    """A spec pattern runs only on a text holding one of the literal strings it cannot match
    without; on every labelled sentence (and odd casing and Chinese) each pattern that matches
    passes the gate, and most patterns are skipped on a text that names no spec."""
    import json

    from chatsignals.nlp import specs
    from chatsignals.prefilter import caseless

    root = Path(__file__).resolve().parents[2] / "data" / "promises"
    texts = [json.loads(line)["text"] for f in sorted(root.glob("*.jsonl"))
             for line in f.read_text(encoding="utf-8").splitlines() if line.strip()]
    texts += ["IP65 ＩＰ６８ 防水 304不锈钢 6mm厚", "SUS304, Ip67 & CE/ROHS, 5000MAH", "ſus304 ip65"]
    matched = 0
    for text in texts:
        low = caseless(text)
        for pattern, needs in zip(specs._PATTERNS, specs._needs(), strict=True):
            if pattern.regex.search(text):
                matched += 1
                assert not needs or low is None or any(n in low for n in needs), (text, needs)
    assert matched > 200
    quiet = caseless("ok dear, thanks")
    assert quiet is not None
    skipped = [needs for needs in specs._needs() if needs and not any(n in quiet for n in needs)]
    assert len(skipped) > len(specs._PATTERNS) / 2
