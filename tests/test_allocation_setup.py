"""The allocation file, period selection and the shipped example period (issue 13)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError

from abc_costing.engine.allocation import allocate
from abc_costing.formats import load_library, model_files
from abc_costing.formats.allocation_file import (
    ledger_code_problems,
    library_allocation,
    parse_allocation_text,
    read_allocation,
)
from abc_costing.formats.ledger_file import read_drivers, read_ledger, read_revenue, read_volumes
from abc_costing.model import (
    AllocationRule,
    AllocationSetup,
    DriverQuantity,
    LedgerLine,
    ObjectInstances,
    for_period,
)
from tests.conftest import LIBRARY

HEAD = "format: abc-costing-allocation/1\n"


# --- the shipped example period ----------------------------------------------------

# Payroll of January 2026 (account 25, 26, 44), Оплата труда per department, in roubles:
#   Юридический 450 000 + Бухгалтерия 580 000 + Казначейство 120 000 + ПЭО 140 000
#   + Закупки 205 000 (план 220 000) + СЭБ 140 000 + Продажи ЖКХ 372 000 (план 360 000)
#   + Работа с клиентами 240 000 + Коммерческая дирекция 350 000 + Дирекция 2 010 000
#   + АХО 130 000 + ИТ 450 000 + Служба персонала 200 000 + Склад 70 000 + ПТО 520 000
#   = 5 977 000 (план 5 977 000 + 15 000 − 12 000 = 5 980 000).
# Страховые взносы in January are 30.2 % of each (nobody is above the yearly base yet):
#   5 977 000 × 0.302 = 1 805 054 (план 5 980 000 × 0.302 = 1 805 960).
PAYROLL = {"actual": Decimal(5_977_000) * Decimal("1.302"),    # 7 782 054
           "plan": Decimal(5_980_000) * Decimal("1.302")}      # 7 785 960
# The other lines: ЭДО-модуль 13 333,33, РКО, Контур.Фокус 6 000, телефония, исходящие ЭДО,
# представительские, аренда 1 177 600, курьеры (факт: 122 400 and a reversal of −2 400),
# канцтовары, ПО 96 000, интернет 38 000, подбор, обучение.
OTHER = {"actual": sum((Decimal(x) for x in (
            "13333.33", "36450", "6000", "7850", "1200", "64800", "1177600", "122400", "-2400",
            "18600", "96000", "38000", "45000", "30000")), Decimal(0)),   # 1 654 833,33
         "plan": sum((Decimal(x) for x in (
            "13333.33", "36000", "6000", "8000", "2400", "50000", "1177600", "72000",
            "20000", "96000", "38000", "30000", "40000")), Decimal(0))}   # 1 589 333,33
#: Представительские расходы: the one line no rule takes (факт 64 800, план 50 000).
NO_RULE = {"actual": Decimal(64_800), "plan": Decimal(50_000)}
#: ПТО: 90 % of 520 000 × 1.302 = 677 040 goes to the pool no process uses.
PRODUCTION = Decimal(677_040) * Decimal("0.9")  # 609 336


def shipped_period(scenario):
    folder = LIBRARY / "ledger"
    setup, problems = read_allocation(folder / "allocation.yaml")
    assert setup is not None and problems == [], problems
    read = {}
    for name, reader in (("ledger", read_ledger), ("drivers", read_drivers),
                         ("volumes", read_volumes), ("revenue", read_revenue)):
        records, problems = reader(folder / getattr(setup, name))
        assert problems == [], problems
        read[name] = records
    assert ledger_code_problems(read["ledger"], setup, file="osv_2026.csv") == []
    lines = [line for line in read["ledger"]
             if line.period == "2026-01" and line.scenario == scenario]
    return setup, lines, read


@pytest.mark.parametrize("scenario", ["actual", "plan"])
def test_the_shipped_period_allocates_and_balances_to_the_kopeck(scenario):
    setup, lines, read = shipped_period(scenario)
    models, problems = load_library(LIBRARY)
    assert problems == []
    result = allocate(
        lines, setup.rules, pools=tuple(setup.pools),
        support_centres=tuple(setup.support_centres), models=[m for _, m in models],
        drivers=for_period(read["drivers"], period="2026-01", scenario=scenario,
                           key=lambda q: (q.driver, q.receiver)),
        instances=for_period(read["volumes"], period="2026-01", scenario=scenario,
                             key=lambda v: (v.cost_object, v.process, v.variant)),
        revenue=for_period(read["revenue"], period="2026-01", scenario=scenario,
                           key=lambda r: r.cost_object))
    assert [p for p in result.problems if p.severity == "error"] == []

    total = PAYROLL[scenario] + OTHER[scenario]   # факт 9 436 887,33; план 9 375 293,33
    assert total == {"actual": Decimal("9436887.33"), "plan": Decimal("9375293.33")}[scenario]
    assert Decimal(result.ledger_total).quantize(Decimal("0.01")) == total
    stages = {stage: result.stage_totals(stage).kopecks()
              for stage in ("ledger", "support", "pools", "activities")}
    assert stages["ledger"]["input"] == total
    for balance in result.balances:
        assert balance.kopecks()["difference"] == 0, balance
        assert balance.over_driven == 0, balance  # every pool has the money its work needs
    for figures in stages.values():
        assert figures["difference"] == 0
    # Stage 1 leaves only the line without a rule; the support centres pass everything on,
    # so the pools get exactly what stage 1 assigned; activities get what the pools assign.
    assert stages["ledger"]["unassigned"] == NO_RULE[scenario]
    assert result.balance("ledger", "(no rule)").input == float(NO_RULE[scenario])
    assert stages["support"]["unassigned"] == 0
    assert stages["pools"]["input"] == stages["ledger"]["assigned"] == total - NO_RULE[scenario]
    assert stages["activities"]["input"] == stages["pools"]["assigned"]
    assert Decimal(result.pool_totals["production"]).quantize(Decimal("0.01")) == PRODUCTION
    # The cost objects carry the activities' cost, and nothing else.
    assert sum(o.cost for o in result.objects) == pytest.approx(
        result.stage_totals("activities").input, rel=1e-12)
    assert {o.cost_object for o in result.objects if o.revenue is not None} == {
        "Крупные клиенты", "Средний бизнес", "Управляющие компании ЖКХ"}


def test_the_shipped_files_name_every_pool_and_centre_they_use():
    setup, lines, read = shipped_period("actual")
    # Every cost centre and account of the ledger is listed (both scenarios).
    assert {line.cost_centre for line in read["ledger"]} == set(setup.cost_centres or ())
    assert {line.account for line in read["ledger"]} == set(setup.accounts or ())
    # 44 lines of January's факт, 43 of its план (факт has the courier reversal).
    assert len(lines) == 44
    assert sum(line.scenario == "plan" for line in read["ledger"]) == 43
    # The buyer's January headcount (1.5: the second buyer started mid-month) replaces
    # the general 2 in the actual, not in the plan.
    for scenario, heads in (("actual", 1.5), ("plan", 2.0)):
        chosen = for_period(read["drivers"], period="2026-01", scenario=scenario,
                            key=lambda q: (q.driver, q.receiver))
        assert [q.quantity for q in chosen if (q.driver, q.receiver) == ("headcount", "buyer")
                ] == [heads]


def test_the_library_finds_its_allocation_file():
    assert library_allocation(LIBRARY) == LIBRARY / "ledger" / "allocation.yaml"


# --- the ledger folder is not a process ----------------------------------------------

def test_model_files_skip_the_top_level_ledger_folder(tmp_path: Path):
    model = LIBRARY / "zhkh_leads" / "as_is.yaml"
    (tmp_path / "leads").mkdir()
    (tmp_path / "leads" / "as_is.yaml").write_bytes(model.read_bytes())
    (tmp_path / "resources.yaml").write_bytes((LIBRARY / "resources.yaml").read_bytes())
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "allocation.yaml").write_text(HEAD + "rules: []\n", "utf-8")
    (tmp_path / "ledger" / "notes.yml").write_text("just: notes\n", "utf-8")
    # Taken for models, both files would be errors ("unknown format", "missing format").
    loaded, problems = load_library(tmp_path)
    assert problems == [] and [path for path, _ in loaded] == [tmp_path / "leads" / "as_is.yaml"]
    # Only the library's own ledger folder is skipped: one below a process folder is read.
    (tmp_path / "leads" / "ledger").mkdir()
    (tmp_path / "leads" / "ledger" / "v2.yaml").write_bytes(model.read_bytes())
    assert model_files(tmp_path) == [tmp_path / "leads" / "as_is.yaml",
                                     tmp_path / "leads" / "ledger" / "v2.yaml"]


# --- period selection ------------------------------------------------------------------

def test_for_period_keeps_the_most_specific_rows_of_each_key():
    def quantity(receiver, value, period=None, scenario=None):
        return DriverQuantity(driver="heads", receiver=receiver, quantity=value, period=period,
                              scenario=scenario)

    rows = [quantity("it", 3), quantity("it", 4, "2026-01"), quantity("it", 5, "2026-01", "plan"),
            quantity("hr", 2), quantity("hr", 7, scenario="plan"),
            quantity("legal", 1, "2026-02"),
            quantity("sales", 1), quantity("sales", 2)]   # one key twice, both general

    def chosen(period, scenario):
        return [(q.receiver, q.quantity) for q in for_period(
            rows, period=period, scenario=scenario, key=lambda q: (q.driver, q.receiver))]

    # January plan: it's own row (5) beats January's (4) and the general (3); hr's plan row
    # (7) beats its general row; legal is February's only; both general sales rows stay.
    assert chosen("2026-01", "plan") == [("it", 5.0), ("hr", 7.0), ("sales", 1.0),
                                         ("sales", 2.0)]
    # January actual: a period beats none; the plan rows do not apply.
    assert chosen("2026-01", "actual") == [("it", 4.0), ("hr", 2.0), ("sales", 1.0),
                                           ("sales", 2.0)]
    # February plan: a row for a period beats one for a scenario only (it has none here).
    assert chosen("2026-02", "plan") == [("it", 3.0), ("hr", 7.0), ("legal", 1.0),
                                         ("sales", 1.0), ("sales", 2.0)]


def test_for_period_of_volumes_by_cost_object_and_variant():
    rows = [ObjectInstances(cost_object="A", process="p", instances=10),
            ObjectInstances(cost_object="A", process="p", variant="fast", instances=3,
                            period="2026-01"),
            ObjectInstances(cost_object="A", process="p", instances=8, period="2026-01")]
    chosen = for_period(rows, period="2026-01", scenario="actual",
                        key=lambda v: (v.cost_object, v.process, v.variant))
    # as_is: January's 8 replaces the general 10; the fast variant is a key of its own.
    assert [(v.variant, v.instances) for v in chosen] == [("fast", 3.0), ("as_is", 8.0)]


# --- the records ------------------------------------------------------------------------

def test_a_percent_rule_without_to_sends_to_the_keys_of_its_shares():
    rule = AllocationRule.model_validate({"id": "legal", "basis": "percent",
                                          "shares": {"lawyer": 70, "clerk": 30}})
    assert rule.to == ("lawyer", "clerk")
    with pytest.raises(ValidationError, match="Field required"):
        AllocationRule.model_validate({"id": "even", "basis": "even"})


@pytest.mark.parametrize(("change", "message"), [
    ({"pools": {"it": "ИТ"}}, "'it' is both a support centre and a pool"),
    ({"ledger": "../../etc/passwd"}, "must name a file in the folder"),
    ({"drivers": "/srv/drivers.csv"}, "must name a file in the folder"),
    ({"rules": [{"id": "a", "basis": "even", "to": ["x"]}] * 2}, "rule id 'a' is used twice"),
])
def test_the_setup_refuses_inconsistent_files(change, message):
    data = {"format": "abc-costing-allocation/1", "support_centres": {"it": "ИТ-отдел"},
            "rules": [{"id": "a", "basis": "even", "to": ["x"]}], **change}
    with pytest.raises(ValidationError, match=message):
        AllocationSetup.model_validate(data)


# --- reading the allocation file: every problem, with its line -----------------------

def problems_of(text):
    setup, problems = parse_allocation_text(text, name="allocation.yaml")
    assert setup is None
    return [(p.line, p.element, p.message) for p in problems]


def test_malformed_yaml_names_its_line():
    [(line, _, message)] = problems_of(HEAD + "rules:\n  - id: a\n   basis: even\n")
    assert line == 4 and message.startswith("YAML syntax error")


def test_a_duplicate_key_names_both_lines():
    [(line, _, message)] = problems_of(
        HEAD + "rules:\n  - id: a\n    basis: even\n    basis: percent\n    to: [x]\n")
    assert line == 5 and message.startswith("duplicate key 'basis' (first defined on line 4)")


def test_a_file_without_its_format_says_what_it_starts_with():
    [(line, element, message)] = problems_of("title: x\nrules: []\n")
    assert (line, element) == (None, "format")
    assert message == "an allocation file starts with 'format: abc-costing-allocation/1'"
    [(line, _, message)] = problems_of("format: abc-costing/1\n")
    assert line == 1 and message.endswith("; got 'abc-costing/1'")


def test_every_broken_rule_is_its_own_problem_at_its_line_all_at_once():
    text = HEAD + """\
