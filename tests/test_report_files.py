"""JSON and CSV reports, provenance, byte-identical output, `report --verify`, bad paths."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile
from datetime import UTC, datetime

import pytest

from abc_costing.cli import main
from abc_costing.compare import CompareError, compare_models
from abc_costing.formats import load_model
from abc_costing.reports.provenance import build_report_inputs
from abc_costing.reports.report_files import (
    ReportError,
    report_csv_zip,
    report_json,
    report_views,
    verify_report,
    write_report,
)
from abc_costing.store.change_log import ChangeEntry, ChangeLog
from abc_costing.store.edits import duration_text
from tests.conftest import LIBRARY

AS_IS = LIBRARY / "contract_approval" / "as_is.yaml"
ESIGN = LIBRARY / "contract_approval" / "template_esign.yaml"
NEW_YEAR = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def library(tmp_path):
    copy = tmp_path / "process_models"
    shutil.copytree(LIBRARY / "contract_approval", copy / "contract_approval")
    shutil.copy(LIBRARY / "resources.yaml", copy)
    return copy


def inputs_for(library, *, now=NEW_YEAR, log=None, baseline=True):
    folder = library / "contract_approval"
    return build_report_inputs(folder / "template_esign.yaml",
                               baseline_path=folder / "as_is.yaml" if baseline else None,
                               user="audit@example.com", change_log=log, library_dir=library,
                               now=now)


def test_json_report_carries_the_engine_result_and_provenance(library):
    document = json.loads(report_json(inputs_for(library)))
    comparison = compare_models(load_model(AS_IS), load_model(ESIGN))
    assert document["costing"]["cost_per_instance"] == comparison.candidate.cost_per_instance
    assert document["comparison"]["saving_per_year"] == comparison.saving_per_year
    provenance = document["provenance"]
    assert provenance["user"] == "audit@example.com"
    assert provenance["generated_at"] == "2026-01-01T00:00:00Z"
    digests = {i["role"]: i["sha256"] for i in provenance["inputs"]}
    assert digests == {
        "model": hashlib.sha256(ESIGN.read_bytes()).hexdigest(),
        "baseline": hashlib.sha256(AS_IS.read_bytes()).hexdigest(),
        "catalogue": hashlib.sha256((LIBRARY / "resources.yaml").read_bytes()).hexdigest()}


def test_csv_zip_has_one_table_per_file_with_bom_and_the_figures(library):
    archive = zipfile.ZipFile(io.BytesIO(report_csv_zip(inputs_for(library))))
    assert archive.namelist() == ["summary.csv", "activities.csv", "resources.csv",
                                  "by_value.csv", "flows.csv", "comparison.csv",
                                  "resource_changes.csv", "value_changes.csv",
                                  "change_log.csv", "provenance.csv", "columns.csv", "report.json"]
    data = archive.read("activities.csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    result = load_model(ESIGN)
    from abc_costing.engine import cost_model

    costing = cost_model(result)
    assert [r["id"] for r in rows] == [*(a.id for a in costing.activities), "(total)"]
    for row, activity in zip(rows, costing.activities, strict=False):
        assert float(row["cost_per_instance"]) == activity.cost_per_instance  # unrounded
        assert float(row["cost_per_instance_rounded"]) == round(activity.cost_per_instance, 2)
    assert "Подготовка" in data.decode("utf-8-sig")
    model = load_model(ESIGN)
    draft = next(r for r in rows if r["id"] == "draft")
    assert draft["labor"] == "; ".join(f"{r}: {duration_text(d)}"
                                       for r, d in model.activities["draft"].labor.items())
    assert draft["wait"] == duration_text(model.activities["draft"].wait)


def test_each_csv_table_is_its_view_and_its_totals_are_the_engines(library):
    """Header = the view's keys (+ rounded money, row_kind); every row of the view, in order."""
    inputs = inputs_for(library)
    archive = zipfile.ZipFile(io.BytesIO(report_csv_zip(inputs)))
    for view in report_views(inputs):
        header, *body = csv.reader(io.StringIO(
            archive.read(f"{view.name}.csv").decode("utf-8-sig")))
        assert header[:len(view.keys)] == list(view.keys)
        assert header[len(view.keys):] == [
            *(f"{c.key}_rounded" for c in view.columns if c.unit == "money"), "row_kind"]
        assert [r[-1] for r in body] == [row.kind for row in view.rows]
    result, comparison = inputs.result, inputs.comparison

    def table(name: str) -> dict[str, dict[str, str]]:
        text = archive.read(name).decode("utf-8-sig")
        return {r[next(iter(r))]: r for r in csv.DictReader(io.StringIO(text))}

    # By resource: the resources, the other costs and the total, which is the engine's.
    resources = table("resources.csv")
    assert float(resources["(total)"]["cost_per_instance"]) == result.cost_per_instance
    assert sum(float(r["cost_per_instance"]) for r in resources.values()
               if r["row_kind"] != "total") == pytest.approx(result.cost_per_instance)
    assert float(resources["(other costs)"]["cost_per_instance"]) == (
        result.other_cost_per_instance)
    assert float(table("by_value.csv")["(total)"]["cost_per_instance"]) == (
        result.cost_per_instance)
    # The total change is minus the saving.
    assert float(table("comparison.csv")["(total)"]["delta"]) == pytest.approx(
        -comparison.saving_per_instance)
    assert float(table("resource_changes.csv")["(total)"]["delta"]) == pytest.approx(
        -comparison.saving_per_instance)


