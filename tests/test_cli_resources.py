"""`abc-costing resources` (the catalogue with its derivation) and `validate resources.yaml`."""

from __future__ import annotations

import json
import shutil

import pytest

from tests.conftest import LIBRARY
from tests.test_cli import run

LAWYER_USERS = ["contract_approval/as_is", "contract_approval/template_esign",
                "contract_approval/value_tiers", "procurement/as_is",
                "procurement/framework_template"]


@pytest.fixture
def library(tmp_path):
    shutil.copytree(LIBRARY, tmp_path / "process_models")
    return tmp_path / "process_models"


def test_resources_json_lists_every_pool_with_its_derivation(capsys, library):
    code, out, err = run(capsys, "resources", str(library), "--json")
    assert code == 0 and err == ""
    document = json.loads(out)
    assert (document["file"], document["currency"], document["year"]) == (
        "resources.yaml", "RUB", 2026)
    pools = {p["id"]: p for p in document["pools"]}
    assert len(pools) == 26
    lawyer = pools["lawyer"]
    assert (lawyer["headcount"], lawyer["salary_per_month"], lawyer["contributions"],
            lawyer["injury_class"]) == (3, 150_000, "general", 1)  # regime, class: defaults
    # 12 × 150 000 = 1 800 000 pay; взносы 0.30 × 1 800 000 = 540 000; травматизм 0.2 %:
    # 3 600; a person costs 2 343 600 a year; 3 people: 3 × 2 343 600 / 12 = 585 900 a
    # month; 585 900 / 360 h = 1 627.50 an hour.
    assert lawyer["contributions_per_person_per_year"] == pytest.approx(540_000)
    assert lawyer["injury_insurance_per_person_per_year"] == pytest.approx(3_600)
    assert lawyer["loaded_cost_per_person_per_year"] == pytest.approx(2_343_600)
    assert lawyer["cost_per_month"] == pytest.approx(585_900)
    assert lawyer["capacity_hours_per_month"] == 360
    assert lawyer["rate_per_hour"] == pytest.approx(1_627.5)
    assert lawyer["used_by"] == LAWYER_USERS and lawyer["overridden_by"] == []
    # премия 30 000 on оклад 90 000: 3 × 120 000 × 1.302 = 468 720 a month on 390 h
    sales = pools["sales_manager"]
    assert sales["cost_per_month"] == pytest.approx(468_720)
    assert sales["rate_per_hour"] == pytest.approx(468_720 / 390)
    # a rate, no payroll: no взносы, no cost per person; a per-use price: nothing but it
    manager = pools["manager"]
    assert (manager["rate_per_hour"], manager["contributions_per_person_per_year"],
            manager["salary_per_month"], manager["contributions"]) == (1200, None, None, None)
    courier = pools["courier"]
    assert (courier["kind"], courier["cost_per_use"], courier["rate_per_hour"]) == (
        "per_use", 600, None)


def test_resources_text_shows_the_figures_and_who_uses_each_pool(capsys, library):
    code, out, _ = run(capsys, "resources", str(library))
    assert code == 0
    assert "Resource catalogue (справочник ресурсов): resources.yaml, RUB" in out
    lawyer_line = next(line for line in out.splitlines() if line.startswith("│ lawyer "))
    for figure in ("150,000.00", "2,343,600.00", "540,000.00", "585,900.00", "1,627.50"):
        assert figure in lawyer_line, figure
    assert f"lawyer is used by {', '.join(LAWYER_USERS)}" in out


def test_a_library_without_a_catalogue_is_a_problem(capsys, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run(capsys, "resources", str(tmp_path / "empty"))
    assert code == 1 and "has no resource catalogue" in err


def test_validate_checks_a_catalogue_and_exits_0_when_clean(capsys, library):
    catalogue = library / "resources.yaml"
    code, out, err = run(capsys, "validate", str(catalogue))
    assert (code, err) == (0, "")
    assert out.strip() == f"{catalogue}: valid resource catalogue, 26 pools"
    # a negative оклад in the catalogue: named with its file, line and pool; exit 1
    text = catalogue.read_text("utf-8")
    line = text.splitlines().index("    salary_per_month: 150000") + 1
    catalogue.write_text(text.replace("salary_per_month: 150000", "salary_per_month: -5"),
                         encoding="utf-8")
    code, out, _ = run(capsys, "validate", "--json", str(catalogue))
    assert code == 1
    [problem] = json.loads(out)
    assert (problem["file"], problem["element"], problem["severity"]) == (
        str(catalogue), "lawyer", "error")
    assert (problem["line"], problem["message"]) == (
        line, "salary_per_month: must not be negative (got -5)")
