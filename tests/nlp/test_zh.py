"""Chinese supplier chat through the promise stage: deadline words with their reference date and
window, commitment vs claim vs refusal vs question, category, strength, values, sentences."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from chatsignals.nlp import zh
from chatsignals.nlp.clauses import cues_of, normalise
from chatsignals.nlp.deadlines import find_deadline
from chatsignals.nlp.promises import analyze_clause, extract_promises, message_clauses
from chatsignals.nlp.specs import find_specs
from chatsignals.nlp.values import find_amounts, find_quantities, find_value
from chatsignals.table import finalize

D = dt.date
WED = D(2025, 10, 15)  # a Wednesday, after the 2025 National Day holiday (Oct 1-8)
EVENTS = {
    "deposit": "2025-09-22",
    "balance": "2025-10-20",
    "sample_approval": "2025-09-01",
    "shipment": "2025-10-28",
    "delivery": "2025-11-02",
}

DEADLINES = [
    # event anchors (docs/PROMISES.md): 15 China working days after a Monday deposit, across
    # National Day (Oct 1-8 off, the make-up Sunday Sep 28 and Saturday Oct 11 worked)
    ("收到定金后15个工作日内发货", D(2025, 9, 20), D(2025, 9, 22), D(2025, 10, 17), "deposit"),
    ("收到定金后，15天内发货", D(2025, 9, 20), D(2025, 9, 22), D(2025, 10, 7), "deposit"),
    ("定金到账后30天发货", D(2025, 9, 20), D(2025, 10, 22), D(2025, 10, 22), "deposit"),
    ("付款后安排发货", D(2025, 9, 20), D(2025, 9, 22), None, "deposit"),
    ("付清尾款后下周可以出货", D(2025, 4, 9), D(2025, 4, 14), D(2025, 4, 20), "message"),
    ("尾款后3天内发货", WED, D(2025, 10, 20), D(2025, 10, 23), "balance"),
    ("样品确认后二十天出大货", WED, D(2025, 9, 21), D(2025, 9, 21), "sample_approval"),
    ("收到货后7天内有问题可以退换", WED, D(2025, 11, 2), D(2025, 11, 9), "delivery"),
    # named weekdays: 下周X is that day of next week; 本周X/这周X that day of this week; a bare
    # 周X the next one (today excluded); 之前 and 最迟 run from the message
    ("下周五之前一定发货", WED, WED, D(2025, 10, 24), "message"),
    ("最迟下周二发货", D(2025, 10, 24), D(2025, 10, 24), D(2025, 10, 28), "message"),
    ("下周五发货", WED, D(2025, 10, 24), D(2025, 10, 24), "message"),
    ("下星期一给你消息", WED, D(2025, 10, 20), D(2025, 10, 20), "message"),
    ("下礼拜三出货", WED, D(2025, 10, 22), D(2025, 10, 22), "message"),
    ("本周五发", WED, D(2025, 10, 17), D(2025, 10, 17), "message"),
    ("这周四寄样品", WED, D(2025, 10, 16), D(2025, 10, 16), "message"),
    ("周五发货", D(2025, 10, 17), D(2025, 10, 24), D(2025, 10, 24), "message"),
    ("下周末到港", WED, D(2025, 10, 25), D(2025, 10, 26), "message"),
    # weeks and months
    ("少的500套我们下周补发", D(2025, 11, 3), D(2025, 11, 10), D(2025, 11, 16), "message"),
    ("本周内发货", WED, WED, D(2025, 10, 19), "message"),
    ("月底发货", D(2025, 10, 10), D(2025, 10, 25), D(2025, 10, 31), "message"),
    ("这个月底前出货", D(2025, 10, 10), D(2025, 10, 10), D(2025, 10, 31), "message"),
    ("下个月初交货", D(2025, 10, 10), D(2025, 11, 1), D(2025, 11, 10), "message"),
    ("12月底到港", D(2025, 10, 10), D(2025, 12, 25), D(2025, 12, 31), "absolute"),
    ("11月中旬出货", D(2025, 10, 10), D(2025, 11, 11), D(2025, 11, 20), "absolute"),
    # durations (Chinese numerals too)
    ("3天内回复你", D(2025, 10, 10), D(2025, 10, 10), D(2025, 10, 13), "message"),
    ("7天后寄出", D(2025, 10, 10), D(2025, 10, 17), D(2025, 10, 17), "message"),
    ("10个工作日内完成", D(2025, 9, 26), D(2025, 9, 26), D(2025, 10, 16), "message"),
    ("交期25-30天", D(2025, 10, 10), D(2025, 11, 4), D(2025, 11, 9), "message"),
    ("十五天内发货", D(2025, 10, 10), D(2025, 10, 10), D(2025, 10, 25), "message"),
    ("二十天左右", D(2025, 10, 10), D(2025, 10, 30), D(2025, 10, 30), "message"),
    # dates: X月X日/号, X号 (the next such day on or after the message)
    ("10月15日前发货", D(2025, 10, 10), D(2025, 10, 10), D(2025, 10, 15), "absolute"),
    ("最迟10月20号", D(2025, 10, 10), D(2025, 10, 10), D(2025, 10, 20), "absolute"),
    ("2025年11月3日装柜", D(2025, 10, 10), D(2025, 11, 3), D(2025, 11, 3), "absolute"),
    ("25号发货", D(2025, 10, 20), D(2025, 10, 25), D(2025, 10, 25), "absolute"),
    ("15号发货", D(2025, 10, 20), D(2025, 11, 15), D(2025, 11, 15), "absolute"),
    # days
    ("我们明天发货", D(2025, 10, 28), D(2025, 10, 29), D(2025, 10, 29), "message"),
    ("后天到", D(2025, 10, 28), D(2025, 10, 30), D(2025, 10, 30), "message"),
    ("明天之前给你报价", D(2025, 10, 28), D(2025, 10, 28), D(2025, 10, 29), "message"),
    ("今天已发货", D(2025, 10, 28), D(2025, 10, 28), D(2025, 10, 28), "message"),
    # holidays, convention 12
    ("春节前发货", D(2025, 12, 10), D(2025, 12, 10), D(2026, 2, 14), "holiday"),
    ("春节后安排生产", D(2025, 12, 10), D(2026, 2, 24), D(2026, 2, 24), "holiday"),
    ("国庆后安排", D(2025, 9, 20), D(2025, 10, 9), D(2025, 10, 9), "holiday"),
    ("节后发货", D(2025, 9, 30), D(2025, 10, 9), D(2025, 10, 9), "holiday"),
    ("年前一定发", D(2026, 1, 5), D(2026, 1, 5), D(2026, 2, 14), "holiday"),
]


@pytest.mark.parametrize(("text", "sent", "earliest", "latest", "anchor"), DEADLINES)
def test_chinese_deadline_window(text: str, sent: dt.date, earliest: dt.date | None,
                                 latest: dt.date | None, anchor: str) -> None:
    deadline = find_deadline(text, sent, EVENTS)
    assert deadline is not None, text
    assert (deadline.earliest, deadline.latest, deadline.anchor) == (earliest, latest, anchor)


def test_event_without_its_date_is_named_never_guessed() -> None:
    deadline = find_deadline("收到定金后15个工作日内发货", WED, {})
    assert deadline is not None
    assert (deadline.earliest, deadline.latest, deadline.anchor) == (None, None, "deposit")
    assert deadline.text == "收到定金后15个工作日内"


@pytest.mark.parametrize("text", ["一定发货", "尽快发货", "每周一更新进度", "一年后再说", "国庆放假工人回来晚了",
                                  "有一天我们去过广州"])
def test_no_deadline_words_no_window(text: str) -> None:
    """一定 is not a number, ASAP sets no window, a recurring 每周一 is no date."""
    assert find_deadline(text, WED) is None


@pytest.mark.parametrize(
    ("text", "label", "category", "strength"),
    [
        ("收到定金后15个工作日内发货。", "commitment", "delivery", "conditional"),
        ("我们明天把发票发给你", "commitment", "documents", "firm"),
        ("今天已发货，物流单号 SF1234567890123。", "claim", "delivery", "firm"),
        ("确认，全部304材质，厚度3.0mm。", "claim", "quality", "firm"),
        ("价格不会变", "commitment", "price", "firm"),
        ("我们会赔偿你2000元", "commitment", "refund", "firm"),
        ("工厂已经收到你的定金了", "claim", "payment", "firm"),
        ("我问一下工厂，明天回复你", "commitment", "communication", "firm"),
        ("样品下周寄出", "commitment", "sample", "firm"),
        ("陈总，少的500套我们下周补发。", "commitment", "delivery", "firm"),
        ("我们争取月底前出货", "commitment", "delivery", "hedged"),
        ("应该下周可以到港", "commitment", "delivery", "hedged"),
        ("如果你今天付款，我们明天发货", "commitment", "delivery", "conditional"),
        ("付清尾款后下周可以出货。", "commitment", "delivery", "conditional"),
        ("5000套，一套不少", "claim", "quantity", "firm"),
        ("我们有CE认证", "claim", "quality", "firm"),
        ("货已经做好了", "claim", "delivery", "firm"),
        ("样品3天后寄出，快递单号到时发你", "commitment", "sample", "firm"),  # "3天后" is no condition
        ("已经安排补发了，单号SF123456789", "claim", "delivery", "firm"),  # arranged: done, not to do
    ],
)
def test_commitments_and_claims(text: str, label: str, category: str | None, strength: str) -> None:
    decision = analyze_clause(text, WED, EVENTS)
    assert (decision.label, decision.strength) == (label, strength)
    if category is not None:
        assert decision.category == category


@pytest.mark.parametrize(
    "text",
    [
        "我们不能在春节前发货",  # refusal
        "来不及了，下周没法发货",
        "我们不会退款",
        "下周能发货吗？",  # questions, with and without the question mark
        "货什么时候可以发",
        "请尽快付尾款",  # requests to the buyer
        "麻烦确认一下唛头",
        "谢谢陈总",  # thanks, greetings, information
        "老板出差了",
    ],
)
def test_not_promises(text: str) -> None:
    assert analyze_clause(text, WED, EVENTS).label == "none"


@pytest.mark.parametrize(
    ("text", "latest"),
    [
        ("如果你今天付款，我们明天发货", D(2025, 10, 16)),
        ("如果你今天付款我们明天发货", D(2025, 10, 16)),
        ("如果你下周下单价格不变", None),
    ],
)
def test_the_buyers_date_is_not_the_deadline(text: str, latest: dt.date | None) -> None:
    """Convention 9: "if you pay today" bounds the buyer's action; the seller's date is tomorrow."""
    decision = analyze_clause(text, WED)
    assert decision.strength == "conditional"
    assert (decision.deadline.latest if decision.deadline else None) == latest


def test_ok_in_chinese_answers_the_request() -> None:
    d = analyze_clause("好的", WED, context="明天能发货吗？")
    assert (d.label, d.category) == ("commitment", "delivery")
    assert d.answers and d.deadline is not None and d.deadline.earliest == D(2025, 10, 16)
    assert analyze_clause("好的", WED, context="谢谢").label == "none"  # thanks asks for nothing


def test_values_specs_quantities_amounts() -> None:
    specs = [(s.attribute, s.value) for s in find_specs("确认，全部304材质，厚度3.0mm。")]
    assert specs == [("material_grade", "304 stainless steel"), ("thickness", "3mm")]
    assert find_value("确认，全部304材质，厚度3.0mm。", "quality").text == "304 stainless steel, 3mm"
    assert [s.value for s in find_specs("材质是201，不是304不锈钢")][:1] == ["201 stainless steel"]
    assert find_specs("不锈钢材质304")[0].negated is False  # 不锈 is no negation
    assert find_quantities("货收到了，只有4500套，少了500套") == ["4500套", "500套"]
    assert find_quantities("15个工作日内发货，3个月质保") == []
    assert find_quantities("20箱 and 500 pcs") == ["20箱", "500 pcs"]
    assert find_amounts("单价 6.8 元人民币，总额 34,000 元，我们赔偿你2000元") == [
        "CNY 6.8", "CNY 34,000", "CNY 2,000"]


def test_sentences_and_clauses() -> None:
    clauses = [c for _, _, c in message_clauses("陈总好！确认，全部304材质，厚度3.0mm。\n收到定金后15个工作日内发货。")]
    assert clauses == ["陈总好！", "确认，全部304材质，厚度3.0mm。", "收到定金后15个工作日内发货。"]
    # "请放心" is a clause of its own, so the request cue does not sink the promise before it
    clauses = [c for _, _, c in message_clauses("陈总，电镀厂排期延误，最迟下周二发货，请放心。")]
    assert clauses == ["陈总，电镀厂排期延误，最迟下周二发货", "请放心。"]


def test_english_is_read_as_before() -> None:
    """The Chinese helpers leave English text alone."""
    text = "Goods ready. We will ship tomorrow, tracking tmr"
    assert zh.split_sentences(text) == [text]
    assert zh.word_count(text) == len(text.split())
    assert normalise("Pls ship tmr") == "please ship tomorrow"
    assert not zh.mostly_chinese("好的 ok we send tomorrow")
    assert zh.mostly_chinese("今天已发货，物流单号 SF1234567890123")
    assert cues_of("好的，收到").bare_accept


def test_extract_promises_from_a_chinese_chat() -> None:
    rows = [
        ("陈志明", "buyer", "2025-10-15T01:12:30Z", "刘小姐，货什么时候可以发？"),
        ("刘芳", "seller", "2025-10-15T03:40:02Z", "陈总不好意思，国庆放假工人回来晚了，下周五之前一定发货。"),
        ("刘芳", "seller", "2025-10-28T07:05:33Z", "今天已发货，物流单号 SF1234567890123。"),
    ]
    frame = pd.DataFrame([{"conversation_id": "c", "sender": s, "role": r, "timestamp": ts, "text": t,
                           "is_system": False, "timezone": "Asia/Shanghai"} for s, r, ts, t in rows])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"], utc=True)
    frame["message_id"] = [f"m{i}" for i in range(len(frame))]
    frame["platform"] = "wechat"
    frame["source_index"] = range(len(frame))
    promises = extract_promises(finalize(frame)).set_index("message_id")
    assert "m0" not in promises.index  # the buyer's question
    later = promises.loc["m1"]
    assert (later["kind"], later["category"], later["deadline_latest"]) == (
        "commitment", "delivery", pd.Timestamp("2025-10-24"))
    shipped = promises.loc["m2"]
    assert (shipped["kind"], shipped["category"], shipped["value"]) == (
        "claim", "delivery", "SF 1234567890123")
