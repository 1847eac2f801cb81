"""A period of the shipped library allocated from its ledger, through the application layer
and the CLI (issue 13): identities with the exact engine, trace, bad input."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.engine.allocation import SINK_KINDS, Node, trace
from abc_costing.workflows.ledger import (
    PeriodFiles,
    balance_period,
    ledger_periods,
    trace_ledger,
    trace_object,
)
from abc_costing.workflows.library import open_library
from tests.conftest import ROOT

LIBRARY = ROOT / "process_models"


@pytest.fixture(scope="module")
def january():
    balance = balance_period(open_library(LIBRARY), period="январь 2026")
    assert balance.ok, [str(p) for p in balance.problems]
    return balance


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_the_shipped_period_balances_to_the_kopeck(january):
    result = january.result
    assert january.period == "2026-01" and january.scenario == "actual"
    assert all(b.kopecks()["difference"] == 0 for b in result.balances)
    # Stage 1 takes the whole ledger: assigned + idle + unassigned of the rules = the total.
    first = result.stage_totals("ledger")
    assert first.input == pytest.approx(result.ledger_total)
    assert result.ledger_total == pytest.approx(math.fsum(li.amount for li in january.inputs.lines))
    # Nothing is lost between stages: the pools hold what stage 1 sends them directly
    # plus what the centres send them; a centre's total s = its ledger money d + what
    # other centres send it, so centres → pools = Σ s − Σ d − centre → centre − unassigned.
    centres = january.inputs.support_centres
    direct = math.fsum(result.to_receivers[c] for c in centres)
    between = math.fsum(f.amount for f in result.flows
                        if f.source.kind == "centre" and f.target.kind == "centre")
    to_pools = (math.fsum(result.support_totals.values()) - between
                - result.stage_totals("support").unassigned)
    assert to_pools == pytest.approx(math.fsum(f.amount for f in result.flows
                                               if f.source.kind == "centre"
                                               and f.target.kind == "pool"))
    assert math.fsum(result.pool_totals.values()) == pytest.approx(
        first.assigned - direct + to_pools)


def test_a_cost_object_is_its_instances_times_the_exact_engine_per_instance(january):
    # Each process variant's cost per instance in the period is the exact engine's
    # expected minutes (uses) of each pool × the pool's period rate; an object's cost is
    # Σ over its variants of instances × that.
    result, inputs = january.result, january.inputs
    per_instance = {}
    for model in inputs.models:
        costed = cost_model(model)
        per_instance[model.process, model.variant] = math.fsum(
            r.minutes_per_instance * (result.pool_rates[r.id] if result.rate_basis[r.id] !=
                                      "model" else r.rate_per_minute)
            + r.uses_per_instance * (result.pool_rates[r.id] if result.rate_basis[r.id] !=
                                     "model" else r.cost_per_use)
            for r in costed.resources)
    for cost_object in result.objects:
        expected = math.fsum(i.instances * per_instance[i.process, i.variant]
                             for i in inputs.instances if i.cost_object == cost_object.cost_object)
        assert cost_object.cost == pytest.approx(expected, rel=1e-12)


def test_trace_forward_and_backward_close_on_the_shipped_period(january):
    result = january.result
    everything = trace(result, [Node("ledger", n) for n in result.ledger_groups])
    stops = math.fsum(m for n, m in everything.amounts.items() if n.kind in SINK_KINDS)
    assert stops == pytest.approx(result.ledger_total)
    for o in result.objects:
        back = trace_object(january, o.cost_object)
        assert math.fsum(m for _, m in back.of_kind("ledger")) == pytest.approx(o.cost)
    rent = trace_ledger(january, cost_item="Аренда офиса")
    assert rent.total == pytest.approx(math.fsum(
        li.amount for li in january.inputs.lines if li.cost_item == "Аренда офиса"))
    with pytest.raises(KeyError, match="Аренда яхты"):
        trace_ledger(january, cost_item="Аренда яхты")


def test_periods_and_scenarios_of_the_ledger():
    library = open_library(LIBRARY)
    periods, problems = ledger_periods(library)
    assert periods == [("2026-01", "actual"), ("2026-01", "plan")] and problems == []
    plan = balance_period(library, period="2026-01", scenario="план")
    assert plan.ok and plan.scenario == "plan"
    missing = balance_period(library, period="2026-02")
    assert not missing.ok and "no lines of 2026-02 actual" in str(missing.problems)
    assert "2026-01 plan" in str(missing.problems)
    assert not balance_period(library, period="13.2026").ok
    assert not balance_period(library, period="2026-01", scenario="мечта").ok


def _library_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "process_models"
    shutil.copytree(LIBRARY, folder)
    return folder


def test_unknown_accounts_and_cost_centres_name_their_rows(tmp_path):
    folder = _library_copy(tmp_path)
    osv = folder / "ledger" / "osv_2026.csv"
    text = osv.read_text("utf-8-sig")
    lines = text.splitlines()
    # line 3 of the file: a new cost centre; line 4: account 91.02, neither listed
    parts = lines[2].split(";")
    lines[2] = ";".join([parts[0], parts[1], "Новый отдел", *parts[3:]])
    parts = lines[3].split(";")
    lines[3] = ";".join([parts[0], "91.02", *parts[2:]])
    osv.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    balance = balance_period(open_library(folder), period="2026-01")
    assert balance.result is None
    said = {(p.line, p.severity) for p in balance.problems if p.file == "ledger/osv_2026.csv"}
    assert (3, "error") in said and (4, "error") in said
    messages = " ".join(p.message for p in balance.problems)
    assert "Новый отдел" in messages and "91.02" in messages


def test_a_windows_1251_upload_with_a_bad_amount_names_the_row(tmp_path):
    upload = tmp_path / "tmp123.csv"
    upload.write_bytes("Период;Счёт;Подразделение;Статья затрат;Сумма\n"
                       "январь 2026;26;Юридический отдел;Оплата труда;450 000,00\n"
                       "январь 2026;26;Бухгалтерия;Оплата труда;сто рублей\n".encode("cp1251"))
    balance = balance_period(open_library(LIBRARY), period="2026-01",
                             files=PeriodFiles(ledger=upload, names={"ledger": "осв.csv"}))
    assert balance.result is None
    [bad] = [p for p in balance.problems if p.severity == "error"]
    assert (bad.file, bad.line, bad.element) == ("осв.csv", 3, "amount")


def test_cli_balance_trace_profitability(capsys):
    code, out, err = run(capsys, "balance", LIBRARY, "--period", "2026-01", "--json")
    assert code == 0, err
    document = json.loads(out)
    assert all(stage["difference"] == 0 for stage in document["stages"].values())
    assert document["stages"]["ledger"]["input"] == pytest.approx(document["ledger_total"],
                                                                  abs=0.005)
    assert document["files"]["ledger"]["file"] == "ledger/osv_2026.csv"
    assert len(document["files"]["ledger"]["sha256"]) == 64
    code, out, _ = run(capsys, "balance", LIBRARY)
    assert code == 0 and "Stage balance, 2026-01 (actual)" in out
    code, out, _ = run(capsys, "trace", LIBRARY, "--cost-item", "Аренда офиса", "--json")
    rows = json.loads(out)["rows"]
    assert code == 0 and {r["kind"] for r in rows} >= {"pool", "activity", "object"}
    code, out, _ = run(capsys, "trace", LIBRARY, "--object", "Крупные клиенты")
    assert code == 0 and "Where the cost of Крупные клиенты comes from" in out
    code, _, err = run(capsys, "trace", LIBRARY, "--object", "Марс")
    assert code == 1 and "no cost object 'Марс'" in err
    code, _, err = run(capsys, "trace", LIBRARY, "--object", "x", "--account", "26")
    assert code == 2
    code, out, _ = run(capsys, "profitability", LIBRARY, "--scenario", "план", "--json")
    rows = json.loads(out)["rows"]
    total = rows[-1]
    assert code == 0 and total["row_kind"] == "total"
    assert total["cost"] == pytest.approx(math.fsum(r["cost"] for r in rows[:-1]))


def test_cli_bad_files_exit_non_zero_without_a_traceback(capsys, tmp_path):
    code, _, err = run(capsys, "balance", LIBRARY, "--ledger", tmp_path / "nope.csv")
    assert code == 1 and "file not found" in err and "Traceback" not in err
    empty = tmp_path / "models"
    empty.mkdir()
    code, _, err = run(capsys, "balance", empty)
    assert code == 1 and "no allocation file" in err


def test_cli_balance_writes_the_reports_whole(capsys, tmp_path):
    from openpyxl import load_workbook

    book = tmp_path / "январь.xlsx"
    code, _, err = run(capsys, "balance", LIBRARY, "--period", "2026-01", "-o", book)
    assert code == 0 and "wrote" in err
    sheets = load_workbook(book).sheetnames
    assert sheets[0] == "Stage balance" and "Ledger" in sheets
    pdf = tmp_path / "январь.pdf"
    code, _, _ = run(capsys, "balance", LIBRARY, "-o", pdf)
    assert code == 0 and pdf.read_bytes().startswith(b"%PDF-")
    code, _, err = run(capsys, "balance", LIBRARY, "-o", tmp_path / "x.docx")
    assert code == 2 and ".xlsx or .pdf" in err and not (tmp_path / "x.docx").exists()
    code, _, err = run(capsys, "balance", LIBRARY, "-o", tmp_path / "no" / "x.xlsx")
    assert code == 1 and "does not exist" in err


def test_actual_against_plan_by_hand(capsys, january):
    from abc_costing.reports.ledger_views import scenario_comparison_view

    plan = balance_period(open_library(LIBRARY), period="2026-01", scenario="plan")
    view = scenario_comparison_view(plan.result, january.result, currency="RUB")
    rows = {r.value("label"): r for r in view.rows}
    ledger = rows["Ledger total"]
    assert ledger.value("difference") == pytest.approx(
        january.result.ledger_total - plan.result.ledger_total)
    big = rows["Крупные клиенты: margin"]
    # margin difference = revenue difference − cost difference
    assert big.value("difference") == pytest.approx(
        rows["Крупные клиенты: revenue"].value("difference")
        - rows["Крупные клиенты: cost"].value("difference"))
    code, out, _ = run(capsys, "profitability", LIBRARY, "--against", "план", "--json")
    assert code == 0
    assert {r["label"] for r in json.loads(out)["rows"]} >= {"Ledger total",
                                                             "Cost objects: cost"}


def test_circular_centres_and_a_driver_summing_to_zero_in_the_files(tmp_path, capsys):
    folder = _library_copy(tmp_path)
    # Every worker's device count is 0: the IT rule has nothing to allocate by.
    drivers = folder / "ledger" / "drivers.csv"
    kept = [row for row in drivers.read_text("utf-8-sig").splitlines()
            if "devices" not in row.split(";")[0]]
    drivers.write_text("\n".join(kept) + "\n", encoding="utf-8-sig")
    balance = balance_period(open_library(folder), period="2026-01")
    assert balance.result is None
    [zero] = [p for p in balance.problems if "sums to 0" in p.message]
    assert zero.file == "ledger/allocation.yaml" and zero.element
    report = tmp_path / "out.xlsx"
    code, _, err = run(capsys, "balance", folder, "-o", report)
    assert code == 1 and "sums to 0" in err and not report.exists()  # nothing half-written


def test_support_centres_in_a_closed_circle_are_an_error(tmp_path, capsys):
    # IT sends all its money to HR and HR all of its to IT: (I − Sᵀ) is singular.
    folder = tmp_path / "period"
    folder.mkdir()
    (folder / "allocation.yaml").write_text("""\
