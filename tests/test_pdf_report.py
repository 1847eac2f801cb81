"""The PDF report, read back with poppler: the figures in it are the engine's.

Each test builds a report with :func:`pdf_bytes`, extracts its text with
``pdftotext -layout`` and looks for the headline figures as ``format_money``
writes them, the Cyrillic title, digests and page numbers. Whitespace is
collapsed before searching, because a long title wraps onto two lines.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

import abc_costing as abc
from abc_costing.reports import pdf_report
from abc_costing.reports.pdf_report import pdf_bytes
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.tables import format_money
from abc_costing.reports.views import activities_view, format_value
from abc_costing.store.change_log import ChangeEntry, ChangeLog
from tests.conftest import LIBRARY, ROOT

AS_IS = LIBRARY / "contract_approval" / "as_is.yaml"
ESIGN = LIBRARY / "contract_approval" / "template_esign.yaml"
NOW = datetime(2026, 1, 1, 9, 30, tzinfo=UTC)
ARTIFACTS = ROOT / "test-artifacts"
HOSTILE = "<b>x</b> & =1+2"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (Debian poppler-utils) is missing; `make test` installs it")


def _run(tool: str, *args: str) -> str:
    return subprocess.run([tool, *args], check=True, capture_output=True, text=True,
                          timeout=60).stdout


def _write(tmp_path: Path, pdf: bytes, name: str = "report.pdf") -> Path:
    path = tmp_path / name
    path.write_bytes(pdf)
    return path


def _text(path: Path) -> str:
    """The PDF's text, whitespace collapsed to single spaces."""
    return " ".join(_run("pdftotext", "-layout", str(path), "-").split())


def _pages(path: Path) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", _run("pdfinfo", str(path)), re.M).group(1))


def _inputs(model=AS_IS, baseline=None, *, user="ivan", **kwargs):
    return build_report_inputs(model, baseline_path=baseline, user=user, change_log=None,
                               now=NOW, **kwargs)


def _money(amount: float, currency: str = "RUB") -> str:
    """Money in English as _text reads it back: the code, a space (the no-break space
    collapsed), the amount: RUB 10,368.69."""
    return f"{currency} {format_money(amount, currency)}"


@needs_poppler
def test_single_variant_headline_title_digest_and_page_numbers(tmp_path):
    inputs = _inputs()
    path = _write(tmp_path, pdf_bytes(inputs, charts=False))
    text = _text(path)
    result = abc.cost_model(abc.load_model(AS_IS))
    # 10 368.69 RUB per instance; × 1 200 instances per year.
    assert _money(result.cost_per_instance) == "RUB 10,368.69"
    assert "RUB 10,368.69" in text
    assert _money(result.cost_per_year) in text
    assert "Согласование договора с клиентом (как есть)" in text
    assert "Variant as_is" in text
    assert "Prepared by ivan" in text
    assert "2026-01-01 09:30 UTC" in text and "2026-01-01T09:30:00Z" in text
    assert inputs.provenance.inputs[0].sha256 in text
    assert f"abc-costing {abc.__version__}" in text
    pages = _pages(path)
    assert pages >= 2
    assert "Page 1 of" in text and f"Page {pages} of {pages}" in text
    # Tables: by activity (its cost per instance and share) and by resource.
    legal = result.activity("legal_review")
    assert f"{format_money(legal.cost_per_instance, 'RUB')} {legal.share:.1%}" in text
    assert "Курьер по Москве (документы)" in text


@needs_poppler
def test_comparison_headline_shows_both_variants_and_the_saving(tmp_path):
    path = _write(tmp_path, pdf_bytes(_inputs(ESIGN, AS_IS), charts=False))
    text = _text(path)
    comparison = abc.compare_models(abc.load_model(AS_IS), abc.load_model(ESIGN))
    assert "Согласование договора с клиентом: шаблон и электронная подпись" in text
    assert "compared with the baseline as_is" in text
    for amount in (comparison.baseline.cost_per_instance, comparison.candidate.cost_per_instance,
                   comparison.baseline.cost_per_year, comparison.candidate.cost_per_year,
                   comparison.saving_per_instance, comparison.saving_per_year):
        assert _money(amount) in text, _money(amount)
    assert f"{comparison.saving_share:.1%}" in text
    assert (f"template_esign saves {_money(comparison.saving_per_instance)} per instance"
            in text)
    # Without charts the waterfall is a table that ends on the candidate's total.
    assert "From as_is to template_esign" in text
    # Its steps are the changes of the activity view, in RUB as its header says.
    assert "Step Change, RUB Running total, RUB" in text
    assert (f"Candidate: template_esign {format_money(comparison.candidate.cost_per_instance, 'RUB')}"
            in text)
    assert "charts unavailable" not in text
    assert _pages(path) >= 3
    assert len(re.findall(r"SHA-256 [0-9a-f]{64}", text)) == 3  # model, baseline, catalogue


