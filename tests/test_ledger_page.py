"""The Ledger page through AppTest: the shipped period balanced, drilled, and a broken upload."""

from __future__ import annotations

import json
import math
import shutil

import pytest

from abc_costing.reports.views import format_money
from tests.conftest import LIBRARY
from tests.test_dashboard import app, run

STAGE_1 = "1. Ledger → pools and support centres"
MONEY = ("Input, RUB", "Assigned, RUB", "Idle, RUB", "Unassigned, RUB", "Over-driven, RUB")


@pytest.fixture
def library(tmp_path, monkeypatch):
    shutil.copytree(LIBRARY, tmp_path / "process_models")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return tmp_path / "process_models"


def ledger_total(library, *, scenario: str = "факт") -> float:
    """Σ of the shipped ledger's January 2026 amounts, read from the CSV as written."""
    text = (library / "ledger" / "osv_2026.csv").read_text("utf-8-sig").splitlines()
    amounts = [row.split(";")[4] for row in text[1:]
               if row.startswith("январь 2026;") and row.endswith(f";{scenario}")]
    return math.fsum(float(a.replace(" ", "").replace(",", ".")) for a in amounts)


def table(at, column: str, *, containing: str | None = None):
    """The one table drawn that has ``column`` (and holds the cell ``containing``)."""
    found = [d.value for d in at.dataframe if column in d.value.columns and (
        containing is None or (d.value == containing).any().any())]
    assert len(found) == 1, [list(f.columns) for f in found]
    return found[0]


def trace_table(at, direction: str):
    """The forward trace table (drawn first) or the backward one."""
    forward, backward = [d.value for d in at.dataframe if "Share of total" in d.value.columns]
    return forward if direction == "forward" else backward


def test_the_shipped_period_balances_to_the_kopeck(library):
    at = run(app(), "ledger")
    stages = table(at, "Stage", containing=STAGE_1)
    assert list(stages["Difference, RUB"]) == [0.0, 0.0, 0.0, 0.0]
    for _, row in stages.iterrows():  # input = assigned + idle + unassigned + over-driven
        assert row[MONEY[0]] == pytest.approx(sum(row[m] for m in MONEY[1:]), abs=0.005)
    # stage 1's input is the January actual lines of osv_2026.csv, added up by hand here
    total = ledger_total(library)
    assert stages.loc[stages["Stage"] == STAGE_1, "Input, RUB"].item() == pytest.approx(total)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Ledger total, RUB"] == format_money(total, "RUB")
    assert not at.error  # no stage or node is off balance
    # every node table (one per stage) balances too
    for stage in ("ledger", "support", "pools", "activities"):
        nodes = [d.value for d in at.dataframe if list(d.value.columns[:3]) ==
                 ["Stage", "Node", "Name"] and "Difference, RUB" in d.value.columns
                 and (d.value["Stage"] == stage).all()]
        assert len(nodes) == 1 and (nodes[0]["Difference, RUB"] == 0).all(), stage
    charts = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    assert [[trace["type"] for trace in data] for data in charts] == [["sankey"], ["bar", "bar"]]
    files = table(at, "Role")
    assert dict(zip(files["Role"], files["File"], strict=True))["ledger"] == \
        "ledger/osv_2026.csv"
    assert all(len(sha) == 64 for sha in files["SHA-256"])


@pytest.mark.parametrize("cost_object", ["Крупные клиенты", "Закупки для производства"])
def test_a_cost_objects_ledger_lines_add_up_to_its_cost_to_serve(library, cost_object):
    at = run(app(), "ledger")
    at.selectbox(key="ledger_drill_object").set_value(cost_object)
    run(at)
    profitability = table(at, "Margin, RUB")
    cost = dict(zip(profitability["Cost object"], profitability["Cost to serve, RUB"],
                    strict=True))[cost_object]
    back = trace_table(at, "backward")
    ledger_rows = back[back["Stage"] == "Ledger lines"]["Amount, RUB"]
    # each shown row is rounded to the kopeck: their sum is within half a kopeck a row
    assert math.fsum(ledger_rows) == pytest.approx(cost, abs=0.005 * len(ledger_rows))
    assert {m.label: m.value for m in at.metric}[f"Cost to serve: {cost_object}"] == \
        f"RUB\u00a0{format_money(cost, 'RUB')}"


def test_the_rent_line_goes_to_objects_idle_and_unassigned_in_full(library):
    at = run(app(), "ledger")
    at.selectbox(key="ledger_drill_account").set_value("26")
    run(at)
    at.selectbox(key="ledger_drill_centre::26").set_value("Административно-хозяйственный отдел")
    run(at)
    at.selectbox(key="ledger_drill_item::26::Административно-хозяйственный отдел").set_value(
        "Аренда офиса")
    run(at)
    forward = trace_table(at, "forward")
    # osv_2026.csv: январь 2026;26;Административно-хозяйственный отдел;Аренда офиса;1 177 600,00
    assert forward[forward["Stage"] == "Ledger lines"]["Amount, RUB"].tolist() == [1_177_600.0]
    ends = forward[forward["Stage"].isin(["Cost objects", "Idle (unused capacity)",
                                          "Unassigned", "Over-driven"])]["Amount, RUB"]
    assert math.fsum(ends) == pytest.approx(1_177_600.0, abs=0.005 * len(ends))


