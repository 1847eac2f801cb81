"""The reader's language (issue 14, first part): translation catalogues read with Babel,
every table header translated, the CLI's --lang and the dashboard's switch."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from abc_costing.cli import main
from abc_costing.i18n import LANGUAGES, catalogue, default_language, language_of, translate
from abc_costing.reports import views
from tests.conftest import ROOT

REPORTS = ROOT / "abc_costing" / "reports"


def column_labels() -> dict[str, str]:
    """Every constant English label of a ``Column(...)`` in the reports, with its file."""
    found: dict[str, str] = {}
    for path in sorted(REPORTS.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Column"
                    and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)):
                label = node.args[1].value
                # The catalogue view's labels are Russian already (its English is in
                # the tooltips): only English texts are message ids.
                if isinstance(label, str) and not "а" <= label[:1].lower() <= "я":
                    found.setdefault(label, path.name)
    return found


def test_every_table_header_has_a_russian_text():
    labels = column_labels()
    assert len(labels) > 100  # the scan finds the views' columns
    missing = sorted(f"{label!r} ({where})" for label, where in labels.items()
                     if label not in catalogue("ru"))
    assert not missing, "no Russian text in abc_costing/locale/ru.po for: " + ", ".join(missing)


def test_the_catalogue_has_no_empty_or_stale_entry():
    labels = column_labels()
    ru = catalogue("ru")
    assert all(text.strip() for text in ru.values())
    stale = sorted(set(ru) - set(labels))
    assert not stale, f"texts no report shows any more: {stale}"


def test_translate_and_the_default_language(monkeypatch):
    assert translate("Utilisation", "ru") == "Загрузка"
    assert translate("Idle", "ru") == "Простой (неиспользуемая мощность)"
    assert translate("Utilisation", "en") == "Utilisation"
    assert language_of("ru_RU.UTF-8") == "ru" and language_of("C.UTF-8") is None
    monkeypatch.setenv("ABC_COSTING_LANG", "ru")
    assert default_language() == "ru"
    monkeypatch.setenv("ABC_COSTING_LANG", "de")  # not spoken: the locale decides
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    monkeypatch.setattr("locale.getlocale", lambda *_: (None, None))
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    assert default_language() == "ru"
    assert set(LANGUAGES) == {"en", "ru"}


def test_a_view_in_russian_keeps_its_keys_and_currency():
    view = views._view("v", "t", [views.Column("cost_per_instance", "Cost per instance",
                                               "money")], [("item", [1.0])], currency="RUB")
    ru = view.in_language("ru")
    assert ru.label("cost_per_instance") == "Стоимость экземпляра, RUB"
    assert ru.keys == view.keys == ("cost_per_instance",)  # CSV headers stay machine names
    assert ru.records() == view.records()


def test_the_cli_prints_headers_in_the_chosen_language(capsys):
    library = ROOT / "process_models"
    assert main(["--lang", "ru", "balance", str(library)]) == 0
    out = capsys.readouterr().out
    assert "Поступило, RUB" in out and "Расхождение, RUB" in out
    assert main(["--lang", "en", "balance", str(library)]) == 0
    assert "Input, RUB" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--lang", "de", "balance", str(library)])


def test_the_dashboard_switches_the_tables_language(tmp_path: Path, monkeypatch):
    import shutil

    from tests.test_dashboard import app, run

    shutil.copytree(ROOT / "process_models", tmp_path / "process_models")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = run(app(), "ledger")
    assert at.sidebar.radio(key="language").value == "en"  # the tests' default
    at.sidebar.radio(key="language").set_value("ru").run()
    headers = [list(d.value.columns) for d in at.dataframe]
    assert ["Этап", "Поступило, RUB", "Распределено, RUB", "Простой (неиспользуемая мощность), RUB",
            "Не распределено, RUB", "Сверх средств, RUB", "Расхождение, RUB"] in headers
    assert not at.exception
