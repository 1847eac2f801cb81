"""Every command of the CLI in Russian on the shipped library (issue 14): no English word is
left in a Russian line except ids, names and keywords the user's own files hold, file names,
option names, ISO codes and units, and no number is written the English way (a decimal point,
commas between thousands).

The allow-list is built from the library's files (every key and every text of the YAML
models, the catalogue and the ledger's allocation, the ledger's CSV files) and from the
options the commands were given, never by listing the words the output happens to hold:
a new English sentence in Russian output fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import get_args

import pytest
import yaml

from abc_costing.cli import main
from abc_costing.engine.allocation import NO_RULE, Stage
from abc_costing.engine.sensitivities import KINDS
from abc_costing.i18n import N_, translate
from abc_costing.model.ledger import Scenario
from abc_costing.numbers import Figure
from abc_costing.simulation.queueing import ARRIVALS
from tests.conftest import ROOT

LIBRARY = ROOT / "process_models"
CONTRACTS = LIBRARY / "contract_approval"
LOGS = ROOT / "tests" / "data" / "logs"
#: Units a Russian finance reader writes in Latin letters too (full-time equivalents).
UNITS = {"FTE"}
#: A word of two Latin letters or more (one letter is a symbol); a percentile's notation
#: (p50, P95) is the same in any language.
LATIN_WORD = re.compile(r"(?![Pp]\d+\b)[A-Za-z][A-Za-z0-9_\-']*[A-Za-z0-9]")
#: A decimal point between digits (not a file name's dot: "m.yaml"; not a date "2026-01").
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d+(?![\w.])")
#: Thousands grouped by commas: 1,234,567 or 1,234.50 (a Russian 1,000 is one to 3 decimals).
THOUSANDS_COMMA = re.compile(r"\d{1,3}(?:,\d{3}){2,}(?!\d)|\d{1,3},\d{3}\.\d")
#: A command's option (--nodes) and an option's value are the user's words, as typed.
OPTION = re.compile(r"--[a-z][a-z-]*")


def _texts_of(node: object) -> Iterator[str]:
    """Every key and every scalar text of a YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            yield from _texts_of(value)
    elif isinstance(node, list):
        for item in node:
            yield from _texts_of(item)
    elif isinstance(node, str):
        yield node


def library_words() -> set[str]:
    """The Latin words the library's own files hold: ids, field names, keywords, names."""
    texts: list[str] = []
    for path in LIBRARY.rglob("*.yaml"):
        texts.extend(_texts_of(yaml.safe_load(path.read_text(encoding="utf-8"))))
        texts.append(path.stem)
    for path in [*LIBRARY.rglob("*.csv"), *LOGS.glob("*.csv")]:
        texts.append(path.read_text(encoding="utf-8-sig"))  # codes, scenarios, centres
        texts.extend(path.parts)
    texts.extend(p.name for p in LIBRARY.iterdir())
    # row keys the tables show in their id column (never a sentence): from the code
    views = (ROOT / "abc_costing" / "reports" / "views.py").read_text(encoding="utf-8")
    texts.extend(re.findall(r'rows\.append\(\("(?:total|other)", \["(\([^"]+\))"', views))
    texts.append(NO_RULE)
    # keywords of the file formats and the API, as the files, options and JSON take them:
    # arrivals, the ledger's scenarios and stages, the kinds of a sensitivity's inputs
    texts.extend([*ARRIVALS, *get_args(Scenario), *KINDS, *get_args(Stage)])
    return {word for text in texts for word in LATIN_WORD.findall(text)} | UNITS


def english_left(text: str, allowed: set[str]) -> list[str]:
    """The lines of ``text`` with a Latin word not in ``allowed`` or an English-style
    number, each with what was found."""
    found = []
    for line in text.splitlines():
        scanned = OPTION.sub(" ", line)
        words = [w for w in LATIN_WORD.findall(scanned) if w not in allowed]
        numbers = DECIMAL_POINT.findall(scanned) + THOUSANDS_COMMA.findall(scanned)
        if words or numbers:
            found.append(f"{words + numbers}: {line.strip()}")
    return found


