"""Every page of the dashboard, in English and in Russian, at 1366×768 in a real Chromium.

One server on a copy of the shipped library and one headless Chromium serve
the whole file; each language is its own browser session (its own Streamlit
session state): English as the server's default (``ABC_COSTING_LANG=en``),
Russian chosen the way a reader chooses it, with the sidebar's «Русский».
Each page is opened from the sidebar, at the width of the common office
laptop, and once its script run has finished and its charts are drawn:

* no Streamlit exception box is on it;
* it says the texts ``EXPECTED`` lists for it in that language;
* no two texts of one plotly chart (tick labels, bar labels, annotations,
  legend, Sankey node labels) overlap by more than a pixel;
* every column of its tables lies within the main column: no grid scrolls sideways;
* the whole page is kept as ``<artifacts>/e2e-page-<page>-<language>.png``
  (``$ABC_COSTING_ARTIFACTS``, default ``test-artifacts/``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from abc_costing.i18n import translate
from dashboard_pages.state import EVERY_ROLE, LANGUAGE_NAMES, PAGE_RIGHTS, role_name
from tests.e2e_support import (
    COUNT_SCRIPT_RUNS_JS,
    ChartText,
    Dashboard,
    chart_texts,
    chromium,
    keep_local,
    overlapping_texts,
    requires_chromium,
    running_dashboard,
    screenshot,
    script_runs,
    wait_until_settled,
)

pytest.importorskip("playwright")
from playwright.sync_api import Browser, Page, expect  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

pytestmark = [pytest.mark.e2e, requires_chromium]

WIDTH, HEIGHT = 1366, 768
TIMEOUT_MS = 90_000  # the first run of Compare costs and compares two variants: ~20 s on a busy box

#: What each page must say, by language. The Russian of the pages' own texts is being
#: written (issue 14); what is Russian on them today is the tables' headers. Add a text
#: here when its page speaks it. Every text is looked for in the page's main area,
#: the grids' header rows included (their accessible table holds them; the grid is a canvas).
EXPECTED: dict[str, dict[str, tuple[str, ...]]] = {
    "overview": {
        "en": ("Process portfolio", "Saving a year, RUB", "Where the money goes"),
        "ru": ("Отметка", "Экономия в год, RUB"),
    },
    "compare": {
        "en": ("Compare variants", "Activity changes", "Executions, baseline"),
        "ru": ("Действие", "Выполнения, базовый вариант"),
    },
    "simulation": {
        "en": ("Simulation, capacity and sensitivity", "Measure", "95% CI low"),
        "ru": ("Показатель", "95% ДИ, нижняя граница", "Практическая ёмкость, ч в месяц"),
    },
    "ledger": {
        "en": ("Ledger: from the books to cost objects", "Stage balance", "Input, RUB"),
        "ru": ("Этап", "Поступило, RUB", "Простой (неиспользуемая мощность), RUB"),
    },
    "advisor": {"en": ("Advisor: what to change", "Saving per instance, RUB", "What a move changes"),
                "ru": ("Советник: что изменить", "Что меняет мера")},
    "edit": {"en": ("Edit a process variant", "Cost per instance"), "ru": ()},
    "import": {"en": ("Import a model", "Choose a file to import."), "ru": ()},
    # the catalogue's headers are Russian in both languages (its file is written in Russian)
    "resources": {"en": ("Save the catalogue", "Штатная численность"),
                  "ru": ("Пул", "Штатная численность")},
    "changes": {"en": ("Change log", "Download the log as CSV"), "ru": ()},
    "export": {"en": ("Export", "PDF report", "All tables (CSV zip)"), "ru": ()},
}
#: How many plotly charts each page draws on the shipped library, at least.
CHARTS = {"overview": 1, "compare": 5, "simulation": 4, "ledger": 2}

#: Chart texts that overlap on main today; the figures are being fixed (issue 14). A case
#: listed here that stops overlapping passes (xfail is not strict); then remove it.
KNOWN_OVERLAPS: dict[str, str] = {}


@dataclass(frozen=True)
class Visit:
    """A page as the browser showed it: main text, exception boxes, chart texts, screenshot."""

    text: str
    exceptions: list[str]
    charts: int
    chart_texts: list[ChartText]
    screenshot: Path
    language_checked: bool
    grids: list[dict]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[tuple[Dashboard, Browser]]:
    with running_dashboard(tmp_path_factory.mktemp("pages")) as dashboard, \
            chromium() as browser:
        yield dashboard, browser


_SESSIONS: dict[str, Page] = {}
_VISITS: dict[tuple[str, str], Visit] = {}


def session(site: tuple[Dashboard, Browser], language: str) -> Page:
    """The browser session of one language, on the Overview (made once per module)."""
    if language not in _SESSIONS:
        _SESSIONS[language] = new_session(site, language)
    return _SESSIONS[language]


def new_session(site: tuple[Dashboard, Browser], language: str) -> Page:
    """A browser session of its own in ``language``, on the Overview."""
    dashboard, browser = site
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT},
                                  locale="en-US")
    context.add_init_script(COUNT_SCRIPT_RUNS_JS)
    refused = keep_local(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(dashboard.url, wait_until="domcontentloaded")
    wait_until_settled(page, 0, timeout_ms=TIMEOUT_MS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("radio", name="English")).to_be_checked()
    if language != "en":  # the reader's choice, in the sidebar
        runs = script_runs(page)
        sidebar.get_by_text(LANGUAGE_NAMES[language], exact=True).click()
        wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    assert refused == [], "the dashboard must need no outside service"
    return page


#: Each grid the main column shows (one in a closed expander is not drawn): its Streamlit
#: key, the width of its columns (the scroller's content) and of its window, and where its
#: right edge is against the main column's. The glide grid draws columns on a canvas and
#: scrolls them inside ``.dvn-scroller``: a column off to the right makes it wider inside.
_GRIDS_JS = """() => {
  const main = document.querySelector('[data-testid=stMainBlockContainer]')
    .getBoundingClientRect();
  return [...document.querySelectorAll('[data-testid=stMain] [data-testid=stDataFrame]')]
    .filter(grid => grid.checkVisibility())
    .map(grid => {
      const keyed = grid.closest('[class*="st-key-"]');
      const scroller = grid.querySelector('.dvn-scroller');
      return {key: keyed ? [...keyed.classList].find(c => c.startsWith('st-key-')) : null,
              columns: scroller.scrollWidth, window: scroller.clientWidth,
              right: grid.getBoundingClientRect().right, main: main.right};
    });
}"""


def open_page(page: Page, site_url: str, name: str, language: str) -> None:
    """Open page ``name`` from the sidebar (as a reader does; a new URL is a new session)."""
    url = f"{site_url}/{'' if name == 'overview' else name}"  # Overview is the default
    if page.url != url:
        runs = script_runs(page)
        # A link clicked before the app's router has taken the page over is followed as a
        # plain link: the page loads anew and its run counter starts again from 0 (seen in
        # CI under load: the new page had run once, and the wait was for a run after 1).
        page.evaluate("() => { window.__abcSamePage = true; }")
        page.get_by_test_id("stSidebarNav").get_by_role(
            # the sidebar names the pages in the reader's language
            "link", name=translate(PAGE_RIGHTS[name][0], language), exact=True).click()
        expect(page).to_have_url(url, timeout=TIMEOUT_MS)
        reloaded = not page.evaluate("() => window.__abcSamePage === true")
        wait_until_settled(page, 0 if reloaded else runs, timeout_ms=TIMEOUT_MS)


def visit(site: tuple[Dashboard, Browser], name: str, language: str) -> Visit:
    """Open page ``name`` from the sidebar in ``language``'s session (once; then remembered)."""
    if (name, language) not in _VISITS:
        page = session(site, language)
        open_page(page, site[0].url, name, language)
        main = page.get_by_test_id("stMain")
        texts = chart_texts(page)  # at 1366×768, before the screenshot stretches the page
        grids = page.evaluate(_GRIDS_JS)
        shot = screenshot(page, f"page-{name}-{language}")
        # the text after the shot: a grid draws its header row only once it has been on
        # screen, and the shot has had the whole page on screen
        _VISITS[name, language] = Visit(
            text=main.evaluate("m => m.textContent"),
            exceptions=main.get_by_test_id("stException").all_inner_texts(),
            charts=main.get_by_test_id("stPlotlyChart").count(),
            chart_texts=texts,
            screenshot=shot,
            language_checked=page.get_by_test_id("stSidebar").get_by_role(
                "radio", name=LANGUAGE_NAMES[language]).is_checked(),
            grids=grids)
    return _VISITS[name, language]


