"""The reader's language (issue 14): translation catalogues read with Babel, every table
header and every text marked with ``_``/``N_`` translated, the CLI's --lang and the
dashboard's switch."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from abc_costing.cli import main
from abc_costing.i18n import (
    LANGUAGES,
    N_,
    Message,
    catalogue,
    default_language,
    language_of,
    placeholders,
    translate,
    translator,
)
from abc_costing.reports import views
from tests.conftest import ROOT

REPORTS = ROOT / "abc_costing" / "reports"
#: Where texts are marked for translation: the package, the pages and the app.
MARKED = [*sorted((ROOT / "abc_costing").rglob("*.py")),
          *sorted((ROOT / "dashboard_pages").glob("*.py")), ROOT / "dashboard.py"]
MARKERS = {"_", "N_"}


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


def marked_texts() -> tuple[dict[str, str], list[str]]:
    """Every text passed to ``_`` or ``N_`` (with where it is), and the calls whose
    text is not a constant (an f-string or a variable cannot be looked up)."""
    found: dict[str, str] = {}
    not_constant: list[str] = []
    for path in MARKED:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) in MARKERS):
                continue
            where = f"{path.relative_to(ROOT)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, where)
            else:
                not_constant.append(where)
    return found, not_constant


def test_every_marked_text_is_a_constant_with_a_russian_text():
    texts, not_constant = marked_texts()
    assert not not_constant, ("_()/N_() needs a constant text with {placeholders}, not an "
                              f"f-string or a variable: {not_constant}")
    ru = catalogue("ru")
    missing = sorted(f"{text!r} ({where})" for text, where in texts.items() if text not in ru)
    assert not missing, "no Russian text in abc_costing/locale/ru/*.po for: " + ", ".join(missing)


def test_translations_fill_the_same_placeholders():
    wrong = sorted(f"{english!r} -> {russian!r}" for english, russian in catalogue("ru").items()
                   if placeholders(english) != placeholders(russian))
    assert not wrong, wrong


def test_a_message_is_said_again_in_the_readers_language():
    said = N_("{line_text}: {inner}", line_text=N_("line {line}", line=4),
              inner=N_("warning"))
    assert isinstance(said, Message) and said == "line 4: warning"
    # the template and the nested message are both looked up: "строка 4", "предупреждение"
    assert translate(said, "ru") == "строка 4: предупреждение"
    assert translator("ru")("line {line}", line=12) == "строка 12"
    import pickle

    again = pickle.loads(pickle.dumps(said))
    assert isinstance(again, Message) and translate(again, "ru") == "строка 4: предупреждение"


def test_every_table_header_has_a_russian_text():
    labels = column_labels()
    assert len(labels) > 100  # the scan finds the views' columns
    missing = sorted(f"{label!r} ({where})" for label, where in labels.items()
                     if label not in catalogue("ru"))
    assert not missing, "no Russian text in abc_costing/locale/ru/*.po for: " + ", ".join(missing)


def test_the_catalogue_has_no_empty_or_stale_entry():
    shown = set(column_labels()) | set(marked_texts()[0])
    ru = catalogue("ru")
    assert all(text.strip() for text in ru.values())
    stale = sorted(set(ru) - shown)
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


def test_a_message_without_values_shows_its_braces_single_in_both_languages():
    """"lognormal needs {{mean: m, sd: s}}" was shown with its braces doubled: a template
    is only formatted when it has values, and this one has none."""
    from abc_costing.formats import parse_model_text

    text = ("format: abc-costing/1\nprocess: p\nvariant: v\n"
            "resources: {clerk: {kind: labor, rate_per_hour: 60}}\n"
            "activities: {a: {labor: {clerk: {lognormal: [1, 2]}}}}\n"
            "events: {s: {kind: start}, e: {kind: end}}\nflows: [[s, a], [a, e]]\n")
    _, problems = parse_model_text(text, source="m.yaml")
    said = {language: [translate(p.message, language) for p in problems]
            for language in ("en", "ru")}
    assert any("lognormal needs {mean: m, sd: s}" in m for m in said["en"]), said
    assert any("для lognormal нужно {mean: m, sd: s}" in m for m in said["ru"]), said
    assert not any("{{" in m for m in said["en"] + said["ru"])
