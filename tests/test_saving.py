"""Saving edits: the right is checked, the file and its log entries are written together or not at all."""

from __future__ import annotations

import pytest

from abc_costing.access import AccessDenied, local_user, user_from_identity
from abc_costing.formats import load_model, read_model
from abc_costing.store import StaleFileError, file_sha256
from abc_costing.store.change_log import ChangeLog, ChangeLogError
from abc_costing.store.edits import Edit, diff_tables, model_tables
from abc_costing.store.library import ModelLibrary
from abc_costing.store.model_files import ModelExistsError
from abc_costing.store.saving import EditNotWrittenError, save_as_new_variant, save_model_edits
from tests.conftest import model_text

BODY = """\
title: "Оплата счёта"
resources:
  clerk: {kind: labor, rate_per_hour: 600}  # бухгалтер
activities:
  a: {name: "Проверка счёта", labor: {clerk: 10}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
EDIT = Edit(("activities", "a", "labor", "clerk"), "a", "labor.clerk", 10.0, 25)
ANALYST = user_from_identity("ana@example.com", role_table={"analyst": ["*"]})
EXECUTIVE = user_from_identity("boss@example.com", role_table={"executive": ["*"]})


@pytest.fixture
def setup(tmp_path):
    library = tmp_path / "models"
    (library / "p").mkdir(parents=True)
    path = library / "p" / "v.yaml"
    path.write_text(model_text(BODY), encoding="utf-8")
    return path, library, ChangeLog(tmp_path / "log.sqlite")


def test_save_records_each_change_with_the_digest_after(setup):
    path, library, log = setup
    text = path.read_text("utf-8")
    saved = save_model_edits(path, loaded_text=text, loaded_sha256=file_sha256(path),
                             edits=[EDIT], user=ANALYST, change_log=log, file_label="p/v.yaml",
                             reason="хронометраж")
    assert saved.sha256 == file_sha256(path) and saved.file == "p/v.yaml"
    assert read_model(path)[0].activities["a"].labor["clerk"].mean_minutes == 25
    [entry] = log.entries()
    assert (entry.user, entry.file, entry.element, entry.field, entry.old_value,
            entry.new_value, entry.reason, entry.file_sha256_after) == (
        "ana@example.com", "p/v.yaml", "a", "labor.clerk", "10", "25", "хронометраж",
        saved.sha256)


def test_an_executive_cannot_save(setup):
    path, library, log = setup
    before = path.read_bytes()
    with pytest.raises(AccessDenied):
        save_model_edits(path, loaded_text=before.decode(), loaded_sha256=file_sha256(path),
                         edits=[EDIT], user=EXECUTIVE, change_log=log, file_label="p/v.yaml")
    assert path.read_bytes() == before and log.entries() == []


def test_a_stale_file_is_neither_saved_nor_logged_and_named_relative_to_the_library(setup):
    path, library, log = setup
    text = path.read_text("utf-8")
    digest = file_sha256(path)
    path.write_text(text.replace("clerk: 10", "clerk: 11"), encoding="utf-8")  # someone else
    with pytest.raises(StaleFileError) as stale:
        save_model_edits(path, loaded_text=text, loaded_sha256=digest, edits=[EDIT],
                         user=ANALYST, change_log=log, file_label="p/v.yaml")
    assert "clerk: 11" in path.read_text("utf-8") and log.entries() == []
    # The message names the file as users know it, never the server's folder.
    assert str(stale.value) == ("p/v.yaml: was changed by someone else since it was loaded; "
                                "reload and apply your edits again")
    assert stale.value.path == path and "clerk: 11" in stale.value.current_text


def test_when_the_log_cannot_be_written_the_file_is_unchanged(setup, monkeypatch):
    path, library, log = setup
    before = path.read_bytes()

    def broken(self, *args, **kwargs):
        raise ChangeLogError("log.sqlite: change log database error: disk I/O error")

    monkeypatch.setattr(ChangeLog, "append_saves", broken)
    with pytest.raises(ChangeLogError, match="disk I/O error"):
        save_model_edits(path, loaded_text=before.decode(), loaded_sha256=file_sha256(path),
                         edits=[EDIT], user=ANALYST, change_log=log, file_label="p/v.yaml")
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == ["v.yaml"]  # no pending file
    monkeypatch.undo()
    assert log.entries() == []


def test_a_name_changed_only_in_its_inner_spaces_is_written_and_logged(setup):
    # Issue 10, kind 8: "an edit that only changes spaces inside a name is logged but never
    # written" (the layout restorer treated the line as unchanged).
    path, library, log = setup
    model = load_model(path)
    tables = model_tables(model)
    edited = tables.activities.copy()
    edited.loc["a", "name"] = "Проверка  счёта"  # two spaces
    edits, problems = diff_tables(model, tables, edited_activities=edited)
    assert problems == [] and [(e.field, e.new) for e in edits] == [("name", "Проверка  счёта")]
    saved = save_model_edits(path, loaded_text=path.read_text("utf-8"),
                             loaded_sha256=file_sha256(path), edits=edits, user=ANALYST,
                             change_log=log, file_label="p/v.yaml")
    assert load_model(path).activities["a"].name == "Проверка  счёта"
    assert [(e.element, e.field, e.old_value, e.new_value, e.file_sha256_after)
            for e in log.entries()] == [("a", "name", "Проверка счёта", "Проверка  счёта",
                                         file_sha256(path))]
    assert saved.sha256 == file_sha256(path)
    assert '  clerk: {kind: labor, rate_per_hour: 600}  # бухгалтер' in path.read_text("utf-8")


def test_an_edit_that_does_not_reach_the_text_is_neither_written_nor_logged(setup, monkeypatch):
    path, library, log = setup
    before = path.read_text("utf-8")
    # A writer that loses the edit (as the layout restorer once did) must not get it logged.
    monkeypatch.setattr("abc_costing.store.saving.apply_edits", lambda text, edits: text)
    with pytest.raises(EditNotWrittenError) as error:
        save_model_edits(path, loaded_text=before, loaded_sha256=file_sha256(path),
                         edits=[EDIT], user=ANALYST, change_log=log, file_label="p/v.yaml")
    assert str(error.value) == ("p/v.yaml: a: the new labor.clerk ('25') could not be written "
                                "into the file; nothing was saved")
    assert path.read_text("utf-8") == before and log.entries() == []


def test_save_as_new_variant_records_the_creation_and_its_own_title(setup):
    path, library, log = setup
    saved = save_as_new_variant(path, variant="быстрый", loaded_text=path.read_text("utf-8"),
                                edits=[EDIT], user=local_user("ivan"), change_log=log,
                                library_dir=library, title="Оплата счёта: ЭДО")
    assert saved.path == library / "p" / "быстрый.yaml" and saved.file == "p/быстрый.yaml"
    model = read_model(saved.path)[0]
    assert (model.variant, model.title) == ("быстрый", "Оплата счёта: ЭДО")
    assert model.activities["a"].labor["clerk"].mean_minutes == 25
    assert load_model(path).title == "Оплата счёта"  # the original keeps its own
    assert [(e.file, e.element, e.old_value, e.new_value) for e in log.entries()] == [
        ("p/быстрый.yaml", "(file)", None, "created from p/v.yaml"),
        ("p/быстрый.yaml", "a", "10", "25"),
        ("p/быстрый.yaml", "title", "Оплата счёта", "Оплата счёта: ЭДО")]
    with pytest.raises(FileExistsError) as exists:
        save_as_new_variant(path, variant="быстрый", loaded_text=path.read_text("utf-8"),
                            edits=[], user=local_user("ivan"), change_log=log,
                            library_dir=library, title="x")
    assert isinstance(exists.value, ModelExistsError)
    assert str(exists.value) == "p/быстрый.yaml: a file with this name already exists"
    with pytest.raises(ValueError, match="needs its own title, not the original's"):
        save_as_new_variant(path, variant="копия", loaded_text=path.read_text("utf-8"),
                            edits=[], user=local_user("ivan"), change_log=log,
                            library_dir=library, title=" Оплата счёта ")
    with pytest.raises(ValueError, match="not a variant slug"):
        save_as_new_variant(path, variant="../escape", loaded_text=path.read_text("utf-8"),
                            edits=[], user=local_user("ivan"), change_log=log,
                            library_dir=library)
    assert len(log.entries()) == 3
    assert ModelLibrary(library, change_log=log).verify().ok
