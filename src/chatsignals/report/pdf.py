"""report.pdf: the same report as a PDF exhibit (fpdf2), every page numbered and stamped.

All text is embedded as text with subsetted TrueType fonts, so it can be searched and extracted,
Chinese included. The Latin font is DejaVu Sans (shipped with matplotlib); CJK text needs a CJK
font found with fc-match or given with ``--font``: when Chinese text is present and no font covers
it, writing stops with a clear error rather than printing empty boxes.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from typing import Any

import matplotlib
from fontTools.ttLib import TTCollection, TTFont
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from ..errors import UsageError
from .i18n import texts
from .timeline import render_svg

MAX_PDF_BYTES = 5 * 1024 * 1024
TRANSCRIPT_CHUNK = 1500  # messages per appendix part when the transcript is split
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
CJK_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)


def latin_font() -> Path:
    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def find_cjk_font() -> Path | None:
    """A font with Chinese glyphs: fc-match first, then the usual places."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10, check=False
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and _covers(Path(out), "中文"):
            return Path(out)
    for candidate in CJK_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    return None


def _cmap(path: Path) -> set[int]:
    if path.suffix.lower() in (".ttc", ".otc"):
        font = TTCollection(str(path)).fonts[0]
    else:
        font = TTFont(str(path), lazy=True)
    return set(font.getBestCmap() or {})


def _covers(path: Path, text: str) -> bool:
    try:
        cmap = _cmap(path)
    except Exception:
        return False
    return all(ord(ch) in cmap for ch in set(text) if not ch.isspace())


_COVERED: set[int] = set()  # code points the loaded fonts draw (set by PdfWriter)


def _spell(ch: str) -> str:
    if not _COVERED or ord(ch) in _COVERED or ch in "\n ":
        return ch
    if unicodedata.category(ch) in ("Mn", "Me", "Cf") or ch == "\ufe0f":
        return ""  # combining marks and variation selectors of an emoji we spell out
    return f"[{unicodedata.name(ch, f'U+{ord(ch):04X}').lower()}]"


def clean(text: Any) -> str:
    """Text safe for a PDF cell: controls and bidi overrides removed (they reorder what a reader
    sees), tabs as spaces, and characters no loaded font can draw (emoji) spelled out by their
    Unicode name instead of printing as empty boxes."""
    out = _CONTROL.sub("", str(text if text is not None else "")).replace("\t", "    ")
    if _COVERED and any(ord(ch) not in _COVERED for ch in out):
        out = "".join(_spell(ch) for ch in out)
    return out


def _all_text(model: dict[str, Any]) -> str:
    import json

    return json.dumps(model, ensure_ascii=False)