format: abc-costing-allocation/1
ledger: osv.csv
support_centres: {it: ИТ, hr: Персонал}
rules:
  - {id: it direct, cost_centre: ИТ, to: [it], basis: even}
  - {id: it out, from_centre: it, shares: {hr: 100}, basis: percent}
  - {id: hr out, from_centre: hr, shares: {it: 100}, basis: percent}
""", encoding="utf-8")
    (folder / "osv.csv").write_text("Период;Счёт;Подразделение;Статья затрат;Сумма\n"
                                    "январь 2026;26;ИТ;Серверы;1 000,00\n", encoding="utf-8")
    code, _, err = run(capsys, "balance", LIBRARY, "--allocation", folder / "allocation.yaml")
    assert code == 1 and "send all their money to each other" in err
    assert "Traceback" not in err


def test_a_quarter_adds_up_its_months(tmp_path, january):
    folder = _library_copy(tmp_path)
    # One general volume row (no period) is a monthly figure: a quarter counts it 3 times.
    (folder / "ledger" / "volumes.csv").write_text(
        "Объект затрат;Процесс;Количество\nКрупные клиенты;contract_approval;10\n",
        encoding="utf-8")
    osv = folder / "ledger" / "osv_2026.csv"
    text = osv.read_text("utf-8-sig")
    # The shipped ledger holds January only: a quarter missing two months is refused.
    refused = balance_period(open_library(folder), period="1 квартал 2026")
    assert refused.result is None
    assert "no lines of 2026-02, 2026-03 actual" in str(refused.problems)
    # January's actual lines booked again in February and March: the quarter's money is
    # 3 × January's.
    actual = [row for row in text.splitlines()[1:] if row.endswith(";факт")]
    osv.write_text(text + "".join(row.replace("январь 2026", month) + "\n"
                                  for month in ("февраль 2026", "март 2026") for row in actual),
                   encoding="utf-8-sig")
    quarter = balance_period(open_library(folder), period="1 квартал 2026")
    assert quarter.ok, [str(p) for p in quarter.problems]
    assert quarter.period == "2026-Q1"
    assert quarter.result.ledger_total == pytest.approx(3 * january.result.ledger_total)
    assert [i.instances for i in quarter.inputs.instances] == [10.0, 10.0, 10.0]
    # Capacity: 360 h a month on average, × (120 + 152 + 168) working hours of
    # January–March 2026 / 164.33 h of the average month (1 972 / 12), in minutes.
    assert quarter.inputs.capacities["lawyer"] == pytest.approx(
        360 * 60 * (120 + 152 + 168) / (1972 / 12))
    assert all(b.kopecks()["difference"] == 0 for b in quarter.result.balances)
    assert not balance_period(open_library(folder), period="5 квартал 2026").ok


def test_other_costs_outside_the_pools_are_named_not_hidden(january):
    from abc_costing.engine import cost_model

    # contract_approval/as_is prints 24 sheets for ≈ 40 ₽ on some paths: its other cost
    # per instance × its instances in January is said, as a warning.
    model = next(m for m in january.inputs.models
                 if (m.process, m.variant) == ("contract_approval", "as_is"))
    per_instance = cost_model(model).other_cost_per_instance
    count = sum(i.instances for i in january.inputs.instances
                if (i.process, i.variant) == ("contract_approval", "as_is"))
    [note] = [p for p in january.problems if p.element == "contract_approval/as_is"]
    assert note.severity == "warning"
    assert f"{per_instance * count:,.2f}" in note.message  # the English form, in English
    # and the Russian form in Russian: the decimal comma, thousands by narrow spaces
    russian = f"{per_instance * count:,.2f}".replace(",", "\u202f").replace(".", ",")
    assert russian in note.text("ru")


def test_inputs_that_would_lose_money_silently_are_named(tmp_path):
    folder = _library_copy(tmp_path)
    ledger = folder / "ledger"
    # volumes: a process spelt wrong (row 9 of the file); revenue of a segment spelt wrong
    volumes = ledger / "volumes.csv"
    rows = volumes.read_text("utf-8-sig").splitlines()
    rows.append("январь 2026;факт;Средний бизнес;zhkh_lead;;5")
    volumes.write_text("\n".join(rows) + "\n", encoding="utf-8-sig")
    typo_row = len(rows)
    revenue = ledger / "revenue.csv"
    revenue.write_text(revenue.read_text("utf-8-sig") + "январь 2026;факт;Крупные клиеты;1 000,00\n",
                       encoding="utf-8-sig")
    # drivers: the lawyer's floor area left out of the rent rule's driver
    drivers = ledger / "drivers.csv"
    drivers.write_text("\n".join(row for row in drivers.read_text("utf-8-sig").splitlines()
                                 if not row.startswith("area_m2;lawyer;")) + "\n",
                       encoding="utf-8-sig")
    balance = balance_period(open_library(folder), period="2026-01")
    assert balance.result is None  # the unknown process is an error: no figures
    [unknown] = [p for p in balance.problems if p.element == "zhkh_lead/as_is"]
    assert (unknown.file, unknown.line, unknown.severity) == ("ledger/volumes.csv", typo_row,
                                                              "error")
    assert "zhkh_leads/as_is" in unknown.message  # what the library has
    [spelt] = [p for p in balance.problems if p.element == "Крупные клиеты"]
    assert (spelt.file, spelt.severity) == ("ledger/revenue.csv", "warning") and spelt.line
    assert "did you mean 'Крупные клиенты'?" in spelt.message
    # Without the typo the period allocates, and the missing floor area is a warning at
    # the rent rule's line of allocation.yaml.
    volumes.write_text("\n".join(rows[:-1]) + "\n", encoding="utf-8-sig")
    balance = balance_period(open_library(folder), period="2026-01")
    assert balance.ok
    [area] = [p for p in balance.problems if p.element == "rent"]
    assert area.file == "ledger/allocation.yaml" and area.line and "'lawyer'" in area.message


def test_over_driven_pools_and_pools_without_money_are_warnings(tmp_path):
    folder = _library_copy(tmp_path)
    osv = folder / "ledger" / "osv_2026.csv"
    # No courier line and no legal payroll in January's books: the processes' courier
    # trips (600 each at the catalogue's price) ask money the pool never got, and the
    # lawyers' pool gets only its share of rent, IT and HR.
    osv.write_text("\n".join(
        row for row in osv.read_text("utf-8-sig").splitlines()
        if not (row.endswith(";факт") and ("Курьерские услуги" in row
                                            or ";Юридический отдел;" in row))) + "\n",
        encoding="utf-8-sig")
    balance = balance_period(open_library(folder), period="2026-01")
    assert balance.ok
    courier = balance.result.balance("pools", "courier")
    assert courier.input == 0 and courier.flagged
    said = {p.message.split(":")[0]: p for p in balance.problems if p.element == "courier"}
    # the pool is over-driven by all it passes on; the rule "courier" took no line
    over = said[f"over-driven by {-courier.over_driven:,.2f}"]
    assert over.severity == "warning"
    # said whole in Russian, the figure in the Russian form
    figure = f"{-courier.over_driven:,.2f}".replace(",", "\u202f").replace(".", ",")
    assert over.text("ru").endswith(
        f"courier: предупреждение: распределено сверх средств на {figure}: за период на него "
        "не поступило денег (ни одна строка ОСВ и ни один вспомогательный центр до него не "
        "доходят?), но его действия используют его по цене каталога, поэтому в переданных "
        "дальше суммах есть деньги, которых нет в учёте")
    assert any("takes no ledger line" in p.message for p in said.values())
    # Traced back, every cost object's cost is its ledger lines plus the over-driven
    # money it took (not in the books), named as such.
    taken = 0.0
    for o in balance.result.objects:
        back = trace_object(balance, o.cost_object)
        ledger = math.fsum(m for _, m in back.of_kind("ledger"))
        over_driven = math.fsum(m for _, m in back.of_kind("over_driven"))
        assert ledger + over_driven == pytest.approx(o.cost)
        assert ledger <= o.cost + 1e-6
        taken += over_driven
    # All of the courier's over-driven money ends in the cost objects (no idle there).
    assert taken == pytest.approx(-courier.over_driven)
    # Forward from the books: objects, idle and unassigned are exactly the ledger total.
    forward = trace(balance.result, [Node("ledger", n) for n in balance.result.ledger_groups])
    assert math.fsum(m for n, m in forward.amounts.items() if n.kind in SINK_KINDS) == \
        pytest.approx(balance.result.ledger_total)


def test_actual_against_plan_reconciles_the_ledger(january):
    from abc_costing.reports.ledger_views import scenario_comparison_view

    plan = balance_period(open_library(LIBRARY), period="2026-01", scenario="plan")
    view = scenario_comparison_view(plan.result, january.result, currency="RUB")
    items = {r.value("measure"): r.value("difference") for r in view.rows}
    # Ledger Δ = Δ unassigned at stage 1 + Δ idle + Δ unassigned at the pools + Δ cost of
    # the objects (+ Δ over-driven): 14 800 − 1 016 760.56 + 2 327.66 + 1 061 226.90
    # = 61 594.00 on the shipped figures.
    where = [v for k, v in items.items() if k in ("ledger_unassigned", "ledger_idle",
                                                  "support_unassigned", "pools_idle",
                                                  "pools_unassigned", "over_driven",
                                                  "objects_cost")]
    assert math.fsum(where) == pytest.approx(items["ledger"])
    assert items["ledger"] == pytest.approx(9_436_887.33 - 9_375_293.33)
    assert view.rows[-1].value("label") == "Margin of the objects with revenue"


def test_trace_of_an_account_takes_its_sub_accounts(tmp_path, january):
    folder = _library_copy(tmp_path)
    osv = folder / "ledger" / "osv_2026.csv"
    # one line of account 44 moved to the sub-account 44.01: the rules and the trace of
    # --account 44 still take it, so the trace's total is unchanged.
    text = osv.read_text("utf-8-sig")
    first_44 = next(row for row in text.splitlines() if ";44;" in row and row.endswith("факт"))
    osv.write_text(text.replace(first_44, first_44.replace(";44;", ";44.01;")),
                   encoding="utf-8-sig")
    moved = balance_period(open_library(folder), period="2026-01")
    assert moved.ok
    assert trace_ledger(moved, account="44").total == pytest.approx(
        trace_ledger(january, account="44").total)
    assert trace_ledger(moved, account="44.01").total == pytest.approx(
        _amount_of(first_44))


def _amount_of(row: str) -> float:
    from abc_costing.formats.typed_numbers import parse_typed_number

    return parse_typed_number(row.split(";")[4])
