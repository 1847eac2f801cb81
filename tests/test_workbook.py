"""The audit workbook: cached values, live formulas recalculated by LibreOffice, hostile text.

The LibreOffice tests (marked ``slow``) build every workbook they need, change
the inputs of some with openpyxl as an auditor would in a spreadsheet, and
recalculate them all in one LibreOffice start; openpyxl drops the cached
values of every formula when it saves, and the helper's profile makes
LibreOffice recalculate on load, so the figures read back are computed by
LibreOffice from the formulas.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import textwrap

import pytest
import xlsxwriter
from openpyxl import load_workbook
from xlsxwriter.utility import xl_col_to_name

from abc_costing.engine import cost_model
from abc_costing.formats import parse_model_text
from abc_costing.model import VALUE_CLASSES
from abc_costing.reports import views
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.workbook import (
    MATRIX_NODE_LIMIT,
    read_workbook_document,
    workbook_bytes,
)
from abc_costing.store.change_log import ChangeEntry, ChangeLog
from tests.conftest import LIBRARY, model_text, shipped_catalogue
from tests.libreoffice import recalculate, soffice

CONTRACT = LIBRARY / "contract_approval" / "as_is.yaml"
CONTRACT_TIERS = LIBRARY / "contract_approval" / "value_tiers.yaml"
PROCUREMENT = LIBRARY / "procurement" / "as_is.yaml"
USER = "auditor@example.com"
KOPECK = 0.005

HOSTILE = textwrap.dedent("""\
    title: "+SUM(1)"
    volume_per_year: 10
    resources:
      "@clerk": {kind: labor, name: "-Клерк", rate_per_hour: 600}
    activities:
      link: {name: '=HYPERLINK("http://x","click")', labor: {"@clerk": 30}}
      "=1+2": {name: "=1+2", labor: {"@clerk": 15}}
      tabbed: {name: "\\tТабуляция", other_cost: 5}
    events:
      s: {kind: start, name: "@старт"}
      e: {kind: end}
    flows: [[s, link], [link, "=1+2"], ["=1+2", tabbed], [tabbed, e]]
    """)
HOSTILE_TEXTS = ('=HYPERLINK("http://x","click")', "=1+2", "\tТабуляция", "+SUM(1)", "-Клерк",
                 "@старт", "@clerk")
# 30 min + 15 min at 600/h, plus 5 other cost
HOSTILE_COST = (30 + 15) * 600 / 60 + 5


def inputs_for(path, baseline=None, change_log=None):
    return build_report_inputs(path, baseline_path=baseline, user=USER, change_log=change_log)


#: The views' labels of the sheets drawn from views, and their keys.
KEY_OF_LABEL = {c.label: c.key for columns in (
    views.ACTIVITY_COLUMNS, views.ACTIVITY_INPUT_COLUMNS, views.RESOURCE_COLUMNS,
    views.VALUE_COLUMNS, views.ACTIVITY_CHANGE_COLUMNS, views.CHANGE_LOG_COLUMNS)
    for c in columns}


def _key(header: str) -> str:
    """A header as the view's key (``Per instance, RUB`` -> ``cost_per_instance``), or as
    written without its unit (``manager, min`` -> ``manager``)."""
    for label in (header, header.rsplit(", ", 1)[0]):
        if label in KEY_OF_LABEL:
            return KEY_OF_LABEL[label]
    return header.split(", ")[0]


def table(ws, header_row: int = 4) -> dict[str, dict[str, object]]:
    """Rows below the header keyed by column A (until the first blank), as {key: cell}."""
    headers = [_key(str(c.value)) if c.value is not None else None for c in ws[header_row]]
    rows = {}
    for row in ws.iter_rows(min_row=header_row + 1):
        if row[0].value is None:
            break
        rows[row[0].value] = {h: c for h, c in zip(headers, row, strict=False) if h}
    return rows


def named(book, name: str):
    """The value of a workbook-level defined name (a single cell)."""
    ((sheet, coordinate),) = book.defined_names[name].destinations
    return book[sheet][coordinate.replace("$", "")].value


# -- English left in a workbook written for a Russian reader -----------------------------------

#: Words a Russian workbook may show in Latin letters whatever its data: the spreadsheet
#: functions its notes quote, the checksum, UTC and the names of the tool and the systems
#: a note names. Everything else Latin must come from the files: see ``model_words``.
FORMULA_AND_NAMES = {"SUMPRODUCT", "SUMIF", "SUM", "MMULT", "MINVERSE", "e_start", "SHA-256",
                     "sha256", "UTC", "abc-costing", "Linux", "Windows", "macOS"}
_LATIN = re.compile(r"[A-Za-z][A-Za-z0-9_./\-]*")
#: A file name or path (``resources.yaml``, ``abc_costing/payroll/data/calendar_2026.toml``).
_FILE = re.compile(r".*(/.*|\.[a-z]{2,4})$")


def model_words(*models, texts=()) -> set[str]:
    """The Latin words the files give a workbook: the models' ids, process and variant,
    value classes, currency and durations as written, plus ``texts`` (file names, users,
    hashes, the views' row keys)."""
    found = set(FORMULA_AND_NAMES) | set(VALUE_CLASSES)
    for model in models:
        if model is None:
            continue
        written = views.activities_view(cost_model(model), model=model)
        texts = (*texts, model.process, model.variant, model.currency, *model.node_kinds,
                 *model.case_classes,
                 *model.resources, *(str(r.values[0]) for r in written.rows),
                 *(str(r.value(k) or "") for r in written.rows for k in ("labor", "wait")))
    for text in texts:
        found.update(_LATIN.findall(str(text)))
    return found


def leftover_english(book, allowed: set[str], *, last_row: int | None = None) -> dict[str, str]:
    """Latin words of the text cells (down to ``last_row``) not in ``allowed`` -> a cell
    showing one (formulas and `commands` quoted in a note are skipped)."""
    left = {}
    for ws in book:
        for row in ws.iter_rows(max_row=last_row):
            for cell in row:
                if not isinstance(cell.value, str) or cell.data_type == "f":
                    continue
                text = re.sub(r"`[^`]*`", "", cell.value)
                # a section of a cited file is part of the file's name: x.toml [years.2026]
                text = re.sub(r"(\.toml) \[[\w.]+\]", r"\1", text)
                for word in _LATIN.findall(text):
                    if len(word) > 1 and word not in allowed and not _FILE.match(word):
                        left.setdefault(word, f"{ws.title}!{cell.coordinate}: {cell.value!r}")
    return left


def assert_costs_equal_engine(book, result) -> None:
    """Every activity, resource and total in ``book`` equals the engine's ``result``."""
    activities = table(book["Activities"])
    assert list(activities) == [*(a.id for a in result.activities), "(total)"]
    for activity in result.activities:
        row = activities[activity.id]
        assert row["cost_per_instance"].value == pytest.approx(activity.cost_per_instance,
                                                               abs=KOPECK)
        assert row["cost_per_execution"].value == pytest.approx(activity.cost_per_execution,
                                                                abs=KOPECK)
        assert row["expected_executions"].value == pytest.approx(activity.expected_executions,
                                                                 rel=1e-9)
    resources = table(book["Resources"])
    for resource in result.resources:
        assert resources[resource.id]["cost_per_instance"].value == pytest.approx(
            resource.cost_per_instance, abs=KOPECK)
    assert named(book, "cost_per_instance") == pytest.approx(result.cost_per_instance, abs=KOPECK)
    assert named(book, "cost_per_year") == pytest.approx(result.cost_per_year, abs=KOPECK)
    assert named(book, "labor_minutes_per_instance") == pytest.approx(
        result.labor_minutes_per_instance, rel=1e-9)
    executions = table(book["Expected executions"])
    for node, value in result.expected_executions.items():
        assert executions[node]["expected_executions"].value == pytest.approx(value, rel=1e-9,
                                                                              abs=1e-12)


# -- without a spreadsheet application ---------------------------------------------------------


def test_sheets_and_cached_values_equal_the_engine():
    """A viewer without a calculation engine shows the stored results: the engine's."""
    inputs = inputs_for(CONTRACT)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)), data_only=True)
    assert book.sheetnames == ["Summary", "Activities", "Resources", "Catalogue",
                               "Payroll rules", "By value", "Flows", "Expected executions",
                               "Change log", "Provenance"]
    assert_costs_equal_engine(book, inputs.result)
    assert book["Activities"]["B5"].value == "Подготовка проекта договора"


