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
#: Screenshots and drawings the browser tests keep; ``$ABC_COSTING_ARTIFACTS`` moves them
#: (a CI job that collects artifacts from elsewhere). Git ignores the default.
ARTIFACTS = Path(os.environ.get("ABC_COSTING_ARTIFACTS") or ROOT / "test-artifacts")
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
    script: str | Path = "dashboard.py",
) -> Iterator[Dashboard]:
    """``streamlit run dashboard.py`` on a copy of ``process_models/`` in ``tmp_path``.

    ``script`` runs another Streamlit app the same way (a benchmark's empty page).

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
        sys.executable, "-m", "streamlit", "run", str(script),
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
    """A screenshot of the whole page kept as ``<ARTIFACTS>/e2e-<name>.png``.

    Streamlit scrolls inside ``stMain``, not the document, so a "full page"
    screenshot would stop at the viewport: the viewport is stretched to the
    content's height for the shot, then put back.
    """
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
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


# --- waiting for a script run to finish, and the texts the charts draw ---------------------

#: Counts the script runs a page starts. Streamlit marks its root with the run's state
#: (``data-test-script-state``: running, notRunning, ...); a run can start and end between
#: two polls, so the page counts each start itself. Add with ``context.add_init_script``.
COUNT_SCRIPT_RUNS_JS = """
window.__abcScriptRuns = 0;
new MutationObserver(() => {
  const app = document.querySelector('[data-testid=stApp]');
  const state = app && app.getAttribute('data-test-script-state');
  if (state === 'running' && window.__abcLastState !== 'running') window.__abcScriptRuns += 1;
  window.__abcLastState = state;
}).observe(document, {subtree: true, childList: true, attributes: true,
                      attributeFilter: ['data-test-script-state']});
