"""`abc-costing migrate`: a library of self-contained model files moved to one catalogue."""

from __future__ import annotations

import errno
import json
import os
import shutil
from pathlib import Path

import pytest

from abc_costing.access import local_user
from abc_costing.cli import main
from abc_costing.engine import cost_model
from abc_costing.formats import load_library, parse_model_text, read_model
from abc_costing.formats.catalogue import parse_catalogue_text, read_catalogue
from abc_costing.store import (
    CatalogueBreaksModelsError,
    Change,
    ChangeLog,
    ChangeLogError,
    ModelLibrary,
    StaleFileError,
    file_sha256,
)
from abc_costing.store.catalogue_adoption import adopt_catalogue
from abc_costing.store.migration import plan_migration, write_migration
from abc_costing.workflows import migrate_library
from tests.conftest import ROOT

BEFORE_CATALOGUE = ROOT / "tests" / "data" / "before_catalogue"

MODEL = """\
format: abc-costing/1
process: p
variant: {variant}
currency: {currency}
volume_per_year: 1000
resources:
  clerk: {{kind: labor, name: "Клерк", rate_per_hour: {rate}}}   # the clerk of this branch
  courier: {{kind: {courier_kind}, {courier}}}
activities:
  check: {{labor: {{clerk: 30}}}}
  send: {{uses: {{courier: 1}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, check], [check, send], [send, e]]
"""


def write(library, variant, *, rate=600, currency="RUB", courier_kind="per_use",
          courier="cost_per_use: 600"):
    path = library / "p" / f"{variant}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(MODEL.format(variant=variant, rate=rate, currency=currency,
                                 courier_kind=courier_kind, courier=courier), "utf-8")
    return path


def snapshot(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def three(tmp_path):
    """p/as_is and p/fast agree on the clerk (600 an hour); p/slow pays 660."""
    library = tmp_path / "models"
    write(library, "as_is")
    write(library, "fast")
    write(library, "slow", rate=660)
    return library


def test_the_rate_most_files_give_is_kept_and_the_third_file_keeps_its_own(three, tmp_path):
    plan, problems = plan_migration(three)
    assert problems == []
    assert plan.pools == ("clerk", "courier")
    [disagreement] = plan.disagreements
    assert (disagreement.pool, disagreement.aspect) == ("clerk", "cost")
    assert disagreement.kept == "600 RUB/h" and disagreement.reason == "given by 2 of 3 files"
    assert [(v.value, v.files) for v in disagreement.values] == [
        ("600 RUB/h", ("p/as_is.yaml", "p/fast.yaml")), ("660 RUB/h", ("p/slow.yaml",))]
    assert disagreement.overridden == ("p/slow.yaml",)
    assert "p/slow.yaml" in str(disagreement) and "kept 600 RUB/h" in str(disagreement)
    # by hand: 30 min of the clerk at 600/h = 300, the courier 600: 900 per instance;
    # the slow variant's clerk at 660/h: 30 × 11 = 330, + 600 = 930
    assert [(m.file, m.cost_per_instance_before, m.cost_per_instance_after)
            for m in plan.moves] == [("p/as_is.yaml", 900, 900), ("p/fast.yaml", 900, 900),
                                     ("p/slow.yaml", 930, 930)]
    assert [m.overridden for m in plan.moves] == [(), (), ("clerk",)]

    migrated = migrate_library(three, write=True, user=local_user("ivan"),
                               change_log=tmp_path / "log.sqlite")
    assert migrated.problems == () and migrated.catalogue_written
    loaded, problems = read_catalogue(three / "resources.yaml")
    assert problems == [] and loaded.catalogue.currency == "RUB"
    assert loaded.catalogue.pools["clerk"].rate_per_minute == 10  # 600 / 60
    assert loaded.catalogue.pools["clerk"].name == "Клерк"
    assert loaded.catalogue.pools["courier"].cost_per_use == 600
    models, problems = load_library(three)
    assert problems == []
    costs = {m.variant: cost_model(m).cost_per_instance for _, m in models}
    assert costs == {"as_is": 900, "fast": 900, "slow": 930}
    slow = (three / "p" / "slow.yaml").read_text("utf-8")
    assert "resources:" not in slow and "overrides: {clerk: {rate_per_hour: 660}}" in slow
    assert all(m.own_resources() == {} for _, m in models)
    header = (three / "resources.yaml").read_text("utf-8")
    assert header.startswith("# Resource catalogue of this library, made by `abc-costing "
                             "migrate` from 3 model files.")
    assert "#   clerk: cost: kept 600 RUB/h (given by 2 of 3 files)" in header


def test_the_change_log_has_one_entry_for_the_catalogue_and_each_rewritten_file(three, tmp_path):
    log_path = tmp_path / "log.sqlite"
    migrated = migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path,
                               reason="issue 12")
    assert migrated.written == ("p/as_is.yaml", "p/fast.yaml", "p/slow.yaml")
    entries = ChangeLog(log_path).entries()
    assert [(e.file, e.user, e.reason) for e in entries] == [
        ("resources.yaml", "ivan", "issue 12"), ("p/as_is.yaml", "ivan", "issue 12"),
        ("p/fast.yaml", "ivan", "issue 12"), ("p/slow.yaml", "ivan", "issue 12")]
    assert entries[0].new_value == "made by migrate from 3 model files: pools clerk, courier"
    assert entries[3].new_value == ("pools clerk, courier moved to resources.yaml; kept as "
                                    "overrides: clerk")
    # one save: the four entries carry one time, and each file's digest is its logged one
    assert len({e.time for e in entries}) == 1
    assert [e.file_sha256_after for e in entries] == [
        file_sha256(three / e.file) for e in entries]
    check = ModelLibrary(three, change_log=log_path).verify()
    assert check.ok, check.findings


