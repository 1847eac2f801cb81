"""The dashboard in a real headless Chromium: compare, edit one duration, save, audit.

``streamlit run dashboard.py`` serves a copy of the shipped library on a free
127.0.0.1 port; Debian's ``/usr/bin/chromium`` (driven by Playwright, never a
downloaded browser) walks the pages an analyst-and-auditor would use. Every
figure the browser must show is computed here with the library itself, and
each page is kept as a screenshot in ``test-artifacts/e2e-<page>.png``.
"""

from __future__ import annotations

import re

import pytest

from abc_costing.access import local_user
from abc_costing.compare import compare_models
from abc_costing.engine import cost_model
from abc_costing.formats import load_library, load_model, parse_model_text
from abc_costing.portfolio import build_portfolio
from abc_costing.reports.exports import costing_csv
from abc_costing.reports.tables import format_money
from abc_costing.store.change_log import ChangeLog
from abc_costing.store.edits import model_tables
from tests.conftest import shipped_catalogue
from tests.e2e_support import (
    chromium,
    keep_local,
    requires_chromium,
    running_dashboard,
    screenshot,
)

pytest.importorskip("playwright")
from playwright.sync_api import Locator, Page, expect  # noqa: E402

pytestmark = [pytest.mark.e2e, requires_chromium]

# A wait limit, not a speed check: two pytest workers each drive a dashboard and a browser,
# and on a loaded 2-core box the Overview's first run took over 30 s (as in test_e2e_pages).
TIMEOUT_MS = 90_000
expect.set_options(timeout=TIMEOUT_MS)
HEADER_PX = ROW_PX = 35  # glide-data-grid as Streamlit draws it
PROCESS = "contract_approval"
# the one edit: the manager drafts in a fixed hour instead of pert 40 60 150 (mean 71.67 min)
EDITED_ROW, EDITED_COLUMN = "draft", "labor: manager"
OLD_CELL, NEW_CELL = "pert 40 60 150", "60"
OLD_LINE = "labor: {manager: {pert: [40, 60, 150]}}"
NEW_LINE = "labor: {manager: 60}"


def money(amount: float, currency: str = "RUB") -> str:
    """Money in English: the code, a no-break space, the amount; a minus leads (-RUB 5,505.60)."""
    shown = format_money(amount, currency)
    minus, digits = ("-", shown[1:]) if shown.startswith("-") else ("", shown)
    return f"{minus}{currency}\u00a0{digits}"


def roubles(amount: float) -> str:
    """Roubles in Russian: 10 368,69 ₽ (narrow no-break spaces, a decimal comma, the sign)."""
    return f"{format_money(amount, 'RUB', 'ru')}\u00a0₽"


def metric(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMetric").filter(has_text=label).first


def go_to(page: Page, link: str, heading: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=link, exact=True).click()
    expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=TIMEOUT_MS)


def choose(page: Page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()


def open_dashboard(browser, url: str, **context_options) -> tuple[Page, list[str]]:
    """A new browser context on the dashboard's Overview, kept on 127.0.0.1.

    Returns the page and the list of requests refused for leaving this machine.
    """
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, **context_options)
    refused = keep_local(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url, wait_until="domcontentloaded")
    # the dashboard speaks the browser's language when it knows it (issue 14)
    russian = str(context_options.get("locale", "")).startswith("ru")
    expect(page.get_by_role("heading", name="Портфель процессов" if russian
                            else "Process portfolio")).to_be_visible()
    return page, refused


def grid_headers(grid: Locator) -> list[str]:
    """Column titles of a glide-data-grid, from its accessibility table (the canvas has none)."""
    return [text.strip() for text in grid.locator("table[role=grid] th").all_text_contents()]


def grid_row(grid: Locator, row: int) -> dict[str, str]:
    headers = grid_headers(grid)
    cells = [grid.locator(f"#glide-cell-{column}-{row}").text_content()
             for column in range(len(headers))]
    return dict(zip(headers, cells, strict=True))


