"""Reading a ledger and driver quantities from files (abc_costing.formats.ledger_file)."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from abc_costing.engine.allocation import allocate
from abc_costing.formats.ledger_file import (
    parse_period,
    read_drivers,
    read_ledger,
    read_revenue,
    read_volumes,
)
from abc_costing.model import AllocationRule
from abc_costing.problems import has_errors


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def test_windows_1251_csv_with_russian_headers_reads_exact_amounts(tmp_path: Path) -> None:
    # No-break space (U+00A0) groups thousands in the second amount, as 1С writes it;
    # Windows-1251 has it as byte 0xA0.
    path = _write(tmp_path / "осв.csv",
                  "Период;Счёт;Подразделение;Статья затрат;Оборот Дт;Сценарий\r\n"
                  "январь 2026;26;Администрация;Аренда;1 234,56;факт\r\n"
                  "01.2026;20.01;Цех\u00a01;Материалы;12\u00a0345\u00a0678,9;план\r\n"
                  "2026-01;44;Продажи;Реклама;-100,5;\r\n", encoding="cp1251")
    lines, problems = read_ledger(path)
    assert problems == []
    assert [(line.period, line.scenario, line.account, line.cost_centre, line.cost_item,
             line.amount, line.row) for line in lines] == [
        ("2026-01", "actual", "26", "Администрация", "Аренда", 1234.56, 2),
        ("2026-01", "plan", "20.01", "Цех\u00a01", "Материалы", 12345678.9, 3),
        ("2026-01", "actual", "44", "Продажи", "Реклама", -100.5, 4)]


def test_utf8_bom_comma_separated_english_headers(tmp_path: Path) -> None:
    path = _write(tmp_path / "gl.csv", "Period,Account,Cost centre,Cost item,Amount,Scenario\n"
                  "2026-02-28,26,IT,Rent,1500.25,forecast\n", encoding="utf-8-sig")
    lines, problems = read_ledger(path)
    assert problems == []
    assert (lines[0].period, lines[0].scenario, lines[0].amount) == ("2026-02", "forecast",
                                                                      1500.25)


def test_xlsx_numbers_dates_and_text_amounts(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Период", "Счет", "Подразделение", "Статья затрат", "Сумма"])
    sheet.append([dt.datetime(2026, 3, 31), 26, "ИТ", "Связь", 2500.75])
    sheet.append(["март 2026", 20.01, "Цех", "Материалы", "1 000,25"])
    path = tmp_path / "osv.xlsx"
    book.save(path)
    lines, problems = read_ledger(path)
    assert problems == []
    # Excel numbers as they are; 26 written as a number is the account "26".
    assert [(line.period, line.account, line.amount, line.row) for line in lines] == [
        ("2026-03", "26", 2500.75, 2), ("2026-03", "20.01", 1000.25, 3)]


def test_bad_rows_are_problems_with_file_and_row_and_do_not_hide_the_others(
        tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.csv",
                  "Период;Счёт;Подразделение;Статья затрат;Сумма;Комментарий\n"
                  "2026-01;26;ИТ;Аренда;100;ok\n"          # line 2: read
                  "2026-01;26;ИТ;Аренда;;no amount\n"       # line 3: amount missing
                  "2026-01;26;ИТ;Аренда;abc;\n"             # line 4: amount abc
                  "13.2026;26;ИТ;Аренда;5;\n"               # line 5: no month 13
                  "\n"                                     # line 6: blank, counted
                  "вчера;26;ИТ;Аренда;5;\n"                 # line 7: not a period
                  "2026-01;44;HR;Связь;7,5;\n")             # line 8: read
    lines, problems = read_ledger(path)
    assert [(line.row, line.amount) for line in lines] == [(2, 100.0), (8, 7.5)]
    assert {problem.file for problem in problems} == {str(path)}
    assert [(problem.line, problem.severity) for problem in problems] == [
        (1, "warning"), (3, "error"), (4, "error"), (5, "error"), (7, "error")]
    assert "Комментарий" in problems[0].message
    assert "amount is missing" in problems[1].message
    assert "'abc' is not a number" in problems[2].message
    assert "13.2026" in problems[3].message and "not a month" in problems[3].message
    assert "вчера" in problems[4].message


def test_missing_column_and_empty_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "no_amount.csv", "period;account;cost centre;cost item\n"
                  "2026-01;26;IT;Rent\n")
    lines, problems = read_ledger(path)
    assert lines == ()
    assert [(p.file, p.line) for p in problems] == [(str(path), 1)]
    assert "missing column for amount" in problems[0].message

    empty = _write(tmp_path / "empty.csv", "")
    lines, problems = read_ledger(empty, source_name="upload.csv")
    assert lines == () and len(problems) == 1
    assert problems[0].file == "upload.csv" and "empty" in problems[0].message


def test_hostile_file_with_a_2_mb_cell_is_refused_fast(tmp_path: Path) -> None:
    path = _write(tmp_path / "hostile.csv", "period;account;cost centre;cost item;amount\n"
                  "2026-01;26;IT;" + "x" * (2 << 20) + ";1\n")
    started = time.perf_counter()
    lines, problems = read_ledger(path)
    elapsed_s = time.perf_counter() - started
    assert lines == () and has_errors(problems)
    assert problems[0].file == str(path) and "line 2" in problems[0].message
    assert elapsed_s < 1.0


def test_parse_period_forms() -> None:
    assert [parse_period(v) for v in ("2026-1", "1.2026", "Января 2026", "дек 2025",
                                      "February 2026", "31.12.2025", "2026-01-15 00:00:00")] \
        == ["2026-01", "2026-01", "2026-01", "2025-12", "2026-02", "2025-12", "2026-01"]
    for bad in ("2026-13", "foo 2026", "", "2026"):
        with pytest.raises(ValueError):
            parse_period(bad)


def test_drivers_negative_and_text_quantities(tmp_path: Path) -> None:
    path = _write(tmp_path / "drivers.csv", "Драйвер;Получатель;Количество\n"
                  "м2;a;1 030,5\nм2;b;-3\nм2;c;много\n", encoding="cp1251")
    drivers, problems = read_drivers(path)
    assert [(d.driver, d.receiver, d.quantity) for d in drivers] == [("м2", "a", 1030.5)]
    assert [p.line for p in problems] == [3, 4]
    assert problems[0].element == "quantity"


def test_oracle_example_end_to_end_from_csv(tmp_path: Path) -> None:
    # Oracle's stage-balancing example: 100 to assign, three receivers of 30
    # (3 m² each at 10 a m²): assigned 3 × 30 = 90, idle 100 − 90 = 10, unassigned 0.
    ledger = _write(tmp_path / "ledger.csv", "Период;Счёт;Подразделение;Статья затрат;Сумма\n"
                    "январь 2026;26;Администрация;Аренда;100,00\n", encoding="cp1251")
    drivers = _write(tmp_path / "drivers.csv", "Драйвер;Получатель;Количество\n"
                     "м2;a;3\nм2;b;3\nм2;c;3\n", encoding="cp1251")
    lines, ledger_problems = read_ledger(ledger)
    quantities, driver_problems = read_drivers(drivers)
    assert ledger_problems == [] and driver_problems == []
    rule = AllocationRule(id="rent", cost_item="Аренда", to=("a", "b", "c"), basis="rate",
                          driver="м2", rate_per_unit=10.0)
    result = allocate(lines, [rule], drivers=quantities, pools=("a", "b", "c"))
    balance = result.balance("ledger", "rent")
    assert (balance.input, balance.assigned, balance.idle, balance.unassigned,
            balance.difference) == (100.0, 90.0, 10.0, 0.0, 0.0)


def test_xlsx_with_a_2_mb_cell_is_a_row_problem_and_the_other_rows_are_read(
        tmp_path: Path) -> None:
    # A workbook keeps the 2 MB cell (Excel allows 32,767 characters; openpyxl more), so
    # the row is refused by the 200-character limit on names, without quoting the cell.
    book = Workbook()
    sheet = book.active
    sheet.append(["period", "account", "cost centre", "cost item", "amount"])
    sheet.append(["2026-01", "26", "IT", "x" * (2 << 20), 1])
    sheet.append(["2026-01", "26", "IT", "Rent", 2])
    path = tmp_path / "hostile.xlsx"
    book.save(path)
    started = time.perf_counter()
    lines, problems = read_ledger(path)
    elapsed_s = time.perf_counter() - started
    assert [(line.row, line.amount) for line in lines] == [(3, 2.0)]
    assert [(p.file, p.line, p.element) for p in problems] == [(str(path), 2, "cost_item")]
    assert len(problems[0].message) < 200
    assert elapsed_s < 2.0


def test_a_row_with_two_faults_shows_both(tmp_path: Path) -> None:
    path = _write(tmp_path / "two.csv", "period;account;cost centre;cost item;amount\n"
                  "13.2026;26;;Rent;abc\n")
    lines, problems = read_ledger(path)
    assert lines == ()
    assert [(p.line, p.element) for p in problems] == [
        (2, "period"), (2, "cost_centre"), (2, "amount")]


def test_drivers_with_period_and_scenario_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "drivers.csv", "Драйвер;Получатель;Количество;Период;Сценарий\n"
                  "headcount;buyer;2;;\n"                  # line 2: every period and scenario
                  "headcount;buyer;1,5;январь 2026;факт\n"  # line 3: January's actual only
                  "headcount;legal;3;;план\n"               # line 4: every plan
                  "headcount;it;4;13.2026;бюджетт\n",       # line 5: two faults
                  encoding="cp1251")
    drivers, problems = read_drivers(path)
    assert [(d.receiver, d.quantity, d.period, d.scenario, d.row) for d in drivers] == [
        ("buyer", 2.0, None, None, 2), ("buyer", 1.5, "2026-01", "actual", 3),
        ("legal", 3.0, None, "plan", 4)]
    assert [(p.line, p.element) for p in problems] == [(5, "period"), (5, "scenario")]


def test_volumes_windows_1251_russian_headers(tmp_path: Path) -> None:
    path = _write(tmp_path / "объёмы.csv",
                  "Период;Сценарий;Сегмент;Процесс;Вариант;Объём\r\n"
                  "январь 2026;факт;УК «Дом»;contract_approval;;1\u00a0234,5\r\n"
                  "01.2026;план;УК «Дом»;contract_approval;template_esign;12\r\n"
                  ";;Средний бизнес;zhkh_leads;;150\r\n", encoding="cp1251")
    volumes, problems = read_volumes(path)
    assert problems == []
    # The no-break space groups thousands as 1С writes it; an empty variant is as_is, an
    # empty period or scenario applies to every one.
    assert [(v.period, v.scenario, v.cost_object, v.process, v.variant, v.instances, v.row)
            for v in volumes] == [
        ("2026-01", "actual", "УК «Дом»", "contract_approval", "as_is", 1234.5, 2),
        ("2026-01", "plan", "УК «Дом»", "contract_approval", "template_esign", 12.0, 3),
        (None, None, "Средний бизнес", "zhkh_leads", "as_is", 150.0, 4)]


def test_volumes_english_headers_and_bad_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "volumes.csv", "Cost object,Process,Variant,Instances\n"
                  "Retail,procurement,,40\n"          # line 2: read
                  ",procurement,,-3\n"                # line 3: no cost object, negative count
                  "Retail,,fast,many\n")              # line 4: no process, count not a number
    volumes, problems = read_volumes(path)
    assert [(v.cost_object, v.instances) for v in volumes] == [("Retail", 40.0)]
    # Each cell is read, so a row with two faults shows both; a negative count is the
    # record's fault, said once the cells have read.
    assert [(p.line, p.element) for p in problems] == [
        (3, "cost_object"), (4, "process"), (4, "instances")]
    assert "many" in problems[2].message
    path = _write(tmp_path / "negative.csv", "segment;process;count\nRetail;p;-3\n")
    volumes, problems = read_volumes(path)
    assert volumes == () and [(p.line, p.element) for p in problems] == [(2, "instances")]
    assert problems[0].message == "Input should be greater than or equal to 0"


def test_revenue_russian_amounts_and_returns(tmp_path: Path) -> None:
    path = _write(tmp_path / "выручка.csv", "Период;Сценарий;Клиент;Выручка;Комментарий\n"
                  "январь 2026;факт;Крупные клиенты;18 400 000,00;\n"
                  "январь 2026;факт;Крупные клиенты;-1 234,56;возврат\n"
                  "январь 2026;прогнозз;Средний бизнес;1 000;\n", encoding="cp1251")
    revenue, problems = read_revenue(path)
    assert [(r.cost_object, r.amount, r.period, r.scenario, r.row) for r in revenue] == [
        ("Крупные клиенты", 18_400_000.0, "2026-01", "actual", 2),
        ("Крупные клиенты", -1234.56, "2026-01", "actual", 3)]
    # The unknown column is a warning at the header; the misspelt scenario an error at its row.
    assert [(p.line, p.severity, p.element) for p in problems] == [
        (1, "warning", "Комментарий"), (4, "error", "scenario")]


def test_revenue_missing_column(tmp_path: Path) -> None:
    path = _write(tmp_path / "revenue.csv", "Сегмент;Маржа\nA;5\n")
    revenue, problems = read_revenue(path)
    assert revenue == ()
    assert problems[-1].message.startswith("missing column for amount (one of revenue, amount, "
                                           "выручка, сумма)")


def test_repeated_cells_and_batch_validation_keep_every_row_and_fault(tmp_path):
    # The reader remembers each distinct cell and validates the rows in one call; a
    # repeated bad cell is still a problem on every row that has it, in file order,
    # and the good rows between them are kept.
    path = tmp_path / "osv.csv"
    rows = ["Период;Счёт;Подразделение;Статья затрат;Сумма"]
    rows += [f"январь 2026;26;ЦФО {i % 3};Аренда;{i} 000,50" for i in range(1, 7)]
    rows[2] = "тринадцатое 2026;26;ЦФО 2;Аренда;1,500"  # line 3: two faults
    rows[5] = "тринадцатое 2026;26;ЦФО 2;Аренда;5 000,50"  # line 6: the same bad period
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines, problems = read_ledger(path)
    assert [li.row for li in lines] == [2, 4, 5, 7]
    assert [li.amount for li in lines] == [1000.5, 3000.5, 4000.5, 6000.5]
    assert [(p.line, p.element) for p in problems] == [(3, "period"), (3, "amount"),
                                                       (6, "period")]


def test_a_1c_totals_row_is_skipped_and_excel_unicode_text_is_read(tmp_path):
    # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated; 1С's last row
    # "Итого" (no account, no cost centre) is a total, not a turnover: skipped, said once.
    path = tmp_path / "osv.txt"
    path.write_text("Период\tСчёт\tПодразделение\tСтатья затрат\tСумма\n"
                    "январь 2026\t44.01\tПродажи\tРеклама\t1 234,56\n"
                    "январь 2026\t26\tАХО\tАренда\t100,00\n"
                    "Итого\t\t\t\t1 334,56\n", encoding="utf-16")
    lines, problems = read_ledger(path)
    assert [(li.account, li.amount) for li in lines] == [("44.01", 1234.56), ("26", 100.0)]
    [total] = problems
    assert (total.line, total.severity) == (4, "warning") and "Итого" in total.message
    # 1 234,56 + 100,00 = 1 334,56: the totals row agrees with the lines
    assert "1,334.56 is the lines' sum" in total.message
    # the Russian reader reads the same figure in the Russian form, file and line kept
    assert total.text("ru").endswith(
        "osv.txt:4: предупреждение: строка итогов («Итого») — не оборот: пропущена; её сумма "
        "1\u202f334,56 равна сумме строк")
    # a totals row that does not agree says so (a line lost on the way?)
    path.write_text(path.read_text("utf-16").replace("Итого\t\t\t\t1 334,56",
                                                     "Итого\t\t\t\t1 434,56"),
                    encoding="utf-16")
    [total] = read_ledger(path)[1]
    assert "1,434.56 is not the lines' sum 1,334.56" in total.message


def test_a_sub_account_is_within_its_listed_account():
    from abc_costing.formats.allocation_file import ledger_code_problems
    from abc_costing.model import AllocationSetup, LedgerLine

    setup = AllocationSetup.model_validate({
        "format": "abc-costing-allocation/1", "accounts": ["26", "44"],
        "rules": [{"id": "all", "to": ["p"], "basis": "even"}]})
    lines = [LedgerLine(period="2026-01", account=a, cost_centre="x", cost_item="y",
                        amount=1.0, row=i + 2) for i, a in enumerate(["44.01", "26", "440"])]
    [unknown] = ledger_code_problems(lines, setup, file="osv.csv")
    assert unknown.line == 4 and "'440'" in unknown.message
