"""The Advisor page through AppTest, in Russian and in English, on a copy of the library."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from abc_costing import workflows as wf
from abc_costing.i18n import translate
from abc_costing.reports.views import advice_sequence_view, advice_view

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def library(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "process_models"
    shutil.copytree(ROOT / "process_models", folder)
    monkeypatch.setenv("ABC_COSTING_LIBRARY", str(folder))
    monkeypatch.delenv("ABC_COSTING_CHANGE_LOG", raising=False)
    return folder


def advisor_page(language: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=300)
    at.run()
    at.sidebar.radio(key="language").set_value(language).run()
    at.switch_page("dashboard_pages/advisor.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("language", ["ru", "en"])
def test_the_page_shows_the_moves_and_applies_one_as_a_new_variant(library, language):
    at = advisor_page(language)
    process = at.selectbox(key="advisor_process").value
    advised = wf.advise_file(library / process / "as_is.yaml", top=None)
    advice = advised.advice
    assert advice is not None and advice.sequence and advice.ranked
    # the moves combined, then the ranked moves, under their titles in the reader's language
    titles = [s.value for s in at.subheader]
    assert titles[:3] == [translate(advice_sequence_view(advice).title, language),
                          translate(advice_view(advice).title, language),
                          "What a move changes" if language == "en" else "Что меняет мера"]
    assert translate(wf.chosen_move(advice, 1).description, language) in \
        at.dataframe[1].value.iloc[0].tolist()
    assert len(at.dataframe[1].value) == len(advice.ranked)  # every move, none cut
    # the moves combined are picked first: their diff is the last table
    _, edits, _ = wf.move_diff(library / process / "as_is.yaml", advice, wf.COMBINED)
    assert len(at.dataframe[-1].value) == len(edits)
    at.text_input(key="advisor_variant").set_value("advised")
    at.text_input(key="advisor_title").set_value("Меры советника").run()
    at.button(key="advisor_apply").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = library / process / "advised.yaml"
    assert saved.is_file()
    assert at.success[0].value.startswith(
        "Saved the new variant" if language == "en" else "Новый вариант")
    # the reason recorded is the combined moves' description, in the reader's language
    entries = wf.change_log_entries(wf.change_log_path(library),
                                    file=f"{process}/advised.yaml").entries
    assert {e.reason for e in entries} == {wf.chosen_move(advice, wf.COMBINED).reason(language)}
