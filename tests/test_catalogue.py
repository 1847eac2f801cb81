"""The library's resource catalogue: pools defined once, payroll-derived, referenced by models."""

from __future__ import annotations

import hashlib
import textwrap

import pytest

from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_library, read_model
from abc_costing.model import LaborResource
from abc_costing.payroll import month_hours
from tests.conftest import LIBRARY

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
  director:
    kind: labor
    salary_per_month: 300000
    capacity_hours_per_month: 130
  analyst:
    kind: labor
    headcount: 3
    salary_per_month: 100000
    productive_share: 0.75
  courier: {kind: per_use, cost_per_use: 600}
"""

MODEL = """\
format: abc-costing/1
process: contract
variant: {variant}
volume_per_year: 1000
activities:
  review: {{labor: {{lawyer: 60}}}}
  approve: {{labor: {{director: 30}}}}
  send: {{uses: {{courier: 1}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, review], [review, approve], [approve, send], [send, e]]
{extra}"""


def write_library(tmp_path, *variants: tuple[str, str]):
    library = tmp_path / "models"
    (library / "contract").mkdir(parents=True)
    (library / "resources.yaml").write_text(CATALOGUE, "utf-8")
    for variant, extra in variants:
        (library / "contract" / f"{variant}.yaml").write_text(
            MODEL.format(variant=variant, extra=textwrap.dedent(extra)), "utf-8")
    return library


def test_a_loaded_rate_from_a_salary_across_the_contribution_base():
    # 300 000 a month in 2026: 3 600 000 a year crosses the single base of 2 979 000 in
    # October. Contributions 0.30 × 2 979 000 + 0.151 × 621 000 = 893 700 + 93 771 = 987 471;
    # травматизм 0.002 × 3 600 000 = 7 200; loaded 3 600 000 + 987 471 + 7 200 = 4 594 671 a
    # year, 382 889.25 a month; over 130 practical hours, 2 945.30 an hour.
    director = LaborResource.model_validate({
        "kind": "labor", "salary_per_month": 300000, "year": 2026,
        "capacity_hours_per_month": 130})
    assert director.loaded_cost_per_person_per_year == pytest.approx(4_594_671)
    assert director.cost_per_month == pytest.approx(382_889.25)
    assert director.rate_per_minute * 60 == pytest.approx(382_889.25 / 130)
    # below the base the load is exactly 1.302: 150 000 × 1.302 × 3 = 585 900
    lawyers = LaborResource.model_validate({
        "kind": "labor", "headcount": 3, "salary_per_month": 150000, "year": 2026,
        "capacity_hours_per_month": 360})
    assert lawyers.cost_per_month == pytest.approx(585_900)


def test_capacity_from_the_production_calendar_and_its_january():
    # 3 analysts at a productive share of 0.75; 2026 has 1 972 working hours, an average
    # month of 164.33: 3 × 1 972 / 12 × 0.75 = 369.75 h. January 2026 has 15 working days,
    # 120 h: 3 × 120 × 0.75 = 270 h, the average month scaled by 120 / 164.33.
    analysts = LaborResource.model_validate({
        "kind": "labor", "headcount": 3, "salary_per_month": 100000, "year": 2026,
        "productive_share": 0.75})
    assert analysts.capacity_hours_per_month == pytest.approx(369.75)
    assert month_hours(2026, 1).working_hours == 120
    assert analysts.capacity_hours_per_month * 120 / (1972 / 12) == pytest.approx(270)
    # the rate spreads the loaded payroll over the practical hours: 3 × 100 000 × 1.302 / 369.75
    assert analysts.rate_per_minute * 60 == pytest.approx(390_600 / 369.75)


def test_a_model_takes_its_pools_from_the_catalogue_beside_it(tmp_path):
    library = write_library(tmp_path, ("as_is", ""))
    model, problems = read_model(library / "contract" / "as_is.yaml")
    assert problems == [] and model is not None
    # by hand: review 60 min × 585 900 / 360 / 60 = 1 627.50; approve 30 min of the
    # director's 382 889.25 / 130 h = 1 472.65; courier 600: 3 700.15 per instance
    expected = 585_900 / 360 + 0.5 * 382_889.25 / 130 + 600
    assert cost_model(model).cost_per_instance == pytest.approx(expected)
    use = model.catalogue
    assert use is not None and use.pools == ("lawyer", "director", "courier")
    assert use.sha256 == hashlib.sha256((library / "resources.yaml").read_bytes()).hexdigest()
    assert model.own_resources() == {}  # the Edit page offers no per-file copies
    assert "analyst" not in model.resources  # only the pools the model uses


def test_a_file_with_its_own_resources_and_no_catalogue_is_its_own_catalogue(tmp_path):
    (tmp_path / "m.yaml").write_text(MODEL.format(variant="v", extra="""\
resources:
  lawyer: {kind: labor, rate_per_hour: 1627.5}
  director: {kind: labor, rate_per_hour: 2000}
  courier: {kind: per_use, cost_per_use: 600}
"""), "utf-8")
    model, problems = read_model(tmp_path / "m.yaml")
    assert problems == [] and model.catalogue is None
    assert cost_model(model).cost_per_instance == pytest.approx(1627.5 + 1000 + 600)


def test_an_override_is_explicit_and_compare_shows_it_as_a_rate_effect(tmp_path):
    library = write_library(tmp_path, ("as_is", ""), ("cheap_courier", """\
        overrides:
          courier: {cost_per_use: 450}
        """))
    models, problems = load_library(library)
    assert problems == []
    by_variant = {m.variant: m for _, m in models}
    cheap = by_variant["cheap_courier"]
    assert cheap.catalogue.overridden == {"courier": ("cost_per_use",)}
    comparison = compare_models(by_variant["as_is"], cheap)
    # the only difference is a price: 600 − 450 = 150 per instance, all of it rate effect
    assert comparison.saving_per_instance == pytest.approx(150)
    effects = {e.effect: e.change_per_instance for e in comparison.bridge}
    assert effects["rate"] == pytest.approx(-150)
    assert all(v == 0 for k, v in effects.items() if k != "rate")


def test_an_override_of_the_way_to_a_rate_replaces_the_catalogues_way(tmp_path):
    # the catalogue prices the lawyers from payroll; a variant states an hourly rate instead
    library = write_library(tmp_path, ("agency", """\
        overrides:
          lawyer: {rate_per_hour: 2000}
        """))
    model, problems = read_model(library / "contract" / "agency.yaml")
    assert problems == []
    assert model.resources["lawyer"].rate_per_minute * 60 == pytest.approx(2000)
    assert model.resources["lawyer"].headcount == 3  # what it did not override stays


def test_a_pool_defined_twice_names_both_places(tmp_path):
    library = write_library(tmp_path, ("as_is", """\
        resources:
          lawyer: {kind: labor, rate_per_hour: 1500}
        """))
    model, problems = read_model(library / "contract" / "as_is.yaml")
    assert model is None
    messages = [str(p) for p in problems]
    assert len(messages) == 1, messages  # one error, not one per use of the pool
    assert messages[0].startswith(f"{library / 'contract' / 'as_is.yaml'}:12: lawyer: pool "
                                  "'lawyer' is defined twice: in the catalogue")
    assert "resources.yaml, line 5" in messages[0]


def test_an_unknown_pool_names_the_model_line_and_the_catalogue(tmp_path):
    library = write_library(tmp_path, ("as_is", ""))
    path = library / "contract" / "as_is.yaml"
    path.write_text(path.read_text("utf-8").replace("{lawyer: 60}", "{lawyr: 60}"), "utf-8")
    model, problems = read_model(path)
    assert model is None
    # every pool of the catalogue is named (not only those the model took), and the nearest
    assert [str(p) for p in problems] == [
        f"{path}:6: review: labor names unknown pool 'lawyr': neither a pool of "
        f"{library / 'resources.yaml'} nor a resource of this file; did you mean 'lawyer'? "
        "(pools: analyst, courier, director, lawyer)"]


def test_a_broken_pool_in_the_catalogue_is_named_once_with_its_line(tmp_path):
    library = write_library(tmp_path, ("as_is", ""))
    catalogue = library / "resources.yaml"
    catalogue.write_text(CATALOGUE.replace("salary_per_month: 150000",
                                           "salary_per_month: -150000"), "utf-8")
    models, problems = load_library(library)
    assert models == []
    texts = [str(p) for p in problems]
    assert texts[0] == (f"{catalogue}:8: lawyer: salary_per_month: must not be negative "
                        "(got -150000)")
    assert any("review: labor names pool 'lawyer' of" in t and "which has errors" in t
               for t in texts)


def test_overrides_without_a_catalogue_and_of_an_unknown_pool(tmp_path):
    (tmp_path / "m.yaml").write_text(MODEL.format(variant="v", extra="""\
resources:
  lawyer: {kind: labor, rate_per_hour: 1627.5}
  director: {kind: labor, rate_per_hour: 2000}
  courier: {kind: per_use, cost_per_use: 600}
overrides:
  courier: {cost_per_use: 1}
"""), "utf-8")
    model, problems = read_model(tmp_path / "m.yaml")
    assert model is None and "this file has none" in problems[0].message
    library = write_library(tmp_path, ("v", """\
        overrides:
          curier: {cost_per_use: 1}
        """))
    model, problems = read_model(library / "contract" / "v.yaml")
    assert model is None
    assert problems[0].element == "curier" and problems[0].line == 12
    assert "not a pool of" in problems[0].message


def test_a_year_outside_the_shipped_rules_is_named(tmp_path):
    library = write_library(tmp_path, ("as_is", ""))
    catalogue = library / "resources.yaml"
    catalogue.write_text(CATALOGUE.replace("year: 2026", "year: 2031"), "utf-8")
    _, problems = load_library(library)
    first = str(problems[0])
    # once, at the year's line, naming the pools that need it; "2026" written as text too
    assert first == (f"{catalogue}:3: year: no contribution rules for 2031: the rules ship the "
                     "years 2025, 2026 (they load the salaries of analyst, director, lawyer); "
                     "no production calendar for 2031: the calendar ships the years 2025, 2026, "
                     "2027 (it gives the capacity of analyst)")
    assert sum(p.severity == "error" and p.file == str(catalogue) for p in problems) == 1
    catalogue.write_text(CATALOGUE.replace("year: 2026", 'year: "2026"'), "utf-8")
    _, problems = load_library(library)
    assert str(problems[0]) == (f"{catalogue}:3: year: must be a year, a whole number such as "
                                "2026 (got '2026')")


def test_the_shipped_library_has_one_catalogue_and_the_figures_it_had():
    models, problems = load_library(LIBRARY)
    assert problems == []
    assert all(m.catalogue is not None and not m.own_resources() for _, m in models)
    # every payroll-derived pool gives exactly the monthly cost its file used to state
    lawyer = next(m for _, m in models if "lawyer" in m.resources).resources["lawyer"]
    assert lawyer.cost_per_month == 585_900 and lawyer.capacity_hours_per_month == 360


def test_a_model_named_from_inside_its_process_folder_finds_the_catalogue(tmp_path,
                                                                           monkeypatch):
    # `cd process_models/contract_approval && abc-costing cost as_is.yaml`: the folder above
    # "as_is.yaml" is "..", not "." (Path.parent of "." is "." again).
    library = write_library(tmp_path, ("as_is", ""))
    monkeypatch.chdir(library / "contract")
    model, problems = read_model("as_is.yaml")
    assert problems == [] and model.catalogue.file == "../resources.yaml"
    (library / "resources.yaml").unlink()
    model, problems = read_model("as_is.yaml")
    assert model is None
    assert str(problems[-1]) == ("as_is.yaml: warning: no resource catalogue was found for "
                                 "its pools: looked for resources.yaml and ../resources.yaml")


def test_a_broken_pool_stops_only_the_models_that_use_it(tmp_path):
    library = write_library(tmp_path, ("as_is", ""))
    (library / "couriers").mkdir()
    (library / "couriers" / "only.yaml").write_text(MODEL.replace("contract", "couriers").format(
        variant="only", extra="").replace("{{lawyer: 60}}", "{{}}").replace(
        "review: {labor: {lawyer: 60}}", "review: {}"), "utf-8")
    (library / "resources.yaml").write_text(CATALOGUE.replace("salary_per_month: 150000",
                                                              "salary_per_month: -1"), "utf-8")
    models, problems = load_library(library)
    # the contract's review uses the lawyers: not loaded; the couriers' process does not
    assert [m.process for _, m in models] == ["couriers"]
    assert sum(p.severity == "error" and p.element == "lawyer" for p in problems) == 1
    model, problems = read_model(library / "couriers" / "only.yaml")
    assert model is not None
    assert [p.severity for p in problems] == ["warning"]
    assert problems[0].message.endswith("(a pool this model does not use)")
    # 30 min of the director (382 889.25 / 130 h) + one courier trip of 600
    assert cost_model(model).cost_per_instance == pytest.approx(0.5 * 382_889.25 / 130 + 600)


def test_a_headcount_overridden_without_its_capacity_is_flagged(tmp_path):
    # 360 h for 2 lawyers is 180 h a person a month, more than the 1 972 / 12 = 164.3 working
    # hours of an average month of 2026: a warning at the override, the model still costs.
    library = write_library(tmp_path, ("two", """\
        overrides:
          lawyer: {headcount: 2}
        """))
    model, problems = read_model(library / "contract" / "two.yaml")
    assert model is not None
    assert [(p.severity, p.element, p.line) for p in problems] == [("warning", "lawyer", 12)]
    assert problems[0].message.startswith("180.0 practical hours a person a month (capacity "
                                          "360 h / headcount 2) is more than the 164.3 working "
                                          "hours of an average month of 2026")


def test_the_library_looks_for_a_folders_catalogue_once_and_each_folder_gets_its_own(
        tmp_path, monkeypatch):
    from abc_costing.formats import yaml_model

    library = write_library(tmp_path, ("as_is", ""), ("lean", ""))
    # A second process folder with a catalogue of its own: a courier at 900, not 600.
    (library / "delivery").mkdir()
    (library / "delivery" / "resources.yaml").write_text(
        CATALOGUE.replace("cost_per_use: 600", "cost_per_use: 900"), "utf-8")
    for variant in ("as_is", "lean", "robots"):
        (library / "delivery" / f"{variant}.yaml").write_text(
            MODEL.format(variant=variant, extra="").replace("contract", "delivery"), "utf-8")
    looked: list[str] = []
    real = yaml_model.catalogue_path_for
    monkeypatch.setattr(yaml_model, "catalogue_path_for",
                        lambda path: looked.append(path.parent.name) or real(path))
    models, problems = load_library(library)
    assert problems == [] and len(models) == 5
    assert sorted(looked) == ["contract", "delivery"]  # once a folder, not once a model
    couriers = {(m.process, m.variant): m.resources["courier"].cost_per_use for _, m in models}
    assert couriers == {("contract", "as_is"): 600, ("contract", "lean"): 600,
                        ("delivery", "as_is"): 900, ("delivery", "lean"): 900,
                        ("delivery", "robots"): 900}
