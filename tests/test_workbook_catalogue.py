"""The workbook's Catalogue and Payroll rules sheets: salaries and cited rules as input cells.

Without a spreadsheet application the tests read the formulas and the cached
values (the engine's); with LibreOffice (``slow``) they change a salary or a
rule in the file, recalculate, and compare with the engine and with figures
worked out by hand, including the closed forms of the contribution rules
against the month-by-month rule of :func:`abc_costing.payroll.loaded_cost_per_year`.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.formats.catalogue import parse_catalogue_text
from abc_costing.payroll import contribution_rules, loaded_cost_per_year, year_months
from abc_costing.reports.report_files import report_bytes, verify_report
from abc_costing.reports.workbook import workbook_bytes
from abc_costing.reports.workbook_catalogue import (
    general_contributions_formula,
    sme_within_base_formula,
)
from tests.conftest import CATALOGUE_FILE
from tests.libreoffice import recalculate, soffice
from tests.test_workbook import CONTRACT, KOPECK, inputs_for, named, table

CATALOGUE_SHA256 = hashlib.sha256(CATALOGUE_FILE.read_bytes()).hexdigest()

#: Pools that exercise every branch of the payroll formulas (2026 unless named):
#: id -> (salary, bonus, regime, year).
PAYROLL_POOLS = {
    "general_100k": (100_000, 0, "general", 2026),     # within the base all year
    "general_300k": (300_000, 0, "general", 2026),     # crosses 2 979 000 in October
    "bonus_280k": (250_000, 30_000, "general", 2026),  # оклад + премия cross in November
    "general_2025": (240_000, 0, "general", 2025),     # 2.88 M: over the 2025 base 2 759 000
    "sme_30k": (30_000, 0, "sme", 2026),               # below 1.5 МРОТ (40 639.50)
    "sme_200k": (200_000, 0, "sme", 2026),             # above the threshold, within the base
    "sme_330k": (330_000, 0, "sme", 2026),             # base runs out inside October's part
    "sme_400k": (400_000, 0, "sme", 2026),             # base gone at the start of September
}


def _payroll_model_text() -> str:
    pools = "".join(
        f"  {pid}: {{kind: labor, salary_per_month: {salary}, bonus_per_month: {bonus}, "
        f"contributions: {regime}, year: {year}, capacity_hours_per_month: 150}}\n"
        for pid, (salary, bonus, regime, year) in PAYROLL_POOLS.items())
    # 2 heads × 1 972 h / 12 × 0.75 = 246.5 h per month, from the production calendar
    pools += ("  calendar: {kind: labor, headcount: 2, salary_per_month: 100000, year: 2026, "
              "productive_share: 0.75}\n")
    # a working calendar: 3 × 8 h × 20 days × (1 − 0.25) = 360 h per month
    pools += ("  team: {kind: labor, cost_per_month: 480000, headcount: 3, hours_per_day: 8, "
              "days_per_month: 20, unproductive_share: 0.25}\n")
    ids = [*PAYROLL_POOLS, "calendar", "team"]
    activities = "".join(f"  a_{pid}: {{labor: {{{pid}: 60}}}}\n" for pid in ids)
    chain = ["s", *(f"a_{pid}" for pid in ids), "e"]
    flows = "".join(f"  - [{a}, {b}]\n" for a, b in zip(chain, chain[1:], strict=False))
    return ("format: abc-costing/1\nprocess: test\nvariant: payroll\ncurrency: RUB\n"
            "volume_per_year: 100\nresources:\n" + pools + "activities:\n" + activities
            + "events: {s: {kind: start}, e: {kind: end}}\nflows:\n" + flows)


def _column(ws, prefix: str) -> int:
    """The 1-based column of the header (row 4) that starts with ``prefix``."""
    return next(c.column for c in ws[4] if isinstance(c.value, str)
                and c.value.startswith(prefix))


def _pool(book, pool_id: str, prefix: str):
    ws = book["Catalogue"]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == pool_id)
    return ws.cell(row, _column(ws, prefix)).value


def _rules_row(book, year: int) -> dict[str, object]:
    ws = book["Payroll rules"]
    row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == year)
    return {str(c.value): ws.cell(row, c.column).value for c in ws[4] if c.value}


# -- the formulas as text ----------------------------------------------------------------------


def test_the_formula_builders_spell_the_rules():
    assert general_contributions_formula(pay_per_year="P", base="B", within="W",
                                         above="A") == "MIN(P,B)*W+MAX(0,P-B)*A"
    # n = MIN(12, INT((B - t) / p) + 1) months fit whole, then what is left of the base
    n = "MIN(12,INT((B-t)/p)+1)"
    assert sme_within_base_formula(pay_per_month="p", threshold_pay="t", base="B") == (
        f"IF(12*p<=B,12*t,{n}*t+IF({n}<12,MAX(0,B-{n}*p),0))")


def test_payroll_rules_are_the_cited_rules_as_input_cells():
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(CONTRACT))))
    rules = _rules_row(book, 2026)
    expected = contribution_rules(2026)
    assert rules["Single base per year (единая предельная база), RUB"] == 2_979_000
    assert expected.single_base_per_year == 2_979_000
    assert rules["Rate within the base (тариф в пределах базы)"] == 0.30
    assert rules["Rate above the base (тариф сверх базы)"] == 0.151
    assert rules["МРОТ per month, RUB"] == 27_093
    assert rules["SME threshold, МРОТ (порог МСП)"] == 1.5
    assert rules["SME threshold per month, RUB"] == "=E6*F6"  # МРОТ × 1.5 = 40 639.50
    assert rules["SME rate above the threshold (тариф МСП)"] == 0.15
    hours = "Production calendar, h per year, 40-h week (производственный календарь)"
    assert rules[hours] == 1972 == sum(m.working_hours for m in year_months(2026))
    assert "contributions.toml [years.2026]" in rules["Source"]
    assert "calendar_2026.toml" in rules["Source"]
    ws = book["Payroll rules"]
    injury = next(r for r in range(1, ws.max_row + 1)
                  if str(ws.cell(r, 1).value).startswith("Injury class"))
    assert (ws.cell(injury + 1, 1).value, ws.cell(injury + 1, 2).value) == (1, 0.002)
    cached = load_workbook(io.BytesIO(workbook_bytes(inputs_for(CONTRACT))), data_only=True)
    assert _rules_row(cached, 2026)["SME threshold per month, RUB"] == pytest.approx(40_639.5)


def test_the_lawyers_rate_is_a_formula_over_salary_and_rules():
    inputs = inputs_for(CONTRACT)
    data = workbook_bytes(inputs)
    book = load_workbook(io.BytesIO(data))
    assert _pool(book, "lawyer", "defined in") == "resources.yaml"
    assert _pool(book, "lawyer", "Headcount") == 3
    assert _pool(book, "lawyer", "Salary per month") == 150_000
    assert _pool(book, "lawyer", "ФОТ per person per year") == "=($G6+$H6)*12"
    assert _pool(book, "lawyer", "Страховые взносы") == (
        "=MIN($L6,INDEX(rules_single_base,$K6))*INDEX(rules_rate_within,$K6)"
        "+MAX(0,$L6-INDEX(rules_single_base,$K6))*INDEX(rules_rate_above,$K6)")
    assert _pool(book, "lawyer", "Cost per month") == "=$F6*$Q6/12"  # headcount × loaded / 12
    assert _pool(book, "lawyer", "Rate per hour") == "=$T6/$S6"  # cost per month / capacity
    assert table(book["Resources"])["lawyer"]["rate_per_hour"].value == "=Catalogue!$U$6"
    assert _pool(book, "manager", "Rate per hour") == 1200  # stated: an input
    assert _pool(book, "manager", "how the rate is set") == "rate per hour stated"

    cached = load_workbook(io.BytesIO(data), data_only=True)
    # 150 000 × 12 = 1 800 000 ФОТ; × 0.30 = 540 000 взносы; × 0.002 = 3 600 травматизм
    assert _pool(cached, "lawyer", "ФОТ per person per year") == 1_800_000
    assert _pool(cached, "lawyer", "Страховые взносы") == pytest.approx(540_000)
    assert _pool(cached, "lawyer", "Травматизм") == pytest.approx(3_600)
    assert _pool(cached, "lawyer", "Loaded cost") == pytest.approx(2_343_600)
    assert _pool(cached, "lawyer", "Rate per hour") == pytest.approx(1627.5)  # 3×2 343 600/12/360
    assert table(cached["Resources"])["lawyer"]["rate_per_hour"].value == pytest.approx(1627.5)
    # The catalogue and its digest are named on the sheet itself.
    note = book["Catalogue"]["A2"].value
    assert "resources.yaml" in note and CATALOGUE_SHA256 in note


def test_a_model_without_a_catalogue_lists_its_own_pools(write_model):
    path = write_model("resources: {clerk: {kind: labor, rate_per_hour: 600}}\n"
                       "activities: {a: {labor: {clerk: 30}}}\n"
                       "events: {s: {kind: start}, e: {kind: end}}\nflows: [[s, a], [a, e]]\n")
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(path))), data_only=True)
    assert "its own resources (no catalogue)" in book["Catalogue"]["A2"].value
    assert _pool(book, "clerk", "defined in") == "the model file"
    assert named(book, "cost_per_instance") == pytest.approx(30 * 600 / 60)


def test_cached_values_are_the_engines_without_a_spreadsheet(write_model):
    """A viewer that cannot calculate shows the engine's figures in the payroll columns."""
    path = write_model(_payroll_model_text(), raw=True)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(path))), data_only=True)
    # SME 330 000: 9 whole months of t = 40 639.50 fit in the base, then the 9 000 left
    assert _pool(book, "sme_330k", "SME: of it within the base") == pytest.approx(
        9 * 40_639.5 + 9_000)
    assert _pool(book, "sme_330k", "Страховые взносы") == pytest.approx(
        loaded_cost_per_year(330_000, year=2026, regime="sme").contributions_per_year)
    assert _pool(book, "calendar", "Practical capacity") == pytest.approx(246.5)
    assert _pool(book, "team", "Practical capacity") == pytest.approx(360)
    assert _pool(book, "team", "Rate per hour") == pytest.approx(480_000 / 360)
    formulas = load_workbook(io.BytesIO(workbook_bytes(inputs_for(path))))
    row = next(c.row for c in formulas["Catalogue"]["A"] if c.value == "team")
    assert _pool(formulas, "team", "Practical capacity") == f"=$F{row}*8*20*(1-0.25)"
    assert _pool(formulas, "team", "Cost per month") == 480_000  # stated: an input
    assert _pool(formulas, "general_100k", "SME: of it within the base") is None


