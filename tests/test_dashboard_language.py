"""The dashboard in the reader's language (issue 14): no reader-facing text of a page
reaches a widget unmarked, and every page runs in Russian and in English."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from abc_costing.i18n import translate
from dashboard_pages.state import PAGE_RIGHTS, role_name, role_names
from tests.conftest import ROOT

PAGES = [ROOT / "dashboard.py", *sorted((ROOT / "dashboard_pages").glob("*.py"))]
#: Streamlit calls whose first argument (and label=, help=, ...) a reader reads.
WIDGETS = {
    "title", "header", "subheader", "caption", "text", "write", "markdown", "info", "warning",
    "error", "success", "toast", "badge", "button", "download_button", "form_submit_button",
    "metric", "selectbox", "multiselect", "radio", "select_slider", "checkbox", "toggle",
    "text_input", "text_area", "number_input", "file_uploader", "expander", "tabs", "spinner",
    "TextColumn", "NumberColumn", "SelectboxColumn", "CheckboxColumn", "Page",
    "show_problems",  # the pages' own: its title= is an expander's label
}
READER_KEYWORDS = {"label", "help", "placeholder", "caption", "title"}
#: Calls whose first argument is not read: ``st.Page``'s is the page's file.
FIRST_NOT_SHOWN = {"Page"}
#: Texts shown as they are in every language, and why.
ALLOWED = {
    "abc-costing": "the product's name",
    "Язык / Language": "the language switch names itself in both languages",
}


def unmarked(node: ast.expr | None) -> list[str]:
    """The words of ``node`` that reach the reader without ``_()``: string constants and
    f-string parts with a letter in them (``"—"``, ``"**"`` and ``"\\n"`` say nothing)."""
    if node is None:
        return []
    match node:
        case ast.Constant(value=str() as text):
            return [text] if any(c.isalpha() for c in text) and text not in ALLOWED else []
        case ast.JoinedStr(values=parts):
            return [p for part in parts for p in unmarked(part) if isinstance(part, ast.Constant)]
        case ast.BinOp(left=left, right=right):
            return unmarked(left) + unmarked(right)
        case ast.IfExp(body=body, orelse=orelse):
            return unmarked(body) + unmarked(orelse)
        case ast.BoolOp(values=values):
            return [text for value in values for text in unmarked(value)]
        case ast.List(elts=items) | ast.Tuple(elts=items):
            return [text for item in items for text in unmarked(item)]
        case _:  # a call (``_()``, ``money()``), a name, an attribute: not a literal text
            return []


def unmarked_texts(source: str) -> list[tuple[int, str]]:
    """(line, text) of every literal reader-facing text passed to a widget of ``source``."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        # the server's log (``_LOG.warning``) is for the operator, in English
        if name not in WIDGETS or getattr(getattr(node.func, "value", None), "id", "") == "_LOG":
            continue
        shown = [node.args[0] if node.args and name not in FIRST_NOT_SHOWN else None,
                 *(k.value for k in node.keywords if k.arg in READER_KEYWORDS)]
        found += [(node.lineno, text) for value in shown for text in unmarked(value)]
    return found


def test_the_scan_finds_unmarked_texts_and_passes_marked_ones():
    # the scan itself, on a page written for it: five unmarked texts, four fine calls
    source = '''
st.title("Overview")                                  # unmarked
left.metric(f"Cost, {currency}", value)               # unmarked: the f-string's words
st.sidebar.button("Save" if new else _("Save"))       # unmarked: one branch
st.tabs([_("Activities"), "Flows"])                   # unmarked: one tab
st.selectbox(_("Seed"), options, help="A number")     # unmarked help
st.title(_("Overview"))
st.markdown(f"**{_('Queues in {variant}', variant=v)}**")
st.title("abc-costing")
st.text(notice)
st.Page("dashboard_pages/edit.py", title=page_title("edit"))
'''
    assert unmarked_texts(source) == [(2, "Overview"), (3, "Cost, "), (4, "Save"),
                                      (5, "Flows"), (6, "A number")]