def test_a_dry_run_writes_nothing(three, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "log.sqlite"))
    before = snapshot(tmp_path)
    assert main(["migrate", str(three)]) == 0
    out = capsys.readouterr().out
    assert "p/slow.yaml" in out and "given by 2 of 3 files" in out and "660 RUB/h" in out
    assert "Nothing written" in out
    assert snapshot(tmp_path) == before  # no catalogue, no log, no file changed
    assert main(["migrate", str(three), "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["written"] == [] and document["catalogue_written"] is False
    assert document["plan"]["disagreements"][0]["overridden"] == ["p/slow.yaml"]
    assert snapshot(tmp_path) == before


def test_a_second_run_has_nothing_to_move(three, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "log.sqlite"))
    assert main(["migrate", str(three), "--write"]) == 0
    assert "Written: resources.yaml and 3 model files" in capsys.readouterr().out
    assert migrate_library(three, write=False, user=local_user("ivan")).problems == ()
    after_first = snapshot(tmp_path)
    assert main(["migrate", str(three), "--write"]) == 0
    assert "nothing to move (3 model files" in capsys.readouterr().out
    assert snapshot(tmp_path) == after_first  # same catalogue, files and log
    plan, problems = plan_migration(three)
    assert problems == [] and plan.nothing_to_move and plan.catalogue_text is None


def test_a_tie_goes_to_the_first_file_in_sorted_order(tmp_path):
    library = tmp_path / "models"
    write(library, "b_second", rate=660)  # written first, sorted second
    write(library, "a_first", rate=600)
    plan, problems = plan_migration(library)
    assert problems == []
    [disagreement] = plan.disagreements
    assert disagreement.kept == "600 RUB/h"
    assert disagreement.reason == ("a tie (1 of 2 files each): the value of p/a_first.yaml, "
                                   "the first file in sorted order")
    assert disagreement.overridden == ("p/b_second.yaml",)
    # each still costs what it did: 300 + 600 = 900 and 330 + 600 = 930
    assert {m.file: m.cost_per_instance_after for m in plan.moves} == {
        "p/a_first.yaml": 900, "p/b_second.yaml": 930}


def test_a_capacity_kept_with_its_cost_definition_and_a_name_vote(tmp_path):
    # a monthly cost over a capacity: 3 files; two give 165 000 over 110 h (1 500/h), one
    # 165 000 over 100 h (1 650/h); one file calls the clerk otherwise
    library = tmp_path / "models"
    for variant, hours, name in (("a", 110, "Клерк"), ("b", 110, "Клерк"), ("c", 100, "Кассир")):
        path = write(library, variant)
        path.write_text(path.read_text("utf-8").replace(
            '{kind: labor, name: "Клерк", rate_per_hour: 600}',
            f'{{kind: labor, name: "{name}", cost_per_month: 165000, '
            f'capacity_hours_per_month: {hours}}}'), "utf-8")
    plan, problems = plan_migration(library)
    assert problems == []
    found = {(d.pool, d.aspect): d for d in plan.disagreements}
    # the cost per month is the same in every file: only the capacity differs (and the name)
    assert set(found) == {("clerk", "name"), ("clerk", "capacity")}
    assert found["clerk", "capacity"].kept == "110 h/month"
    assert [(v.value, v.files) for v in found["clerk", "capacity"].values] == [
        ("110 h/month", ("p/a.yaml", "p/b.yaml")), ("100 h/month", ("p/c.yaml",))]
    assert found["clerk", "capacity"].overridden == ("p/c.yaml",)
    assert found["clerk", "name"].kept == "'Клерк'"
    assert found["clerk", "name"].overridden == ("p/c.yaml",)
    # by hand: 30 min at 1 500/h = 750 + 600 = 1 350; at 165 000 / 100 = 1 650/h: 825 + 600
    assert [m.cost_per_instance_after for m in plan.moves] == [1350, 1350, 1425]


def test_pools_of_different_kinds_under_one_id_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "log.sqlite"))
    library = tmp_path / "models"
    write(library, "as_is")
    write(library, "own_courier", courier_kind="labor", courier="rate_per_hour: 500")
    path = library / "p" / "own_courier.yaml"
    path.write_text(path.read_text("utf-8").replace("uses: {courier: 1}",
                                                    "labor: {courier: 6}"), "utf-8")
    before = snapshot(tmp_path)
    plan, problems = plan_migration(library)
    assert plan is None
    assert [p.message for p in problems] == [
        "not migrated: pool 'courier' is of different kinds (per_use in p/as_is.yaml; labor "
        "in p/own_courier.yaml); pools of different kinds cannot share one id in the "
        "catalogue: rename one of them"]
    assert main(["migrate", str(library), "--write"]) == 1
    assert "pool 'courier' is of different kinds" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_files_in_different_currencies_are_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "log.sqlite"))
    library = tmp_path / "models"
    write(library, "as_is")
    write(library, "euro", currency="EUR", rate=10)
    before = snapshot(tmp_path)
    assert main(["migrate", str(library), "--write"]) == 1
    err = capsys.readouterr().err
    assert ("the files give their pools in different currencies (RUB in p/as_is.yaml; EUR in "
            "p/euro.yaml)") in err
    assert snapshot(tmp_path) == before


