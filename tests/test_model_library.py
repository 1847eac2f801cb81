"""The one write path of a library: file and log entry together, in order, or neither."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import sqlite3
import threading

import pytest

from abc_costing.access import local_user
from abc_costing.formats import load_model
from abc_costing.problems import ModelError
from abc_costing.store import StaleFileError, file_sha256
from abc_costing.store.change_log import ChangeLog, ChangeLogError
from abc_costing.store.edits import Edit
from abc_costing.store.library import (
    ANCHOR_NAME,
    Change,
    LibraryBusyError,
    ModelLibrary,
    ModelWriteError,
    NotInLibraryError,
)
from abc_costing.store.model_files import ModelExistsError, UnsafeTargetError
from abc_costing.store.saving import save_model_edits
from tests.conftest import model_text

BODY = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}  # бухгалтер
activities:
  a: {labor: {clerk: 10}, other_cost: 0}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
IVAN = local_user("ivan")


def cost_text(other_cost: int) -> str:
    return model_text(BODY).replace("other_cost: 0", f"other_cost: {other_cost}")


@pytest.fixture
def library(tmp_path):
    for name in ("p/v.yaml", "q/w.yaml"):
        (tmp_path / "models" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "models" / name).write_text(model_text(BODY), encoding="utf-8")
    return ModelLibrary(tmp_path / "models", change_log=tmp_path / "log" / "log.sqlite")


def log_of(library: ModelLibrary) -> ChangeLog:
    return ChangeLog(library.change_log_path, create=False)


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def save_cost(library: ModelLibrary, name: str, other_cost: int, *, expected: str | None):
    return library.write_model(name, cost_text(other_cost), user=IVAN, expected_sha256=expected,
                               changes=[Change("a", "other_cost", None, str(other_cost))])


# --- the write path --------------------------------------------------------------------


def test_a_write_logs_the_digest_after_and_anchors_every_model_file(library):
    path = library.directory / "p/v.yaml"
    untouched = file_sha256(library.directory / "q/w.yaml")
    saved = save_cost(library, "p/v.yaml", 150, expected=file_sha256(path))
    assert load_model(path).activities["a"].other_cost == 150
    assert saved.sha256 == file_sha256(path) and saved.file == "p/v.yaml"
    [entry] = log_of(library).entries()
    assert (entry.file, entry.element, entry.new_value, entry.file_sha256_after) == (
        "p/v.yaml", "a", "150", saved.sha256)
    check = library.verify()
    assert (check.ok, check.findings) == (True, ())
    assert (check.head.entries, check.head.head_hash) == (1, entry.hash)
    # The first save anchors the library as it finds it: w.yaml is known by its digest.
    assert (library.directory / ANCHOR_NAME).is_file()
    (library.directory / "q/w.yaml").write_text(cost_text(7), encoding="utf-8")
    [finding] = library.verify().findings
    assert (finding.kind, finding.file) == ("changed_outside", "q/w.yaml")
    assert finding.message == (f"changed outside abc-costing: its SHA-256 is "
                               f"{file_sha256(library.directory / 'q/w.yaml')[:12]} but the "
                               f"library's anchor records {untouched[:12]}")
    assert listing(library.directory / "p") == ["v.yaml"]  # no pending file left


def test_a_process_folder_is_created_and_an_existing_file_is_never_replaced(library):
    saved = save_cost(library, "новый/как_есть.yaml", 5, expected=None)
    assert saved.path == library.directory / "новый" / "как_есть.yaml"
    with pytest.raises(ModelExistsError, match="^новый/как_есть.yaml: a file with this name"):
        save_cost(library, "новый/как_есть.yaml", 6, expected=None)
    assert load_model(saved.path).activities["a"].other_cost == 5
    assert len(log_of(library).entries()) == 1


def test_an_overwrite_through_the_cli_is_logged_like_an_edit(library):
    # import-bpmn -o / mine -o onto an existing model: the caller passes the digest it found.
    path = library.directory / "p/v.yaml"
    saved = library.write_model(library.relative_name(path.absolute()), cost_text(99), user=IVAN,
                                expected_sha256=file_sha256(path),
                                changes=[Change.whole_file("replaced by mine from crm.csv")])
    assert [(e.file, e.field, e.new_value, e.file_sha256_after)
            for e in log_of(library).entries()] == [
        ("p/v.yaml", "(file)", "replaced by mine from crm.csv", saved.sha256)]


def test_an_invalid_model_is_refused_and_named_relative_to_the_library(library):
    path = library.directory / "p/v.yaml"
    before = path.read_bytes()
    with pytest.raises(ModelError) as error:
        library.write_model("p/v.yaml", cost_text(0).replace("other_cost: 0", "other_cost: -5"),
                            user=IVAN, expected_sha256=file_sha256(path),
                            changes=[Change("a", "other_cost", "0", "-5")])
    assert str(error.value).splitlines()[0] == ("p/v.yaml:8: a: other_cost: must not be "
                                                "negative (got -5)")
    assert path.read_bytes() == before and not library.change_log_path.exists()


def test_a_file_changed_by_hand_is_logged_as_such_before_the_edit(library):
    path = library.directory / "p/v.yaml"
    first = save_cost(library, "p/v.yaml", 1, expected=file_sha256(path))
    path.write_text(cost_text(2), encoding="utf-8")  # by hand
    by_hand = file_sha256(path)
    assert [f.kind for f in library.verify().findings] == ["changed_outside"]
    save_cost(library, "p/v.yaml", 3, expected=by_hand)
    entries = log_of(library).entries()
    assert [(e.element, e.old_value, e.new_value, e.file_sha256_after) for e in entries[1:]] == [
        ("(file)", f"sha256 {first.sha256}", "changed outside abc-costing (recorded by ivan)",
         by_hand),
        ("a", None, "3", file_sha256(path))]
    assert library.verify().ok


def test_record_outside_change_accepts_a_hand_edit(library):
    path = library.directory / "p/v.yaml"
    save_cost(library, "p/v.yaml", 1, expected=file_sha256(path))
    (library.directory / "p/new.yaml").write_text(cost_text(4), encoding="utf-8")
    assert [(f.kind, f.file) for f in library.verify().findings] == [("not_logged", "p/new.yaml")]
    saved = library.record_outside_change("p/new.yaml", user=IVAN, reason="скопирован из архива")
    assert [(e.new_value, e.reason) for e in saved.changes] == [
        ("added to the library outside abc-costing (recorded by ivan)", "скопирован из архива")]
    assert library.verify().ok
    with pytest.raises(ValueError, match="matches the change log"):
        library.record_outside_change("p/new.yaml", user=IVAN)


@pytest.mark.parametrize("name", ["../v.yaml", "p/.hidden.yaml", "p/v.txt", ".yaml", "/etc/x.yaml"])
def test_only_model_files_inside_the_library_can_be_written(library, name):
    with pytest.raises(NotInLibraryError, match="not a model file of the library"):
        save_cost(library, name, 1, expected=None)
    assert not library.change_log_path.exists()


def test_a_model_file_that_is_a_link_is_refused(library, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(model_text(BODY), encoding="utf-8")
    link = library.directory / "p" / "link.yaml"
    link.symlink_to(outside)
    with pytest.raises(UnsafeTargetError, match="^p/link.yaml: is a symbolic link"):
        save_cost(library, "p/link.yaml", 1, expected=file_sha256(outside))
    assert link.is_symlink() and outside.read_text("utf-8") == model_text(BODY)


# --- faults: neither, or both ----------------------------------------------------------


def test_disk_full_while_writing_the_new_text_leaves_file_and_log_unchanged(library, monkeypatch):
    path = library.directory / "p/v.yaml"
    save_cost(library, "p/v.yaml", 1, expected=file_sha256(path))
    before = path.read_bytes()
    import abc_costing.store.library as module

    real = module.write_durably

    def full(target, data, **kwargs):
        if target.name.endswith(".abc-pending"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(target, data, **kwargs)

    monkeypatch.setattr(module, "write_durably", full)
    with pytest.raises(ModelWriteError) as error:
        save_cost(library, "p/v.yaml", 2, expected=file_sha256(path))
    assert str(error.value) == ("p/v.yaml: not saved (No space left on device); the file and "
                                "the change log are unchanged")
    assert path.read_bytes() == before and len(log_of(library).entries()) == 1
    assert listing(path.parent) == ["v.yaml"]
    assert library.verify().ok


def test_a_log_that_fails_after_the_new_text_is_on_disk_leaves_neither(library, monkeypatch):
    path = library.directory / "p/v.yaml"
    before = path.read_bytes()
    pending_seen = []

    def failing(self, saves, **kwargs):
        pending_seen.append(listing(path.parent))
        raise ChangeLogError("log.sqlite: change log database error: disk I/O error")

    monkeypatch.setattr(ChangeLog, "append_saves", failing)
    with pytest.raises(ChangeLogError, match="disk I/O error"):
        save_cost(library, "p/v.yaml", 2, expected=file_sha256(path))
    assert pending_seen == [[".v.yaml.abc-pending", "v.yaml"]]  # the text was written first
    monkeypatch.undo()
    assert path.read_bytes() == before and log_of(library).entries() == []
    assert listing(path.parent) == ["v.yaml"]
    assert not library.change_log_path.with_name("log.sqlite.journal").exists()


def test_a_rename_that_fails_after_the_log_committed_is_rolled_forward(library, monkeypatch):
    path = library.directory / "p/v.yaml"
    real_replace = os.replace

    def refuse_pending(source, target):
        if str(source).endswith(".abc-pending"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", refuse_pending)
    with pytest.raises(ModelWriteError, match=r"^p/v.yaml: the save was interrupted \(Input/output "
                                              r"error\) and cannot be completed or undone yet"):
        save_cost(library, "p/v.yaml", 7, expected=file_sha256(path))
    [entry] = log_of(library).entries()  # logged, the file not yet replaced
    assert file_sha256(path) != entry.file_sha256_after
    monkeypatch.undo()
    reopened = ModelLibrary(library.directory, change_log=library.change_log_path)
    assert file_sha256(path) == entry.file_sha256_after  # rolled forward on opening
    assert load_model(path).activities["a"].other_cost == 7
    assert reopened.verify().ok and listing(path.parent) == ["v.yaml"]


def test_a_busy_log_refuses_the_save_and_changes_nothing(library):
    path = library.directory / "p/v.yaml"
    save_cost(library, "p/v.yaml", 1, expected=file_sha256(path))
    before = path.read_bytes()
    blocker = sqlite3.connect(library.change_log_path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")  # another program holds the log's write lock
    try:
        quick = ModelLibrary(library.directory, change_log=ChangeLog(
            library.change_log_path, busy_timeout_s=0.2))
        with pytest.raises(ChangeLogError, match="the change log is busy"):
            save_cost(quick, "p/v.yaml", 2, expected=file_sha256(path))
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert path.read_bytes() == before and len(log_of(library).entries()) == 1
    assert library.verify().ok


def test_a_save_waits_for_the_library_lock_then_gives_up(library):
    path = library.directory / "p/v.yaml"
    impatient = ModelLibrary(library.directory, change_log=library.change_log_path,
                             lock_timeout_s=0.1)
    with library._locked():  # another save in progress
        with pytest.raises(LibraryBusyError, match="the library is busy"):
            save_cost(impatient, "p/v.yaml", 2, expected=file_sha256(path))
    assert not library.change_log_path.exists()


# --- concurrency -----------------------------------------------------------------------

SAVES_PER_THREAD = 6
COST = re.compile(r"other_cost: (\d+)")


def test_concurrent_saves_while_the_log_is_busy_log_every_file_state_in_order(library):
    """Two editors on one file, one each on two others, and a program holding the log's lock.

    Each save raises the file's ``other_cost`` by one, so the log of each file must read
    1, 2, 3, ... in order, each entry's old value the previous entry's new value, and the file
    must end at the count of its saves with the digest of its last entry.
    """
    log = ChangeLog(library.change_log_path)
    library_dir = library.directory
    (library_dir / "r").mkdir()
    (library_dir / "r/x.yaml").write_text(model_text(BODY), encoding="utf-8")
    workers = [("p/v.yaml", "ana"), ("p/v.yaml", "boris"), ("q/w.yaml", "vera"),
               ("r/x.yaml", "gleb")]
    failures: list[BaseException] = []
    done = threading.Event()

    def editor(name: str, user: str) -> None:
        path = library_dir / name
        saved = 0
        try:
            while saved < SAVES_PER_THREAD:
                data = path.read_bytes()
                text = data.decode("utf-8")
                value = int(COST.search(text).group(1))
                edit = Edit(("activities", "a", "other_cost"), "a", "other_cost", value,
                            value + 1)
                try:
                    save_model_edits(path, loaded_text=text,
                                     loaded_sha256=hashlib.sha256(data).hexdigest(),
                                     edits=[edit], user=local_user(user), change_log=log,
                                     file_label=name)
                    saved += 1
                except StaleFileError:
                    continue  # the other editor saved first: reload, edit again
        except BaseException as error:  # noqa: B036 - reported by the main thread
            failures.append(error)

    def busy_program() -> None:
        # Holds the log's SQLite write lock on and off, as a backup or a report might.
        while not done.is_set():
            db = sqlite3.connect(library.change_log_path, isolation_level=None, timeout=30)
            db.execute("BEGIN IMMEDIATE")
            done.wait(0.03)
            db.execute("COMMIT")
            db.close()
            done.wait(0.01)

    threads = [threading.Thread(target=editor, args=worker) for worker in workers]
    blocker = threading.Thread(target=busy_program)
    blocker.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    blocker.join()
    assert failures == []
    entries = log.entries()
    assert len(entries) == 4 * SAVES_PER_THREAD  # one entry per save, nothing else
    for name, saves in (("p/v.yaml", 2 * SAVES_PER_THREAD), ("q/w.yaml", SAVES_PER_THREAD),
                        ("r/x.yaml", SAVES_PER_THREAD)):
        mine = [e for e in entries if e.file == name]
        assert [e.new_value for e in mine] == [str(n) for n in range(1, saves + 1)]
        assert [e.old_value for e in mine] == [str(n) for n in range(saves)]
        path = library_dir / name
        assert load_model(path).activities["a"].other_cost == saves
        assert mine[-1].file_sha256_after == file_sha256(path)
    check = ModelLibrary(library_dir, change_log=log).verify()
    assert (check.ok, check.head.entries) == (True, 4 * SAVES_PER_THREAD)


def test_log_errors_name_the_log_without_the_server_folders(tmp_path):
    (tmp_path / "srv" / "models" / "p").mkdir(parents=True)
    (tmp_path / "srv" / "models" / "p" / "v.yaml").write_text(model_text(BODY), encoding="utf-8")
    log_path = tmp_path / "srv" / ".abc-costing" / "change_log.sqlite"
    log_path.parent.mkdir()
    log_path.write_text("not a database", encoding="utf-8")
    library = ModelLibrary(tmp_path / "srv" / "models", change_log=log_path)
    with pytest.raises(ChangeLogError) as error:
        save_cost(library, "p/v.yaml", 1, expected=file_sha256(library.directory / "p/v.yaml"))
    assert str(error.value) == (".abc-costing/change_log.sqlite: not a SQLite database, so not "
                                "a change log")
