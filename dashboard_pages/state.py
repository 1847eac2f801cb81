"""What every page shares: the user, the library on disk, cached costings, tables and problems.

Pages call the application layer (:mod:`abc_costing.workflows`) and draw;
they never compute figures themselves. Loading and costing are cached per
library *signature* (every model file's name, size and modification time),
so a save by anyone shows up on the next rerun without clearing caches.

Everything a user or a file wrote (names, ids, messages that quote them) is
shown as text, never as Markdown: a name cannot become a link or an image.
"""

from __future__ import annotations

import difflib
import ipaddress
import logging
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from abc_costing import workflows as wf
from abc_costing.durations import DEFAULT_HOURS_PER_DAY
from abc_costing.i18n import N_, Language, translate, translator
from abc_costing.reports.tables import format_amount
from abc_costing.reports.views import (
    TableView,
    Unit,
    currency_digits,
    format_share,
    format_value,
    rounded_for_display,
)

ROOT = Path(__file__).resolve().parent.parent
#: Roles given to visitors who do not sign in, when the operator allows them
#: explicitly on a server reachable beyond this machine (comma-separated).
ANONYMOUS_ROLES_ENV = "ABC_COSTING_ANONYMOUS_ROLES"
_LOG = logging.getLogger("abc_costing.dashboard")


def library_dir() -> Path:
    """The process library the dashboard shows (``ABC_COSTING_LIBRARY`` or ``process_models/``)."""
    return Path(os.environ.get("ABC_COSTING_LIBRARY", ROOT / "process_models")).resolve()


# --- who is using the dashboard ------------------------------------------------------


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def _local_only(address: str | None) -> bool:
    """Whether the server listens on this machine only (an empty address means every one)."""
    if not address:
        return False
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def _anonymous_roles() -> frozenset[str]:
    named = os.environ.get(ANONYMOUS_ROLES_ENV, "")
    return frozenset(role.strip() for role in named.split(",") if role.strip())


@st.cache_resource
def _announce_exposure(address: str, roles: frozenset[str]) -> None:
    # Once per server process: the operator reads it in the server's log at start.
    if roles:
        _LOG.warning("abc-costing: serving %s to anyone who can reach it, without sign-in, "
                     "with the roles %s (%s is set)", address or "all addresses",
                     ", ".join(sorted(roles)), ANONYMOUS_ROLES_ENV)
    else:
        _LOG.warning("abc-costing: listening on %s without sign-in: every page is refused. "
                     "Configure [auth] in .streamlit/secrets.toml, serve on 127.0.0.1, or set "
                     "%s to the roles anonymous visitors may have", address or "all addresses",
                     ANONYMOUS_ROLES_ENV)


def current_user() -> wf.User:
    """The signed-in user; without a configured provider, the single local user.

    With ``[auth]`` in ``.streamlit/secrets.toml`` the user signs in through
    OpenID Connect (``st.login``) and their roles come from the ``[roles]``
    table (role = list of e-mails). Without it, the dashboard is for the one
    person at this machine, who holds every role: only when it listens on
    127.0.0.1. On any other address it refuses to serve unless the operator
    names the roles anonymous visitors get in ``ABC_COSTING_ANONYMOUS_ROLES``.
    """
    if not _auth_configured():
        address = st.get_option("server.address")
        if _local_only(address):
            return _viewed_as(wf.local_user())
        roles = _anonymous_roles()
        _announce_exposure(address or "", roles)
        _ = translator(language())
        if not roles:
            st.title("abc-costing")  # the product's name, in every language
            st.error(_("This dashboard is reachable from other machines and no sign-in is "
                       "configured, so it shows nothing. The operator can configure sign-in "
                       "([auth] in .streamlit/secrets.toml), serve on 127.0.0.1 only, or set "
                       "{variable} to the roles visitors may have without signing in.",
                       variable=ANONYMOUS_ROLES_ENV))
            st.stop()
        st.sidebar.warning(_("Open to anyone who can reach this server, without sign-in, as: "
                             "{roles}", roles=role_names(roles, language())))
        return wf.User(id="anonymous", name="anonymous visitor", roles=roles,
                       authenticated_by="anonymous")
    if not st.user.is_logged_in:
        _ = translator(language())
        st.title("abc-costing")  # the product's name, in every language
        st.write(_("Sign in with your organisation's account to see the process costs."))
        st.button(_("Sign in"), type="primary", on_click=st.login, key="sign_in")
        st.stop()
    email = str(st.user.get("email") or st.user.get("sub") or "")
    role_table = {role: list(members) for role, members in st.secrets.get("roles", {}).items()}
    return wf.user_from_identity(email, name=str(st.user.get("name") or email),
                                 role_table=role_table)


