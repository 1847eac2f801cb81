"""The tables' titles, notes and row texts in the reader's language (issue 14): marked
with ``N_`` where a view is made, said again by ``TableView.in_language``."""

from __future__ import annotations

import pickle
import re

import pytest

from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_library
from abc_costing.i18n import Message, translate
from abc_costing.model import ProcessModel
from abc_costing.portfolio import build_portfolio
from abc_costing.reports.ledger_views import stage_summary_view
from abc_costing.reports.views import (
    BIGGEST_SAVING,
    activities_view,
    bridge_view,
    capacity_view,
    resources_view,
    saving_ranking_view,
    saving_reason,
    value_classes_view,
)
from abc_costing.workflows.ledger import balance_period
from abc_costing.workflows.library import open_library
from tests.conftest import LIBRARY

CONTRACT = LIBRARY / "contract_approval"


def variant(name: str, check_minutes: int, fix_share: float) -> ProcessModel:
    """clerk at 600 ₽/h = 10 ₽/min; "Проверка" runs once, "Доработка" (30 min) by a share."""
    return ProcessModel.model_validate({
        "format": "abc-costing/1", "process": "p", "variant": name,
        "resources": {"clerk": {"kind": "labor", "rate_per_hour": 600, "name": "Клерк"}},
        "activities": {"check": {"name": "Проверка", "labor": {"clerk": check_minutes}},
                       "fix": {"name": "Доработка", "labor": {"clerk": 30}}},
        "gateways": {"g": {"kind": "exclusive"}},
        "events": {"s": {"kind": "start"}, "e": {"kind": "end"}},
        "flows": [["s", "check"], ["check", "g"], ["g", "fix", fix_share],
                  ["g", "e", 1 - fix_share], ["fix", "e"]]})


def test_titles_and_total_rows_in_russian_and_english_unchanged():
    result = cost_model(variant("as_is", 60, 0.5))
    view = activities_view(result)
    assert view.title == "Cost by activity: as_is"
    ru = view.in_language("ru")
    assert ru.title == "Стоимость по действиям: as_is"
    assert ru.rows[-1].value("name") == "итого" and view.rows[-1].value("name") == "total"
    # the CSV's records keep the English, and English can be had again
    assert ru.records() == view.records()
    assert ru.in_language("en").title == view.title
    assert ru.in_language("en").rows[-1].value("name") == "total"
    resources = resources_view(result).in_language("ru")
    assert resources.title == "Стоимость по ресурсам: as_is"
    assert resources.rows[-2].value("name") == "прочие затраты (не привязаны к ресурсу)"


def test_the_value_classes_are_said_in_the_readers_words_and_kept_as_keys():
    # Both activities cost at 10 ₽/min and are 'business' (the default class): 60 min
    # once and 30 min half the time, 600 + 0.5 × 300 = 750 ₽, all of it in that class.
    result = cost_model(variant("as_is", 60, 0.5))
    view = value_classes_view(result)
    ru = view.in_language("ru")
    assert [row.value("value") for row in ru.rows] == ["создающее ценность", "обязательное",
                                                       "потери", "(итого)"]
    assert [row.value("value") for row in view.in_language("en").rows] == [
        "value_adding", "business", "waste", "(total)"]
    assert [r["cost_per_instance"] for r in ru.records()] == [0.0, 750.0, 0.0, 750.0]
    assert ru.records() == view.records()  # the CSV keeps the class's key


def test_the_reason_line_and_the_mark_in_russian():
    comparison = compare_models(variant("as_is", 60, 0.5), variant("v", 45, 0.1))
    reason = saving_reason(comparison)
    # Проверка 60 → 45 min: −15 × 10 = −150 ₽; Доработка 0.5 → 0.1 runs: −0.4 × 300 = −120 ₽;
    # clerk −15 − 0.4 × 30 = −27 min, −270 ₽
    assert reason == ("Проверка (-150.00); Доработка ×0.50 → ×0.10 (-120.00); "
                      "Клерк -27 min (-270.00)")
    assert isinstance(reason, Message)
    assert translate(reason, "ru") == ("Проверка (-150,00); Доработка ×0,50 → ×0,10 (-120,00); "
                                       "Клерк -27 мин (-270,00)")
    models, _ = load_library(LIBRARY)
    view = saving_ranking_view(build_portfolio(models))
    ru = view.in_language("ru")
    assert view.title == "Which redesign saves most a year, and why"
    assert ru.title == "Какое изменение процесса даёт наибольшую экономию в год и почему"
    assert view.rows[0].value("mark") == BIGGEST_SAVING == "Biggest saving"
    assert ru.rows[0].value("mark") == "Наибольшая экономия"
    assert ru.note.startswith("Каждый вариант против варианта as_is")
    # the numbers are the same cells
    assert ru.rows[0].value("saving_per_year") == view.rows[0].value("saving_per_year")