CASES = [pytest.param(name, language, id=f"{name}-{language}")
         for name in EXPECTED for language in ("en", "ru")]


def test_every_page_has_its_expected_texts_in_both_languages():
    assert set(EXPECTED) == set(PAGE_RIGHTS), "a page was added or removed: list its texts"
    assert all(set(texts) == set(LANGUAGE_NAMES) for texts in EXPECTED.values())


@pytest.mark.parametrize(("name", "language"), CASES)
def test_page_runs_and_speaks_the_language(site, name, language):
    seen = visit(site, name, language)
    assert seen.exceptions == [], f"{name} ({language}) raised:\n" + "\n".join(seen.exceptions)
    assert seen.language_checked, f"the sidebar does not show {LANGUAGE_NAMES[language]}"
    missing = [text for text in EXPECTED[name][language] if text not in seen.text]
    assert missing == [], f"{name} ({language}) does not say {missing}"
    assert seen.charts >= CHARTS.get(name, 0)
    assert seen.screenshot.stat().st_size > 10_000  # a drawn page, not a blank one


def _overlap_case(name: str, language: str):
    reason = KNOWN_OVERLAPS.get(name)
    marks = [pytest.mark.xfail(reason=reason, strict=False)] if reason else []
    return pytest.param(name, language, id=f"{name}-{language}", marks=marks)