def test_a_broken_file_is_named_and_nothing_is_written(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "log.sqlite"))
    library = tmp_path / "models"
    write(library, "as_is")
    path = write(library, "typo")
    path.write_text(path.read_text("utf-8").replace("{clerk: 30}", "{clerc: 30}"), "utf-8")
    before = snapshot(tmp_path)
    assert main(["migrate", str(library), "--write"]) == 1
    err = capsys.readouterr().err
    assert "p/typo.yaml:10: check: labor names unknown resource 'clerc'" in err
    assert ("p/typo.yaml: not migrated: this file has errors; fix them first (nothing was "
            "written)") in err
    assert "Traceback" not in err
    assert snapshot(tmp_path) == before


def test_a_file_changed_after_the_plan_stops_the_write_before_anything_is_written(
        three, tmp_path):
    plan, _ = plan_migration(three)
    (three / "p" / "fast.yaml").write_text(MODEL.format(
        variant="fast", rate=610, currency="RUB", courier_kind="per_use",
        courier="cost_per_use: 600"), "utf-8")
    before = snapshot(tmp_path)
    with pytest.raises(StaleFileError, match="p/fast.yaml"):
        write_migration(plan, ModelLibrary(three, change_log=tmp_path / "log.sqlite"),
                        user=local_user("ivan"))
    assert snapshot(tmp_path) == before


