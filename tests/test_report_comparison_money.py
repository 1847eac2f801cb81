"""Reports with a baseline: one set of rate cells for both variants; the bridge and the split.

Review finding 4 (issue 12): the workbook's baseline figures were fixed numbers
while the candidate's followed the Catalogue, so a salary edit turned into a
"saving". Now the Baseline sheet prices the baseline's minutes from the same
Catalogue rows (a pool a variant overrides has a row per variant), and the
workbook and the PDF carry the comparison's cost bridge, its saving as cash,
freed capacity and price effects (Δ FTE per pool) and the price effects by
resource, the figures ``compare`` shows.

The LibreOffice tests (``slow``) edit a salary in the workbook, recalculate,
and compare with the engine costing models with that salary and with the
arithmetic written out.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from openpyxl import load_workbook

from abc_costing.access import local_user
from abc_costing.compare import compare_models
from abc_costing.formats import parse_model_text
from abc_costing.formats.catalogue import parse_catalogue_text
from abc_costing.reports.tables import format_money
from abc_costing.reports.workbook import workbook_bytes
from abc_costing.workflows.costing import compare_files
from abc_costing.workflows.reporting import build_report
from tests.conftest import CATALOGUE_FILE, LIBRARY
from tests.libreoffice import recalculate, soffice
from tests.test_workbook import CONTRACT, KOPECK, inputs_for, named, table
from tests.test_workbook_catalogue import _column

ESIGN = LIBRARY / "contract_approval" / "template_esign.yaml"
#: The lawyer pool of the shipped catalogue: 3 lawyers, 150 000 a month, loaded × 1.302
#: (30 % + 0.2 % травматизм, within the base), 360 h of practical capacity a month.
LAWYERS, SALARY, LOAD, HOURS = 3, 150_000, 1.302, 360
RAISED = 180_000
OVERRIDE = 160_000  # the candidate's lawyer salary in the override case


def _rate_per_minute(salary: float) -> float:
    return LAWYERS * salary * LOAD / HOURS / 60


def _models(salary: float, *, override: float | None = None):
    """(as_is, template_esign) as the engine reads them with the lawyer paid ``salary`` in
    the catalogue; ``override``: the candidate overrides the lawyer's salary."""
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    assert text.count(f"salary_per_month: {SALARY}\n") == 1  # the lawyer's
    catalogue, problems = parse_catalogue_text(
        text.replace(f"salary_per_month: {SALARY}\n", f"salary_per_month: {salary}\n"),
        name="resources.yaml")
    assert catalogue is not None, problems
    models = []
    for path, extra in ((CONTRACT, ""), (ESIGN, "" if override is None else
                                         _override_text(override))):
        model, problems = parse_model_text(path.read_text(encoding="utf-8") + extra,
                                           source=str(path), catalogue=catalogue)
        assert model is not None, problems
        models.append(model)
    return tuple(models)


def _override_text(salary: float) -> str:
    return f"\noverrides:\n  lawyer: {{salary_per_month: {salary}}}\n"


@pytest.fixture(scope="module")
def override_library(tmp_path_factory):
    """A copy of the contract library whose template_esign overrides the lawyer's salary."""
    library = tmp_path_factory.mktemp("override_library")
    (library / "contract_approval").mkdir()
    shutil.copy(CATALOGUE_FILE, library / "resources.yaml")
    shutil.copy(CONTRACT, library / "contract_approval" / "as_is.yaml")
    (library / "contract_approval" / "template_esign.yaml").write_text(
        ESIGN.read_text(encoding="utf-8") + _override_text(OVERRIDE), encoding="utf-8")
    return library


def _catalogue_rows(ws, pool_id: str) -> list[int]:
    """The Catalogue rows (1-based) of ``pool_id``: the candidate's first, then the baseline's."""
    return [r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == pool_id]


# -- the formulas ------------------------------------------------------------------------------