# -- the catalogue in the provenance of every format ---------------------------------------------


def _catalogue_input(inputs: list[dict]) -> dict:
    (item,) = [i for i in inputs if i["role"] == "catalogue"]
    return item


def test_every_format_names_the_catalogue_and_its_digest():
    inputs = inputs_for(CONTRACT)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)))
    rows = [[c.value for c in row] for row in book["Provenance"].iter_rows()]
    assert ["catalogue", "resources.yaml", CATALOGUE_SHA256] in [r[:3] for r in rows]

    document = json.loads(report_bytes(inputs, "json"))
    assert _catalogue_input(document["provenance"]["inputs"])["sha256"] == CATALOGUE_SHA256

    with zipfile.ZipFile(io.BytesIO(report_bytes(inputs, "csv"))) as archive:
        provenance = archive.read("provenance.csv").decode("utf-8-sig")
    assert f'"catalogue.sha256","{CATALOGUE_SHA256}"' in provenance
    assert '"catalogue.path","resources.yaml"' in provenance


@pytest.mark.skipif(not __import__("shutil").which("pdftotext"), reason="needs pdftotext")
def test_the_pdf_names_the_catalogue_and_its_digest(tmp_path):
    import subprocess

    from abc_costing.reports.pdf_report import pdf_bytes

    path = tmp_path / "report.pdf"
    path.write_bytes(pdf_bytes(inputs_for(CONTRACT), charts=False))
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True,
                                   capture_output=True, text=True).stdout.split())
    assert "Input: catalogue" in text
    assert "resources.yaml" in text and CATALOGUE_SHA256 in text
    assert "resource catalogue" in text  # not an empty "process / variant"