rules:
  - id: ok
    basis: even
    to: [a]
  - id: weekly
    basis: weekly
    to: [a]
  - id: greedy
    basis: percent
    shares: {a: 70, b: 40}
  - basis: even
    to: [a]
  - id: ok
    basis: even
    to: [b]
support_centres: {it: ИТ}
pools: {it: also IT}
currency: РУБ
"""
    assert problems_of(text) == [
        # an unknown basis: at the basis, named by the rule's id
        (7, "weekly", "basis: Input should be 'percent', 'driver', 'even' or 'rate' "
                      "(got 'weekly')"),
        # 70 + 40 = 110 % of a line: at the rule
        (9, "greedy", "rule 'greedy' sends 110 % of a line; at most 100 %"),
        # a rule without an id is named by its place in the list
        (12, "rules[3]", "id: required field 'id' is missing"),
        # the same id twice: at the second one
        (14, "ok", "rule id 'ok' is used twice (first by rules[0]); each rule needs its "
                   "own id: the stage balance shows one row per rule"),
        (18, "it", "'it' is both a support centre and a pool; a support centre's money is "
                   "spread by its rules, a pool's goes to activities: give them different "
                   "ids"),
        # the file's own fields are checked too, though rules are broken
        (19, "currency", "'РУБ' is not an ISO 4217 currency code (e.g. RUB, EUR, USD)"),
    ]


def test_rules_that_are_not_a_list_and_rules_that_are_not_mappings():
    assert problems_of(HEAD + "rules: 5\n") == [
        (2, "rules", "Input should be a valid tuple (got 5)")]
    assert problems_of(HEAD + "rules: [5]\nledger: ../osv.csv\n") == [
        (2, "rules[0]", "a rule is a mapping (id, cost_centre, to, basis, ...), got 5"),
        (3, "ledger", "'../osv.csv' must name a file in the folder of the allocation file "
                      "or below it (no absolute path, no '..')")]


def test_an_empty_list_of_rules_is_one_problem():
    assert problems_of(HEAD + "rules: []\n") == [(2, "rules", "rules: must list at least one "
                                                               "rule")]


def test_a_file_that_cannot_be_read_is_one_problem(tmp_path: Path):
    setup, problems = read_allocation(tmp_path / "allocation.yaml", name="ledger/allocation.yaml")
    assert setup is None and [str(p) for p in problems] == [
        "ledger/allocation.yaml: file not found"]
    (tmp_path / "allocation.yaml").write_bytes(b"format: abc-costing-allocation/1\n# \xcf\xf0\n"
                                               .replace(b"\xcf\xf0", "Пр".encode("cp1251")))
    setup, problems = read_allocation(tmp_path / "allocation.yaml", name="a.yaml")
    assert setup is None and [(p.line, p.message) for p in problems] == [
        (2, "file is not UTF-8 text (save it as UTF-8)")]


# --- ledger codes the allocation file does not list -------------------------------------

def test_unknown_accounts_and_cost_centres_are_errors_at_their_first_row():
    setup = AllocationSetup.model_validate({
        "format": "abc-costing-allocation/1", "accounts": ["26", "44"],
        "cost_centres": ["Бухгалтерия", "Юридический отдел"],
        "rules": [{"id": "all", "basis": "percent", "shares": {"p": 100}}]})

    def line(row, account, centre):
        return LedgerLine(period="2026-01", account=account, cost_centre=centre,
                          cost_item="Оплата труда", amount=100.0, row=row)

    lines = [line(2, "26", "Бухгалтерия"), line(3, "91.02", "Бухгалтерия"),
             line(4, "26", "Юридичекий отдел"), line(5, "91.02", "Склад"),
             line(6, "26", "Юридичекий отдел"), line(7, "91.02", "Юридический отдел")]
    problems = ledger_code_problems(lines, setup, file="osv.csv")
    assert [(p.line, p.element, p.severity, p.file) for p in problems] == [
        (3, "account", "error", "osv.csv"), (4, "cost_centre", "error", "osv.csv"),
        (5, "cost_centre", "error", "osv.csv")]
    # 91.02 is on rows 3, 5 and 7: one problem, at row 3, counting 3 rows.
    assert problems[0].message == ("account '91.02' is not listed in the allocation file "
                                   "(3 rows; accounts: 26, 44)")
    # The misspelt centre (rows 4 and 6) gets the nearest listed name.
    assert problems[1].message == (
        "cost centre 'Юридичекий отдел' is not listed in the allocation file (2 rows; cost "
        "centres: Бухгалтерия, Юридический отдел); did you mean 'Юридический отдел'?")
    assert problems[2].message.startswith("cost centre 'Склад' is not listed") and \
        "did you mean" not in problems[2].message


def test_a_setup_without_lists_accepts_any_code():
    setup = AllocationSetup.model_validate({
        "format": "abc-costing-allocation/1",
        "rules": [{"id": "all", "basis": "percent", "shares": {"p": 100}}]})
    lines = [LedgerLine(period="2026-01", account="91", cost_centre="x", cost_item="y",
                        amount=1.0, row=2)]
    assert ledger_code_problems(lines, setup, file="osv.csv") == []