#: The "View as" choice that keeps every role of the machine's user (a value kept in the
#: session and the URL: shown in the reader's language by :func:`role_name`).
EVERY_ROLE = "every role (you)"
#: The roles as readers call them (the values stay the machine names of secrets.toml).
ROLE_NAMES = {EVERY_ROLE: N_("every role (you)"), "executive": N_("executive"),
              "analyst": N_("analyst"), "auditor": N_("auditor")}


def role_name(role: str, language: Language) -> str:
    """A role as a reader of ``language`` calls it (an unknown role as it is named).

    >>> role_name("analyst", "ru"), role_name("analyst", "en"), role_name("cfo", "ru")
    ('аналитик', 'analyst', 'cfo')
    """
    return translate(ROLE_NAMES.get(role, role), language)


def role_names(roles: Iterable[str], language: Language) -> str:
    """Roles, sorted by their machine names, as a reader of ``language`` calls them.

    >>> role_names({"auditor", "analyst"}, "ru")
    'аналитик, аудитор'
    """
    return ", ".join(role_name(role, language) for role in sorted(roles))


def _viewed_as(user: wf.User) -> wf.User:
    """The machine's single user, as one role when they chose so (:func:`view_as_picker`).

    Without sign-in the local user holds every role; an analyst preparing a
    demonstration wants to see what an executive or an auditor sees. The
    choice only narrows the roles: the change log still records the same login.
    """
    from dataclasses import replace

    # The choice survives a reload or a typed URL through ?view_as=executive.
    choice = st.session_state.get(VIEW_AS, st.query_params.get("view_as", EVERY_ROLE))
    if choice not in wf.ROLES:
        return user
    return replace(user, roles=frozenset({choice}))


#: The session's "View as" choice, kept apart from the switch's widget (one per language).
VIEW_AS = "view_as"


def view_as_widget_key(reader: Language) -> str:
    """The key of the "View as" switch drawn for a reader of ``reader``.

    The key carries the language because a keyed select box keeps the text it shows when
    only its ``format_func`` changes: after a switch to Russian the browser still showed
    «every role (you)». A new widget per language is drawn in that language.
    """
    return f"{VIEW_AS}::{reader}"


def _keep_view_as(widget_key: str) -> None:
    # a callback runs before the script, so the router's user already has the new role
    st.session_state[VIEW_AS] = st.session_state[widget_key]


def view_as_picker() -> None:
    """The sidebar's "View as" choice (drawn once a run, by the router)."""
    options = [EVERY_ROLE, *wf.ROLES]
    if VIEW_AS not in st.session_state and st.query_params.get("view_as") in wf.ROLES:
        st.session_state[VIEW_AS] = st.query_params["view_as"]
    reader = language()  # bound now: Streamlit may call format_func after the run
    _ = translator(reader)
    chosen = st.session_state.get(VIEW_AS, EVERY_ROLE)
    key = view_as_widget_key(reader)
    choice = st.sidebar.selectbox(
        _("View as"), options, key=key, on_change=_keep_view_as, args=(key,),
        index=options.index(chosen) if chosen in options else 0,
        format_func=lambda role: role_name(role, reader),
        help=_("See the dashboard as one role sees it (no sign-in is configured, so you "
               "hold every role; this only narrows what you see)"))
    st.session_state[VIEW_AS] = choice
    if choice in wf.ROLES:
        st.query_params["view_as"] = choice
    elif "view_as" in st.query_params:
        del st.query_params["view_as"]


#: The sidebar's languages, as each reader names their own.
LANGUAGE_NAMES = {"ru": "Русский", "en": "English"}


