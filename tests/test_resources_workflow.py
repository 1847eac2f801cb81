"""The Resources workflow: edit a pool of the catalogue once, and every variant recosts."""

from __future__ import annotations

import shutil

import pytest

from abc_costing import workflows as wf
from abc_costing.access import User
from abc_costing.engine import cost_model
from abc_costing.formats import load_model
from abc_costing.reports.views import pool_changes_view, recost_view
from tests.conftest import LIBRARY

IVAN = wf.local_user("ivan")
EXECUTIVE = User(id="boss", name="boss", roles=frozenset({"executive"}),
                 authenticated_by="local")
LAWYER_USERS = {"contract_approval/as_is", "contract_approval/template_esign",
                "contract_approval/value_tiers", "procurement/as_is",
                "procurement/framework_template"}


@pytest.fixture
def library(tmp_path):
    shutil.copytree(LIBRARY, tmp_path / "process_models")
    return wf.open_library(tmp_path / "process_models")


def edited(loaded: wf.LoadedResources, pool: str, column: str, cell: str):
    table = loaded.table.copy()
    table.loc[pool, column] = cell
    return table


def test_the_pools_table_shows_the_payroll_derivation_and_who_uses_each_pool(library):
    loaded = wf.load_resources(library)
    assert loaded.problems == () and loaded.currency == "RUB"
    lawyer = loaded.table.loc["lawyer"]
    # 150 000 × 12 × (1 + 0.30 + 0.002) = 2 343 600 per person and year;
    # 3 × 150 000 × 1.302 = 585 900 per month; 585 900 / 360 h = 1 627.5 per hour.
    assert (lawyer["loaded_cost_per_person_per_year"], lawyer["cost_per_month"],
            lawyer["capacity_hours_per_month"], lawyer["rate_per_hour"]) == (
        "2343600", "585900", "360", "1627.5")
    assert set(lawyer["used_by"].split(", ")) == LAWYER_USERS
    assert lawyer["overridden_by"] == ""
    # Every pool of the catalogue has its row, each once.
    assert list(loaded.table.index) == list(loaded.catalogue.catalogue.pools)


def test_a_lawyer_salary_edit_moves_each_variant_by_its_lawyer_minutes_times_the_rate_change(
        library):
    loaded = wf.load_resources(library)
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "lawyer", "salary_per_month", "165 000"))
    assert preview.problems == () and preview.can_save
    [edit] = preview.edits
    assert (edit.element, edit.field, edit.old, edit.new) == (
        "lawyer", "salary_per_month", 150000, 165000)
    lawyer = preview.catalogue.catalogue.pools["lawyer"]
    assert lawyer.cost_per_month == pytest.approx(644490.0)  # 3 × 165 000 × 1.302
    # Δrate = (644 490 − 585 900) / (360 h × 60) = 58 590 / 21 600 = 2.7125 per minute.
    delta_per_minute = 2.7125
    assert lawyer.rate_per_minute - 585900 / 21600 == pytest.approx(delta_per_minute)
    by_name = {f"{r.process}/{r.variant}": r for r in preview.recosted}
    assert set(by_name) == {f"{m.process}/{m.variant}" for _, m in library.models}
    for name, recost in by_name.items():
        model = library.model(*name.split("/"))
        minutes = {r.id: r.minutes_per_instance for r in cost_model(model).resources}
        if name in LAWYER_USERS:
            assert recost.edited_pools == ("lawyer",)
            assert recost.change_per_instance == pytest.approx(
                minutes["lawyer"] * delta_per_minute, rel=1e-12)
            assert recost.change_per_year == pytest.approx(
                minutes["lawyer"] * delta_per_minute * model.volume_per_year, rel=1e-12)
            assert recost.change_per_instance > 0
        else:  # identity: the edit does not reach it
            assert recost.edited_pools == ()
            assert recost.cost_per_instance_after == recost.cost_per_instance_before
            assert recost.cost_per_year_after == recost.cost_per_year_before