def test_same_inputs_give_identical_bytes_apart_from_the_time(library):
    first = inputs_for(library, now=NEW_YEAR)
    again = inputs_for(library, now=NEW_YEAR)
    later = inputs_for(library, now=datetime(2026, 6, 1, tzinfo=UTC))
    assert report_json(first) == report_json(again)
    assert report_csv_zip(first) == report_csv_zip(again)
    one, two = json.loads(report_json(first)), json.loads(report_json(later))
    assert one["provenance"].pop("generated_at") != two["provenance"].pop("generated_at")
    assert one == two


def test_provenance_names_the_latest_change_log_hash(library, tmp_path):
    log = ChangeLog(tmp_path / "log.sqlite")
    log.append([ChangeEntry("ana@example.com", "contract_approval/template_esign.yaml",
                            "draft", "labor.manager", "30", "35")])
    [recorded] = log.entries()
    inputs = inputs_for(library, log=log)
    heads = {i.role: i.change_log_head for i in inputs.provenance.inputs}
    assert heads == {"model": recorded.hash, "baseline": None, "catalogue": None}
    assert [c.seq for c in inputs.changes] == [1]


def test_verify_says_when_a_model_changed_after_the_report(library, tmp_path):
    report = write_report(inputs_for(library), "json", tmp_path / "report.json")
    check = verify_report(report, library_dir=library)
    assert check.ok and check.findings[-1].endswith("all equal the report")
    model = library / "contract_approval" / "template_esign.yaml"
    model.write_text(model.read_text("utf-8").replace("[15, 25, 60]", "[15, 30, 60]"), "utf-8")
    check = verify_report(report, library_dir=library)
    assert not check.ok and "CHANGED since the report" in check.findings[0]


def test_verify_says_when_the_catalogue_changed_after_the_report(library, tmp_path):
    # A rate lives in the catalogue: changing it changes the report's figures, so the
    # report records the catalogue's digest and verify finds the change.
    report = write_report(inputs_for(library), "json", tmp_path / "report.json")
    catalogue = library / "resources.yaml"
    catalogue.write_text(catalogue.read_text("utf-8").replace("rate_per_hour: 1200",
                                                              "rate_per_hour: 1300"), "utf-8")
    check = verify_report(report, library_dir=library)
    assert not check.ok
    assert any(f.startswith("catalogue resources.yaml: changed since the report")
               for f in check.findings), check.findings


def test_a_report_names_its_inputs_relative_to_the_library_never_by_server_path(library):
    inputs = inputs_for(library).provenance.inputs
    assert [(i.role, i.path, i.change_log_file) for i in inputs] == [
        ("model", "contract_approval/template_esign.yaml", "contract_approval/template_esign.yaml"),
        ("baseline", "contract_approval/as_is.yaml", "contract_approval/as_is.yaml"),
        ("catalogue", "resources.yaml", None)]
    assert str(library.parent) not in report_json(inputs_for(library)).decode("utf-8")


@pytest.mark.parametrize("layout", ["another library folder", "flat beside the report"])
def test_an_auditor_verifies_with_identical_files_in_another_folder(library, tmp_path, layout):
    (tmp_path / "made").mkdir()
    report = write_report(inputs_for(library), "json", tmp_path / "made" / "report.json")
    audit = tmp_path / "auditor"
    if layout == "another library folder":
        shutil.copytree(library, audit / "models")
    else:  # the two model files dropped beside the report, under other names
        audit.mkdir()
        shutil.copy(library / "contract_approval" / "template_esign.yaml", audit / "a.yaml")
        shutil.copy(library / "resources.yaml", audit)
        shutil.copy(library / "contract_approval" / "as_is.yaml", audit / "b.yaml")
    copied = shutil.copy(report, audit / "report.json")
    shutil.rmtree(library)  # the server's files are gone: only the auditor's copies count
    check = verify_report(copied, library_dir=audit / "models")
    assert check.ok, check.findings
    activities = len(load_model(ESIGN).activities)
    # cost per instance, cost per year, each activity, the saving
    assert check.findings[-1] == (f"{2 + activities + 1} figures recomputed: "
                                  "all equal the report")
    if layout == "flat beside the report":
        assert check.findings[0].endswith("(found by its content: same SHA-256)")