#: The reader's language kept apart from the switch's own widget state, which Streamlit
#: may drop between runs (a session then fell back to the server's language mid-edit).
_CHOSEN_LANGUAGE = "chosen_language"


def language() -> Language:
    """The reader's language: their choice in the sidebar, else their browser's when it is
    one abc-costing speaks, else the server's default (``$ABC_COSTING_LANG``, locale)."""
    chosen = (wf.language_of(st.session_state.get("language"))
              or wf.language_of(st.session_state.get(_CHOSEN_LANGUAGE)))
    return chosen or wf.language_of(st.context.locale) or wf.default_language()


def language_picker() -> None:
    """The sidebar's language choice (drawn once a run, by the router).

    Its default is the reader's language, never the first option: a switch whose state
    Streamlit re-creates must not turn an English session Russian."""
    options = list(LANGUAGE_NAMES)
    st.session_state[_CHOSEN_LANGUAGE] = st.sidebar.radio(
        "Язык / Language", options, index=options.index(language()), key="language",
        format_func=LANGUAGE_NAMES.__getitem__, horizontal=True)


#: Every page: its url path, title and the right it needs (dashboard.py registers them).
PAGE_RIGHTS: dict[str, tuple[str, str]] = {
    "overview": (N_("Overview"), "read"), "compare": (N_("Compare"), "read"),
    "simulation": (N_("Simulation"), "read"), "ledger": (N_("Ledger"), "read"),
    "advisor": (N_("Advisor"), "read"),
    "edit": (N_("Edit"), "edit"), "import": (N_("Import"), "edit"),
    "resources": (N_("Resources"), "edit"), "changes": (N_("Changes"), "edit or audit"),
    "export": (N_("Export"), "audit"),
}


def page_title(url_path: str) -> str:
    """A page's navigation title in the reader's language (the URL path stays as is)."""
    return translate(PAGE_RIGHTS[url_path][0], language())


def requested_page() -> str | None:
    """The page path the browser asked for (``/edit`` → ``edit``), or None.

    Streamlit runs the default page for a path no registered page has; this
    lets the router say why instead of silently showing Overview. It reads the
    script-run context's intended page (no public API gives it).
    """
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    manager = getattr(get_script_run_ctx(), "pages_manager", None)
    name = getattr(manager, "intended_page_name", None)
    return str(name).strip("/") or None if name else None


def forbidden_page_notice(user: wf.User, registered: set[str]) -> None:
    """A warning when the browser asked for a page the user's roles do not give."""
    asked = requested_page()
    if asked is None or asked in registered or asked not in PAGE_RIGHTS:
        return
    reader = language()
    _ = translator(reader)
    title, right = PAGE_RIGHTS[asked]
    holders = [role for role, rights in wf.RIGHTS.items()
               if any(r in rights for r in right.split(" or "))]
    values = {"page": translate(title, reader), "roles": role_names(user.roles, reader),
              # "analysts", "executives and auditors": the English plural is the role's name + s
              "holders": " and ".join(f"{role}s" for role in holders) if reader == "en"
              else ", ".join(role_name(role, reader) for role in holders)}
    if user.authenticated_by == "local":
        st.warning(_("The {page} page is for {holders}; you are viewing as {roles}. Showing "
                     "what you may see instead.", **values))
    else:
        st.warning(_("The {page} page is for {holders}; you are signed in as {roles}. Showing "
                     "what you may see instead.", **values))


def sign_out_button(user: wf.User) -> None:
    """A sign-out button for users who signed in through the identity provider."""
    if user.authenticated_by == "oidc":
        _ = translator(language())
        st.button(_("Sign out"), on_click=st.logout, key="sign_out")


# --- the library --------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def _load(directory: str, signature: tuple) -> wf.Library:
    return wf.open_library(directory)


def library() -> wf.Library:
    """The library as it is on disk now (cached until a file changes)."""
    directory = library_dir()
    # The spinner here, not on the cache: the cache's text is fixed when the module loads,
    # before anyone's language is known.
    _ = translator(language())
    with st.spinner(_("Costing the process library…")):
        return _load(str(directory), wf.library_signature(directory))


