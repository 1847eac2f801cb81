"""The Overview's ranking: candidate variants by saving a year, the biggest marked, and why.

The library function (``saving_ranking_view``, ``workflows.saving_ranking``)
is checked by hand on a small inline library and against the engine and
``compare`` on the shipped one; the page through AppTest.
"""

from __future__ import annotations

import math

import pytest

from abc_costing import workflows as wf
from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_library, parse_model_text
from abc_costing.i18n import translate
from abc_costing.portfolio import build_portfolio
from abc_costing.reports.views import (
    BIGGEST_SAVING,
    format_money,
    saving_ranking_view,
)
from tests.conftest import LIBRARY
from tests.test_dashboard import AS_IS as INVOICES
from tests.test_dashboard import FAST as INVOICES_EDO
from tests.test_dashboard import app, run

# invoices (1 000 a year), from test_dashboard: as_is 830 ₽ an invoice; edo sends no
# courier (500 ₽): 330 ₽, saves 500 ₽ an invoice, 500 000 ₽ a year, all of it not labour.
# slow: the check takes 60 min instead of 30 at 10 ₽/min: 300 ₽ more an invoice.
INVOICES_SLOW = INVOICES.replace("variant: as_is", "variant: slow").replace(
    "labor: {clerk: 30}", "labor: {clerk: 60}")
# leads (10 000 a year): keying in takes 20 min at 10 ₽/min (200 ₽); robot: 5 min (50 ₽):
# saves only 150 ₽ a lead, yet 1 500 000 ₽ a year: more than edo's 500 000.
LEADS = """\
format: abc-costing/1
process: leads
variant: as_is
title: "Лиды"
currency: RUB
volume_per_year: 10000
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  key_in: {name: "Ввод лида", labor: {clerk: 20}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, key_in], [key_in, e]]
"""
LEADS_ROBOT = LEADS.replace("variant: as_is", "variant: robot").replace(
    "labor: {clerk: 20}", "labor: {clerk: 5}")
# a process with no as_is: nothing to measure its variant against
ORPHAN = LEADS.replace("process: leads", "process: orphan").replace(
    "variant: as_is", "variant: draft")

FILES = {"invoices/as_is.yaml": INVOICES, "invoices/edo.yaml": INVOICES_EDO,
         "invoices/slow.yaml": INVOICES_SLOW, "leads/as_is.yaml": LEADS,
         "leads/robot.yaml": LEADS_ROBOT, "orphan/draft.yaml": ORPHAN}
COLUMNS = ["Mark", "Process", "Variant", "Saving a year, RUB", "Saving per instance, RUB",
           "Cash a year, RUB", "Why (change per instance)"]


@pytest.fixture
def library(tmp_path, monkeypatch):
    folder = tmp_path / "process_models"
    for name, text in FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(folder))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return folder


def rows_of(view) -> list[dict]:
    """The ranked variants (the total row of the best variants together left out)."""
    return [dict(zip(view.keys, row.values, strict=True)) for row in view.rows
            if row.kind == "item"]


