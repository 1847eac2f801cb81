"""The ledger PDF (issue 13), read back with poppler: its figures are the engine's."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess

import pytest

from abc_costing.engine.allocation import allocate_period
from abc_costing.model import AllocationRule
from abc_costing.reports.ledger_pdf import ledger_pdf
from abc_costing.reports.report_files import ReportError
from abc_costing.reports.views import format_money
from tests.test_ledger_workbook import INPUTS, LAWYER, LAWYER_USED

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None,
    reason="pdftotext (Debian poppler-utils) is missing; `make test` installs it")


def text_of(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "period.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    return " ".join(out.split())


@needs_poppler
def test_the_summary_prints_the_engines_figures_and_cyrillic_names(tmp_path):
    result = allocate_period(INPUTS)
    text = text_of(ledger_pdf(INPUTS, result), tmp_path)
    assert "Stage balance 2026-01" in text and "Scenario actual" in text
    # Ledger: 300 000 + 100 000 − 5 000 + 50 000 + 12 000 + 40 000 + 20 000 + 3 000
    # + 1 234.56 = 521 234.56. Stage 1 leaves 10 % of the office's 95 000 (9 500) and the
    # line no rule takes (1 234.56) unassigned, 12 000 − 20 × 500 = 2 000 idle:
    # assigned 521 234.56 − 9 500 − 1 234.56 − 2 000 = 508 500.
    assert ("Ledger → pools and centres 521,234.56 508,500.00 2,000.00 10,734.56 "
            "0.00 0.00") in text
    # The courier pool: 10 000 of money, 100 trips × 500 used: over-driven by −40 000.
    assert "Курьер (courier) 10,000.00" in text and "-40,000.00" in text
    assert f"Юрист (lawyer) {format_money(LAWYER, 'RUB')}" in text
    assert format_money(LAWYER - LAWYER_USED, "RUB") in text  # the lawyer's idle money
    big = result.object("Крупные клиенты")
    assert (f"Крупные клиенты {format_money(big.cost, 'RUB')} 500,000.00 "
            f"{format_money(500_000 - big.cost, 'RUB')}") in text
    assert "Подготовка проекта договора" in text and "Подписание" in text
    assert "ghost/as_is" in text  # the warning
    assert f"osv_2026.csv {'ab' * 32}" in text
    assert "Page 1 of" in text


def test_same_inputs_same_bytes_and_no_pdf_of_a_failed_allocation():
    assert ledger_pdf(INPUTS, allocate_period(INPUTS)) == ledger_pdf(INPUTS,
                                                                     allocate_period(INPUTS))
    broken = dataclasses.replace(INPUTS, rules=(AllocationRule(
        id="typo", to=("nobody",), basis="even"),))
    with pytest.raises(ReportError, match="nothing to report"):
        ledger_pdf(broken, allocate_period(broken))


@needs_poppler
def test_the_russian_summary_writes_its_money_the_russian_way(tmp_path):
    result = allocate_period(INPUTS)
    text = text_of(ledger_pdf(INPUTS, result, language="ru"), tmp_path)
    # the same stage-1 row as in English (521 234.56 in, 508 500 assigned, 2 000 idle,
    # 10 734.56 unassigned, by hand above), in Russian figures (text_of collapses the
    # narrow no-break spaces)
    assert "521 234,56 508 500,00 2 000,00 10 734,56 0,00 0,00" in text
    # the nine ledger lines summed above, and their total with the sign after it
    assert "строк: 9, 521 234,56 ₽" in text
    assert "521,234.56" not in text and "RUB 521" not in text
