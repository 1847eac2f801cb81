"""The records load only what a command uses (issue 16, ``validate`` well under 0.5 s).

Importing the model's records no longer imports Babel (its currency list is read
when a code outside the common few is checked) nor the payroll rules (loaded by a
pool that derives its cost from salaries); the ledger's and the advice file's
records build their validators on first use. Each check of what is loaded runs in
a fresh interpreter; each shortcut is checked against the path it stands for.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from babel.numbers import get_currency_precision, list_currencies
from pydantic import ConfigDict, ValidationError

from abc_costing import numbers
from abc_costing.model import records
from abc_costing.model.advice import AdviceFile
from abc_costing.model.ledger import AllocationRule, LedgerLine
from abc_costing.numbers import COMMON_CURRENCY_DIGITS


def _after(code: str) -> dict:
    """What ``code`` leaves in a fresh interpreter: the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def test_the_records_import_neither_babel_nor_the_payroll():
    found = _after("import json, sys\nimport abc_costing.model\n"
                   "print(json.dumps(sorted(sys.modules)))")
    assert "abc_costing.model.records" in found  # the probe sees what was imported
    assert {"babel", "babel.numbers", "abc_costing.payroll"}.isdisjoint(found)


def test_the_common_currencies_are_babels_with_babels_digits():
    # the shortcuts accept nothing Babel would refuse, and write what Babel's digits would
    assert set(COMMON_CURRENCY_DIGITS) <= set(list_currencies())
    for code, digits in COMMON_CURRENCY_DIGITS.items():
        assert digits == get_currency_precision(code)
    numbers.currency_digits.cache_clear()
    assert numbers.currency_digits("JPY") == 0  # outside them: Babel's (yen: no minor unit)


@pytest.mark.parametrize(("code", "valid"), [("RUB", True), ("JPY", True), ("XYZ", False),
                                             ("rub", False)])
def test_a_currency_is_what_babel_says(code, valid):
    # RUB by the shortcut, JPY and the rest by Babel's list
    assert (code in set(list_currencies())) is valid
    if valid:
        assert records._iso_currency(code) == code
    else:
        with pytest.raises(ValueError, match="is not an ISO 4217 currency code"):
            records._iso_currency(code)


def test_the_ledgers_and_the_advices_records_wait_for_their_first_validation():
    found = _after(
        "import json\nimport abc_costing.formats.yaml_model\n"
        "from abc_costing.model.ledger import LedgerLine\n"
        "from abc_costing.model.advice import AdviceFile\n"
        "before = [LedgerLine.__pydantic_complete__, AdviceFile.__pydantic_complete__]\n"
        "LedgerLine.model_validate({'period': '2026-01', 'account': '20', "
        "'cost_centre': 'c', 'cost_item': 'i', 'amount': 5})\n"
        "print(json.dumps(before + [LedgerLine.__pydantic_complete__]))")
    assert found == [False, False, True]  # the model reader imports both, builds neither


LEDGER_DATA = [
    {"period": "2026-01", "account": "20", "cost_centre": "c", "cost_item": "i", "amount": -5},
    {"period": "2026-13", "account": "20", "cost_centre": "c", "cost_item": "i", "amount": 1},
    {"period": "2026-01", "account": "", "cost_centre": "c", "cost_item": "i", "amount": 1e30},
    {"period": "2026-01", "account": "20", "cost_centre": "c", "cost_item": "i", "amount": 1,
     "extra": 1},
]


@pytest.mark.parametrize("data", LEDGER_DATA)
def test_a_deferred_record_validates_as_one_built_at_once(data):
    # the same class with its validator built when made (the old way): same value, same errors
    built = type("BuiltLedgerLine", (LedgerLine,),
                 {"model_config": ConfigDict(defer_build=False), "__module__": __name__})
    results = []
    for cls in (LedgerLine, built):
        try:
            results.append(cls.model_validate(data).model_dump())
        except ValidationError as err:
            results.append([(e["loc"], e["msg"]) for e in err.errors(include_url=False)])
    assert results[0] == results[1]


def test_the_deferred_records_keep_their_rules():
    with pytest.raises(ValidationError):
        AdviceFile.model_validate({"format": "abc-costing-advice/1", "process": "p",
                                   "unknown": 1})  # extra fields refused, as every record
    assert AllocationRule.model_config["frozen"] and AdviceFile.model_config["extra"] == "forbid"
