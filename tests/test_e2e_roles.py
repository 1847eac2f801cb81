"""The "View as" switch and a forbidden page in a real headless Chromium.

Without sign-in the machine's user holds every role and may view the dashboard as
one role. Viewing as an executive, the Edit page is not registered; asking for it
by its URL shows what may be seen instead and says why, never silently. The page is
kept as ``test-artifacts/e2e-forbidden-page.png``.
"""

from __future__ import annotations

import pytest

from tests.e2e_support import chromium, requires_chromium, running_dashboard, screenshot

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

from tests.test_e2e import open_dashboard  # noqa: E402

pytestmark = [pytest.mark.e2e, requires_chromium]


def nav_titles(page):
    return page.get_by_test_id("stSidebarNavLink").locator("[data-testid=stMarkdownContainer]")


def test_view_as_an_executive_and_a_forbidden_page_says_so(tmp_path):
    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        page, refused = open_dashboard(browser, dashboard.url)
        expect(nav_titles(page)).to_have_text(
            ["Overview", "Compare", "Simulation", "Ledger", "Advisor", "Edit", "Import",
             "Resources", "Changes", "Export"])
        picker = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox")
        picker.click()
        page.get_by_role("option", name="executive").click()
        expect(nav_titles(page)).to_have_text(["Overview", "Compare", "Simulation", "Ledger", "Advisor"])

        # The URL of a page the role may not use (the choice kept in the URL through a
        # reload): the default page, and why.
        page.goto(f"{dashboard.url}/edit?view_as=executive", wait_until="domcontentloaded")
        expect(page.get_by_test_id("stAlertContentWarning")).to_contain_text(
            "The Edit page is for analysts")
        expect(page.get_by_role("heading", name="Edit a process variant")).to_have_count(0)
        screenshot(page, "forbidden-page")

        # The default page asked for by its own path is no forbidden page (its Streamlit
        # url_path is empty): no warning, the Overview itself.
        page.goto(f"{dashboard.url}/overview?view_as=executive", wait_until="domcontentloaded")
        expect(page.get_by_role("heading", name="Process portfolio").first).to_be_visible(
            timeout=60_000)
        expect(page.get_by_test_id("stAlertContentWarning")).to_have_count(0)
        assert refused == [], "the dashboard must need no outside service"