def edit_cell(page: Page, grid: Locator, *, row: int, column: int, old: str, new: str) -> None:
    """Type ``new`` into one cell of an ``st.data_editor`` canvas grid.

    The grid is a canvas, so the cell is reached the way a keyboard user
    would: click the row's first cell (rows are 35 px), arrow right to the
    column (its position read from the grid's own header list), Enter opens
    the overlay editor, whose content proves it is the right cell. Tab
    commits (Enter does not, in an editor opened from the keyboard).
    """
    # The arrows must reach the grid: under load a click can land while the page redraws,
    # and the arrows would then move the focused sidebar's language switch instead.
    for _ in range(20):
        grid.click(position={"x": 10, "y": HEADER_PX + ROW_PX * row + ROW_PX // 2})
        if grid.evaluate("grid => grid.contains(document.activeElement)"):
            break
        page.wait_for_timeout(250)
    else:
        raise AssertionError("the grid never took the keyboard's focus")
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    editor = page.get_by_test_id("portal").locator(".gdg-clip-region").locator(
        "input, textarea").first
    expect(editor).to_have_value(old, timeout=TIMEOUT_MS)
    editor.fill(new)
    page.keyboard.press("Tab")
    expect(grid.locator(f"#glide-cell-{column}-{row}")).to_have_text(new, timeout=TIMEOUT_MS)


def test_compare_edit_save_and_audit_in_a_real_browser(tmp_path):
    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        library = dashboard.library
        as_is_path = library / PROCESS / "as_is.yaml"
        original_text = as_is_path.read_text("utf-8")
        portfolio = build_portfolio(load_library(library)[0])
        as_is = load_model(as_is_path)
        default_candidate = portfolio.best_variant(PROCESS).variant
        other_candidate = next(row.variant for row in portfolio.variants(PROCESS)
                               if row.variant not in ("as_is", default_candidate))
        assert (default_candidate, other_candidate) == ("template_esign", "value_tiers")

        context = browser.new_context(viewport={"width": 1400, "height": 1000},
                                      accept_downloads=True)
        refused = keep_local(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)

        # --- Overview: the portfolio's own figures ------------------------------------
        page.goto(dashboard.url, wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Process portfolio")).to_be_visible(
            timeout=TIMEOUT_MS)
        as_is_rows = [row for row in portfolio.rows if row.variant == "as_is"]
        expect(metric(page, "Cost per year, as is").get_by_test_id("stMetricValue")).to_have_text(
            money(sum(row.cost_per_year for row in as_is_rows)))
        expect(metric(page, "Processes / variants").get_by_test_id("stMetricValue")).to_have_text(
            f"{len(portfolio.processes())} / {len(portfolio.rows)}")  # 4 / 9
        expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
        screenshot(page, "overview")

        # --- Compare: the KPI is the engine's figure, and follows the candidate -------
        go_to(page, "Compare", "Compare variants")
        expected = compare_models(as_is, load_model(library / PROCESS / f"{default_candidate}.yaml"))
        cost_kpi = metric(page, "Cost per instance")
        expect(cost_kpi.get_by_test_id("stMetricValue")).to_have_text(
            money(expected.candidate.cost_per_instance))  # 4 863.09 RUB
        expect(cost_kpi.get_by_test_id("stMetricDelta")).to_have_text(
            money(-expected.saving_per_instance))  # -5 505.60 RUB

        choose(page, "Candidate", other_candidate)
        switched = compare_models(as_is, load_model(library / PROCESS / f"{other_candidate}.yaml"))
        expect(cost_kpi.get_by_test_id("stMetricValue")).to_have_text(
            money(switched.candidate.cost_per_instance))  # 7 883.47 RUB
        expect(cost_kpi.get_by_test_id("stMetricDelta")).to_have_text(
            money(-switched.saving_per_instance))
        assert switched.candidate.cost_per_instance != expected.candidate.cost_per_instance
        # two flows, waterfall, by resource, by value class
        expect(page.locator(".js-plotly-plot")).to_have_count(5)
        screenshot(page, "compare")

        # --- Edit: one duration in the grid, the live total, Save ---------------------
        go_to(page, "Edit", "Edit a process variant")
        # the first row of the portfolio is the default
        expect(page.get_by_role("combobox", name="Process and variant")).to_have_value(
            f"{as_is.title} — as_is")
        saved_cost = cost_model(as_is).cost_per_instance
        cost_metric = metric(page, "Cost per instance").get_by_test_id("stMetricValue")
        expect(cost_metric).to_have_text(money(saved_cost))

        # By hand: pert(40, 60, 150) has mean (40 + 4·60 + 150)/6 = 71.67 min; 60 min at
        # 1 200 ₽/h (20 ₽/min) is 233.33 ₽ less, and draft runs once per instance.
        edited_text = original_text.replace(OLD_LINE, NEW_LINE)
        assert edited_text.count(NEW_LINE) == 1
        edited_model, problems = parse_model_text(edited_text, source="edited",
                                                  catalogue=shipped_catalogue())
        assert edited_model is not None, problems
        edited_cost = cost_model(edited_model).cost_per_instance
        assert edited_cost == pytest.approx(saved_cost - (430 / 6 - 60) * 20)

        grid = page.get_by_test_id("stDataFrame").first
        tables = model_tables(as_is)
        expect(grid.locator("#glide-cell-0-0")).to_have_text(tables.activities.index[0])
        column = grid_headers(grid).index(f"{EDITED_COLUMN}, min")
        assert column == 1 + list(tables.activities.columns).index(EDITED_COLUMN)  # id comes first
        row = list(tables.activities.index).index(EDITED_ROW)
        edit_cell(page, grid, row=row, column=column, old=OLD_CELL, new=NEW_CELL)

        expect(cost_metric).to_have_text(money(edited_cost))  # 10 135.35 RUB
        expect(metric(page, "Cost per instance").get_by_test_id("stMetricDelta")).to_have_text(
            money(edited_cost - saved_cost))
        expect(metric(page, "Changed values").get_by_test_id("stMetricValue")).to_have_text("1")
        screenshot(page, "edit")

        page.locator(".st-key-edit_save button").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
            f"Saved {PROCESS}/as_is.yaml: 1 change(s) recorded.")
        expect(cost_metric).to_have_text(money(edited_cost))  # now the saved figure
        expect(metric(page, "Changed values").get_by_test_id("stMetricValue")).to_have_text("0")
        # only the edited value changed: every comment and line of layout is kept
        assert as_is_path.read_text("utf-8") == edited_text
        assert "# менеджер берёт прошлый договор как образец" in edited_text
        screenshot(page, "edit-saved")

        # --- Changes: the entry, and the chain --------------------------------------
        go_to(page, "Changes", "Change log")
        expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
            "Hash chain intact: 1 entries, each sealed to the one before; every model file "
            "matches its last logged save.")
        log_grid = page.get_by_test_id("stDataFrame").first
        expect(log_grid.locator("#glide-cell-0-0")).to_have_text("1")
        shown = grid_row(log_grid, 0)
        [entry] = ChangeLog(dashboard.change_log, create=False).entries()
        assert {k: shown[k] for k in ("User", "File", "Element", "Field", "Old value",
                                      "New value")} == {
            "User": local_user().id, "File": f"{PROCESS}/as_is.yaml", "Element": EDITED_ROW,
            "Field": "labor.manager", "Old value": "{pert: [40, 60, 150]}", "New value": NEW_CELL}
        assert shown["Hash (first 12)"] == entry.hash[:12]
        assert (entry.element, entry.field, entry.new_value) == (EDITED_ROW, "labor.manager",
                                                                 NEW_CELL)
        screenshot(page, "changes")

        # --- Export: a real download of the best variant's costing ------------------
        go_to(page, "Export", "Export")
        buttons = page.get_by_test_id("stDownloadButton")
        expect(buttons).to_have_text(["Costing as CSV", "Costing as JSON", "Comparison as CSV",
                                      "Comparison as JSON", "Excel workbook", "PDF report",
                                      "All tables (CSV zip)"])
        with page.expect_download(timeout=TIMEOUT_MS) as download_info:
            buttons.filter(has_text="Costing as CSV").get_by_role("button").click()
        download = download_info.value
        assert download.suggested_filename == f"{PROCESS}__{default_candidate}__costing.csv"
        candidate_model = load_model(library / PROCESS / f"{default_candidate}.yaml")
        downloaded = tmp_path / download.suggested_filename
        download.save_as(downloaded)
        assert downloaded.read_bytes() == costing_csv(cost_model(candidate_model),
                                                      user=local_user())
        screenshot(page, "export")

        assert refused == [], "the dashboard must need no outside service"


