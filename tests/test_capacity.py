"""Capacity of shared labour pools against figures computed by hand."""

from __future__ import annotations

import json

import pytest

from abc_costing.cli import main
from abc_costing.engine import capacity_report
from abc_costing.formats import load_library, parse_model_text
from abc_costing.model import ProcessModel
from tests.conftest import LIBRARY, model_text, parse

FLOW = """
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, work], [work, e]]
"""


def process(name: str, body: str, *, variant: str = "as_is"):
    model = parse(body + FLOW, variant=variant)
    return ProcessModel.model_validate(model.model_dump() | {"process": name})


LAWYER = "  lawyer: {kind: labor, cost_per_month: 330000, capacity_hours_per_month: 110}\n"


def test_two_processes_share_one_lawyer_pool():
    contracts = process("contracts", """
volume_per_year: 1200
resources:
""" + LAWYER + """
activities:
  work: {labor: {lawyer: 30}}
""")
    claims = process("claims", """
volume_per_year: 600
resources:
""" + LAWYER + """
activities:
  work: {labor: {lawyer: 40}}
""")
    pool = capacity_report([contracts, claims]).pool("lawyer")
    # 1200/12 × 30 + 600/12 × 40 = 3000 + 2000 = 5000 min = 83.33 h a month
    assert pool.minutes_per_month == pytest.approx(5000)
    assert [u.minutes_per_month for u in pool.uses] == pytest.approx([3000, 2000])
    # capacity 110 h × 60 = 6600 min; 5000 / 6600 = 0.7576
    assert pool.capacity_minutes_per_month == pytest.approx(6600)
    assert pool.utilization == pytest.approx(5000 / 6600)
    # unused (1 − 5000/6600) × 330 000 = 1600/6600 × 330 000 = 80 000 ₽ a month
    assert pool.unused_capacity_cost_per_month == pytest.approx(80000)
    # used 5000 min × 50 ₽/min = 250 000 ₽; used + unused = the pool's cost
    assert pool.used_cost_per_month == pytest.approx(250000)
    # headcount 1 by default: 83.33 h / 110 h per person
    assert pool.fte_needed == pytest.approx(5000 / 60 / 110)
    assert not pool.shortage


def test_capacity_derived_from_the_calendar():
    model = process("team", """
volume_per_year: 2400
resources:
  clerk: {kind: labor, cost_per_month: 300000, headcount: 2, hours_per_day: 8,
          days_per_month: 20, unproductive_share: 0.25}
activities:
  work: {labor: {clerk: 45}}
""")
    clerk = model.resources["clerk"]
    # 2 × 8 × 20 × (1 − 0.25) = 240 h; per person 120 h
    assert clerk.capacity_hours_per_month == pytest.approx(240)
    assert clerk.hours_per_person_per_month == pytest.approx(120)
    # rate: 300 000 / (240 × 60) = 20.833 ₽/min
    assert clerk.rate_per_minute == pytest.approx(300000 / 14400)
    pool = capacity_report([model]).pool("clerk")
    # 2400/12 × 45 = 9000 min = 150 h; 9000 / 14 400 = 0.625
    assert pool.utilization == pytest.approx(0.625)
    assert pool.unused_capacity_cost_per_month == pytest.approx(0.375 * 300000)  # 112 500
    assert pool.fte_needed == pytest.approx(150 / 120)  # 1.25 people
    assert pool.headcount == 2


def test_a_pool_over_capacity_is_a_shortage_with_no_unused_cost():
    model = process("busy", """
volume_per_year: 3600
resources:
  clerk: {kind: labor, rate_per_hour: 600, hours_per_day: 8, days_per_month: 20}
activities:
  work: {labor: {clerk: 60}}
""")
    report = capacity_report([model])
    pool = report.pool("clerk")
    # 3600/12 × 60 = 18 000 min = 300 h against 8 × 20 = 160 h
    assert pool.utilization == pytest.approx(300 / 160)
    assert pool.shortage and report.shortages == (pool,)
    assert pool.shortage_minutes_per_month == pytest.approx((300 - 160) * 60)
    assert pool.unused_capacity_cost_per_month == 0.0
    assert pool.pool_cost_per_month == pytest.approx(600 * 160)  # rate × capacity
    assert pool.fte_needed == pytest.approx(300 / 160)