@pytest.mark.parametrize(("name", "language"),
                         [_overlap_case(name, language) for name in CHARTS
                          for language in ("en", "ru")])
def test_no_chart_text_overlaps_another_at_1366(site, name, language):
    seen = visit(site, name, language)
    assert seen.chart_texts, f"{name} drew no chart text"
    overlaps = overlapping_texts(seen.chart_texts)
    assert overlaps == [], f"{name} ({language}) at {WIDTH}×{HEIGHT}: " + "; ".join(
        f"[{a.chart}] {a.text!r} {a.box()} overlaps {b.text!r} {b.box()}" for a, b in overlaps)


#: The pages that show no table until the reader gives them something (a file to import).
NO_TABLE_YET = ("import", "export")


def hidden_columns(grids: list[dict]) -> list[str]:
    """The grids that hide columns behind a sideways scroll, each said as key: widths.

    A grid's columns are all on screen when its scroller's content is no wider than its
    window (a pixel of rounding aside), and the grid ends inside the main column.
    """
    return [f"{g['key'] or 'a table'}: {g['columns']} px of columns in {g['window']} px"
            for g in grids
            if g["columns"] > g["window"] + 1 or g["right"] > g["main"] + 1]


@pytest.mark.parametrize(("name", "language"), CASES)
def test_every_column_of_every_table_is_on_screen_at_1366(site, name, language):
    seen = visit(site, name, language)
    assert bool(seen.grids) == (name not in NO_TABLE_YET), f"{name}: {seen.grids}"
    hidden = hidden_columns(seen.grids)
    assert hidden == [], f"{name} ({language}) at {WIDTH}×{HEIGHT}: columns behind a scroll: " \
        + "; ".join(hidden)


@pytest.mark.parametrize("language", ["en", "ru"])
def test_view_as_speaks_the_reader_s_language_after_the_switch(site, language):
    """The switch is made in English first: a session switched to Russian must show its
    "View as" choice in Russian (it showed «every role (you)»)."""
    page = session(site, language)
    # the select box shows its choice in its text or, as a combo box, in its input's value
    shown = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").evaluate(
        "box => box.textContent + ' | ' + [...box.querySelectorAll('input')]"
        ".map(i => i.value).join(' ')")
    assert role_name(EVERY_ROLE, language) in shown
    if language == "ru":
        assert "все роли (вы)" in shown and "every role" not in shown