HOSTILE_MODEL = """\
format: abc-costing/1
process: hostile
variant: v1
title: "{hostile}"
currency: EUR
resources:
  clerk: {{kind: labor, name: "Клерк", rate_per_hour: 60}}
  analyst: {{kind: labor, name: "{hostile} analyst", cost_per_month: 6000,
            capacity_hours_per_month: 120}}
  stamp: {{kind: per_use, cost_per_use: 2.5}}
activities:
  check: {{name: "{hostile} check", labor: {{clerk: {{triangular: [30, 45, 90]}}}},
          wait: 120, value: business}}
  fix: {{name: "Исправление", labor: {{analyst: 20}}, uses: {{stamp: 2}}, other_cost: 7,
        value: waste}}
gateways:
  ok: {{kind: exclusive}}
events:
  s: {{kind: start}}
  e: {{kind: end}}
flows:
  - [s, check]
  - [check, ok]
  - [ok, e, 0.7]
  - [ok, fix, 0.3]
  - [fix, e]
"""


@needs_poppler
def test_user_text_is_printed_literally_and_assumptions_are_listed(tmp_path):
    library = tmp_path / "library"
    (library / "hostile").mkdir(parents=True)
    model_path = library / "hostile" / "v1.yaml"
    model_path.write_text(HOSTILE_MODEL.format(hostile=HOSTILE.replace('"', '\\"')),
                          encoding="utf-8")
    log = ChangeLog(tmp_path / "log.sqlite")
    recorded = log.append([ChangeEntry(user=HOSTILE, file="hostile/v1.yaml", element="check",
                                       field="labor.clerk", old_value="40",
                                       new_value="{triangular: [30, 45, 90]}",
                                       reason="<i>why</i>")],
                          now=NOW)
    inputs = build_report_inputs(model_path, baseline_path=None, user=HOSTILE,
                                 change_log=log, library_dir=library, now=NOW)
    path = _write(tmp_path, pdf_bytes(inputs, charts=False))
    text = _text(path)

    assert f"{HOSTILE} Variant v1" in text            # the title, as written
    assert f"Prepared by {HOSTILE}" in text
    assert f"{HOSTILE} check" in text and f"{HOSTILE} analyst" in text
    assert "<i>why</i>" in text
    # One instance: check (45+30+90)/3 = 55 min × 1 €/min = 55 + 0.3 × fix
    # (20 min × 6000/(120×60) €/min = 16.67, 2 stamps × 2.5 = 5, other 7) = 55 + 8.6 = 63.60.
    assert "EUR 63.60" in text
    assert "no volume per year" in text
    assert "triangular 30 45 90" in text             # the distribution as written
    assert "time-driven: EUR 6,000.00 per month / 120 h" in text
    assert "EUR 50.00 per hour" in text               # 6000 / 120
    assert "70%" in text and "30%" in text            # routing of the exclusive split
    assert recorded[-1].hash in text                  # change-log head
    assert "Latest changes (1 of 1" in text


def test_same_inputs_and_time_give_identical_bytes():
    first = pdf_bytes(_inputs(ESIGN, AS_IS), charts=False)
    second = pdf_bytes(_inputs(ESIGN, AS_IS), charts=False)
    assert first == second
    later = pdf_bytes(_inputs(ESIGN, AS_IS, user="petr"), charts=False)
    assert later != first
    assert b"D:20260101093000+00'00'" in first  # dated by the report, not the clock


@pytest.mark.slow
def test_bytes_are_identical_across_processes():
    script = textwrap.dedent(f"""
        import hashlib
        from datetime import UTC, datetime
        from abc_costing.reports.pdf_report import pdf_bytes
        from abc_costing.reports.provenance import build_report_inputs
        inputs = build_report_inputs({str(ESIGN)!r}, baseline_path={str(AS_IS)!r},
                                     user="ivan", change_log=None,
                                     now=datetime(2026, 1, 1, 9, 30, tzinfo=UTC))
        print(hashlib.sha256(pdf_bytes(inputs, charts=False)).hexdigest())
    """)
    import hashlib
    here = hashlib.sha256(pdf_bytes(_inputs(ESIGN, AS_IS), charts=False)).hexdigest()
    there = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                           text=True, cwd=ROOT, timeout=120).stdout.strip()
    assert here == there