def test_verifying_a_workbook_checks_the_catalogue_too(tmp_path):
    """A pool the model does not use changes: the workbook's figures still hold, but its
    recorded catalogue is not the file any more (before, the workbook ignored it)."""
    library = tmp_path / "library"
    (library / "contract_approval").mkdir(parents=True)
    (library / "contract_approval" / "as_is.yaml").write_bytes(CONTRACT.read_bytes())
    (library / "resources.yaml").write_bytes(CATALOGUE_FILE.read_bytes())
    from abc_costing.reports.provenance import build_report_inputs

    inputs = build_report_inputs(library / "contract_approval" / "as_is.yaml",
                                 baseline_path=None, user="auditor", change_log=None,
                                 library_dir=library)
    report = tmp_path / "report.xlsx"
    report.write_bytes(workbook_bytes(inputs))
    assert verify_report(report, library_dir=library).ok

    text = (library / "resources.yaml").read_text(encoding="utf-8")
    assert "storekeeper:" in text and "storekeeper" not in inputs.model.resources
    (library / "resources.yaml").write_text(text + "\n# edited\n", encoding="utf-8")
    check = verify_report(report, library_dir=library)
    # the workbook carries the catalogue's digest: the edit is found and said; it touches no
    # pool of this report, so every recomputed figure still equals the workbook's
    assert any(f.startswith("catalogue resources.yaml: changed since the report")
               for f in check.findings), check.findings
    assert check.ok and check.findings[-1].endswith("all equal the report")
    (library / "resources.yaml").write_text(text.replace("rate_per_hour: 1200",
                                                         "rate_per_hour: 1300"), "utf-8")
    check = verify_report(report, library_dir=library)
    assert not check.ok  # the manager's rate is this report's: its figures moved


