"""The PDF, Excel and CSV reports in the reader's language (issue 14): Russian headings
read back from the PDF, Russian sheet names whose formulas LibreOffice recalculates to the
English workbook's figures, and CSV headers that stay machine names."""

from __future__ import annotations

import io
import zipfile

import pytest
from openpyxl import load_workbook

from abc_costing.reports.pdf_report import pdf_bytes
from abc_costing.reports.report_files import report_bytes, report_csv_zip
from abc_costing.reports.results_workbook import SHEET_NAME_LENGTH
from abc_costing.reports.workbook import SHEET_TITLES, sheet_title, workbook_bytes
from tests.libreoffice import recalculate, soffice
from tests.test_pdf_report import AS_IS, ESIGN, NOW, _text, _write, needs_poppler
from tests.test_workbook import CONTRACT, CONTRACT_TIERS, KOPECK, inputs_for, named


def _inputs(path, baseline=None):
    from abc_costing.reports.provenance import build_report_inputs

    return build_report_inputs(path, baseline_path=baseline, user="ivan", change_log=None,
                               now=NOW)


@needs_poppler
def test_the_russian_pdf_reads_back_in_russian(tmp_path):
    inputs = _inputs(ESIGN, AS_IS)
    text = _text(_write(tmp_path, pdf_bytes(inputs, charts=False, language="ru")))
    # headings, labels and the footer, Cyrillic extracted as written
    for russian in ("ОТЧЁТ О ФУНКЦИОНАЛЬНО-СТОИМОСТНОМ АНАЛИЗЕ", "Главное",
                    "На экземпляр", "Экономия в деньгах", "Таблицы себестоимости",
                    "Происхождение данных", "Исходные данные: template_esign",
                    "Страница 1 из", "Базовый вариант: as_is"):
        assert russian in text, russian
    for english in ("Headline", "Cost tables", "Provenance", "Page 1 of", "Prepared by"):
        assert english not in text, english
    # the same figures as the English report: the saving per instance is printed in both
    english = _text(_write(tmp_path, pdf_bytes(inputs, charts=False), "en.pdf"))
    # (10 368.69 − 4 863.09 = 5 505.60), each language writing it its own way
    assert round(inputs.comparison.saving_per_instance, 2) == 5_505.60
    assert "RUB 5,505.60" in english and "5 505,60" in text  # (_text collapses the spaces)


def test_report_bytes_passes_the_language_to_the_pdf_and_the_workbook():
    inputs = _inputs(AS_IS)
    assert report_bytes(inputs, "pdf", language="ru") == pdf_bytes(inputs, language="ru")
    book = load_workbook(io.BytesIO(report_bytes(inputs, "xlsx", language="ru")))
    assert book.sheetnames[:3] == ["Сводка", "Действия", "Ресурсы"]
    # JSON and CSV are for programs: the same bytes in every language
    assert report_bytes(inputs, "csv", language="ru") == report_bytes(inputs, "csv")


def test_every_sheet_name_is_one_excel_accepts_in_every_language():
    for key in SHEET_TITLES:
        for language in ("en", "ru"):
            name = sheet_title(key, language)
            assert 0 < len(name) <= SHEET_NAME_LENGTH and not set(name) & set("[]:*?/\\'")
    assert len({sheet_title(key, "ru").casefold() for key in SHEET_TITLES}) == len(SHEET_TITLES)


def test_the_russian_workbook_has_russian_sheets_titles_and_labels():
    inputs = inputs_for(CONTRACT_TIERS, CONTRACT)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs, language="ru")))
    assert book.sheetnames == ["Сводка", "Действия", "Ресурсы", "Справочник ресурсов",
                               "Правила расчёта ФОТ", "По классам ценности", "Потоки",
                               "Ожидаемые выполнения", "Сравнение", "Базовый вариант",
                               "Мост затрат", "Ценовые эффекты", "Журнал изменений",
                               "Происхождение данных"]
    activities = book["Действия"]
    assert activities["A1"].value == ("Действия: стоимость одного выполнения и одного "
                                      "экземпляра процесса")
    assert "На экземпляр, RUB" in [c.value for c in activities[4]]  # the view's label
    # a formula on another sheet names the Russian sheet, quoted
    executions = [c.value for c in activities[5] if isinstance(c.value, str)
                  and "Ожидаемые выполнения" in c.value]
    assert executions and executions[0].startswith("='Ожидаемые выполнения'!$")