def test_a_library_with_a_catalogue_moves_the_pools_files_still_carry(three, tmp_path):
    log_path = tmp_path / "log.sqlite"
    migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path)
    late = write(three, "late", rate=720)  # a self-contained file copied in afterwards
    assert read_model(late)[0] is None  # its pools are now defined twice
    plan, problems = plan_migration(three)
    assert problems == [] and plan.catalogue_text is None
    assert [m.file for m in plan.moves] == ["p/late.yaml"]
    [disagreement] = plan.disagreements
    assert disagreement.kept == "600 RUB/h"
    assert disagreement.reason == "the catalogue's value (resources.yaml exists already)"
    assert [(v.value, v.files) for v in disagreement.values] == [
        ("600 RUB/h", ("resources.yaml",)), ("720 RUB/h", ("p/late.yaml",))]
    # by hand: 30 min at 720/h = 360, + 600 = 960 per instance, before and after
    assert plan.moves[0].cost_per_instance_after == 960
    migrated = migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path)
    assert migrated.written == ("p/late.yaml",) and not migrated.catalogue_written
    model, problems = read_model(late)
    assert problems == [] and cost_model(model).cost_per_instance == 960


def test_the_shipped_library_before_the_catalogue_moves_with_one_disagreement(tmp_path):
    library = tmp_path / "process_models"
    shutil.copytree(BEFORE_CATALOGUE, library)
    costs_before = {}
    for path in sorted(library.rglob("*.yaml")):
        model, problems = read_model(path)
        assert problems == [], problems
        costs_before[path.relative_to(library).as_posix()] = cost_model(model).cost_per_instance
    plan, problems = plan_migration(library)
    assert problems == []
    # the one disagreement: the cfo's name (2 files each; procurement sorts first)
    assert [(d.pool, d.aspect, d.kept, d.overridden) for d in plan.disagreements] == [
        ("cfo", "name", "'Финансовый директор (председатель закупочной комиссии)'",
         ("supplier_invoice/as_is.yaml", "supplier_invoice/edi_automatch.yaml"))]
    assert len(plan.pools) == 26 and len(plan.moves) == 9
    migrated = migrate_library(library, write=True, user=local_user("ivan"),
                               change_log=tmp_path / "log.sqlite")
    assert migrated.problems == ()
    models, problems = load_library(library)
    assert problems == []
    costs_after = {path.relative_to(library).as_posix(): cost_model(m).cost_per_instance
                   for path, m in models}
    assert costs_after == costs_before  # exactly, float for float
    # the payroll-free figures the files stated: lawyers 585 900 a month over 360 h
    lawyer = read_catalogue(library / "resources.yaml")[0].catalogue.pools["lawyer"]
    assert lawyer.rate_per_minute * 60 == pytest.approx(585_900 / 360)


def test_a_capacity_a_file_left_out_comes_from_the_catalogue_with_a_warning(tmp_path):
    # a and b: 600 an hour over 100 h a month; c states the rate only
    library = tmp_path / "models"
    for variant, capacity in (("a", ", capacity_hours_per_month: 100"),
                              ("b", ", capacity_hours_per_month: 100"), ("c", "")):
        path = write(library, variant)
        edit = "rate_per_hour: 600}"
        path.write_text(path.read_text("utf-8").replace(edit, f"rate_per_hour: 600{capacity}}}"),
                        "utf-8")
    plan, problems = plan_migration(library)
    [disagreement] = plan.disagreements
    assert (disagreement.aspect, disagreement.kept) == ("capacity", "100 h/month")
    assert [str(p) for p in problems] == [
        "p/c.yaml: clerk: warning: capacity was not given in this file and is 100 h/month from "
        "resources.yaml after the move (an override cannot leave a value out); its cost per "
        "instance is the same"]
    assert problems[0].severity == "warning"
    # the cost stays 30 min × 600 / 60 + 600 = 900 in each file
    assert [m.cost_per_instance_after for m in plan.moves] == [900, 900, 900]


