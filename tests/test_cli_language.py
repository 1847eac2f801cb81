"""The CLI in the reader's language (issue 14): ``--lang ru`` prints every line, heading,
problem and help text in Russian; English output stays as it was."""

from __future__ import annotations

import json

import pytest

from abc_costing.cli import main
from tests.conftest import ROOT

LIBRARY = ROOT / "process_models"
AS_IS = LIBRARY / "contract_approval" / "as_is.yaml"
ESIGN = LIBRARY / "contract_approval" / "template_esign.yaml"


def run(capsys, *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def line_with(text: str, prefix: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(prefix))


def test_cost_in_russian_says_the_same_figures(capsys):
    code, en, _ = run(capsys, "--lang", "en", "cost", AS_IS)
    assert code == 0
    code, ru, _ = run(capsys, "--lang", "ru", "cost", AS_IS)
    assert code == 0
    # the same figure after the translated label
    assert line_with(en, "Cost per instance:") == "Cost per instance: RUB\u00a010,368.69"
    # Russian figures: narrow no-break spaces between thousands, a decimal comma, ₽
    assert line_with(ru, "Стоимость экземпляра:") == "Стоимость экземпляра: 10\u202f368,69\u00a0₽"
    assert "Стоимость в год:     12\u202f442\u202f423,28\u00a0₽ (экземпляров: 1\u202f200)" in ru
    assert round(12_442_423.28 / 1_200, 2) == 10_368.69  # the year is the unrounded cost × 1 200
    assert "Трудозатраты на экземпляр: 5 ч 56 мин" in ru  # 356 min = 5 × 60 + 56
    assert "Cost per instance" not in ru and "Labour per instance" not in ru


def test_compare_in_russian_and_its_warning_names_the_element(capsys):
    code, ru, err = run(capsys, "--lang", "ru", "compare", AS_IS, ESIGN)
    assert code == 0
    # 10 368.69 - 4 863.09 = 5 505.60 per instance, 5 505.60 / 10 368.69 = 53.1%
    assert "Стоимость экземпляра: 10\u202f368,69 → 4\u202f863,09\u00a0₽" in ru
    assert "Экономия на экземпляр: 5\u202f505,60\u00a0₽ (53,1\u00a0%)" in ru
    # the pool's warning keeps its element (the pool id) and says "предупреждение"
    assert err.startswith("lawyer: предупреждение: после высвобождения 1 из 3 остаётся 2")
    code, en, err_en = run(capsys, "--lang", "en", "compare", AS_IS, ESIGN)
    assert "Saving per instance: RUB\u00a05,505.60 (53.1%)" in en
    # the currency once, where English writes it: before the first amount
    assert "Cost per instance: RUB\u00a010,368.69 → 4,863.09" in en
    assert err_en.startswith("lawyer: warning: releasing 1 of 3 leaves 2, short in 1 month(s)")


def test_a_failing_import_names_the_file_in_russian(capsys, tmp_path):
    log = tmp_path / "log.docx"
    log.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "--lang", "ru", "mine", log, "-o", tmp_path / "m.yaml")
    assert code == 1
    assert err.strip().replace("\n", "") == (
        f"{log}: неизвестный формат журнала; используйте .csv, .tsv, .txt, .parquet, .pq, "
        ".xes, .xes.gz")
    code, _, err = run(capsys, "--lang", "en", "mine", log, "-o", tmp_path / "m.yaml")
    assert err.strip().replace("\n", "").startswith(f"{log}: unknown log format; use .csv")


def test_a_bad_option_is_refused_in_russian_with_its_element(capsys):
    code, _, err = run(capsys, "--lang", "ru", "capacity", LIBRARY, "--month", "jan")
    assert code == 1
    assert err.strip() == "month: месяц 'jan': укажите его как ГГГГ-ММ, например 2026-01"
    code, _, err = run(capsys, "--lang", "ru", "sensitivity", AS_IS, "--change", "2")
    assert code == 2 and err.strip() == "--change должен быть между 0 и 1 (0.1 для ±10%), получено 2"


