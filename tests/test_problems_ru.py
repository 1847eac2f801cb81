"""Problems in a user's data said in Russian (issue 14): a bad model, a bad BPMN file and a
bad ledger each read with its problems rendered in Russian, still naming file, line and
element, with no English word left but the ids and values the user wrote; the English
unchanged."""

from __future__ import annotations

import re
from pathlib import Path

from abc_costing.formats.bpmn import BPMN_NS, bpmn_to_model_text
from abc_costing.formats.ledger_file import read_ledger
from abc_costing.formats.yaml_model import parse_model_text, read_model
from abc_costing.i18n import translate
from abc_costing.problems import Count, Problem, listed, quoted

NBSP = "\u00a0"
NNBSP = "\u202f"  # the Russian thousands separator in a figure

BAD_MODEL = """\
format: abc-costing/1
process: demo
variant: as_is
resources:
  clerk: {kind: labor, rate_per_hour: 1200}
activities:
  check:
    labor: {clerk: -5}
  approve:
    labor: {lawyer: 10}
gateways:
  ok: {kind: exclusive}
events:
  start: {kind: start}
  end: {kind: end}
flows:
  - [start, check]
  - [check, ok]
  - [ok, approve, 0.7]
  - [ok, end, 0.2]
  - [approve, end]
"""


def english_words(text: str, allowed: set[str]) -> list[str]:
    """The Latin words of ``text`` that are not ids, values or field names the user wrote."""
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_]+", text) if w not in allowed]


def test_a_bad_model_in_russian_names_file_line_and_element(tmp_path: Path):
    path = tmp_path / "as_is.yaml"
    path.write_text(BAD_MODEL, encoding="utf-8")
    model, problems = read_model(path, catalogue=None)
    assert model is None
    where = str(path)
    # Negative minutes (line 8), an unknown resource (line 10), probabilities of 'ok'
    # 0.7 + 0.2 = 0.9 (line 12, where the gateway is defined).
    assert [p.text("ru") for p in problems] == [
        f"{where}:8: check: labor.clerk: длительность: значение не может быть отрицательным "
        "(получено -5)",
        f"{where}:10: approve: в labor указан неизвестный ресурс 'lawyer': не задан в разделе "
        "resources: (известные: clerk)",
        f"{where}:12: ok: сумма вероятностей потоков, выходящих из исключающего ветвления "
        "'ok', равна 0,9, а не 1",  # the Russian decimal comma
    ]
    # The English is what it was before the translation.
    assert [str(p) for p in problems] == [
        f"{where}:8: check: labor.clerk: duration must not be negative (got -5)",
        f"{where}:10: approve: labor names unknown resource 'lawyer': not defined under "
        "resources: (known: clerk)",
        f"{where}:12: ok: probabilities of the flows leaving exclusive split 'ok' sum to 0.9, "
        "not 1",
    ]
    allowed = set(re.findall(r"[A-Za-z_]+", where)) | {
        "check", "labor", "clerk", "approve", "lawyer", "resources", "ok"}
    for problem in problems:
        assert not english_words(problem.text("ru"), allowed), problem.text("ru")


def test_a_duplicate_key_and_a_syntax_error_in_russian():
    _, problems = parse_model_text("format: abc-costing/1\nprocess: p\nprocess: q\n",
                                   source="dup.yaml")
    assert [p.text("ru") for p in problems] == [
        "dup.yaml:3: ключ 'process' повторяется (впервые задан в строке 2); YAML молча "
        "оставил бы только последнее значение"]
    # The parser's own reason stays as it said it, quoted in a Russian sentence.
    _, problems = parse_model_text("format: abc-costing/1\nprocess: [p\n", source="s.yaml")
    (said,) = [p.text("ru") for p in problems]
    assert said.startswith("s.yaml:2: синтаксическая ошибка YAML: «") and "(позиция " in said


def test_pydantic_errors_are_said_in_russian_by_their_type():
    text = BAD_MODEL.replace("variant: as_is", "variant: as_is\ncurrency: 5\ncolour: red") \
        .replace("  end: {kind: end}", "  end: {kind: finish}") \
        .replace("  - [ok, end, 0.2]", "  - [ok, end, 2]")
    _, problems = parse_model_text(text, source="m.yaml")
    said = {p.element: p.text("ru") for p in problems}
    assert said["currency"] == "m.yaml:4: currency: должно быть текстом (получено 5)"
    assert said["colour"] == ("m.yaml:5: colour: неизвестное поле 'colour' (опечатка? формат "
                              "описан в README)")
    # literal_error: pydantic's "'start' or 'end'" with the "or" said in Russian
    assert said["end"] == ("m.yaml:17: end: kind: допустимые значения: 'start' или 'end' "
                           "(получено 'finish')")
    assert said["flows[3]"] == ("m.yaml:22: flows[3]: probability: значение должно быть не больше 1 "
                                "(получено 2)")
    assert {p.element: str(p) for p in problems}["end"] == (
        "m.yaml:17: end: kind: Input should be 'start' or 'end' (got 'finish')")