@st.cache_resource(max_entries=64)
def _compare(directory: str, signature: tuple, process: str, baseline: str,
             candidate: str) -> object:
    return wf.compare_variants(_load(directory, signature), process, baseline, candidate)


def comparison(process: str, baseline: str, candidate: str):  # -> Comparison
    """The comparison of two variants of the library (cached like the library)."""
    directory = library_dir()
    return _compare(str(directory), wf.library_signature(directory), process, baseline,
                    candidate)


def change_log_path() -> Path:
    """Where the library's change log lives."""
    return wf.change_log_path(library_dir())


def change_log_label() -> str:
    """The change log as users see it: relative to the folder that holds the library."""
    return wf.library_label(change_log_path(), library_dir().parent)


# --- showing things -------------------------------------------------------------------


def show_problems(problems: Sequence[wf.Problem], *, title: str | None = None,
                  expanded: bool = True) -> None:
    """Problems as plain text (never Markdown), each naming its file, line and element."""
    if not problems:
        return
    reader = language()
    _ = translator(reader)
    errors = sum(p.severity == "error" for p in problems)
    heading = title or (_("{count} problem(s), {errors} error(s)", count=len(problems),
                          errors=errors) if errors
                        else _("{count} problem(s)", count=len(problems)))
    with st.expander(heading, expanded=expanded):
        st.text(problems_text(problems, reader))


def problems_text(problems: Iterable[wf.Problem], language: Language) -> str:
    """Problems one a line in ``language`` (the pages' downloads carry them when they fail).

    >>> problems_text([wf.Problem("no exit", element="fix", line=4)], "ru")
    'строка 4: fix: no exit'
    """
    return "\n".join(p.text(language) for p in problems)


def show_pending_edits(edits: Sequence[Any], problems: Sequence[wf.Problem]) -> None:
    """What an edit would change, and what stops it being saved (Edit and Resources pages)."""
    _ = translator(language())
    if problems:
        st.error(_("{count} problem(s): nothing can be saved until they are fixed.",
                   count=len(problems)))
        show_problems(problems)
    if edits:
        with st.expander(_("{count} change(s) to save", count=len(edits)),
                         expanded=not problems):
            st.text("\n".join(f"{e.element} · {e.field}: {e.old_text or _('(none)')} → "
                              f"{e.new_text or _('(removed)')}" for e in edits))


def show_conflict(conflict: wf.SaveConflict, *, on_reload: Any, key: str,
                  args: tuple = ()) -> None:
    """What changed on disk since the user loaded the file, and a button to reload it."""
    _ = translator(language())
    diff = difflib.unified_diff(conflict.loaded_text.splitlines(),
                                (conflict.current_text or "").splitlines(),
                                _("as you loaded it"), _("on disk now"), lineterm="")
    st.code("\n".join(diff) or _("(only whitespace differs)"), language="diff")
    st.button(_("Reload from disk (your unsaved edits are dropped)"), on_click=on_reload,
              args=args, key=key)


def money(amount: float | None, currency: str) -> str:
    """Money for display in the reader's language: ``10 368,69 ₽`` / ``RUB 10,368.69``."""
    return "—" if amount is None else format_amount(amount, currency, language())


#: Decimals each unit's cell text shows (a share as 12.34%: four of a share), so the value
#: under the text is the figure the text shows.
_DISPLAY_DIGITS = {"share": 4, "minutes": 1, "hours": 1, "executions": 3, "probability": 3,
                   "count": 0, "people": 2, "number": 2}


def _display_cell(value: Any, unit: str, currency: str | None) -> Any:
    """A cell as the browser should show it.

    Numbers are rounded here, half away from zero (``rounded_for_display``),
    to the digits the column's format shows: the browser's own formatter
    would otherwise round the binary value and disagree with the workbook,
    the PDF and the CLI by a kopeck (100.125 → 100.12).
    """
    if value is None:
        return "—" if unit == "text" else None
    if isinstance(value, bool):  # a mark, not Python's True/False: ✓ or blank
        return _TRUE_MARK if value else ""
    if unit == "text" or not isinstance(value, int | float):
        return value
    if not math.isfinite(value):
        return value
    digits = _DISPLAY_DIGITS.get(unit)
    if unit == "money":
        digits = currency_digits(currency)
    return value if digits is None else float(rounded_for_display(value, digits))


