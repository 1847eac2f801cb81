"""The change log: append-only, hash-chained, tampering found, safe CSV, CLI without tracebacks."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest

from abc_costing.cli import main
from abc_costing.store import (
    ChangeEntry,
    ChangeLog,
    ChangeLogError,
    RecordedChange,
    default_change_log_path,
)
from abc_costing.store.change_log import GENESIS_HASH

FILE = "contract_approval/as_is.yaml"
NOW = datetime(2026, 3, 31, 9, 30, 15, 123456, tzinfo=UTC)
HEADER = ["seq", "time", "user", "file", "element", "field", "old_value", "new_value", "reason",
          "file_sha256_after", "prev_hash", "hash"]


def change(element="legal_review", field="labor.lawyer", old="{triangular: [30, 45, 90]}",
           new="40", *, user="анна@пример.рф", file=FILE, reason=None) -> ChangeEntry:
    return ChangeEntry(user=user, file=file, element=element, field=field, old_value=old,
                       new_value=new, reason=reason)


def documented_hash(entry: RecordedChange) -> str:
    """The chain formula written out again, independently of the module."""
    body = {k: v for k, v in entry.as_dict().items() if k != "hash"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    return hashlib.sha256((entry.prev_hash + canonical).encode("utf-8")).hexdigest()


@pytest.fixture
def log(tmp_path):
    return ChangeLog(tmp_path / ".abc-costing" / "change_log.sqlite")


@pytest.fixture
def four(log):
    """A log of four entries, appended one save at a time."""
    for i in range(4):
        log.append([change("lawyer", "rate_per_hour", str(1000 + i), str(1001 + i))],
                   now=NOW + timedelta(minutes=i))
    return log


def tamper(log: ChangeLog, *statements: str) -> None:
    """Go around the module: drop the guards, then change rows directly."""
    db = sqlite3.connect(log.path, isolation_level=None)
    try:
        db.execute("DROP TRIGGER IF EXISTS change_log_no_update")
        db.execute("DROP TRIGGER IF EXISTS change_log_no_delete")
        for statement in statements:
            db.execute(statement)
    finally:
        db.close()


# --- appending and reading ----------------------------------------------------------------


def test_append_and_read_back_cyrillic_values(log):
    [recorded] = log.append(
        [change(old="{triangular: [30, 45, 90]}", new="{pert: [20, 40, 60]}",
                reason="Замеры юристов за март")],
        file_sha256_after="ab" * 32, now=NOW)
    assert log.path.is_file()
    assert recorded.seq == 1
    assert recorded.time == "2026-03-31T09:30:15.123456Z"
    assert (recorded.user, recorded.file, recorded.element, recorded.field) == (
        "анна@пример.рф", FILE, "legal_review", "labor.lawyer")
    assert (recorded.old_value, recorded.new_value) == ("{triangular: [30, 45, 90]}",
                                                        "{pert: [20, 40, 60]}")
    assert recorded.reason == "Замеры юристов за март"
    assert recorded.file_sha256_after == "ab" * 32
    assert recorded.prev_hash == GENESIS_HASH == "0" * 64
    assert recorded.hash == documented_hash(recorded)
    assert log.entries() == [recorded]
    assert ChangeLog(log.path).entries() == [recorded]  # another object, same file


def test_time_is_utc_with_microseconds_whatever_the_zone_given(log):
    moscow = timezone(timedelta(hours=3))
    [entry] = log.append([change()], now=datetime(2026, 3, 31, 12, 30, tzinfo=moscow))
    assert entry.time == "2026-03-31T09:30:00.000000Z"
    [entry] = log.append([change()])
    recorded_at = datetime.strptime(entry.time, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert abs(datetime.now(UTC) - recorded_at) < timedelta(minutes=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        log.append([change()], now=datetime(2026, 3, 31, 12, 30))
    assert len(log.entries()) == 2


def test_several_entries_of_one_save_share_a_transaction_and_chain(log):
    saved = log.append([change("lawyer", "rate_per_hour", "3000", "3200"),
                        change("legal_review", "labor.lawyer", "45", "40"),
                        change("flows[4]", "probability", "0.3", "0.25")],
                       file_sha256_after="cd" * 32, now=NOW)
    assert [e.seq for e in saved] == [1, 2, 3]
    assert {e.time for e in saved} == {"2026-03-31T09:30:15.123456Z"}
    assert {e.file_sha256_after for e in saved} == {"cd" * 32}
    assert [e.prev_hash for e in saved] == [GENESIS_HASH, saved[0].hash, saved[1].hash]
    assert log.entries() == saved


def test_a_failure_in_the_middle_of_a_save_records_none_of_it(log):
    log.append([change(new="1")], now=NOW)
    db = sqlite3.connect(log.path, isolation_level=None)
    db.execute("CREATE TRIGGER fail_third BEFORE INSERT ON change_log WHEN NEW.seq = 3 "
               "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END")
    with pytest.raises(ChangeLogError, match="disk on fire"):
        log.append([change(new="2"), change(new="3"), change(new="4")])
    assert [e.new_value for e in log.entries()] == ["1"]  # entry 2 was rolled back with 3
    db.execute("DROP TRIGGER fail_third")
    db.close()
    assert [e.seq for e in log.append([change(new="2"), change(new="3")])] == [2, 3]
    assert log.verify().ok


def test_entries_and_head_hash_per_file(log):
    first = log.append([change(file="a/as_is.yaml", new="1")])
    second = log.append([change(file="b/as_is.yaml", new="2")])
    assert log.entries(file="a/as_is.yaml") == first
    assert log.entries(file="b/as_is.yaml") == second
    assert log.entries(file="c/as_is.yaml") == []
    assert log.head_hash() == second[0].hash
    assert log.head_hash(file="a/as_is.yaml") == first[0].hash
    assert log.head_hash(file="c/as_is.yaml") is None
    assert ChangeLog(log.path.parent / "empty.sqlite").head_hash() is None


def test_entries_are_checked_before_anything_is_written(log):
    with pytest.raises(ValueError, match="user must not be empty"):
        change(user=" ")
    with pytest.raises(TypeError, match="old_value must be text, not int"):
        change(old=1200)
    with pytest.raises(ValueError, match="64 lowercase hex"):
        log.append([change()], file_sha256_after="not a digest")
    with pytest.raises(TypeError, match="sequence of ChangeEntry"):
        log.append(change())
    assert log.append([]) == []
    assert log.entries() == [] and log.verify().entries == 0


# --- the chain ----------------------------------------------------------------------------


def test_an_untouched_chain_verifies(four):
    check = four.verify()
    entries = four.entries()
    assert (check.ok, check.entries, check.first_bad_seq) == (True, 4, None)
    assert check.message == "4 entries, chain intact"
    assert check.head_hash == four.head_hash() == entries[-1].hash
    assert all(e.hash == documented_hash(e) for e in entries)
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]


def test_an_empty_log_verifies(log):
    check = log.verify()
    assert (check.ok, check.entries, check.head_hash, check.message) == (
        True, 0, None, "0 entries, chain intact")


def test_update_and_delete_are_refused_by_triggers(four):
    db = sqlite3.connect(four.path, isolation_level=None)
    with pytest.raises(sqlite3.DatabaseError, match="change_log is append-only"):
        db.execute("UPDATE change_log SET new_value = '999' WHERE seq = 2")
    with pytest.raises(sqlite3.DatabaseError, match="change_log is append-only"):
        db.execute("DELETE FROM change_log WHERE seq = 4")
    with pytest.raises(sqlite3.DatabaseError, match="change_log_head must not be deleted"):
        db.execute("DELETE FROM change_log_head")
    db.close()
    assert [e.new_value for e in four.entries()] == ["1001", "1002", "1003", "1004"]
    assert four.verify().ok


def test_an_edited_value_is_found(four):
    tamper(four, "UPDATE change_log SET new_value = '500' WHERE seq = 2")
    check = four.verify()
    assert (check.ok, check.first_bad_seq, check.entries) == (False, 2, 4)
    assert check.message == "entry 2 was altered (its hash does not match its contents)"


def test_an_edited_entry_with_a_recomputed_hash_breaks_the_next_link(four):
    entry = four.entries()[1]
    forged = RecordedChange(**{**entry.as_dict(), "new_value": "500"})
    tamper(four, f"UPDATE change_log SET new_value = '500', "
                 f"hash = '{documented_hash(forged)}' WHERE seq = 2")
    check = four.verify()
    assert (check.ok, check.first_bad_seq) == (False, 3)
    assert check.message.startswith("the chain is broken at 3")


def test_a_deleted_middle_entry_is_found(four):
    tamper(four, "DELETE FROM change_log WHERE seq = 2")
    check = four.verify()
    assert (check.ok, check.first_bad_seq, check.entries) == (False, 2, 3)
    assert check.message == "entry 2 is missing (sequence jumps from 1 to 3)"


def test_swapped_entries_are_found(four):
    # Exchange the contents of rows 2 and 3, keeping their seq numbers.
    other = ", ".join(c for c in HEADER if c != "seq")
    tamper(four,
           f"CREATE TEMP TABLE saved AS SELECT seq, {other} FROM change_log WHERE seq IN (2, 3)",
           "DELETE FROM change_log WHERE seq IN (2, 3)",
           f"INSERT INTO change_log (seq, {other}) SELECT 5 - seq, {other} FROM saved")
    entries = four.entries()
    assert [e.new_value for e in entries] == ["1001", "1003", "1002", "1004"]
    check = four.verify()
    assert (check.ok, check.first_bad_seq) == (False, 2)
    assert check.message == "entries are out of order at 2 (entry 2 claims to follow entry 3)"


def test_a_cut_off_tail_disagrees_with_the_head(four):
    anchored = four.head_hash()
    tamper(four, "DELETE FROM change_log WHERE seq = 4")
    check = four.verify()
    assert (check.ok, check.first_bad_seq, check.entries) == (False, 4, 3)
    assert check.message == ("entry 4 is missing: the log ends at entry 3 but its head record "
                             "says 4 (the tail was cut off)")
    # Rewriting the head as well passes the chain; the head hash kept elsewhere does not.
    tamper(four, f"UPDATE change_log_head SET entries = 3, hash = '{four.head_hash()}'")
    assert four.verify().ok
    assert four.head_hash() != anchored


def test_an_entry_inserted_around_the_log_is_found(four):
    last = four.entries()[-1]
    extra = RecordedChange(**{**last.as_dict(), "seq": 5, "prev_hash": last.hash})
    extra = RecordedChange(**{**extra.as_dict(), "hash": documented_hash(extra)})
    db = sqlite3.connect(four.path, isolation_level=None)
    db.execute(f"INSERT INTO change_log VALUES ({', '.join('?' * 12)})",
               tuple(extra.as_dict().values()))
    db.close()
    check = four.verify()
    assert (check.ok, check.first_bad_seq, check.entries) == (False, 5, 5)
    assert "were not added through the change log" in check.message


def test_reopening_puts_dropped_guards_back(four):
    tamper(four)
    ChangeLog(four.path)
    db = sqlite3.connect(four.path)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.execute("DELETE FROM change_log")
    db.close()
    assert four.verify().entries == 4


def test_two_logs_on_one_file_appending_from_two_threads_never_fork(tmp_path):
    path = tmp_path / "shared.sqlite"
    logs = [ChangeLog(path), ChangeLog(path)]
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def work(log: ChangeLog, user: str) -> None:
        try:
            start.wait()
            for i in range(25):
                log.append([change(user=user, new=f"{i}a"), change(user=user, new=f"{i}b")])
        except BaseException as error:  # noqa: B036 - reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=work, args=(log, f"user{n}"))
               for n, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    entries = logs[0].entries()
    assert [e.seq for e in entries] == list(range(1, 101))
    assert [e.prev_hash for e in entries] == [GENESIS_HASH] + [e.hash for e in entries[:-1]]
    assert sum(e.user == "user0" for e in entries) == sum(e.user == "user1" for e in entries) == 50
    # The two entries of one save stay next to each other.
    assert all(a.user == b.user and a.new_value[:-1] == b.new_value[:-1]
               for a, b in zip(entries[::2], entries[1::2], strict=True))
    check = logs[1].verify()
    assert (check.ok, check.entries) == (True, 100)


# --- files that are not a change log ------------------------------------------------------


def test_a_file_that_is_not_sqlite_is_refused_by_name(tmp_path):
    path = tmp_path / "журнал.sqlite"
    path.write_text("name,value\nlawyer,3000\n", encoding="utf-8")
    with pytest.raises(ChangeLogError) as error:
        ChangeLog(path)
    assert str(error.value) == f"{path}: not a SQLite database, so not a change log"
    assert isinstance(error.value, ValueError)
    assert path.read_text(encoding="utf-8") == "name,value\nlawyer,3000\n"


def test_a_sqlite_database_of_something_else_is_refused(tmp_path):
    other = tmp_path / "other.sqlite"
    db = sqlite3.connect(other)
    db.execute("CREATE TABLE invoices (id INTEGER)")
    db.commit()
    db.close()
    with pytest.raises(ChangeLogError, match=r"other\.sqlite: a SQLite database of something "
                                             r"else, not a change log \(tables: invoices\)"):
        ChangeLog(other)
    wrong = tmp_path / "wrong.sqlite"
    db = sqlite3.connect(wrong)
    db.execute("CREATE TABLE change_log (seq INTEGER, what TEXT)")
    db.execute("CREATE TABLE change_log_head (id INTEGER, format TEXT, entries INT, hash TEXT)")
    db.commit()
    db.close()
    with pytest.raises(ChangeLogError, match=r"wrong\.sqlite: not a change log of this version "
                                             r"\(table change_log has columns seq, what"):
        ChangeLog(wrong)


def test_create_false_neither_creates_nor_accepts_a_missing_log(tmp_path):
    path = tmp_path / "nowhere" / "log.sqlite"
    with pytest.raises(ChangeLogError, match="no change log here"):
        ChangeLog(path, create=False)
    assert not path.parent.exists()


def test_a_log_deleted_after_opening_is_an_error_not_a_fresh_log(log):
    log.append([change()])
    for suffix in ("", "-wal", "-shm"):
        log.path.with_name(log.path.name + suffix).unlink(missing_ok=True)
    with pytest.raises(ChangeLogError, match="cannot open the change log"):
        log.entries()
    assert not log.path.exists()


def test_a_log_whose_creation_fails_half_way_leaves_nothing_in_its_place(tmp_path, monkeypatch):
    # A process killed while creating the log left a database without tables where the log
    # belongs, which every reader then refused ("not a change log").
    path = tmp_path / "audit" / "log.sqlite"
    monkeypatch.setattr("abc_costing.store.change_log._SCHEMA",
                        "BEGIN IMMEDIATE; CREATE TABLE change_log (seq INTEGER); "
                        "SELECT no_such_function();")
    with pytest.raises(ChangeLogError, match="no such function"):
        ChangeLog(path)
    assert not path.exists() and list(path.parent.iterdir()) == []
    monkeypatch.undo()
    assert ChangeLog(path).verify().ok and ChangeLog(path, create=False).entries() == []


def test_default_path_sits_beside_the_library_unless_configured(tmp_path, monkeypatch):
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    library = tmp_path / "process_models"
    assert default_change_log_path(library) == tmp_path / ".abc-costing" / "change_log.sqlite"
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(tmp_path / "audit" / "log.sqlite"))
    assert default_change_log_path(library) == tmp_path / "audit" / "log.sqlite"


# --- CSV export ---------------------------------------------------------------------------


def test_csv_has_bom_header_cyrillic_and_no_live_formulas(log):
    injected = ['=HYPERLINK("http://x","y")', "=1+2", "-5", "@SUM(A1)", "+7", "\tcmd",
                "a;=1+2"]
    log.append([change(old="обычный текст", new=value, reason="Причина") for value in injected]
               + [change(old=None, new="1200", field="(file)")], now=NOW)
    data = log.to_csv_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == HEADER
    assert len(rows) == 1 + len(injected) + 1
    new_values = [row[HEADER.index("new_value")] for row in rows[1:]]
    assert new_values == ["'" + value for value in injected[:-1]] + ["a;=1+2", "1200"]
    assert rows[1][HEADER.index("old_value")] == "обычный текст"
    assert rows[-1][HEADER.index("old_value")] == ""  # None
    assert rows[1][:3] == ["1", "2026-03-31T09:30:15.123456Z", "анна@пример.рф"]
    assert rows[1][-1] == log.entries()[0].hash
    # Every cell quoted, so Excel splitting on ";" cannot cut a value into a new cell.
    assert '"a;=1+2"' in text and '"\'=1+2"' in text


def test_csv_of_selected_entries(log):
    log.append([change(file="a.yaml", new="1"), change(file="b.yaml", new="2")])
    rows = list(csv.reader(io.StringIO(
        log.to_csv_bytes(log.entries(file="b.yaml")).decode("utf-8-sig"), newline="")))
    assert [row[:4] for row in rows[1:]] == [["2", rows[1][1], "анна@пример.рф", "b.yaml"]]


# --- the command line ---------------------------------------------------------------------


def run(capsys, *argv):
    code = main(list(map(str, argv)))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_cli_verify_ok_and_tampered(capsys, four):
    code, out, err = run(capsys, "log", "verify", "--db", four.path)
    assert (code, err) == (0, "")
    assert out.strip() == f"change log OK: 4 entries, head {four.head_hash()[:12]}"
    tamper(four, "UPDATE change_log SET old_value = '1' WHERE seq = 3")
    code, out, err = run(capsys, "log", "verify", "--db", four.path)
    assert (code, out) == (1, "")
    assert err.strip() == (f"{four.path}: change log FAILED verification: entry 3 was altered "
                           "(its hash does not match its contents)")


def test_cli_refuses_a_non_sqlite_file_without_a_traceback(capsys, tmp_path):
    path = tmp_path / "model.yaml"
    path.write_text("format: abc-costing/1\n", encoding="utf-8")
    for action in (["verify"], ["show"], ["export", "-o", tmp_path / "out.csv"]):
        code, out, err = run(capsys, "log", *action, "--db", path)
        assert (code, out) == (1, "")
        assert err.strip() == f"{path}: not a SQLite database, so not a change log"
    assert not (tmp_path / "out.csv").exists()


def test_cli_does_not_create_a_missing_log(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    (tmp_path / "process_models").mkdir()
    code, out, err = run(capsys, "log", "verify")
    # a library nothing was ever saved in: said so, and nothing is created
    assert (code, out.strip()) == (0, "no change log yet: no model file was changed through "
                                      "abc-costing")
    assert not (tmp_path / ".abc-costing").exists()
    code, out, err = run(capsys, "log", "verify", "--db", tmp_path / "gone.sqlite")
    assert (code, out) == (1, "")
    assert err.strip() == f"{tmp_path / 'gone.sqlite'}: no change log here (file not found)"
    assert not (tmp_path / "gone.sqlite").exists()


def test_cli_default_db_honours_the_environment(capsys, four, monkeypatch):
    monkeypatch.setenv("ABC_COSTING_CHANGE_LOG", str(four.path))
    code, out, _ = run(capsys, "log", "verify")
    assert code == 0 and out.startswith("change log OK: 4 entries")


def test_cli_show_table_json_and_file_filter(capsys, log):
    log.append([change(new="40", reason="[bold]замер"),
                change(file="zhkh_leads/as_is.yaml", element="call", new="x\x1b[2J\u202ey")],
               now=NOW)
    code, out, err = run(capsys, "log", "show", "--db", log.path)
    assert (code, err) == (0, "")
    assert "анна@пример.рф" in out and "legal_review" in out and "[bold]замер" in out
    assert "{triangular: [30, 45, 90]}" in out and "2026-03-31T09:30:15.123456Z" in out
    # Control and bidi characters are shown, not obeyed.
    assert "\x1b" not in out and "\u202e" not in out and "x\\x1b[2J\\u202ey" in out
    code, out, _ = run(capsys, "log", "show", "--db", log.path, "--json", "--file", FILE)
    assert code == 0
    assert json.loads(out) == [log.entries()[0].as_dict()]
    code, out, _ = run(capsys, "log", "show", "--db", log.path, "--file", "none.yaml")
    assert (code, out.strip()) == (0, "no changes logged for none.yaml")


def test_cli_export_writes_the_csv_atomically(capsys, four, tmp_path):
    target = tmp_path / "exports" / "журнал.csv"
    code, out, err = run(capsys, "log", "export", "--db", four.path, "-o", target)
    assert (code, out, target.exists()) == (1, "", False)
    assert err.strip() == f"{target}: folder {target.parent} does not exist"
    target.parent.mkdir()
    code, out, err = run(capsys, "log", "export", "--db", four.path, "-o", target)
    assert (code, err) == (0, "")
    assert out.strip() == f"exported 4 entries to {target}"
    assert target.read_bytes() == four.to_csv_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["журнал.csv"]  # no temp file
