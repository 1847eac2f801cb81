"""Bad input around the resource catalogue: each named by file, line and element, no traceback.

Every case is run through the command line a user types (``cost``, ``validate``,
``capacity``) in a small library folder: the exit status is 1 and standard error
holds exactly the problems, each pointing at the file and line to fix.
"""

from __future__ import annotations

import pytest

from abc_costing.cli import main
from abc_costing.formats import load_library, read_model

CATALOGUE = """\
format: abc-costing-resources/1
currency: RUB
year: 2026
pools:
  lawyer:
    kind: labor
    headcount: 3
    salary_per_month: 150000
    capacity_hours_per_month: 360
  courier: {kind: per_use, cost_per_use: 600}
"""

MODEL = """\
format: abc-costing/1
process: p
variant: as_is
volume_per_year: 1000
activities:
  review: {labor: {lawyer: 60}}
  send: {uses: {courier: 1}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, review], [review, send], [send, e]]
"""


@pytest.fixture
def lib(tmp_path, monkeypatch):
    """``lib/resources.yaml`` and ``lib/p/as_is.yaml``; the working folder is ``tmp_path``,
    so messages name the files as the user typed them."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib" / "p").mkdir(parents=True)
    (tmp_path / "lib" / "resources.yaml").write_text(CATALOGUE, "utf-8")
    (tmp_path / "lib" / "p" / "as_is.yaml").write_text(MODEL, "utf-8")
    return tmp_path / "lib"


def run(capsys, *argv):
    """Exit status and the lines of standard error of ``abc-costing argv``."""
    status = main(list(argv))
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return status, err.splitlines()


def edit(path, old, new):
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


def test_the_library_as_written_costs(lib, capsys):
    # the baseline the cases below break: 60 min of a lawyer, 3 × 150 000 × 1.302 = 585 900 a
    # month over 360 h = 1 627.50 an hour, plus the courier's 600: 2 227.50 per instance
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (0, [])


def test_an_unknown_pool_names_the_model_line_element_and_the_catalogue(lib, capsys):
    edit(lib / "p" / "as_is.yaml", "{lawyer: 60}", "{lawyr: 60}")
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, [
        "lib/p/as_is.yaml:6: review: labor names unknown pool 'lawyr': neither a pool of "
        "lib/resources.yaml nor a resource of this file; did you mean 'lawyer'? "
        "(pools: courier, lawyer)"])


def test_a_pool_defined_in_the_catalogue_and_again_in_the_model(lib, capsys):
    with (lib / "p" / "as_is.yaml").open("a", encoding="utf-8") as model:
        model.write("resources:\n  courier: {kind: per_use, cost_per_use: 450}\n")
    assert run(capsys, "validate", "lib/p/as_is.yaml") == (1, [
        "lib/p/as_is.yaml:11: courier: pool 'courier' is defined twice: in the catalogue "
        "(lib/resources.yaml, line 10) and here; delete it here, or write only what this "
        "variant changes under overrides:"])


def test_a_pool_twice_in_the_catalogue_is_its_duplicate_key_and_the_model_says_why(
        lib, capsys):
    with (lib / "resources.yaml").open("a", encoding="utf-8") as catalogue:
        catalogue.write("  lawyer: {kind: labor, rate_per_hour: 1500}\n")
    expected = [
        "lib/resources.yaml:11: duplicate key 'lawyer' (first defined on line 5); YAML would "
        "silently keep only the last one",
        # before the fix: "review: labor names unknown resource 'lawyer': not defined under
        # resources: (known: none defined)", sending the author to the model file
        "lib/p/as_is.yaml: not read: its pools come from lib/resources.yaml, which cannot be "
        "read (see the problems of lib/resources.yaml)"]
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, expected)
    models, problems = load_library("lib")
    assert models == [] and [str(p) for p in problems] == expected


def test_a_negative_salary_names_the_catalogue_line_and_pool(lib, capsys):
    edit(lib / "resources.yaml", "salary_per_month: 150000", "salary_per_month: -150000")
    assert run(capsys, "validate", "lib/p/as_is.yaml") == (1, [
        "lib/resources.yaml:8: lawyer: salary_per_month: must not be negative (got -150000)",
        "lib/p/as_is.yaml:6: review: labor names pool 'lawyer' of lib/resources.yaml, which "
        "has errors (see lib/resources.yaml)"])


def test_a_year_without_contribution_rules_names_the_years_shipped(lib, capsys):
    edit(lib / "resources.yaml", "year: 2026", "year: 2031")
    status, err = run(capsys, "cost", "lib/p/as_is.yaml")
    assert status == 1
    # said once, at the year (line 3), not once per pool that takes it
    assert err[0] == ("lib/resources.yaml:3: year: no contribution rules for 2031: the rules "
                      "ship the years 2025, 2026 (they load the salaries of lawyer)")


def test_a_year_without_a_production_calendar_names_the_years_shipped(lib, capsys):
    # a rate stated, capacity from the calendar: 3 people × 75 % of each month's hours
    edit(lib / "resources.yaml", "salary_per_month: 150000\n    capacity_hours_per_month: 360",
         "rate_per_hour: 1627.5\n    productive_share: 0.75")
    assert run(capsys, "cost", "lib/p/as_is.yaml")[0] == 0
    edit(lib / "resources.yaml", "year: 2026", "year: 2031")
    status, err = run(capsys, "cost", "lib/p/as_is.yaml")
    assert status == 1
    assert err[0] == ("lib/resources.yaml:3: year: no production calendar for 2031: the "
                      "calendar ships the years 2025, 2026, 2027 (it gives the capacity of "
                      "lawyer)")


def test_a_month_outside_the_shipped_calendar(lib, capsys):
    assert run(capsys, "capacity", "lib", "--month", "2031-01") == (1, [
        "month: no production calendar for 2031-01: the calendar ships the years 2025, 2026, "
        "2027"])


def test_an_override_of_a_pool_the_catalogue_lacks(lib, capsys):
    with (lib / "p" / "as_is.yaml").open("a", encoding="utf-8") as model:
        model.write("overrides:\n  curier: {cost_per_use: 450}\n")
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, [
        "lib/p/as_is.yaml:11: curier: overrides names 'curier', which is not a pool of "
        "lib/resources.yaml (pools: courier, lawyer)"])


def test_an_override_in_a_library_without_a_catalogue(lib, capsys):
    (lib / "resources.yaml").unlink()
    with (lib / "p" / "as_is.yaml").open("a", encoding="utf-8") as model:
        model.write("resources:\n  lawyer: {kind: labor, rate_per_hour: 1627.5}\n"
                    "  courier: {kind: per_use, cost_per_use: 600}\n"
                    "overrides:\n  courier: {cost_per_use: 450}\n")
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, [
        "lib/p/as_is.yaml:13: overrides: overrides: change pools of the library's catalogue "
        "(resources.yaml in the library folder), and this file has none; define the resources "
        "under resources: instead"])


def test_a_model_in_euros_with_a_catalogue_in_roubles(lib, capsys):
    edit(lib / "p" / "as_is.yaml", "volume_per_year: 1000", "currency: EUR\nvolume_per_year: 1000")
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, [
        "lib/p/as_is.yaml:4: currency: the model is in 'EUR' but its pools come from "
        "lib/resources.yaml, which is in RUB; give both in one currency"])


@pytest.mark.parametrize("written", ["abc-costing-resources/2", "abc-costing/1"])
def test_a_catalogue_of_another_format_and_the_models_that_need_it(lib, capsys, written):
    edit(lib / "resources.yaml", "abc-costing-resources/1", written)
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, [
        "lib/resources.yaml:1: format: a resource catalogue starts with "
        f"'format: abc-costing-resources/1'; got '{written}'",
        "lib/p/as_is.yaml: not read: its pools come from lib/resources.yaml, which cannot be "
        "read (see the problems of lib/resources.yaml)"])


# (validate checks a catalogue by its own rules: tests/test_cli_resources.py)
@pytest.mark.parametrize("command", [["cost"], ["sensitivity"]])
def test_a_catalogue_given_where_a_model_is_expected(lib, capsys, command):
    assert run(capsys, *command, "lib/resources.yaml") == (1, [
        "lib/resources.yaml:1: format: this is a resource catalogue (resources.yaml), not a "
        "process model; keep it in the library folder, where the models beside it take their "
        "pools from it"])


def test_read_model_gives_the_same_problems_as_the_command_line(lib):
    edit(lib / "resources.yaml", "abc-costing-resources/1", "abc-costing-resources/2")
    model, problems = read_model("lib/p/as_is.yaml")
    assert model is None
    assert [(p.file, p.line, p.element) for p in problems] == [
        ("lib/resources.yaml", 1, "format"), ("lib/p/as_is.yaml", None, None)]


@pytest.mark.parametrize(("written", "first"), [
    ("", "lib/resources.yaml: file is empty; a resource catalogue starts with "
         "'format: abc-costing-resources/1'"),
    ("- lawyer\n- courier\n", "lib/resources.yaml: a resource catalogue is a mapping of fields "
                              "(format, currency, year, pools), not a list"),
])
def test_an_empty_catalogue_or_one_that_is_no_mapping_is_named_as_a_catalogue(
        lib, capsys, written, first):
    # before the fix the catalogue was told "a model starts with 'format: abc-costing/1'"
    (lib / "resources.yaml").write_text(written, "utf-8")
    assert run(capsys, "cost", "lib/p/as_is.yaml") == (1, [
        first, "lib/p/as_is.yaml: not read: its pools come from lib/resources.yaml, which "
               "cannot be read (see the problems of lib/resources.yaml)"])
