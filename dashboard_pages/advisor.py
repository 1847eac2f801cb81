"""Advisor: what to change in a process, every move ranked by its exact saving.

The analyst picks a process; the advisor works on its ``as_is``: the moves
combined first (what the best moves add up to), then every move on its own,
the moves a guard refused (with why) folded away. A move picked below shows
what it changes in the file, value by value; an editor saves it as a new
variant beside the ``as_is``, through the normal save path (logged, with the
move and its assumptions as the reason).
"""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.i18n import translate, translator
from abc_costing.reports.views import (
    advice_sequence_view,
    advice_view,
    faster_moves_view,
    move_edits_view,
    rejected_moves_view,
)
from dashboard_pages.state import (
    current_user,
    language,
    library,
    library_dir,
    show_problems,
    show_view,
)

reader = language()
_ = translator(reader)
st.title(_("Advisor: what to change"))
user = current_user()
lib = library()
processes = [p for p in lib.portfolio.processes() if "as_is" in lib.variants(p)]
if not processes:
    st.warning(_("No process of the library has an as_is variant to advise on."))
    show_problems(lib.problems)
    st.stop()


@st.cache_resource(max_entries=16, show_spinner=False)
def _advised(path: str, signature: tuple) -> wf.Advised:
    # The one call of the advisor: keyed by the library's files, so a save re-advises.
    return wf.advise_file(path, top=None)


process = st.selectbox(_("Process"), processes, key="advisor_process",
                       format_func=lib.process_title)
path = lib.path_of(process, "as_is")
with st.spinner(_("Trying every move…")):
    advised = _advised(str(path), wf.library_signature(library_dir()))
show_problems(advised.problems)
advice = advised.advice
if advice is None:
    st.error(_("The advisor cannot work on {file}.", file=lib.label(path)))
    st.stop()

st.caption(_("Each move is costed exactly on {file}; savings are against its cost per "
             "instance, the volume a year is the file's.", file=lib.label(path)))
if advice.sequence:
    show_view(advice_sequence_view(advice), key="advisor_sequence", title=True)
if advice.ranked:
    show_view(advice_view(advice), key="advisor_ranked", title=True)
else:
    st.info(_("The advisor found no move that saves on this process."))
if advice.faster:
    show_view(faster_moves_view(advice), key="advisor_faster", title=True)
for note in advice.notes:  # what was not proposed, and why
    st.caption(translate(note, reader))
with st.expander(_("Moves refused ({count})", count=len(advice.rejected))):
    if advice.rejected:
        show_view(rejected_moves_view(advice), key="advisor_rejected")
    else:
        st.text(_("No move was refused."))

# the ranked moves, then those that only shorten the cycle, as both tables number them
options = ([wf.COMBINED] if advice.sequence else []) + list(
    range(1, len(advice.ranked) + len(advice.faster) + 1))
if not options:
    st.stop()


def _option(number: int) -> str:
    assert advice is not None  # the page stopped above otherwise
    chosen = wf.chosen_move(advice, number)
    said = "" if chosen is None else translate(chosen.description, reader)
    if number == wf.COMBINED:
        return _("The moves combined: {description}", description=said)
    return _("{number}. {description}", number=number, description=said)


st.subheader(_("What a move changes"))
number = st.selectbox(_("Move"), options, key=f"advisor_move::{process}", format_func=_option)
chosen, edits, problems = wf.move_diff(path, advice, number)
show_problems(problems)
if chosen is not None and edits:
    show_view(move_edits_view(chosen.description, edits), key="advisor_diff")
    # the file's names are the analyst's text: shown as text, never as Markdown
    st.text("\n".join("• " + translate(a, reader) for a in chosen.assumptions))

if not wf.can(user, "edit"):
    st.info(_("Applying a move as a new variant needs the right to edit (an analyst)."))
    st.stop()

name_column, title_column = st.columns(2)
new_variant = name_column.text_input(_("New variant (a short name)"), key="advisor_variant",
                                     placeholder=_("e.g. e_signature"))
new_title = title_column.text_input(_("Title of the new variant"), key="advisor_title")
if st.button(_("Apply as new variant"), type="primary", key="advisor_apply",
             disabled=chosen is None or not edits or not new_variant.strip()
             or not new_title.strip()):
    outcome = wf.apply_move_as_variant(lib, advice, number, variant=new_variant,
                                       title=new_title, user=user, language=reader)
    if outcome.saved is not None:
        st.success(_("Saved the new variant {file} ({count} change(s) recorded).",
                     file=outcome.label, count=len(outcome.saved.changes)))
    else:
        st.error(_("Not saved:"))
        show_problems(outcome.problems)