#: What an empty cell shows, as in the CLI and the PDF.
_EMPTY = "—"
#: What a true yes/no cell shows (a false one is blank): the CSV and JSON keep the boolean.
_TRUE_MARK = "✓"


def _cell_text(unit: Unit, currency: str | None, language: Language,
               hours_per_day: float = DEFAULT_HOURS_PER_DAY, *, elapsed: bool = False) -> Any:
    """The text of a number cell of ``unit``, as :func:`format_value` writes it for the
    CLI and the PDF (``1 500,50`` in Russian, a time as ``1 дн. 3 ч 20 мин`` on the
    view's working day); a share to two decimals of a per cent, as the dashboard has
    always shown utilisation (``58,79 %``). The cell under the text stays a number,
    so a column of times sorts by time."""
    if unit == "share":
        return lambda value: format_share(value, _DISPLAY_DIGITS["share"] - 2, language)
    return lambda value: format_value(value, unit, currency, language,
                                      hours_per_day=hours_per_day, elapsed=elapsed)


def view_frame(view: TableView, *, brief: bool = True) -> pd.DataFrame:
    """A view's rows under its reader's labels (total rows included), in their language."""
    view = view.in_language(language())
    columns = view.brief_columns() if brief else view.columns
    # An empty text cell reads "—", as in the CLI and the PDF, never "None".
    cells = [[_display_cell(row.value(c.key), c.unit, view.currency_of(row)) for c in columns]
             for row in view.rows]
    return pd.DataFrame(cells, columns=[view.label(c.key) for c in columns])


# --- fitting a table to the main column -----------------------------------------------------

#: The main column's width at 1366×768 beside the sidebar (Chromium draws 906 px; the grid's
#: border takes two). A table laid out for it shows every column without a horizontal scroll.
MAIN_WIDTH_PX = 900
#: The same inside an expander (its padding takes 17 px a side).
EXPANDER_WIDTH_PX = MAIN_WIDTH_PX - 34
#: The width of a character of the grid's 14 px Source Sans: what Chromium measures for
#: digits (6.96 px), the widest of digits, Latin and Cyrillic text (6.0–7.0 px).
_CHAR_PX = 7.0
#: A cell's padding left and right, and the height of a wrapped line of text.
_CELL_PADDING_PX = 18
_LINE_PX = 20
#: The grid wraps text only in rows taller than 4 rem (Streamlit's dataframe: 64 px).
_WRAPPING_ROW_PX = 65
#: A wrapping column is never narrower than this; a row never taller than this many lines.
_MIN_TEXT_PX = 70
#: A word's width at the measured width of the grid's letters (6.0–7.0 px): a column as
#: narrow as its longest word may clip a letter's edge, never hide a column.
_WORD_CHAR_PX = 6.6
_MAX_LINES = 6


def _text_px(text: str) -> int:
    # the grid draws no column narrower than 50 px
    return max(50, math.ceil(len(text) * _CHAR_PX) + _CELL_PADDING_PX)


