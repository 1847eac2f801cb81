"""The Resources page through AppTest: edit a pool once, see every variant recost, save."""

from __future__ import annotations

import shutil

import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import load_model
from abc_costing.reports.views import rounded_for_display
from abc_costing.store.change_log import ChangeLog, default_change_log_path
from tests.conftest import LIBRARY
from tests.test_dashboard import app, metrics, run, signed_in

EDITOR = "resources_pools::0"
#: (585 900 → 644 490) / (360 h × 60): the lawyer's rate per minute rises by 2.7125.
LAWYER_DELTA_PER_MINUTE = (3 * 165000 * 1.302 - 3 * 150000 * 1.302) / (360 * 60)


@pytest.fixture
def library(tmp_path, monkeypatch):
    shutil.copytree(LIBRARY, tmp_path / "process_models")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return tmp_path / "process_models"


def edit(at, rows: dict):
    at.session_state[EDITOR] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return run(at)


def table_with(at, column: str):
    """The one table drawn on the page that has ``column`` (the editor, derived, recost)."""
    [frame] = [d.value for d in at.dataframe if column in d.value.columns]
    return frame


def recost_rows(at) -> dict[str, dict]:
    frame = table_with(at, "Process / variant")
    return {row["Process / variant"]: row for row in frame.to_dict("records")}


def test_a_salary_edit_recosts_every_variant_that_uses_the_pool(library):
    at = run(app(), "resources")
    assert at.data_editor[0].value.index[0] == "lawyer"
    assert at.data_editor[0].value.loc["lawyer", "cost_per_month"] == "585900"
    at = edit(at, {0: {"salary_per_month": "165 000"}})  # lawyer is the first pool
    assert metrics(at) == {"Changed values": "1", "Variants whose cost changes": "5 of 9"}
    assert not at.error
    rows = recost_rows(at)
    model = load_model(library / "contract_approval/as_is.yaml")
    minutes = {r.id: r.minutes_per_instance for r in cost_model(model).resources}["lawyer"]
    # its lawyer minutes × 2.7125 per minute, shown to the kopeck
    shown = rows["contract_approval/as_is"]["Change per instance, RUB"]
    assert shown == float(rounded_for_display(minutes * LAWYER_DELTA_PER_MINUTE, 2))
    assert rows["zhkh_leads/as_is"]["Change per instance, RUB"] == 0
    # sorted by change: the five variants that use the lawyer pool come first
    assert set(list(rows)[:5]) == {
        "contract_approval/as_is", "contract_approval/template_esign",
        "contract_approval/value_tiers", "procurement/as_is", "procurement/framework_template"}
    assert all(rows[v]["Edited pools it uses"] == "lawyer" for v in list(rows)[:5])


def test_saving_writes_the_catalogue_logs_the_change_and_reloads_it(library):
    at = run(app(), "resources")
    at = edit(at, {0: {"salary_per_month": "165000"}})
    at.text_input(key="resources_reason").input("индексация окладов")
    run(at)
    at.button(key="resources_save").click()
    run(at)
    assert any("1 change(s) recorded" in s.value for s in at.success)
    # the editor now shows the saved catalogue: 3 × 165 000 × 1.302 = 644 490 a month
    assert at.data_editor[0].value.loc["lawyer", "cost_per_month"] == "644490"
    [entry] = ChangeLog(default_change_log_path(library)).entries()
    assert (entry.file, entry.element, entry.field, entry.old_value, entry.new_value,
            entry.reason) == ("resources.yaml", "lawyer", "salary_per_month", "150000",
                              "165000", "индексация окладов")
    assert "salary_per_month: 165000" in (library / "resources.yaml").read_text("utf-8")


def test_a_bad_cell_blocks_the_save_even_against_a_forged_click(library):
    before = (library / "resources.yaml").read_bytes()
    at = run(app(), "resources")
    at = edit(at, {0: {"headcount": "-1"}})
    assert "1 problem(s)" in at.error[0].value
    assert any("resources.yaml: lawyer: headcount: must not be negative" in t.value
               for t in at.text)
    assert at.button(key="resources_save").disabled
    at.session_state["resources_save"] = True
    run(at)
    assert any("Not saved" in e.value for e in at.error)
    assert (library / "resources.yaml").read_bytes() == before