def test_cost_cells_are_formulas_referencing_the_inputs():
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(CONTRACT))))
    draft = table(book["Activities"])["draft"]
    assert draft["manager"].value == pytest.approx((40 + 4 * 60 + 150) / 6)  # pert mean
    assert draft["cost_per_instance"].value == "=L5*P5"  # executions × cost per execution
    assert draft["expected_executions"].value == "='Expected executions'!$E$5"
    assert book["Activities"]["E3"].value == "=Resources!$H$5"  # the manager's rate per minute
    lawyer = table(book["Resources"])["lawyer"]
    assert lawyer["rate_per_hour"].value == "=Catalogue!$U$6"  # linked to the catalogue
    assert lawyer["Rate per minute"].value == "=D6/60"
    assert lawyer["minutes_per_instance"].value.startswith("=SUMPRODUCT(Activities!")
    # The executions are solved in the workbook: one array formula over every node.
    solve = book["Expected executions"]["E5"].value
    assert solve.text == "=MMULT(MINVERSE($I$5:$Z$22),$D$5:$D$22)" and solve.ref == "E5:E22"


def test_comparison_sheet_with_a_baseline():
    inputs = inputs_for(CONTRACT_TIERS, CONTRACT)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)), data_only=True)
    assert "Comparison" in book.sheetnames
    comparison = inputs.comparison
    assert named(book, "saving_per_instance") == pytest.approx(comparison.saving_per_instance,
                                                               abs=KOPECK)
    assert named(book, "saving_per_year") == pytest.approx(comparison.saving_per_year, abs=KOPECK)
    changes = table(book["Comparison"])
    for change in comparison.activities:
        assert changes[change.id]["status"].value == change.status
        assert changes[change.id]["delta"].value == pytest.approx(change.delta, abs=KOPECK)


