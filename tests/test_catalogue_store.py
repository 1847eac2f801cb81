"""Saving the resource catalogue through the library's one write path, logged and anchored."""

from __future__ import annotations

import shutil

import pytest

from abc_costing.access import AccessDenied, User, local_user
from abc_costing.formats import load_model
from abc_costing.problems import ModelError
from abc_costing.store import (
    CatalogueBreaksModelsError,
    Change,
    ModelLibrary,
    StaleFileError,
    file_sha256,
)
from abc_costing.store.change_log import ChangeLog
from abc_costing.workflows.library import library_signature
from tests.conftest import LIBRARY

IVAN = local_user("ivan")
LAWYER_SALARY = "    salary_per_month: 150000\n    capacity_hours_per_month: 360"
#: The contract_approval and procurement variants (five files) name the lawyer pool.
LAWYER_USERS = ["contract_approval/as_is.yaml", "contract_approval/template_esign.yaml",
                "contract_approval/value_tiers.yaml", "procurement/as_is.yaml",
                "procurement/framework_template.yaml"]


@pytest.fixture
def library(tmp_path):
    shutil.copytree(LIBRARY, tmp_path / "models")
    return ModelLibrary(tmp_path / "models", change_log=tmp_path / "log.sqlite")


def catalogue_path(library: ModelLibrary):
    return library.directory / "resources.yaml"


def catalogue_text(library: ModelLibrary) -> str:
    return catalogue_path(library).read_text("utf-8")


def with_lawyer_salary(text: str, salary: int) -> str:
    assert LAWYER_SALARY in text
    return text.replace(LAWYER_SALARY, LAWYER_SALARY.replace("150000", str(salary)))


def entries(library: ModelLibrary):
    if not library.change_log_path.exists():
        return []
    return ChangeLog(library.change_log_path, create=False).entries()


def test_a_saved_catalogue_is_logged_by_pool_and_field_and_every_variant_reads_it(library):
    path = catalogue_path(library)
    saved = library.write_catalogue(
        with_lawyer_salary(catalogue_text(library), 165000), user=IVAN,
        expected_sha256=file_sha256(path), reason="индексация",
        changes=[Change("lawyer", "salary_per_month", "150000", "165000")])
    [entry] = entries(library)
    assert (entry.file, entry.element, entry.field, entry.old_value, entry.new_value,
            entry.reason, entry.user) == ("resources.yaml", "lawyer", "salary_per_month",
                                          "150000", "165000", "индексация", "ivan")
    assert entry.file_sha256_after == saved.sha256 == file_sha256(path)
    # Every variant naming the pool now reads the new salary: 3 × 165 000 × 1.302 = 644 490.
    model = load_model(library.directory / "contract_approval/as_is.yaml")
    assert model.resources["lawyer"].cost_per_month == pytest.approx(3 * 165000 * 1.302)
    assert model.resources["lawyer"].cost_per_month == pytest.approx(644490.0)
    check = library.verify()
    assert check.ok, check.findings
    assert check.head is not None and check.head.head_hash == entry.hash


def test_a_text_that_is_not_a_catalogue_is_refused_and_nothing_changes(library):
    path = catalogue_path(library)
    before = path.read_bytes()
    bad = catalogue_text(library).replace("salary_per_month: 150000", "salary_per_month: -5")
    with pytest.raises(ModelError) as caught:
        library.write_catalogue(bad, user=IVAN, expected_sha256=file_sha256(path),
                                changes=[Change("lawyer", "salary_per_month", "150000", "-5")])
    assert any(p.element == "lawyer" for p in caught.value.problems)
    assert path.read_bytes() == before and entries(library) == []


def test_removing_a_pool_in_use_names_every_model_that_would_break(library):
    path = catalogue_path(library)
    before = path.read_bytes()
    text = catalogue_text(library)
    start = text.index("  lawyer:\n")
    end = text.index("  finance_controller:\n")
    without_lawyer = text[:start] + text[end:]
    with pytest.raises(CatalogueBreaksModelsError) as caught:
        library.write_catalogue(without_lawyer, user=IVAN, expected_sha256=file_sha256(path),
                                changes=[Change("lawyer", "(pool)", "labor", None)])
    named = sorted({p.file for p in caught.value.problems})
    assert named == sorted(LAWYER_USERS)
    assert all("lawyer" in p.message for p in caught.value.problems)
    assert path.read_bytes() == before and entries(library) == []


