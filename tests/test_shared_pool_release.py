"""Two processes sharing one pool: whole people are released per pool over the combined
change, not added up process by process (issue 14, an auditor's question)."""

from __future__ import annotations

import pytest

from abc_costing import workflows as wf

# One pool of lawyers: 3 people, 360 practical hours a month between them (120 h = 7 200
# minutes a person), 300 000 a month (100 000 a person, 1 200 000 a year).
RESOURCES = """\
format: abc-costing-resources/1
pools:
  lawyer: {kind: labor, cost_per_month: 300000, headcount: 3, capacity_hours_per_month: 360}
"""


def model(process: str, variant: str, minutes: float) -> str:
    # 1 200 a year = 100 a month; 72 minutes each = 7 200 minutes = 1.0 FTE a month,
    # 28.8 minutes = 2 880 minutes = 0.4 FTE.
    return f"""\
format: abc-costing/1
process: {process}
variant: {variant}
currency: RUB
volume_per_year: 1200
activities: {{review: {{labor: {{lawyer: {minutes}}}}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, review], [review, e]]
"""


@pytest.fixture
def library(tmp_path):
    folder = tmp_path / "lib"
    for process in ("contracts", "purchases"):
        (folder / process).mkdir(parents=True)
        (folder / process / "as_is.yaml").write_text(model(process, "as_is", 72),
                                                     encoding="utf-8")
        (folder / process / "lean.yaml").write_text(model(process, "lean", 28.8),
                                                    encoding="utf-8")
    (folder / "resources.yaml").write_text(RESOURCES, encoding="utf-8")
    return wf.open_library(folder)


def test_each_frees_0_6_fte_no_one_alone_one_person_together(library):
    # Before: 1.0 + 1.0 = 2.0 FTE: 2 people needed of 3.
    # One redesign alone: 0.4 + 1.0 = 1.4 FTE: still 2 people, 0 released, 0 cash.
    # Both together: 0.4 + 0.4 = 0.8 FTE: 1 person, 2 − 1 = 1 released: 1 200 000 a year.
    # Each saves 0.6 FTE × 1 200 000 = 720 000 a year on paper (43.2 min × 100 000 / 7 200
    # × 1 200 = 720 000); together 1 440 000, of which 1 200 000 cash, 240 000 freed.
    assert not [p for p in library.problems if p.severity == "error"]
    ranking = wf.saving_ranking(library)
    items = [row for row in ranking.rows if row.kind == "item"]
    assert [(r.value("variant"), r.value("cash_per_year")) for r in items] == [
        ("lean", 0.0), ("lean", 0.0)]
    assert [r.value("saving_per_year") for r in items] == pytest.approx([720_000, 720_000])
    release, _ = wf.released_by_plan(library, plan="best")
    [lawyer] = release.pools
    assert (lawyer.fte_before, lawyer.fte_after) == pytest.approx((2.0, 0.8))
    assert lawyer.heads_released == 1
    assert release.cash_per_year == pytest.approx(1_200_000)
    assert release.freed_capacity_per_year == pytest.approx(240_000)
    # The ranking's total is the plan's, per pool over the combined change: not 0 + 0.
    [total] = [row for row in ranking.rows if row.kind == "total"]
    assert total.value("saving_per_year") == pytest.approx(1_440_000)
    assert total.value("cash_per_year") == pytest.approx(1_200_000)
    assert total.value("freed_capacity_per_year") == pytest.approx(240_000)
    assert ranking.rows[-1] is total


def test_a_variant_planned_at_another_volume_is_released_at_the_as_is_volume(library, tmp_path):
    # contracts/lean planned for 2 400 a year (twice as many): the saving is counted at the
    # as_is volume (1 200), so is the load after the plan: 0.4 + 0.4 = 0.8 FTE, 1 released.
    # At its own volume the plan would read 0.8 + 0.4 = 1.2 FTE: 2 needed, nobody released,
    # beside a saving of 1 440 000 that assumes 1 200 contracts.
    folder = tmp_path / "lib"
    lean = folder / "contracts" / "lean.yaml"
    lean.write_text(lean.read_text("utf-8").replace("volume_per_year: 1200",
                                                    "volume_per_year: 2400"), encoding="utf-8")
    release, _ = wf.released_by_plan(wf.open_library(folder), plan="best")
    assert release.saving_per_year == pytest.approx(1_440_000)
    [lawyer] = release.pools
    assert lawyer.fte_after == pytest.approx(0.8) and lawyer.heads_released == 1
    assert release.cash_per_year == pytest.approx(1_200_000)