# --- finding 1: never half-migrated -----------------------------------------------------------


def test_a_second_library_sharing_the_default_log_is_refused_before_anything_is_written(
        tmp_path, monkeypatch, capsys):
    # the review's case: /tmp/mig migrated, then /tmp/mig3 beside it; both default to the log
    # /tmp/.abc-costing/change_log.sqlite, which serves the first library only
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    first, second = tmp_path / "mig", tmp_path / "mig3"
    for library in (first, second):
        write(library, "as_is")
        write(library, "slow", rate=660)
    assert main(["migrate", str(first), "--write"]) == 0
    assert "Written: resources.yaml and 2 model files" in capsys.readouterr().out
    before = snapshot(tmp_path)  # the second library, the shared log and its lock

    assert main(["migrate", str(second), "--write"]) == 1
    captured = capsys.readouterr()
    err = " ".join(captured.err.split())  # as one line, however the console wrapped it
    assert ("the change log .abc-costing/change_log.sqlite serves another library (mig), and "
            "one change log serves one library: this library has no anchor in it. Give this "
            "library a log of its own: set ABC_COSTING_CHANGE_LOG to a new file, or move the "
            "library into a folder of its own") in err
    assert "not migrated: nothing was written" in err and "the anchor was deleted" not in err
    # the output does not contradict itself: nothing is said to be rewritten or written
    assert "2 of 2 model files to rewrite" in captured.out
    assert "rewritten" not in captured.out and "Written:" not in captured.out
    assert "See the problems above" in captured.out
    assert snapshot(tmp_path) == before  # not one byte changed, the log neither
    models, problems = load_library(second)
    assert problems == [] and len(models) == 2

    # doing what the message says: a log of its own, and the second library migrates
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "mig3-log.sqlite"))
    assert main(["migrate", str(second), "--write"]) == 0
    assert "Written: resources.yaml and 2 model files" in capsys.readouterr().out
    assert ModelLibrary(second).verify().ok
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG")
    assert ModelLibrary(first).verify().ok
    # by hand: 30 min × 600/h + 600 = 900, 30 min × 660/h + 600 = 930 in each library
    for library in (first, second):
        models, problems = load_library(library)
        assert problems == []
        assert sorted(cost_model(m).cost_per_instance for _, m in models) == [900, 930]


def test_the_catalogue_alone_would_break_the_files_written_together_it_does_not(three, tmp_path):
    plan, _ = plan_migration(three)
    library = ModelLibrary(three, change_log=tmp_path / "log.sqlite")
    # written alone, the catalogue would make every file define its pools twice
    with pytest.raises(CatalogueBreaksModelsError, match="defined twice|already defined"):
        library.write_catalogue(plan.catalogue_text, user=local_user("ivan"),
                                expected_sha256=None, changes=[Change.whole_file("new")])
    assert not (three / "resources.yaml").exists()
    saved = write_migration(plan, library, user=local_user("ivan"))
    assert [s.file for s in saved] == ["resources.yaml", "p/as_is.yaml", "p/fast.yaml",
                                       "p/slow.yaml"]
    assert library.verify().ok