def test_a_shared_pool_prices_both_variants_from_one_row():
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(ESIGN, CONTRACT))))
    assert _catalogue_rows(book["Catalogue"], "lawyer") == [6]  # one lawyer row
    baseline = book["Baseline"]
    lawyer_col = next(c.column_letter for c in baseline[4] if c.value == "lawyer, min")
    # the baseline's rate per minute is the candidate's row of the Catalogue / 60
    assert baseline[f"{lawyer_col}3"].value == "=Catalogue!$U$6/60"
    assert table(book["Resources"])["lawyer"]["rate_per_hour"].value == "=Catalogue!$U$6"
    # the Comparison's baseline figures follow the Baseline sheet, not fixed numbers
    legal = table(book["Comparison"])["legal_review"]
    assert legal["baseline_cost_per_instance"].value.startswith("=Baseline!")
    # pools only the baseline uses (courier, office_admin) get rows of its own
    heading = next(c.value for c in book["Catalogue"]["A"]
                   if isinstance(c.value, str) and c.value.startswith("Pools of the baseline"))
    assert "as_is" in heading
    courier = _catalogue_rows(book["Catalogue"], "courier")
    assert len(courier) == 1 and courier[0] > 6 + 2


def test_an_overridden_pool_has_a_row_for_each_variant(override_library):
    inputs = inputs_for(override_library / "contract_approval" / "template_esign.yaml",
                        override_library / "contract_approval" / "as_is.yaml")
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)))
    ws = book["Catalogue"]
    candidate_row, baseline_row = _catalogue_rows(ws, "lawyer")
    salary = _column(ws, "Salary per month")
    assert ws.cell(candidate_row, salary).value == OVERRIDE
    assert ws.cell(baseline_row, salary).value == SALARY
    assert "overridden here: salary_per_month" in ws.cell(candidate_row, 4).value
    baseline = book["Baseline"]
    lawyer_col = next(c.column_letter for c in baseline[4] if c.value == "lawyer, min")
    assert baseline[f"{lawyer_col}3"].value == f"=Catalogue!$U${baseline_row}/60"
    assert "price effect" in ws["A2"].value  # the note says what an edit of a row is
    # the override is a price effect: 3 × (160 000 − 150 000) × 1.302 / 360 / 60 per minute
    # on the baseline's lawyer minutes, per instance (the engine's bridge)
    comparison = inputs.comparison
    lawyer_minutes = comparison.baseline.resource("lawyer").minutes_per_instance
    rate = lawyer_minutes * (_rate_per_minute(OVERRIDE) - _rate_per_minute(SALARY))
    prices = table(book["Price effects"])
    assert prices["lawyer"]["Rate effect per instance"].value == pytest.approx(rate)
    assert prices["lawyer"]["Overrides (catalogue values changed)"].value == (
        f"candidate: salary_per_month {OVERRIDE}")
    assert [e.change_per_instance for e in comparison.bridge if e.effect == "rate"] == [
        pytest.approx(rate)]


# -- the bridge and the split, as numbers --------------------------------------------------------


@pytest.fixture(scope="module")
def esign_xlsx():
    built = build_report(ESIGN, baseline_path=CONTRACT, file_format="xlsx",
                         user=local_user("auditor"), library_dir=LIBRARY)
    assert built.data is not None, built.problems
    return built


def test_the_workbook_carries_the_bridge_of_compare(esign_xlsx):
    book = load_workbook(io.BytesIO(esign_xlsx.data), data_only=True)
    comparison = compare_files(CONTRACT, ESIGN).comparison
    assert comparison is not None
    rows = {row[0].value: row for row in book["Bridge"].iter_rows(min_row=5) if row[0].value}
    assert list(rows) == ["rate", "capacity", "unit_time", "routing", "fees", "volume",
                          "(total)"]
    for effect in comparison.bridge:
        per_instance, per_year = rows[effect.effect][2].value, rows[effect.effect][3].value
        assert isinstance(per_instance, float | int) and isinstance(per_year, float | int)
        assert per_instance == pytest.approx(effect.change_per_instance)
        assert per_year == pytest.approx(effect.change_per_year)
    # the effects add up to minus the saving (the total row caches that SUM)
    assert rows["(total)"][2].value == pytest.approx(-comparison.saving_per_instance)
    assert rows["(total)"][3].value == pytest.approx(-comparison.saving_per_year)