COMMANDS = {
    "cost": ["cost", CONTRACTS / "as_is.yaml"],
    "compare": ["compare", CONTRACTS / "as_is.yaml", CONTRACTS / "template_esign.yaml"],
    "capacity": ["capacity", LIBRARY],
    "capacity a month": ["capacity", LIBRARY, "--month", "2026-01"],
    "capacity a year": ["capacity", LIBRARY, "--year", "2026"],
    "capacity a plan": ["capacity", LIBRARY, "--plan", "best"],
    "simulate": ["simulate", CONTRACTS / "as_is.yaml", "--runs", "2000", "--seed", "1"],
    "simulate queues": ["simulate", CONTRACTS / "as_is.yaml", "--queue", "--days", "10",
                        "--replications", "2", "--seed", "1"],
    "sensitivity": ["sensitivity", CONTRACTS / "as_is.yaml"],
    "ranking": ["ranking", LIBRARY],
    "advise": ["advise", CONTRACTS / "as_is.yaml"],
    "balance": ["balance", LIBRARY],
    "balance nodes": ["balance", LIBRARY, "--nodes"],
    "profitability": ["profitability", LIBRARY],
}


@pytest.fixture(scope="module")
def allowed() -> set[str]:
    return library_words()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_russian_output_has_no_english_words_nor_english_numbers(capsys, monkeypatch, allowed,
                                                                  name):
    monkeypatch.setenv("COLUMNS", "400")  # a wide terminal: no id is cut in two
    argv = [str(a) for a in COMMANDS[name]]
    code = main(["--lang", "ru", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    words = allowed | {w for a in argv for w in LATIN_WORD.findall(a)}
    assert english_left(out + err, words) == []


def test_mining_a_small_log_speaks_russian(capsys, monkeypatch, allowed, tmp_path):
    monkeypatch.setenv("COLUMNS", "400")
    argv = ["mine", str(LOGS / "contracts.csv"), "--rates", str(LOGS / "rates.csv"),
            "-o", str(tmp_path / "mined.yaml")]
    code = main(["--lang", "ru", *argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    words = allowed | {w for a in argv for w in LATIN_WORD.findall(a)}
    assert english_left(out + err, words) == []


def test_the_scan_finds_an_english_sentence_and_english_numbers(allowed):
    # the checker itself: what it must catch, and what it must let pass
    assert english_left("Processes counted: contract_approval/as_is", allowed) == [
        "['Processes', 'counted']: Processes counted: contract_approval/as_is"]
    # a decimal point (423.28, 1.5) and commas between thousands (12,442,423)
    assert english_left("Стоимость 12,442,423.28 ₽ и 1.5 ч", allowed) == [
        "['423.28', '1.5', '12,442,423']: Стоимость 12,442,423.28 ₽ и 1.5 ч"]
    russian = "Стоимость 12\u202f442\u202f423,28\u00a0₽, 1,000 выполнения, m.yaml, 2026-01, RUB"
    assert english_left(russian, allowed) == []


def test_a_message_with_figures_is_said_in_russian_form():
    # the volume warning's figures: 1 200 (as written: no grouping), 1 500,5 and the
    # volume effect +RUB 12,345.60 = 1 500,5 − 1 200 = 300,5 instances × 41,08…
    message = N_("the variants state different volumes ({base_volume} instances per year "
                 "in {variant!r}, {cand_volume} in {variant_2!r}); the saving per year is "
                 "counted at the baseline's {base_volume}, and the {volume_per_year} "
                 "per year the volume alone brings is shown apart as the volume "
                 "effect, not as a saving", base_volume=Figure.as_written(1200),
                 variant="as_is", cand_volume=Figure.as_written(1500.5), variant_2="b",
                 volume_per_year=Figure.money(12345.6, "RUB", signed=True))
    assert "(1200 instances per year in 'as_is', 1500.5 in 'b')" in message
    assert "the +RUB\u00a012,345.60 per year" in message
    said = translate(message, "ru")
    assert said.startswith("у вариантов разные объёмы (в «as_is» 1200 экз. в год, в «b» — 1500,5)")
    assert "а +12\u202f345,60\u00a0₽ в год" in said