def test_the_recost_table_puts_the_largest_change_first(library):
    loaded = wf.load_resources(library)
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "lawyer", "salary_per_month", "165000"))
    view = recost_view(preview.recosted, currency=loaded.currency)
    changes = [abs(row.value("change_per_year") or 0) for row in view.rows]
    assert changes == sorted(changes, reverse=True)
    assert {row.value("variant") for row in view.rows[:5]} == LAWYER_USERS
    assert all(row.value("change_per_year") == 0 for row in view.rows[5:])


def test_unreadable_and_impossible_cells_are_problems_naming_the_pool(library):
    loaded = wf.load_resources(library)
    table = loaded.table.copy()
    table.loc["lawyer", "salary_per_month"] = "-5"
    table.loc["buyer", "kind"] = "per_use"
    table.loc["courier", "headcount"] = "2"
    table.loc["treasurer", "contributions"] = "reduced"
    preview = wf.preview_resource_edits(loaded, pools=table)
    assert not preview.can_save and preview.recosted == ()
    assert sorted((p.element, p.file) for p in preview.problems) == [
        ("buyer", "resources.yaml"), ("courier", "resources.yaml"),
        ("lawyer", "resources.yaml"), ("treasurer", "resources.yaml")]
    messages = " | ".join(p.message for p in preview.problems)
    assert "must not be negative" in messages and "general or sme" in messages


def test_a_pool_that_no_longer_reads_is_named_and_nothing_recosts(library):
    loaded = wf.load_resources(library)
    # The lawyer pool gives its cost by salary; a stated monthly cost that disagrees
    # with 3 × 150 000 × 1.302 = 585 900 is refused by the pool's own rule.
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "lawyer", "stated_cost_per_month", "600000"))
    assert not preview.can_save
    assert [p.element for p in preview.problems if p.severity == "error"] == ["lawyer"]
    assert "disagrees with the payroll" in preview.problems[0].message


def test_saving_logs_each_value_and_the_library_reads_the_new_pool(library):
    loaded = wf.load_resources(library)
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "lawyer", "salary_per_month", "165000"))
    outcome = wf.save_resource_edits(loaded, preview, user=IVAN, library=library,
                                     reason="индексация")
    assert outcome.problems == () and outcome.saved is not None
    assert [(c.file, c.element, c.field, c.old_value, c.new_value, c.reason)
            for c in outcome.saved.changes] == [
        ("resources.yaml", "lawyer", "salary_per_month", "150000", "165000", "индексация")]
    model = load_model(library.directory / "procurement/as_is.yaml")
    assert model.resources["lawyer"].cost_per_month == pytest.approx(644490.0)
    # The comments of the catalogue are kept: only the salary's line changed.
    before = (LIBRARY / "resources.yaml").read_text("utf-8").splitlines()
    after = (library.directory / "resources.yaml").read_text("utf-8").splitlines()
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        ("    salary_per_month: 150000", "    salary_per_month: 165000")]


def test_a_reader_cannot_save_and_a_stale_catalogue_is_a_conflict(library):
    loaded = wf.load_resources(library)
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "lawyer", "salary_per_month", "165000"))
    refused = wf.save_resource_edits(loaded, preview, user=EXECUTIVE, library=library)
    assert refused.saved is None and "edit" in refused.problems[0].message
    other = wf.load_resources(library)
    first = wf.save_resource_edits(other, wf.preview_resource_edits(
        other, pools=edited(other, "buyer", "salary_per_month", "120000")), user=IVAN,
        library=library)
    assert first.saved is not None
    late = wf.save_resource_edits(loaded, preview, user=IVAN, library=library)
    assert late.saved is None and late.conflict is not None
    assert "salary_per_month: 120000" in (late.conflict.current_text or "")