def test_a_log_that_fails_leaves_the_library_as_it_was(three, tmp_path, monkeypatch):
    plan, _ = plan_migration(three)
    before = snapshot(three)

    def failing(self, saves, **kwargs):
        raise ChangeLogError("log.sqlite: change log database error: disk I/O error")

    monkeypatch.setattr(ChangeLog, "append_saves", failing)
    migrated = migrate_library(three, write=True, user=local_user("ivan"),
                               change_log=tmp_path / "log.sqlite")
    assert [p.message for p in migrated.problems] == [
        "log.sqlite: change log database error: disk I/O error",
        "not migrated: nothing was written"]
    assert migrated.written == () and not migrated.catalogue_written
    monkeypatch.undo()
    assert snapshot(three) == before  # no catalogue, no pending file, every file as it was
    assert plan_migration(three)[0] == plan


def test_a_crash_after_the_log_committed_is_completed_by_running_migrate_again(
        three, tmp_path, monkeypatch):
    log_path = tmp_path / "log.sqlite"
    real_replace = os.replace
    renamed = []

    def crash_after_the_catalogue(source, target):
        # the catalogue goes into place, then the "machine stops": no other file is renamed,
        # and the in-process recovery cannot rename them either
        if str(source).endswith(".abc-pending") and renamed:
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        if str(source).endswith(".abc-pending"):
            renamed.append(Path(target).name)
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", crash_after_the_catalogue)
    migrated = migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path)
    assert renamed == ["resources.yaml"]
    [problem] = migrated.problems
    assert problem.message.startswith("resources.yaml, p/as_is.yaml, p/fast.yaml, p/slow.yaml: "
                                      "the save was interrupted (Input/output error)")
    assert problem.message.endswith("the migration was logged: run migrate --write again to "
                                    "put the rest of its files in place")
    assert migrated.written == ()
    assert len(ChangeLog(log_path).entries()) == 4  # logged whole: the catalogue and 3 files
    monkeypatch.undo()

    again = migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path)
    assert again.problems == () and again.plan.nothing_to_move  # completed on opening
    models, problems = load_library(three)
    assert problems == []  # no pool "defined twice", none unknown
    assert sorted(cost_model(m).cost_per_instance for _, m in models) == [900, 900, 930]
    assert len(ChangeLog(log_path).entries()) == 4  # nothing logged twice
    assert ModelLibrary(three, change_log=log_path).verify().ok
    assert not [p for p in three.rglob("*") if p.name.endswith(".abc-pending")]


# --- finding 11: the catalogue keeps its authors' comments; differences named by what differs --


def test_the_catalogue_keeps_the_comments_of_the_file_each_pool_was_taken_from(tmp_path):
    # p/a sorts first but pays 660; p/b and p/c give 600, so the clerk is taken from p/b
    library = tmp_path / "models"
    block = """  clerk:   # {eol}
    kind: labor
    name: "Клерк"
    # {above}
    rate_per_hour: {rate}   # {rate} ₽/ч
"""
    for variant, rate, eol, above in (("a", 660, "a's clerk", "надбавка филиала"),
                                      ("b", 600, "b's clerk", "оклад 80 000 ₽ × 1,302 / 174 ч"),
                                      ("c", 600, "c's clerk", "as in b")):
        path = write(library, variant)
        text = path.read_text("utf-8")
        path.write_text(text.replace(
            '  clerk: {kind: labor, name: "Клерк", rate_per_hour: 600}   # the clerk of this '
            'branch\n', block.format(eol=eol, above=above, rate=rate)), "utf-8")
    plan, problems = plan_migration(library)
    assert problems == []
    text = plan.catalogue_text
    assert ("  # in 3 model files, as written in p/b.yaml\n"
            "  clerk:  # b's clerk\n"
            "    kind: labor\n"
            "    name: Клерк\n"
            "    # оклад 80 000 ₽ × 1,302 / 174 ч\n"
            "    rate_per_hour: 600  # 600 ₽/ч\n") in text
    assert "a's clerk" not in text and "надбавка" not in text and "as in b" not in text
    # the flow-style courier of p/a (the first file; all agree) keeps no comment: it had none
    assert "  # in 3 model files, as written in p/a.yaml\n  courier:\n" in text
    loaded, problems = parse_catalogue_text(text, name="resources.yaml")
    assert problems == [] and loaded.catalogue.pools["clerk"].rate_per_minute == 10  # 600 / 60