def test_import_an_event_log_priced_by_a_rates_table_in_a_real_browser(tmp_path):
    """An analyst uploads a CRM log and a rates table, sees the mined model costed, saves it."""
    from abc_costing.formats.event_log import read_event_log
    from abc_costing.formats.rates_table import read_rates_table
    from abc_costing.mining import discover_model, trace_variants
    from tests.e2e_support import ROOT

    logs = ROOT / "tests" / "data" / "logs"
    log_path, rates_path = logs / "contracts.csv", logs / "rates.csv"
    table = read_rates_table(rates_path)
    log = read_event_log(log_path)
    text, _ = discover_model(log, process="contracts", rates=table)
    mined, problems = parse_model_text(text)
    assert mined is not None and problems == []
    expected = cost_model(mined).cost_per_instance  # ≈ 3 850 RUB, worked by hand in test_mining
    variants = trace_variants(log, rates=table)

    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        page, refused = open_dashboard(browser, dashboard.url)
        go_to(page, "Import", "Import a model")
        page.get_by_test_id("stRadio").get_by_text("Event log", exact=True).click()
        uploaders = page.get_by_test_id("stFileUploader")
        # the log first, the rates after it: the rates must still reach the model text
        uploaders.filter(has_text="Event log file").locator("input[type=file]").set_input_files(
            str(log_path))
        expect(page.locator("textarea").first).to_have_value(re.compile(r'"\?"'))
        uploaders.filter(has_text="rates table").locator("input[type=file]").set_input_files(
            str(rates_path))
        expect(metric(page, "Cost per instance").get_by_test_id("stMetricValue")).to_have_text(
            money(expected))
        expect(page.locator(".js-plotly-plot")).to_have_count(1)
        expect(page.get_by_role("heading", name="Trace variants")).to_be_visible()
        variants_grid = page.get_by_test_id("stDataFrame").first
        expect(variants_grid.locator("#glide-cell-1-0")).to_have_text(  # after the rank
            " → ".join(variants[0].activities))
        screenshot(page, "import")

        page.locator(".st-key-import_save button").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
            "Saved contracts/as_is.yaml and logged it in the change log.")
        saved = dashboard.library / "contracts" / "as_is.yaml"
        assert saved.read_text("utf-8") == text
        [entry] = ChangeLog(dashboard.change_log, create=False).entries()
        assert entry.new_value == "imported from contracts.csv"
        assert refused == [], "the dashboard must need no outside service"