def test_tables_are_the_views_labels_rows_and_totals():
    """Each sheet drawn from a view: its labels at the columns the workbook chose, its rows
    (items, other costs, total) in order, each total a SUM of the rows above."""
    inputs = inputs_for(CONTRACT_TIERS, CONTRACT)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)))
    for sheet, view in (
            ("Activities", views.activities_view(inputs.result, model=inputs.model)),
            ("Resources", views.resources_view(inputs.result)),
            ("By value", views.value_classes_view(inputs.result)),
            ("Comparison", views.activity_changes_view(inputs.comparison))):
        ws = book[sheet]
        header = [c.value for c in ws[4]]
        # cells of minutes stay numbers, so their headers say the unit (number_label)
        assert {view.number_label(key) for key in view.keys} <= set(header), sheet
        assert "Wait per execution, min" in header or sheet != "Activities"
        column = {key: header.index(view.number_label(key)) for key in view.keys}
        body = list(ws.iter_rows(min_row=5, max_row=4 + len(view.rows)))
        assert [r[0].value for r in body] == [row.values[0] for row in view.rows], sheet
        total = body[-1]
        assert view.rows[-1].kind == "total" and total[0].font.b
        for key in view.keys:
            figure = view.rows[-1].value(key)
            if view.column(key).unit != "text" and figure is not None:
                letter = xl_col_to_name(column[key])
                above = f"${letter}$5:${letter}${3 + len(body)}"  # items and other costs
                assert total[column[key]].value == f"=SUM({above})", (sheet, key)
    assert "Per instance, RUB" in [c.value for c in book["Activities"][4]]


def test_hostile_text_is_written_as_quoted_text(write_model):
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(write_model(HOSTILE)))))
    cells = [c for ws in book for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.split(", ")[0] in HOSTILE_TEXTS]
    assert {c.value.split(", ")[0] for c in cells} == set(HOSTILE_TEXTS)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_provenance_shows_the_input_files_sha256():
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(CONTRACT_TIERS, CONTRACT))))
    texts = {c.value for row in book["Provenance"].iter_rows() for c in row}
    for path in (CONTRACT_TIERS, CONTRACT):
        assert hashlib.sha256(path.read_bytes()).hexdigest() in texts
    assert USER in texts and "abc-costing" in texts


