"""The ledger workbook (issue 13): live formulas that LibreOffice recalculates to the engine.

One LibreOffice run recalculates two workbooks: the period below as written,
and the same workbook with one ledger amount changed by openpyxl (which drops
every cached value, so all figures read back are LibreOffice's). Both are
compared with :func:`allocate_period` stage by stage, to the kopeck.
"""

from __future__ import annotations

import dataclasses
import io
import math
import time

import pytest
from openpyxl import load_workbook
from xlsxwriter.utility import quote_sheetname

from abc_costing.engine.allocation import (
    AllocationResult,
    PeriodInputs,
    StageBalance,
    allocate_period,
)
from abc_costing.model import (
    AllocationRule,
    DriverQuantity,
    LedgerLine,
    ObjectInstances,
    ObjectRevenue,
)
from abc_costing.reports.ledger_workbook import LEDGER_SHEETS, ledger_workbook
from abc_costing.reports.report_files import ReportError
from tests.conftest import parse
from tests.libreoffice import recalculate, soffice
from tests.test_workbook import leftover_english, model_words

KOPECK = 0.005
HOSTILE = '=HYPERLINK("http://x","click")'

# Draft by a clerk (600 an hour = 10 a minute), sign by a lawyer and send by courier (500 a trip).
CONTRACT = parse("""
resources:
  clerk: {kind: labor, name: Делопроизводитель, rate_per_hour: 600}
  lawyer: {kind: labor, name: Юрист, rate_per_hour: 1200}
  courier: {kind: per_use, name: Курьер, cost_per_use: 500}
activities:
  draft: {name: Подготовка проекта договора, labor: {clerk: 30}}
  sign: {name: Подписание, labor: {lawyer: 12}, uses: {courier: 1}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, draft], [draft, sign], [sign, e]]
""", variant="as_is")


def line(account: str, centre: str, item: str, amount: float, row: int) -> LedgerLine:
    return LedgerLine(period="2026-01", account=account, cost_centre=centre, cost_item=item,
                      amount=amount, row=row)


LINES = (
    line("26", "Юридический отдел", "Оплата труда", 300_000.0, 2),
    line("26", "Офис", "Оплата труда", 100_000.0, 3),
    line("26", "Офис", "Оплата труда", -5_000.0, 4),  # a reversal (сторно)
    line("26", "АХО", "Аренда", 50_000.0, 5),
    line("26", "АХО", "Курьер", 12_000.0, 6),
    line("26", "ИТ-отдел", "Серверы", 40_000.0, 7),
    line("26", "Служба персонала", "Обучение", 20_000.0, 8),
    line("26", "АХО", "Связь", 3_000.0, 9),
    line("44", "Прочее", HOSTILE, 1_234.56, 10),  # no rule takes it
)
RULES = (
    AllocationRule(id="Юристы", cost_centre="Юридический отдел", to=("lawyer",),
                   basis="percent", shares={"lawyer": 100.0}),
    AllocationRule(id="office", account="26", cost_centre="Офис", to=("clerk", "lawyer"),
                   basis="percent", shares={"clerk": 60.0, "lawyer": 30.0}),
    AllocationRule(id="rent", cost_item="Аренда", to=("it", "hr", "clerk", "lawyer"),
                   basis="driver", driver="area_m2"),
    AllocationRule(id="courier", cost_item="Курьер", to=("courier",), basis="rate",
                   driver="trips", rate_per_unit=500.0),
    AllocationRule(id="it direct", cost_centre="ИТ-отдел", to=("it",), basis="even"),
    AllocationRule(id="hr direct", cost_centre="Служба персонала", to=("hr",), basis="even"),
    AllocationRule(id="phones", cost_item="Связь", to=("it", "clerk"), basis="even"),
    AllocationRule(id="it out", from_centre="it", to=("hr", "clerk", "lawyer"),
                   basis="driver", driver="devices"),
    AllocationRule(id="hr out", from_centre="hr", to=("it", "lawyer"), basis="percent",
                   shares={"it": 10.0, "lawyer": 90.0}),
)
DRIVERS = (
    *(DriverQuantity(driver="area_m2", receiver=r, quantity=q)
      for r, q in (("it", 20.0), ("hr", 10.0), ("clerk", 30.0), ("lawyer", 40.0))),
    DriverQuantity(driver="trips", receiver="courier", quantity=20.0),
    *(DriverQuantity(driver="devices", receiver=r, quantity=q)
      for r, q in (("hr", 5.0), ("clerk", 10.0), ("lawyer", 25.0))),
)
INPUTS = PeriodInputs(
    period="2026-01", scenario="actual", currency="RUB", lines=LINES, rules=RULES,
    drivers=DRIVERS, support_centres={"it": "ИТ-отдел", "hr": "Служба персонала"},
    pools={"clerk": "Делопроизводитель", "lawyer": "Юрист", "courier": "Курьер"},
    models=(CONTRACT,),
    instances=(ObjectInstances(cost_object="Крупные клиенты", process=CONTRACT.process,
                               instances=60.0),
               ObjectInstances(cost_object="Средний бизнес", process=CONTRACT.process,
                               instances=40.0),
               ObjectInstances(cost_object="Призрак", process="ghost", instances=5.0)),
    revenue=(ObjectRevenue(cost_object="Крупные клиенты", amount=500_000.0),),
    capacities={"lawyer": 150 * 60.0},  # 150 hours in the month
    capacity_rule="150 h in January",
    files={"ledger": ("osv_2026.csv", "ab" * 32), "drivers": ("drivers.csv", "cd" * 32)},
)
# The engine's figures, worked out by hand.
# Support centres, direct: IT 40 000 + rent 20/100 × 50 000 + phones 3 000 / 2 = 51 500;
# HR 20 000 + 10/100 × 50 000 = 25 000. IT sends 5/40 to HR, HR 10 % to IT:
# IT = 51 500 + 0.1 HR, HR = 25 000 + 0.125 IT  =>  IT = (51 500 + 2 500) / (1 − 0.0125).
IT = 54_000 / 0.9875
HR = 25_000 + 0.125 * IT
# Lawyer: 300 000 + 30 % × 95 000 + 40/100 × 50 000 + 25/40 IT + 90 % HR.
LAWYER = 300_000 + 28_500 + 20_000 + 25 / 40 * IT + 0.9 * HR
# 100 contracts × 12 minutes at LAWYER / 9 000 a minute; the rest idle.
LAWYER_USED = 100 * 12 * LAWYER / 9_000
# Courier: 20 trips × 500 = 10 000 asked of 12 000 (2 000 idle at stage 1); the contracts
# use 100 × 500 = 50 000 of it: over-driven by 10 000 − 50 000 = −40 000.