# -- recalculated by LibreOffice ---------------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """name -> workbook recalculated by LibreOffice (data_only), after an edit in the file."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (`make test` installs libreoffice-calc-nogui)")
    folder = tmp_path_factory.mktemp("catalogue_workbooks")
    payroll_model = folder / "payroll.yaml"
    payroll_model.write_text(_payroll_model_text(), encoding="utf-8")
    sources = {"contract": workbook_bytes(inputs_for(CONTRACT)),
               "payroll": workbook_bytes(inputs_for(payroll_model))}

    def lawyer_165k(book):
        ws = book["Catalogue"]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == "lawyer")
        ws.cell(row, _column(ws, "Salary per month")).value = 165_000

    def base_4m(book):
        ws = book["Payroll rules"]
        row = next(r for r in range(5, ws.max_row + 1) if ws.cell(r, 1).value == 2026)
        ws.cell(row, _column(ws, "Single base per year")).value = 4_000_000

    edits = {"lawyer_165k": ("contract", lawyer_165k), "payroll": ("payroll", None),
             "payroll_base_4m": ("payroll", base_4m)}
    paths = []
    for name, (source, edit) in edits.items():
        book = load_workbook(io.BytesIO(sources[source]))
        if edit is not None:
            edit(book)
        paths.append(folder / "in" / f"{name}.xlsx")
        paths[-1].parent.mkdir(exist_ok=True)
        book.save(paths[-1])
    outputs = recalculate(paths, folder / "out", timeout=180)
    return {name: load_workbook(out, data_only=True)
            for name, out in zip(edits, outputs, strict=True)}


@pytest.mark.slow
def test_a_raised_salary_moves_every_cost(recalculated):
    """Lawyer 150 000 -> 165 000: rate 1627.5 -> 1790.25 = 3 × 165 000 × 1.302 / 360."""
    book = recalculated["lawyer_165k"]
    assert _pool(book, "lawyer", "Rate per hour") == pytest.approx(3 * 165_000 * 1.302 / 360)
    assert _pool(book, "lawyer", "Rate per hour") == pytest.approx(1790.25)
    assert table(book["Resources"])["lawyer"]["rate_per_hour"].value == pytest.approx(1790.25)
    # The engine, given a catalogue with that salary, costs the model the same.
    text = CATALOGUE_FILE.read_text(encoding="utf-8")
    assert text.count("salary_per_month: 150000\n") == 1  # the lawyer's
    catalogue, problems = parse_catalogue_text(
        text.replace("salary_per_month: 150000\n", "salary_per_month: 165000\n"),
        name="resources.yaml")
    assert catalogue is not None, problems
    model, problems = parse_model_text(CONTRACT.read_text(encoding="utf-8"),
                                       source=str(CONTRACT), catalogue=catalogue)
    assert model is not None, problems
    expected = cost_model(model)
    assert expected.resource("lawyer").rate_per_minute * 60 == pytest.approx(1790.25)
    assert named(book, "cost_per_instance") == pytest.approx(expected.cost_per_instance,
                                                             abs=KOPECK)
    assert named(book, "cost_per_year") == pytest.approx(expected.cost_per_year, abs=KOPECK)
    before = inputs_for(CONTRACT).result
    lawyer_minutes = before.resource("lawyer").minutes_per_instance
    assert expected.cost_per_instance == pytest.approx(
        before.cost_per_instance + lawyer_minutes * (1790.25 - 1627.5) / 60)


