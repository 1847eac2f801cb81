"""What every page shares: the user, the library on disk, and cached costings.

Pages call the library; they never compute figures themselves. Loading and
costing are cached per library *signature* (every model file's name, size
and modification time), so a save by anyone shows up on the next rerun
without clearing caches by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from abc_costing.access import User, local_user, user_from_identity
from abc_costing.compare import Comparison, compare_models
from abc_costing.formats import load_library, model_files
from abc_costing.model import ProcessModel
from abc_costing.portfolio import Portfolio, build_portfolio
from abc_costing.problems import Problem
from abc_costing.reports.tables import format_money
from abc_costing.store.change_log import ChangeLog, default_change_log_path

ROOT = Path(__file__).resolve().parent.parent


def library_dir() -> Path:
    """The process library the dashboard shows (``ABC_COSTING_LIBRARY`` or ``process_models/``)."""
    return Path(os.environ.get("ABC_COSTING_LIBRARY", ROOT / "process_models")).resolve()


def change_log() -> ChangeLog:
    """The change log of the library (a new handle each time: sessions run on threads)."""
    return ChangeLog(default_change_log_path(library_dir()))


# --- who is using the dashboard ------------------------------------------------------


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def current_user() -> User:
    """The signed-in user; without a configured provider, the single local user.

    With ``[auth]`` in ``.streamlit/secrets.toml`` the user signs in through
    OpenID Connect (``st.login``) and their roles come from the ``[roles]``
    table (role = list of e-mails). Without it, the dashboard is for the one
    person at this machine (it binds to 127.0.0.1), who holds every role.
    """
    if not _auth_configured():
        return local_user()
    if not st.user.is_logged_in:
        st.title("abc-costing")
        st.write("Sign in with your organisation's account to see the process costs.")
        st.button("Sign in", type="primary", on_click=st.login, key="sign_in")
        st.stop()
    email = str(st.user.get("email") or st.user.get("sub") or "")
    role_table = {role: list(members) for role, members in st.secrets.get("roles", {}).items()}
    return user_from_identity(email, name=st.user.get("name") or email, role_table=role_table)


def sign_out_button(user: User) -> None:
    """A sign-out button for users who signed in through the identity provider."""
    if user.authenticated_by == "oidc":
        st.button("Sign out", on_click=st.logout, key="sign_out")


# --- the library --------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    """The loaded library: valid models with paths, problems of broken files, portfolio."""

    directory: Path
    models: tuple[tuple[Path, ProcessModel], ...]
    problems: tuple[Problem, ...]
    portfolio: Portfolio

    def path_of(self, process: str, variant: str) -> Path:
        return next(p for p, m in self.models if (m.process, m.variant) == (process, variant))

    def model(self, process: str, variant: str) -> ProcessModel:
        return next(m for _, m in self.models if (m.process, m.variant) == (process, variant))

    def label(self, path: Path) -> str:
        """A file as users see it: relative to the library folder."""
        return path.relative_to(self.directory).as_posix()


def _signature(directory: Path) -> tuple[tuple[str, int, int], ...]:
    stats = []
    for path in model_files(directory):
        stat = path.stat()
        stats.append((str(path), stat.st_mtime_ns, stat.st_size))
    return tuple(stats)


@st.cache_resource(max_entries=4, show_spinner="Costing the process library…")
def _load(directory: str, signature: tuple) -> Library:
    models, problems = load_library(directory)
    return Library(Path(directory), tuple(models), tuple(problems), build_portfolio(models))


def library() -> Library:
    """The library as it is on disk now (cached until a file changes)."""
    directory = library_dir()
    return _load(str(directory), _signature(directory))


@st.cache_resource(max_entries=64)
def _compare(directory: str, signature: tuple, process: str, baseline: str,
             candidate: str) -> Comparison:
    lib = _load(directory, signature)
    return compare_models(lib.model(process, baseline), lib.model(process, candidate))


def comparison(process: str, baseline: str, candidate: str) -> Comparison:
    """The comparison of two variants of the library (cached like the library)."""
    directory = library_dir()
    return _compare(str(directory), _signature(directory), process, baseline, candidate)


def show_library_problems(lib: Library) -> None:
    """Broken files do not hide the others; say which ones were left out and why."""
    if lib.problems:
        with st.expander(f"⚠ {len(lib.problems)} problem(s) in the library files", expanded=False):
            for problem in lib.problems:
                st.write(f"`{problem}`")


def money(amount: float | None, currency: str) -> str:
    """Money for display: rounded to the currency's minor unit, thin spaces, code."""
    return "—" if amount is None else f"{format_money(amount, currency)} {currency}"


def process_title(lib: Library, process: str) -> str:
    """A process's human title (from its as_is variant, else any variant)."""
    rows = lib.portfolio.variants(process)
    return next((r.title for r in rows if r.title), process)


def pick_variant(lib: Library, *, key: str, label: str = "Process and variant") -> tuple[str, str]:
    """A select box of every (process, variant) of the library."""
    options = [(r.process, r.variant) for r in lib.portfolio.rows]
    return st.selectbox(label, options, key=key,
                        format_func=lambda pv: f"{process_title(lib, pv[0])} — {pv[1]}")


def pick_process_variants(lib: Library, *, key: str,
                          distinct: bool = False) -> tuple[str, str, str]:
    """Process, baseline and candidate select boxes; stops the page on an empty library.

    Defaults: the ``as_is`` baseline and the cheapest variant as the candidate.
    ``distinct=True`` leaves the baseline out of the candidate's options.
    """
    portfolio = lib.portfolio
    if not portfolio.rows:
        st.warning(f"No valid process models in {lib.directory}.")
        st.stop()
    left, middle, right = st.columns(3)
    process = left.selectbox("Process", portfolio.processes(), key=f"{key}_process",
                             format_func=lambda p: process_title(lib, p))
    variants = [row.variant for row in portfolio.variants(process)]
    baseline = middle.selectbox("Baseline", variants, key=f"{key}_baseline_{process}",
                                index=variants.index("as_is") if "as_is" in variants else 0)
    options = ([v for v in variants if v != baseline] or [baseline]) if distinct else variants
    best = portfolio.best_variant(process).variant
    candidate = right.selectbox("Candidate", options, key=f"{key}_candidate_{process}",
                                index=options.index(best) if best in options else 0)
    return process, baseline, candidate