def edit_ledger(inputs: PeriodInputs, row: int, amount: float) -> PeriodInputs:
    lines = tuple(x.model_copy(update={"amount": amount}) if x.row == row else x
                  for x in inputs.lines)
    return dataclasses.replace(inputs, lines=lines)


# -- reading a workbook back -------------------------------------------------------------------

PARTS = {"input": "Input", "assigned": "Assigned", "idle": "Idle", "unassigned": "Unassigned",
         "over_driven": "Over-driven", "difference": "Difference"}


def rows(ws, keys: int = 1) -> dict[tuple, dict[str, object]]:
    """Data rows (row 5 on, until a blank first cell) keyed by their first ``keys`` cells,
    as {header label: value}; header labels lose their ``, RUB``."""
    headers = [str(c.value).removesuffix(", RUB") if c.value is not None else None
               for c in ws[4]]
    found = {}
    for row in ws.iter_rows(min_row=5):
        if row[0].value is None:
            break
        found[tuple(c.value for c in row[:keys])] = {
            h: c.value for h, c in zip(headers, row, strict=False) if h}
    return found


def part(row: dict[str, object], name: str) -> float:
    [value] = [v for h, v in row.items() if h.startswith(PARTS[name])]
    return 0.0 if value is None else float(value)


def assert_balances(book, result: AllocationResult) -> None:
    """Every node of every stage, and the stage totals, equal the engine's to the kopeck;
    every difference is 0 to the kopeck."""
    sheets = {"ledger": ("Stage 1", 1), "support": ("Support centres", 1),
              "pools": ("Pools", 1)}
    for stage, (sheet, keys) in sheets.items():
        table = rows(book[sheet], keys)
        engine = {b.node: b for b in result.balances if b.stage == stage}
        for (node,), row in table.items():
            if node == "Total":
                expected = result.stage_totals(stage)
            else:
                expected = engine.get(node, StageBalance(stage, node, 0.0, 0.0))
            for name in PARTS:
                assert part(row, name) == pytest.approx(getattr(expected, name), abs=KOPECK), \
                    (sheet, node, name)
        assert set(engine) <= {node for (node,) in table}
    stages = rows(book["Stage balance"])
    for stage in ("ledger", "support", "pools"):
        for name in PARTS:
            assert part(stages[stage,], name) == pytest.approx(
                getattr(result.stage_totals(stage), name), abs=KOPECK)
    activities = result.stage_totals("activities")
    assert part(stages["activities",], "input") == pytest.approx(activities.input, abs=KOPECK)
    assert part(stages["activities",], "assigned") == pytest.approx(
        math.fsum(o.cost for o in result.objects), abs=KOPECK)
    assert abs(part(stages["activities",], "difference")) < KOPECK
    whole = {r[0].value: r[2].value for r in book["Stage balance"].iter_rows(min_row=9)
             if r[0].value}
    assert whole["Ledger total (Σ Ledger amounts)"] == pytest.approx(result.ledger_total,
                                                                     abs=KOPECK)
    [difference] = [v for k, v in whole.items() if str(k).startswith("Difference: ledger")]
    assert abs(difference) < KOPECK