def fitted_widths(columns: Sequence[tuple[str, Sequence[str]]], *,
                  width_px: int = MAIN_WIDTH_PX) -> tuple[list[int], int | None]:
    """Column widths (px) that fit ``width_px``, and the row height that lets text wrap.

    ``columns`` are (header, cell texts). A column whose cells all have no
    space (numbers, ids) keeps its widest cell whole; its header may be cut
    (the page gives it as help). Columns of words wrap: they share what is left
    so that the row needs the fewest lines, each at least ``_MIN_TEXT_PX`` wide.
    The row height is None when every text fits on one line. When even the
    narrowest layout is wider than ``width_px`` the widths say so (their sum). A row
    shows at most ``_MAX_LINES`` lines: a text too long for them is cut to fit.

    Two ids of 10 characters (10 × 7 + 18 = 88 px) and a 100-character
    sentence in 400 px: 700 + 18 = 718 px wanted, 224 px left, so the sentence
    takes 700 / 206 → 4 lines, in ⌈700 / 4⌉ + 18 = 193 px; 4 lines × 20 px + 16.

    >>> fitted_widths([("id", ["a" * 10]), ("id2", ["b" * 10]),
    ...                ("why", ["word " * 20])], width_px=400)
    ([88, 88, 193], 96)
    >>> fitted_widths([("id", ["a1"]), ("name", ["a short name"])])
    ([50, 102], None)

    A 500-character text would need ⌈3 500 / 6⌉ + 18 = 602 px on six lines, the most a
    row shows: it gets the 300 − 88 = 212 px left and six lines (6 × 20 + 16 px), cut.

    >>> fitted_widths([("id", ["a" * 10]), ("why", ["word " * 100])], width_px=300)
    ([88, 212], 136)
    >>> fitted_widths([("id", []), ("name", [" "])], width_px=60)  # no rows; a blank cell
    ([50, 70], None)
    """
    wanted = [max([_text_px(header), *(_text_px(t) for t in texts)]) for header, texts in columns]
    wraps = [any(" " in t for t in texts) for _, texts in columns]
    # a column that cannot wrap needs its widest cell; its header may be cut
    fixed = [max([_text_px(""), *(_text_px(t) for t in texts)]) for _, texts in columns]
    if sum(wanted) <= width_px:
        return wanted, None
    left = width_px - sum(f for f, w in zip(fixed, wraps, strict=True) if not w)
    longest = [max((math.ceil(len(t) * _CHAR_PX) for t in texts), default=0)
               for _, texts in columns]

    # the grid breaks lines between words only: a column is as wide as its longest word
    narrowest = [max([_MIN_TEXT_PX, *(math.ceil(len(word) * _WORD_CHAR_PX) + _CELL_PADDING_PX
                                     for t in texts for word in t.split())])
                 for _, texts in columns]

    def widths(lines: int) -> list[int]:
        return [max(narrowest[i], math.ceil(longest[i] / lines) + _CELL_PADDING_PX)
                if wraps[i] else fixed[i] for i in range(len(columns))]

    lines = next((n for n in range(1, _MAX_LINES + 1)
                  if sum(w for w, wrap in zip(widths(n), wraps, strict=True) if wrap) <= left),
                 _MAX_LINES)
    chosen = widths(lines)
    wrapping = [i for i in range(len(columns)) if wraps[i]]
    if sum(chosen[i] for i in wrapping) > left:
        # Even six lines are too wide (an advisor's assumptions: 425 characters). The widest
        # wrapping columns are narrowed to one width, the largest that fits, never below
        # their least: shorter texts stay whole, the longest is cut (the reader opens it).
        def capped(cap_px: int) -> list[int]:
            return [min(chosen[i], max(narrowest[i], cap_px)) for i in wrapping]

        cap = max((c for c in range(max(chosen) + 1) if sum(capped(c)) <= left), default=0)
        for i, width in zip(wrapping, capped(cap), strict=True):
            chosen[i] = width
    # the lines the widest text takes (fewer than tried when its column's least is wider)
    lines = max([1, *(math.ceil(longest[i] / (chosen[i] - _CELL_PADDING_PX))
                      for i in range(len(columns)) if wraps[i])])
    if lines == 1:  # every text fits once the headers of numbers are cut
        return chosen, None
    return chosen, max(_WRAPPING_ROW_PX, min(lines, _MAX_LINES) * _LINE_PX + 16)


