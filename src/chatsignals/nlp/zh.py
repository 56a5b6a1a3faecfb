"""Chinese chat for the promise stage: sentences, grammar cues, category words, deadline patterns
and quantities, as plain data and patterns.

Why a module of its own: Chinese suppliers write to their buyers on WeChat in Chinese
("收到定金后15个工作日内发货", "最迟下周二发货", "今天已发货"), and none of the English rules can read
such a line. There are no spaces, so ``\\b`` and ``split()`` see one word; tense is marked by 了/已
and 会/一定 instead of verb forms; "by" and "at the latest" are 之前 after the date and 最迟 before
it; weekdays are numbers (周五). The vocabulary lives here and :mod:`.clauses` (cues),
:mod:`.promises` (category words, sentences), :mod:`.deadlines` (patterns) and :mod:`.values`
(quantities) each add it to their English rules. This module imports none of them (only the
China calendar), so any of them can import it.

Every pattern is bounded (no unbounded quantifier next to another): messages are hostile input
and ``tests/test_regex_safety.py`` runs each on attack strings.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dateutil.relativedelta import relativedelta

from . import calendar as cncal

Date = dt.date
EventLookup = Callable[[str], Date | None]
Window = tuple[Date | None, Date | None, str] | None

CJK = "\u4e00-\u9fff"
_CJK_CHAR = re.compile(f"[{CJK}]")
_LATIN_RUN = re.compile(r"[A-Za-z0-9]+")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")

# --- text ---------------------------------------------------------------------------------------

#: full-width punctuation -> ASCII, so the English cue patterns (", " cuts, a final "?") read it
_FULLWIDTH_CHARS = re.compile("[，。！？；：、（）～]")
FULLWIDTH = str.maketrans({"，": ", ", "。": ". ", "！": "! ", "？": "? ", "；": "; ", "：": ": ",
                           "、": ", ", "（": " (", "）": ") ", "～": "~"})


def ascii_punctuation(text: str) -> str:
    """``text`` with full-width punctuation as ASCII (unchanged, and not copied, without any)."""
    return text.translate(FULLWIDTH) if _FULLWIDTH_CHARS.search(text) else text


def has_cjk(text: str) -> bool:
    """The text has at least one Chinese character (an ASCII text, most chat lines, is known to
    have none without a search)."""
    return not text.isascii() and _CJK_CHAR.search(text) is not None


def mostly_chinese(text: str) -> bool:
    """Chinese words (two characters each) outnumber Latin words more than two to one: a
    Chinese sentence, perhaps with a brand, model or tracking number in it. The trained model
    has seen a few dozen such lines at most, so the stage trusts the rules for them; a line with
    an English gloss ("我们再做一个 we make one brighter") is left to the model, which reads the
    English."""
    cjk = len(_CJK_CHAR.findall(text))
    return cjk >= 2 and cjk / 2 > 2 * len(_LATIN_WORD.findall(text))


def word_count(text: str) -> int:
    """Words in ``text``: whitespace tokens, with a Chinese run counted as one word per two
    characters (the usual length of a Chinese word). Without Chinese it is ``len(text.split())``."""
    if not has_cjk(text):
        return len(text.split())
    n = 0
    for token in text.split():
        cjk = len(_CJK_CHAR.findall(token))
        n += 1 if not cjk else (cjk + 1) // 2 + len(_LATIN_RUN.findall(token))
    return n


#: where a Chinese sentence ends inside what the tokenizer kept as one sentence ("。" has no space
#: after it, so the English pipeline does not cut there)
_SENTENCE_END = re.compile(rf"[。！？；]++|(?<=[{CJK}])[!?;]++")


def split_sentences(sentence: str) -> list[str]:
    """``sentence`` cut after each Chinese full stop, exclamation or question mark; unchanged
    when it has no Chinese."""
    if not has_cjk(sentence):
        return [sentence]
    out, start = [], 0
    for m in _SENTENCE_END.finditer(sentence):
        piece = sentence[start:m.end()].strip()
        if piece:
            out.append(piece)
        start = m.end()
    rest = sentence[start:].strip()
    if rest:
        out.append(rest)
    return out or [sentence]


#: the Chinese clause cuts (the English comma and semicolon are cut by clauses._SPLIT)
CLAUSE_CUT = re.compile(r"[，；]")


def clause_cuts(sentence: str) -> list[tuple[int, int]]:
    """Spans of the Chinese commas and semicolons of ``sentence``."""
    return [(m.start(), m.end()) for m in CLAUSE_CUT.finditer(sentence)]


# --- grammar cues -------------------------------------------------------------------------------
# The cue patterns run on clauses.normalise() output: lower case, full-width punctuation as ASCII.

#: will / shall / promise / arrange / ASAP (future action)
FUTURE = re.compile(
    r"(?<![机社开体])会(?![议员计])|将(?!近)|一定|保证|马上|立刻|立即|尽快|(?<!已)(?<!已经)安排(?!好|了)|争取|准备|计划|确保|承诺"
    r"|负责|可以|(?<!可)能(?!力|量|源)|打算|这就|稍后|回头|下午就|晚点"
)
#: past / perfective: 已(经), verb + 了, finished
DONE = re.compile(r"已经?|了(?!解)|完成|完工|发出去")
#: "goods are ready": made, packed, prepared
READY = re.compile(r"(?:做|准备|备|包装|打包|生产|弄)好了?|已?备好|好了")
#: a plain statement of what something is or has ("是304", "有CE认证")
STATE = re.compile(r"是|有|采用|使用|用的")
#: hedges: try, maybe, should, about, hope, ASAP
HEDGE = re.compile(r"争取|尽量|尽力|可能|应该|大概|估计|差不多|左右|希望|也许|预计|尽快|大约|看情况|到时候")
#: a promise made to depend on a buyer action or event ("如果你今天付款" ends where the seller's
#: part starts: 我们, 就, 马上)
CONDITION = re.compile(
    r"(?:如果|假如|要是|只要|一旦)(?:(?!我们|我司|我方|就|马上)[^,.;!?]){0,30}"
    r"|(?:收到|等到?|待)[^,.;!?]{0,12}?(?:以后|之后|后)"
    r"|(?:定金|订金|尾款|余款|货款|全款|付款|款项?|样品确认|确认样品)\s?(?:到账|收到|付清|支付|确认|付款)?\s?"
    r"(?:以后|之后|后)"
    r"|(?:^|[,.;!?]\s?)等(?!一下|下|等)[^,.;!?]{1,12}"
)
#: refusing or unable: never a promise
STRONG_REFUSAL = re.compile(
    r"不能|不可以|不行|无法|没法|没办法|来不及|做不到|做不了|发不了|不可能|办不到|不敢保证|保证不了"
)
#: weaker negations of doing ("we will not refund"); a negated state is a promise (STATE_NEGATION)
REFUSAL = re.compile(r"不会|不发|不退|不做|不给|不接受|不同意|不负责|不承担|拒绝")
#: "the price will not change", "no delay": a promise of a state
STATE_NEGATION = re.compile(
    r"(?:不会|不)(?:再)?(?:变|涨|改|加价|延误|延迟|推迟|晚|耽误|有问题|收取?额外)|价格不变|不涨价|不加价"
    r"|没有额外|不另外收"
)
#: a question (the buyer asking, or the seller asking back)
QUESTION = re.compile(
    r"吗\s*[.!~?]*$|吗\s*[,?]|[?？]\s*$|(?<!告诉你)(?<!通知你)(?:什么时候|多久|哪天|几号|为什么|怎么办|是否|能不能"
    r"|可不可以|有没有|是不是|行不行|好不好)(?![^,.;!?]{0,6}(?:通知|告诉|回复))"
)
#: a request to the other party, at the start of the clause (after an optional address "陈总,"),
#: also "等你付尾款" (waiting for you to pay the balance)
REQUEST = re.compile(
    r"^(?:[^\s,.!?;]{1,6}[,.!]\s?)?(?:请|麻烦|烦请|劳烦|记得|别忘了|你们?(?:需要|要|得)"
    r"|等(?:你|您)们?的?(?:付|安排|确认|回复|下单|打款|转账))"
)
#: a clause that only states a condition ("如果你今天付款,"): it stays with the clause it qualifies
CONDITION_START = re.compile(r"^\s*(?:如果|假如|要是|只要|一旦|除非|等到?|待|收到)")
#: greetings, thanks, "ok" on their own
_GREETING_WORD = (
    r"(?>谢谢|感谢|多谢|你好|您好|早上好|上午好|下午好|晚上好|辛苦了?|不客气|好的|好|收到|明白|了解|嗯嗯?|哈哈"
    rf"|亲|老板|在吗|[{CJK}]{{1,2}}(?:总|经理|小姐|先生|女士|老板|哥|姐))"
)
#: greeting words separated by blanks or stops; it starts on a word, never inside a run of blanks
GREETING = re.compile(rf"{_GREETING_WORD}(?:[\s,.!~，。！]*+{_GREETING_WORD})*+[\s,.!~，。！]*+")


def is_greeting(text: str) -> bool:
    """Thanks, greetings or "ok" alone ("谢谢陈总", "好的, 收到"); a greeting is short, which also
    bounds the match on hostile text."""
    text = text.strip(" \t\n,.!~，。！")
    return 0 < len(text) <= 40 and GREETING.fullmatch(text) is not None


#: we / our factory
FIRST_PERSON = re.compile(r"我|本厂|工厂|我司|我方|公司")
#: information that commits to nothing on its own (holidays, the boss away, a fair)
INFO = re.compile(r"放假|休息|出差|展会|生病|停工|限电|停电|工人")
#: perfective markers that make a dated clause a claim, not a commitment ("今天已发货")
PERFECTIVE = re.compile(r"已经?|(?<![好对行算])了(?!解)")


@dataclass(frozen=True)
class ChineseCues:
    """The Chinese half of a clause's cues (merged into :class:`.clauses.Cues`)."""

    question: bool
    request: bool
    refusal: bool
    strong_refusal: bool
    info: bool
    state_negation: bool
    future: bool
    done: bool
    state: bool
    ready: bool
    hedge: bool
    condition: str | None
    first_person: bool