def test_change_log_entries_are_listed_as_text(tmp_path):
    path = tmp_path / "library" / "test" / "v.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(model_text(HOSTILE), encoding="utf-8")
    log = ChangeLog(tmp_path / "log.sqlite")
    log.append([ChangeEntry(user=USER, file="test/v.yaml", element="=1+2", field="name",
                            old_value="@старое", new_value='=HYPERLINK("http://x","click")',
                            reason="-правка")])
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(path, change_log=log))))
    (entry,) = table(book["Change log"]).values()
    assert entry["new_value"].value == '=HYPERLINK("http://x","click")'
    assert entry["new_value"].data_type == "s" and entry["new_value"].quotePrefix
    assert entry["hash"].value == log.head_hash()


def test_same_inputs_give_the_same_bytes():
    inputs = inputs_for(CONTRACT)
    assert workbook_bytes(inputs) == workbook_bytes(inputs)


def test_a_large_model_shows_the_engines_executions(write_model):
    n = MATRIX_NODE_LIMIT  # n activities + start + end: over the limit
    chain = ["s", *(f"a{i}" for i in range(n)), "e"]
    body = (
        "resources: {clerk: {kind: labor, rate_per_hour: 60}}\nactivities:\n"
        + "".join(f"  a{i}: {{labor: {{clerk: 1}}}}\n" for i in range(n))
        + "events: {s: {kind: start}, e: {kind: end}}\nflows:\n"
        + "".join(f"  - [{a}, {b}]\n" for a, b in zip(chain, chain[1:], strict=False))
    )
    inputs = inputs_for(write_model(body))
    book = load_workbook(io.BytesIO(workbook_bytes(inputs)))
    sheet = book["Expected executions"]
    assert "engine's values" in sheet["A2"].value
    assert sheet["E5"].value == 1 and sheet["I4"].value is None  # no matrix
    assert table(book["Activities"])["a0"]["cost_per_instance"].value.startswith("=")
    cached = load_workbook(io.BytesIO(workbook_bytes(inputs)), data_only=True)
    assert named(cached, "cost_per_instance") == pytest.approx(n * 1.0)  # n × 1 min × 1/min


# -- recalculated by LibreOffice ---------------------------------------------------------------


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory):
    """name -> (inputs, workbook recalculated by LibreOffice, read with data_only)."""
    if soffice() is None:
        pytest.skip("LibreOffice is not installed (`make test` installs libreoffice-calc-nogui)")
    folder = tmp_path_factory.mktemp("workbooks")
    hostile = folder / "hostile.yaml"
    hostile.write_text(model_text(HOSTILE), encoding="utf-8")
    cases = {"contract": inputs_for(CONTRACT), "procurement": inputs_for(PROCUREMENT),
             "compare": inputs_for(CONTRACT_TIERS, CONTRACT), "hostile": inputs_for(hostile)}
    paths = {}
    for name, inputs in cases.items():
        paths[name] = folder / "in" / f"{name}.xlsx"
        paths[name].parent.mkdir(exist_ok=True)
        paths[name].write_bytes(workbook_bytes(inputs))

    def edit(name: str, change) -> None:
        book = load_workbook(paths["contract"])
        change(book)
        paths[name] = folder / "in" / f"{name}.xlsx"
        book.save(paths[name])
        cases[name] = cases["contract"]

    def double_manager_rate(book):
        cell = table(book["Catalogue"])["manager"]["rate_per_hour"]  # the input; Resources links
        cell.value = 2 * cell.value  # 1200 -> 2400 per hour

    def rework_half(book):
        for row in table(book["Flows"], 4).values():
            if row["from"].value == "approved":
                row["probability"].value = 0.5  # print_sign 0.7 -> 0.5, rework_merge 0.3 -> 0.5

    edit("contract_rate", double_manager_rate)
    edit("contract_rework", rework_half)

    # A formula whose stored result is wrong: proves LibreOffice recalculates on load.
    paths["stale"] = folder / "in" / "stale.xlsx"
    stale = xlsxwriter.Workbook(paths["stale"])
    stale.add_worksheet().write_formula("A1", "=1+1", None, 99)
    stale.close()

    names = list(paths)
    outputs = recalculate([paths[n] for n in names], folder / "out", timeout=180)
    return {name: (cases.get(name), load_workbook(out, data_only=True))
            for name, out in zip(names, outputs, strict=True)}


@pytest.mark.slow
def test_libreoffice_recalculates_stale_results(recalculated):
    _, book = recalculated["stale"]
    assert book.active["A1"].value == 2


