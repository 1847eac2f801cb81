"""The application layer: each user action once, with the faults users found fixed as kinds."""

from __future__ import annotations

import shutil

import pytest

from abc_costing import workflows as wf
from abc_costing.engine import cost_model
from abc_costing.formats import load_model
from abc_costing.formats.bpmn import model_to_bpmn
from abc_costing.store.change_log import ChangeLog, default_change_log_path
from tests.conftest import LIBRARY, ROOT

LOGS = ROOT / "tests" / "data" / "logs"
ANALYST = wf.user_from_identity("ana@example.com", role_table={"analyst": ["*"]})
EXECUTIVE = wf.user_from_identity("boss@example.com", role_table={"executive": ["*"]})


@pytest.fixture
def library(tmp_path, monkeypatch):
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    copy = tmp_path / "process_models"
    shutil.copytree(LIBRARY / "contract_approval", copy / "contract_approval")
    shutil.copy(LIBRARY / "resources.yaml", copy)
    return wf.open_library(copy)


# --- fault 4: imports that create duplicates or keep placeholders ---------------------------


def test_a_model_this_tool_exported_imports_back_as_the_same_process(library):
    exported = model_to_bpmn(library.model("contract_approval", "as_is"))
    imported = wf.import_bpmn(exported, source_name="согласование (копия).bpmn",
                              library=library)
    # not a new process named after the upload, so capacity cannot count the lawyers twice
    assert imported.target == "contract_approval/as_is.yaml"
    errors = [p for p in imported.problems if p.severity == "error"]
    assert [p.message.split(";")[0] for p in errors] == [
        "contract_approval/as_is is already in the library (contract_approval/as_is.yaml)"]
    assert imported.model is None  # nothing to save while it clashes
    saved = wf.save_imported_model(imported.text, source_name="x.bpmn", user=ANALYST,
                                   library=library)
    assert saved.saved is None and "already in the library" in saved.problems[0].message


def test_the_same_model_under_another_variant_name_is_flagged_as_a_duplicate(library):
    exported = model_to_bpmn(library.model("contract_approval", "as_is"))
    imported = wf.import_bpmn(exported, source_name="copy.bpmn", variant="copy",
                              library=library)
    warnings = [p.message for p in imported.problems if p.severity == "warning"]
    assert any(m.startswith("the same process as contract_approval/as_is.yaml") and
               "capacity would count its work twice" in m for m in warnings)


def test_an_import_saved_into_a_library_takes_its_pools_from_the_catalogue(library):
    # The exported model carries every pool it uses; saved into the library, the pools the
    # catalogue defines are taken from it (none differ here), so the file defines none twice
    # and costs what the original costs.
    as_is = library.model("contract_approval", "as_is")
    exported = model_to_bpmn(as_is)
    imported = wf.import_bpmn(exported, source_name="copy.bpmn", variant="copy",
                              library=library)
    saved = wf.save_imported_model(imported.text, source_name="copy.bpmn", user=ANALYST,
                                   library=library)
    assert saved.saved is not None, saved.problems
    path = library.directory / "contract_approval" / "copy.yaml"
    text = path.read_text("utf-8")
    assert "\nresources:" not in text and "overrides:" not in text
    copy = wf.open_library(library.directory).model("contract_approval", "copy")
    assert copy.catalogue is not None and set(copy.catalogue.pools) == set(as_is.resources)
    assert cost_model(copy).cost_per_instance == pytest.approx(
        cost_model(as_is).cost_per_instance)


def test_prosimos_parameters_that_are_a_json_array_are_a_problem_not_a_crash():
    bpmn = (ROOT / "tests" / "data" / "bpmn" / "prosimos_loan.bpmn").read_bytes()
    imported = wf.import_bpmn(bpmn, source_name="loan.bpmn", params=b"[]",
                              params_name="loan.json")
    assert imported.text == "" and [str(p) for p in imported.problems] == [
        "loan.json: Prosimos parameters are a JSON object ({...}), not a list"]
    broken = wf.import_bpmn(bpmn, source_name="loan.bpmn", params=b"{\"a\": ",
                            params_name="loan.json")
    assert broken.problems[0].message.startswith("not a JSON file (line 1")