def test_a_flow_style_pool_keeps_its_end_of_line_comment(three):
    plan, _ = plan_migration(three)
    # p/as_is.yaml: clerk: {kind: labor, name: "Клерк", rate_per_hour: 600}   # the clerk ...
    assert ("  # in 3 model files, as written in p/as_is.yaml\n"
            "  clerk:  # the clerk of this branch\n") in plan.catalogue_text


def test_the_shipped_files_keep_their_comments_in_the_written_catalogue(tmp_path):
    library = tmp_path / "process_models"
    shutil.copytree(BEFORE_CATALOGUE, library)
    migrated = migrate_library(library, write=True, user=local_user("ivan"),
                               change_log=tmp_path / "log.sqlite")
    assert migrated.problems == ()
    text = (library / "resources.yaml").read_text("utf-8")
    assert ("  # in 5 model files, as written in contract_approval/as_is.yaml\n"
            "  lawyer:\n"
            "    kind: labor\n"
            "    name: Юрист\n"
            "    # оклад 150 000 ₽ × 1,302 ≈ 195 300 ₽/мес; практическая ёмкость 120 ч/мес\n"
            "    # (164 ч по норме минус совещания, судебная работа, обучение) → ≈ 1 628 ₽/ч\n"
            "    # юридический отдел: 3 юриста; cost_per_month и ёмкость — на весь пул "
            "(ставка та же)\n"
            "    headcount: 3\n"
            "    cost_per_month: 585900  # 3 × 195300\n"
            "    capacity_hours_per_month: 360  # 3 × 120 ч\n") in text
    assert "# курьерская доставка документов по Москве, тарифы Dostavista / Яндекс" in text
    # every source comment line of contract_approval/as_is.yaml's pools is in the catalogue
    source = (BEFORE_CATALOGUE / "contract_approval" / "as_is.yaml").read_text("utf-8")
    pools_block = source.split("\nresources:\n", 1)[1].split("\nactivities:", 1)[0]
    comments = [line.strip() for line in pools_block.splitlines()
                if line.strip().startswith("#")]
    assert len(comments) == 12  # manager 2, lawyer 3, finance_controller 2, director 2,
    # office_admin 1, courier 2 lines
    assert [c for c in comments if c not in text] == []
    loaded, problems = read_catalogue(library / "resources.yaml")
    assert problems == [] and len(loaded.catalogue.pools) == 26


def test_a_capacity_only_difference_is_reported_as_capacity(tmp_path):
    # the review's case: procurement/as_is.yaml gives its lawyers 300 h a month, with the
    # same 585 900 a month; the other 4 files 360 h
    library = tmp_path / "process_models"
    shutil.copytree(BEFORE_CATALOGUE, library)
    path = library / "procurement" / "as_is.yaml"
    text = path.read_text("utf-8")
    lawyer_line = "    capacity_hours_per_month: 360   # 3 × 120 ч\n"
    assert text.count(lawyer_line) == 1
    path.write_text(text.replace(lawyer_line, "    capacity_hours_per_month: 300\n"), "utf-8")
    plan, problems = plan_migration(library)
    assert problems == []
    lawyer = [d for d in plan.disagreements if d.pool == "lawyer"]
    assert [(d.aspect, d.kept, d.reason, d.overridden) for d in lawyer] == [
        ("capacity", "360 h/month", "given by 4 of 5 files", ("procurement/as_is.yaml",))]
    assert [(v.value, v.files) for v in lawyer[0].values] == [
        ("360 h/month", ("contract_approval/as_is.yaml", "contract_approval/template_esign.yaml",
                         "contract_approval/value_tiers.yaml",
                         "procurement/framework_template.yaml")),
        ("300 h/month", ("procurement/as_is.yaml",))]
    # the file keeps its whole money definition (a rate comes from all three): by hand its
    # lawyers cost 585 900 / 300 = 1 953 an hour, before and after
    move = next(m for m in plan.moves if m.file == "procurement/as_is.yaml")
    assert move.overridden == ("lawyer",)
    assert ("lawyer: {cost_per_month: 585900, capacity_hours_per_month: 300, headcount: 3}"
            in move.new_text)
    assert move.cost_per_instance_after == move.cost_per_instance_before
    after, _ = parse_model_text(move.new_text, source=move.file,
                                catalogue=parse_catalogue_text(plan.catalogue_text)[0])
    assert after.resources["lawyer"].rate_per_minute * 60 == pytest.approx(585_900 / 300)