def test_a_pool_without_capacity_shows_usage_only():
    model = process("plain", """
volume_per_year: 120
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  work: {labor: {clerk: 30}}
""")
    pool = capacity_report([model]).pool("clerk")
    assert pool.minutes_per_month == pytest.approx(300)  # 10 a month × 30 min
    assert not pool.capacity_known
    assert pool.utilization is None and pool.unused_capacity_cost_per_month is None
    assert pool.fte_needed is None and not pool.shortage


def test_executions_through_rework_count():
    model = parse("""
volume_per_year: 1200
resources:
""" + LAWYER + """
activities:
  work: {labor: {lawyer: 30}}
gateways: {merge: {kind: exclusive}, ok: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, merge], [merge, work], [work, ok], [ok, e, 0.75], [ok, merge, 0.25]]
""", variant="as_is")
    # 100 a month × 30 min × 1/(1 − 0.25) = 4000 min
    assert capacity_report([model]).pool("lawyer").minutes_per_month == pytest.approx(4000)


def test_variants_and_skipped_processes():
    as_is = process("a", "volume_per_year: 120\nresources:\n" + LAWYER
                    + "activities:\n  work: {labor: {lawyer: 60}}\n")
    better = process("a", "volume_per_year: 120\nresources:\n" + LAWYER
                     + "activities:\n  work: {labor: {lawyer: 30}}\n", variant="better")
    no_volume = process("b", "resources:\n" + LAWYER
                        + "activities:\n  work: {labor: {lawyer: 30}}\n")
    report = capacity_report([as_is, better, no_volume])
    assert report.counted == (("a", "as_is"),)
    assert report.pool("lawyer").minutes_per_month == pytest.approx(600)  # 10 × 60
    assert [(s.process, s.reason) for s in report.skipped] == [("b", "no volume_per_year")]
    report = capacity_report([as_is, better, no_volume], variant={"a": "better"})
    assert report.pool("lawyer").minutes_per_month == pytest.approx(300)  # 10 × 30
    report = capacity_report([as_is, better], variant="better")
    assert report.counted == (("a", "better"),)


def test_a_process_without_the_variant_counts_its_as_is():
    # capacity --variant better: process a has "better" (30 min), process c has only
    # as_is (45 min), process d has neither (only "worse"). c used to be dropped,
    # so the lawyer read 300 min; its as_is counts:
    #   a/better 120/12 × 30 = 300 min, c/as_is 240/12 × 45 = 900 min → 1200 min
    #   utilisation 1200 / (110 h × 60 = 6600) = 0.1818
    a_as_is = process("a", "volume_per_year: 120\nresources:\n" + LAWYER
                      + "activities:\n  work: {labor: {lawyer: 60}}\n")
    a_better = process("a", "volume_per_year: 120\nresources:\n" + LAWYER
                       + "activities:\n  work: {labor: {lawyer: 30}}\n", variant="better")
    c_as_is = process("c", "volume_per_year: 240\nresources:\n" + LAWYER
                      + "activities:\n  work: {labor: {lawyer: 45}}\n")
    d_worse = process("d", "volume_per_year: 240\nresources:\n" + LAWYER
                      + "activities:\n  work: {labor: {lawyer: 90}}\n", variant="worse")
    report = capacity_report([("a.yaml", a_as_is), ("a_better.yaml", a_better),
                              ("c.yaml", c_as_is), ("d.yaml", d_worse)], variant="better")
    assert report.counted == (("a", "better"), ("c", "as_is"))
    assert report.as_is_instead == ("c",)
    pool = report.pool("lawyer")
    assert pool.minutes_per_month == pytest.approx(1200)
    assert pool.utilization == pytest.approx(1200 / 6600)
    assert [(u.process, u.variant, u.minutes_per_month) for u in pool.uses] == [
        ("a", "better", 300), ("c", "as_is", 900)]
    assert [(s.process, s.reason) for s in report.skipped] == [
        ("d", "no variant 'better' nor 'as_is'")]
    (said,) = report.problems
    assert said.severity == "warning" and said.file == "c.yaml"
    assert said.message == "process 'c' has no variant 'better'; its 'as_is' is counted instead"
    assert report.as_dict()["as_is_instead"] == ["c"]
    # A mapping falls back the same way for a process it names without that variant.
    mapped = capacity_report([a_as_is, c_as_is], variant={"c": "better"})
    assert mapped.counted == (("a", "as_is"), ("c", "as_is")) and mapped.as_is_instead == ("c",)