@pytest.mark.slow
@pytest.mark.parametrize("name", ["contract", "procurement", "compare"])
def test_recalculated_figures_equal_the_engine(recalculated, name):
    """Rework loops, parallel blocks, MINVERSE/MMULT: the kopecks agree with the engine."""
    inputs, book = recalculated[name]
    assert_costs_equal_engine(book, inputs.result)
    assert table(book["Activities"])["(total)"]["cost_per_instance"].value == pytest.approx(
        inputs.result.cost_per_instance, abs=KOPECK)
    ends = {row[2].value: row[1].value for row in book["Summary"].iter_rows()
            if row[2].value in inputs.result.end_probabilities}
    assert ends == pytest.approx(inputs.result.end_probabilities, rel=1e-9)
    resources = table(book["Resources"])
    assert resources["(total)"]["cost_per_instance"].value == pytest.approx(
        inputs.result.cost_per_instance, abs=KOPECK)
    assert resources["(total)"]["minutes_per_instance"].value == pytest.approx(
        inputs.result.labor_minutes_per_instance, rel=1e-9)
    assert resources["(other costs)"]["cost_per_instance"].value == pytest.approx(
        inputs.result.other_cost_per_instance, abs=KOPECK)
    by_value = table(book["By value"])
    for value, cost in inputs.result.by_value.items():
        assert by_value[value]["cost_per_instance"].value == pytest.approx(cost, abs=KOPECK)
    assert by_value["(total)"]["share"].value == pytest.approx(1.0)


@pytest.mark.slow
def test_recalculated_savings_equal_the_engine(recalculated):
    inputs, book = recalculated["compare"]
    comparison = inputs.comparison
    assert named(book, "saving_per_instance") == pytest.approx(comparison.saving_per_instance,
                                                               abs=KOPECK)
    assert named(book, "saving_per_year") == pytest.approx(comparison.saving_per_year, abs=KOPECK)
    assert named(book, "baseline_cost_per_instance") == pytest.approx(
        comparison.baseline.cost_per_instance, abs=KOPECK)


@pytest.mark.slow
def test_a_doubled_rate_moves_every_dependent_figure(recalculated):
    """Manager 1200 -> 2400 per hour: the total grows by manager minutes × 1200 / 60."""
    inputs, book = recalculated["contract_rate"]
    result = inputs.result
    manager = result.resource("manager")
    extra = manager.minutes_per_instance * 1200 / 60
    assert named(book, "cost_per_instance") == pytest.approx(result.cost_per_instance + extra,
                                                             abs=KOPECK)
    assert named(book, "cost_per_year") == pytest.approx(
        (result.cost_per_instance + extra) * result.volume_per_year, abs=KOPECK)
    resources = table(book["Resources"])
    assert resources["manager"]["cost_per_instance"].value == pytest.approx(
        2 * manager.cost_per_instance, abs=KOPECK)
    assert resources["lawyer"]["cost_per_instance"].value == pytest.approx(
        result.resource("lawyer").cost_per_instance, abs=KOPECK)
    draft = table(book["Activities"])["draft"]
    assert draft["cost_per_instance"].value == pytest.approx(
        2 * result.activity("draft").cost_per_instance, abs=KOPECK)


@pytest.mark.slow
def test_a_changed_probability_moves_the_executions(recalculated):
    """Rework 0.3 -> 0.5: a circuit of approval runs (1 / 0.9) / (1 - r) times.

    Each circuit ends in rework with probability r, or goes to the client, who
    asks for changes (another circuit) with probability 0.1: the circuit
    repeats with probability r + 0.1 (1 - r), so it runs 1 / (0.9 (1 - r))
    times; 1.5873 at r = 0.3, 2.2222 at r = 0.5.
    """
    _, book = recalculated["contract_rework"]
    executions = table(book["Expected executions"])
    for r, node in ((0.5, "director_approval"), (0.5, "legal_review")):
        assert executions[node]["expected_executions"].value == pytest.approx(
            (1 / 0.9) / (1 - r), rel=1e-9)
    text = CONTRACT.read_text(encoding="utf-8")
    text = text.replace("[approved, print_sign, 0.7]", "[approved, print_sign, 0.5]")
    text = text.replace("[approved, rework_merge, 0.3]", "[approved, rework_merge, 0.5]")
    model, problems = parse_model_text(text, source="edited.yaml", catalogue=shipped_catalogue())
    assert model is not None, problems
    expected = cost_model(model)
    assert_costs_equal_engine(book, expected)
    assert not math.isclose(expected.cost_per_instance, inputs_for(CONTRACT).result
                            .cost_per_instance)


