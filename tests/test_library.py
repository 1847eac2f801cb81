"""The shipped process library: valid, costed as recorded, and the redesigns save money."""

from __future__ import annotations

import json
import math

import pytest

from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_library, model_files, read_model
from abc_costing.portfolio import build_portfolio
from tests.conftest import LIBRARY
from tests.regenerate_golden import golden_path

SHIPPED = model_files(LIBRARY)
PROCESSES = sorted({p.parent.name for p in SHIPPED})


def test_the_library_has_four_processes_each_with_an_optimized_variant():
    assert {"contract_approval", "zhkh_leads", "supplier_invoice", "procurement"} <= set(
        PROCESSES)
    for process in PROCESSES:
        variants = {p.stem for p in SHIPPED if p.parent.name == process}
        assert "as_is" in variants and len(variants) >= 2, process


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shipped_model_is_valid_without_warnings(path):
    model, problems = read_model(path)
    assert problems == [], "\n".join(map(str, problems))
    assert (model.process, model.variant) == (path.parent.name, path.stem)
    assert model.currency == "RUB" and model.volume_per_year and model.title


def assert_same_figures(actual, expected, where="result"):
    """Equal structure; numbers equal to 1e-9 relative (the engine's float noise)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and list(actual) == list(expected), where
        for key in expected:
            assert_same_figures(actual[key], expected[key], f"{where}.{key}")
    elif isinstance(expected, list):
        assert isinstance(actual, list | tuple) and len(actual) == len(expected), where
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same_figures(a, e, f"{where}[{i}]")
    elif isinstance(expected, float) and not isinstance(actual, str):
        assert math.isclose(actual, expected, rel_tol=1e-9, abs_tol=1e-9), (where, actual,
                                                                              expected)
    else:
        assert actual == expected, where


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_shipped_model_costs_what_its_golden_output_records(path):
    golden = golden_path(path)
    assert golden.exists(), "no golden output; run python -m tests.regenerate_golden"
    expected = json.loads(golden.read_text("utf-8"))
    actual = json.loads(json.dumps(cost_model(read_model(path)[0]).as_dict()))
    assert_same_figures(actual, expected)


@pytest.mark.parametrize("process", PROCESSES)
def test_every_optimized_variant_saves_against_as_is(process):
    baseline = read_model(LIBRARY / process / "as_is.yaml")[0]
    for path in [p for p in SHIPPED if p.parent.name == process]:  # not advice.yaml
        if path.stem == "as_is":
            continue
        comparison = compare_models(baseline, read_model(path)[0])
        assert 0.1 < comparison.saving_share < 0.9, (path, comparison.saving_share)
        # the saving is the sum of the activity deltas, with the sign turned
        assert comparison.saving_per_instance == pytest.approx(
            -sum(a.delta for a in comparison.activities))


def test_portfolio_of_the_shipped_library():
    models, problems = load_library(LIBRARY)
    assert problems == [] and len(models) == len(SHIPPED)
    portfolio = build_portfolio(models)
    assert portfolio.processes() == PROCESSES
    for process in PROCESSES:
        rows = portfolio.variants(process)
        assert rows[0].variant == "as_is" and rows[0].saving_per_instance_vs_as_is == 0
        best = portfolio.best_variant(process)
        assert best.cost_per_instance == min(r.cost_per_instance for r in rows)
        assert best.saving_per_year_vs_as_is == pytest.approx(
            rows[0].cost_per_year - best.cost_per_year)


def test_a_variant_planned_for_fewer_instances_saves_nothing_by_it(write_model):
    # as_is: 3 000 a year at 10 min × 10 ₽ = 100 ₽; "smaller": the same work planned for 2 000.
    # Its cost per year is 100 000 lower, but that is volume, not a saving: 0 × 3 000 = 0.
    body = """\
resources: {clerk: {kind: labor, rate_per_hour: 600}}
activities: {a: {labor: {clerk: 10}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
    paths = [write_model("volume_per_year: 3000\n" + body, "as_is.yaml", variant="as_is"),
             write_model("volume_per_year: 2000\n" + body, "smaller.yaml", variant="smaller")]
    as_is = read_model(paths[0])[0]
    rows = {r.variant: r for r in build_portfolio(
        [(path, read_model(path)[0]) for path in paths]).rows}
    assert rows["smaller"].cost_per_year == pytest.approx(as_is.volume_per_year * 100 - 100_000)
    assert rows["smaller"].saving_per_year_vs_as_is == 0


def test_a_process_variant_in_two_files_is_listed_twice_with_a_warning(write_model, tmp_path):
    # A copy, and a link to the file, both claim test/as_is: the portfolio lists all three
    # (as before) but says so: an overview adding up its rows counts the process three times.
    # as_is: 10 min × 600 ₽/h = 100 ₽; faster: 5 min = 50 ₽, saving 100 − 50 = 50 against
    # the first as_is in path order (a_as_is.yaml), whatever the copies say.
    body = """\
resources: {clerk: {kind: labor, rate_per_hour: 600}}
activities: {a: {labor: {clerk: %d}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
    first = write_model(body % 10, "a_as_is.yaml", variant="as_is")
    write_model(body % 20, "b_copy.yaml", variant="as_is")  # an edited copy: 200 ₽
    (tmp_path / "c_link.yaml").symlink_to(first)
    write_model(body % 5, "faster.yaml", variant="faster")
    models, problems = load_library(tmp_path)
    assert problems == [] and len(models) == 4
    portfolio = build_portfolio(models)
    assert [(r.variant, r.cost_per_instance) for r in portfolio.rows] == [
        ("as_is", 100.0), ("as_is", 200.0), ("as_is", 100.0), ("faster", 50.0)]
    assert portfolio.rows[3].saving_per_instance_vs_as_is == 100.0 - 50.0
    assert portfolio.results[("test", "as_is")].cost_per_instance == 100.0  # the one compared
    assert [(p.file, p.severity, p.message) for p in portfolio.problems] == [
        (str(tmp_path / name), "warning",
         f"variant 'as_is' of process 'test' is defined twice, also in {first}: both are listed, "
         "and the first is the one compared") for name in ("b_copy.yaml", "c_link.yaml")]


def test_model_files_lists_what_a_glob_per_ending_listed(tmp_path):
    # model_files walks the tree once for both endings ("*.y*ml", then the suffix);
    # the list must be the one two globs gave: only names ending in .yaml or .yml,
    # whatever else a "*.y*ml" glob lets through.
    names = ["a.yaml", "b.yml", "c.yaxml", "d.YAML", "e.yml.bak", "f.y.ml", "g.yaml.yml",
             "p/as_is.yaml", "p/x.yamll", "p/.hidden.yaml", ".git/h.yaml", "p/q/lean.yml",
             "p/resources.yaml", "p/advice.yaml", "ledger/allocation.yaml", "p/ledger/v.yaml"]
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("format: abc-costing/1\n", "utf-8")
    expected = ["a.yaml", "b.yml", "g.yaml.yml", "p/as_is.yaml", "p/ledger/v.yaml",
                "p/q/lean.yml"]
    assert model_files(tmp_path) == sorted(tmp_path / name for name in expected)