def test_cli_capacity_variant_lists_the_as_is_used(tmp_path, capsys):
    for process_name, variant, minutes in (("a", "as_is", 60), ("a", "better", 30),
                                           ("c", "as_is", 45)):
        folder = tmp_path / process_name
        folder.mkdir(exist_ok=True)
        (folder / f"{variant}.yaml").write_text(f"""format: abc-costing/1
process: {process_name}
variant: {variant}
volume_per_year: 120
resources:
{LAWYER}activities:
  work: {{labor: {{lawyer: {minutes}}}}}
""" + FLOW, encoding="utf-8")
    assert main(["capacity", str(tmp_path), "--variant", "better"]) == 0
    captured = capsys.readouterr()
    assert "Processes counted: a/better, c/as_is" in captured.out
    assert "as_is for c, which have no better" in captured.out.replace("\n", "")
    assert "process 'c' has no variant 'better'" in captured.err


def test_one_pool_defined_differently_is_a_warning():
    a = process("a", "volume_per_year: 120\nresources:\n" + LAWYER
                + "activities:\n  work: {labor: {lawyer: 60}}\n")
    b = process("b", """
volume_per_year: 120
resources:
  lawyer: {kind: labor, rate_per_hour: 4000}
activities:
  work: {labor: {lawyer: 60}}
""")
    report = capacity_report([("a.yaml", a), ("b.yaml", b)])
    (problem,) = report.problems
    assert problem.severity == "warning" and problem.element == "lawyer"
    assert "a.yaml" in problem.message and "b.yaml" in problem.message
    assert report.pool("lawyer").capacity_minutes_per_month == pytest.approx(6600)  # first wins


@pytest.mark.parametrize(
    ("resource", "message"),
    [
        ("{kind: labor, cost_per_month: 1000, capacity_hours_per_month: 100, "
         "hours_per_day: 8, days_per_month: 20}", "disagrees with the working calendar"),
        ("{kind: labor, cost_per_month: 1000, hours_per_day: 8}", "needs both hours_per_day"),
        ("{kind: labor, rate_per_hour: 10, unproductive_share: 0.2}", "needs a working calendar"),
        ("{kind: labor, cost_per_month: 1000, headcount: 2}", "needs rate_per_hour"),
        ("{kind: labor, rate_per_hour: 10, hours_per_day: 25, days_per_month: 20}",
         "hours_per_day"),
        ("{kind: labor, rate_per_hour: 10, hours_per_day: 8, days_per_month: 20, "
         "unproductive_share: 1}", "unproductive_share"),
        ("{kind: labor, rate_per_hour: 10, headcount: 0}", "headcount"),
    ],
)
def test_bad_capacity_fields_are_clear_problems(resource, message):
    text = model_text(f"""
resources:
  clerk: {resource}
activities:
  work: {{labor: {{clerk: 1}}}}
""" + FLOW)
    model, problems = parse_model_text(text, source="bad.yaml")
    assert model is None
    assert any(message in str(p) and "clerk" in str(p) for p in problems), problems


def test_calendar_matching_the_stated_capacity_is_accepted():
    model = parse("""
resources:
  clerk: {kind: labor, cost_per_month: 1000, capacity_hours_per_month: 160,
          hours_per_day: 8, days_per_month: 20}
activities:
  work: {labor: {clerk: 1}}
""" + FLOW)
    assert model.resources["clerk"].capacity_hours_per_month == 160