def show_view(view: TableView, *, key: str, brief: bool = True, title: bool = False,
              layout: Mapping[str, Mapping[str, Any]] | None = None,
              more: Sequence[str] = (), width_px: int = MAIN_WIDTH_PX) -> None:
    """Draw a view with ``st.dataframe``: labels, units and formats from the view, the
    labels in the reader's language, every column within ``width_px`` (the main column
    at 1366 px: :func:`fitted_widths`) so that none hides behind a sideways scroll.

    ``layout`` (by column key) adds to a column's ``column_config`` (``width``,
    ``help``, ``pinned``); when given, its keys are also the columns shown, in
    its order. ``more`` names columns shown only when the reader turns on the
    table's "More columns" switch (the table may then scroll sideways).
    """
    view = view.in_language(language())
    columns = view.brief_columns() if brief else view.columns
    if layout is not None:
        columns = tuple(view.column(k) for k in layout)
    if more and not st.toggle(translator(view.language)("More columns"), key=f"{key}_more"):
        columns = tuple(c for c in columns if c.key not in more)
    config: dict[str, Any] = {}
    texts: dict[str, Any] = {}
    for column in columns:
        label = view.label(column.key)
        if column.unit == "text":
            config[label] = st.column_config.TextColumn()
        else:
            # The cell stays a number (it sorts as one); the Styler's text is what the
            # reader sees, from the one formatter of the CLI and the PDF: a printf
            # format cannot write 10 368,69 in Russian.
            config[label] = st.column_config.Column()
            texts[label] = _cell_text(column.unit, view.currency, view.language,
                                      view.hours_per_day, elapsed=column.elapsed)
    if title:
        st.subheader(view.title)
    frame = view_frame(view, brief=False)[list(config)]
    fitted, row_height = fitted_columns(frame, texts, width_px=width_px)
    for column in columns:
        label = view.label(column.key)
        config[label] = {**config[label], **fitted[label], **(layout or {}).get(column.key, {})}
    styled = frame.style.format(texts, na_rep=_EMPTY)
    # The grid draws an empty cell as its placeholder whatever the Styler says.
    st.dataframe(styled, hide_index=True, width="stretch", key=key, column_config=config,
                 placeholder=_EMPTY, row_height=row_height)
    if view.note:
        st.caption(view.note)


def fitted_columns(frame: pd.DataFrame, texts: Mapping[str, Any], *,
                   width_px: int = MAIN_WIDTH_PX) -> tuple[dict[str, Any], int | None]:
    """Each column's ``column_config`` (``width``; ``help`` when its header is cut) and the
    ``row_height`` that fit ``frame`` into ``width_px`` (:func:`fitted_widths`).

    ``texts`` gives, by label, the formatter of the Styler for the number columns: the
    widths are those of the texts the reader sees.
    """
    labels = [str(label) for label in frame.columns]
    widths, row_height = fitted_widths(
        [(label, [_shown_text(v, texts.get(label)) for v in frame[label]]) for label in labels],
        width_px=width_px)
    config: dict[str, Any] = {}
    for label, width in zip(labels, widths, strict=True):
        config[label] = {"width": width}
        if width < _text_px(label):  # a header cut to fit says itself whole on hover
            config[label]["help"] = label
    return config, row_height


def fitted_editor(frame: pd.DataFrame, column_config: Mapping[str, Any], *,
                  shown: Sequence[str] | None = None,
                  width_px: int = MAIN_WIDTH_PX) -> dict[str, Any]:
    """An editor's ``column_config`` with widths that fit ``width_px``.

    ``frame`` is the editor's data, its index shown as the first column
    (``_index``); ``shown`` the columns the editor shows (default: all). The
    help a column already has is kept; a header cut to fit gets its label as help.
    Rows stay one line (35 px) high: a cell cut to fit opens whole in the editor.
    """
    config, headers, widths = _editor_widths(
        frame, column_config, list(frame.columns if shown is None else shown),
        width_px=width_px)
    for name, width in zip(config, widths, strict=True):
        if width < _text_px(headers[name]):  # a header cut to fit says itself whole on hover
            config[name].setdefault("help", headers[name])
        config[name]["width"] = width
    return {**column_config, **config}


def _editor_widths(frame: pd.DataFrame, column_config: Mapping[str, Any],
                   columns: Sequence[str], *, width_px: int
                   ) -> tuple[dict[str, dict[str, Any]], dict[str, str], list[int]]:
    """The editor's columns (its index first) with their own config, headers and fitted
    widths (:func:`fitted_widths`; their sum is more than ``width_px`` when none fit)."""
    cells = {"_index": list(frame.index), **{name: list(frame[name]) for name in columns}}
    config: dict[str, dict[str, Any]] = {}
    headers = {}
    for name in cells:
        config[name] = {k: v for k, v in dict(column_config.get(name) or {}).items()
                        if v is not None}
        headers[name] = str(config[name].get("label") or
                            (frame.index.name or "" if name == "_index" else name))
    widths, _row_height = fitted_widths(
        [(headers[name], [_shown_text(v, None) for v in values])
         for name, values in cells.items()], width_px=width_px)
    return config, headers, widths


