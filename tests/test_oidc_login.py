"""Signing in through OpenID Connect in a real browser, against a local test provider.

The dashboard runs with ``[auth]`` in its secrets pointing at the provider of
``tests/oidc_provider.py`` (127.0.0.1, a free port) and a ``[roles]`` table.
Chromium clicks "Sign in", is redirected to the provider, which approves the
configured user at once, and comes back through ``/oauth2callback``; the
sidebar then shows who signed in with which role, and only that role's pages.
"""

from __future__ import annotations

import secrets

import pytest

from tests.e2e_support import (
    chromium,
    free_port,
    keep_local,
    requires_chromium,
    running_dashboard,
    screenshot,
)
from tests.oidc_provider import OIDCProvider, TestUser

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

pytestmark = [pytest.mark.e2e, requires_chromium]

TIMEOUT_MS = 30_000
expect.set_options(timeout=TIMEOUT_MS)
CLIENT_ID = "abc-costing-dashboard"
ANA = TestUser(email="ana@example.com", name="Ana Analyst")
BOSS = TestUser(email="boss@example.com", name="Boss Executive")


def secrets_toml(*, redirect_uri: str, client_secret: str, discovery_url: str) -> str:
    return f"""\
[auth]
redirect_uri = "{redirect_uri}"
cookie_secret = "{secrets.token_urlsafe(32)}"
client_id = "{CLIENT_ID}"
client_secret = "{client_secret}"
server_metadata_url = "{discovery_url}"

[roles]
analyst = ["{ANA.email}"]
executive = ["{BOSS.email}"]
"""


def nav_titles(page):
    """The titles of the sidebar's page links (the link text also holds the icon's name)."""
    return page.get_by_test_id("stSidebarNavLink").locator("[data-testid=stMarkdownContainer]")


@pytest.fixture(scope="module")
def signed_in_setup(tmp_path_factory):
    """The provider, the dashboard that trusts it, and a browser; one of each per module."""
    port = free_port()
    redirect_uri = f"http://127.0.0.1:{port}/oauth2callback"
    client_secret = secrets.token_urlsafe(24)
    with OIDCProvider(client_id=CLIENT_ID, client_secret=client_secret,
                      redirect_uri=redirect_uri, user=ANA) as provider:
        text = secrets_toml(redirect_uri=redirect_uri, client_secret=client_secret,
                            discovery_url=provider.discovery_url)
        with running_dashboard(tmp_path_factory.mktemp("oidc"), secrets=text,
                               port=port) as dashboard, chromium() as browser:
            yield provider, dashboard, browser


@pytest.mark.parametrize(
    ("user", "role", "pages"),
    [
        (ANA, "analyst",
         ["Overview", "Compare", "Simulation", "Ledger", "Advisor", "Edit", "Import",
          "Resources", "Changes"]),
        (BOSS, "executive", ["Overview", "Compare", "Simulation", "Ledger", "Advisor"]),
    ],
    ids=["analyst", "executive"],
)
def test_sign_in_through_the_provider_gives_the_role_and_its_pages(
        signed_in_setup, user, role, pages):
    provider, dashboard, browser = signed_in_setup
    provider.user = user
    provider.authorize_requests.clear()
    provider.token_requests.clear()
    context = browser.new_context(viewport={"width": 1280, "height": 900})  # no cookies yet
    refused = keep_local(context)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)

    page.goto(dashboard.url, wait_until="domcontentloaded")
    sign_in = page.get_by_role("button", name="Sign in")
    expect(sign_in).to_be_visible()
    # before signing in: only the button, no pages, no figures
    expect(page.get_by_test_id("stMain").get_by_role("button")).to_have_count(1)
    expect(page.get_by_test_id("stSidebarNav")).to_have_count(0)
    expect(page.get_by_test_id("stMetric")).to_have_count(0)
    screenshot(page, "sign-in")

    sign_in.click()
    caption = page.get_by_test_id("stSidebar").get_by_text("Signed in as")
    expect(caption).to_have_text(f"Signed in as {user.name} ({user.email}) · {role}")
    assert page.url.rstrip("/") == dashboard.url  # back from the provider, on the app

    expect(nav_titles(page)).to_have_text(pages)  # exactly these, in this order
    for absent in {"Overview", "Compare", "Simulation", "Ledger", "Advisor", "Edit", "Import", "Resources",
                   "Changes", "Export"} - set(pages):
        expect(page.get_by_test_id("stSidebarNav").get_by_role("link", name=absent)).to_have_count(0)
    expect(page.get_by_test_id("stMetric").filter(has_text="Processes / variants")
           .get_by_test_id("stMetricValue")).to_have_text("4 / 9")
    expect(page.locator(".js-plotly-plot .main-svg").first).to_be_visible()
    screenshot(page, f"signed-in-{role}")

    # What went over the wire: one authorization request with PKCE and a nonce to
    # the registered redirect URI, one code exchange authenticated with the secret.
    [authorize] = provider.authorize_requests
    assert (authorize["client_id"], authorize["redirect_uri"], authorize["response_type"]) == (
        CLIENT_ID, f"{dashboard.url}/oauth2callback", "code")
    assert set(authorize["scope"].split()) == {"openid", "email", "profile"}
    assert authorize["code_challenge_method"] == "S256" and authorize["nonce"]
    [token] = provider.token_requests
    assert token["grant_type"] == "authorization_code" and token["code_verifier"]
    assert token["client_auth"] in ("client_secret_basic", "client_secret_post")
    assert refused == [], "signing in must need nothing beyond 127.0.0.1"
    context.close()


def test_a_page_outside_the_role_cannot_be_reached_by_url(signed_in_setup):
    provider, dashboard, browser = signed_in_setup
    provider.user = BOSS
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    refused = keep_local(context)
    page = context.new_page()
    page.goto(dashboard.url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("stSidebar").get_by_text("Signed in as")).to_contain_text(
        "· executive")

    page.goto(f"{dashboard.url}/edit", wait_until="domcontentloaded")  # the cookie persists
    expect(page.get_by_role("heading", name="Process portfolio")).to_be_visible()
    expect(page.get_by_role("heading", name="Edit a process variant")).to_have_count(0)
    expect(nav_titles(page)).to_have_text(["Overview", "Compare", "Simulation", "Ledger", "Advisor"])
    assert refused == []
    context.close()