"""

# A run has ended, nothing on the page is stale or still loading its component (Streamlit
# draws a skeleton until a lazily loaded element's code arrives), every chart has drawn.
_SETTLED_JS = """runs => {
  const app = document.querySelector('[data-testid=stApp]');
  if (!app || window.__abcScriptRuns <= runs
      || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (document.querySelector('[data-stale=true], [data-testid=stSkeleton]')) return false;
  return [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
    .every(chart => chart.querySelector('.js-plotly-plot .main-svg'));
}"""


_UNSETTLED_JS = """() => ({
  url: location.href, runs: window.__abcScriptRuns,
  state: document.querySelector('[data-testid=stApp]')?.getAttribute('data-test-script-state'),
  stale: document.querySelectorAll('[data-stale=true]').length,
  skeletons: document.querySelectorAll('[data-testid=stSkeleton]').length,
  undrawnCharts: [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
    .filter(chart => !chart.querySelector('.js-plotly-plot .main-svg')).length})"""


def script_runs(page) -> int:
    """How many script runs the page has started so far (needs ``COUNT_SCRIPT_RUNS_JS``)."""
    return int(page.evaluate("() => window.__abcScriptRuns"))


def wait_until_settled(page, runs_before: int, *, timeout_ms: float = 60_000) -> None:
    """Wait for a script run after the first ``runs_before`` to finish and the page to draw.

    Take ``runs_before = script_runs(page)`` before the click that reruns the script.
    """
    try:
        page.wait_for_function(_SETTLED_JS, arg=runs_before, timeout=timeout_ms)
    except Exception as error:  # say which condition never came
        error.add_note("page state: " + str(page.evaluate(_UNSETTLED_JS)))
        raise
    page.wait_for_timeout(300)  # plotly lays out its labels after the first paint


Point = tuple[float, float]


@dataclass(frozen=True)
class ChartText:
    """One text a plotly chart draws, and where, in CSS pixels of the viewport.

    Attributes:
      chart: which chart: its Streamlit key (``waterfall``), else ``chart <n>``.
      text: what it says.
      corners: the four corners of its box, in order around it. A tick label
        turned by 45° is a turned rectangle: its axis-aligned bounding box would
        cross its neighbours' where the letters do not.
    """

    chart: str
    text: str
    corners: tuple[Point, Point, Point, Point]

    def box(self) -> str:
        """Its axis-aligned extent, ``(left,top)–(right,bottom)``, for a failure message."""
        xs, ys = [x for x, _ in self.corners], [y for _, y in self.corners]
        return f"({min(xs):.0f},{min(ys):.0f})–({max(xs):.0f},{max(ys):.0f})"


# The box of each text in its own coordinates (getBBox), carried to the viewport by the
# text's screen matrix: plotly turns tick labels with a transform.
_CHART_TEXTS_JS = """() => [...document.querySelectorAll('[data-testid=stPlotlyChart]')]
  .flatMap((chart, n) => {
    const keyed = chart.closest('[class*="st-key-"]');
    const key = keyed && [...keyed.classList].find(c => c.startsWith('st-key-'));
    const name = key ? key.slice('st-key-'.length) : `chart ${n + 1}`;
    return [...chart.querySelectorAll('svg text')]
      .filter(t => t.textContent.trim() && t.checkVisibility({opacityProperty: true,
                                                              visibilityProperty: true}))
      .map(t => {
        const b = t.getBBox(), m = t.getScreenCTM();
        const at = (x, y) => [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
        return [name, t.textContent.trim(), b.width > 0 && b.height > 0,
                [at(b.x, b.y), at(b.x + b.width, b.y), at(b.x + b.width, b.y + b.height),
                 at(b.x, b.y + b.height)]];
      })
      .filter(([, , drawn]) => drawn)
      .map(([name, text, , corners]) => [name, text, corners]);
  })"""


def chart_texts(page) -> list[ChartText]:
    """Every visible, non-empty text of every plotly chart on the page, with its box."""
    return [ChartText(chart, text, tuple((x, y) for x, y in corners))
            for chart, text, corners in page.evaluate(_CHART_TEXTS_JS)]


def _depth_px(first: ChartText, second: ChartText) -> float:
    """How far two convex boxes cross: the least overlap of their shadows on the boxes'
    edge directions (separating axes); 0 or less when a line separates them."""
    depth = float("inf")
    for corners in (first.corners, second.corners):
        for (x0, y0), (x1, y1) in zip(corners, corners[1:] + corners[:1], strict=True):
            length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
            if length == 0:
                continue
            ux, uy = (x1 - x0) / length, (y1 - y0) / length
            a = [ux * x + uy * y for x, y in first.corners]
            b = [ux * x + uy * y for x, y in second.corners]
            depth = min(depth, min(max(a), max(b)) - max(min(a), min(b)))
    return depth


def overlapping_texts(texts: list[ChartText], *, tolerance_px: float = 1.0,
                      ) -> list[tuple[ChartText, ChartText]]:
    """The pairs of texts of one chart whose boxes cross by more than ``tolerance_px``.

    Boxes that only touch, or cross by a pixel of antialiasing, do not count;
    texts of different charts never do. Turned boxes are compared as drawn.

    >>> def text(name, left, top, right, bottom):
    ...     return ChartText("c", name, ((left, top), (right, top), (right, bottom),
    ...                                  (left, bottom)))
    >>> a = text("a", 0, 0, 10, 10)
    >>> b = text("b", 8, 5, 20, 15)     # 2 px wide, 5 px high in common
    >>> c = text("c", 9.5, 0, 20, 10)   # 0.5 px wide: antialiasing
    >>> [(x.text, y.text) for x, y in overlapping_texts([a, b, c])]
    [('a', 'b'), ('b', 'c')]

    Two labels 10 px high, turned by 45° and 16 px apart along the axis: their
    axis-aligned boxes cross (each is 35.4 px wide), the labels do not: across
    them they are 16·sin 45° ≈ 11.3 px apart, 1.3 px more than their height.
    5 px apart (3.5 px across) they cross by 6.5 px.

    >>> def turned(name, x):  # a 40 × 10 box from (x, 0), turned 45° about that corner
    ...     r = 0.5 ** 0.5
    ...     return ChartText("c", name, ((x, 0), (x + 40 * r, 40 * r),
    ...                                  (x + 30 * r, 50 * r), (x - 10 * r, 10 * r)))
    >>> overlapping_texts([turned("p", 0), turned("q", 16)])
    []
    >>> [(x.text, y.text) for x, y in overlapping_texts([turned("p", 0), turned("q", 5)])]
    [('p', 'q')]
    """
    pairs = []
    for i, first in enumerate(texts):
        for second in texts[i + 1:]:
            if first.chart == second.chart and _depth_px(first, second) > tolerance_px:
                pairs.append((first, second))
    return pairs
