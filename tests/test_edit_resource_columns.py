"""The Edit page's activities editor shows the resources the analyst picks (issue 14).

One column per resource made the editor scroll sideways for a model with many resources;
the page now shows, by default, the resources the most activities use, as many as fit
the main column at 1366 px, and a multiselect changes them. Streamlit keeps a keyed
editor's pending edits only while the widget stays the same (its key and its data): a
change of the shown columns must not drop them.
"""

from __future__ import annotations

import itertools

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT

RESOURCES = range(1, 15)


def many_resources() -> str:
    """14 labour resources at 60 ₽ an hour (1 ₽ a minute); activity a<j> takes one minute
    of each resource r<k> with k ≥ j, so r<k> is used by k activities (r14 by all 14,
    r01 by a01 alone) and an instance costs 14 + 13 + … + 1 = 105 minutes = 105 ₽."""
    lines = ["format: abc-costing/1", "process: many", "variant: as_is",
             'title: "Много ресурсов"', "currency: RUB", "volume_per_year: 100", "resources:"]
    lines += [f"  r{k:02d}: {{kind: labor, rate_per_hour: 60}}" for k in RESOURCES]
    lines.append("activities:")
    for j in RESOURCES:
        labor = ", ".join(f"r{k:02d}: 1" for k in RESOURCES if k >= j)
        lines.append(f"  a{j:02d}: {{labor: {{{labor}}}}}")
    lines.append("events: {s: {kind: start}, e: {kind: end}}")
    chain = ["s", *(f"a{j:02d}" for j in RESOURCES), "e"]
    lines.append("flows: [" + ", ".join(f"[{a}, {b}]" for a, b in itertools.pairwise(chain)) + "]")
    return "\n".join(lines) + "\n"


EDITOR = "edit_activities::many/as_is.yaml::0"


@pytest.fixture
def library(tmp_path, monkeypatch):
    folder = tmp_path / "process_models" / "many"
    folder.mkdir(parents=True)
    (folder / "as_is.yaml").write_text(many_resources(), encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return tmp_path / "process_models"


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def edit_page() -> AppTest:
    at = run(AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60))
    at.switch_page("dashboard_pages/edit.py")
    return run(at)


def shown_resources(at: AppTest) -> list[str]:
    """The resources whose columns the activities editor shows, in the table's order."""
    order = list(at.data_editor[0].proto.column_order)
    assert order[:4] == ["name", "value", "other_cost", "wait"]
    return [column.removeprefix("labor: ") for column in order[4:]]


def figures(at: AppTest) -> tuple[str, str]:
    shown = {m.label: m.value for m in at.metric}
    return shown["Cost per instance"], shown["Changed values"]


def test_the_most_used_resources_that_fit_are_shown(library):
    at = edit_page()
    # Widths at 7 px a character plus 18 (the grid's least is 50): the ids a01…, the empty
    # names, other costs "0", waits "0" and every minute "1" take 50 px each, "business"
    # 8 × 7 + 18 = 74 px. 900 − (4 × 50 + 74) = 626 px leave room for 12 resources
    # (600 px), not 13 (650). The most used are r14 (14 activities) down to r03 (3).
    assert at.multiselect[0].value == [f"labor: r{k:02d}" for k in range(14, 2, -1)]
    assert shown_resources(at) == [f"r{k:02d}" for k in range(3, 15)]  # in the file's order
    assert any("12 of 14 resources shown" in c.value for c in at.caption)


def test_an_edit_survives_a_change_of_the_shown_columns(library):
    at = edit_page()
    assert figures(at) == ("RUB\u00a0105.00", "0")
    # a01's minute of r14 becomes 11: 10 minutes more at 1 ₽ = 115 ₽
    at.session_state[EDITOR] = {"edited_rows": {0: {"labor: r14": "11"}}, "added_rows": [],
                                "deleted_rows": []}
    at = run(at)
    assert figures(at) == ("RUB\u00a0115.00", "1")
    picker = at.multiselect[0]
    picker.unselect("labor: r14")  # hide the edited column, show r01 instead
    picker.select("labor: r01")
    at = run(at)
    assert "r14" not in shown_resources(at) and "r01" in shown_resources(at)
    assert figures(at) == ("RUB\u00a0115.00", "1"), "the edit in the hidden column is kept"
    # and a second edit, in the column just shown: a01's minute of r01 becomes 3 (+2 ₽)
    at.session_state[EDITOR] = {"edited_rows": {0: {"labor: r14": "11", "labor: r01": "3"}},
                                "added_rows": [], "deleted_rows": []}
    at = run(at)
    assert figures(at) == ("RUB\u00a0117.00", "2")
    at.multiselect[0].select("labor: r14")
    at = run(at)
    assert figures(at) == ("RUB\u00a0117.00", "2")
    assert at.data_editor[0].proto.id.endswith(EDITOR), "one editor widget throughout"