def test_the_reasons_figures_are_written_as_each_reader_reads_them():
    # Проверка 300 → 45 min at 600 ₽/h = 10 ₽/min: −255 × 10 = −2 550 ₽;
    # Доработка (30 min = 300 ₽) runs 0.5 → 0.1 times: −0.4 × 300 = −120 ₽;
    # the clerk: −255 − 0.4 × 30 = −267 min = 4 h 27 min, −2 670 ₽
    reason = saving_reason(compare_models(variant("as_is", 300, 0.5), variant("v", 45, 0.1)))
    n = "\u202f"  # the Russian thousands separator: a narrow no-break space
    assert translate(reason, "ru") == (f"Проверка (-2{n}550,00); Доработка ×0,50 → ×0,10 "
                                       f"(-120,00); Клерк -4 ч 27 мин (-2{n}670,00)")
    # the English text is the message itself, in the English form
    assert reason == translate(reason, "en") == (
        "Проверка (-2,550.00); Доработка ×0.50 → ×0.10 (-120.00); "
        "Клерк -4 hr 27 min (-2,670.00)")
    # the reason goes to the simulation's workers and into caches: it pickles whole,
    # compares as its English text, and is said in Russian after the trip too
    back = pickle.loads(pickle.dumps(reason))
    assert back == reason and isinstance(back, Message)
    assert translate(back, "ru") == translate(reason, "ru")
    # a rise is signed: the reverse comparison costs 2 550 ₽ more in Проверка
    rise = saving_reason(compare_models(variant("as_is", 45, 0.1), variant("v", 300, 0.5)))
    assert translate(rise, "ru").startswith(f"Проверка (+2{n}550,00); ")
    assert translate(rise, "ru").endswith(f"Клерк +4 ч 27 мин (+2{n}670,00)")


def test_the_ranking_says_its_reasons_in_the_readers_form():
    models, _ = load_library(LIBRARY)
    view = saving_ranking_view(build_portfolio(models))
    english = " ".join(str(row.value("reason")) for row in view.rows)
    russian = " ".join(str(row.value("reason")) for row in view.in_language("ru").rows)
    # thousands: "2,559.93" to an English reader, "2 559,93" to a Russian one; never the
    # other's decimal mark
    assert re.search(r"\(-\d{1,3}(,\d{3})+\.\d\d\)", english)
    assert re.search(r"\(-\d{1,3}(\u202f\d{3})+,\d\d\)", russian)
    assert not re.search(r"\d\.\d", russian) and not re.search(r"\d,\d\d\)", english)
    # times in hours and minutes, in the reader's words
    assert re.search(r"-\d+ hr( \d+ min)? \(", english) and " мин (" in russian


def test_notes_built_from_values_in_russian():
    from abc_costing.formats import load_model

    comparison = compare_models(load_model(CONTRACT / "as_is.yaml"),
                                load_model(CONTRACT / "value_tiers.yaml"))
    bridge = bridge_view(comparison).in_language("ru")
    assert bridge.title == "Мост затрат: as_is → value_tiers"
    assert bridge.note.startswith("Изменение стоимости, новый вариант − базовый")
    balance = balance_period(open_library(LIBRARY), period="2026-01")
    summary = stage_summary_view(balance.result, currency="RUB")
    assert summary.title == "Stage balance"
    said = summary.in_language("ru")
    assert said.title == "Баланс по этапам"
    assert said.note.startswith("Итого по ОСВ: ") and " RUB. В каждой строке" in said.note
    assert said.rows[0].value("label") == "1. ОСВ → пулы и вспомогательные подразделения"


def test_a_cost_objects_processes_are_listed_with_figures_in_the_readers_form():
    from abc_costing.reports.ledger_views import profitability_view

    balance = balance_period(open_library(LIBRARY), period="2026-01")
    view = profitability_view(balance.result, currency="RUB")
    ru = view.in_language("ru")
    item = next(o for o in balance.result.objects if len(o.by_process) > 1)
    row = next(i for i, r in enumerate(view.rows) if r.values[0] == item.cost_object)
    # each process variant with its money, the largest first, in each reader's form
    ordered = sorted(item.by_process.items(), key=lambda kv: -kv[1])
    assert view.rows[row].value("by_process") == "; ".join(
        f"{key}: {money:,.2f}" for key, money in ordered)
    assert ru.rows[row].value("by_process") == "; ".join(
        f"{key}: " + f"{money:,.2f}".replace(",", "\u202f").replace(".", ",")
        for key, money in ordered)


@pytest.mark.parametrize("month", [None, (2026, 3)])
def test_capacity_titles_are_whole_sentences(month):
    from abc_costing.engine.capacity import capacity_report

    models, _ = load_library(LIBRARY)
    report = capacity_report([m for _, m in models], variant="as_is", month=month)
    view = capacity_view(report, variant="as_is")
    ru = view.in_language("ru")
    if month is None:
        assert view.title == "Labour pools per month (variant as_is)"
        assert ru.title == "Пулы труда в месяц (вариант as_is)"
        assert ru.note == ("Стоимость неиспользуемой мощности показана отдельно и на процессы "
                           "не распределяется.")
    else:
        assert view.title == f"Labour pools in {report.month} (variant as_is)"
        assert ru.title == f"Пулы труда в {report.month} (вариант as_is)"
        assert ru.note.startswith(f"Ёмкость в {report.month}: ")
    said = {"ok": "в норме", "capacity unknown": "ёмкость неизвестна"}
    for english, russian in zip(view.rows, ru.rows, strict=True):
        status = english.value("status")
        assert russian.value("status") == said.get(status) or (
            status.startswith("SHORTAGE: ") and russian.value("status").startswith("НЕХВАТКА: "))