def test_plan_and_actual_side_by_side(library):
    at = run(app(), "ledger")
    both = table(at, "Plan, RUB").set_index("Cost object")
    actual = table(at, "Margin, RUB").set_index("Cost object")["Cost to serve, RUB"]
    for name, row in both.iterrows():
        assert row["Actual, RUB"] == actual[name]
        # three figures each rounded to the kopeck: within a kopeck (and float noise)
        assert row["Actual − plan, RUB"] == pytest.approx(row["Actual, RUB"] - row["Plan, RUB"],
                                                          abs=0.0101)
    # the plan allocates the plan lines of January (план), added up by hand
    at.selectbox(key="ledger_period").set_value(("2026-01", "plan"))
    run(at)
    stages = table(at, "Stage", containing=STAGE_1)
    assert stages.loc[stages["Stage"] == STAGE_1, "Input, RUB"].item() == pytest.approx(
        ledger_total(library, scenario="план"))


BROKEN = """Период;Счёт;Подразделение;Статья затрат;Сумма;Сценарий
январь 2026;26;Юридический отдел;Оплата труда;450 000,00;факт
январь 2026;26;Бухгалтерия;Оплата труда;пятьсот тысяч;факт
январь 2026;26;Бухгалтерия;Страховые взносы;175 160,00;факт
"""


def upload(at, text: str, name: str):
    at.radio(key="ledger_source").set_value("Upload files")
    run(at)
    at.file_uploader(key="ledger_upload_ledger").set_value(
        (name, text.encode("cp1251"), "text/csv"))
    return run(at)


def test_a_broken_windows_1251_upload_shows_the_row(library):
    at = upload(run(app(), "ledger"), BROKEN, "осв_январь.csv")
    assert any("cannot be allocated" in e.value for e in at.error)
    shown = "\n".join(t.value for t in at.text)
    # the third line of the file (the header is line 1) names its bad amount
    assert "осв_январь.csv:3: amount: the amount 'пятьсот тысяч' is not a number" in shown
    assert not [d for d in at.dataframe if "Difference, RUB" in d.value.columns]


def test_an_uploaded_ledger_replaces_the_librarys(library):
    at = upload(run(app(), "ledger"), BROKEN.replace("пятьсот тысяч", "580 000,00"), "osv.csv")
    stages = table(at, "Stage", containing=STAGE_1)
    # 450 000 + 580 000 + 175 160 = 1 205 160, every stage balanced
    assert stages.loc[stages["Stage"] == STAGE_1, "Input, RUB"].item() == 1_205_160.0
    assert list(stages["Difference, RUB"]) == [0.0] * len(stages)
    files = table(at, "Role")
    assert dict(zip(files["Role"], files["File"], strict=True))["ledger"] == "osv.csv"


def test_an_over_driven_pool_is_red_and_named(library):
    shipped = run(app(), "ledger")
    pools = table(shipped, "Flag", containing="pools")
    used = pools.loc[pools["Node"] == "courier", "Assigned, RUB"].item()
    # the courier's services of January cost 122 400 − 2 400 = 120 000; booked as 12 400
    # instead, the pool has 10 000 for the uses its activities make at 600 a delivery
    ledger = library / "ledger" / "osv_2026.csv"
    ledger.write_text(ledger.read_text("utf-8-sig").replace(
        "Курьерские услуги;122 400,00;факт", "Курьерские услуги;12 400,00;факт"), "utf-8")
    at = run(app(), "ledger")
    assert [e.value for e in at.error] == [
        "3. Pools → activities: off balance or over-driven: courier"]
    [styled] = [d for d in at.dataframe if "Flag" in d.value.columns
                and (d.value["Stage"] == "pools").all()]
    pools = styled.value
    courier = pools.index[pools["Node"] == "courier"].item()
    row = pools.loc[courier]
    assert (row["Input, RUB"], row["Assigned, RUB"]) == (10_000.0, used)
    assert row["Over-driven, RUB"] == pytest.approx(10_000.0 - used)
    assert row["Difference, RUB"] == 0.0 and row["Flag"] == "over-driven"
    # the red rows: the courier's and the stage's total, every cell of each
    css = styled.proto.arrow_data.styler.styles
    red = {int(cell.split("_row")[1].split("_")[0]) for cell in css.split("{")[0].split(",")}
    assert "#c0392b" in css and red == {courier, len(pools) - 1}
    # the headline: to cost objects + idle + unassigned + over-driven = the ledger total
    shown = {m.label: m.value for m in at.metric}
    assert shown["Over-driven (not in the books), RUB"] == format_money(10_000.0 - used, "RUB")


def test_the_reports_are_offered_and_the_reconciliation_closes(library):
    at = run(app(), "ledger")
    assert [b.label for b in at.get("download_button")] == ["Stage balance as Excel",
                                                           "Summary as PDF"]
    reconciliation = table(at, "What", containing="Ledger total")
    rows = dict(zip(reconciliation["What"], reconciliation["actual − plan, RUB"], strict=False))
    # the ledger's difference is explained by where it went (see scenario_comparison_view)
    parts = [v for k, v in rows.items() if k.startswith(("Unassigned", "Idle", "Over-driven"))
             or k == "Cost objects: cost"]
    assert sum(parts) == pytest.approx(rows["Ledger total"], abs=0.05)
