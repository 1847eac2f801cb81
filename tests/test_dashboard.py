"""The dashboard through Streamlit's AppTest: every page and role, checking the figures shown."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from abc_costing.access import local_user
from abc_costing.compare import compare_models
from abc_costing.formats import load_library, load_model
from abc_costing.portfolio import build_portfolio
from abc_costing.reports.tables import format_money
from abc_costing.reports.views import rounded_for_display
from abc_costing.store.change_log import ChangeLog, default_change_log_path
from dashboard_pages.state import view_as_widget_key
from tests.conftest import ROOT

AS_IS = """\
format: abc-costing/1
process: invoices
variant: as_is
title: "Счета поставщиков"
currency: RUB
volume_per_year: 1000
resources:
  clerk: {kind: labor, rate_per_hour: 600}   # бухгалтер, 10 ₽/мин
  courier: {kind: per_use, cost_per_use: 500}
activities:
  check: {name: "Проверка счёта", labor: {clerk: 30}}          # 300 ₽
  fix: {name: "Исправление", labor: {clerk: 12}, value: waste}   # 120 ₽
  send: {name: "Отправка оригинала", uses: {courier: 1}}         # 500 ₽
gateways: {ok: {kind: exclusive}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, check], [check, ok], [ok, send, 0.75], [ok, fix, 0.25], [fix, send], [send, e]]
"""
# as_is: 300 + 0.25 × 120 + 500 = 830 ₽ per invoice, 830 000 ₽ a year
FAST = AS_IS.replace("variant: as_is", "variant: edo").replace(
    "uses: {courier: 1}", "uses: {courier: 0}")
# edo: 300 + 30 + 0 = 330 ₽ per invoice, saves 500 ₽ per invoice, 500 000 ₽ a year


def rub(amount: float) -> str:
    """Money in English: the code, a no-break space, the rounded amount (RUB 1,130.00); a
    minus leads (-RUB 500.00), so that a metric's delta still reads as a fall."""
    shown = format_money(amount, "RUB")
    return f"-RUB\u00a0{shown[1:]}" if shown.startswith("-") else f"RUB\u00a0{shown}"


