"""The Resources page in a real headless Chromium: one pool edited, the Overview follows.

The dashboard serves a copy of the shipped library; the analyst raises the
lawyers' оклад from 150 000 to 165 000 on the Resources page, saves with a
reason, and the Overview's yearly cost of the as-is processes moves by each
as-is variant's lawyer minutes × the rate change × its volume.
"""

from __future__ import annotations

import shutil

import pytest

from abc_costing.engine import cost_model
from abc_costing.formats import load_library
from abc_costing.portfolio import build_portfolio
from abc_costing.store.change_log import ChangeLog
from tests.conftest import LIBRARY
from tests.e2e_support import chromium, requires_chromium, running_dashboard, screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.test_e2e import (  # noqa: E402
    edit_cell,
    go_to,
    metric,
    money,
    open_dashboard,
    settled,
)

pytestmark = [pytest.mark.e2e, requires_chromium]

SALARY_LINE = "    salary_per_month: 150000\n    capacity_hours_per_month: 360"
#: (3 × 165 000 × 1.302 − 3 × 150 000 × 1.302) / (360 h × 60) = 58 590 / 21 600 per minute
LAWYER_DELTA_PER_MINUTE = 58590 / 21600


def as_is_cost_per_year(folder) -> tuple[float, float]:
    """The Overview's "Cost per year, as is", and the lawyers' part of its change by hand."""
    models, problems = load_library(folder)
    assert not [p for p in problems if p.severity == "error"]
    portfolio = build_portfolio(models)
    total = sum(r.cost_per_year or 0 for r in portfolio.rows if r.variant == "as_is")
    by_hand = 0.0
    for _, model in models:
        if model.variant == "as_is" and "lawyer" in model.resources:
            minutes = {r.id: r.minutes_per_instance for r in cost_model(model).resources}
            by_hand += minutes["lawyer"] * LAWYER_DELTA_PER_MINUTE * model.volume_per_year
    return total, by_hand


def test_a_pool_edited_on_the_resources_page_recosts_the_overview(tmp_path):
    before, lawyer_change = as_is_cost_per_year(LIBRARY)
    expected = tmp_path / "expected"
    shutil.copytree(LIBRARY, expected)
    catalogue = expected / "resources.yaml"
    catalogue.write_text(catalogue.read_text("utf-8").replace(
        SALARY_LINE, SALARY_LINE.replace("150000", "165000")), encoding="utf-8")
    after, _ = as_is_cost_per_year(expected)
    assert after - before == pytest.approx(lawyer_change, rel=1e-9) and lawyer_change > 0

    with running_dashboard(tmp_path / "served") as dashboard, chromium() as browser:
        page, refused = open_dashboard(browser, dashboard.url)
        yearly = metric(page, "Cost per year, as is").get_by_test_id("stMetricValue")
        expect(yearly).to_have_text(money(before))

        go_to(page, "Resources", "Resources / Справочник ресурсов")
        grid = page.get_by_test_id("stDataFrame").first
        expect(grid.locator("#glide-cell-0-0")).to_have_text("lawyer")
        # columns: the pool id, name, kind, штатная численность, оклад
        edit_cell(page, grid, row=0, column=4, old="150000", new="165000")
        expect(metric(page, "Changed values").get_by_test_id("stMetricValue")).to_have_text("1")
        expect(metric(page, "Variants whose cost changes").get_by_test_id(
            "stMetricValue")).to_have_text("5 of 9")
        settled(page)
        reason = page.get_by_label("Reason for the change (recorded in the change log)")
        reason.fill("индексация окладов")
        reason.press("Enter")  # a text input commits on Enter
        settled(page)
        page.locator(".st-key-resources_save button").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
            "1 change(s) recorded")
        screenshot(page, "resources-saved")

        go_to(page, "Overview", "Process portfolio")
        expect(yearly).to_have_text(money(after))
        screenshot(page, "resources-overview")
        assert refused == [], "the dashboard must need no outside service"

        [entry] = ChangeLog(dashboard.change_log, create=False).entries()
        assert (entry.file, entry.element, entry.field, entry.old_value, entry.new_value,
                entry.reason) == ("resources.yaml", "lawyer", "salary_per_month", "150000",
                                  "165000", "индексация окладов")