def cues(norm: str) -> ChineseCues:
    """The Chinese cues of a normalised clause (all False when it has no Chinese)."""
    cond = CONDITION.search(norm)
    return ChineseCues(
        question=bool(QUESTION.search(norm)),
        request=bool(REQUEST.search(norm)),
        refusal=bool(REFUSAL.search(norm) or STRONG_REFUSAL.search(norm)),
        strong_refusal=bool(STRONG_REFUSAL.search(norm)),
        info=bool(INFO.search(norm)),
        state_negation=bool(STATE_NEGATION.search(norm)),
        future=bool(FUTURE.search(norm)),
        done=bool(DONE.search(norm)),
        state=bool(STATE.search(norm)),
        ready=bool(READY.search(norm)),
        hedge=bool(HEDGE.search(norm)),
        condition=cond.group(0).strip(" ,.;!?") if cond else None,
        first_person=bool(FIRST_PERSON.search(norm)),
    )


# --- category words -----------------------------------------------------------------------------

#: per category of promises.CATEGORY_WORDS, the Chinese words (an alternative added to the English
#: pattern). 补发 (ship the missing goods) is delivery, not refund.
_CATEGORY_WORDS: dict[str, str] = {
    "refund": r"退款|退钱|退还|退给|退回|赔偿|补偿|换货|重做|重新做|返工|退货|返还",
    "documents": r"发票|合同|单号|照片|相片|(?<!\[)视频(?!\])|截图|报告|提单|装箱单|箱单|报关单|原产地证|水单"
                 r"|资料|文件",
    "sample": r"样品|打样|样板|寄样|样衣|确认样",
    "communication": r"通知|回复|告诉你|告诉您|联系|跟你说|反馈|问一下|问问|核实|查一下|催一下|更新",
    "price": r"价格|单价|报价|涨价|降价|优惠|折扣|运费|价钱|总价|含税|费用|便宜",
    "payment": r"定金|订金|尾款|余款|付款|账户|账号|汇款|转账|货款|收款|银行|到账|打款|支付",
    "quantity": r"数量|(?<![\d.])\d{1,6}\s?(?:套|件|个(?![月工小星礼天柜])|只|箱|台|盒|双|卷|托|片|支|瓶|袋|包)",
    "quality": rf"材质|材料|质量|品质|不锈钢|厚度|(?<=[{CJK}])(?:201|304|316)(?!\d)|(?<!\d)(?:201|304|316)(?=[{CJK}])"
               r"|认证|证书|合格|检测|磁性|规格"
               r"|型号|电镀|镀层|质保|保修",
    "delivery": r"发货|出货|交货|交期|货期|生产|排产|排期|装柜|到港|物流|补发|发出|寄出|出厂|船期|开船|清关|到货"
                r"|送货|订舱|完工|做好|备货|大货|快递(?!单)|货(?![款币])",
}
#: searched only in text with Chinese in it (English text pays nothing for them)
CATEGORY_WORDS: dict[str, re.Pattern[str]] = {k: re.compile(v) for k, v in _CATEGORY_WORDS.items()}
#: shipped (a claim of dispatch), for promises._SHIPPED
SHIPPED = rf"(?=[{CJK}])(?:已经?(?:安排)?(?:发货|发出|寄出|出货|补发)|(?:发货|发出|寄出|出货|补发)了)"
#: sending something to the buyer, for promises._SEND
SEND = rf"(?=[{CJK}])(?:发给?(?:你|您)|寄给?(?:你|您)|发送|提供|附上|上传)"
#: a tracking number named
TRACKING = r"单号"