@needs_poppler
def test_charts_are_drawn_without_a_browser(tmp_path, monkeypatch):
    """Issue 14: the charts are vector drawings, so no Chromium is started (none is found
    here) and the same inputs give the same bytes, charts included."""
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    monkeypatch.setenv("PATH", str(tmp_path))
    inputs = _inputs(ESIGN, AS_IS)
    pdf = pdf_bytes(inputs, charts=True)
    assert pdf == pdf_bytes(inputs, charts=True)
    ARTIFACTS.mkdir(exist_ok=True)
    monkeypatch.undo()
    path = _write(ARTIFACTS, pdf, "pdf-report-compare.pdf")
    text = _text(path)
    assert "charts unavailable" not in text
    comparison = inputs.comparison
    # The five figures' titles, as the figures write them (drawn as text, so searchable).
    assert "template_esign vs as_is: saves RUB 5,505.60 per instance" in text
    assert format_money(comparison.saving_per_instance, "RUB") == "5,505.60"
    assert "Cost per instance by resource, RUB" in text
    assert "Cost per instance by value class, RUB" in text
    assert "(candidate: template_esign)" in text and "(baseline: as_is)" in text
    # The waterfall's first bar is the baseline's total, its last the candidate's.
    assert "10,368.69" in text and "4,863.09" in text
    if shutil.which("pdfimages"):
        assert _images(path) == 0  # vector, not pictures
    sizes = _run("pdfinfo", "-f", "1", "-l", str(_pages(path)), str(path))
    assert "841.89 x 595.276" in sizes  # the process graph's landscape page
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "3", str(path),
                    str(ARTIFACTS / "pdf-report-page")], check=True, timeout=60)
    assert list(ARTIFACTS.glob("pdf-report-page-*1.png"))

    single = _write(ARTIFACTS, pdf_bytes(_inputs(), charts=True), "pdf-report-as_is.pdf")
    single_text = _text(single)
    assert "RUB 10,368.69" in single_text
    assert "cost per instance by activity" in single_text
    assert "Юридическая проверка" in single_text  # Cyrillic names drawn in the chart


@needs_poppler
def test_a_figure_that_cannot_be_drawn_leaves_tables_and_says_why(tmp_path, monkeypatch):
    import plotly.graph_objects as go

    pie = pdf_report._Chart(go.Figure(go.Pie(values=[1, 2])), 860, 400)
    monkeypatch.setattr(pdf_report, "_chart_specs", lambda inputs, language: ([pie], []))
    path = _write(tmp_path, pdf_bytes(_inputs(ESIGN, AS_IS), charts=True))
    text = _text(path)
    assert "charts unavailable: ChartError: cannot draw a figure of pie traces" in text
    assert "From as_is to template_esign" in text
    assert "Changes by resource: as_is → template_esign" in text
    assert "Changes by value class: as_is → template_esign" in text


def _images(path: Path) -> int:
    rows = _run("pdfimages", "-list", str(path)).splitlines()[2:]
    return sum(1 for row in rows if row.split()[2] == "image")


def _cells(table) -> list[list[str]]:
    """The text of each cell of a reportlab table of paragraphs, header first."""
    return [[cell.getPlainText() for cell in row] for row in table._cellvalues]


def test_the_activity_table_is_the_activity_view():
    """Header = the view's labels of the columns the PDF shows; rows = the view's, then total."""
    result = abc.cost_model(abc.load_model(AS_IS))
    view = activities_view(result)
    heading, table = pdf_report._activity_table(result)
    assert heading.getPlainText() == view.title == "Cost by activity: as_is"
    header, *body = _cells(table)
    assert header == [view.label(key) for key in pdf_report.ACTIVITY_KEYS]
    assert header[4] == "Per instance, RUB"
    assert [row[0] for row in body] == [row.value("name") for row in view.rows]
    assert body[-1][4] == format_value(result.cost_per_instance, "money", "RUB") == "10,368.69"


def test_a_long_activity_table_folds_into_a_row_that_sums_the_views_rows(monkeypatch):
    """With room for 3 rows, the 3 dearest activities stay; the rest sum to total minus them."""
    monkeypatch.setattr(pdf_report, "TABLE_ROWS", 3)
    result = abc.cost_model(abc.load_model(AS_IS))
    _, table = pdf_report._activity_table(result)
    header, *body = _cells(table)
    dearest = sorted(result.activities, key=lambda a: -a.cost_per_instance)[:3]
    kept = [a for a in result.activities if a in dearest]  # in file order
    assert [row[0] for row in body[:3]] == [a.name for a in kept]
    folded = body[3]
    rest = result.cost_per_instance - sum(a.cost_per_instance for a in kept)
    assert folded[0] == f"other activities ({len(result.activities) - 3})"
    assert folded[4] == format_value(rest, "money", "RUB")
    assert folded[5] == format_value(1 - sum(a.share for a in kept), "share")
    assert body[4][0] == "total" and len(body) == 5