def test_verify_catches_a_doctored_figure(library, tmp_path):
    report = write_report(inputs_for(library), "json", tmp_path / "report.json")
    document = json.loads(report.read_text("utf-8"))
    document["costing"]["cost_per_instance"] -= 1000
    report.write_text(json.dumps(document), "utf-8")
    check = verify_report(report, library_dir=library)
    assert not check.ok
    assert any(f.startswith("cost per instance: the report says") for f in check.findings)


def test_bad_paths_and_inputs_are_clear_errors(library, tmp_path):
    inputs = inputs_for(library)
    with pytest.raises(ReportError, match="does not exist"):
        write_report(inputs, "json", tmp_path / "missing" / "r.json")
    with pytest.raises(ReportError, match="is a folder"):
        write_report(inputs, "json", tmp_path)
    with pytest.raises(ReportError, match="unknown report format"):
        write_report(inputs, "docx", tmp_path / "r.docx")
    with pytest.raises(ReportError, match="not an abc-costing report"):
        (tmp_path / "junk.json").write_text("{}", "utf-8")
        verify_report(tmp_path / "junk.json")
    assert list(tmp_path.glob("*.tmp")) == [] and not (tmp_path / "r.docx").exists()


def test_report_refuses_a_baseline_of_another_process(tmp_path):
    with pytest.raises(CompareError, match="different processes"):
        build_report_inputs(AS_IS, baseline_path=LIBRARY / "zhkh_leads" / "as_is.yaml",
                            user="u", change_log=None)