def test_adoption_labels_a_capacity_only_difference_as_capacity_and_keeps_the_money():
    # the shipped catalogue: lawyers from the payroll, 3 × 150 000 × 1,302 = 585 900 a month
    # over 360 h; the imported file says the same 585 900 over 300 h
    loaded, _ = read_catalogue(ROOT / "process_models" / "resources.yaml")
    text = MODEL.format(variant="v", rate=600, currency="RUB", courier_kind="per_use",
                        courier="cost_per_use: 600").replace(
        "  courier:", "  lawyer: {kind: labor, headcount: 3, cost_per_month: 585900, "
                      "capacity_hours_per_month: 300}\n  courier:")
    adopted = adopt_catalogue(text, loaded, file="p/v.yaml")
    lawyer = [d for d in adopted.differences if d.pool == "lawyer"]
    assert [(d.aspect, d.file_value, d.catalogue_value) for d in lawyer] == [
        ("capacity", "capacity_hours_per_month 300", "capacity_hours_per_month 360")]
    # a money difference keeps the file's whole money definition under overrides:
    assert ("lawyer: {cost_per_month: 585900, capacity_hours_per_month: 300, headcount: 3}"
            in adopted.text)


@pytest.mark.parametrize("killed", ["before_the_log_commits", "after_the_catalogue_is_renamed"])
def test_a_migration_killed_part_way_is_undone_or_completed_by_running_migrate_again(
        three, tmp_path, killed):
    # A real process death (os._exit in a forked child: no handler, no recovery runs), at
    # each side of the log's commit.
    log_path = tmp_path / "log.sqlite"
    before = snapshot(three)
    pid = os.fork()
    if pid == 0:  # the child: migrate, and die at the chosen instant
        try:
            if killed == "before_the_log_commits":
                ChangeLog.append_saves = lambda *args, **kwargs: os._exit(9)  # type: ignore
            else:
                real = os.replace

                def die_after_the_first(source, target):
                    real(source, target)
                    if str(source).endswith(".abc-pending"):
                        os._exit(9)

                os.replace = die_after_the_first
            migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path)
        finally:
            os._exit(1)  # not killed: the parent sees exit code 1
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 9
    visible = {k: v for k, v in snapshot(three).items() if ".abc-pending" not in k}
    if killed == "before_the_log_commits":
        assert visible == before  # the files as they were; the new texts only pending
        assert not log_path.exists() or ChangeLog(log_path).entries() == []
    else:
        assert "resources.yaml" in visible and len(ChangeLog(log_path).entries()) == 4
        assert read_model(three / "p" / "as_is.yaml")[0] is None  # half-way: defined twice

    again = migrate_library(three, write=True, user=local_user("ivan"), change_log=log_path)
    assert [p for p in again.problems if p.severity == "error"] == []
    models, problems = load_library(three)
    assert problems == []  # no pool defined twice, none unknown
    # by hand: 30 min × 600/h + 600 = 900 (twice); 30 min × 660/h + 600 = 930
    assert sorted(cost_model(m).cost_per_instance for _, m in models) == [900, 900, 930]
    assert len(ChangeLog(log_path).entries()) == 4  # the catalogue and 3 files, once each
    assert ModelLibrary(three, change_log=log_path).verify().ok
    assert not [p for p in three.rglob("*") if p.name.endswith(".abc-pending")]
