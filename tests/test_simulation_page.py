"""The Simulation page's queue section (AppTest) and the results workbook it downloads."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from openpyxl import load_workbook

from abc_costing import workflows as wf
from abc_costing.engine import capacity_report, cost_model
from abc_costing.formats import parse_model_text
from abc_costing.i18n import N_
from abc_costing.reports.results_workbook import results_workbook, sheet_names
from abc_costing.reports.views import capacity_view, queue_resources_view
from abc_costing.simulation.queueing import simulate_queues
from tests.conftest import LIBRARY
from tests.test_dashboard import app, run, shown_texts
from tests.test_workbook import leftover_english, model_words

# One clerk with 120 practical hours a month; 1 200 checks a year of 36 minutes each:
# 1 200 / 12 = 100 a month × 36 min = 3 600 min of 120 × 60 = 7 200: an offered load of 0.5.
CLERK = """\
format: abc-costing/1
process: checks
variant: as_is
title: "Проверка документов"
volume_per_year: 1200
resources:
  clerk: {kind: labor, name: "Бухгалтер", rate_per_hour: 600, capacity_hours_per_month: 120}
activities:
  check: {name: "Проверка", labor: {clerk: 36}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, check], [check, e]]
"""


def library_of(tmp_path, monkeypatch, models: dict[str, str]):
    folder = tmp_path / "process_models" / "checks"
    folder.mkdir(parents=True)
    for variant, text in models.items():
        (folder / f"{variant}.yaml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)


def tables(at, first_column: str):
    return [t.value for t in at.dataframe if t.value.columns[0] == first_column]


def test_queues_run_on_the_shipped_library_only_when_asked(tmp_path, monkeypatch):
    shutil.copytree(LIBRARY, tmp_path / "process_models")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = run(app(), "simulation")
    assert not tables(at, "Resource")  # a simulation: nothing runs before the button
    assert any("Press Simulate queues" in i.value for i in at.info)
    charts = len(at.get("plotly_chart"))
    at.button(key="sim_queue_run").click().run()
    assert not at.exception and not at.error
    process = at.selectbox(key="sim_process").value
    variants = [at.selectbox(key=f"sim_{role}_{process}").value
                for role in ("baseline", "candidate")]
    assert (process, variants) == ("contract_approval", ["as_is", "template_esign"])
    resources, waiting = tables(at, "Resource"), tables(at, "Activity")
    assert len(resources) == len(waiting) == 2  # one of each per variant
    assert len(at.get("plotly_chart")) == charts + 1  # the utilisation chart
    assert not any("Press Simulate queues" in i.value for i in at.info)

    lib = wf.open_library(tmp_path / "process_models")
    for variant, table in zip(variants, resources, strict=True):
        model = lib.model(process, variant)
        minutes = {r.id: r.minutes_per_instance for r in cost_model(model).resources}
        for _, pool in table[table["Status"] == "ok"].iterrows():
            capacity_minutes = model.resources[pool["Resource"]].capacity_hours_per_month * 60
            # offered load = minutes per month / capacity: minutes per instance × volume / 12
            offered = minutes[pool["Resource"]] * model.volume_per_year / 12 / capacity_minutes
            assert pool["Offered load"] == pytest.approx(offered, abs=5e-5)  # shown to 4 digits
            # the simulated utilisation meets it within the simulation's own 95% interval
            assert pool["95% CI low"] <= pool["Offered load"] <= pool["95% CI high"]
            assert pool["95% CI low"] <= pool["Utilisation"] <= pool["95% CI high"]
    as_is = resources[0].set_index("Resource")
    # by hand for the lawyer of as_is: legal_review takes triangular(30, 60, 150), a mean of
    # 80 min, and runs 1 / (1 - 0.37) = 1.5873 times an instance (the loop back from rework
    # and the client's changes); 80 × 1.5873 × 1 200 / 12 = 12 698 min a month of 360 h × 60
    assert as_is.loc["lawyer", "Offered load"] == pytest.approx(80 / 0.63 * 100 / 21_600,
                                                                abs=5e-5)
    assert as_is.loc["manager", "Status"] == "capacity unknown: not queued"
    activities = waiting[0].set_index("Activity")
    # times are shown as a reader says them, never "minutes, min"
    assert not any(label.endswith(", min") for label in activities.columns)
    assert activities.loc["draft", "Mean queue"] == 0  # the manager has no queue
    assert activities.loc["legal_review", "Mean queue"] > 0
    # the cells stay minutes (they sort as times); the browser shows them as a reader says them
    shown = [shown_texts(t) for t in at.dataframe if t.value.columns[0] == "Activity"][0]
    assert "0 min" in shown and not any(text.endswith(".0") for text in shown)


def test_a_single_clerk_at_half_load_by_hand(tmp_path, monkeypatch):
    library_of(tmp_path, monkeypatch, {"as_is": CLERK})
    at = run(app(), "simulation")
    at.number_input(key="sim_queue_days").set_value(120)
    at.button(key="sim_queue_run").click().run()
    assert not at.exception and not at.error
    (clerk,) = [row for _, row in tables(at, "Resource")[0].iterrows()]
    assert clerk["Servers"] == 1 and clerk["Offered load"] == 0.5  # 3 600 / 7 200 min
    assert clerk["95% CI low"] <= 0.5 <= clerk["95% CI high"]
    assert abs(clerk["Utilisation"] - 0.5) <= 0.02
    (check,) = [row for _, row in tables(at, "Activity")[0].iterrows()]
    # 10 replications × 120 days × 1 200 / (12 × 21) = 5 714 arrivals expected; Poisson: ± 3 %
    assert check["Executions"] == pytest.approx(10 * 120 * 1200 / 252, rel=0.03)
    assert any("Cost per instance (waiting is not priced): RUB\u00a0360.00" in t.value
               for t in at.text)  # 36 min × 600 / 60, queues cost nothing


def test_changed_inputs_hide_the_results_until_asked_again(tmp_path, monkeypatch):
    library_of(tmp_path, monkeypatch, {"as_is": CLERK})
    at = run(app(), "simulation")
    at.button(key="sim_queue_run").click().run()
    assert tables(at, "Resource")
    at.number_input(key="sim_seed").set_value(7).run()  # results of seed 42 are not seed 7's
    assert not tables(at, "Resource")
    assert any("Press Simulate queues" in i.value for i in at.info)


def test_a_model_without_volume_says_why_no_queue(tmp_path, monkeypatch):
    library_of(tmp_path, monkeypatch, {"as_is": CLERK.replace("volume_per_year: 1200\n", "")})
    at = run(app(), "simulation")
    at.button(key="sim_queue_run").click().run()
    assert not tables(at, "Resource")
    assert any(e.label == "Queues in as_is: 1 problem(s)" for e in at.expander)
    assert any("has no volume_per_year; queues need an arrival rate" in t.value for t in at.text)


def test_too_long_a_run_is_refused_with_the_limit(tmp_path, monkeypatch):
    library_of(tmp_path, monkeypatch, {"as_is": CLERK})
    at = run(app(), "simulation")
    at.number_input(key="sim_queue_days").set_value(1000)
    at.number_input(key="sim_queue_replications").set_value(7)
    at.button(key="sim_queue_run").click().run()
    # (1 000 measured + up to 1 000 warm-up) × 7 = 14 000 days > 12 000
    assert [e.value for e in at.error] == [
        "(1,000 measured + up to 1,000 warm-up days) × 7 replications = 14,000 working days to "
        "simulate a variant; the page simulates at most 12,000. Measure fewer days, shorten the "
        "warm-up or run fewer replications (abc-costing simulate --queue has no such limit)."]
    assert not tables(at, "Resource")


# --- the workbook -------------------------------------------------------------------------

HOSTILE = CLERK.replace('name: "Бухгалтер"', 'name: "=HYPERLINK(\\"http://x\\",\\"click\\")"')


def test_results_workbook_numbers_formats_and_text():
    model, _ = parse_model_text(CLERK, source="checks/as_is.yaml")
    hostile, _ = parse_model_text(HOSTILE, source="checks/as_is.yaml")
    assert model is not None and hostile is not None
    queue = simulate_queues(model, days=20, rng=np.random.default_rng(3), replications=3)
    capacity = capacity_report([hostile])
    sheets = {"Queues as_is": queue_resources_view(queue),
              "Capacity": capacity_view(capacity, variant="as_is"),
              "Capacity ": capacity_view(capacity_report([model]), variant="as_is")}
    book = load_workbook(io.BytesIO(results_workbook(sheets, about=[("Seed", "3")])))
    assert book.sheetnames == ["About", "Queues as_is", "Capacity", "Capacity (2)"]
    assert [c.value for c in book["About"][1]] == ["Seed", "3"]

    queues = book["Queues as_is"]
    # title, note, a blank row, the header (the view's labels, every column), then the rows
    assert queues["A1"].value == "Resources" and queues["A4"].value == "Resource"
    header = [c.value for c in queues[4]]
    assert header == [c.label for c in queue_resources_view(queue).columns]
    row = dict(zip(header, queues[5], strict=True))
    clerk = queue.resource("clerk")
    assert row["Resource"].value == "clerk"
    assert row["Utilisation"].data_type == "n" and row["Utilisation"].value == clerk.utilization
    assert row["Utilisation"].number_format == "0.00%"
    assert row["Offered load"].value == pytest.approx(0.5)  # 3 600 / 7 200 min, unrounded
    assert row["Servers"].value == 1 and row["Servers"].data_type == "n"

    hostile_sheet = book["Capacity"]
    header = [c.value for c in hostile_sheet[4]]
    cells = dict(zip(header, hostile_sheet[5], strict=True))
    # the name stays the characters typed: a string cell with Excel's quote prefix
    assert cells["Name"].data_type == "s" and cells["Name"].quotePrefix
    assert cells["Name"].value == '=HYPERLINK("http://x","click")'
    # 3 600 min a month = 60 h of 120 h
    assert cells["Used, h per month"].value == pytest.approx(60)
    assert cells["Utilisation"].value == pytest.approx(0.5)
    # a Russian reader's workbook: the same cells under the view's Russian labels
    russian = capacity_view(capacity, variant="as_is").in_language("ru")
    labels = [c.value for c in load_workbook(io.BytesIO(results_workbook(
        {"Capacity": russian})))["Capacity"][4]]
    assert labels == [russian.label(key) for key in russian.keys]
    assert "Загрузка" in labels  # Utilisation
    named = dict(zip(header, book["Capacity (2)"][5], strict=True))
    assert named["Name"].value == "Бухгалтер" and not named["Name"].quotePrefix


def test_the_russian_results_workbook_has_no_english_but_ids():
    """About in Russian (a label marked with N_ translated by the writer, one the page
    translated kept), each view's Russian labels, numbers still number cells."""
    model, _ = parse_model_text(CLERK, source="checks/as_is.yaml")
    assert model is not None
    sheets = {"Мощности": capacity_view(capacity_report([model]),
                                        variant="as_is").in_language("ru")}
    hostile = '=HYPERLINK("http://x","click")'  # a title typed by a user
    about = [(N_("Seed"), "3"), ("Процесс", "Проверка документов (checks)"),
             ("Название", hostile)]
    data = results_workbook(sheets, about=about, language="ru")
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["О расчёте", "Мощности"]
    assert [[c.value for c in row] for row in book["О расчёте"].iter_rows()] == [
        ["Начальное число", "3"], ["Процесс", "Проверка документов (checks)"],
        ["Название", hostile]]
    assert book["О расчёте"]["B3"].data_type == "s" and book["О расчёте"]["B3"].quotePrefix
    # the writer's texts: About, and each view's title, note and labels (rows 1-4); the
    # capacity view's basis cells are the engine's sentences, the view's to translate
    assert leftover_english(book, model_words(model, texts=[hostile]), last_row=4) == {}
    header = [c.value for c in book["Мощности"][4]]
    cells = dict(zip(header, book["Мощности"][5], strict=True))
    # 3 600 min a month of 120 h = 7 200 min: half used, a number formatted as a percentage
    assert cells["Загрузка"].data_type == "n" and cells["Загрузка"].value == pytest.approx(0.5)
    assert cells["Загрузка"].number_format == "0.00%"
    # English as before: the About sheet and the label as given
    english = load_workbook(io.BytesIO(results_workbook(sheets, about=about)))
    assert english.sheetnames[0] == "About" and english["About"]["A1"].value == "Seed"


def test_sheet_names_are_what_excel_accepts():
    names = sheet_names(["Waiting zhkh_leads_crm_robots_variant_b", "a/b", "A B", "'x'"])
    assert names == ["Waiting zhkh_leads_crm_robots_v", "a b", "A B (2)", "x"]
    assert all(len(n) <= 31 for n in names)
    with pytest.raises(ValueError, match="at least one view"):
        results_workbook({})