def test_ranked_by_saving_a_year_not_per_instance_with_the_biggest_marked(library):
    lib = wf.open_library(library)
    # the old ★: the cheapest per instance of each process, edo and robot alike
    assert {(r.process, r.variant) for r in lib.portfolio.rows if r.is_best} == {
        ("invoices", "edo"), ("leads", "robot"), ("orphan", "draft")}

    rows = rows_of(wf.saving_ranking(lib))
    assert [(r["process"], r["variant"]) for r in rows] == [
        ("leads", "robot"), ("invoices", "edo"), ("invoices", "slow"), ("orphan", "draft")]
    by_variant = {r["variant"]: r for r in rows}
    # (200 − 50) × 10 000; (830 − 330) × 1 000; (830 − 1 130) × 1 000
    assert by_variant["robot"]["saving_per_year"] == pytest.approx(1_500_000)
    assert by_variant["edo"]["saving_per_year"] == pytest.approx(500_000)
    assert by_variant["slow"]["saving_per_year"] == pytest.approx(-300_000)
    assert by_variant["edo"]["saving_per_instance"] == pytest.approx(500)  # more than 150
    assert by_variant["robot"]["saving_per_instance"] == pytest.approx(150)
    assert [r["mark"] for r in rows] == [BIGGEST_SAVING, "", "", ""]

    # Why, per instance: the activities, then the resource, whose cost moves most
    assert by_variant["robot"]["reason"] == "Ввод лида (-150.00); clerk -15 min (-150.00)"
    assert by_variant["edo"]["reason"] == "Отправка оригинала (-500.00); courier (-500.00)"
    # costs more: what drives the rise is named, with its sign
    assert by_variant["slow"]["reason"] == (
        "Проверка счёта (+300.00); clerk +30 min (+300.00)")
    assert by_variant["draft"]["saving_per_year"] is None
    assert by_variant["draft"]["reason"] == "no as_is variant in RUB to compare with"

    # Cash: the courier is not labour, so all of edo's saving is cash; the clerks state no
    # headcount, so no person is released and robot's labour saving stays paid.
    assert by_variant["edo"]["cash_per_year"] == pytest.approx(500_000)
    assert by_variant["robot"]["cash_per_year"] == 0
    assert by_variant["robot"]["freed_capacity_per_year"] == pytest.approx(1_500_000)
    assert by_variant["draft"]["cash_per_year"] is None
    # The total: the best of each process together (robot, edo; the orphan's draft saves
    # nothing): 1 500 000 + 500 000 = 2 000 000 a year, cash 0 + 500 000 (no clerk leaves).
    total = wf.saving_ranking(lib).rows[-1]
    assert total.kind == "total" and total.value("title") == "Best variant of each process, together"
    assert total.value("saving_per_year") == pytest.approx(2_000_000)
    assert total.value("cash_per_year") == pytest.approx(500_000)
    assert total.value("freed_capacity_per_year") == pytest.approx(1_500_000)


def test_the_shipped_library_ranked_by_hand():
    models, problems = load_library(LIBRARY)
    assert not [p for p in problems if p.severity == "error"]
    lib = wf.open_library(LIBRARY)
    view = wf.saving_ranking(lib)
    rows = rows_of(view)
    files = {(m.process, m.variant): m for _, m in models}
    expected = {}
    for (process, variant), model in files.items():
        if variant == "as_is":
            continue
        as_is = cost_model(files[(process, "as_is")])
        # as_is cost a year − the variant's cost a year, both at the as_is volume
        expected[variant] = (as_is.cost_per_year
                             - cost_model(model).cost_per_instance * as_is.volume_per_year)
    assert len(rows) == len(expected) == 5
    for row in rows:
        assert row["saving_per_year"] == pytest.approx(expected[row["variant"]], rel=1e-12)
    assert [r["variant"] for r in rows] == sorted(expected, key=expected.__getitem__,
                                                  reverse=True)
    # 6 953 950.28 (ЭДО) > 6 606 719.02 (e-signature) > 3 522 311.86 > 2 982 254.39 > 2 040 775.59
    assert [r["variant"] for r in rows] == ["edi_automatch", "template_esign",
                                            "framework_template", "value_tiers", "crm_robots"]
    assert [r["mark"] for r in rows] == [BIGGEST_SAVING] + [""] * 4
    assert rows[0]["saving_per_year"] == max(expected.values())
    # the old star was on the cheapest per instance of every process: four of them
    assert sum(r.is_best for r in lib.portfolio.rows) == 4

    for row in rows:
        comparison = compare_models(files[(row["process"], "as_is")],
                                    files[(row["process"], row["variant"])])
        falling = sorted(comparison.activities, key=lambda a: a.delta)[:2]
        [resource] = sorted(comparison.resources, key=lambda r: r.delta)[:1]
        parts = row["reason"].split("; ")
        assert len(parts) == 3
        for part, change in zip(parts, [*falling, resource], strict=True):
            assert part.startswith(change.name) and change.delta < 0
            # the English figure in the English reason (said again in Russian's form later)
            assert part.endswith(f"({format_money(change.delta, 'RUB')})")
        # cash + freed capacity + price effects add up to the saving (the split's identity)
        split = wf.saving_split_of(lib, comparison)
        assert split is not None and row["cash_per_year"] == split.cash_per_year
        assert math.fsum([row["cash_per_year"], row["freed_capacity_per_year"],
                          row["price_effect_per_year"]]) == pytest.approx(
            row["saving_per_year"])
    # by hand for e-signature: legal review runs 1.59 → 0.41 times a contract, the
    # couriers' originals are gone, the lawyer spends 127.0 − 43.7 = 83.3 min less
    esign = next(r for r in rows if r["variant"] == "template_esign")
    # a reason is made before its reader is known: its figures are said in each reader's
    # form (83.3 min = 1 h 23 min), in English here, in Russian on a Russian page
    assert esign["reason"] == ("Юридическая проверка ×1.59 → ×0.41 (-2,559.93); "
                               "Подготовка проекта договора (-850.00); "
                               "Юрист -1 hr 23 min (-2,258.95)")
    assert translate(esign["reason"], "ru") == (
        "Юридическая проверка ×1,59 → ×0,41 (-2\u202f559,93); "
        "Подготовка проекта договора (-850,00); Юрист -1 ч 23 мин (-2\u202f258,95)")