def test_only_analysts_reach_the_resources_page(library):
    at = run(signed_in("ana@example.com"), "resources")
    assert at.title[0].value == "Resources / Справочник ресурсов"
    for email in ("boss@example.com", "audit@example.com"):
        at = run(signed_in(email))
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page("dashboard_pages/resources.py").run()


def test_the_edit_page_lists_the_shared_pools_read_only(library):
    at = run(app(), "edit")
    assert any("edited once, for every variant, on the Resources page" in c.value
               for c in at.caption)
    shared = at.dataframe[1].value  # activities editor, then the shared pools
    assert shared.loc["lawyer", "rate_per_hour"] == "1627.5"  # 585 900 / 360 h
    assert set(shared["overridden"]) == {""}


def test_a_catalogue_saved_meanwhile_shows_the_difference_and_writes_nothing(library):
    at = run(app(), "resources")
    at = edit(at, {0: {"salary_per_month": "165000"}})
    catalogue = library / "resources.yaml"
    someone_else = catalogue.read_text("utf-8").replace("salary_per_month: 110000",
                                                        "salary_per_month: 120000")
    catalogue.write_text(someone_else, encoding="utf-8")
    at.button(key="resources_save").click()
    run(at)
    assert any("Not saved" in e.value for e in at.error)
    assert any("+    salary_per_month: 120000" in c.value for c in at.code)
    assert catalogue.read_text("utf-8") == someone_else
    at.button(key="resources_reload_conflict").click()
    run(at)
    assert at.data_editor[0].value.loc["buyer", "salary_per_month"] == "120000"
    assert metrics(at)["Changed values"] == "0"


DERIVED = ("loaded_cost_per_person_per_year", "contributions_per_person_per_year",
           "cost_per_month", "capacity_hours_per_month", "rate_per_hour")


def test_derived_columns_are_read_only_russian_labelled_and_move_in_the_preview(library):
    import json
    import re

    at = run(app(), "resources")
    columns = json.loads(at.data_editor[0].proto.columns)
    for key in (*DERIVED, "kind", "used_by", "overridden_by"):
        assert columns[key].get("disabled") is True, key
    for key in ("salary_per_month", "headcount", "stated_rate_per_hour", "cost_per_use"):
        assert not columns[key].get("disabled"), key
    # One language per label: Russian, the English (and the field) in the help text.
    for key, column in columns.items():
        label = column["label"].removesuffix(", RUB").replace("(overrides:)", "")
        assert not re.search("[A-Za-z]", label), (key, column["label"])
        assert re.search("[A-Za-z]{4}", column["help"]), key
    assert columns["contributions_per_person_per_year"]["label"] == (
        "Страховые взносы на сотрудника в год, RUB")

    table = at.data_editor[0].value
    # Blank, never "None": a pool without payroll has no страховые взносы.
    assert all(isinstance(c, str) and c != "None" for c in table.to_numpy().ravel())
    assert table.loc["lawyer", "contributions_per_person_per_year"] == "540000"  # ×12×0.30
    assert table.loc["manager", "contributions_per_person_per_year"] == ""
    assert table.loc["courier", "contributions_per_person_per_year"] == ""

    at = edit(at, {0: {"salary_per_month": "180000"}})  # lawyer
    derived = table_with(at, "Состояние")
    rows = {state: row for state, row in zip(derived["Состояние"],
                                             derived.to_dict("records"), strict=True)}
    # 3 × 150 000 × 1.302 = 585 900 → 3 × 180 000 × 1.302 = 703 080 a month;
    # / 360 h: 1 627.50 → 1 953 an hour; взносы 12 × 180 000 × 0.30 = 648 000 a person
    assert rows["как сохранено"]["ФОТ с взносами в месяц, RUB"] == 585_900
    assert rows["с правками"]["ФОТ с взносами в месяц, RUB"] == 703_080
    assert rows["изменение"]["ФОТ с взносами в месяц, RUB"] == 117_180
    assert (rows["как сохранено"]["Ставка за час, RUB"],
            rows["с правками"]["Ставка за час, RUB"]) == (1_627.5, 1_953)
    assert rows["с правками"]["Страховые взносы на сотрудника в год, RUB"] == 648_000
    assert set(derived["Пул"]) == {"lawyer"}
    assert metrics(at)["Changed values"] == "1" and not at.error
