"""Compare: what the candidate flow saves against the baseline, and why."""

import streamlit as st

from abc_costing import workflows as wf
from abc_costing.durations import duration
from abc_costing.i18n import translator
from abc_costing.reports.figures import (
    cost_by_resource_figure,
    cost_by_value_figure,
    cost_waterfall_figure,
    process_flow_figure,
)
from abc_costing.reports.views import (
    activity_changes_view,
    bridge_view,
    format_number,
    format_share,
    price_effects_view,
    saving_split_view,
)
from dashboard_pages.state import (
    comparison,
    language,
    library,
    library_dir,
    money,
    pick_process_variants,
    show_problems,
    show_view,
)

_ = translator(language())
st.title(_("Compare variants"))
lib = library()
process, baseline, candidate = pick_process_variants(lib, key="compare", distinct=True)

result = comparison(process, baseline, candidate)
base, cand = result.baseline, result.candidate
currency = base.currency


def waste_share(costing) -> float:
    return costing.by_value["waste"] / costing.cost_per_instance if costing.cost_per_instance else 0


def signed(value: float, digits: int) -> str:
    text = format_number(value, digits, language())
    return text if text.startswith("-") or value <= 0 else "+" + text


# Two by two: four money figures in one row are cut off below ~1,600 px.
kpis = [column for _ in range(2) for column in st.columns(2)]
kpis[0].metric(_("Cost per instance"), money(cand.cost_per_instance, currency),
               delta=money(-result.saving_per_instance, currency), delta_color="inverse")
kpis[1].metric(_("Cost per year"), money(cand.cost_per_year, currency),
               delta=None if result.saving_per_year is None
               else money(-result.saving_per_year, currency),
               delta_color="inverse",
               help=_("The change is counted at the baseline's volume; a different volume "
                      "is shown apart in the cost bridge, never as a saving."))
labor_delta = cand.labor_minutes_per_instance - base.labor_minutes_per_instance
labor_change = duration(labor_delta, language())
kpis[2].metric(_("Labour per instance"), duration(cand.labor_minutes_per_instance, language()),
               delta=labor_change if labor_delta <= 0 or labor_change.startswith("0")
               else "+" + labor_change, delta_color="inverse")
kpis[3].metric(_("Share of waste"), format_share(waste_share(cand), language=language()),
               delta=_("{points} pp",
                       points=signed((waste_share(cand) - waste_share(base)) * 100, 1)),
               delta_color="inverse")
saving = {"variant": candidate, "per_instance": money(result.saving_per_instance, currency),
          "share": format_share(result.saving_share, 0, language())}
if result.saving_per_instance > 0 and result.saving_per_year is None:
    st.success(_("{variant} saves {per_instance} per instance ({share}).", **saving))
elif result.saving_per_instance > 0:
    st.success(_("{variant} saves {per_instance} per instance ({share}), {per_year} per year.",
                 per_year=money(result.saving_per_year, currency), **saving))
elif result.saving_per_instance < 0:
    st.warning(_("{variant} costs {more} more per instance than the baseline.",
                 variant=candidate, more=money(-result.saving_per_instance, currency)))
show_problems(result.problems, title=_("The variants state different volumes"))

# One under the other: side by side, labels of a dozen layers collide.
st.subheader(_("The two flows"))
flows = ((_("Baseline: {variant} — colour = cost per instance", variant=baseline), baseline,
          base, "Baseline"),
         (_("Candidate: {variant} — colour = cost per instance", variant=candidate), candidate,
          cand, "Candidate"))
for flow_title, variant, costing, role in flows:
    st.plotly_chart(
        process_flow_figure(lib.model(process, variant), costing, title=flow_title,
                            language=language()),
        width="stretch", key=f"flow_{role}")

st.subheader(_("From baseline to candidate, by activity"))
st.plotly_chart(cost_waterfall_figure(result, language=language()), width="stretch",
                key="waterfall")

charts = st.columns(2)
charts[0].plotly_chart(cost_by_resource_figure(result, language=language()), width="stretch",
                       key="by_resource")
charts[1].plotly_chart(cost_by_value_figure(result, language=language()), width="stretch",
                       key="by_value")

st.subheader(_("Activity changes"))
show_view(activity_changes_view(result), key="activity_changes", brief=False)

st.subheader(_("Cost bridge: rates, capacity, minutes, routing, fees and volume"))
show_view(bridge_view(result), key="bridge")

prices = price_effects_view(result)
if len(prices.rows) > 1:  # a resource whose price moved, or a catalogue value overridden
    st.subheader(_("Rate and capacity effects by resource, and the overrides behind them"))
    show_view(prices, key="price_effects")


@st.cache_resource(max_entries=64, show_spinner=False)
def _split(signature: tuple, process: str, baseline: str, candidate: str):
    # the pools' load of the whole library, twice: cached like the comparison
    return wf.saving_split_of(lib, comparison(process, baseline, candidate))


split = _split(wf.library_signature(library_dir()), process, baseline, candidate)
if split is not None:
    st.subheader(_("The saving as money: cash, freed capacity, price effects"))
    parts = st.columns(3)
    parts[0].metric(_("Cash per year (высвобождаемые деньги)"),
                    money(split.cash_per_year, currency),
                    help=_("Whole people the pools that state their headcount no longer need, "
                           "plus the saving that is not labour."))
    parts[1].metric(_("Freed capacity per year (освобождённая мощность)"),
                    money(split.freed_capacity_per_year, currency),
                    help=_("Labour saved that stays paid: hours no one is released for."))
    parts[2].metric(_("Price effects per year"), money(split.price_effect_per_year, currency),
                    help=_("Rates, prices per use and capacity hours: a difference of price, "
                           "not of work."))
    show_view(saving_split_view(split, baseline=baseline, candidate=candidate),
              key="saving_split")