def test_help_is_in_russian_and_argparse_words_too(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--lang", "ru", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("использование: abc-costing")
    assert "позиционные аргументы:" in out and "параметры:" in out
    assert "показать эту справку и выйти" in out
    assert "точная стоимость одного экземпляра и года" in out
    with pytest.raises(SystemExit):
        main(["--lang", "en", "--help"])
    out = capsys.readouterr().out
    assert out.startswith("usage: abc-costing") and "options:" in out
    assert "exact cost of one instance and one year" in out


def test_ranking_lists_the_biggest_saving_per_year_first(capsys):
    code, out, _ = run(capsys, "ranking", LIBRARY, "--json")
    assert code == 0
    rows = [row for row in json.loads(out) if row.get("row_kind") != "total"]
    savings = [row["saving_per_year"] for row in rows]
    assert savings == sorted(savings, reverse=True) and len(rows) >= 3
    # as the Overview: the top row is marked, and is the portfolio's largest saving a year
    assert rows[0]["mark"] == "Biggest saving" and rows[0]["variant"] == "edi_automatch"
    assert all(row["variant"] != "as_is" for row in rows)
    code, ru, _ = run(capsys, "--lang", "ru", "ranking", LIBRARY)
    assert code == 0 and "Экономия в год, RUB" in ru and "edi_automatch" in ru


def refused(capsys, *argv: object) -> list[str]:
    """The lines a usage mistake prints to standard error (argparse exits 2, no traceback)."""
    with pytest.raises(SystemExit) as exited:
        main([str(a) for a in argv])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    return captured.err.splitlines()


def test_argparse_refuses_a_usage_mistake_in_russian(capsys):
    # a missing positional: the usage line, then the program, "ошибка", what is missing
    assert refused(capsys, "--lang", "ru", "cost") == [
        "использование: abc-costing cost [-h] [--json] MODEL",
        "abc-costing cost: ошибка: не указаны обязательные аргументы: MODEL"]
    assert refused(capsys, "--lang", "ru", "cost", AS_IS, "extra")[-1] == (
        "abc-costing: ошибка: неизвестные аргументы: extra")
    assert refused(capsys, "--lang", "ru", "cost", AS_IS, "--json=yes")[-1] == (
        "abc-costing cost: ошибка: аргумент --json: параметр не принимает значения, "
        "а указано 'yes'")
    assert refused(capsys, "--lang", "ru", "capacity", "--year", "next")[-1] == (
        "abc-costing capacity: ошибка: аргумент --year: недопустимое значение 'next' "
        "(ожидается int)")
    assert refused(capsys, "--lang", "ru", "report", AS_IS, "--format", "docx")[-1] == (
        "abc-costing report: ошибка: аргумент --format: недопустимое значение 'docx' "
        "(допустимые: 'xlsx', 'pdf', 'csv', 'json')")
    # --lang ru given first, then a --lang without its value
    assert refused(capsys, "--lang", "ru", "--lang")[-1] == (
        "abc-costing: ошибка: аргумент --lang: ожидается одно значение")
    # a misspelt command: the whole Russian sentence, with the commands to choose from
    last = refused(capsys, "--lang", "ru", "costt")[-1]
    assert last.startswith("abc-costing: ошибка: аргумент COMMAND: недопустимое значение "
                           "'costt' (допустимые: 'validate', 'cost', 'compare', ")
    assert not any(word in last for word in ("error", "invalid", "choose"))


def test_argparse_refuses_a_usage_mistake_in_english_as_before(capsys):
    assert refused(capsys, "--lang", "en", "cost") == [
        "usage: abc-costing cost [-h] [--json] MODEL",
        "abc-costing cost: error: the following arguments are required: MODEL"]
    assert refused(capsys, "--lang", "en", "cost", AS_IS, "extra")[-1] == (
        "abc-costing: error: unrecognized arguments: extra")
    assert refused(capsys, "--lang", "en", "report", AS_IS, "--format", "docx")[-1] == (
        "abc-costing report: error: argument --format: invalid choice: 'docx' "
        "(choose from 'xlsx', 'pdf', 'csv', 'json')")
    assert refused(capsys, "--lang", "en", "--lang")[-1] == (
        "abc-costing: error: argument --lang: expected one argument")


def test_argparse_speaks_english_again_after_a_russian_command(capsys):
    """The translation is argparse's for the command only: another parser in the same
    process (pytest's own, a library's) keeps English afterwards."""
    import argparse

    refused(capsys, "--lang", "ru", "cost")
    other = argparse.ArgumentParser(prog="other", exit_on_error=False)
    other.add_argument("n", type=int)
    with pytest.raises(argparse.ArgumentError) as wrong:
        other.parse_args(["x"])
    assert str(wrong.value) == "argument n: invalid int value: 'x'"
    assert other.format_usage() == "usage: other [-h] n\n"