# --- numbers ------------------------------------------------------------------------------------

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
#: 1..99 in digits or in Chinese numerals (一, 十五, 二十, 四十五)
NUM = r"(?:\d{1,3}|[一二两三四五六七八九]?十[一二三四五六七八九]?|[一二两三四五六七八九])"


def number(word: str | None) -> int | None:
    """The value of a digit string or a Chinese numeral up to 99 ("十五" -> 15)."""
    if not word:
        return None
    word = word.strip()
    if word.isdigit():
        return int(word)
    if "十" in word:
        tens, _, ones = word.partition("十")
        return (_DIGITS.get(tens, 1) if tens else 1) * 10 + (_DIGITS.get(ones, 0) if ones else 0)
    return _DIGITS.get(word)


# --- deadlines ----------------------------------------------------------------------------------

_BY = r"(?P<pre>最迟|最晚|不晚于|最好在|最好|在)?\s?"
_SUFFIX = r"(?P<suf>[之以]?前|[之以]?后|[之以]?内|左右|前后)?"
_WHICH = r"(?P<which>下下个?|下个?|上个?|这个?|本)"
_WEEK = r"(?:周|星期|礼拜)"
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_RANGE = rf"(?P<n>{NUM})(?:\s?[-~～到至]\s?(?P<m>{NUM}))?"
_UNIT = (r"\s?(?:(?P<work>个?\s?工作\s?(?:日|天))|(?P<unit>个?\s?(?:星期|礼拜)|个\s?月|周|天"
         r"|日(?=[之以]?内)))")