def test_the_shipped_library_runs(capsys):
    models, problems = load_library(LIBRARY)
    report = capacity_report(models)
    assert len(report.counted) == len({m.process for _, m in models})
    assert report.pools and not report.problems
    for pool in report.pools:
        if pool.capacity_known:
            assert pool.utilization == pytest.approx(
                pool.minutes_per_month / pool.capacity_minutes_per_month)
    assert main(["capacity", str(LIBRARY)]) == 0
    assert "Labour pools per month" in capsys.readouterr().out
    assert main(["capacity", str(LIBRARY), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {p["id"] for p in document["pools"]} == {p.id for p in report.pools}


def test_cli_flags_shortages_and_fails_only_on_invalid_files(tmp_path, capsys):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "as_is.yaml").write_text(model_text("""
volume_per_year: 3600
resources:
  clerk: {kind: labor, rate_per_hour: 600, hours_per_day: 8, days_per_month: 20}
activities:
  work: {labor: {clerk: 60}}
""" + FLOW, variant="as_is"), encoding="utf-8")
    assert main(["capacity", str(tmp_path)]) == 0
    assert "SHORTAGE" in capsys.readouterr().out
    (tmp_path / "busy" / "broken.yaml").write_text("format: abc-costing/1\n", encoding="utf-8")
    assert main(["capacity", str(tmp_path)]) == 1


# --- a month of the production calendar (issue 12, first step) ------------------------------


def test_the_shipped_lawyers_in_january_2026_are_short_by_one():
    # The lawyers state 360 practical hours for an average month (3 × 120) and are loaded
    # 346.6 h a month (96.3 %, "ok"). January 2026 has 120 working hours against the 2026
    # average of 1972 / 12 = 164.33: capacity 360 × 120 / 164.33 = 262.88 h, so
    # 346.6 / 262.88 ≈ 131.9 %, and 3.96 FTE are needed: one lawyer short.
    from abc_costing.formats import load_library

    models, _ = load_library(LIBRARY)
    average = capacity_report(models).pool("lawyer")
    january = capacity_report(models, month=(2026, 1))
    lawyer = january.pool("lawyer")
    assert lawyer.capacity_minutes_per_month / 60 == pytest.approx(360 * 120 / (1972 / 12))
    assert lawyer.minutes_per_month == pytest.approx(average.minutes_per_month)
    assert lawyer.utilization == pytest.approx(average.utilization * (1972 / 12) / 120)
    assert 1.31 < lawyer.utilization < 1.33 and lawyer.shortage
    assert 3.9 < lawyer.fte_needed < 4.0
    assert january.month == "2026-01" and "120 / 164.3 h" in lawyer.basis


def test_a_month_outside_the_calendar_or_badly_written_is_a_clear_problem(capsys):
    from abc_costing.cli import main

    assert main(["capacity", str(LIBRARY), "--month", "2028-01"]) == 1
    assert "no production calendar for 2028-01: the calendar ships the years 2025, 2026, 2027" \
        in capsys.readouterr().err
    assert main(["capacity", str(LIBRARY), "--month", "2026/01"]) == 1
    assert "write it as YYYY-MM" in capsys.readouterr().err


def test_a_provisional_year_is_costed_and_says_it_is_provisional(capsys):
    # January 2027 has 120 working hours like January 2026 (by the law alone); the lawyers'
    # capacity is 360 × 120 / (1 987 / 12) = 260.9 h, and the output warns that 2027 waits
    # for its decree.
    from abc_costing.cli import main

    assert main(["capacity", str(LIBRARY), "--month", "2027-01", "--json"]) == 0
    captured = capsys.readouterr()
    assert "calendar: warning: 2027 is provisional" in captured.err
    document = json.loads(captured.out)
    assert any("2027 is provisional" in w for w in document["warnings"])
    pools = {p["id"]: p for p in document["pools"]}
    assert pools["lawyer"]["capacity_minutes_per_month"] == pytest.approx(
        360 * 60 * 120 / (1987 / 12))


def test_heads_needed_by_month_over_a_year(capsys):
    # FTE needed in a month = hours used / (practical hours per person × month hours / average
    # month). The lawyers need 346.6 h a month with 120 practical h per person in an average
    # month; they are short in every month with fewer working hours than 164.33 × 346.6 / 360
    # = 158.2 h: January (120), February (152) and May (151) of 2026.
    import json

    from abc_costing.cli import main
    from abc_costing.payroll import year_months

    assert main(["capacity", str(LIBRARY), "--year", "2026", "--json"]) == 0
    lawyer = next(p for p in json.loads(capsys.readouterr().out)["pools"] if p["id"] == "lawyer")
    months = year_months(2026)
    average = sum(m.working_hours for m in months) / 12
    used_hours = lawyer["fte_01"] * 120 * months[0].working_hours / average
    assert used_hours == pytest.approx(346.6, abs=0.05)
    for k, month in enumerate(months, 1):
        assert lawyer[f"fte_{k:02d}"] == pytest.approx(
            used_hours / (120 * month.working_hours / average))
    short = [k for k, m in enumerate(months, 1) if m.working_hours < average * used_hours / 360]
    assert short == [1, 2, 5] and lawyer["months_short"] == 3
    assert lawyer["fte_max"] == pytest.approx(lawyer["fte_01"])
    assert main(["capacity", str(LIBRARY), "--year", "2026", "--month", "2026-01"]) == 2


# --- cash and freed capacity of a plan (issue 12, step) -------------------------------------


def test_a_pool_of_three_dropping_to_one_point_two_fte_releases_one_person(tmp_path, capsys):
    # Clerks: 3 people, 300 000 ₽ a month (100 000 each), 360 practical h (120 each): rate
    # 300 000 / 360 h = 833.33 ₽/h. 1 200 instances a year = 100 a month.
    # as_is: 180 min each → 300 h a month = 2.5 FTE → 3 heads needed.
    # robot: 86.4 min each → 144 h = 1.2 FTE → 2 heads: 1 person released,
    # cash 100 000 × 12 = 1 200 000. Saving on paper (156 h × 833.33 × 12) = 1 560 000;
    # freed capacity (hours that stay paid) 1 560 000 − 1 200 000 = 360 000.
    import json

    from abc_costing.cli import main

    for variant, minutes in (("as_is", 180), ("robot", 86.4)):
        folder = tmp_path / "lib" / "claims"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{variant}.yaml").write_text(model_text(f"""\
volume_per_year: 1200
resources:
  clerk: {{kind: labor, cost_per_month: 300000, headcount: 3, capacity_hours_per_month: 360}}
activities: {{check: {{labor: {{clerk: {minutes}}}}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, check], [check, e]]
""", variant=variant).replace("process: test", "process: claims"), encoding="utf-8")
    assert main(["capacity", str(tmp_path / "lib"), "--plan", "best", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)
    [clerk] = [p for p in found["pools"] if p["id"] == "clerk"]
    assert (clerk["fte_before"], clerk["fte_after"]) == (pytest.approx(2.5), pytest.approx(1.2))
    assert clerk["heads_released"] == 1 and clerk["cash_per_year"] == pytest.approx(1_200_000)
    assert clerk["labour_saving_per_year"] == pytest.approx(1_560_000)
    assert clerk["freed_capacity_per_year"] == pytest.approx(360_000)
    assert found["saving_per_year"] == pytest.approx(1_560_000)
    assert found["cash_per_year"] == pytest.approx(1_200_000)  # nothing but labour here


def test_a_plan_whose_variant_overrides_prices_counts_them_as_price_not_cash(tmp_path):
    # A catalogue: clerks 3 × 100 000 a month on 360 h (833.33 ₽/h), a courier at 600 a trip.
    # 1 200 claims a year, 180 clerk minutes and one trip each. The "cheap" variant does the
    # same work but overrides the clerks' cost to 240 000 a month and the courier to 450.
    # Saving per claim: 180 min × (300 000 − 240 000) / 360 / 60 = 500, plus 150 for the
    # trip: 650 × 1 200 = 780 000 a year, all of it price: no person released, no hours
    # freed, no non-labour cash: 600 000 of labour price and 180 000 of courier price.
    from abc_costing import workflows as wf

    library = tmp_path / "lib"
    (library / "claims").mkdir(parents=True)
    (library / "resources.yaml").write_text("""\
format: abc-costing-resources/1
pools:
  clerk: {kind: labor, cost_per_month: 300000, headcount: 3, capacity_hours_per_month: 360}
  courier: {kind: per_use, cost_per_use: 600}
""", encoding="utf-8")
    body = """\
volume_per_year: 1200
activities: {check: {labor: {clerk: 180}, uses: {courier: 1}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, check], [check, e]]
"""
    for variant, extra in (("as_is", ""), ("cheap", "overrides: {clerk: {cost_per_month: "
                                                     "240000}, courier: {cost_per_use: 450}}\n")):
        (library / "claims" / f"{variant}.yaml").write_text(
            model_text(body + extra, variant=variant).replace("process: test", "process: claims"),
            encoding="utf-8")
    found, problems = wf.released_by_plan(wf.open_library(library), plan="best")
    assert problems == () and found.plan == {"claims": "cheap"}
    assert found.saving_per_year == pytest.approx(780_000)
    [clerk] = [p for p in found.pools if p.id == "clerk"]
    assert clerk.heads_released == 0 and clerk.cash_per_year == 0
    assert clerk.price_effect_per_year == pytest.approx(600_000)
    assert clerk.freed_capacity_per_year == pytest.approx(0, abs=1e-6)
    assert found.non_labour_price_effect_per_year == pytest.approx(180_000)
    assert found.cash_per_year == pytest.approx(0, abs=1e-6)


def test_the_shipped_library_moved_to_its_best_variants():
    # The figures: 19.1 M a year on paper, about 12.7 M of it whole people:
    # lawyers 2 × 2 343 600 + sales managers 1 × 1 874 880 + AP accountants 3 × 1 484 280
    # + buyers 1 × 1 718 640 = 12 733 560 (cost per person a year = pool cost / headcount × 12).
    from abc_costing import workflows as wf

    found, problems = wf.released_by_plan(wf.open_library(LIBRARY), plan="best")
    assert found is not None
    # only the calendar's warnings (January is short for the people who stay; see below)
    assert all(p.severity == "warning" and "short in" in p.message for p in problems)
    assert found.saving_per_year == pytest.approx(19_123_756.76, abs=0.01)
    heads = {p.id: p.heads_released for p in found.pools if p.heads_released}
    assert heads == {"lawyer": 2, "sales_manager": 1, "ap_accountant": 3, "buyer": 1}
    whole_people = sum(p.cash_per_year for p in found.pools)
    assert whole_people == pytest.approx(2 * 2_343_600 + 1_874_880 + 3 * 1_484_280 + 1_718_640)
    # The split adds up: cash + freed capacity = the saving on paper.
    assert found.cash_per_year + sum(p.freed_capacity_per_year for p in found.pools) \
        == pytest.approx(found.saving_per_year)


def test_a_release_is_checked_month_by_month_against_the_production_calendar():
    # Heads are released on an average month (164.33 h in 2026); January has 120 h, so the
    # same work needs FTE after × 164.33 / 120 people. The shipped plan keeps 1 lawyer and
    # 1 AP accountant: both are short in January 2026 and in no other month.
    from abc_costing import workflows as wf

    found, problems = wf.released_by_plan(wf.open_library(LIBRARY), plan="best")
    pools = {p.id: p for p in found.pools}
    short = {p.element: p.message for p in problems if "short in" in p.message}
    assert set(short) == {"lawyer", "ap_accountant"}
    january = pools["lawyer"].fte_after * (1972 / 12) / 120
    assert 1 < january < 1.2 and pools["lawyer"].heads_released == 2
    assert short["lawyer"].startswith(
        f"releasing 2 of 3 leaves 1, short in 1 month(s) of 2026 by the production calendar: "
        f"2026-01 ({january:.2f}) people needed")
    # February (152 h) is enough for the one who stays: 0.82 × 164.33 / 152 < 1
    assert pools["lawyer"].fte_after * (1972 / 12) / 152 < 1


def test_a_plan_named_after_no_variant_is_an_error_and_a_partial_plan_says_who_stays(capsys):
    from abc_costing.cli import main

    assert main(["capacity", str(LIBRARY), "--plan", "nosuch"]) == 1
    err = capsys.readouterr().err
    assert "no process has a variant 'nosuch': give best or one of" in err
    assert "template_esign" in err
    assert main(["capacity", str(LIBRARY), "--plan", "value_tiers"]) == 0
    assert ("procurement, supplier_invoice, zhkh_leads have no variant 'value_tiers' and stay "
            "as_is") in capsys.readouterr().err


def test_every_month_the_dashboard_offers_is_one_capacity_accepts():
    # The Simulation page's month picker offers calendar_months(): 12 per shipped year of
    # the production calendar, each one capacity_of_library (capacity --month) takes.
    from abc_costing import workflows as wf
    from abc_costing.payroll import shipped_years

    months = wf.calendar_months()
    assert len(months) == 12 * len(shipped_years()) and len(set(months)) == len(months)
    library = wf.open_library(LIBRARY)
    for month in (months[0], months[-1]):
        report, _ = wf.capacity_of_library(library, month=month)
        assert report is not None and report.month == month