@pytest.mark.slow
@pytest.mark.parametrize("pool_id", list(PAYROLL_POOLS))
def test_the_closed_forms_equal_the_month_by_month_rule(recalculated, pool_id):
    """ФОТ, взносы and loaded cost from the Excel formulas = loaded_cost_per_year."""
    salary, bonus, regime, year = PAYROLL_POOLS[pool_id]
    expected = loaded_cost_per_year(salary, bonus, year=year, regime=regime)
    book = recalculated["payroll"]
    assert _pool(book, pool_id, "ФОТ per person per year") == pytest.approx(
        (salary + bonus) * 12)
    assert _pool(book, pool_id, "Страховые взносы") == pytest.approx(
        expected.contributions_per_year, abs=KOPECK)
    assert _pool(book, pool_id, "Loaded cost") == pytest.approx(expected.total_cost_per_year,
                                                               abs=KOPECK)
    # one head, 150 h per month
    assert _pool(book, pool_id, "Rate per hour") == pytest.approx(
        expected.total_cost_per_year / 12 / 150, abs=KOPECK)


@pytest.mark.slow
def test_the_crossings_by_hand(recalculated):
    book = recalculated["payroll"]
    # 300 000 a month crosses 2 979 000 in October: 0.30 × 2 979 000 + 0.151 × 621 000
    assert _pool(book, "general_300k", "Страховые взносы") == pytest.approx(987_471)
    # SME 330 000: t = 40 639.50; 9 whole months fit (9 × 330 000 = 2 970 000), October's
    # part only up to the 9 000 left: W = 9 × 40 639.5 + 9 000 = 374 755.5;
    # 0.30 W + 0.151 (12 t − W) + 0.15 × 12 × (330 000 − t)
    t, w = 40_639.5, 9 * 40_639.5 + 9_000
    assert _pool(book, "sme_330k", "SME: pay up to 1.5 МРОТ") == pytest.approx(t)
    assert _pool(book, "sme_330k", "SME: of it within the base") == pytest.approx(w)
    assert _pool(book, "sme_330k", "Страховые взносы") == pytest.approx(
        0.30 * w + 0.151 * (12 * t - w) + 0.15 * 12 * (330_000 - t))
    # SME 200 000 stays within the base: 12 × (0.30 t + 0.15 (200 000 − t))
    assert _pool(book, "sme_200k", "Страховые взносы") == pytest.approx(
        12 * (0.30 * t + 0.15 * (200_000 - t)))
    # Capacity from the calendar: 2 × 1 972 / 12 × 0.75 = 246.5 h; cost 2 × 1 562 400 / 12
    assert _pool(book, "calendar", "Practical capacity") == pytest.approx(246.5)
    assert _pool(book, "calendar", "Rate per hour") == pytest.approx(2 * 1_562_400 / 12 / 246.5)
    # The working calendar: 3 × 8 × 20 × 0.75 = 360 h; 480 000 / 360 per hour
    assert _pool(book, "team", "Practical capacity") == pytest.approx(360)
    assert _pool(book, "team", "Rate per hour") == pytest.approx(480_000 / 360)


@pytest.mark.slow
def test_the_recalculated_payroll_workbook_equals_the_engine(recalculated):
    model, problems = parse_model_text(_payroll_model_text(), source="payroll.yaml")
    assert model is not None, problems
    result = cost_model(model)
    book = recalculated["payroll"]
    assert named(book, "cost_per_instance") == pytest.approx(result.cost_per_instance,
                                                             abs=KOPECK)
    for resource in result.resources:
        assert table(book["Resources"])[resource.id]["cost_per_instance"].value == (
            pytest.approx(resource.cost_per_instance, abs=KOPECK))


@pytest.mark.slow
def test_a_changed_rule_moves_the_loaded_cost(recalculated):
    """Base 2 979 000 -> 4 000 000: 300 000 a month no longer crosses it: 0.30 × 3.6 M."""
    book = recalculated["payroll_base_4m"]
    assert _pool(book, "general_300k", "Страховые взносы") == pytest.approx(1_080_000)
    assert _pool(book, "general_2025", "Страховые взносы") == pytest.approx(
        loaded_cost_per_year(240_000, year=2025).contributions_per_year)  # 2025 row unchanged
    assert _pool(book, "general_100k", "Страховые взносы") == pytest.approx(360_000)
