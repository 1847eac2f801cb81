"""Overview: which redesign saves most a year and why, then every process and variant.

The page opens on the executive's answer, the ranking of the candidate
variants by their saving a year; the portfolio's totals, table and chart follow.
"""

from typing import Any

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.i18n import translate, translator
from abc_costing.reports.figures import portfolio_cost_figure
from abc_costing.reports.views import BIGGEST_SAVING, portfolio_view
from dashboard_pages.state import language, library, money, show_problems, show_view

reader = language()
_ = translator(reader)
st.title(_("Process portfolio"))
lib = library()
show_problems(lib.problems, title=_("⚠ {count} problem(s) in the library files",
                                    count=len(lib.problems)), expanded=False)
portfolio = lib.portfolio
if not portfolio.rows:
    st.warning(_("No valid process models in the library."))
    st.stop()

#: The ranking's columns and their help. Their widths are fitted to the main column
#: (show_view): at 1366 px (906 px beside the sidebar) the names and the reason wrap, so the
#: sums and the reason are all on screen without a sideways scroll.
RANKING_LAYOUT: dict[str, dict[str, Any]] = {
    "mark": {},
    "title": {"help": _("The variant's title in its file, wrapped to the column's "
                        "width.")},
    "variant": {},
    "saving_per_year": {"help": _("Saving a year: the as_is cost a year minus "
                                  "this variant's, both at the as_is volume.")},
    "saving_per_instance": {"help": _("Saving per instance: the as_is cost per "
                                      "instance minus this variant's.")},
    "cash_per_year": {"help": _("Cash a year: of the saving a year, whole people "
                                "released and savings that are not labour; "
                                "the rest is capacity that stays paid. Each "
                                "variant alone against as_is.")},
    "reason": {"help": _("Why: the two activities and the resource whose cost "
                         "per instance changes most, with that change per "
                         "instance.")},
}

ranking = wf.saving_ranking(lib)
top = ranking.rows[0] if ranking.rows else None
if top is not None and top.value("mark") == BIGGEST_SAVING:
    currency_of_top = ranking.currency_of(top) or "RUB"
    with st.container(border=True, key="biggest_saving"):
        st.badge(translate(BIGGEST_SAVING, reader), icon=":material/savings:", color="green")
        # Names come from the model files: plain text, never Markdown.
        sums = {"title": top.value("title"), "variant": top.value("variant"),
                "per_year": money(top.value("saving_per_year"), currency_of_top),
                "per_instance": money(top.value("saving_per_instance"), currency_of_top)}
        if top.value("cash_per_year") is None:
            st.text(_("{title} ({variant}): {per_year} a year, {per_instance} per instance",
                      **sums))
        else:
            st.text(_("{title} ({variant}): {per_year} a year, {per_instance} per instance; "
                      "of which cash {cash} a year",
                      cash=money(top.value("cash_per_year"), currency_of_top), **sums))
        st.text(_("Why: {reason}", reason=translate(top.value("reason"), reader)))
if ranking.rows:
    st.subheader(translate(ranking.title, reader))
    # Sums in two currencies: each row says its own, beside the names.
    layout = (RANKING_LAYOUT if ranking.currency is not None else
              {k: v for k, v in RANKING_LAYOUT.items() if k != "reason"}
              | {"currency": {}, "reason": RANKING_LAYOUT["reason"]})
    show_view(ranking, key="saving_ranking", layout=layout)

st.subheader(_("The portfolio"))
currencies = sorted({row.currency for row in portfolio.rows})
baselines = [r for r in portfolio.rows if r.variant == "as_is"]
best = [portfolio.best_variant(p) for p in portfolio.processes()]
if len(currencies) == 1:
    currency = currencies[0]
    columns = st.columns([2, 2, 1])
    columns[0].metric(_("Cost per year, as is"),
                      money(sum(r.cost_per_year or 0 for r in baselines), currency))
    columns[1].metric(_("Saving per year, best variants"),
                      money(sum(r.saving_per_year_vs_as_is or 0 for r in best), currency))
    columns[2].metric(_("Processes / variants"), f"{len(portfolio.processes())} / "
                                                  f"{len(portfolio.rows)}")
    # The saving above is "on paper" (minutes × rate); what of it is money is the plan's split.
    release, _problems = wf.released_by_plan(lib, plan="best")
    if release is not None:
        split = st.columns([2, 2, 1])
        split[0].metric(_("of which cash (whole people + not labour)"),
                        money(release.cash_per_year, currency),
                        help=_("Cash: whole people a pool no longer needs × their cost, plus "
                               "savings that are not labour. Pool by pool: "
                               "`abc-costing capacity --plan best`."))
        split[1].metric(_("of which freed capacity"), money(release.freed_capacity_per_year,
                                                            currency),
                        help=_("Freed capacity: labour hours saved that stay paid until the "
                               "work is reused or the headcount changes."))
        if release.price_effect_per_year:
            split[2].metric(_("of which price effects"),
                            money(release.price_effect_per_year, currency),
                            help=_("Differences of price (a variant's overrides), not of "
                                   "work."))

# The variant's title names its process: the process id waits behind "More columns".
show_view(portfolio_view(portfolio, path_label=lib.label), key="portfolio_table",
          more=("process",))

st.subheader(_("Where the money goes"))
st.plotly_chart(portfolio_cost_figure(portfolio, language=language()), width="stretch",
                key="portfolio_chart")
