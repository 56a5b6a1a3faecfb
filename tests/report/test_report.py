import json
import shutil
import subprocess

import pytest

from chatsignals.report import write_report
from chatsignals.report.manifest import verify, write_manifest
from chatsignals.report.model import build_model
from chatsignals.report.redact import redact
from chatsignals.writer import ReportOptions


def test_model_ranks_findings_and_numbers_exhibits(analysis):
    model = build_model(analysis)
    assert [f["n"] for f in model["findings"]] == [1, 2, 3]
    assert model["findings"][0]["severity"] == "critical"
    assert [f["finding_id"] for f in model["findings"]] == ["F-1", "F-3", "F-2"]  # severity, then score
    assert model["findings"][2]["exhibits"] == ["M-0004", "M-0005"]  # table order: m3, m4
    context = model["findings"][0]["context"]
    assert [c["cited"] for c in context].count(True) == 1
    assert any(c["exhibit"] == "M-0005" for c in context)  # a neighbour before the cited message
    # on-platform Alibaba messages are kept apart from off-platform ones
    assert {c["platform"] for c in model["transcript"]["on_platform"]} == {"alibaba"}
    assert len(model["transcript"]["off_platform"]) == 5
    # a timestamp shows its offset and the string as written
    first = model["transcript"]["on_platform"][0]
    assert first["time"] == "2025-02-20 03:15 +01:00" and first["time_raw"] == "20.02.25, 02:15"


def test_deadlines_and_ledger_status(analysis):
    model = build_model(analysis)
    ta = model["deadlines_now"][0]
    assert ta["date"] == "2025-05-30" and ta["days_left"] == 10
    status = {p["promise_id"]: p["status"] for p in model["promises"]}
    assert status == {"P-1": "broken", "P-2": "broken", "P-3": "broken", "P-4": "overdue"}
    dates = [p["date"] for p in model["promises"]]
    assert dates == sorted(dates)  # the ledger reads in time order


def test_control_number_is_stable_and_content_bound(analysis):
    a, b = build_model(analysis), build_model(analysis)
    assert a["control_number"] == b["control_number"]
    analysis.messages.loc[0, "text"] = "changed"
    assert build_model(analysis)["control_number"] != a["control_number"]


def test_redaction_masks_all_but_last_four_digits():
    assert redact("call me +86 138 0000 1234") == "call me +•• ••• •••• 1234"
    assert redact("A/C 848-123456-838") == "A/C •••-•••••6-838"
    assert redact("write to lily@brightway-lighting.com") == "write to l•••@brightway-lighting.com"
    assert redact("shipped on 2025-04-02, 5000 pcs") == "shipped on 2025-04-02, 5000 pcs"


def test_html_escapes_chat_text_and_loads_nothing(analysis, tmp_path):
    write_report(analysis, tmp_path, ReportOptions(pdf=False))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'onerror="document' not in html
    for fetch in ('src="http', "src='http", 'href="http', "url(http", "@import", "<link", "<iframe"):
        assert fetch not in html
    assert "<script" not in html.lower()
    assert "Content-Security-Policy" in html
    assert "您好，货物下周发出" in html
    data = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["control_number"] in html
    assert len(data["messages"]) == 8 and len(data["findings"]) == 3


def test_manifest_verify_detects_changes(analysis, tmp_path):
    files = write_report(analysis, tmp_path, ReportOptions(pdf=False))
    write_manifest(analysis, tmp_path, files)
    ok, lines = verify(tmp_path)
    assert ok and lines[-1].startswith("verified")
    (tmp_path / "report.html").write_text("tampered", encoding="utf-8")
    ok, lines = verify(tmp_path)
    assert not ok and any(line.startswith("CHANGED  output report.html") for line in lines)


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_pdf_text_is_extractable_with_chinese_and_every_title(analysis, tmp_path):
    from chatsignals.report.pdf import find_cjk_font

    if find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    write_report(analysis, tmp_path, ReportOptions())
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"], capture_output=True, text=True, check=True).stdout
    assert "货物下周发出" in text
    for title in ("Request to pay a new bank account", "Delivery date moved twice", "Promised IP65, inspection found IP20"):
        assert title in " ".join(text.split())
    assert "page 1 of" in text
    assert build_model(analysis)["control_number"] in text


@pytest.mark.skipif(not shutil.which("chromium"), reason="chromium not installed")
def test_chromium_renders_findings_and_runs_no_chat_script(analysis, tmp_path):
    write_report(analysis, tmp_path, ReportOptions(pdf=False))
    profile = tmp_path / "profile"
    done = subprocess.run(
        [
            "chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            f"--user-data-dir={profile}", "--virtual-time-budget=2000", "--dump-dom",
            (tmp_path / "report.html").as_uri(),
        ],
        capture_output=True, text=True, timeout=120, check=False,
    )
    dom = done.stdout
    assert "Delivery date moved twice" in dom and "Request to pay a new bank account" in dom
    assert "pwned" not in dom.split("<body", 1)[1].split(">", 1)[0]  # no data-pwned on body
    assert "<title>Evidence report" in dom  # the title was not rewritten by a chat script


def test_report_without_facts(analysis, tmp_path):
    analysis.facts = None
    files = write_report(analysis, tmp_path, ReportOptions(pdf=False))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Request to pay a new bank account" in html and len(files) == 2
    assert "built-in method" not in html


def test_redacted_report_masks_everywhere(analysis, tmp_path):
    analysis.settings.seller = ["+86 138 0000 1234"]
    write_report(analysis, tmp_path, ReportOptions(pdf=False, redact=True))
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    data = (tmp_path / "report.json").read_text(encoding="utf-8")
    for text in (html, data):
        assert "848-123456-838" not in text and "138 0000 1234" not in text
    assert "•••-•••••6-838" in html
    assert "['" not in html  # settings shown as text, not as Python lists


def test_missing_cjk_font_skips_only_the_pdf(analysis, tmp_path, monkeypatch):
    from chatsignals.report import pdf

    monkeypatch.setattr(pdf, "find_cjk_font", lambda: None)
    files = write_report(analysis, tmp_path, ReportOptions())
    assert {f.name for f in files} == {"report.html", "report.json"}
    assert not (tmp_path / "report.pdf").exists()
    assert "no installed font covers it" in analysis.output_problems[0]