def test_a_bad_bpmn_in_russian():
    body = ('<startEvent id="s"/><complexGateway id="cx"/><endEvent id="e"/>'
            '<sequenceFlow id="f1" sourceRef="s" targetRef="cx"/>'
            '<sequenceFlow id="f2" sourceRef="cx" targetRef="e"/>')
    data = f'<definitions xmlns="{BPMN_NS}"><process id="p">{body}</process></definitions>'
    problems = bpmn_to_model_text(data.encode(), source="flow.bpmn")[1]
    assert [p.text("ru") for p in problems] == [
        "flow.bpmn: cx: сложный шлюз (complex gateway) 'cx' не поддерживается: замените его "
        "исключающим или параллельным шлюзом",
        "flow.bpmn: f1: поток управления 'f1' ссылается на 'cx', а это не поддерживаемый "
        "элемент этого процесса",
        "flow.bpmn: f2: поток управления 'f2' ссылается на 'cx', а это не поддерживаемый "
        "элемент этого процесса"]
    assert str(problems[0]) == ("flow.bpmn: cx: complex gateway 'cx' is not supported: model "
                                "it as an exclusive or parallel gateway")
    # Not well-formed XML: the line, and the parser's English kept as a quoted value.
    problems = bpmn_to_model_text(b"<definitions>\n<process>\n</definitions>",
                                  source="bad.bpmn")[1]
    assert [p.text("ru") for p in problems] == [
        "bad.bpmn:3: XML составлен с ошибкой: «mismatched tag: line 3, column 2»"]


def test_a_bad_ledger_in_russian(tmp_path: Path):
    path = tmp_path / "osv.csv"
    path.write_text("period;account;cost centre;cost item;amount;colour\n"
                    "2026-01;26;admin;rent;1 500,50;x\n"
                    "13.2026;26;admin;rent;12;x\n"
                    "2026-01;;admin;rent;1,500;x\n"
                    "Итого;;;;1000;\n", encoding="utf-8")
    lines, problems = read_ledger(path, source_name="osv.csv")
    assert [line.amount for line in lines] == [1500.5]  # the only sound row
    # The totals row states 1 000.00; the one line read sums to 1 500.50.
    assert [p.text("ru") for p in problems] == [
        "osv.csv:1: colour: предупреждение: неизвестный столбец 'colour' пропущен; известные "
        "столбцы: period, account, cost_centre, cost_item, amount, scenario",
        "osv.csv:3: period: период '13.2026' — не месяц: укажите его как 2026-01, 01.2026, "
        "январь 2026 или дата",
        "osv.csv:4: account: не заполнено: счёт",
        "osv.csv:4: amount: сумма: '1,500' неоднозначно: 1,5 или 1500? Напишите 1500 или 1,5 "
        "(тысячи разделяются пробелами)",
        f"osv.csv:5: предупреждение: строка итогов («Итого») — не оборот: пропущена; её сумма "
        f"1{NNBSP}000,00 не равна сумме строк 1{NNBSP}500,50 (потеряна строка или выгрузка "
        "обрезана?)"]
    assert [str(p) for p in problems][1:3] == [
        "osv.csv:3: period: the period '13.2026' is not a month: write it as 2026-01, 01.2026, "
        "январь 2026 or a date",
        "osv.csv:4: account: the account is empty"]
    allowed = {"osv", "csv", "colour", "period", "account", "cost_centre", "cost_item",
               "amount", "scenario"}
    for problem in problems:
        assert not english_words(problem.text("ru"), allowed), problem.text("ru")


def test_counts_in_quoted_and_listed_are_grouped_the_readers_way():
    # 100,000 characters: cut at 60, the length said with thousands grouped
    long = quoted("Ж" * 100_000)
    assert long == f"'{'Ж' * 60}…' (100,000 characters)"
    assert translate(long, "ru") == f"'{'Ж' * 60}…' (100{NNBSP}000 символов)"
    names = listed(f"r{i}" for i in range(50_000))  # 8 shown, then how many in all
    assert translate(names, "ru") == f"r0, r1, r2, r3, r4, r5, r6, r7, … (всего 50{NNBSP}000)"
    assert translate(quoted(10**5000), "ru") == f"целое число из 5{NNBSP}001 цифр"
    assert translate(quoted(list(range(10))), "ru") == ("[0, 1, 2, 3, 4, 5, …] "
                                                         "(всего элементов: 10)")
    # A Count survives pickling (problems go to the simulation's workers)
    import pickle

    again = pickle.loads(pickle.dumps(Problem(long)))
    assert translate(again.message, "ru").endswith(f"(100{NNBSP}000 символов)")
    assert type(pickle.loads(pickle.dumps(Count(7)))) is Count


def test_a_records_bound_in_a_drivers_file_is_said_in_russian(tmp_path: Path):
    from abc_costing.formats.ledger_file import read_drivers

    path = tmp_path / "drivers.csv"
    path.write_text("driver;receiver;quantity\narea_m2;lawyer;-5\narea_m2;clerk;10\n",
                    encoding="utf-8")
    records, problems = read_drivers(path, source_name="drivers.csv")
    assert [r.receiver for r in records] == ["clerk"]  # the row of -5 m² is refused
    # pydantic's bound (ge=0.0) said from its ctx; its English exactly as pydantic says it
    assert [str(p) for p in problems] == [
        "drivers.csv:2: quantity: Input should be greater than or equal to 0"]
    assert [p.text("ru") for p in problems] == ["drivers.csv:2: quantity: должно быть не меньше 0"]