class ReportPDF(FPDF):
    def __init__(self, control: str, page_label: str, title: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.control = control
        self.page_label = page_label
        self.title_text = title
        self.set_auto_page_break(True, margin=16)
        self.set_margins(14, 14, 14)

    def header(self) -> None:
        self.set_font("body", size=7)
        self.set_text_color(110)
        self.cell(0, 4, f"{self.title_text} · {self.control}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_text_color(0)
        self.ln(1)

    def footer(self) -> None:
        self.set_y(-11)
        self.set_font("body", size=7)
        self.set_text_color(110)
        label = self.page_label.format(page=self.page_no(), pages="{nb}")
        self.cell(0, 5, f"{self.control} · {label}", align="C")
        self.set_text_color(0)


class PdfWriter:
    def __init__(self, model: dict[str, Any], font: str | None = None) -> None:
        self.m = model
        self.t = texts(model.get("lang", "en"))
        self.cjk_font = self._pick_cjk(font)
        _COVERED.clear()
        _COVERED.update(_cmap(latin_font()))
        if self.cjk_font:
            _COVERED.update(_cmap(self.cjk_font))
        logging.getLogger("fpdf").setLevel(logging.ERROR)  # missing glyphs are spelled out instead

    def _pick_cjk(self, font: str | None) -> Path | None:
        cjk_chars = set(_CJK.findall(_all_text(self.m)))
        needs_cjk = bool(cjk_chars)
        if font:
            path = Path(font)
            if not path.is_file():
                raise UsageError(f"--font {font}: no such font file")
            if needs_cjk and not _covers(path, "".join(sorted(cjk_chars))[:2000]):
                raise UsageError(f"--font {font}: does not cover the Chinese text in these messages")
            return path
        if not needs_cjk:
            return None
        found = find_cjk_font()
        if found is None:
            raise UsageError(
                "report.pdf: the messages contain Chinese text but no installed font covers it; "
                "install a CJK font (Debian: fonts-noto-cjk) or pass --font FILE.ttf"
            )
        return found

    def new_pdf(self, title: str) -> ReportPDF:
        pdf = ReportPDF(self.m["control_number"], self.t["page_of"], title)
        pdf.add_font("body", "", str(latin_font()))
        pdf.add_font("body", "B", str(latin_font().with_name("DejaVuSans-Bold.ttf")))
        if self.cjk_font:
            pdf.add_font("cjk", "", str(self.cjk_font))
            pdf.set_fallback_fonts(["cjk"], exact_match=False)
        pdf.set_creation_date(dt.datetime.fromisoformat(self.m["as_of"]).replace(tzinfo=dt.UTC))
        pdf.set_title(f"{self.t['title']} {self.m['control_number']}")
        pdf.set_creator("chatsignals")
        pdf.set_producer("chatsignals (fpdf2)")
        pdf.alias_nb_pages()
        pdf.add_page()
        return pdf

    # -- blocks -------------------------------------------------------------------------------
    def h1(self, pdf: ReportPDF, text: str) -> None:
        pdf.set_font("body", "B", 16)
        pdf.multi_cell(0, 8, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def h2(self, pdf: ReportPDF, text: str) -> None:
        pdf.ln(3)
        pdf.set_font("body", "B", 12)
        pdf.set_text_color(31, 95, 168)
        pdf.multi_cell(0, 7, clean(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)

    def para(self, pdf: ReportPDF, text: str, size: float = 9, bold: bool = False) -> None:
        pdf.set_font("body", "B" if bold else "", size)
        pdf.multi_cell(0, size * 0.5, clean(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def kv(self, pdf: ReportPDF, rows: list[tuple[str, str]]) -> None:
        pdf.set_font("body", "", 9)
        with pdf.table(col_widths=(35, 145), first_row_as_headings=False, line_height=4.6, text_align="LEFT") as table:
            for key, value in rows:
                row = table.row()
                row.cell(clean(key))
                row.cell(clean(value))

    def grid(self, pdf: ReportPDF, headings: list[str], rows: list[list[str]], widths: tuple[int, ...], size: float = 8) -> None:
        pdf.set_font("body", "", size)
        style = FontFace(emphasis="BOLD", fill_color=(242, 245, 250))
        with pdf.table(col_widths=widths, line_height=size * 0.5, headings_style=style, text_align="LEFT") as table:
            head = table.row()
            for h in headings:
                head.cell(clean(h))
            for r in rows:
                row = table.row()
                for value in r:
                    row.cell(clean(value))

    def message(self, pdf: ReportPDF, c: dict[str, Any]) -> None:
        flags = "".join(f" [{self.t[k]}]" for k, on in (("edited", c["is_edited"]), ("deleted", c["is_deleted"])) if on)
        head = f"{c['exhibit']}  {c['time']}  ({self.t['original_time']}: {c['time_raw']})  {c['sender'] or '-'} [{c['role']}, {c['platform']}]{flags}"
        pdf.set_font("body", "B" if c.get("cited") else "", 7.5)
        pdf.set_text_color(176, 58, 46) if c.get("cited") else pdf.set_text_color(80)
        pdf.multi_cell(0, 3.8, clean(head), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0)
        pdf.set_font("body", "", 8.5)
        body = c["text"] or ""
        if c.get("subject"):
            body = f"[{c['subject']}]\n{body}"
        if c["attachments"]:
            body += f"\n{self.t['attachments']}: {', '.join(c['attachments'])}"
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(0, 4.2, clean(body) or " ", align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)

    # -- sections -------------------------------------------------------------------------------
    def summary(self, pdf: ReportPDF) -> None:
        m, t = self.m, self.t
        self.h1(pdf, t["title"])
        self.para(pdf, f"{t['subtitle']}. {t['control_number']}: {m['control_number']} · {t['generated']}: {m['as_of']}", 8)
        pdf.ln(1)
        self.para(pdf, t["disclaimer"] + (" " + t["redacted_note"] if m["redacted"] else ""), 8.5, bold=True)
        self.h2(pdf, t["summary"])
        rows = [(t["seller"], ", ".join(m["parties"]["seller"])), (t["buyer"], ", ".join(m["parties"]["buyer"]))]
        if m["case"].get("order_id"):
            rows.append((t["order_id"], f"{m['case']['order_id']} ({m['case'].get('platform', '')})"))
        if m["order"].get("placed"):
            rows.append((t["placed"], str(m["order"]["placed"])))
        for it in m["order"].get("items") or []:
            specs = ", ".join(it.get("specs") or [])
            rows.append((t["items"], f"{it.get('quantity', '')} {it.get('unit', '')} {it.get('name', '')} @ {it.get('unit_price', '')} {specs}"))
        if m["order"].get("total"):
            rows.append((t["total"], m["order"]["total"]))
        for a in m["amounts"]:
            rows.append((t["amounts"], f"{a['date']} {a['label']}: {a['amount']}"))
        for e in m["events"]:
            rows.append((t["key_dates"], f"{e['date']} {e['label']} {e['details']}".strip()))
        self.kv(pdf, rows)
        self.h2(pdf, t["findings_ranked"])
        if m["findings"]:
            self.grid(
                pdf,
                ["#", t["severity"], t["findings"], t["exhibit"]],
                [[str(f["n"]), f["severity"], f"{f['title']}: {f['explanation']}", ", ".join(f["exhibits"])] for f in m["findings"]],
                (8, 18, 124, 30),
            )
        else:
            self.para(pdf, t["no_findings"])
        self.h2(pdf, t["deadlines_now"])
        if m["deadlines_now"]:
            for d in m["deadlines_now"]:
                left = "" if d["days_left"] is None else (f" ({d['days_left']} day(s) left)" if d["days_left"] >= 0 else f" (passed {-d['days_left']} day(s) ago)")
                self.para(pdf, f"{d['label']}: {d['date']}{left} — {d['basis']}")
        else:
            self.para(pdf, t["no_deadlines"])

    def ledger(self, pdf: ReportPDF) -> None:
        t = self.t
        self.h2(pdf, t["ledger"])
        self.para(pdf, t["ledger_intro"], 8)
        if not self.m["promises"]:
            self.para(pdf, t["no_promises"])
            return
        rows = [
            [p["exhibit"], p["date"], f"{p['kind']} ({p['strength']})", f"{p['category']} {p['value']}".strip(), p["text"], p["deadline"], t["status_" + p["status"]] + (f": {p['evidence']}" if p["evidence"] else "")]
            for p in self.m["promises"]
        ]
        self.grid(pdf, [t["exhibit"], t["date"], t["kind"], t["category"], t["text"], t["deadline"], t["status"]], rows, (16, 18, 22, 24, 56, 22, 24), 7)

    def timeline(self, pdf: ReportPDF) -> None:
        svg = render_svg(self.m, text_as_paths=True)
        if not svg:
            return
        self.h2(pdf, self.t["timeline"])
        self.para(pdf, self.t["timeline_intro"], 8)
        svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.DOTALL)
        try:
            pdf.image(io.BytesIO(svg.encode("utf-8")), w=pdf.epw)
        except Exception as exc:  # an SVG feature fpdf2 cannot draw must not lose the report
            self.para(pdf, f"(timeline chart not drawable in PDF: {exc.__class__.__name__})", 7)

    def details(self, pdf: ReportPDF) -> None:
        t = self.t
        self.h2(pdf, t["finding_details"])
        for f in self.m["findings"]:
            self.para(pdf, f"{f['n']}. {f['title']} [{f['severity']}] — {t['rule']} {f['rule_id']}, {t['score']} {f['score']}", 9.5, bold=True)
            self.para(pdf, f["explanation"], 9)
            if f["evidence"]:
                self.para(pdf, f"{t['evidence']}: {f['evidence']}", 8)
            for c in f["context"]:
                self.message(pdf, c)
            pdf.ln(2)

    def transcript(self, pdf: ReportPDF, part: str, messages: list[dict[str, Any]], heading: str) -> None:
        if not messages:
            return
        self.h2(pdf, f"{self.t['transcript']}: {heading} ({len(messages)})")
        if part == "on_platform":
            self.para(pdf, self.t["on_platform_note"], 8)
        for c in messages:
            self.message(pdf, c)

    def provenance(self, pdf: ReportPDF) -> None:
        t, p = self.t, self.m["provenance"]
        self.h2(pdf, t["provenance"])
        self.grid(pdf, [t["file"], t["format"], t["size"], t["sha256"]], [[i["file"], i["format"], str(i["size"]), i["sha256"]] for i in p["inputs"]], (55, 20, 17, 88), 7)
        for i in p["inputs"]:
            self.para(pdf, i["summary"], 7.5)
            for w in i["warnings"]:
                self.para(pdf, f"  warning: {w}", 7)
            for s in i["skipped"]:
                self.para(pdf, f"  skipped {s['locator']}: {s['reason']}", 7)
        for n in p["notes"]:
            self.para(pdf, n, 7)
        for f in p["failures"]:
            self.para(pdf, f"{t['errors']}: {f['source_file']}: {f['reason']}", 7.5)
        self.kv(pdf, [(t["tool"], f"chatsignals {p['tool_version']}"), (t["rules_version"], p["rules_version"]), (t["time_zone"], p["time_zone"])] + [(k, str(v)) for k, v in p["settings"].items()])

    # -- files --------------------------------------------------------------------------------
    def write(self, outdir: Path) -> list[Path]:
        """report.pdf, plus appendix parts when the transcript would push it past ~5 MB."""
        tr = self.m["transcript"]
        total = len(tr["on_platform"]) + len(tr["off_platform"])
        split = total > TRANSCRIPT_CHUNK
        pdf = self.new_pdf(self.t["title"])
        self.summary(pdf)
        self.ledger(pdf)
        self.timeline(pdf)
        self.details(pdf)
        if not split:
            self.transcript(pdf, "on_platform", tr["on_platform"], self.t["on_platform"])
            self.transcript(pdf, "off_platform", tr["off_platform"], self.t["off_platform"])
        self.provenance(pdf)
        written = [outdir / "report.pdf"]
        pdf.output(str(written[0]))
        if split:
            written += self._appendix_parts(outdir)
        return written

    def _appendix_parts(self, outdir: Path) -> list[Path]:
        tr = self.m["transcript"]
        items = [("on_platform", c) for c in tr["on_platform"]] + [("off_platform", c) for c in tr["off_platform"]]
        parts = []
        for n, start in enumerate(range(0, len(items), TRANSCRIPT_CHUNK), 1):
            chunk = items[start : start + TRANSCRIPT_CHUNK]
            pdf = self.new_pdf(f"{self.t['title']} — {self.t['transcript']} {n}")
            for part in ("on_platform", "off_platform"):
                msgs = [c for p, c in chunk if p == part]
                self.transcript(pdf, part, msgs, self.t[part])
            path = outdir / f"report-transcript-{n}.pdf"
            pdf.output(str(path))
            parts.append(path)
        return parts


def write_pdf(model: dict[str, Any], outdir: Path, font: str | None = None) -> list[Path]:
    return PdfWriter(model, font).write(outdir)