@pytest.fixture
def library(tmp_path, monkeypatch):
    folder = tmp_path / "process_models" / "invoices"
    folder.mkdir(parents=True)
    (folder / "as_is.yaml").write_text(AS_IS, encoding="utf-8")
    (folder / "edo.yaml").write_text(FAST, encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return tmp_path / "process_models"


def shown_texts(element) -> list[str]:
    """The texts a browser shows in a st.dataframe's cells (the Styler's display values)."""
    import pyarrow as pa

    shown = pa.ipc.open_stream(element.proto.arrow_data.styler.display_values).read_pandas()
    return [str(v) for v in shown.to_numpy().ravel() if v is not None]


def app(page: str | None = None, **secrets) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    for key, value in secrets.items():
        at.secrets[key] = value
    return at


def run(at: AppTest, page: str | None = None) -> AppTest:
    at.run()
    if page:
        at.switch_page(f"dashboard_pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_the_portfolio_figures(library):
    at = run(app())
    portfolio = build_portfolio(load_library(library)[0])
    assert metrics(at) == {
        "Cost per year, as is": rub(830_000),
        "Saving per year, best variants": rub(500_000),
        "Processes / variants": "1 / 2",
        # edo saves only the courier (not labour): all cash, no freed capacity
        "of which cash (whole people + not labour)": rub(500_000),
        "of which freed capacity": rub(0),
    }
    assert portfolio.best_variant("invoices").variant == "edo"
    table = at.dataframe[1].value  # below the ranking (tests/test_saving_ranking.py)
    assert list(table["Variant"]) == ["as_is", "edo"]
    # a mark, not Python's booleans (the CSV and JSON keep True and False)
    assert list(table["Cheapest per instance"]) == ["", "✓"]
    assert list(table["Cost per instance"]) == pytest.approx([830, 330])
    assert at.get("plotly_chart"), "the where-the-money-goes chart is drawn"


def test_compare_kpis_equal_the_engine(library):
    at = run(app(), "compare")
    comparison = compare_models(load_model(library / "invoices/as_is.yaml"),
                                load_model(library / "invoices/edo.yaml"))
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    assert shown["Cost per instance"] == (rub(comparison.candidate.cost_per_instance),
                                          rub(-comparison.saving_per_instance))
    assert shown["Cost per instance"] == (rub(330), rub(-500))
    assert shown["Cost per year"] == (rub(330_000), rub(-500_000))
    assert shown["Labour per instance"][0] == "33 min"  # 30 + 0.25 × 12: under an hour
    assert shown["Share of waste"][0] == f"{30 / 330:.1%}"
    charts = at.get("plotly_chart")
    assert len(charts) == 5  # two flows, waterfall, by resource, by value
    assert '"waterfall"' in charts[2].proto.spec
    changes = at.dataframe[0].value
    assert dict(zip(changes["Activity"], changes["Status"].fillna("—"), strict=True)) == {
        "check": "unchanged", "fix": "unchanged", "send": "changed", "(total)": "—"}
    total = changes[changes["Activity"] == "(total)"].iloc[0]
    assert (total["Baseline, RUB"], total["Candidate, RUB"], total["Change, RUB"]) == (
        pytest.approx(830), pytest.approx(330), pytest.approx(-500))
    # the bridge: edo sends no courier (1 → 0 uses × 500 ₽, once per invoice): all fees
    bridge = at.dataframe[1].value
    rows = dict(zip(bridge["Effect"], bridge["Change per instance, RUB"], strict=True))
    assert rows == {"rate": 0, "capacity": 0, "unit_time": 0, "routing": 0,
                    "fees": pytest.approx(-500),
                    "volume": 0, "(total)": pytest.approx(-500)}


def test_compare_switching_the_candidate(library):
    (library / "invoices" / "slow.yaml").write_text(
        AS_IS.replace("variant: as_is", "variant: slow").replace("clerk: 30", "clerk: 60"),
        encoding="utf-8")
    at = run(app(), "compare")
    candidate = at.selectbox(key="compare_candidate_invoices")
    assert candidate.options == ["edo", "slow"] and candidate.value == "edo"
    candidate.set_value("slow").run()
    shown = {m.label: (m.value, m.delta) for m in at.metric}
    assert shown["Cost per instance"] == (rub(830 + 300), rub(300))  # 30 more minutes × 10 ₽
    assert any(f"costs {rub(300)} more" in w.value for w in at.warning)


def test_compare_a_busier_year_is_no_saving_and_is_said(library):
    (library / "invoices" / "busy.yaml").write_text(
        AS_IS.replace("variant: as_is", "variant: busy").replace(
            "volume_per_year: 1000", "volume_per_year: 2000"), encoding="utf-8")
    at = run(app(), "compare")
    at.selectbox(key="compare_candidate_invoices").set_value("busy").run()
    assert any("different volumes" in t.value and "not as a saving" in t.value for t in at.text)
    bridge = at.dataframe[1].value
    per_year = dict(zip(bridge["Effect"], bridge["Change per year, RUB"], strict=True))
    # 830 ₽ × (2 000 − 1 000) more a year, all volume; the process itself is unchanged
    assert per_year == {"rate": 0, "capacity": 0, "unit_time": 0, "routing": 0, "fees": 0,
                        "volume": pytest.approx(830_000), "(total)": pytest.approx(830_000)}


def test_compare_splits_the_saving_into_cash_freed_capacity_and_price(tmp_path, monkeypatch):
    # The case: clerks, 3 people at 300 000 ₽ a month (100 000 each), 360 practical
    # h (120 each). 1 200 claims a year = 100 a month: as_is 180 min each → 300 h = 2.5 FTE;
    # robot 86.4 min → 144 h = 1.2 FTE: ⌈2.5⌉ − ⌈1.2⌉ = 1 person, 100 000 × 12 = 1 200 000
    # cash; on paper 156 h × 833.33 ₽ × 12 = 1 560 000; freed capacity 360 000; price 0.
    folder = tmp_path / "process_models" / "claims"
    folder.mkdir(parents=True)
    for variant, minutes in (("as_is", 180), ("robot", 86.4)):
        (folder / f"{variant}.yaml").write_text(f"""\
format: abc-costing/1
process: claims
variant: {variant}
volume_per_year: 1200
resources:
  clerk: {{kind: labor, cost_per_month: 300000, headcount: 3, capacity_hours_per_month: 360}}
activities: {{check: {{labor: {{clerk: {minutes}}}}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, check], [check, e]]
""", encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = run(app(), "compare")
    shown = metrics(at)
    assert shown["Cost per year"] == rub(1200 * 86.4 * 300_000 / 360 / 60)  # 172 800 ₽ a month
    assert shown["Cash per year (высвобождаемые деньги)"] == rub(1_200_000)
    assert shown["Freed capacity per year (освобождённая мощность)"] == rub(360_000)
    assert shown["Price effects per year"] == rub(0)
    split = at.dataframe[-1].value
    clerk = split[split["Pool"] == "clerk"].iloc[0]
    assert (clerk["FTE before"], clerk["FTE after"], clerk["Δ FTE"]) == (2.5, 1.2, -1.3)
    assert clerk["Heads released"] == 1
    assert clerk["Headcount (штатная численность)"] == 3
    total = split[split["Pool"] == "(total)"].iloc[0]
    assert total["Saving per year (minutes × rate), RUB"] == pytest.approx(1_560_000)
    assert any("cash + freed capacity + price effects = saving" in c.value for c in at.caption)


def test_compare_shows_which_override_makes_a_capacity_effect(tmp_path, monkeypatch):
    # A catalogue's lawyers: 585 900 ₽ a month over 360 h = 1 627.5 ₽/h; the variant "tight"
    # overrides their capacity to 300 h: 1 953 ₽/h. One hour a contract, 1 000 a year:
    # 325.5 ₽ dearer per contract, 325 500 a year, all capacity effect, all price.
    library = tmp_path / "process_models"
    (library / "contract").mkdir(parents=True)
    (library / "resources.yaml").write_text("""\
format: abc-costing-resources/1
currency: RUB
pools:
  lawyer: {kind: labor, headcount: 3, cost_per_month: 585900, capacity_hours_per_month: 360}
""", encoding="utf-8")
    for variant, extra in (("as_is", ""), ("tight", "overrides: {lawyer: "
                                                      "{capacity_hours_per_month: 300}}\n")):
        (library / "contract" / f"{variant}.yaml").write_text(f"""\
format: abc-costing/1
process: contract
variant: {variant}
volume_per_year: 1000
activities: {{review: {{labor: {{lawyer: 60}}}}}}
events: {{s: {{kind: start}}, e: {{kind: end}}}}
flows: [[s, review], [review, e]]
{extra}""", encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(library))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = run(app(), "compare")
    at.selectbox(key="compare_candidate_contract").set_value("tight").run()
    bridge = at.dataframe[1].value
    per_year = dict(zip(bridge["Effect"], bridge["Change per year, RUB"], strict=True))
    assert per_year["capacity"] == pytest.approx(325_500) and per_year["rate"] == 0
    prices = at.dataframe[2].value
    lawyer = prices[prices["Resource"] == "lawyer"].iloc[0]
    assert lawyer["Overrides (catalogue values changed)"] == \
        "candidate: capacity_hours_per_month 300"
    assert lawyer["Capacity effect per year, RUB"] == pytest.approx(325_500)
    assert metrics(at)["Price effects per year"] == rub(-325_500)


EDITOR = "edit_activities::invoices/as_is.yaml::0"
FLOWS = "edit_flows::invoices/as_is.yaml::0"


def edit(at: AppTest, key: str, rows: dict) -> AppTest:
    at.session_state[key] = {"edited_rows": rows, "added_rows": [], "deleted_rows": []}
    return run(at)


def test_an_edit_changes_the_total_as_computed_by_hand(library):
    at = run(app(), "edit")
    assert metrics(at)["Cost per instance"] == rub(830)
    at = edit(at, EDITOR, {0: {"labor: clerk": "45"}})  # check: 45 × 10 = 450 instead of 300
    assert metrics(at)["Cost per instance"] == rub(980)
    assert at.metric[0].delta == rub(150)
    assert metrics(at)["Changed values"] == "1"
    assert not at.error


def test_an_invalid_edit_shows_the_problem_and_writes_nothing(library):
    before = (library / "invoices/as_is.yaml").read_bytes()
    at = run(app(), "edit")
    at = edit(at, EDITOR, {0: {"labor: clerk": "-5"}})
    assert "1 problem(s)" in at.error[0].value
    assert any("invoices/as_is.yaml: check: labor.clerk: duration must not be negative"
               in t.value for t in at.text)
    assert at.button(key="edit_save").disabled
    # a forged click on the disabled button (what a hostile client could send)
    at.session_state["edit_save"] = True
    run(at)
    assert any("Not saved" in e.value for e in at.error)
    assert any("fix the problems first" in t.value for t in at.text)
    assert (library / "invoices/as_is.yaml").read_bytes() == before


def test_probabilities_that_stop_summing_to_one_are_refused(library):
    at = run(app(), "edit")
    at = edit(at, FLOWS, {2: {"probability": "0,9"}})
    assert any("sum to 1.15, not 1" in t.value for t in at.text)
    assert at.button(key="edit_save").disabled


def test_save_writes_the_file_keeps_comments_and_logs_the_change(library):
    at = run(app(), "edit")
    at = edit(at, EDITOR, {0: {"labor: clerk": "45"}})
    at.text_input(key="edit_reason").input("новый регламент")
    run(at)
    at.button(key="edit_save").click()
    run(at)
    text = (library / "invoices/as_is.yaml").read_text("utf-8")
    assert "check: {name: \"Проверка счёта\", labor: {clerk: 45}}" in text
    assert "# бухгалтер, 10 ₽/мин" in text
    assert any("1 change(s) recorded" in s.value for s in at.success)
    assert metrics(at)["Cost per instance"] == rub(980)  # the saved figure is now the baseline
    entries = ChangeLog(default_change_log_path(library)).entries()
    assert [(e.user, e.file, e.element, e.field, e.old_value, e.new_value, e.reason)
            for e in entries] == [(local_user().id, "invoices/as_is.yaml", "check",
                                   "labor.clerk", "30", "45", "новый регламент")]
    at.switch_page("dashboard_pages/changes.py").run()
    log_table = at.dataframe[0].value
    assert list(log_table["New value"]) == ["45"] and list(log_table["Element"]) == ["check"]
    assert "Hash chain intact: 1 entries" in at.success[0].value


def test_a_second_editor_is_refused_and_nothing_is_lost(library):
    path = library / "invoices/as_is.yaml"
    first, second = run(app(), "edit"), run(app(), "edit")
    first = edit(first, EDITOR, {0: {"labor: clerk": "45"}})
    first.button(key="edit_save").click()
    run(first)
    saved_by_first = path.read_text("utf-8")
    second = edit(second, EDITOR, {1: {"labor: clerk": "20"}})
    second.button(key="edit_save").click()
    run(second)
    assert any("was changed by someone else" in t.value for t in second.text)
    assert any("+  check: {name: \"Проверка счёта\", labor: {clerk: 45}}" in c.value
               for c in second.code), "the difference is shown"
    assert path.read_text("utf-8") == saved_by_first
    assert len(ChangeLog(default_change_log_path(library)).entries()) == 1


def test_save_as_new_variant(library):
    at = run(app(), "edit")
    at = edit(at, EDITOR, {2: {"uses: courier": "0"}})
    at.text_input(key="edit_new_variant").input("edo_2")
    at.text_input(key="edit_new_title").input("Счета поставщиков: ЭДО")
    run(at)
    at.button(key="edit_save_as").click()
    run(at)
    new = load_model(library / "invoices/edo_2.yaml")
    assert new.variant == "edo_2" and new.activities["send"].uses == {}
    assert (library / "invoices/as_is.yaml").read_text("utf-8") == AS_IS
    entries = ChangeLog(default_change_log_path(library)).entries()
    assert [(e.file, e.element, e.new_value) for e in entries] == [
        ("invoices/edo_2.yaml", "(file)", "created from invoices/as_is.yaml"),
        ("invoices/edo_2.yaml", "send", None),
        ("invoices/edo_2.yaml", "title", "Счета поставщиков: ЭДО")]
    assert new.title == "Счета поставщиков: ЭДО"


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "abc", "client_secret": "s",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}
ROLES = {"executive": ["boss@example.com"], "analyst": ["ana@example.com"],
         "auditor": ["audit@example.com"]}


def signed_in(email: str) -> AppTest:
    at = app(auth=AUTH, roles=ROLES)
    at.user = {"is_logged_in": True, "email": email, "name": email.split("@")[0]}
    return at


def test_without_signing_in_only_the_sign_in_button_shows(library):
    at = app(auth=AUTH, roles=ROLES)
    at.user = {"is_logged_in": False}
    run(at)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe


@pytest.mark.parametrize(
    ("email", "reachable", "unreachable"),
    [
        ("boss@example.com", ["overview", "compare", "simulation"],
         ["edit", "import_model", "changes", "export"]),
        ("ana@example.com", ["overview", "compare", "edit", "import_model", "changes"], ["export"]),
        ("audit@example.com", ["overview", "compare", "changes", "export"], ["edit", "import_model"]),
    ],
)
def test_each_role_reaches_only_its_pages(library, email, reachable, unreachable):
    at = run(signed_in(email))
    assert "Signed in as" in at.sidebar.text[0].value
    for page in reachable:
        at.switch_page(f"dashboard_pages/{page}.py").run()
        assert not at.exception
    for page in unreachable:
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page(f"dashboard_pages/{page}.py").run()


def test_a_user_without_a_role_sees_nothing(library):
    at = run(signed_in("stranger@example.com"))
    assert "hold no role" in at.error[0].value
    assert not at.metric


def test_edits_are_logged_under_the_signed_in_user(library):
    at = run(signed_in("ana@example.com"), "edit")
    at = edit(at, EDITOR, {0: {"labor: clerk": "40"}})
    at.button(key="edit_save").click()
    run(at)
    assert [e.user for e in ChangeLog(default_change_log_path(library)).entries()] == [
        "ana@example.com"]


def test_export_page_offers_the_downloads_to_an_auditor(library):
    at = run(signed_in("audit@example.com"), "export")
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["Costing as CSV", "Costing as JSON", "Comparison as CSV",
                      "Comparison as JSON", "Excel workbook", "PDF report",
                      "All tables (CSV zip)"]


def test_a_tampered_change_log_is_reported(library):
    at = run(app(), "edit")
    at = edit(at, EDITOR, {0: {"labor: clerk": "45"}})
    at.button(key="edit_save").click()
    run(at)
    import sqlite3

    database = default_change_log_path(library)
    with sqlite3.connect(database) as connection:
        connection.execute("DROP TRIGGER IF EXISTS change_log_no_update")
        names = [r[0] for r in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'")]
        for name in names:
            connection.execute(f"DROP TRIGGER {name}")
        connection.execute("UPDATE change_log SET new_value = '15' WHERE seq = 1")
    at.switch_page("dashboard_pages/changes.py").run()
    assert "cannot be trusted" in at.error[0].value
    assert any("entry 1 was altered (its hash does not match its contents)" in t.value
               for t in at.text)


def test_simulation_page_shows_distributions_capacity_and_sensitivity(library):
    at = run(app(), "simulation")
    assert len(at.get("plotly_chart")) == 3  # two histograms and the tornado; no known capacity
    for table, exact in zip(at.dataframe[:2], (830, 330), strict=True):  # as_is, then edo
        cost = table.value[table.value["Measure"] == "Cost per instance, RUB"].iloc[0]
        # the exact mean lies within the simulation's own 95% interval
        assert cost["95% CI low"] <= cost["Exact mean"] <= cost["95% CI high"]
        assert cost["Exact mean"] == pytest.approx(exact)
    capacity = at.dataframe[2].value
    # 1000 invoices a year: (30 + 0.25 × 12) min × 1000 / 12 months / 60 = 45.83 h a month
    clerk = capacity[capacity["Pool"] == "clerk"].iloc[0]
    # shown to the column's one decimal, rounded half away from zero: 45.8
    assert clerk["Used, h per month"] == float(rounded_for_display(33 * 1000 / 12 / 60, 1))
    assert any(f"Base cost per instance {rub(330)}" in c.value for c in at.caption)


def test_simulation_page_picks_a_month_of_the_production_calendar(tmp_path, monkeypatch):
    # Clerks: 360 practical h in an average month of 2026 (1 972 h / 12 = 164.33 h a person);
    # January 2026 has 120 working hours: 360 × 120 / 164.33 = 262.88 h. The load is the
    # average month's: 1 200 claims × 180 min / 12 / 60 = 300 h: 83.3 % on average, short in
    # January (300 / 262.88 = 114.1 %).
    folder = tmp_path / "process_models" / "claims"
    folder.mkdir(parents=True)
    (folder / "as_is.yaml").write_text("""\
format: abc-costing/1
process: claims
variant: as_is
volume_per_year: 1200
resources:
  clerk: {kind: labor, cost_per_month: 300000, headcount: 3, capacity_hours_per_month: 360}
activities: {check: {labor: {clerk: 180}}}
events: {s: {kind: start}, e: {kind: end}}
flows: [[s, check], [check, e]]
""", encoding="utf-8")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = run(app(), "simulation")
    picker = at.selectbox(key="sim_capacity_month")
    assert picker.value is None and "2026-01" in picker.options  # the average month first

    def clerk():
        table = next(t.value for t in at.dataframe if "Pool" in t.value.columns)
        return table[table["Pool"] == "clerk"].iloc[0]

    capacity = "Capacity, h per month (практическая ёмкость)"
    assert clerk()[capacity] == 360 and clerk()["Status"] == "ok"
    assert clerk()["Utilisation"] == pytest.approx(300 / 360, abs=1e-4)
    picker.set_value("2026-01").run()
    january = 360 * 120 / (1972 / 12)
    assert clerk()[capacity] == float(rounded_for_display(january, 1))  # 262.9
    assert clerk()["Utilisation"] == pytest.approx(300 / january, abs=1e-4)
    assert clerk()["Status"].startswith("SHORTAGE")
    assert any("in 2026-01" in s.value for s in at.subheader) or any(
        "2026-01" in c.value for c in at.caption)
    assert not any("provisional" in w.value for w in at.warning)
    # 2027 ships from the law alone: its months say so in plain sight, not in a closed box;
    # January 2027 also has 120 h: 360 × 120 / (1 987 / 12)
    picker.set_value("2027-01").run()
    assert any("2027 is provisional" in w.value for w in at.warning)
    assert clerk()[capacity] == float(rounded_for_display(360 * 120 / (1987 / 12), 1))


def test_simulation_is_reproducible_with_the_same_seed(library):
    first, second = run(app(), "simulation"), run(app(), "simulation")
    assert first.dataframe[0].value.equals(second.dataframe[0].value)


DATA = ROOT / "tests" / "data"


def test_import_a_bpmn_file_and_save_it_as_a_new_variant(library):
    at = run(app(), "import_model")
    at.file_uploader(key="import_file").set_value(
        ("qbp_invoice.bpmn", (DATA / "bpmn" / "qbp_invoice.bpmn").read_bytes(), "text/xml"))
    run(at)
    # the same figure the importer's own test works out by hand from the QBP parameters
    assert metrics(at)["Cost per instance"] == "EUR\u00a024.70"
    assert len(at.get("plotly_chart")) == 1
    at.button(key="import_save").click()
    run(at)
    saved = [p for p in library.rglob("*.yaml") if "invoices" not in p.parts]
    assert len(saved) == 1 and load_model(saved[0]).currency == "EUR"
    [entry] = ChangeLog(default_change_log_path(library)).entries()
    assert entry.new_value == "imported from qbp_invoice.bpmn" and entry.element == "(file)"


def upload_log(at: AppTest, name: str, data: bytes) -> AppTest:
    at.radio(key="import_kind").set_value("Event log")
    run(at)
    at.file_uploader(key="import_log").set_value((name, data, "text/csv"))
    return run(at)


def test_import_an_event_log_with_rates_shows_costs_and_variants(library):
    (library / "contracts").mkdir()
    (library / "contracts" / "rates.yaml").write_bytes((DATA / "logs" / "rates.yaml").read_bytes())
    at = upload_log(run(app(), "import_model"), "contracts.csv",
                    (DATA / "logs" / "contracts.csv").read_bytes())
    at.selectbox(key="import_rates").set_value("contracts/rates.yaml")
    run(at)
    # the mining test's hand figure: 3 850 per case (to the 4-decimal probabilities)
    shown = metrics(at)["Cost per instance"]
    assert shown.startswith("RUB\u00a0") and abs(float(shown[4:].replace(",", "")) - 3850) < 1
    variants = at.dataframe[0].value
    assert variants["Cases"].sum() == 5 and variants["Fits design"].notna().all()


def test_a_hostile_bpmn_file_is_refused(library):
    bomb = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL">&b;</definitions>')
    at = run(app(), "import_model")
    at.file_uploader(key="import_file").set_value(("bomb.bpmn", bomb.encode(), "text/xml"))
    run(at)
    assert "could not be imported" in at.error[0].value
    assert not list(library.rglob("bomb*"))


def test_rates_uploaded_after_the_log_reach_the_model_and_it_saves(library):
    at = upload_log(run(app(), "import_model"), "contracts.csv",
                    (DATA / "logs" / "contracts.csv").read_bytes())
    assert '"?"' in at.text_area[0].value  # no rates yet: placeholders to fill in
    at.file_uploader(key="import_rates_table").set_value(
        ("rates.csv", (DATA / "logs" / "rates.csv").read_bytes(), "text/csv"))
    run(at)
    # the same hand figures as with the rates model: 3 850 per instance, the variants'
    # (3 × 2 550 + 7 200 + 4 400) / 5; a table has no flow, so no fit is judged
    assert '"?"' not in at.text_area[0].value
    shown = metrics(at)["Cost per instance"]
    assert abs(float(shown[4:].replace(",", "")) - 3850) < 1
    variants = at.dataframe[0].value
    assert list(variants["Per case, RUB"]) == pytest.approx([2550, 7200, 4400])
    assert (variants["Fits design"] == "—").all()  # a table has no flow to replay on
    at.button(key="import_save").click()
    run(at)
    assert (library / "contracts" / "as_is.yaml").is_file()
    assert load_model(library / "contracts" / "as_is.yaml").resources


def test_a_bad_rates_table_lists_its_problems(library):
    at = upload_log(run(app(), "import_model"), "contracts.csv",
                    (DATA / "logs" / "contracts.csv").read_bytes())
    at.file_uploader(key="import_rates_table").set_value(
        ("rates.csv", "resource,rate\nИванова,-5\n".encode(), "text/csv"))
    run(at)
    assert "rates table cannot be used" in at.error[0].value
    assert any("must not be negative" in t.value for t in at.text)


# --- fault 1: an edit never lands on a file nobody chose --------------------------------------


def test_after_save_as_new_variant_the_editor_is_on_it_and_the_original_is_untouched(library):
    at = run(app(), "edit")
    at = edit(at, EDITOR, {2: {"uses: courier": "0"}})          # the edit, pending on as_is
    at.text_input(key="edit_new_variant").input("edo_3")
    at.text_input(key="edit_new_title").input("Счета: без курьера")
    run(at)
    at.button(key="edit_save_as").click()
    run(at)
    assert at.selectbox(key="edit_pick").value == ("invoices", "edo_3")
    assert any("you are editing it now" in s.value for s in at.success)
    # the new variant's own figures: 300 + 0.25 × 120 + 0 = 330
    assert metrics(at)["Cost per instance"] == rub(330)
    assert metrics(at)["Changed values"] == "0"
    assert at.button(key="edit_save").disabled  # nothing pending anywhere
    # back on as_is: the edit that went into edo_3 is no longer pending there
    at.selectbox(key="edit_pick").set_value(("invoices", "as_is"))
    run(at)
    assert metrics(at)["Changed values"] == "0" and metrics(at)["Cost per instance"] == rub(830)
    assert (library / "invoices/as_is.yaml").read_text("utf-8") == AS_IS


def test_save_as_new_variant_asks_for_its_own_title(library):
    at = run(app(), "edit")
    at = edit(at, EDITOR, {2: {"uses: courier": "0"}})
    at.text_input(key="edit_new_variant").input("edo_4")
    run(at)
    assert at.button(key="edit_save_as").disabled  # no title yet
    at.text_input(key="edit_new_title").input("Счета поставщиков")  # the original's title
    run(at)
    at.button(key="edit_save_as").click()
    run(at)
    assert any("needs its own title" in t.value for t in at.text)
    assert not (library / "invoices/edo_4.yaml").exists()


# --- fault 2: typed numbers are read one way, whatever the browser's language -----------------


RESOURCES = "edit_resources::invoices/as_is.yaml::0"


@pytest.mark.parametrize("typed", ["1 500,50", "1500.50", "1\u202f500,5"])
def test_a_rate_typed_with_a_decimal_comma_or_point_costs_the_same(library, typed):
    at = run(app(), "edit")
    at = edit(at, RESOURCES, {0: {"rate_per_hour": typed}})
    # check: 30 min × 1500.5/60 = 750.25; fix: 0.25 × 12 × 1500.5/60 = 75.025; send: 500
    assert metrics(at)["Cost per instance"] == rub(750.25 + 75.025 + 500)


@pytest.mark.parametrize(("typed", "words"), [
    ("-1400", "clerk: rate_per_hour: must not be negative (got -1400)"),
    ("1.500,50", "clerk: rate_per_hour: '1.500,50' mixes ',' and '.'"),
    ("1,500", "clerk: rate_per_hour: '1,500' is ambiguous: 1.5 or 1500?"),
])
def test_a_negative_or_ambiguous_number_is_refused_naming_the_element(library, typed, words):
    at = run(app(), "edit")
    at = edit(at, RESOURCES, {0: {"rate_per_hour": typed}})
    assert any(words in t.value for t in at.text)
    assert at.button(key="edit_save").disabled
    assert metrics(at)["Cost per instance"] == rub(830)


# --- fault 7: text from users is shown as text ------------------------------------------------


def test_markdown_in_names_is_shown_as_text_not_rendered(library):
    hostile = AS_IS.replace('name: "Проверка счёта"',
                            'name: "![p](http://evil.example/p.png) [Войдите снова](http://evil.example)"')
    (library / "invoices" / "as_is.yaml").write_text(hostile, encoding="utf-8")
    at = run(app(), "edit")
    at = edit(at, EDITOR, {0: {"labor: clerk": "-5"}})
    assert not any("evil.example" in m.value for m in at.markdown)
    assert not any("evil.example" in (getattr(e, "value", "") or "") for e in at.error)
    assert at.text  # the problem list is plain text


def test_a_broken_file_in_the_library_is_listed_and_the_pages_still_work(library):
    (library / "invoices" / "broken.yaml").write_text("format: abc-costing/1\n? [a, b]\n: 1\n",
                                                      encoding="utf-8")
    for page in (None, "compare", "edit", "simulation", "export", "changes"):
        at = run(app(), page)
        assert not at.exception
    at = run(app())
    assert any("invoices/broken.yaml" in t.value for t in at.text)


# --- fault 9: beyond localhost only with sign-in, or what the operator allows -----------------


@pytest.fixture
def exposed(monkeypatch):
    from streamlit import config

    original = config.get_option("server.address")
    config.set_option("server.address", "0.0.0.0")
    yield
    config.set_option("server.address", original)


def test_served_beyond_localhost_without_sign_in_nothing_is_shown(library, exposed,
                                                                  monkeypatch, caplog):
    monkeypatch.delenv("ABC_COSTING_ANONYMOUS_ROLES", raising=False)
    from dashboard_pages import state

    state._announce_exposure.clear()  # once per server process: this test is a fresh start
    with caplog.at_level("WARNING", logger="abc_costing.dashboard"):
        at = run(app())
    assert "reachable from other machines and no sign-in is configured" in at.error[0].value
    assert not at.metric and not at.dataframe
    # and the operator reads it in the server's log
    assert any("listening on 0.0.0.0 without sign-in: every page is refused" in r.getMessage()
               for r in caplog.records)


def test_the_operator_can_open_it_to_anonymous_executives_only(library, exposed, monkeypatch):
    monkeypatch.setenv("ABC_COSTING_ANONYMOUS_ROLES", "executive")
    at = run(app())
    assert metrics(at)["Cost per year, as is"] == rub(830_000)
    assert "without sign-in, as: executive" in at.sidebar.warning[0].value
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("dashboard_pages/edit.py").run()


def test_a_signed_in_name_with_markdown_is_shown_as_text(library):
    at = app(auth=AUTH, roles=ROLES)
    at.user = {"is_logged_in": True, "email": "ana@example.com",
               "name": "[Войдите снова](http://evil.example) ![p](http://evil.example/p.png)"}
    run(at)
    assert any("[Войдите снова](http://evil.example)" in t.value for t in at.sidebar.text)
    assert not any("evil.example" in m.value for m in at.markdown)
    assert not any("evil.example" in c.value for c in at.caption)


def test_import_page_lets_the_user_choose_the_pool_of_a_file_with_several(library):
    from tests.test_bpmn_structure import TWO_POOLS

    at = run(app(), "import_model")
    at.file_uploader(key="import_file").set_value(("shop.bpmn", TWO_POOLS, "text/xml"))
    run(at)
    assert at.selectbox(key="import_pool").options == ["'Shop' (shop)", "'Bank' (bank)"]
    assert "process: shop" in at.text_area[0].value and 'wait: "?"' in at.text_area[0].value
    at.selectbox(key="import_pool").set_value("'Bank' (bank)")
    run(at)
    assert "process: bank" in at.text_area[0].value


def test_view_as_one_role_without_sign_in(library):
    # No sign-in configured: the machine's user holds every role and may narrow it.
    at = run(app())
    assert at.sidebar.selectbox(key=view_as_widget_key("en")).value == "every role (you)"
    at.switch_page("dashboard_pages/edit.py").run()
    assert not at.exception
    at.sidebar.selectbox(key=view_as_widget_key("en")).set_value("executive").run()
    assert at.sidebar.text[0].value.endswith("· executive")
    for page in ("overview", "compare", "simulation", "ledger"):
        at.switch_page(f"dashboard_pages/{page}.py").run()
        assert not at.exception
    for page in ("edit", "import_model", "resources", "changes", "export"):
        with pytest.raises(ValueError, match="Could not find"):
            at.switch_page(f"dashboard_pages/{page}.py").run()
    at.sidebar.selectbox(key=view_as_widget_key("en")).set_value("auditor").run()
    at.switch_page("dashboard_pages/export.py").run()
    assert not at.exception


def test_an_empty_number_cell_reads_a_dash_never_none(tmp_path, monkeypatch):
    """The grid draws a missing number as its placeholder (a grey "None" by default,
    whatever the Styler says): the cash table's pools without a headcount must read "—"."""
    import shutil

    from tests.conftest import LIBRARY

    shutil.copytree(LIBRARY, tmp_path / "process_models")
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(tmp_path / "process_models"))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    at = run(app(), "compare")  # contract_approval: as_is against template_esign
    grids = [d for d in at.dataframe if "Heads released" in d.value.columns]
    assert len(grids) == 1
    cash = grids[0].value.set_index("Pool")
    headcount = "Headcount (штатная численность)"
    assert cash.loc["lawyer", headcount] == 3  # three lawyers: a number, it sorts as one
    assert cash[headcount].isna().any()  # finance_controller's file states no headcount
    assert grids[0].proto.placeholder == "—"
    assert all(d.proto.placeholder == "—" for d in at.dataframe)
