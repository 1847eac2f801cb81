"""One rounding rule for every figure shown: half away from zero, as the accountants' ROUND.

A cost that ends in half a kopeck (100.125 RUB) used to read 100.13 in the
workbook (LibreOffice/Excel round half away from zero) and 100.12 in the
terminal and the PDF (Python rounds half to even). 2.675 is stored as
2.67499999…; a spreadsheet still shows 2.68 because it rounds the number as
written with 15 significant digits, and so must we. Each renderer is read
back here: the CLI's text, the PDF through poppler, the CSV's rounded
column, the dashboard's frame, and the workbook as LibreOffice shows it.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.formats import load_model
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.report_files import report_bytes, view_csv
from abc_costing.reports.views import (
    format_money,
    format_number,
    format_share,
    resources_view,
    rounded_for_display,
)
from tests.libreoffice import first_sheet_as_shown, soffice

#: (other cost per instance as written, what a spreadsheet's ROUND(x, 2) shows)
HALF_KOPECKS = [("100.125", "100.13"),   # exactly half in binary: half-even gave 100.12
                ("2.675", "2.68"),       # 2.67499999… in binary: ROUND still gives 2.68
                ("1.005", "1.01"),
                ("1234.565", "1,234.57")]


def _model_text(other_cost: str) -> str:
    return f"""\
format: abc-costing/1
process: fees
variant: as_is
currency: RUB
volume_per_year: 1
activities:
  fee: {{other_cost: {other_cost}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, fee], [fee, e]]
"""


@pytest.fixture(params=HALF_KOPECKS, ids=[written for written, _ in HALF_KOPECKS])
def half_kopeck(request, tmp_path):
    written, shown = request.param
    path = tmp_path / "fees.yaml"
    path.write_text(_model_text(written), encoding="utf-8")
    return path, shown


def test_the_rule_is_half_away_from_zero_on_the_written_number():
    assert str(rounded_for_display(100.125, 2)) == "100.13"
    assert round(100.125, 2) == 100.12  # what Python's own rounding says: half to even
    assert str(rounded_for_display(-100.125, 2)) == "-100.13"
    assert str(rounded_for_display(2.5, 0)) == "3" and str(rounded_for_display(-2.5, 0)) == "-3"
    assert format_money(0.125, "RUB") == "0.13"
    assert format_money(0.5, "JPY") == "1"            # JPY has no minor unit
    assert format_money(-0.004, "RUB") == "0.00"      # never "-0.00"
    assert format_share(0.0125) == "1.3%"             # 1.25 % → one decimal, half up
    assert format_number(29.25, 1) == "29.3"


@given(st.integers(min_value=-10**12, max_value=10**12))
def test_any_half_kopeck_goes_away_from_zero(kopecks_times_ten):
    # value = n/10 kopecks; when n ends in 5 it is exactly half a kopeck as written.
    written = Decimal(kopecks_times_ten) / 1000
    value = float(written)
    expected = written.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
    assert rounded_for_display(value, 2) == expected


def test_cli_shows_the_accountants_rounding(half_kopeck, capsys):
    path, shown = half_kopeck
    assert main(["cost", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"Cost per instance: RUB\u00a0{shown}" in out


def test_csv_rounded_column_and_dashboard_frame(half_kopeck):
    path, shown = half_kopeck
    view = resources_view(cost_model(load_model(path)))
    rows = list(csv.DictReader(io.StringIO(view_csv(view).decode("utf-8-sig"))))
    total = next(r for r in rows if r["row_kind"] == "total")
    assert total["cost_per_instance_rounded"] == shown.replace(",", "")

    from dashboard_pages.state import view_frame

    frame = view_frame(view)
    [money_label] = [view.label(c.key) for c in view.brief_columns() if c.key == "cost_per_instance"]
    # The browser formats this float with %.2f; it is already the rounded figure.
    assert f"{frame[money_label].iloc[-1]:.2f}" == shown.replace(",", "")


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_pdf_shows_the_accountants_rounding(half_kopeck, tmp_path):
    path, shown = half_kopeck
    inputs = build_report_inputs(path, baseline_path=None, user="ivan", change_log=None)
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(report_bytes(inputs, "pdf"))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                                   capture_output=True, text=True, timeout=60).stdout.split())
    assert f"RUB {shown}" in text  # str.split() made the no-break space a plain one


@pytest.mark.skipif(soffice() is None, reason="needs LibreOffice")
def test_workbook_as_libreoffice_shows_it_agrees(tmp_path):
    """The workbook's Summary, displayed by LibreOffice, shows what the CLI shows."""
    for index, (written, shown) in enumerate(HALF_KOPECKS):
        path = tmp_path / f"fees{index}.yaml"
        path.write_text(_model_text(written), encoding="utf-8")
        inputs = build_report_inputs(path, baseline_path=None, user="ivan", change_log=None)
        book = tmp_path / f"fees{index}.xlsx"
        book.write_bytes(report_bytes(inputs, "xlsx"))
        sheet = first_sheet_as_shown(book, tmp_path / f"out{index}")
        cost_row = next(line for line in csv.reader(io.StringIO(sheet))
                        if line and line[0] == "cost_per_instance, RUB")
        # LibreOffice groups thousands with a comma in the en-US locale it runs in; the
        # cell's number format writes the code before it, as the CLI does (but for the
        # no-break space, which a number format has no way to say)
        assert cost_row[1] == f"RUB {shown}"
        assert format_money(float(written), "RUB") == shown