_EVENT_WORDS = (r"收到货|收货|到货|货到|定金|订金|预付款?|首付款?|尾款|余款|货款|全款|款项?|付款|样品确认|确认样品"
                r"|样品|下单|订单确认|订单|发货|出货|发出")
_MONTH = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_DAY = r"(?:3[01]|[12]\d|0?[1-9]|[一二]?十[一二三四五六七八九]?|三十一?|[一二三四五六七八九])"


#: a date said right after a bare event ("付清尾款后下周可以出货": after the balance, next week):
#: the date is the deadline, the event its condition
_THEN_WHEN = (r"[,，]?\s?(?:(?:下下?个?|本|这个?)\s?(?:周|星期|礼拜|月)|月[底末初中]|明天|后天|今天|[周星礼]"
              r"|\d{1,2}\s?[月号日])")


def _offset(which: str | None) -> int:
    """Weeks (or months) from this one: 上 -1, 本/这 0, 下 +1, 下下 +2."""
    if not which:
        return 0
    if which.startswith("下下"):
        return 2
    return {"下": 1, "上": -1}.get(which[0], 0)


def _by_or_after(lo: Date | None, hi: Date | None, sent: Date, m: re.Match[str]) -> Window:
    """The window of a date span with its Chinese modifiers: 最迟/之前 = from ``sent`` to the
    date (like "by"), 之后 = from the next day on (like "after")."""
    pre, suf = m["pre"] or "", m["suf"] or ""
    end = hi or lo
    if end is None:
        return None
    if pre.startswith(("最迟", "最晚", "不晚于")) or (suf.endswith("前") and suf != "前后") \
            or suf.endswith("内"):
        return sent, end, ""
    if suf.endswith("后") and suf != "前后":
        return end + dt.timedelta(days=1), None, ""
    return lo, hi, ""