def most_used_first(frame: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """``columns`` by how many of ``frame``'s rows fill them, most first (ties keep their
    order): an activities table's resources by how many activities use them.

    >>> frame = pd.DataFrame({"a": ["", "5", ""], "b": ["1", "2", None], "c": ["", "", "3"]})
    >>> most_used_first(frame, ["a", "b", "c"])  # b: 2 rows; a and c: 1 each, in order
    ['b', 'a', 'c']
    """
    def filled(name: str) -> int:
        return sum(_shown_text(v, None).strip() not in ("", _EMPTY) for v in frame[name])

    return sorted(columns, key=lambda name: -filled(name))


def columns_that_fit(frame: pd.DataFrame, column_config: Mapping[str, Any], *,
                     always: Sequence[str], optional: Sequence[str],
                     width_px: int = MAIN_WIDTH_PX) -> list[str]:
    """The most of ``optional``, taken in their order, that an editor of ``frame`` shows
    beside its index and the ``always`` columns within ``width_px`` (as
    :func:`fitted_editor` lays them out); none when even those alone are too wide.

    Ids of 10 characters (88 px) and numbers of 3 (50 px each, the grid's least): the
    index and two numbers take 188 px of 200, a third would need 238.

    >>> frame = pd.DataFrame({"x": ["100"], "y": ["200"], "z": ["300"]},
    ...                      index=pd.Index(["a" * 10], name="id"))
    >>> columns_that_fit(frame, {}, always=["x"], optional=["y", "z"], width_px=200)
    ['y']
    >>> columns_that_fit(frame, {}, always=["x"], optional=["y", "z"], width_px=300)
    ['y', 'z']
    """
    def fits(count: int) -> bool:
        shown = [*always, *optional[:count]]
        return sum(_editor_widths(frame, column_config, shown, width_px=width_px)[2]) \
            <= width_px

    count = next((n for n in range(len(optional), -1, -1) if fits(n)), 0)
    return list(optional[:count])


def _shown_text(value: Any, text: Any) -> str:
    """What a cell shows: its formatter's text (a number column), else the value as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _EMPTY
    return str(text(value) if text is not None else value)


# --- pickers --------------------------------------------------------------------------


def pick_variant(lib: wf.Library, *, key: str) -> tuple[str, str]:
    """A select box of every (process, variant) of the library."""
    _ = translator(language())
    return st.selectbox(_("Process and variant"), lib.variant_options(), key=key,
                        format_func=lambda pv: f"{lib.process_title(pv[0])} — {pv[1]}")


def pick_process_variants(lib: wf.Library, *, key: str,
                          distinct: bool = False) -> tuple[str, str, str]:
    """Process, baseline and candidate select boxes; stops the page on an empty library.

    Defaults: the ``as_is`` baseline and the cheapest variant as the candidate.
    ``distinct=True`` leaves the baseline out of the candidate's options.
    """
    _ = translator(language())
    portfolio = lib.portfolio
    if not portfolio.rows:
        st.warning(_("No valid process models in the library."))
        show_problems(lib.problems)
        st.stop()
    left, middle, right = st.columns(3)
    process = left.selectbox(_("Process"), portfolio.processes(), key=f"{key}_process",
                             format_func=lib.process_title)
    variants = lib.variants(process)
    baseline = middle.selectbox(_("Baseline"), variants, key=f"{key}_baseline_{process}",
                                index=variants.index("as_is") if "as_is" in variants else 0)
    options = ([v for v in variants if v != baseline] or [baseline]) if distinct else variants
    best = portfolio.best_variant(process).variant
    candidate = right.selectbox(_("Candidate"), options, key=f"{key}_candidate_{process}",
                                index=options.index(best) if best in options else 0)
    return process, baseline, candidate
