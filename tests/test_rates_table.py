"""Rates tables (CSV, Excel): read, checked, and used to price event logs.

tests/data/logs/rates.csv holds the rates of rates.yaml without the flow:
Иванова 600/h = 10/min, Петров 3 000,00/h = 50/min, Сидоров 6000/h = 100/min.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.formats.event_log import read_event_log
from abc_costing.formats.rates_table import read_rates_table
from abc_costing.mining import conformance, discover_model, trace_variants
from abc_costing.problems import ModelError

LOGS = Path(__file__).parent / "data" / "logs"
CSV_LOG, RATES_CSV = LOGS / "contracts.csv", LOGS / "rates.csv"


def _rates(table) -> dict[str, float]:
    return {r.name: r.rate_per_hour for r in table.resources.values()}


def test_csv_with_russian_amounts():
    table = read_rates_table(RATES_CSV)
    assert table.currency == "RUB"
    assert _rates(table) == {"Иванова": 600.0, "Петров": 3000.0, "Сидоров": 6000.0}
    assert list(table.resources) == ["иванова", "петров", "сидоров"]


def test_excel_first_sheet_with_numbers_and_text(tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["Role", "Rate per hour", "Currency"])
    sheet.append(["Иванова", 600, "EUR"])
    sheet.append(["Петров", "1 500,50", "eur"])
    sheet.append([None, None, None])  # blank rows are skipped
    path = tmp_path / "rates.xlsx"
    book.save(path)
    table = read_rates_table(path)
    assert table.currency == "EUR"
    assert _rates(table) == {"Иванова": 600.0, "Петров": 1500.5}


@pytest.mark.parametrize(("text", "found"), [
    ("name,cost\nИванова,600\n", ["missing column for rate_per_hour", "name, cost"]),
    ("resource,rate\n", ["no rates"]),
    ("resource,rate\n,600\nПетров,-5\nСидоров,много\nПетров,10\n",
     ["csv:2: the resource name is empty", "csv:3: Петров: rate_per_hour must not be negative",
      "csv:4: Сидоров: rate_per_hour 'много' is not a number",
      "csv:5: Петров: 'Петров' is written twice (first on line 3)"]),
    ("resource,rate\nИванова,600\nиванова,700\n", ["csv:3", "written twice (first on line 2)"]),
    # read one way, as in the Edit page: never 1.5005 nor 1.5, never a guess
    ("resource;rate\nМенеджер;1.500,50\nЮрист;1,500\nДиректор;2,400.75\n",
     ["csv:2: Менеджер: rate_per_hour '1.500,50' mixes ',' and '.'",
      "csv:3: Юрист: rate_per_hour '1,500' is ambiguous: 1.5 or 1500?",
      "csv:4: Директор: rate_per_hour '2,400.75' mixes ',' and '.'"]),
    ("resource,rate,currency\nИванова,600,RUB\nПетров,3000,USD\n",
     ["one currency: found RUB (line 2), USD (line 3)"]),
    ("resource,rate,currency\nИванова,600,XYZ\n", ["'XYZ' is not an ISO 4217 currency code"]),
])
def test_bad_tables_name_every_problem_and_its_line(tmp_path, text, found):
    """Every problem at once, with its line; text amounts follow the typed-number rule."""
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        read_rates_table(path)
    shown = str(caught.value)
    for words in found:
        assert words in shown


def test_hostile_and_unreadable_files(tmp_path):
    cp1251 = tmp_path / "rates.csv"
    cp1251.write_bytes("resource;rate\nИванова;600\n".encode("cp1251"))
    with pytest.raises(ModelError, match="not UTF-8"):
        read_rates_table(cp1251)
    fake = tmp_path / "rates.xlsx"
    fake.write_bytes(b"not a zip")
    with pytest.raises(ModelError, match="not a readable Excel workbook"):
        read_rates_table(fake)
    other = tmp_path / "rates.ods"
    other.write_text("x", encoding="utf-8")
    with pytest.raises(ModelError, match="unknown rates table format"):
        read_rates_table(other)


def test_a_rates_table_prices_variants_like_the_model_but_judges_no_fit():
    log = read_event_log(CSV_LOG)
    variants = trace_variants(log, rates=read_rates_table(RATES_CSV))
    # The same hand figures as with rates.yaml (tests/test_mining.py):
    # 3 cases at 2550, one reworked case at 7200, one rejected at 4400.
    assert [(v.case_count, v.cost_per_case) for v in variants] == [
        (3, pytest.approx(2550.0)), (1, pytest.approx(7200.0)), (1, pytest.approx(4400.0))]
    assert all(v.fits_design is None for v in variants)
    assert conformance(variants) is None


def test_mined_model_priced_by_a_table_costs_the_hand_figure():
    text, problems = discover_model(read_event_log(CSV_LOG), rates=read_rates_table(RATES_CSV))
    assert problems == []
    assert "rate from the rates table" in text
    model, _ = parse_model_text(text)
    # Приём 15 min × 10 = 150; Проверка 6/5 × (35 min × 50 (Петров's 7/8 of its minutes)
    # + 5 × 100 (Сидоров's 1/8)) = 2700; Одобрение 4/5 × 7.5 × 100 = 600; Отказ 1/5 × 20
    # × 100 = 400; total 3850 (probabilities rounded to 4 decimals).
    assert cost_model(model).cost_per_instance == pytest.approx(3850.0, rel=1e-4)


def test_cli_takes_a_table_or_reports_it(tmp_path, capsys):
    assert main(["variants", str(CSV_LOG), "--rates", str(RATES_CSV), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["conformance"] is None and document["design_cost_per_instance"] is None
    assert [v["cost_per_case"] for v in document["variants"]] == pytest.approx(
        [2550.0, 7200.0, 4400.0])
    output = tmp_path / "mined.yaml"
    assert main(["mine", str(CSV_LOG), "--rates", str(RATES_CSV), "-o", str(output)]) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("resource,rate\nИванова,-1\n", encoding="utf-8")
    assert main(["mine", str(CSV_LOG), "--rates", str(bad), "-o",
                 str(tmp_path / "x.yaml")]) == 1
    assert "must not be negative" in capsys.readouterr().err
    assert not (tmp_path / "x.yaml").exists()
