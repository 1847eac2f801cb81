"""The `abc-costing` command: exit codes, human tables, JSON documents, no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from abc_costing.cli import main
from tests.conftest import ROOT

MODEL = """\
volume_per_year: 100
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {name: "Проверка счёта", labor: {clerk: 30}, value: business}
  b: {name: "Доработка", labor: {clerk: 12}, value: waste}
gateways: {x: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, x], [x, e, 0.75], [x, b, 0.25], [b, e]]
"""
# a: 30 min × 10 ₽ = 300 ₽ once; b: 12 × 10 = 120 ₽ a quarter of the time -> 30 ₽
COST_PER_INSTANCE = 300 + 0.25 * 120
NBSP = "\u00a0"  # between the currency's code and its amount (RUB 330.00)


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_ok_and_broken(capsys, write_model):
    good = write_model(MODEL, "good.yaml")
    bad = write_model(MODEL.replace("rate_per_hour: 600", "rate_per_hour: -600")
                      .replace("0.25]", "0.2]"), "bad.yaml")
    code, out, err = run(capsys, "validate", good)
    assert code == 0 and "good.yaml: valid" in out and err == ""
    code, out, err = run(capsys, "validate", good, bad)
    assert code == 1
    assert f"{bad}:7: clerk: rate_per_hour: must not be negative (got -600)" in err
    assert "x: probabilities of the flows leaving exclusive split 'x' sum to 0.95, not 1" in err
    code, out, _ = run(capsys, "validate", "--json", bad)
    problems = json.loads(out)
    assert code == 1 and {p["element"] for p in problems} == {"clerk", "x"}
    assert all(p["file"] == str(bad) and p["line"] for p in problems)


def test_cost_json_has_the_documented_keys_and_figures(capsys, write_model):
    code, out, _ = run(capsys, "cost", write_model(MODEL), "--json")
    assert code == 0
    doc = json.loads(out)
    for key in ("process", "variant", "currency", "cost_per_instance", "volume_per_year",
                "cost_per_year", "activities", "resources", "by_value", "end_probabilities"):
        assert key in doc
    assert doc["cost_per_instance"] == pytest.approx(COST_PER_INSTANCE)  # 330
    assert doc["cost_per_year"] == pytest.approx(COST_PER_INSTANCE * 100)
    assert {k: doc["activities"][0][k] for k in ("id", "name")} == {"id": "a",
                                                                    "name": "Проверка счёта"}
    for key in ("expected_executions", "cost_per_execution", "cost_per_instance"):
        assert key in doc["activities"][0]
    assert doc["activities"][1]["expected_executions"] == pytest.approx(0.25)
    assert doc["resources"][0]["minutes_per_instance"] == pytest.approx(30 + 0.25 * 12)
    assert doc["by_value"] == {"value_adding": 0, "business": pytest.approx(300),
                               "waste": pytest.approx(30)}
    assert doc["end_probabilities"] == {"e": pytest.approx(1)}


def test_cost_human_table_shows_cyrillic_names_and_money(capsys, write_model):
    code, out, _ = run(capsys, "cost", write_model(MODEL))
    assert code == 0
    assert "Проверка счёта" in out and f"Cost per instance: RUB{NBSP}330.00" in out
    assert f"Cost per year:     RUB{NBSP}33,000.00" in out  # 330 × 100 a year


def test_compare_json_and_savings(capsys, write_model):
    baseline = write_model(MODEL, "as_is.yaml", variant="as_is")
    # the candidate halves a's minutes and drops the rework
    candidate = write_model(MODEL.replace("clerk: 30", "clerk: 15").replace(
        "  b: {name: \"Доработка\", labor: {clerk: 12}, value: waste}\n", "").replace(
        "gateways: {x: {kind: exclusive}}\n", "").replace(
        "[[s, a], [a, x], [x, e, 0.75], [x, b, 0.25], [b, e]]", "[[s, a], [a, e]]"),
        "fast.yaml", variant="fast")
    code, out, _ = run(capsys, "compare", baseline, candidate, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["baseline"]["cost_per_instance"] == pytest.approx(330)
    assert doc["candidate"]["cost_per_instance"] == pytest.approx(150)  # 15 × 10
    assert doc["saving_per_instance"] == pytest.approx(180)
    assert doc["saving_per_year"] == pytest.approx(180 * 100)
    statuses = {a["id"]: a["status"] for a in doc["activities"]}
    assert statuses == {"a": "changed", "b": "removed"}
    a = doc["activities"][0]
    assert (a["baseline_cost_per_instance"], a["candidate_cost_per_instance"], a["delta"]) == (
        pytest.approx(300), pytest.approx(150), pytest.approx(-150))
    # the bridge: a's 15 minutes fewer are unit time (−15 × 10 = −150 ₽), b's
    # 0.25 executions gone are routing (−0.25 × 120 = −30 ₽)
    bridge = {e["effect"]: e["change_per_instance"] for e in doc["bridge"]}
    assert bridge == {"rate": 0.0, "capacity": 0.0, "unit_time": pytest.approx(-150),
                      "routing": pytest.approx(-30), "fees": 0.0, "volume": 0.0}
    code, out, _ = run(capsys, "compare", baseline, candidate)
    assert code == 0 and f"Saving per year:     RUB{NBSP}18,000.00" in out
    # the bridge table comes after the saving lines, before the activities
    assert out.index("Saving per year") < out.index("Cost bridge") < out.index(
        "Changes by activity")
    assert "-15,000.00" in out and "-3,000.00" in out  # −150 and −30 ₽ × 100 a year


def test_compare_a_volume_change_is_no_saving_and_shows_in_the_bridge(capsys, write_model):
    # same process, 100 → 60 instances a year: the old "saving per year" was
    # 330 × (100 − 60) = 13 200 ₽; now 0, and −13 200 ₽ a year is the volume effect
    baseline = write_model(MODEL, "as_is.yaml", variant="as_is")
    fewer = write_model(MODEL.replace("volume_per_year: 100", "volume_per_year: 60"),
                        "fewer.yaml", variant="fewer")
    code, out, err = run(capsys, "compare", baseline, fewer, "--json")
    assert code == 0 and "different volumes" in err and "not as a saving" in err
    doc = json.loads(out)
    assert (doc["saving_per_instance"], doc["saving_per_year"]) == (0.0, 0.0)
    bridge = {e["effect"]: (e["change_per_instance"], e["change_per_year"])
              for e in doc["bridge"]}
    assert bridge == {"rate": (0.0, 0.0), "capacity": (0.0, 0.0), "unit_time": (0.0, 0.0),
                      "routing": (0.0, 0.0),
                      "fees": (0.0, 0.0), "volume": (0.0, pytest.approx(-330 * 40))}
    code, out, _ = run(capsys, "compare", baseline, fewer)
    assert code == 0 and f"Saving per year:     RUB{NBSP}0.00" in out
    assert "Cost bridge: as_is → fewer" in out and "-13,200.00" in out


def test_compare_refuses_different_processes_and_currencies(capsys, write_model):
    baseline = write_model(MODEL, "a.yaml")
    other = write_model(MODEL.replace("volume_per_year", "title: x\nvolume_per_year"), "b.yaml")
    other.write_text(other.read_text("utf-8").replace("process: test", "process: other"), "utf-8")
    code, _, err = run(capsys, "compare", baseline, other)
    assert code == 1 and "different processes" in err and "'test'" in err and "'other'" in err
    euro = write_model(MODEL, "c.yaml")
    euro.write_text(euro.read_text("utf-8").replace("currency: RUB", "currency: EUR"), "utf-8")
    code, _, err = run(capsys, "compare", baseline, euro)
    assert code == 1 and "different currencies" in err


def test_portfolio_of_a_folder_with_a_broken_file(capsys, tmp_path, write_model):
    write_model(MODEL, "as_is.yaml", variant="as_is")
    write_model(MODEL.replace("clerk: 30", "clerk: 20"), "lean.yaml", variant="lean")
    (tmp_path / "broken.yaml").write_text("format: abc-costing/1\nprocess: [\n", "utf-8")
    code, out, err = run(capsys, "portfolio", tmp_path, "--json")
    assert code == 1 and "broken.yaml" in err  # the broken file is reported ...
    document = json.loads(out)
    # ... in the JSON document too (it listed only the costing's own problems: none) ...
    assert [(p["file"], p["severity"]) for p in document["problems"]] == [("broken.yaml",
                                                                          "error")]
    rows = document["rows"]  # ... and the others still costed
    assert [(r["variant"], r["is_best"]) for r in rows] == [("as_is", False), ("lean", True)]
    assert rows[1]["saving_per_instance_vs_as_is"] == pytest.approx(100)  # 10 min × 10 ₽
    assert rows[1]["saving_per_year_vs_as_is"] == pytest.approx(100 * 100)


def test_missing_file_and_usage_mistakes(capsys, tmp_path):
    code, _, err = run(capsys, "cost", tmp_path / "нет.yaml")
    assert code == 1 and "нет.yaml: file not found" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["cost"])
    assert exit_info.value.code == 2
    code, _, err = run(capsys, "portfolio", tmp_path / "nowhere")
    assert code == 1 and "folder not found" in err


@pytest.mark.slow
def test_python_dash_m_reports_a_user_mistake_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("format: abc-costing/1\nprocess: p\nvariant: v\nflows: [[a, b, 2]]\n", "utf-8")
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "abc_costing", "cost", str(bad)], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert f"{bad}:4: flows[0]: probability: must be at most 1 (got 2)" in proc.stderr


@pytest.mark.slow
def test_an_odd_terminal_costs_legibility_not_a_traceback():
    # rich raised UnicodeEncodeError on the first Cyrillic letter for an ASCII output, and
    # ValueError for COLUMNS=² (a digit to isdigit, not to int).
    procurement = str(ROOT / "process_models" / "procurement" / "as_is.yaml")
    plain = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}

    def cost(**env: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([sys.executable, "-m", "abc_costing", "--lang", "ru", "cost",
                               procurement], cwd=ROOT, capture_output=True,
                              env={**plain, **env}, timeout=60)

    utf8 = cost(PYTHONIOENCODING="utf-8")
    assert utf8.returncode == 0 and "Стоимость экземпляра: 15\u202f364,05\u00a0₽" in utf8.stdout.decode()
    ascii_only = cost(PYTHONIOENCODING="ascii")
    assert (ascii_only.returncode, ascii_only.stderr) == (0, b"")
    # every letter the output cannot write is a "?": 10 Cyrillic letters, a narrow no-break
    # space between thousands, a no-break space and the rouble sign
    assert "????????? ??????????: 15?364,05??" in ascii_only.stdout.decode("ascii")
    superscript = cost(PYTHONIOENCODING="utf-8", COLUMNS="²")
    assert (superscript.returncode, superscript.stdout) == (0, utf8.stdout)
    zero = cost(PYTHONIOENCODING="utf-8", COLUMNS="0")  # rich drew nothing at width 0
    assert (zero.returncode, zero.stdout) == (0, utf8.stdout)
    help_text = subprocess.run([sys.executable, "-m", "abc_costing", "--lang", "ru", "--help"],
                               cwd=ROOT, capture_output=True, timeout=60,
                               env={**plain, "PYTHONIOENCODING": "ascii"})
    # argparse wrote its help before the output was made tolerant: UnicodeEncodeError
    assert help_text.returncode == 0 and help_text.stdout.startswith(b"?????????????: abc-")


def test_portfolio_of_a_folder_named_through_dot_dot(capsys, tmp_path, write_model):
    write_model(MODEL, "as_is.yaml", variant="as_is")
    (tmp_path / ".backup.yaml").write_text("not: a model\n", "utf-8")  # hidden: skipped
    (tmp_path / "sub").mkdir()
    code, out, err = run(capsys, "portfolio", tmp_path / "sub" / ".." , "--json")
    assert code == 0 and err == ""
    assert [r["variant"] for r in json.loads(out)["rows"]] == ["as_is"]


def test_an_unsolvable_routing_is_reported_not_raised(capsys, write_model, monkeypatch):
    def unsolvable(model):
        from abc_costing.engine import RoutingError

        raise RoutingError("routing equations are singular")

    monkeypatch.setattr("abc_costing.workflows.costing.cost_model", unsolvable)
    path = write_model(MODEL)
    code, out, err = run(capsys, "cost", path)
    assert code == 1 and out == ""
    assert err.strip() == f"{path}: routing equations are singular"


def test_text_from_a_file_cannot_drive_the_terminal(capsys, write_model):
    hostile = MODEL.replace('"Проверка счёта"', '"\\e[2J\\e[31mПроверка\\a счёта\\u202e"')
    path = write_model(hostile)
    code, out, _ = run(capsys, "cost", path)
    assert code == 0
    assert "\x1b" not in out and "\a" not in out and "\u202e" not in out
    assert "\\x1b[2J\\x1b[31mПроверка\\x07" in out and "счёта\\u202e" in out


def test_every_command_has_a_description_and_models_are_called_model(capsys):
    from abc_costing.cli import _parser

    parser = _parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, command in commands.items():
        assert command.description, f"{name} has no description"
        positionals = [a.metavar for a in command._positionals._group_actions]
        assert set(positionals) <= {"MODEL", "BASELINE", "CANDIDATE", "LIBRARY", "LOG",
                                    "BPMN", "ACTION"}, (name, positionals)


def test_a_cost_per_year_beyond_28_digits_is_shown_not_a_traceback(capsys, write_model):
    # 10,000,000 min at 1e12 ₽/h: 1e7 × 1e12 / 60 = 1.6667e17 ₽ an instance; 1e12 instances
    # a year: 1.6667e29 ₽, more digits than the default decimal context rounds.
    huge = write_model(MODEL.replace("volume_per_year: 100", "volume_per_year: 1000000000000")
                       .replace("rate_per_hour: 600", "rate_per_hour: 1000000000000")
                       .replace("labor: {clerk: 30}", "labor: {clerk: 10000000}"))
    code, out, err = run(capsys, "validate", huge)
    assert code == 0, err
    code, out, err = run(capsys, "--lang", "ru", "cost", huge)
    assert code == 0 and "Traceback" not in err
    # a: 1e7 min once; b: 12 min a quarter of the time, 3 min: (1e7 + 3) × 1e12 / 60 a year
    # × 1e12 = 166,666,716,666,666,666,666,666,666,666.67 (shown to the kopeck, 15 digits
    # exact: 1.66666716666667e29)
    assert "166\u202f666\u202f716\u202f666\u202f667\u202f000" in out


def test_tables_fit_a_narrow_terminal(capsys, write_model, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = run(capsys, "cost", write_model(MODEL))
    assert code == 0 and max(len(line) for line in out.splitlines()) <= 80
    assert "Проверка" in out and "330.00" in out  # names wrap, figures stay whole


def test_mine_into_the_library_is_logged_and_never_replaces_a_variant(capsys, tmp_path,
                                                                    monkeypatch):
    from abc_costing.store.change_log import ChangeLog, default_change_log_path

    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    library = tmp_path / "models"
    library.mkdir()
    log, rates = ROOT / "tests/data/logs/contracts.csv", ROOT / "tests/data/logs/rates.csv"
    target = library / "contracts" / "as_is.yaml"
    code, out, err = run(capsys, "mine", log, "--rates", rates, "-o", target,
                         "--library", library)
    assert code == 0, err
    assert "into the library and logged it" in out
    [entry] = ChangeLog(default_change_log_path(library)).entries()
    assert (entry.file, entry.new_value) == ("contracts/as_is.yaml",
                                             f"imported from {log}")
    before = target.read_bytes()
    code, _, err = run(capsys, "mine", log, "--rates", rates, "-o", target,
                       "--library", library)
    assert code == 1 and "contracts/as_is is already in the library" in err
    assert target.read_bytes() == before
    assert len(ChangeLog(default_change_log_path(library)).entries()) == 1
    code, _, err = run(capsys, "mine", log, "-o", library / "flat.yaml", "--library", library)
    assert code == 2 and "inside the library a model is saved as <process>/<variant>.yaml" in err


@pytest.mark.parametrize("name", ["mined.xes", "mined.parquet", "mined.json", "mined",
                                  "mined.YAML"])  # the library lists .yaml/.yml models only
def test_mine_and_import_refuse_a_model_file_not_named_yaml(capsys, tmp_path, name):
    # A model written as YAML into mined.xes was neither the XES the name promised nor a
    # file the readers take as a model: refused before the log is read, nothing written.
    log, bpmn = ROOT / "tests/data/logs/contracts.csv", ROOT / "tests/data/bpmn/miwg/C.1.0.bpmn"
    target = tmp_path / name
    code, out, err = run(capsys, "mine", log, "-o", target)
    assert code == 2 and f"{target}: a model is written as YAML" in err
    hint = f"abc-costing variants {log} -o {target}"
    assert (hint in " ".join(err.split())) == name.endswith((".xes", ".parquet"))
    code, out, err = run(capsys, "import-bpmn", bpmn, "-o", target)
    assert code == 2 and f"{target}: a model is written as YAML" in err
    assert not target.exists() and out == ""


def test_mine_takes_a_yml_model_file(capsys, tmp_path):
    target = tmp_path / "mined.yml"
    code, _, err = run(capsys, "mine", ROOT / "tests/data/logs/contracts.csv", "--rates",
                       ROOT / "tests/data/logs/rates.csv", "-o", target)
    assert code == 0, err
    code, out, err = run(capsys, "validate", target)  # the readers take it as a model
    assert code == 0 and f"{target}: valid" in out, err


@pytest.mark.parametrize(("language", "title"), [
    ("en", "(cases: 1,000, variants: 2; costliest first)"),
    ("ru", "(случаев: 1\u202f000, вариантов: 2; сначала самые дорогие)")])
def test_the_variants_title_counts_in_the_readers_words(capsys, tmp_path, monkeypatch,
                                                      language, title):
    # 1,000 cases: the even ones do a then b, the odd ones a alone: two paths
    rows = ["case,activity,start,end"]
    for case in range(1000):
        rows.append(f"{case},a,2024-03-01 09:00,2024-03-01 09:10")
        if case % 2 == 0:
            rows.append(f"{case},b,2024-03-01 09:10,2024-03-01 09:30")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")  # the title on one line (rich wraps at U+202F)
    Path("журнал.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "--lang", language, "variants", "журнал.csv")
    assert code == 0
    assert f"журнал.csv {title}" in out.splitlines()[0]


def test_log_verify_names_a_hand_edit_and_log_accept_records_it(capsys, tmp_path, monkeypatch):
    import shutil

    from abc_costing import workflows as wf

    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    monkeypatch.setenv("ABC_COSTING_LOG_KEY", "")
    library = tmp_path / "models"
    shutil.copytree(ROOT / "process_models" / "zhkh_leads", library / "zhkh_leads")
    shutil.copy(ROOT / "process_models" / "resources.yaml", library)
    opened = wf.open_library(library)
    loaded = wf.load_for_editing(opened, "zhkh_leads", "as_is")
    activities = loaded.tables.activities.copy()
    activities.loc["call", "other_cost"] = "2,5"
    analyst = wf.user_from_identity("ana@example.com", role_table={"analyst": ["*"]})
    assert wf.save_edits(loaded, wf.preview_edits(loaded, activities=activities),
                         user=analyst, library=opened).saved is not None
    code, out, err = run(capsys, "log", "verify", "--library", library)
    assert code == 0 and "every model file matches it" in out, err

    model = library / "zhkh_leads" / "as_is.yaml"
    model.write_text(model.read_text("utf-8") + "# правка руками\n", "utf-8")
    code, out, err = run(capsys, "log", "verify", "--library", library)
    assert code == 1 and "zhkh_leads/as_is.yaml: changed outside abc-costing" in err
    code, out, err = run(capsys, "log", "accept", model, "--reason", "комментарий",
                         "--library", library)
    assert code == 0 and "logged zhkh_leads/as_is.yaml as changed outside" in out, err
    code, out, err = run(capsys, "log", "verify", "--library", library)
    assert code == 0 and "change log OK: 2 entries" in out, err  # the edit, the hand edit