def test_a_log_with_russian_column_names_is_read_by_its_usual_names(tmp_path):
    log = ("Сделка;Этап;Дата начала;Дата окончания;Ответственный\n"
           "1;Звонок;2024-03-01 10:00;2024-03-01 10:20;Анна\n"
           "1;Договор;2024-03-01 11:00;2024-03-01 11:30;Борис\n").encode()
    preview = wf.preview_event_log(log, source_name="сделки.csv")
    assert preview.guessed == wf.LogColumns(case="Сделка", activity="Этап",
                                            start="Дата начала", end="Дата окончания",
                                            resource="Ответственный")
    imported = wf.import_event_log(log, source_name="сделки.csv", columns=preview.guessed)
    assert imported.case_count == 1 and imported.event_count == 2
    # 20 + 30 minutes of labour in the one variant
    assert imported.variants[0].mean_labor_minutes == pytest.approx(50)


def test_a_log_with_other_column_names_is_read_with_the_columns_named(tmp_path):
    log = "Номер;Что;Когда;Кто\n7;Звонок;2024-03-01 10:20;Анна\n".encode()
    unnamed = wf.import_event_log(log, source_name="log.csv")
    assert unnamed.text == "" and "missing column for case id" in unnamed.problems[0].message
    assert "--case" not in unnamed.problems[0].message  # the dashboard has no flags
    named = wf.import_event_log(log, source_name="log.csv", columns=wf.LogColumns(
        case="Номер", activity="Что", end="Когда", resource="Кто"))
    assert named.problems and named.case_count == 1


def test_rates_given_with_the_log_leave_no_placeholder():
    log = (LOGS / "contracts.csv").read_bytes()
    bare = wf.import_event_log(log, source_name="contracts.csv")
    assert '"?"' in bare.text and bare.model is None
    rates, problems = wf.read_rates((LOGS / "rates.csv").read_bytes(), source_name="rates.csv")
    priced = wf.import_event_log(log, source_name="contracts.csv", rates=rates)
    assert problems == () and '"?"' not in priced.text and priced.model is not None
    # the mining test's hand figure: 3 850 per case (to the 4-decimal probabilities)
    assert priced.result.cost_per_instance == pytest.approx(3850, abs=1)


# --- fault 7: a client's file name is never a path -------------------------------------------


@pytest.mark.parametrize("name", ["../../../tmp/evil.csv", "/etc/cron.d/evil.csv",
                                  "..\\..\\evil.csv"])
def test_an_uploaded_file_name_is_only_shown_never_used_as_a_path(tmp_path, name,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    imported = wf.import_event_log((LOGS / "contracts.csv").read_bytes(), source_name=name)
    assert imported.case_count == 5
    assert set(tmp_path.rglob("*")) == before
    assert not (tmp_path.parent / "evil.csv").exists()


# --- fault 3: a model saved but not logged -----------------------------------------------------


def test_an_import_whose_log_cannot_be_written_leaves_nothing_in_the_library(library,
                                                                            monkeypatch,
                                                                            tmp_path):
    blocker = tmp_path / "log-is-a-folder"
    blocker.mkdir()
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(blocker))
    exported = model_to_bpmn(library.model("contract_approval", "as_is"))
    imported = wf.import_bpmn(exported, source_name="x.bpmn", variant="imported",
                              library=library)
    outcome = wf.save_imported_model(imported.text, source_name="x.bpmn", user=ANALYST,
                                     library=library)
    assert outcome.saved is None
    assert "is a folder, not a change log database" in str(outcome.problems[0])
    assert not (library.directory / "contract_approval" / "imported.yaml").exists()


def test_an_import_is_saved_and_logged_together(library):
    exported = model_to_bpmn(library.model("contract_approval", "as_is"))
    imported = wf.import_bpmn(exported, source_name="экспорт.bpmn", variant="imported",
                              library=library)
    outcome = wf.save_imported_model(imported.text, source_name="экспорт.bpmn", user=ANALYST,
                                     library=library)
    assert outcome.label == "contract_approval/imported.yaml" and outcome.problems == ()
    [entry] = ChangeLog(default_change_log_path(library.directory)).entries()
    assert (entry.user, entry.file, entry.new_value, entry.file_sha256_after) == (
        "ana@example.com", "contract_approval/imported.yaml", "imported from экспорт.bpmn",
        outcome.saved.sha256)


