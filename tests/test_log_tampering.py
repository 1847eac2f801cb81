"""The audit trail against tampering: each fault the issue lists is found and named.

Issue 10, kind 8: ``log verify`` accepted a log whose newest entries were cut off with the
head moved back, a log emptied with its head reset and a whole chain rewritten; a deleted log
was recreated with one entry and verified as intact. The library's anchor (outside the log),
the model files' digests and an optional signing key find each of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3

import pytest

from abc_costing.access import AccessDenied, local_user, user_from_identity
from abc_costing.store.change_log import (
    COLUMNS,
    GENESIS_HASH,
    ChangeEntry,
    ChangeLog,
    ChangeLogError,
    LogHead,
    entry_hash,
)
from abc_costing.store.edits import Edit
from abc_costing.store.library import (
    ANCHOR_NAME,
    KEY_ENV,
    KEY_FILE_ENV,
    Change,
    LogTamperedError,
    ModelLibrary,
    signing_key_from_environment,
)
from abc_costing.store.model_files import file_sha256
from abc_costing.store.saving import save_model_edits
from tests.conftest import model_text

BODY = """\
resources:
  clerk: {kind: labor, rate_per_hour: 600}
activities:
  a: {labor: {clerk: 10}, other_cost: 0}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, a], [a, e]]