def assert_downstream(book, result: AllocationResult) -> None:
    """Pools' money and rates, activities and cost objects equal the engine's."""
    pools = rows(book["Pools"])
    for pool, money in result.pool_totals.items():
        assert part(pools[pool,], "input") == pytest.approx(money, abs=KOPECK)
        if pool in result.pool_rates:
            assert pools[pool,]["Rate per unit"] == pytest.approx(result.pool_rates[pool],
                                                                  rel=1e-9)
    activities = rows(book["Activities"], 3)
    for a in result.activities:
        row = activities[a.process, a.variant, a.activity]
        assert row["Cost (Σ Pool use)"] == pytest.approx(a.cost, abs=KOPECK)
        assert row["Cost per instance"] == pytest.approx(a.cost_per_instance, abs=KOPECK)
    objects = rows(book["Cost objects"])
    for o in result.objects:
        row = objects[o.cost_object,]
        assert row["Cost (Σ Volumes)"] == pytest.approx(o.cost, abs=KOPECK)
        assert row["Revenue"] == (None if o.revenue is None else pytest.approx(o.revenue))
        assert row["Margin"] == (None if o.margin is None else pytest.approx(o.margin,
                                                                              abs=KOPECK))


# -- without LibreOffice -----------------------------------------------------------------------


def test_the_hand_worked_period_is_what_the_engine_allocates():
    result = allocate_period(INPUTS)
    # warnings: ghost/as_is has no model; the courier pool is over-driven
    assert sorted((p.severity, p.element) for p in result.problems) == [
        ("warning", "courier"), ("warning", "ghost/as_is")]
    assert result.support_totals == pytest.approx({"it": IT, "hr": HR})
    assert result.pool_totals["lawyer"] == pytest.approx(LAWYER)
    assert result.balance("pools", "lawyer").assigned == pytest.approx(LAWYER_USED)
    courier = result.balance("ledger", "courier")
    assert (courier.assigned, courier.idle) == (10_000, 2_000)
    assert result.balance("pools", "courier").over_driven == pytest.approx(10_000 - 50_000)
    assert result.balance("ledger", "(no rule)").unassigned == 1_234.56


def test_cached_values_are_the_engines_figures():
    # A viewer without a calculation engine shows the cached values: the engine's.
    result = allocate_period(INPUTS)
    book = load_workbook(io.BytesIO(ledger_workbook(INPUTS, result)), data_only=True)
    assert book.sheetnames == list(LEDGER_SHEETS) and book.sheetnames[0] == "Stage balance"
    assert_balances(book, result)
    assert_downstream(book, result)


def test_stages_are_formulas_over_the_input_cells():
    book = load_workbook(io.BytesIO(ledger_workbook(INPUTS, allocate_period(INPUTS))))
    stage1 = book["Stage 1"]
    assert stage1["A5"].value == "(no rule)"  # the engine puts it first
    assert stage1["E5"].value.startswith("=SUMPRODUCT(EXACT(Ledger!$G$5:$G$13,A5)")
    assert book["Ledger"]["F5"].value == 300_000  # an input, not a formula
    centres = book["Support centres"]
    total = centres["H5"].value  # the reciprocal solution: an array formula over I − Sᵀ
    assert "MMULT(MINVERSE(" in total.text and total.ref == "H5:H6"
    rules = {str(r.sqref): r.rules[0].formula[0]
             for r in book["Stage balance"].conditional_formatting}
    assert rules["H5:H8"] == "ABS(H5)>=0.005"  # the stages' differences turn red