def test_changing_a_pools_kind_names_the_models_that_use_it_by_minutes(library):
    path = catalogue_path(library)
    text = catalogue_text(library)
    start = text.index("  lawyer:\n")
    end = text.index("  finance_controller:\n")
    as_per_use = (text[:start] + "  lawyer:\n    kind: per_use\n    cost_per_use: 500\n"
                  + text[end:])
    with pytest.raises(CatalogueBreaksModelsError) as caught:
        library.write_catalogue(as_per_use, user=IVAN, expected_sha256=file_sha256(path),
                                changes=[Change("lawyer", "kind", "labor", "per_use")])
    assert sorted({p.file for p in caught.value.problems}) == sorted(LAWYER_USERS)
    assert entries(library) == []


def test_a_catalogue_changed_since_it_was_loaded_is_a_conflict(library):
    path = catalogue_path(library)
    loaded_sha256, loaded_text = file_sha256(path), catalogue_text(library)
    library.write_catalogue(with_lawyer_salary(loaded_text, 160000), user=IVAN,
                            expected_sha256=loaded_sha256,
                            changes=[Change("lawyer", "salary_per_month", "150000", "160000")])
    on_disk = path.read_bytes()
    with pytest.raises(StaleFileError) as caught:
        library.write_catalogue(with_lawyer_salary(loaded_text, 170000), user=IVAN,
                                expected_sha256=loaded_sha256,
                                changes=[Change("lawyer", "salary_per_month", "150000",
                                                "170000")])
    assert caught.value.current_sha256 == file_sha256(path)
    assert path.read_bytes() == on_disk and len(entries(library)) == 1


def test_a_reader_may_not_save_the_catalogue(library):
    executive = User(id="exec", name="exec", roles=frozenset({"executive"}),
                     authenticated_by="local")
    path = catalogue_path(library)
    with pytest.raises(AccessDenied):
        library.write_catalogue(with_lawyer_salary(catalogue_text(library), 165000),
                                user=executive, expected_sha256=file_sha256(path),
                                changes=[Change("lawyer", "salary_per_month", "150000",
                                                "165000")])
    assert entries(library) == []


def test_verify_covers_the_catalogue_like_a_model_file(library):
    # The first save anchors every file, the catalogue among them ...
    model = library.directory / "zhkh_leads/as_is.yaml"
    library.write_model("zhkh_leads/as_is.yaml", model.read_text("utf-8") + "\n", user=IVAN,
                        expected_sha256=file_sha256(model), changes=[Change.whole_file("x")])
    assert library.verify().ok
    # ... so a catalogue edited by hand afterwards is found, and can be accepted.
    path = catalogue_path(library)
    path.write_text(with_lawyer_salary(catalogue_text(library), 999000), encoding="utf-8")
    check = library.verify()
    assert not check.ok
    assert [(f.kind, f.file) for f in check.findings] == [("changed_outside", "resources.yaml")]
    library.record_outside_change("resources.yaml", user=IVAN, reason="оклад по приказу")
    assert library.verify().ok


def test_a_deleted_catalogue_is_found_after_it_was_saved(library):
    path = catalogue_path(library)
    library.write_catalogue(with_lawyer_salary(catalogue_text(library), 165000), user=IVAN,
                            expected_sha256=file_sha256(path),
                            changes=[Change("lawyer", "salary_per_month", "150000", "165000")])
    path.unlink()
    assert [(f.kind, f.file) for f in library.verify().findings] == [
        ("deleted_outside", "resources.yaml")]


def test_the_library_signature_changes_with_the_catalogue(library):
    # The dashboard caches the costed library under this signature: a saved
    # catalogue must show on the next look.
    before = library_signature(library.directory)
    path = catalogue_path(library)
    library.write_catalogue(with_lawyer_salary(catalogue_text(library), 1650000), user=IVAN,
                            expected_sha256=file_sha256(path),
                            changes=[Change("lawyer", "salary_per_month", "150000",
                                            "1650000")])
    assert library_signature(library.directory) != before
