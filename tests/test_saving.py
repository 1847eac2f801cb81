"""Saving edits: the right is checked, every change is logged, a failed log undoes the save."""

from __future__ import annotations

import pytest

from abc_costing.access import AccessDenied, local_user, user_from_identity
from abc_costing.formats import read_model
from abc_costing.store import StaleFileError, file_sha256
from abc_costing.store.change_log import ChangeLog
from abc_costing.store.edits import Edit
from abc_costing.store.saving import save_as_new_variant, save_model_edits
from tests.conftest import model_text

BODY = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}  # бухгалтер
activities:
  a: {labor: {clerk: 10}}
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
    assert saved.sha256 == file_sha256(path)
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


def test_a_stale_file_is_neither_saved_nor_logged(setup):
    path, library, log = setup
    text = path.read_text("utf-8")
    digest = file_sha256(path)
    path.write_text(text.replace("clerk: 10", "clerk: 11"), encoding="utf-8")  # someone else
    with pytest.raises(StaleFileError):
        save_model_edits(path, loaded_text=text, loaded_sha256=digest, edits=[EDIT],
                         user=ANALYST, change_log=log, file_label="p/v.yaml")
    assert "clerk: 11" in path.read_text("utf-8") and log.entries() == []


def test_when_the_log_cannot_be_written_the_file_is_put_back(setup, monkeypatch):
    path, library, log = setup
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(log, "append", broken)
    with pytest.raises(OSError, match="disk full"):
        save_model_edits(path, loaded_text=before.decode(), loaded_sha256=file_sha256(path),
                         edits=[EDIT], user=ANALYST, change_log=log, file_label="p/v.yaml")
    assert path.read_bytes() == before


def test_save_as_new_variant_records_the_creation(setup):
    path, library, log = setup
    saved = save_as_new_variant(path, variant="быстрый", loaded_text=path.read_text("utf-8"),
                                edits=[EDIT], user=local_user("ivan"), change_log=log,
                                library_dir=library)
    assert saved.path == library / "p" / "быстрый.yaml"
    model = read_model(saved.path)[0]
    assert model.variant == "быстрый" and model.activities["a"].labor["clerk"].mean_minutes == 25
    assert [(e.file, e.element, e.new_value) for e in log.entries()] == [
        ("p/быстрый.yaml", "(file)", "created from p/v.yaml"), ("p/быстрый.yaml", "a", "25")]
    with pytest.raises(FileExistsError):
        save_as_new_variant(path, variant="быстрый", loaded_text=path.read_text("utf-8"),
                            edits=[], user=local_user("ivan"), change_log=log,
                            library_dir=library)
    with pytest.raises(ValueError, match="not a variant slug"):
        save_as_new_variant(path, variant="../escape", loaded_text=path.read_text("utf-8"),
                            edits=[], user=local_user("ivan"), change_log=log,
                            library_dir=library)