@pytest.mark.slow
def test_libreoffice_recalculates_the_russian_workbook_to_the_english_figures(tmp_path):
    """The same workbook in both languages, recalculated: every named figure agrees with
    the other language's and with the engine (saving = baseline − candidate)."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (`make test` installs libreoffice-calc-nogui)")
    inputs = inputs_for(CONTRACT_TIERS, CONTRACT)
    paths = []
    for language in ("en", "ru"):
        path = tmp_path / "in" / f"{language}.xlsx"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(workbook_bytes(inputs, language=language))
        paths.append(path)
    en, ru = (load_workbook(out, data_only=True)
              for out in recalculate(paths, tmp_path / "out", timeout=180))
    comparison = inputs.comparison
    for name, engine in (("cost_per_instance", inputs.result.cost_per_instance),
                         ("baseline_cost_per_instance", comparison.baseline.cost_per_instance),
                         ("saving_per_instance", comparison.saving_per_instance),
                         ("saving_per_year", comparison.saving_per_year)):
        assert named(ru, name) == pytest.approx(named(en, name), abs=1e-9), name
        assert named(ru, name) == pytest.approx(engine, abs=KOPECK), name
    assert named(ru, "saving_per_instance") == pytest.approx(
        named(ru, "baseline_cost_per_instance") - named(ru, "cost_per_instance"), abs=1e-9)


def test_csv_headers_stay_machine_names_and_columns_csv_gives_both_labels():
    archive = zipfile.ZipFile(io.BytesIO(report_csv_zip(_inputs(AS_IS))))
    header = archive.read("activities.csv").decode("utf-8-sig").splitlines()[0]
    assert header.startswith('"id","name","value"')
    rows = [line.split('","') for line in
            archive.read("columns.csv").decode("utf-8-sig").splitlines()]
    assert rows[0] == ['"file', "key", "unit", "label_en", 'label_ru"']
    by_key = {(r[0].strip('"'), r[1]): (r[3], r[4].strip('"')) for r in rows[1:]}
    assert by_key["activities.csv", "cost_per_instance"] == ("Per instance, RUB",
                                                             "На экземпляр, RUB")
    # every column of every view file is listed once
    for name in archive.namelist():
        if name in ("summary.csv", "provenance.csv", "columns.csv", "report.json"):
            continue
        keys = archive.read(name).decode("utf-8-sig").splitlines()[0].strip('"').split('","')
        listed = {key for file, key in by_key if file == name}
        assert listed == {k for k in keys if k != "row_kind" and not k.endswith("_rounded")}


@needs_poppler
def test_the_russian_ledger_pdf_reads_back_in_russian(tmp_path):
    """The shipped library's period: a pool without a rate basis prints "—" in both
    languages; the stage-balance headings and the footer are Russian."""
    from abc_costing.workflows.ledger import balance_period, period_report
    from abc_costing.workflows.library import open_library

    balance = balance_period(open_library("process_models"), period="2026-01")
    text = _text(_write(tmp_path, period_report(balance, "pdf", language="ru")))
    for russian in ("ФУНКЦИОНАЛЬНО-СТОИМОСТНОЙ УЧЁТ ПО ДАННЫМ ГЛАВНОЙ КНИГИ",
                    "Баланс этапов, RUB", "ОСВ → пулы и центры", "Страница 1 из"):
        assert russian in text, russian
    assert "Stage balance" not in text and "Page 1 of" not in text
