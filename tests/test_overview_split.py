"""The Overview's best-variants saving split into cash and freed capacity (shipped library)."""

from __future__ import annotations

import pytest

from abc_costing import workflows as wf
from tests import test_resources_page
from tests.test_dashboard import app, metrics, rub, run

library = test_resources_page.library  # the fixture: a copy of the shipped library, served


#: Whole people the best variants release, × 12 × (оклад + премия) × 1.302 (below the base):
#: 2 lawyers × 150 000, 1 sales manager × (90 000 + 30 000), 3 AP accountants × 95 000,
#: 1 buyer × 110 000.
WHOLE_PEOPLE_PER_YEAR = 12 * 1.302 * (2 * 150_000 + 1 * 120_000 + 3 * 95_000 + 1 * 110_000)


def test_the_overview_splits_the_best_variants_saving_into_cash_and_freed_capacity(library):
    assert WHOLE_PEOPLE_PER_YEAR == pytest.approx(12_733_560)
    release, problems = wf.released_by_plan(wf.open_library(library), plan="best")
    assert release is not None and not wf.has_errors(list(problems))
    assert sum(p.cash_per_year for p in release.pools) == pytest.approx(
        WHOLE_PEOPLE_PER_YEAR)
    # identity: cash + freed capacity + price effects = the paper saving
    assert (release.cash_per_year + release.freed_capacity_per_year
            + release.price_effect_per_year) == pytest.approx(release.saving_per_year)
    assert release.price_effect_per_year == 0  # the best variants override no price

    at = run(app())
    shown = metrics(at)
    assert shown["Saving per year, best variants"] == rub(release.saving_per_year)
    assert shown["Saving per year, best variants"] == "RUB\u00a019,123,756.76"
    # 12 733 560 whole people + 934 699.31 not labour (per-use resources and other costs)
    assert release.non_labour_per_year == pytest.approx(934_699.31, abs=0.005)
    assert shown["of which cash (whole people + not labour)"] == rub(
        WHOLE_PEOPLE_PER_YEAR + release.non_labour_per_year) == "RUB\u00a013,668,259.31"
    # 19 123 756.76 − 13 668 259.31 = 5 455 497.45 hours that stay paid
    assert shown["of which freed capacity"] == "RUB\u00a05,455,497.45"
    assert "of which price effects" not in shown