def test_edit_keeps_an_edit_in_a_column_the_analyst_hides(site):
    """Procurement has 11 resources (1 264 px of columns): the editor shows the most used
    that fit; an edit in a column survives hiding and showing that column (Streamlit keeps
    the editor's state only while the widget stays the same)."""
    from abc_costing.formats import load_model
    from abc_costing.store.edits import model_tables
    from tests.test_e2e import edit_cell, grid_headers

    page = new_session(site, "en")
    open_page(page, site[0].url, "edit", "en")
    model = load_model(site[0].library / "procurement" / "as_is.yaml")
    runs = script_runs(page)
    page.get_by_test_id("stSelectbox").filter(has_text="Process and variant").click()
    page.get_by_role("option", name=f"{model.title} — as_is", exact=True).click()
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    assert hidden_columns(page.evaluate(_GRIDS_JS)) == []
    grid = page.get_by_test_id("stDataFrame").first
    activities = model_tables(model).activities
    # the buyer works in the most activities: their column is shown first of all
    used = activities["labor: buyer"].map(lambda cell: cell != "")
    assert used.sum() == max(activities[c].map(lambda cell: cell != "").sum()
                             for c in activities.columns if c.startswith("labor: "))
    headers = grid_headers(grid)
    assert "labor: buyer, min" in headers and len(headers) < 1 + len(activities.columns)
    row = int(used.to_numpy().argmax())
    old = activities["labor: buyer"].iloc[row]
    changed = metric_value(page, "Changed values")
    cost = metric_value(page, "Cost per instance")
    expect(changed).to_have_text("0")
    runs = script_runs(page)
    edit_cell(page, grid, row=row, column=headers.index("labor: buyer, min"), old=old,
              new="999")
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    expect(changed).to_have_text("1")
    edited_cost = cost.inner_text()
    # hide the buyer's column: its chip's delete button in the multiselect
    picker = page.get_by_test_id("stMultiSelect")
    runs = script_runs(page)
    picker.get_by_role("button", name="Remove buyer", exact=True).click()
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    assert "labor: buyer, min" not in grid_headers(grid)
    expect(changed).to_have_text("1")
    expect(cost).to_have_text(edited_cost)
    # and show it again: the edited cell still holds the analyst's value
    runs = script_runs(page)
    picker.click()
    page.get_by_role("option", name="buyer", exact=True).click()
    page.keyboard.press("Escape")
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    headers = grid_headers(grid)
    assert "labor: buyer, min" in headers
    expect(grid.locator(f"#glide-cell-{headers.index('labor: buyer, min')}-{row}")
           ).to_have_text("999")
    expect(changed).to_have_text("1")
    expect(cost).to_have_text(edited_cost)
    screenshot(page, "edit-resource-columns")
    page.context.close()


def metric_value(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).first.get_by_test_id(
        "stMetricValue")


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_import_page_s_tables_fit_at_1366(site, language):
    """The Import page shows its table (the log's trace variants) once a log is read."""
    from tests.e2e_support import ROOT

    logs = ROOT / "tests" / "data" / "logs"
    page = new_session(site, language)
    open_page(page, site[0].url, "import", language)
    option = page.get_by_test_id("stMain").get_by_test_id("stRadio").get_by_text(
        {"en": "Event log", "ru": "Журнал событий"}[language], exact=True)
    log_input = page.locator(".st-key-import_log input[type=file]")
    # Under load (two browsers on two busy cores) a click on the option was once lost: no
    # run followed it in 90 s. Wait for what the choice shows, the log's uploader, and
    # choose again if it did not come (choosing the chosen option does nothing).
    for attempt in range(3):
        option.click()
        try:
            log_input.wait_for(state="attached", timeout=TIMEOUT_MS / 3)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    wait_until_settled(page, 0, timeout_ms=TIMEOUT_MS)
    runs = script_runs(page)
    log_input.set_input_files(str(logs / "contracts.csv"))
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    runs = script_runs(page)
    page.locator(".st-key-import_rates_table input[type=file]").set_input_files(
        str(logs / "rates.csv"))
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    grids = page.evaluate(_GRIDS_JS)
    assert len(grids) == 1  # the trace variants
    assert hidden_columns(grids) == []
    screenshot(page, f"page-import-log-{language}")
    page.context.close()


@pytest.mark.parametrize("language", ["en", "ru"])
def test_the_simulation_page_s_queue_tables_fit_at_1366(site, language):
    """The queue tables appear only when asked: a short run (5 days, 2 replications)."""
    page = new_session(site, language)
    open_page(page, site[0].url, "simulation", language)
    page.locator(".st-key-sim_queue_days input").fill("5")
    page.locator(".st-key-sim_queue_replications input").fill("2")
    before = len(page.evaluate(_GRIDS_JS))
    runs = script_runs(page)
    page.locator(".st-key-sim_queue_run button").click()
    wait_until_settled(page, runs, timeout_ms=TIMEOUT_MS)
    grids = page.evaluate(_GRIDS_JS)
    # resources and activities for each of the two variants compared
    assert len(grids) == before + 4, grids
    assert hidden_columns(grids) == []
    screenshot(page, f"page-simulation-queues-{language}")
    page.context.close()