def settled(page: Page) -> None:
    """Wait until the rerun has finished: Streamlit keeps the previous run's elements, marked
    stale, until then, so a label may match an old widget and a new one."""
    expect(page.locator("[data-stale=true]")).to_have_count(0)


def visible_grid(page: Page) -> Locator:
    """The data editor of the tab that is open (the others are hidden)."""
    return page.get_by_test_id("stDataFrame").filter(visible=True).first


def test_typed_numbers_and_save_as_new_variant_in_a_real_browser(tmp_path):
    """Faults 1 and 2: a number typed the Russian way in an English browser, a negative, and
    a save as a new variant after which nothing is pending on the original."""
    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        as_is_path = dashboard.library / PROCESS / "as_is.yaml"
        original_text = as_is_path.read_text("utf-8")
        as_is = load_model(as_is_path)
        tables = model_tables(as_is)
        # by hand: the draft's other cost 0 -> 1 500.50 ₽, and the draft runs once per
        # instance (the rates live in the library's catalogue, edited on their own page)
        assert cost_model(as_is).activity("draft").expected_executions == 1
        typed_cost = cost_model(as_is).cost_per_instance + 1500.5
        row = list(tables.activities.index).index("draft")
        column = 1 + list(tables.activities.columns).index("other_cost")

        page, refused = open_dashboard(browser, dashboard.url, locale="en-US")
        go_to(page, "Edit", "Edit a process variant")
        cost_metric = metric(page, "Cost per instance").get_by_test_id("stMetricValue")
        expect(cost_metric).to_have_text(money(cost_model(as_is).cost_per_instance))
        grid = visible_grid(page)
        expect(grid.locator("#glide-cell-0-0")).to_have_text("draft")

        # an English browser would read a number column's "1 500,50" as 150050
        edit_cell(page, grid, row=row, column=column, old="0", new="1 500,50")
        expect(cost_metric).to_have_text(money(typed_cost))
        # a negative amount is refused, naming the element, never turned positive
        edit_cell(page, grid, row=row, column=column, old="1 500,50", new="-1400")
        expect(page.get_by_test_id("stText").filter(
            has_text="draft: other_cost: must not be negative (got -1400)")).to_be_visible()
        expect(page.locator(".st-key-edit_save button")).to_be_disabled()
        edit_cell(page, grid, row=row, column=column, old="-1400", new="1500.50")
        expect(cost_metric).to_have_text(money(typed_cost))

        for label, value in (("New variant (a short name)", "draft_fee"),
                             ("Title of the new variant", "Согласование: сбор 1 500,50")):
            settled(page)
            page.get_by_label(label).fill(value)
            page.get_by_label(label).press("Enter")  # a text input commits on Enter
        expect(page.locator(".st-key-edit_save_as button")).to_be_enabled()
        page.locator(".st-key-edit_save_as button").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(
            "you are editing it now")
        expect(page.get_by_role("combobox", name="Process and variant")).to_have_value(
            f"{as_is.title} — draft_fee")
        expect(cost_metric).to_have_text(money(typed_cost))
        expect(metric(page, "Changed values").get_by_test_id("stMetricValue")).to_have_text("0")
        expect(page.locator(".st-key-edit_save button")).to_be_disabled()
        saved = load_model(dashboard.library / PROCESS / "draft_fee.yaml")
        assert saved.activities["draft"].other_cost == 1500.5
        assert saved.title == "Согласование: сбор 1 500,50"
        assert as_is_path.read_text("utf-8") == original_text  # nothing landed on as_is
        picker = page.get_by_role("combobox", name="Process and variant")
        picker.click()
        picker.fill("— as_is")  # the select box filters its options as one types
        page.keyboard.press("Enter")
        expect(picker).to_have_value(f"{as_is.title} — as_is")
        expect(metric(page, "Changed values").get_by_test_id("stMetricValue")).to_have_text("0")
        expect(cost_metric).to_have_text(money(cost_model(as_is).cost_per_instance))
        screenshot(page, "edit-save-as")
        assert refused == [], "the dashboard must need no outside service"

        # a Russian browser: "1.500,50" (German grouping) is refused, not read as 1.5005;
        # the dashboard speaks Russian to it (the browser's language, issue 14)
        page, _ = open_dashboard(browser, dashboard.url, locale="ru-RU")
        go_to(page, "Редактирование", "Редактирование варианта процесса")
        grid = visible_grid(page)
        expect(grid.locator("#glide-cell-0-0")).to_have_text("draft")
        edit_cell(page, grid, row=row, column=column, old="0", new="1.500,50")
        # the file's element and field as written, whatever the language of the message
        expect(page.get_by_test_id("stText").filter(
            has_text="draft: other_cost: ").filter(has_text="'1.500,50'")).to_be_visible()
        # 10 368.69 as a Russian reader writes it: narrow no-break spaces, a comma, ₽
        assert round(cost_model(as_is).cost_per_instance, 2) == 10_368.69
        expect(metric(page, "Стоимость экземпляра").get_by_test_id("stMetricValue")
               ).to_have_text("10\u202f368,69\u00a0₽")