@pytest.mark.parametrize("path", PAGES, ids=lambda p: p.name)
def test_every_text_a_page_shows_is_marked_for_translation(path: Path):
    found = unmarked_texts(path.read_text("utf-8"))
    assert not found, (f"{path.name}: wrap these in _() (or allow-list a text that is the "
                       f"same in every language): {found}")


def test_page_titles_and_roles_in_russian_keep_their_machine_names():
    # the navigation's titles are translated; the URL paths (bookmarks, tests) are not
    assert {path: translate(title, "ru") for path, (title, _) in PAGE_RIGHTS.items()} == {
        "overview": "Обзор", "compare": "Сравнение", "simulation": "Моделирование",
        "ledger": "ОСВ", "advisor": "Советник", "edit": "Редактирование", "import": "Импорт",
        "resources": "Ресурсы", "changes": "Журнал изменений", "export": "Выгрузка"}
    # sorted by their ids (auditor, executive), whatever the reader calls them
    assert role_names({"executive", "auditor"}, "ru") == "аудитор, руководитель"
    assert role_names({"executive", "auditor"}, "en") == "auditor, executive"
    assert role_name("every role (you)", "ru") == "все роли (вы)"


# --- every page in Russian and in English, through AppTest -----------------------------

#: Per page: its title, and labels of its buttons / metrics / other widgets, in both languages.
EXPECTED = {
    "overview": {"title": ("Process portfolio", "Портфель процессов"),
                 "metric": ("Cost per year, as is", "Стоимость в год, as is"),
                 "subheader": ("Where the money goes", "Куда уходят деньги")},
    "compare": {"title": ("Compare variants", "Сравнение вариантов"),
                "metric": ("Labour per instance", "Трудозатраты на экземпляр"),
                "selectbox": ("Baseline", "Базовый вариант"),
                "subheader": ("Activity changes", "Изменения по действиям")},
    "simulation": {"title": ("Simulation, capacity and sensitivity",
                             "Моделирование, мощности и чувствительность"),
                   "button": ("Simulate queues", "Смоделировать очереди"),
                   "download_button": ("Simulation and capacity as Excel",
                                       "Моделирование и мощности в Excel"),
                   "info": ("Press Simulate queues to run the simulation with these inputs.",
                            "Нажмите «Смоделировать очереди», чтобы запустить моделирование "
                            "с этими параметрами.")},
    "ledger": {"title": ("Ledger: from the books to cost objects",
                         "Бухгалтерские данные: от ОСВ к объектам затрат"),
               "radio": ("Period files", "Файлы периода"),
               "download_button": ("Stage balance as Excel", "Баланс по этапам в Excel"),
               "caption": ("Rules and activities are passed through", "Правила и действия")},
    "advisor": {"title": ("Advisor: what to change", "Советник: что изменить"),
                "button": ("Apply as new variant", "Применить как новый вариант"),
                "subheader": ("What a move changes", "Что меняет мера")},
    "edit": {"title": ("Edit a process variant", "Редактирование варианта процесса"),
             "button": ("Save as new variant", "Сохранить как новый вариант"),
             "tab": ("Flows", "Потоки"),
             "text_input": ("Title of the new variant", "Название нового варианта")},
    "import_model": {"title": ("Import a model", "Импорт модели"),
                     "radio": ("Source", "Источник"),
                     "info": ("Choose a file to import.", "Выберите файл для импорта.")},
    "resources": {"title": ("Resources / Справочник ресурсов", "Справочник ресурсов"),
                  "button": ("Save the catalogue", "Сохранить справочник"),
                  "metric": ("Changed values", "Изменённые значения")},
    "changes": {"title": ("Change log", "Журнал изменений"),
                "selectbox": ("File", "Файл"),
                "download_button": ("Download the log as CSV", "Скачать журнал в CSV")},
    "export": {"title": ("Export", "Выгрузка"),
               "download_button": ("PDF report", "Отчёт PDF"),
               "subheader": ("Audit report", "Отчёт для аудита")},
}


@pytest.fixture
def library(tmp_path: Path, monkeypatch) -> Path:
    shutil.copytree(ROOT / "process_models", tmp_path / "process_models")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return tmp_path / "process_models"