def test_the_derived_figures_of_an_edited_pool_are_recomputed_in_the_preview(library):
    loaded = wf.load_resources(library)
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "lawyer", "salary_per_month", "180 000"))
    [(before, after)] = preview.pools
    assert before.id == after.id == "lawyer"
    # per person per year: 12 × 150 000 × 1.302 = 2 343 600 → 12 × 180 000 × 1.302 = 2 812 320
    assert (before.loaded_cost_per_person_per_year,
            after.loaded_cost_per_person_per_year) == pytest.approx((2_343_600, 2_812_320))
    # страховые взносы, травматизм apart: 12 × 150 000 × 0.30 = 540 000 → 12 × 180 000 × 0.30
    assert (before.contributions_per_person_per_year,
            after.contributions_per_person_per_year) == pytest.approx((540_000, 648_000))
    assert after.injury_insurance_per_person_per_year == pytest.approx(12 * 180_000 * 0.002)
    # ФОТ с взносами: 3 × 180 000 × 1.302 = 703 080 a month; 703 080 / 360 h = 1 953 an hour
    assert after.cost_per_month == pytest.approx(703_080)
    assert after.rate_per_hour == pytest.approx(1_953)
    assert (before.cost_per_month, before.rate_per_hour) == pytest.approx((585_900, 1_627.5))
    assert after.capacity_hours_per_month == before.capacity_hours_per_month == 360

    view = pool_changes_view(preview.pools, currency="RUB")
    saved, edited_row, change = view.rows
    assert [r.value("state") for r in view.rows] == ["как сохранено", "с правками", "изменение"]
    assert edited_row.value("cost_per_month") == pytest.approx(703_080)
    assert change.value("cost_per_month") == pytest.approx(703_080 - 585_900)  # 117 180
    assert change.value("rate_per_hour") == pytest.approx(1_953 - 1_627.5)    # 325.5
    assert change.value("contributions") is None  # text: no change to work out


def test_a_derived_column_is_never_read_as_an_edit(library):
    # The derived columns are read-only in the browser; a forged cell in one is ignored
    # on the server, not taken for the pool's cost_per_month (which would disagree with
    # 3 × 150 000 × 1.302 = 585 900 and block the save).
    loaded = wf.load_resources(library)
    for column in ("cost_per_month", "rate_per_hour", "capacity_hours_per_month",
                   "loaded_cost_per_person_per_year", "contributions_per_person_per_year"):
        preview = wf.preview_resource_edits(loaded, pools=edited(loaded, "lawyer", column, "1"))
        assert (preview.edits, preview.problems, preview.pools) == ((), (), ()), column


def test_a_stated_rate_is_edited_in_its_own_column_and_the_derived_rate_follows(library):
    loaded = wf.load_resources(library)
    manager = loaded.table.loc["manager"]
    # written as a rate: no payroll, so no страховые взносы and no cost per person (blank)
    assert (manager["stated_rate_per_hour"], manager["rate_per_hour"],
            manager["contributions_per_person_per_year"],
            manager["loaded_cost_per_person_per_year"], manager["salary_per_month"]) == (
        "1200", "1200", "", "", "")
    lawyer = loaded.table.loc["lawyer"]  # its monthly cost and rate are derived, not written
    assert (lawyer["stated_cost_per_month"], lawyer["stated_rate_per_hour"],
            lawyer["stated_capacity_hours_per_month"]) == ("", "", "360")
    assert lawyer["contributions_per_person_per_year"] == "540000"  # 150 000 × 12 × 0.30
    preview = wf.preview_resource_edits(
        loaded, pools=edited(loaded, "manager", "stated_rate_per_hour", "1 300"))
    [edit] = preview.edits
    assert (edit.field, edit.old, edit.new) == ("rate_per_hour", 1200, 1300)
    [(before, after)] = preview.pools
    assert (before.rate_per_hour, after.rate_per_hour) == (1200, 1300)
    assert after.contributions_per_person_per_year is None
    # No cell of the table is None or NaN (the browser would print a grey "None").
    assert all(isinstance(cell, str) for cell in loaded.table.to_numpy().ravel())