def test_a_failed_allocation_has_no_workbook():
    broken = dataclasses.replace(INPUTS, rules=(AllocationRule(
        id="typo", to=("nobody",), basis="even"),))
    with pytest.raises(ReportError, match="neither a pool nor a support centre"):
        ledger_workbook(broken, allocate_period(broken))


# -- recalculated by LibreOffice ----------------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """name -> (the inputs, the workbook recalculated by LibreOffice, read with data_only)."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (`make test` installs libreoffice-calc-nogui)")
    folder = tmp_path_factory.mktemp("ledger_books")
    original = folder / "in" / "period.xlsx"
    original.parent.mkdir()
    original.write_bytes(ledger_workbook(INPUTS, allocate_period(INPUTS)))
    russian = folder / "in" / "russian.xlsx"
    russian.write_bytes(ledger_workbook(INPUTS, allocate_period(INPUTS), language="ru"))
    # An auditor doubles the IT servers line (source row 7, sheet row 10): 40 000 -> 80 000.
    edited = folder / "in" / "edited.xlsx"
    book = load_workbook(original)
    cell = book["Ledger"]["F10"]
    assert (book["Ledger"]["H10"].value, cell.value) == (7, 40_000)
    cell.value = 80_000
    book.save(edited)
    started = time.perf_counter()
    outputs = recalculate([original, edited, russian], folder / "out", timeout=180)
    print(f"LibreOffice recalculated 3 ledger workbooks in {time.perf_counter() - started:.1f} s")
    cases = {"original": INPUTS, "edited": edit_ledger(INPUTS, 7, 80_000.0), "russian": INPUTS}
    return {name: (inputs, load_workbook(path, data_only=True))
            for (name, inputs), path in zip(cases.items(), outputs, strict=True)}


@pytest.mark.slow
def test_libreoffice_recalculates_every_stage_to_the_engines_figures(recalculated):
    inputs, book = recalculated["original"]
    result = allocate_period(inputs)
    assert_balances(book, result)
    assert_downstream(book, result)
    centres = rows(book["Support centres"])  # the reciprocal solution worked out by hand
    assert part(centres["it",], "input") == pytest.approx(IT, abs=KOPECK)
    assert part(centres["hr",], "input") == pytest.approx(HR, abs=KOPECK)
    assert part(rows(book["Pools"])["lawyer",], "assigned") == pytest.approx(LAWYER_USED,
                                                                             abs=KOPECK)


@pytest.mark.slow
def test_a_changed_ledger_amount_rebalances_every_stage(recalculated):
    inputs, book = recalculated["edited"]
    result = allocate_period(inputs)
    # IT's direct money grows by 40 000: IT = (91 500 + 2 500) / 0.9875.
    it = 94_000 / 0.9875
    assert result.support_totals["it"] == pytest.approx(it)
    assert part(rows(book["Support centres"])["it",], "input") == pytest.approx(it, abs=KOPECK)
    before = allocate_period(INPUTS)
    assert result.pool_totals["lawyer"] - before.pool_totals["lawyer"] > 1_000  # it moved
    assert_balances(book, result)  # every stage as the engine allocates the changed ledger
    assert_downstream(book, result)
    idle = {node: part(row, "idle") for (node,), row in rows(book["Pools"]).items()}
    assert idle["lawyer"] == pytest.approx(result.balance("pools", "lawyer").idle, abs=KOPECK)


@pytest.mark.slow
def test_hostile_and_cyrillic_text_survive_libreoffice(recalculated):
    _, book = recalculated["original"]
    ledger = book["Ledger"]
    assert ledger["E13"].value == HOSTILE and ledger["E13"].data_type == "s"
    assert ledger["G13"].value == "(no rule)"
    texts = {c.value for ws in book for row in ws.iter_rows() for c in row}
    assert "click" not in texts
    assert {"Юридический отдел", "Крупные клиенты", "Служба персонала", "Юристы",
            "Подготовка проекта договора", "Делопроизводитель"} <= texts
    assert rows(book["Stage 1"])["Юристы",]["Rule"] == "Юристы"


# -- in Russian ---------------------------------------------------------------------------------