def test_an_executive_cannot_save_an_import(library):
    exported = model_to_bpmn(library.model("contract_approval", "as_is"))
    imported = wf.import_bpmn(exported, source_name="x.bpmn", variant="imported",
                              library=library)
    outcome = wf.save_imported_model(imported.text, source_name="x.bpmn", user=EXECUTIVE,
                                     library=library)
    assert outcome.saved is None and "may not edit" in outcome.problems[0].message


# --- fault 1: a save as a new variant needs its own title ------------------------------------


def test_save_as_a_new_variant_needs_its_own_title(library):
    loaded = wf.load_for_editing(library, "contract_approval", "as_is")
    activities = loaded.tables.activities.copy()
    activities.loc["send_originals", "other_cost"] = "100"
    preview = wf.preview_edits(loaded, activities=activities)
    same = wf.save_as_variant(loaded, preview, variant="no_courier", title=loaded.model.title,
                              user=ANALYST, library=library)
    assert same.saved is None and "needs its own title" in same.problems[0].message
    blank = wf.save_as_variant(loaded, preview, variant="no_courier", title="  ",
                               user=ANALYST, library=library)
    assert blank.saved is None and blank.problems[0].element == "title"
    saved = wf.save_as_variant(loaded, preview, variant="no_courier",
                               title="Согласование  без курьера", user=ANALYST,
                               library=library)
    assert saved.label == "contract_approval/no_courier.yaml"
    model = load_model(library.directory / "contract_approval" / "no_courier.yaml")
    assert model.title == "Согласование без курьера"  # spaces tidied, not kept double
    assert model.activities["send_originals"].other_cost == 100


# --- the library never falls over one bad file -------------------------------------------


def test_problems_of_the_library_name_files_relative_to_it(library):
    broken = library.directory / "contract_approval" / "broken.yaml"
    broken.write_text("format: abc-costing/1\nprocess: [\n", encoding="utf-8")
    reopened = wf.open_library(library.directory)
    assert [p.file for p in reopened.problems] == ["contract_approval/broken.yaml"]
    assert len(reopened.models) == len(library.models)


# --- fault 8: reports carry the change log's head, checked on verification ------------------


def test_a_report_carries_the_log_head_and_verification_notices_a_lost_log(library, tmp_path):
    loaded = wf.load_for_editing(library, "contract_approval", "as_is")
    activities = loaded.tables.activities.copy()
    activities.loc["send_originals", "other_cost"] = "100"
    saved = wf.save_edits(loaded, wf.preview_edits(loaded, activities=activities), user=ANALYST,
                          library=library)
    assert saved.saved is not None
    auditor = wf.user_from_identity("audit@example.com", role_table={"auditor": ["*"]})
    built = wf.build_report(library.directory / "contract_approval" / "as_is.yaml",
                            baseline_path=None, file_format="json", user=auditor,
                            library_dir=library.directory)
    head = built.inputs.provenance.change_log_head
    log_path = default_change_log_path(library.directory)
    entries = ChangeLog(log_path, create=False).entries()
    assert (head.entries, head.head_hash) == (len(entries), entries[-1].hash)
    report = tmp_path / "report.json"
    assert wf.write_output(report, built.data) == ()

    # a later save leaves the recorded head in the log: still verified
    again = wf.load_for_editing(wf.open_library(library.directory), "contract_approval",
                                "value_tiers")
    activities = again.tables.activities.copy()
    activities.loc["send_originals", "other_cost"] = "50"
    assert wf.save_edits(again, wf.preview_edits(again, activities=activities), user=ANALYST,
                         library=library).saved is not None
    check = wf.verify_report_file(report, library_dir=library.directory).check
    assert check.ok and check.findings[-1].startswith("change log: the recorded entry")

    log_path.unlink()  # the log is deleted after the report: named, not verified
    check = wf.verify_report_file(report, library_dir=library.directory).check
    assert not check.ok and check.findings[-1].startswith("change log: the change log is missing")


def test_an_auditor_cannot_be_given_a_report_by_an_executive(library):
    built = wf.build_report(library.directory / "contract_approval" / "as_is.yaml",
                            baseline_path=None, file_format="json", user=EXECUTIVE,
                            library_dir=library.directory)
    assert built.data is None and "may not audit" in built.problems[0].message