def test_imports_that_would_duplicate_or_need_named_columns_in_a_real_browser(tmp_path):
    """Fault 4: an exported model comes back as its own process and is not saved twice; a
    log with Russian column names is read, priced by rates uploaded after it, and saved."""
    from abc_costing.formats.bpmn import model_to_bpmn

    log = tmp_path / "сделки.csv"
    log.write_text("Сделка;Этап;Дата начала;Дата окончания;Ответственный\n"
                   "1;Звонок;2024-03-01 10:00;2024-03-01 10:20;Иванова\n"
                   "1;Договор;2024-03-01 11:00;2024-03-01 11:30;Петров\n"
                   "2;Звонок;2024-03-02 10:00;2024-03-02 10:10;Иванова\n"
                   "2;Договор;2024-03-02 11:00;2024-03-02 11:50;Петров\n", encoding="utf-8")
    rates = tmp_path / "ставки.csv"
    rates.write_text("Ресурс;Ставка в час\nИванова;600\nПетров;3 000,00\n", encoding="utf-8")
    # by hand, per case on average: calls (20 + 10) / 2 = 15 min × 10 ₽ = 150;
    # contracts (30 + 50) / 2 = 40 min × 50 ₽ = 2 000; 2 150 ₽ per case
    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        exported = tmp_path / "export.bpmn"
        exported.write_bytes(model_to_bpmn(load_model(dashboard.library / PROCESS /
                                                      "as_is.yaml")))
        page, _ = open_dashboard(browser, dashboard.url)
        go_to(page, "Import", "Import a model")
        uploaders = page.get_by_test_id("stFileUploader")
        uploaders.filter(has_text="BPMN file").first.locator("input[type=file]").set_input_files(
            str(exported))
        expect(page.get_by_test_id("stText").filter(
            has_text=f"{PROCESS}/as_is is already in the library")).to_be_visible()
        expect(page.locator(".st-key-import_save button")).to_have_count(0)

        page.get_by_test_id("stRadio").get_by_text("Event log", exact=True).click()
        page.get_by_test_id("stFileUploader").filter(has_text="Event log file").locator(
            "input[type=file]").set_input_files(str(log))
        for label, column in (("Case id", "Сделка"), ("Activity", "Этап"),
                              ("End time", "Дата окончания"), ("Resource", "Ответственный")):
            expect(page.get_by_role("combobox", name=label)).to_have_value(column)
        uploaders.filter(has_text="rates table").locator("input[type=file]").set_input_files(
            str(rates))
        expect(metric(page, "Cost per instance").get_by_test_id("stMetricValue")).to_have_text(
            money(2150))
        page.locator(".st-key-import_save button").click()
        expect(page.get_by_test_id("stAlertContentSuccess")).to_have_text(
            "Saved сделки/as_is.yaml and logged it in the change log.")
        saved = load_model(dashboard.library / "сделки" / "as_is.yaml")
        assert cost_model(saved).cost_per_instance == pytest.approx(2150)
        screenshot(page, "import-named-columns")