"""
IVAN = local_user("ivan")
AUDITOR = user_from_identity("audit@example.com", role_table={"auditor": ["*"]})
ANALYST = user_from_identity("ana@example.com", role_table={"analyst": ["*"]})


def text_with(cost: int) -> str:
    return model_text(BODY).replace("other_cost: 0", f"other_cost: {cost}")


@pytest.fixture
def library(tmp_path, monkeypatch):
    """A library of one file saved four times (entries 1..4), no signing key."""
    monkeypatch.delenv(KEY_ENV, raising=False)
    return saved_library(tmp_path, saves=4)


def saved_library(tmp_path, *, saves: int) -> ModelLibrary:
    path = tmp_path / "models" / "p" / "v.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(model_text(BODY), encoding="utf-8")
    library = ModelLibrary(tmp_path / "models", change_log=tmp_path / "log.sqlite")
    for cost in range(1, saves + 1):
        save(library, cost)
    return library


def save(library: ModelLibrary, cost: int):
    path = library.directory / "p/v.yaml"
    return library.write_model("p/v.yaml", text_with(cost), user=IVAN,
                               expected_sha256=file_sha256(path),
                               changes=[Change("a", "other_cost", str(cost - 1), str(cost))])


def sql(library: ModelLibrary, *statements: str, params=()) -> None:
    """Go around the module: drop the guards, then change the database directly."""
    db = sqlite3.connect(library.change_log_path, isolation_level=None)
    try:
        db.execute("DROP TRIGGER IF EXISTS change_log_no_update")
        db.execute("DROP TRIGGER IF EXISTS change_log_no_delete")
        for statement in statements:
            db.execute(statement, params)
    finally:
        db.close()


def rewrite_chain(library: ModelLibrary, *, new_value_of_2: str) -> None:
    """Rewrite every entry consistently (new hashes, links and head), as a forger would."""
    log = ChangeLog(library.change_log_path)
    rows = [e.as_dict() for e in log.entries()]
    prev = GENESIS_HASH
    sql(library, "DELETE FROM change_log")
    for row in rows:
        if row["seq"] == 2:
            row["new_value"] = new_value_of_2
        row["prev_hash"] = prev
        row["hash"] = entry_hash({k: v for k, v in row.items() if k != "hash"})
        prev = row["hash"]
        sql(library, f"INSERT INTO change_log VALUES ({', '.join('?' * len(COLUMNS))})",
            params=tuple(row[c] for c in COLUMNS))
    sql(library, f"UPDATE change_log_head SET entries = {len(rows)}, hash = '{prev}'")
    assert log.verify().ok  # the chain alone cannot tell


def kinds(check) -> list[tuple[str, str | None]]:
    return [(f.kind, f.file) for f in check.findings]


def test_an_untouched_library_verifies(library):
    check = library.verify()
    log = ChangeLog(library.change_log_path)
    assert (check.ok, check.findings, check.recovered) == (True, (), None)
    assert check.head == LogHead(4, log.entries()[-1].hash)


def test_a_cut_off_tail_with_the_head_moved_back_is_named(library):
    log = ChangeLog(library.change_log_path)
    third = log.entries()[2]
    anchored_head = log.head().head_hash
    sql(library, "DELETE FROM change_log WHERE seq = 4",
        f"UPDATE change_log_head SET entries = 3, hash = '{third.hash}'")
    assert log.verify().ok  # what `log verify` used to accept
    check = library.verify()
    assert not check.ok
    assert kinds(check) == [("tail_cut", None), ("anchor_disagrees", "p/v.yaml"),
                            ("changed_outside", "p/v.yaml")]
    assert check.findings[0].message == (
        f"entry 4 is missing: the change log ends at entry 3 but the library's anchor "
        f"records 4 entries (head {anchored_head[:12]}): its newest entries were cut off")
    assert check.findings[0].seq == 4
    # The file still holds the state entry 4 logged, which the anchor remembers.
    assert check.findings[2].message.endswith(f"but the last logged save (entry 3) left "
                                              f"{third.file_sha256_after[:12]}")


def test_an_emptied_log_with_its_head_reset_is_named(library):
    sql(library, "DELETE FROM change_log",
        f"UPDATE change_log_head SET entries = 0, hash = '{GENESIS_HASH}'")
    assert ChangeLog(library.change_log_path).verify().ok
    check = library.verify()
    assert [f.kind for f in check.findings] == ["log_emptied"]
    assert check.findings[0].message.startswith(
        "the change log is empty but the library's anchor records 4 entries (head ")


def test_a_whole_chain_rewritten_is_named(library):
    rewrite_chain(library, new_value_of_2="2000000")
    check = library.verify()
    assert [f.kind for f in check.findings] == ["rewritten"]
    assert check.findings[0].message.startswith(
        "the change log was rewritten: entry 4 has hash ")


def test_a_chain_rewritten_from_its_first_entry_is_named(library):
    sql(library, "UPDATE change_log SET user = 'mallory' WHERE seq = 1")
    rows = ChangeLog(library.change_log_path).entries()
    prev = GENESIS_HASH
    for row in rows:  # recompute every hash and link
        body = {**row.as_dict(), "prev_hash": prev}
        body.pop("hash")
        new_hash = entry_hash(body)
        sql(library, f"UPDATE change_log SET prev_hash = '{prev}', hash = '{new_hash}' "
                     f"WHERE seq = {row.seq}")
        prev = new_hash
    sql(library, f"UPDATE change_log_head SET hash = '{prev}'")
    check = library.verify()
    assert [f.kind for f in check.findings] == ["rewritten"]
    assert check.findings[0].message.startswith(
        "the change log was rewritten from its first entry on")


def test_a_deleted_log_is_named_and_never_silently_recreated(library):
    path = library.directory / "p/v.yaml"
    for suffix in ("", "-wal", "-shm"):
        library.change_log_path.with_name(library.change_log_path.name + suffix).unlink(
            missing_ok=True)
    check = library.verify()
    assert [f.kind for f in check.findings] == ["log_missing"]
    assert check.findings[0].message.startswith("the change log is missing: the library's "
                                                "anchor records 4 entries (head ")
    before = path.read_bytes()
    with pytest.raises(LogTamperedError, match="the change log is missing"):
        save(library, 5)
    assert path.read_bytes() == before and not library.change_log_path.exists()
    # A front end that opens the log by path creates an empty one: still refused, by name.
    created = ChangeLog(library.change_log_path)
    text = path.read_text("utf-8")
    with pytest.raises(LogTamperedError, match="the log was emptied"):
        save_model_edits(path, loaded_text=text, loaded_sha256=file_sha256(path),
                         edits=[Edit(("activities", "a", "other_cost"), "a", "other_cost", 4, 5)],
                         user=IVAN, change_log=created, file_label="p/v.yaml")
    assert created.entries() == [] and path.read_bytes() == before


def test_a_deleted_or_garbled_anchor_is_named_and_refused(library):
    anchor = library.directory / ANCHOR_NAME
    saved = anchor.read_bytes()
    anchor.unlink()
    check = library.verify()
    assert [f.kind for f in check.findings] == ["anchor_missing"]
    assert check.findings[0].message == (
        f"the library's anchor ({ANCHOR_NAME}) is missing, but the change log says the library "
        f"was anchored at entry 1: the anchor was deleted")
    with pytest.raises(LogTamperedError, match="the anchor was deleted"):
        save(library, 5)
    anchor.write_text("{not json", encoding="utf-8")
    assert [f.kind for f in library.verify().findings] == ["anchor_unreadable"]
    anchor.write_bytes(saved)
    assert library.verify().ok


def test_entries_added_around_the_save_path_are_named(library):
    ChangeLog(library.change_log_path).append(
        [ChangeEntry("mallory", "p/v.yaml", "a", "other_cost", "4", "0")])
    check = library.verify()
    assert kinds(check) == [("unanchored_entries", None)]
    assert check.findings[0].message == ("entry 5 was not written through abc-costing's save "
                                         "(the library's anchor ends at entry 4)")


def test_model_files_changed_added_or_deleted_outside_are_named(library, tmp_path):
    directory = library.directory
    logged = file_sha256(directory / "p/v.yaml")
    (directory / "p/v.yaml").write_text(text_with(1_000_000), encoding="utf-8")
    (directory / "p/extra.yaml").write_text(text_with(0), encoding="utf-8")
    check = library.verify()
    assert kinds(check) == [("not_logged", "p/extra.yaml"), ("changed_outside", "p/v.yaml")]
    assert str(check.findings[0]) == ("p/extra.yaml: not in the change log: added to the "
                                      "library outside abc-costing")
    assert str(check.findings[1]) == (
        f"p/v.yaml: changed outside abc-costing: its SHA-256 is "
        f"{file_sha256(directory / 'p/v.yaml')[:12]} but the last logged save (entry 4) left "
        f"{logged[:12]}")
    (directory / "p/v.yaml").unlink()
    assert ("deleted_outside", "p/v.yaml") in kinds(library.verify())
    assert str(tmp_path) not in " ".join(str(f) for f in library.verify().findings)


def test_a_lost_log_is_restarted_only_by_an_auditor_with_a_reason(library):
    for suffix in ("", "-wal", "-shm"):
        library.change_log_path.with_name(library.change_log_path.name + suffix).unlink(
            missing_ok=True)
    with pytest.raises(AccessDenied):
        library.reanchor(user=ANALYST, reason="журнал утерян при переносе сервера")
    check = library.reanchor(user=AUDITOR, reason="журнал утерян при переносе сервера")
    assert (check.ok, check.head.entries) == (True, 1)
    [entry] = ChangeLog(library.change_log_path).entries()
    assert (entry.user, entry.file, entry.new_value, entry.reason) == (
        "audit@example.com", "(library)", "re-anchored", "журнал утерян при переносе сервера")
    assert entry.old_value.startswith("the change log is missing: the library's anchor records "
                                      "4 entries")
    save(library, 5)  # saving works again, on the new log
    assert library.verify().ok
    with pytest.raises(ValueError, match="nothing to re-anchor"):
        library.reanchor(user=AUDITOR, reason="x")


def test_a_report_head_is_checked_against_the_log(library):
    recorded = library.head()
    assert recorded == LogHead(4, ChangeLog(library.change_log_path).head().head_hash)
    save(library, 5)
    assert library.check_head(recorded) is None  # still in the log, with more after it
    rewrite_chain(library, new_value_of_2="2000000")
    finding = library.check_head(recorded)
    assert (finding.kind, finding.seq) == ("report_head", 4)
    assert finding.message == (f"entry 4 of the change log is not the one recorded (head "
                               f"{recorded.head_hash[:12]}): the log was rewritten since")


# --- the signing key -------------------------------------------------------------------


@pytest.fixture
def signed(tmp_path, monkeypatch):
    """A library saved three times with a signing key in the environment."""
    monkeypatch.setenv(KEY_ENV, "ключ-хранится-вне-журнала")
    return saved_library(tmp_path, saves=3)


def forge_anchor(library: ModelLibrary) -> None:
    """Point the anchor at the log as it is now, as a forger without the key would."""
    anchor = library.directory / ANCHOR_NAME
    data = json.loads(anchor.read_text("utf-8"))
    log = ChangeLog(library.change_log_path)
    data.update(log_entries=log.head().entries, log_head=log.head().head_hash,
                log_first=log.hash_at(1),
                files={"p/v.yaml": log.last_file_digests()["p/v.yaml"][1]})
    anchor.write_text(json.dumps(data), encoding="utf-8")


def test_without_a_key_a_chain_rewritten_with_its_anchor_passes(library):
    # The limit of an unsigned anchor, stated: a forger who rewrites both is not found.
    rewrite_chain(library, new_value_of_2="2000000")
    forge_anchor(library)
    assert library.verify().ok


def test_with_a_key_a_chain_rewritten_with_its_anchor_is_named(signed):
    assert signed.verify().ok
    head = signed.head()
    assert head.signature is not None and len(head.signature) == 64
    rewrite_chain(signed, new_value_of_2="2000000")
    forge_anchor(signed)
    check = signed.verify()
    assert [f.kind for f in check.findings] == ["signature"]
    assert check.findings[0].message == (
        "the library's anchor does not carry the signature of the configured key: the anchor "
        "(and perhaps the log) was rewritten, or another key signed it")
    with pytest.raises(LogTamperedError, match="does not carry the signature"):
        save(signed, 4)


def test_with_a_key_a_forged_report_head_is_named(signed):
    head = signed.head()
    forged = LogHead(head.entries, head.head_hash, "0" * 64)
    assert signed.check_head(head) is None
    assert signed.check_head(forged).message == (
        "the recorded entry 3, head " + head.head_hash[:12]
        + " does not carry the signing key's signature: it was edited")


def test_a_key_set_later_needs_the_anchor_signed_by_an_auditor(library, monkeypatch):
    monkeypatch.setenv(KEY_ENV, "новый ключ")
    keyed = ModelLibrary(library.directory, change_log=library.change_log_path)
    assert [f.kind for f in keyed.verify().findings] == ["signature"]
    with pytest.raises(LogTamperedError, match="is not signed"):
        save(keyed, 5)
    assert keyed.reanchor(user=AUDITOR, reason="ключ подписи введён").ok
    save(keyed, 5)
    assert keyed.verify().ok
    # Without the key a writer refuses to drop the signature.
    monkeypatch.delenv(KEY_ENV)
    unkeyed = ModelLibrary(library.directory, change_log=library.change_log_path)
    assert [(f.kind, f.severity) for f in unkeyed.verify().findings] == [("signature", "warning")]
    with pytest.raises(LogTamperedError, match="no signing key is configured"):
        save(unkeyed, 6)


def test_the_key_can_come_from_a_file_kept_outside_the_log(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file = tmp_path / "secret" / "log.key"
    key_file.parent.mkdir()
    key_file.write_bytes("\n  ключ из файла \n".encode())
    monkeypatch.setenv(KEY_FILE_ENV, str(key_file))
    assert signing_key_from_environment() == "ключ из файла".encode()
    library = saved_library(tmp_path, saves=1)
    anchor = json.loads((library.directory / ANCHOR_NAME).read_text("utf-8"))
    body = {k: v for k, v in anchor.items() if k != "signature"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert anchor["signature"] == hmac.new("ключ из файла".encode(), canonical.encode(),
                                           hashlib.sha256).hexdigest()
    key_file.write_bytes(b"")
    with pytest.raises(ChangeLogError, match="is empty"):
        signing_key_from_environment()