def test_the_workbook_carries_the_split_of_compare(esign_xlsx):
    book = load_workbook(io.BytesIO(esign_xlsx.data), data_only=True)
    split = compare_files(CONTRACT, ESIGN).split
    assert split is not None and esign_xlsx.inputs.split == split
    assert named(book, "saving_cash_per_year") == pytest.approx(split.cash_per_year)
    assert named(book, "saving_freed_capacity_per_year") == pytest.approx(
        split.freed_capacity_per_year)
    assert named(book, "saving_price_effect_per_year") == pytest.approx(
        split.price_effect_per_year)
    # cash + freed capacity + price effects = the saving per year (the Comparison's)
    assert (named(book, "saving_cash_per_year") + named(book, "saving_freed_capacity_per_year")
            + named(book, "saving_price_effect_per_year")) == pytest.approx(
        named(book, "saving_per_year"), abs=KOPECK)
    pools = table(book["Saving split"])
    for pool in split.pools:
        if pool.labour_saving_per_year or pool.heads_released:
            row = pools[pool.id]
            assert row["Δ FTE"].value == pytest.approx(pool.fte_after - pool.fte_before
                                                       if pool.fte_before is not None
                                                       else None)
            assert row["Cash per year (высвобождаемые деньги)"].value == pytest.approx(
                pool.cash_per_year)
    # a report made without the workflow has no split, and no sheet for it
    plain = load_workbook(io.BytesIO(workbook_bytes(inputs_for(ESIGN, CONTRACT))))
    assert "Saving split" not in plain.sheetnames and "Bridge" in plain.sheetnames


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext")
def test_the_pdf_carries_the_bridge_and_the_split(tmp_path):
    built = build_report(ESIGN, baseline_path=CONTRACT, file_format="pdf",
                         user=local_user("auditor"), library_dir=LIBRARY)
    assert built.data is not None, built.problems
    path = tmp_path / "report.pdf"
    path.write_bytes(built.data)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    compared = compare_files(CONTRACT, ESIGN)
    comparison, split = compared.comparison, compared.split
    assert comparison is not None and split is not None
    assert "Cost bridge: as_is → template_esign" in text
    for effect in comparison.bridge:  # its label and change per year, as compare prints them
        assert effect.change_per_year is not None
        assert f"{format_money(effect.change_per_year, 'RUB')}" in text, effect.effect
    # e.g. routing −5 351 798.39 RUB per year
    routing = next(e for e in comparison.bridge if e.effect == "routing")
    assert format_money(routing.change_per_year, "RUB") == "-5,351,798.39"
    assert "Cash, freed capacity and price effects: as_is → template_esign" in text
    cash, freed = (format_money(x, "RUB") for x in (split.cash_per_year,
                                                    split.freed_capacity_per_year))
    assert f"Per year: cash RUB {cash}" in text and f"freed capacity RUB {freed}" in text
    # 3 821 281.16 + 2 785 437.86 + 0 = 6 606 719.02, the saving per year
    assert (cash, freed) == ("3,821,281.16", "2,785,437.86")
    assert split.cash_per_year + split.freed_capacity_per_year + split.price_effect_per_year \
        == pytest.approx(comparison.saving_per_year)
    lawyer = next(p for p in split.pools if p.id == "lawyer")
    assert lawyer.fte_before is not None and lawyer.fte_after is not None
    assert f"lawyer {lawyer.fte_before:.2f} {lawyer.fte_after:.2f} " \
           f"{lawyer.fte_after - lawyer.fte_before:.2f} {lawyer.heads_released}" in text


# -- recalculated by LibreOffice ---------------------------------------------------------------


