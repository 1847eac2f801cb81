"""Writing files: invalid models never written, a crash leaves the old file, outputs only regular files."""

from __future__ import annotations

import os
import socket
import stat

import pytest

from abc_costing.cli import main
from abc_costing.formats import read_model
from abc_costing.formats.roundtrip import EditableModel
from abc_costing.problems import AbcCostingError, ModelError
from abc_costing.store import (
    StaleFileError,
    UnsafeTargetError,
    check_regular_target,
    file_sha256,
    save_model_text,
    write_atomic,
)
from tests.conftest import LIBRARY, model_text

BODY = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}  # бухгалтер
activities:
  a: {labor: {clerk: 10}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""


@pytest.fixture
def saved(tmp_path):
    path = tmp_path / "вариант.yaml"
    path.write_text(model_text(BODY), encoding="utf-8")
    return path


def edited(path, minutes) -> str:
    doc = EditableModel.from_text(path.read_text("utf-8"))
    doc.set(("activities", "a", "labor", "clerk"), minutes)
    return doc.to_text()


def folder_listing(path):
    return sorted(p.name for p in path.parent.iterdir())


def test_save_writes_the_new_text_and_returns_its_digest(saved):
    loaded = file_sha256(saved)
    digest = save_model_text(saved, edited(saved, 20), expected_sha256=loaded)
    assert digest == file_sha256(saved) != loaded
    model, _ = read_model(saved)
    assert model.activities["a"].labor["clerk"].mean_minutes == 20
    assert "# бухгалтер" in saved.read_text("utf-8")
    assert folder_listing(saved) == ["вариант.yaml"]  # no temp files left


def test_invalid_model_is_never_written(saved):
    before = saved.read_bytes()
    with pytest.raises(ModelError) as error:
        save_model_text(saved, edited(saved, -5), expected_sha256=file_sha256(saved))
    assert "must not be negative" in str(error.value)
    assert saved.read_bytes() == before


def test_second_editor_is_refused_and_nothing_is_lost(saved):
    loaded_by_both = file_sha256(saved)
    first = edited(saved, 20)
    second = edited(saved, 30)
    save_model_text(saved, first, expected_sha256=loaded_by_both)
    with pytest.raises(StaleFileError) as stale:
        save_model_text(saved, second, expected_sha256=loaded_by_both)
    assert stale.value.current_text == first  # shown to the second editor as the difference
    assert saved.read_text("utf-8") == first  # the first editor's save survives


def test_deleted_file_is_reported_as_stale(saved):
    digest = file_sha256(saved)
    text = edited(saved, 20)
    saved.unlink()
    with pytest.raises(StaleFileError, match="was deleted"):
        save_model_text(saved, text, expected_sha256=digest)


def test_interrupted_save_leaves_the_old_file_intact(saved, monkeypatch):
    before = saved.read_bytes()

    def crash(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        save_model_text(saved, edited(saved, 20), expected_sha256=file_sha256(saved))
    assert saved.read_bytes() == before
    assert folder_listing(saved) == ["вариант.yaml"]


def test_interrupted_write_leaves_the_old_file_intact(saved, monkeypatch):
    before = saved.read_bytes()

    def crash(fd):
        raise OSError("I/O error")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="I/O error"):
        save_model_text(saved, edited(saved, 20), expected_sha256=file_sha256(saved))
    assert saved.read_bytes() == before
    assert folder_listing(saved) == ["вариант.yaml"]


def test_save_as_new_variant_refuses_to_replace_a_file(saved):
    text = edited(saved, 20)
    new = saved.with_name("новый.yaml")
    save_model_text(new, text, expected_sha256=None, create=True)
    assert read_model(new)[0] is not None
    with pytest.raises(FileExistsError):
        save_model_text(new, text, expected_sha256=None, create=True)


def test_save_into_a_missing_folder(saved, tmp_path):
    with pytest.raises(ModelError, match="folder does not exist"):
        save_model_text(tmp_path / "нет" / "m.yaml", saved.read_text("utf-8"),
                        expected_sha256=None, create=True)


# --- outputs only as regular files (issue 10, kind 9) ----------------------------------


def test_a_symbolic_link_is_never_written_through_or_replaced(tmp_path):
    target = tmp_path / "чужой.csv"
    target.write_bytes(b"keep me")
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    with pytest.raises(UnsafeTargetError) as error:
        write_atomic(link, b"report", name="out.csv")
    assert str(error.value) == ("out.csv: is a symbolic link; files are written only as "
                                "regular files, so it was left as it is (choose another name)")
    assert isinstance(error.value, OSError) and isinstance(error.value, AbcCostingError)
    assert link.is_symlink() and target.read_bytes() == b"keep me"
    dangling = tmp_path / "dangling.pdf"
    dangling.symlink_to(tmp_path / "nowhere.pdf")
    with pytest.raises(UnsafeTargetError, match="is a symbolic link"):
        write_atomic(dangling, b"report")
    assert dangling.is_symlink() and not (tmp_path / "nowhere.pdf").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling.pdf", "out.csv", "чужой.csv"]


def test_a_pipe_a_socket_or_a_folder_is_refused(tmp_path):
    fifo = tmp_path / "pipe.xlsx"
    os.mkfifo(fifo)
    with pytest.raises(UnsafeTargetError, match=r"^pipe.xlsx: is a named pipe; "):
        write_atomic(fifo, b"x", name="pipe.xlsx")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock.json"))
    try:
        with pytest.raises(UnsafeTargetError, match="is a socket"):
            write_atomic(tmp_path / "sock.json", b"{}")
    finally:
        server.close()
    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(UnsafeTargetError, match="is a folder"):
        write_atomic(tmp_path / "folder.csv", b"x")
    # lstat only: a device is refused by what it is, nothing is opened.
    with pytest.raises(UnsafeTargetError, match="^out.pdf: is a device"):
        check_regular_target("/dev/null", name="out.pdf")


def test_report_to_a_link_is_refused_by_the_cli(tmp_path, capsys):
    kept = tmp_path / "kept.json"
    kept.write_text("{}", encoding="utf-8")
    link = tmp_path / "report.json"
    link.symlink_to(kept)
    code = main(["report", str(LIBRARY / "contract_approval" / "as_is.yaml"), "--format", "json",
                 "-o", str(link)])
    err = capsys.readouterr().err
    assert code == 1
    assert "is a symbolic link; files are written only as regular files" in err
    assert "Traceback" not in err
    assert link.is_symlink() and kept.read_text("utf-8") == "{}"


def test_a_model_save_refuses_a_link_and_names_the_file_as_given(saved, tmp_path):
    link = tmp_path / "link.yaml"
    link.symlink_to(saved)
    before = saved.read_bytes()
    with pytest.raises(UnsafeTargetError, match="^p/link.yaml: is a symbolic link"):
        save_model_text(link, edited(saved, 20), expected_sha256=file_sha256(saved),
                        name="p/link.yaml")
    assert saved.read_bytes() == before and link.is_symlink()


def test_a_label_inside_the_library_asks_the_file_system_nothing(tmp_path, monkeypatch):
    # A path under the folder as named is labelled from the names alone: resolving both
    # paths (every part stat-ed) ran for each of a portfolio's 1,000 rows before.
    from pathlib import Path

    from abc_costing.store import library_label

    def refused(self):
        raise AssertionError("resolve() called")

    monkeypatch.setattr(Path, "resolve", refused)
    assert library_label(tmp_path / "p" / "as_is.yaml", tmp_path) == "p/as_is.yaml"


def test_a_label_through_a_link_to_the_library_is_still_relative(tmp_path):
    # Only the resolved forms agree: the library named by a link, the file by its target.
    from abc_costing.store import library_label

    (tmp_path / "real" / "p").mkdir(parents=True)
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert library_label(tmp_path / "real" / "p" / "as_is.yaml", tmp_path / "link") \
        == "p/as_is.yaml"
    assert library_label(tmp_path / "elsewhere.yaml", tmp_path / "link") == "elsewhere.yaml"