@pytest.mark.slow
def test_hostile_text_survives_libreoffice(recalculated):
    """``=HYPERLINK(...)``, ``=1+2``, ``+SUM(1)`` stay text: not "click", not 3."""
    _, book = recalculated["hostile"]
    activities = table(book["Activities"])
    assert activities["link"]["name"].value == '=HYPERLINK("http://x","click")'
    assert activities["=1+2"]["name"].value == "=1+2"
    assert activities["tabbed"]["name"].value == "\tТабуляция"
    assert named(book, "cost_per_instance") == pytest.approx(HOSTILE_COST, abs=KOPECK)
    assert activities["=1+2"]["name"].data_type == "s"
    texts = {c.value for ws in book for row in ws.iter_rows() for c in row}
    assert {"+SUM(1)", "@clerk, min", "-Клерк", "@старт"} <= texts and "click" not in texts


# -- in Russian ---------------------------------------------------------------------------------


def _provenance_words(inputs) -> list[str]:
    provenance = inputs.provenance
    return [provenance.user, provenance.version, provenance.generated_at,
            *(t for item in provenance.inputs for t in (item.path, item.sha256, item.process,
                                                         item.variant))]


def test_the_russian_audit_workbook_has_no_english_but_ids_and_file_names():
    inputs = inputs_for(CONTRACT_TIERS, CONTRACT)
    book = load_workbook(io.BytesIO(workbook_bytes(inputs, language="ru")))
    # the resources view's keys of its "other costs" row ("(other costs)", kind "other")
    other = [t for r in views.resources_view(inputs.result).rows if r.kind != "item"
             for t in (r.values[0], r.value("kind") or "")]
    allowed = model_words(inputs.model, inputs.baseline,
                          texts=[*_provenance_words(inputs), "resources.yaml", *other])
    assert leftover_english(book, allowed) == {}
    summary = {row[0].value: row[1] for row in book["Сводка"].iter_rows(min_row=5)
               if row[0].value}
    # the Summary's rows are Russian; its figures are the English workbook's formulas
    english = load_workbook(io.BytesIO(workbook_bytes(inputs)))
    assert english["Summary"]["A10"].value == "cost_per_instance, RUB"  # as before
    assert book["Сводка"]["A10"].value == "Стоимость экземпляра, RUB"
    assert summary["Стоимость экземпляра, RUB"].value == english["Summary"]["B10"].value.replace(
        "Activities", "Действия")
    assert "Стоимость в год, RUB" in summary and "Экономия в год, RUB" in summary
    flows = book["Потоки"]
    assert flows["C5"].value == "начальное событие"  # the kind of the first flow's source
    catalogue = book["Справочник ресурсов"]
    assert catalogue["A1"].value == "Справочник ресурсов: пулы, оплата труда и ставки"
    assert book["Правила расчёта ФОТ"]["A4"].value == "Год"


def test_report_verify_reads_the_russian_workbook_as_the_english_one():
    inputs = inputs_for(CONTRACT_TIERS, CONTRACT)
    russian = read_workbook_document(workbook_bytes(inputs, language="ru"))
    english = read_workbook_document(workbook_bytes(inputs))
    assert russian == english
    roles = [item["role"] for item in russian["provenance"]["inputs"]]
    assert roles == ["model", "baseline", "catalogue"]
    assert russian["provenance"]["user"] == USER
    assert russian["costing"]["cost_per_instance"] == pytest.approx(
        inputs.result.cost_per_instance)


def test_hostile_text_stays_quoted_text_in_russian(write_model):
    book = load_workbook(io.BytesIO(workbook_bytes(inputs_for(write_model(HOSTILE)),
                                                   language="ru")))
    cells = [c for ws in book for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.split(", ")[0] in HOSTILE_TEXTS]
    assert {c.value.split(", ")[0] for c in cells} == set(HOSTILE_TEXTS)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)