@pytest.fixture(scope="module")
def raised(tmp_path_factory, override_library):
    """name -> workbook recalculated by LibreOffice after the lawyer's salary was raised to
    180 000 in the Catalogue (in the override case: the candidate's own lawyer row)."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (`make test` installs libreoffice-calc-nogui)")
    folder = tmp_path_factory.mktemp("raised")
    sources = {
        "shared": inputs_for(ESIGN, CONTRACT),
        "override": inputs_for(override_library / "contract_approval" / "template_esign.yaml",
                               override_library / "contract_approval" / "as_is.yaml")}
    paths = []
    for name, inputs in sources.items():
        book = load_workbook(io.BytesIO(workbook_bytes(inputs)))
        ws = book["Catalogue"]
        first = _catalogue_rows(ws, "lawyer")[0]  # the candidate's (the only one when shared)
        ws.cell(first, _column(ws, "Salary per month")).value = RAISED
        paths.append(folder / "in" / f"{name}.xlsx")
        paths[-1].parent.mkdir(exist_ok=True)
        book.save(paths[-1])
    outputs = recalculate(paths, folder / "out", timeout=180)
    return {name: load_workbook(out, data_only=True)
            for name, out in zip(sources, outputs, strict=True)}


@pytest.mark.slow
def test_a_raised_salary_moves_baseline_and_candidate_together(raised):
    """Lawyer 150 000 -> 180 000: both variants cost what the engine costs them at 180 000,
    and the saving moves only by the difference of their lawyer minutes."""
    book = raised["shared"]
    baseline, candidate = _models(RAISED)
    expected = compare_models(baseline, candidate)
    assert named(book, "baseline_cost_per_instance") == pytest.approx(
        expected.baseline.cost_per_instance, abs=KOPECK)
    assert named(book, "cost_per_instance") == pytest.approx(
        expected.candidate.cost_per_instance, abs=KOPECK)
    assert named(book, "saving_per_year") == pytest.approx(expected.saving_per_year, abs=KOPECK)
    # By hand: Δrate = 3 × 30 000 × 1.302 / 360 / 60 = 5.425 per minute, on the lawyer minutes
    # the candidate no longer needs, × 1 200 contracts a year.
    before = compare_models(*_models(SALARY))
    delta_rate = LAWYERS * (RAISED - SALARY) * LOAD / HOURS / 60
    assert delta_rate == pytest.approx(5.425)
    minutes = (before.baseline.resource("lawyer").minutes_per_instance
               - before.candidate.resource("lawyer").minutes_per_instance)
    assert before.saving_per_year is not None
    assert named(book, "saving_per_year") == pytest.approx(
        before.saving_per_year + delta_rate * minutes * 1200, abs=KOPECK)
    # the baseline moved too: by its own lawyer minutes × Δrate
    assert named(book, "baseline_cost_per_instance") == pytest.approx(
        before.baseline.cost_per_instance
        + delta_rate * before.baseline.resource("lawyer").minutes_per_instance, abs=KOPECK)


@pytest.mark.slow
def test_a_raised_override_moves_the_candidate_alone(raised):
    """The candidate overrides the lawyer at 160 000; its row raised to 180 000 moves the
    candidate only (a price effect): the baseline stays at the catalogue's 150 000."""
    book = raised["override"]
    baseline, candidate = _models(SALARY, override=RAISED)
    expected = compare_models(baseline, candidate)
    assert named(book, "baseline_cost_per_instance") == pytest.approx(
        expected.baseline.cost_per_instance, abs=KOPECK)
    assert named(book, "cost_per_instance") == pytest.approx(
        expected.candidate.cost_per_instance, abs=KOPECK)
    assert named(book, "saving_per_year") == pytest.approx(expected.saving_per_year, abs=KOPECK)
    before = compare_models(*_models(SALARY, override=OVERRIDE))
    candidate_minutes = before.candidate.resource("lawyer").minutes_per_instance
    assert before.saving_per_year is not None
    # 3 × 20 000 × 1.302 / 360 / 60 per minute more on the candidate's lawyer minutes only
    assert named(book, "saving_per_year") == pytest.approx(
        before.saving_per_year - (_rate_per_minute(RAISED) - _rate_per_minute(OVERRIDE))
        * candidate_minutes * 1200, abs=KOPECK)
    assert named(book, "baseline_cost_per_instance") == pytest.approx(
        before.baseline.cost_per_instance, abs=KOPECK)