def test_cli_report_and_verify(library, tmp_path, capsys):
    model = library / "contract_approval" / "template_esign.yaml"
    baseline = library / "contract_approval" / "as_is.yaml"
    out = tmp_path / "r.json"
    assert main(["report", str(model), "--baseline", str(baseline), "--format", "json",
                 "-o", str(out), "--user", "auditor", "--library", str(library)]) == 0
    assert json.loads(out.read_text("utf-8"))["provenance"]["user"] == "auditor"
    assert "inputs: contract_approval/template_esign.yaml sha256" in capsys.readouterr().out
    assert main(["report", "--verify", str(out), "--library", str(library)]) == 0
    assert "matches its model files" in capsys.readouterr().out
    assert main(["report", str(model), "--baseline", str(tmp_path / "нет.yaml"),
                 "--format", "csv", "-o", str(tmp_path / "r.zip")]) == 1
    assert "нет.yaml: file not found" in capsys.readouterr().err
    assert not (tmp_path / "r.zip").exists()
    assert main(["report", str(model), "--format", "json",
                 "-o", str(tmp_path / "no" / "r.json")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["report", str(model)]) == 2
    assert "report needs -o PATH" in capsys.readouterr().err


def test_cli_report_format_follows_the_file_name_and_a_contradiction_is_refused(
        library, tmp_path, capsys):
    model = str(library / "contract_approval" / "template_esign.yaml")
    assert main(["report", model, "-o", str(tmp_path / "r.pdf"), "--library", str(library)]) == 0
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert main(["report", model, "--format", "xlsx", "-o", str(tmp_path / "x.pdf")]) == 2
    assert ("--format xlsx writes an Excel workbook, but 'x.pdf' is named .pdf: name it .xlsx "
            "or leave --format out") in capsys.readouterr().err
    assert not (tmp_path / "x.pdf").exists()
    assert main(["report", model, "-o", str(tmp_path / "r.docx")]) == 2
    assert "cannot tell the report format from 'r.docx'" in capsys.readouterr().err


def test_cli_report_never_writes_through_a_link_or_onto_a_device(library, tmp_path, capsys):
    import os

    target = tmp_path / "precious.txt"
    target.write_text("keep me", "utf-8")
    link = tmp_path / "r.json"
    link.symlink_to(target)
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    model = str(library / "contract_approval" / "template_esign.yaml")
    for output, kind in ((link, "a symbolic link"), (fifo, "a named pipe")):
        assert main(["report", model, "-o", str(output), "--library", str(library)]) == 1
        assert f"is {kind}; files are written only as regular files" in (
            capsys.readouterr().err)
    assert link.is_symlink() and target.read_text("utf-8") == "keep me"
    assert fifo.is_fifo()


@pytest.mark.slow
def test_verify_an_excel_report_and_one_whose_rate_was_changed(library, tmp_path):
    import openpyxl

    from tests.libreoffice import recalculate, soffice

    if soffice() is None:
        pytest.skip("LibreOffice (libreoffice-calc-nogui) is not installed; make test installs it")
    report = write_report(inputs_for(library), "xlsx", tmp_path / "report.xlsx")
    assert verify_report(report, library_dir=library).ok
    book = openpyxl.load_workbook(report)
    sheet = book["Resources"]
    rate = next(row for row in sheet.iter_rows() if row[0].value == "manager")[3]
    rate.value = rate.value * 2  # an auditor tries a different rate in the workbook
    edited = tmp_path / "edited" / "report.xlsx"
    edited.parent.mkdir()
    book.save(edited)
    [recalculated] = recalculate([edited], tmp_path / "recalculated")
    check = verify_report(recalculated, library_dir=library)
    assert not check.ok
    assert any(f.startswith("cost per instance: the report says") for f in check.findings)


def test_verify_a_pdf_report(library, tmp_path):
    from abc_costing.reports.pdf_report import pdf_bytes

    report = tmp_path / "report.pdf"
    report.write_bytes(pdf_bytes(inputs_for(library), charts=False))
    check = verify_report(report, library_dir=library)
    assert check.ok and "3 figures recomputed" in check.findings[-1]
    baseline = library / "contract_approval" / "as_is.yaml"
    baseline.write_text(baseline.read_text("utf-8") + "\n# пересмотрено\n", "utf-8")
    check = verify_report(report, library_dir=library)
    assert not check.ok and check.findings[1].startswith("baseline")
    assert "CHANGED since the report" in check.findings[1]


HOSTILE = """\
format: abc-costing/1
process: hostile
variant: as_is
title: "+SUM(1)"
currency: RUB
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {name: '=HYPERLINK("http://evil.example","click")', labor: {clerk: 30}}
  b: {name: "=1+2", labor: {clerk: 6}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, b], [b, e]]
"""


@pytest.mark.slow
def test_csv_text_stays_text_when_libreoffice_opens_it(tmp_path):
    import subprocess

    import openpyxl

    from tests.libreoffice import soffice

    if soffice() is None:
        pytest.skip("LibreOffice (libreoffice-calc-nogui) is not installed; make test installs it")
    model = tmp_path / "hostile" / "as_is.yaml"
    model.parent.mkdir()
    model.write_text(HOSTILE, encoding="utf-8")
    inputs = build_report_inputs(model, baseline_path=None, user="u", change_log=None, now=NEW_YEAR)
    archive = zipfile.ZipFile(io.BytesIO(report_csv_zip(inputs)))
    csv_path = tmp_path / "activities.csv"
    csv_path.write_bytes(archive.read("activities.csv"))
    profile = tmp_path / "lo-profile"
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless",
                    "--infilter=CSV:44,34,76,1", "--convert-to", "xlsx", "--outdir",
                    str(tmp_path / "out"), str(csv_path)], check=True, timeout=120,
                   capture_output=True)
    sheet = openpyxl.load_workbook(tmp_path / "out" / "activities.xlsx").active
    names = {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}
    for activity, text in (("a", '\'=HYPERLINK("http://evil.example","click")'),
                           ("b", "'=1+2")):
        assert names[activity].data_type == "s" and names[activity].value == text
    cost = [c.value for c in sheet[1]].index("cost_per_instance")
    costs = {row[0].value: row[cost].value for row in sheet.iter_rows(min_row=2)}
    assert costs["a"] == 300 and costs["b"] == 60  # numbers stay numbers: 30 and 6 min × 10 ₽


def test_unwritable_output_and_currency_mismatch(library, tmp_path):
    with pytest.raises(ReportError, match="cannot write"):
        write_report(inputs_for(library), "json", "/proc/abc-costing-report.json")
    euro = tmp_path / "contract_approval" / "euro.yaml"
    euro.parent.mkdir()
    (tmp_path / "resources.yaml").write_text((LIBRARY / "resources.yaml").read_text(
        "utf-8").replace("currency: RUB", "currency: EUR"), "utf-8")
    euro.write_text((LIBRARY / "contract_approval" / "as_is.yaml").read_text("utf-8").replace(
        "currency: RUB", "currency: EUR").replace("variant: as_is", "variant: euro"), "utf-8")
    with pytest.raises(CompareError, match="different currencies"):
        build_report_inputs(euro, baseline_path=AS_IS, user="u", change_log=None)


@pytest.mark.parametrize("file_format", ["xlsx", "pdf"])
def test_a_russian_report_verifies_like_an_english_one(library, tmp_path, file_format):
    """The Russian workbook's provenance sheet is «Происхождение данных»: verify finds it
    (the old reader looked only for "Provenance" and refused the report)."""
    report = write_report(inputs_for(library), file_format, tmp_path / f"report.{file_format}",
                          language="ru")
    check = verify_report(report, library_dir=library)
    assert check.ok and check.findings[-1].endswith("all equal the report")