def _input_words(inputs: PeriodInputs) -> set[str]:
    """The Latin words the period's files give the workbook: ids, names, rules, files."""
    texts = [inputs.period, inputs.scenario, inputs.currency, inputs.capacity_rule or "",
             *(t for x in inputs.lines for t in (x.account, x.cost_centre, x.cost_item)),
             *(t for r in inputs.rules for t in (r.id, r.driver or "", *r.to)),
             *(t for q in inputs.drivers for t in (q.driver, q.receiver)),
             *inputs.support_centres, *inputs.pools,
             *(t for i in inputs.instances for t in (i.cost_object, i.process, i.variant)),
             *(t for role, (name, sha256) in inputs.files.items() for t in (name, sha256))]
    return model_words(*inputs.models, texts=texts)


def test_the_russian_ledger_workbook_has_no_english_but_ids_and_file_names():
    result = allocate_period(INPUTS)
    book = load_workbook(io.BytesIO(ledger_workbook(INPUTS, result, language="ru")))
    english = load_workbook(io.BytesIO(ledger_workbook(INPUTS, result)))
    assert book.sheetnames[:3] == ["Баланс по этапам", "ОСВ", "Драйверы"]
    assert len(book.sheetnames) == len(LEDGER_SHEETS)
    assert leftover_english(book, _input_words(INPUTS)) == {}
    stages = book["Баланс по этапам"]
    assert [stages[f"A{row}"].value for row in range(5, 9)] == [
        "ОСВ", "вспомогательные подразделения", "пулы", "действия"]
    assert stages["C4"].value == "Поступило, RUB"
    # the line no rule takes: the same words in the Ledger's rule column and on Stage 1, so
    # Stage 1's EXACT lookup still finds its lines
    assert book["ОСВ"]["G13"].value == "(без правила)"
    assert rows(book["Этап 1"])["(без правила)",]["Правило"] == "(без правила)"
    # every formula is the English one with the sheet names and kind words the reader's
    names = dict(zip(english.sheetnames, book.sheetnames, strict=True))
    words = {'"support centre"': '"вспомогательное подразделение"', '"pool"': '"пул"',
             **{quote_sheetname(name) + "!": quote_sheetname(russian) + "!"
                for name, russian in names.items()}}
    for ws_en, ws_ru in zip(english, book, strict=True):
        for row_en, row_ru in zip(ws_en.iter_rows(), ws_ru.iter_rows(), strict=True):
            for en, ru in zip(row_en, row_ru, strict=True):
                if en.data_type != "f":
                    assert (en.data_type == "n") == (ru.data_type == "n"), en.coordinate
                    continue
                formula = str(getattr(en.value, "text", en.value))  # an array formula's text
                for old, new in words.items():
                    formula = formula.replace(old, new)
                assert getattr(ru.value, "text", ru.value) == formula, (ws_ru.title,
                                                                        ru.coordinate)


def test_hostile_text_stays_quoted_text_in_the_russian_ledger_workbook():
    book = load_workbook(io.BytesIO(ledger_workbook(INPUTS, allocate_period(INPUTS),
                                                    language="ru")))
    cell = book["ОСВ"]["E13"]
    assert cell.value == HOSTILE and cell.data_type == "s" and cell.quotePrefix


@pytest.mark.slow
def test_libreoffice_recalculates_the_russian_workbook_to_the_english_figures(recalculated):
    """Every number LibreOffice computes in the Russian workbook is the English one's, cell
    by cell, sheet by sheet (the same layout under other names and words)."""
    _, english = recalculated["original"]
    _, russian = recalculated["russian"]
    def numbers(book) -> list[tuple[int, str, float]]:
        return [(i, cell.coordinate, cell.value) for i, ws in enumerate(book)
                for row in ws.iter_rows() for cell in row
                if isinstance(cell.value, (int, float))]

    in_english, in_russian = numbers(english), numbers(russian)
    # the same cells hold numbers (no figure became text or went missing), with equal values
    assert [where for *where, _ in in_russian] == [where for *where, _ in in_english]
    for (sheet, cell, en), (_, _, ru) in zip(in_english, in_russian, strict=True):
        assert ru == pytest.approx(en, abs=1e-9), (russian.sheetnames[sheet], cell)
    # and so the engine's, which the English workbook's are (see the tests above): the
    # lawyer's pool as worked out by hand, in the Pools sheet's "assigned" column (K)
    assert [row[10].value for row in russian["Пулы"].iter_rows(min_row=5)
            if row[0].value == "lawyer"] == [pytest.approx(LAWYER_USED, abs=KOPECK)]