def _model(text: str):
    model, problems = parse_model_text(text, source="inline.yaml")
    assert model is not None, problems
    return model


def test_two_currencies_are_ranked_apart_each_with_its_biggest_saving():
    euro = {name: text.replace("currency: RUB", "currency: EUR").replace(
        "process: leads", "process: eu_leads") for name, text in
        (("as_is", LEADS), ("robot", LEADS_ROBOT))}
    models = [(f"{n}.yaml", _model(t)) for n, t in
              [("a", INVOICES), ("b", INVOICES_EDO), ("c", euro["as_is"]),
               ("d", euro["robot"])]]
    view = saving_ranking_view(build_portfolio(models))
    assert view.currency is None  # each row names its own currency
    assert [(r["currency"], r["variant"], r["mark"]) for r in rows_of(view)] == [
        ("EUR", "robot", BIGGEST_SAVING), ("RUB", "edo", BIGGEST_SAVING)]


def test_the_overview_opens_on_the_ranking(library):
    at = run(app())
    ranking = at.dataframe[0].value
    assert list(ranking.columns) == COLUMNS
    # the four variants, then the total of the best ones together (its variant cell empty)
    assert list(ranking["Variant"]) == ["robot", "edo", "slow", "draft", ""]
    assert list(ranking["Mark"]) == [BIGGEST_SAVING, "", "", "", ""]
    assert ranking["Saving a year, RUB"].iloc[4] == pytest.approx(2_000_000)
    assert list(ranking["Saving a year, RUB"])[:3] == pytest.approx(
        [1_500_000, 500_000, -300_000])
    assert math.isnan(ranking["Saving a year, RUB"].iloc[3])
    assert list(ranking["Cash a year, RUB"])[:2] == pytest.approx([0, 500_000])
    assert list(ranking["Process"]) == ["Лиды", "Счета поставщиков", "Счета поставщиков",
                                        "Лиды", "Best variant of each process, together"]
    # the headline above it: the biggest saving, in words, and why
    texts = [t.value for t in at.text]
    assert ("Лиды (robot): RUB\u00a01,500,000.00 a year, RUB\u00a0150.00 per instance; "
            "of which cash RUB\u00a00.00 a year") in texts
    assert "Why: Ввод лида (-150.00); clerk -15 min (-150.00)" in texts
    # what Overview showed before stays below: the portfolio table, the totals, the chart
    assert list(at.dataframe[1].value["Variant"]) == ["as_is", "edo", "slow", "as_is",
                                                      "robot", "draft"]
    assert at.get("plotly_chart")


def test_a_variant_that_only_costs_more_is_not_marked():
    view = saving_ranking_view(build_portfolio(
        [("a.yaml", _model(INVOICES)), ("s.yaml", _model(INVOICES_SLOW))]))
    [row] = rows_of(view)
    # (830 − 1 130) × 1 000: a loss is ranked, never called the biggest saving
    assert (row["variant"], row["mark"]) == ("slow", "")
    assert row["saving_per_year"] == pytest.approx(-300_000)