def in_language(page: str, language: str) -> AppTest:
    """The dashboard on ``page``, the reader having chosen ``language`` in the sidebar."""
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120)
    at.run()
    at.sidebar.radio(key="language").set_value(language).run()
    at.switch_page(f"dashboard_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def labels(at: AppTest, kind: str) -> list[str]:
    """What the reader reads of each element of ``kind`` on the page."""
    match kind:
        case "title" | "subheader" | "info" | "caption":
            return [e.value for e in at.get(kind)]
        case "tab":
            return [t.label for t in at.tabs]
        case "button":
            return [b.proto.label for b in at.get("button")]
        case _:
            return [e.proto.label for e in at.get(kind)]


@pytest.mark.parametrize("language", ["ru", "en"])
@pytest.mark.parametrize("page", list(EXPECTED))
def test_every_page_speaks_the_chosen_language(library, page: str, language: str):
    at = in_language(page, language)
    said = 1 if language == "ru" else 0
    for kind, texts in EXPECTED[page].items():
        shown = labels(at, kind)
        if kind == "caption":  # a long caption: its start
            assert any(text.startswith(texts[said]) for text in shown), (kind, shown)
        else:
            assert texts[said] in shown, (kind, texts[said], shown)
        assert texts[1 - said] not in shown  # not the other language's text besides
    # the sidebar: who is signed in, in the reader's words
    signed_in = at.sidebar.text[0].value
    assert signed_in.startswith("Вход выполнен: " if language == "ru" else "Signed in as ")


def test_choices_keep_their_values_and_show_the_readers_words(library):
    at = in_language("ledger", "ru")
    source = at.radio(key="ledger_source")
    # the value (kept in the session) is the machine one; the reader sees Russian
    assert source.value == "The library's period files"
    assert source.options == ["Файлы периода из библиотеки", "Загрузить файлы"]
    assert at.selectbox(key="ledger_drill_account").options[0] == "(любой)"
    assert at.selectbox(key="ledger_drill_account").value == "(any)"
    at = in_language("changes", "ru")
    assert at.selectbox(key="changes_file").options[0] == "(все файлы)"
    assert at.selectbox(key="changes_file").value == "(all files)"
    at.sidebar.radio(key="language").set_value("en").run()
    assert at.selectbox(key="changes_file").options[0] == "(all files)"


def test_problems_are_shown_in_the_readers_language(library):
    # a model whose flow names an activity it does not have: a problem of that file
    broken = library / "broken"
    broken.mkdir()
    (broken / "as_is.yaml").write_text(
        "format: abc-costing/1\nprocess: broken\nvariant: as_is\ntitle: x\ncurrency: RUB\n"
        "volume_per_year: 10\nresources: {clerk: {kind: labor, rate_per_hour: 60}}\n"
        "activities: {a: {name: A, labor: {clerk: 1}}}\n"
        "events: {s: {kind: start}, e: {kind: end}}\nflows: [[s, a], [a, nowhere], [a, e]]\n",
        encoding="utf-8")
    at = in_language("overview", "ru")
    heading = [e.label for e in at.expander if e.label.startswith("⚠")]
    assert heading and heading[0].startswith("⚠ Замечаний в файлах библиотеки: ")
    shown = "\n".join(t.value for t in at.text)
    assert "broken/as_is.yaml" in shown  # the file is still named, in any language


def test_a_bpmn_file_with_two_pools_imports_in_russian(library):
    # the page once bound ``_`` to the pools' problems and failed here, in any language
    from tests.test_bpmn_structure import TWO_POOLS

    at = in_language("import_model", "ru")
    at.file_uploader(key="import_file").set_value(("shop.bpmn", TWO_POOLS, "text/xml")).run()
    assert not at.exception, [e.value for e in at.exception]
    pool = at.selectbox(key="import_pool")
    assert pool.proto.label == ("Пул (каждый пул — отдельный процесс; импортируйте их по "
                                "очереди)")
    pool.set_value("'Bank' (bank)").run()
    assert "process: bank" in at.text_area[0].value
    assert at.text_area[0].proto.label == "Модель (YAML abc-costing/1)"