def _event_kind(words: str) -> str:
    if "尾款" in words or "余款" in words:
        return "balance"
    if "样" in words:
        return "sample_approval"
    if "单" in words:
        return "order"
    if "收到货" in words or "收货" in words or "到货" in words or "货到" in words:
        return "delivery"
    if "发" in words or "出货" in words:
        return "shipment"
    return "deposit"


def _after_event(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """收到定金后15个工作日内 (within N after), 发货后30天 (N after), 付款后 (from the event on;
    not when a date follows: "付清尾款后下周可以出货" is next week, on condition of the balance)."""
    kind = _event_kind(m["ev"])
    base = events(kind)
    if base is None:
        return None, None, kind  # the event is named, its date unknown: never guessed
    n = number(m["n"])
    if n is None:
        return base, None, kind
    hi = number(m["m"]) or n
    work = bool(m["work"])
    unit = m["unit"] or "天"
    if (m["suf"] or "").endswith("内"):
        return base, _add(base, hi, unit, work), kind
    return _add(base, n, unit, work), _add(base, hi, unit, work), kind


def _add(day: Date, n: int, unit: str, working: bool) -> Date:
    if "月" in unit:
        return day + relativedelta(months=n)
    if "周" in unit or "星期" in unit or "礼拜" in unit:
        return day + dt.timedelta(weeks=n)
    return cncal.add_days(day, n, working)


def _duration(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """15天内 / 最多15个工作日 (within N), 3天后 (in N), 交期25-30天 (a lead time)."""
    n = number(m["n"])
    if n is None:
        return None
    hi = number(m["m"]) or n
    work = bool(m["work"])
    unit = m["unit"] or "天"
    suf, pre = m["suf"] or "", m["pre"] or ""
    if suf.endswith("内") or pre in ("最多", "不超过", "最迟", "最晚"):
        return sent, _add(sent, hi, unit, work), "message"
    if not suf and not pre and m["n"] in ("一", "1") and not m["m"]:
        return None  # "一天" is small talk more often than a lead time
    return _add(sent, n, unit, work), _add(sent, hi, unit, work), "message"


def _weekday(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """下周五 (Friday of next week), 本周三 (Wednesday of this week), 周五 (the next Friday, today
    excluded), 周末 (Saturday and Sunday); with 之前/最迟 from ``sent``."""
    monday = sent - dt.timedelta(days=sent.weekday())
    if m["wd"] == "末":
        if m["which"]:
            saturday = monday + dt.timedelta(weeks=_offset(m["which"]), days=5)
        else:
            saturday = monday + dt.timedelta(days=5 + (7 if sent.weekday() == 6 else 0))
        lo, hi = saturday, saturday + dt.timedelta(days=1)
    else:
        target = _WEEKDAYS[m["wd"]]
        if m["which"]:
            lo = monday + dt.timedelta(weeks=_offset(m["which"]), days=target)
        else:
            lo = sent + dt.timedelta(days=(target - sent.weekday()) % 7 or 7)
        hi = lo
    return _anchored(_by_or_after(lo, hi, sent, m), "message")


def _week(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """下周 / 下星期 / 下礼拜 (Monday..Sunday of next week), 本周/这周 (``sent``..Sunday)."""
    offset = _offset(m["which"])
    monday = sent - dt.timedelta(days=sent.weekday()) + dt.timedelta(weeks=offset)
    lo, hi = (sent if offset == 0 else monday), monday + dt.timedelta(days=6)
    return _anchored(_by_or_after(lo, hi, sent, m), "message")


def _part_of_month(year: int, month: int, part: str) -> tuple[Date, Date]:
    last = _month_last(year, month)
    if part in ("初", "上旬"):
        return dt.date(year, month, 1), dt.date(year, month, 10)
    if part in ("中", "中旬"):
        return dt.date(year, month, 11), dt.date(year, month, 20)
    if part == "下旬":
        return dt.date(year, month, 21), last
    if part in ("底", "末"):
        return dt.date(year, month, 25), last
    return dt.date(year, month, 1), last


def _month_last(year: int, month: int) -> Date:
    return (dt.date(year, month, 1) + relativedelta(months=1)) - dt.timedelta(days=1)


def _month(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """月底 / 这个月底 (25th or ``sent``..last day), 下个月 (next month), 下个月初 (1-10), 5月底
    (absolute), 5月份 (the month); 月底前 runs from ``sent`` (convention 6)."""
    part = m["part"] or ""
    if m["mon"]:
        month = number(m["mon"]) or 0
        if not 1 <= month <= 12 or not (part or m["suf"] or m["fen"]):
            return None  # a bare "5月" is too weak (and "5月15日" is a date)
        year = sent.year + (1 if month < sent.month - 6 else -1 if month > sent.month + 6 else 0)
        anchor = "absolute"
    else:
        if not (m["which"] or part):
            return None
        first = dt.date(sent.year, sent.month, 1) + relativedelta(months=_offset(m["which"]))
        year, month, anchor = first.year, first.month, "message"
    lo, hi = _part_of_month(year, month, part)
    if (year, month) == (sent.year, sent.month):
        lo = max(lo, sent)
    if (m["suf"] or "").endswith("前") and not part and m["mon"]:
        return sent, dt.date(year, month, 1) - dt.timedelta(days=1), anchor  # 5月前: before May
    return _anchored(_by_or_after(lo, hi, sent, m), anchor)


def _date(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """10月15日 / 2025年10月15日 / 15号 (the next 15th on or after ``sent``), with 前/之后/最迟."""
    day_n = number(m["d"] or m["d2"])
    if day_n is None:
        return None
    try:
        if m["mon"]:
            day = _month_day(int(m["y"]) if m["y"] else None, number(m["mon"]) or 0, day_n, sent)
        else:
            day = dt.date(sent.year, sent.month, day_n)
            if day < sent:
                nxt = dt.date(sent.year, sent.month, 1) + relativedelta(months=1)
                day = dt.date(nxt.year, nxt.month, day_n)
    except ValueError:
        return None
    return _anchored(_by_or_after(day, day, sent, m), "absolute")


def _month_day(year: int | None, month: int, day_n: int, sent: Date) -> Date:
    """A month and day; without a year the one nearest ``sent`` (as deadlines.parse_date)."""
    if year is not None:
        return dt.date(year, month, day_n)
    day = dt.date(sent.year, month, day_n)
    if (day - sent).days > 183:
        return dt.date(sent.year - 1, month, day_n)
    if (sent - day).days > 183:
        return dt.date(sent.year + 1, month, day_n)
    return day


_RELATIVE_DAYS = {"今": 0, "当": 0, "明": 1, "后": 2, "大后": 3, "昨": -1}


def _day_word(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """今天/今晚 (``sent``), 明天/明早 (+1), 后天 (+2), 大后天 (+3), 昨天 (-1); 明天之前 = by."""
    word = m["w"]
    key = "大后" if word.startswith("大后") else word[0]
    day = sent + dt.timedelta(days=_RELATIVE_DAYS[key])
    return _anchored(_by_or_after(day, day, sent, m), "message")


_HOLIDAYS = {"春节": "spring_festival", "过年": "spring_festival", "年": "spring_festival",
             "国庆": "national_day", "十一": "national_day", "黄金周": "national_day",
             "五一": "labour_day", "劳动节": "labour_day", "端午": "dragon_boat", "中秋": "mid_autumn",
             "清明": "qingming"}


def _holiday(m: re.Match[str], sent: Date, events: EventLookup) -> Window:
    """春节前 (``sent``..the day before the holiday starts), 国庆后/节后 (the first working day
    after it), per convention 12; 节后/假期后 without a name is the next long holiday."""
    name = m["hol"]
    key = next((v for k, v in _HOLIDAYS.items() if name.startswith(k)), "next")
    period = cncal.holiday_period(key, sent)
    if period is None:
        return None, None, "holiday"
    start, end = period
    if m["side"].endswith("前"):
        return sent, start - dt.timedelta(days=1), "holiday"
    day = cncal.next_workday(end + dt.timedelta(days=1))
    return day, day, "holiday"


def _anchored(window: Window, anchor: str) -> Window:
    if window is None:
        return None
    lo, hi, _ = window
    return lo, hi, anchor


Handler = Callable[[re.Match[str], Date, EventLookup], Any]

#: (regex, handler, gate words): registered by :mod:`.deadlines` after its English patterns. No
#: left word boundary: Chinese has none (every character is ``\w``).
DEADLINE_PATTERNS: list[tuple[str, Handler, tuple[str, ...]]] = [
    (rf"(?:(?:收到|等|待|在)\s?)?(?:(?:你们?|您|贵司)的?\s?)?(?P<ev>{_EVENT_WORDS})"
     r"(?:\s?(?:到账|收到|付清|支付|确认|付款))?\s?(?:[之以]?后)"
     rf"(?:[,，]?\s?(?:的\s?)?{_RANGE}{_UNIT}(?P<suf>[之以]?内)?|(?!{_THEN_WHEN}))",
     _after_event, ("后",)),
    (rf"(?<![\d.第])(?P<pre>最多|不超过|最迟|最晚|大概|大约|约)?\s?{_RANGE}{_UNIT}"
     r"(?P<suf>[之以]?内|[之以]?后|左右)?",
     _duration, ("天", "周", "星期", "礼拜", "月", "日")),
    (rf"{_BY}(?<!每){_WHICH}?\s?{_WEEK}(?P<wd>[一二三四五六日天末]){_SUFFIX}",
     _weekday, ("周", "星期", "礼拜")),
    (rf"{_BY}{_WHICH}\s?{_WEEK}(?![一二三四五六日天末]){_SUFFIX}",
     _week, ("周", "星期", "礼拜")),
    (rf"{_BY}(?:{_WHICH}\s?月|(?<![\d个])(?P<mon>{_MONTH})\s?月(?P<fen>份)?|(?<![\d个])月(?=[底末初中]))"
     r"(?P<part>底|末|初|上旬|中旬|下旬|中)?" + _SUFFIX,
     _month, ("月",)),
    (rf"{_BY}(?:(?P<y>20\d\d)\s?年\s?)?(?:(?<![\d.])(?P<mon>{_MONTH})\s?月\s?(?P<d>{_DAY})\s?[日号]"
     rf"|(?<![\d.月年第])(?P<d2>{_DAY})\s?(?:号(?![柜线楼仓位机码])|日(?=[之以]?[前后])))" + _SUFFIX,
     _date, ("日", "号")),
    (rf"{_BY}(?P<w>大后天|(?<![以之])后天|明天|明日|明早|明晚|今天|今日|今晚|今早|昨天|昨日)"
     r"(?P<suf>[之以]?前|[之以]?内)?",
     _day_word, ("天", "日", "晚", "早")),
    (r"(?P<hol>春节|过年|(?<![\d一二两三四五六七八九十几半去今明新周])年|国庆节?|十一(?=[之以]?[前后]|假期|长假)"
     r"|黄金周|五一|劳动节|端午节?|中秋节?|清明节?|(?<![^\s,，。.!！?？过完了])节|假期|长假|放假)"
     r"(?:假期|长假|放假|假)?(?P<side>[之以]?前|[之以]?后|过后|结束后)",
     _holiday, ("前", "后")),
]


#: "如果你今天付款" / "只要你下周下单": a date that bounds the buyer's action, not the seller's
#: deadline (convention 9)
BUYER_CONDITION = re.compile(r"(?:如果|假如|要是|只要|一旦)(?:(?!我们|我司|我方|就|马上)[^，,。;；!！?？\n]){0,30}")


def buyer_condition_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the "if you ..." conditions of ``text``, whose dates are not the deadline (none
    in an ASCII text: each starts with a Chinese word)."""
    if text.isascii():
        return []
    return [(m.start(), m.end()) for m in BUYER_CONDITION.finditer(text)]


#: words that may start a Chinese deadline (the promise stage's cheap gate before searching)
TIME_WORDS = re.compile(r"[天周月日号内前后]|星期|礼拜|今晚|明早")


# --- quantities ---------------------------------------------------------------------------------

#: a count of goods with a Chinese measure word ("5000套", "500件", "20箱"); not "15个工作日"
QUANTITY_RE = re.compile(
    r"(?<![\d.,])(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s?(?P<u>套|件|个(?![月工小星礼天柜多])|只|箱|台|盒|双|条|卷|托|片"
    r"|支|瓶|袋|包|吨|公斤|千克)"
)


#: money in Chinese writing ("2000元", "人民币34,000", "¥6.8"): the amount, then the currency
AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?P<a>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)\s?(?P<c>元|块钱|块|人民币|美元|美金|欧元)"
    r"|(?P<c2>人民币|美元|美金|欧元|￥|¥)\s?(?P<a2>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
)
CURRENCIES = {"元": "CNY", "块钱": "CNY", "块": "CNY", "人民币": "CNY", "￥": "CNY", "¥": "CNY",
              "美元": "USD", "美金": "USD", "欧元": "EUR"}


def amounts(text: str) -> list[tuple[int, str, str]]:
    """(position, currency code, amount as written) for each Chinese-written amount."""
    return [(m.start(), CURRENCIES[m["c"] or m["c2"]], m["a"] or m["a2"]) for m in AMOUNT_RE.finditer(text)]


def quantities(text: str) -> list[tuple[int, str]]:
    """(position, "5000套") for each count with a Chinese measure word, as written."""
    return [(m.start(), f"{m['n']}{m['u']}") for m in QUANTITY_RE.finditer(text)]


__all__ = [
    "CATEGORY_WORDS", "DEADLINE_PATTERNS", "ChineseCues", "clause_cuts", "cues", "has_cjk",
    "is_greeting", "mostly_chinese", "number", "quantities", "split_sentences", "word_count",
]
