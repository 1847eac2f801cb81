"""The Ledger page in a real headless Chromium: the stage table and the Sankey drawn.

The dashboard serves a copy of the shipped library; the browser opens the
Ledger page from the sidebar and finds the stage balance (its first stage's
input is the January 2026 actual lines of ``osv_2026.csv``, its differences
0.00) and the Sankey's nodes, one per account, centre, pool, process variant,
cost object and sink that :func:`sankey_flows` lists. The page is kept as
``test-artifacts/e2e-ledger.png``.
"""

from __future__ import annotations

import pytest

from abc_costing.reports.ledger_figures import sankey_flows
from abc_costing.reports.views import format_money
from abc_costing.workflows.ledger import balance_period
from abc_costing.workflows.library import open_library
from tests.conftest import LIBRARY
from tests.e2e_support import chromium, requires_chromium, running_dashboard, screenshot
from tests.test_ledger_page import STAGE_1, ledger_total

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.test_e2e import go_to, grid_headers, grid_row, metric, open_dashboard  # noqa: E402

pytestmark = [pytest.mark.e2e, requires_chromium]


def test_the_ledger_page_draws_the_stage_table_and_the_sankey(tmp_path):
    total = ledger_total(LIBRARY)
    balance = balance_period(open_library(LIBRARY), period="2026-01")
    nodes = sankey_flows(balance.result, balance.inputs).labels

    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        page, refused = open_dashboard(browser, dashboard.url)
        go_to(page, "Ledger", "Ledger: from the books to cost objects")
        expect(metric(page, "Ledger total, RUB").get_by_test_id("stMetricValue")).to_have_text(
            format_money(total, "RUB"))

        stages = page.get_by_test_id("stDataFrame").first
        expect(stages.locator("table[role=grid]")).to_be_attached()
        assert grid_headers(stages) == ["Stage", "Input, RUB", "Assigned, RUB", "Idle, RUB",
                                        "Unassigned, RUB", "Over-driven, RUB",
                                        "Difference, RUB"]
        first = grid_row(stages, 0)
        assert first["Stage"] == STAGE_1
        # the grid's accessibility table holds the values (the canvas draws them formatted)
        assert float(first["Input, RUB"]) == pytest.approx(total)
        assert [float(grid_row(stages, r)["Difference, RUB"]) for r in range(4)] == [0.0] * 4

        sankey = page.locator(".js-plotly-plot").filter(has=page.locator("g.sankey")).first
        expect(sankey).to_be_visible()
        sankey.scroll_into_view_if_needed()
        drawn = sankey.locator("g.sankey-node")
        expect(drawn).to_have_count(len(nodes))
        expect(sankey.locator("g.sankey-node").filter(has_text="Unassigned")).to_have_count(1)
        expect(sankey.locator("g.sankey-node").filter(has_text="Account 26")).to_have_count(1)
        screenshot(page, "ledger")
        assert refused == [], "the dashboard must need no outside service"
