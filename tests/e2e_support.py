"""Real-browser test support: the dashboard on a copy of the library, and Debian's Chromium.

Everything stays on 127.0.0.1. The browser is the system's ``/usr/bin/chromium``
(``make test`` installs it); Playwright never downloads one.

Use in a test::

    with running_dashboard(tmp_path) as dashboard, chromium() as browser:
        page = browser.new_page()
        page.goto(dashboard.url)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
# Playwright adds --headless and --no-sandbox itself; the rest keeps Chromium off the network.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-proxy-server",
]
STARTUP_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0

requires_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason=f"{CHROMIUM} is missing: `make e2e-deps` (part of `make test`) installs Debian's "
    "chromium; these tests never download a browser",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Dashboard:
    """A running dashboard.

    Attributes:
      url: where it answers, ``http://127.0.0.1:<port>``.
      port: its port.
      library: the copy of the shipped process library it shows and edits.
      change_log: the SQLite change log it writes.
      server_log: the server's stdout and stderr.
    """

    url: str
    port: int
    library: Path
    change_log: Path
    server_log: Path


def _log_tail(server_log: Path, lines: int = 40) -> str:
    """The end of the server log, or from a crash report on (its first stack is the culprit)."""
    text = server_log.read_text("utf-8", errors="replace").splitlines()
    crash = next((i for i, line in enumerate(text) if line.startswith("Fatal Python error")),
                 None)
    return "\n".join(text[crash:crash + lines] if crash is not None else text[-lines:])


def _died(process: subprocess.Popen, server_log: Path) -> str:
    return (f"the dashboard server died during the test (exit status {process.returncode}); "
            "its log:\n" + _log_tail(server_log))


def _wait_until_healthy(url: str, process: subprocess.Popen, server_log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with {process.returncode}:\n"
                               + _log_tail(server_log))
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not answer {url}/_stcore/health within "
                       f"{STARTUP_TIMEOUT_S:.0f} s:\n" + _log_tail(server_log))


@contextmanager
def running_dashboard(
    tmp_path: Path,
    *,
    secrets: str = "",
    env: Mapping[str, str] | None = None,
    port: int | None = None,
) -> Iterator[Dashboard]:
    """``streamlit run dashboard.py`` on a copy of ``process_models/`` in ``tmp_path``.

    ``secrets`` is the text of the only secrets file the server reads (empty:
    no ``[auth]``, the single local user), so a developer's own
    ``.streamlit/secrets.toml`` never changes what the tests see. ``port``
    is needed up front when the secrets name it (an OIDC redirect URI).
    """
    library = tmp_path / "process_models"
    shutil.copytree(ROOT / "process_models", library)
    change_log = tmp_path / "log.sqlite"
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(secrets, encoding="utf-8")
    server_log = tmp_path / "streamlit.log"
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    process_env = {
        **os.environ,
        "ABC_COSTING_LIBRARY": str(library),
        "ABC_COSTING_CHANGE_LOG": str(change_log),
        # the server's own HTTP calls (OIDC discovery, token exchange) stay local
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        # a crash in native code leaves the Python stack in the server log
        "PYTHONFAULTHANDLER": "1",
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "streamlit", "run", "dashboard.py",
        "--server.headless=true", f"--server.port={port}", "--server.address=127.0.0.1",
        "--browser.gatherUsageStats=false", "--server.fileWatcherType=none",
        f"--secrets.files={secrets_file}",
    ]
    with server_log.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=process_env, stdout=log_file,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            _wait_until_healthy(url, process, server_log)
        except BaseException:
            process.kill()
            process.wait(STOP_TIMEOUT_S)
            raise
        try:
            yield Dashboard(url=url, port=port, library=library, change_log=change_log,
                            server_log=server_log)
        except BaseException as error:
            if process.poll() is not None:  # the server died under the test: say so, and how
                error.add_note(_died(process, server_log))
            raise
        else:
            if process.poll() is not None:
                raise RuntimeError(_died(process, server_log))
        finally:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)


@contextmanager
def chromium():
    """A headless Debian Chromium driven by Playwright (no browser download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def _is_local(url: str) -> bool:
    host = urlsplit(url).hostname
    return host in (None, "127.0.0.1", "localhost")  # None: data:, blob:, about:


def keep_local(context) -> list[str]:
    """Refuse every request of ``context`` that would leave 127.0.0.1.

    Returns the list the refused URLs are added to, so a test can assert that
    the dashboard needs no outside service.
    """
    refused: list[str] = []

    def refuse(route) -> None:
        refused.append(route.request.url)
        route.abort("blockedbyclient")

    context.route(lambda url: not _is_local(url), refuse)
    return refused


def screenshot(page, name: str) -> Path:
    """A screenshot of the whole page kept as ``test-artifacts/e2e-<name>.png``.

    Streamlit scrolls inside ``stMain``, not the document, so a "full page"
    screenshot would stop at the viewport: the viewport is stretched to the
    content's height for the shot, then put back.
    """
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"e2e-{name}.png"
    viewport = page.viewport_size
    height = page.evaluate(
        "() => Math.max(document.documentElement.scrollHeight,"
        " document.querySelector('[data-testid=stMain]')?.scrollHeight ?? 0)")
    page.set_viewport_size({"width": viewport["width"],
                            "height": max(viewport["height"], min(int(height), 10_000))})
    page.wait_for_timeout(500)  # charts re-layout to the new size
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(viewport)
    return path
